//! Which records an actor reaches: those of its structure (issue 17,
//! finding 3). Several structures may share one database (hosted
//! deployments); an MSP or centre de santé shares its patients across its
//! sites, never with another structure.
//!
//! One check, [`Store::verifier_portee`], opens every method that names a
//! patient, or something of a patient, by its id; lists filter on
//! [`Actor::structure_sql`]. What another structure holds gets the answer
//! of an unknown id, so that nothing says it exists, and the attempt is
//! traced `acces.refuse`.

use crate::db::Store;
use crate::{Actor, Portee, Result, StoreError};
use sqlx::Row;

/// Something named by its id in a request.
#[derive(Debug, Clone, Copy)]
pub enum Cible<'a> {
    Patient(&'a str),
    Episode(&'a str),
    Consultation(&'a str),
    Entree(&'a str),
    Document(&'a str),
    RendezVous(&'a str),
    /// A background job of a patient.
    Travail(&'a str),
    /// A médecin's account, as the agenda names it.
    Praticien(&'a str),
    Site(&'a str),
    Compte(&'a str),
    Structure(&'a str),
    /// A received MSSanté message of the work list.
    Message(&'a str),
}

impl Cible<'_> {
    /// The patient (if any) and the structure of the thing, and what an
    /// unknown id is called: the words of the store's own "introuvable".
    fn requete(&self) -> (&'static str, String) {
        match *self {
            Cible::Patient(id) => (
                "SELECT id, structure_id FROM patient WHERE id = $1",
                format!("patient {id}"),
            ),
            Cible::Episode(id) => (
                "SELECT p.id, p.structure_id FROM episode x JOIN patient p ON p.id = x.patient_id WHERE x.id = $1",
                format!("épisode {id}"),
            ),
            Cible::Consultation(id) => (
                "SELECT p.id, p.structure_id FROM encounter x JOIN patient p ON p.id = x.patient_id WHERE x.id = $1",
                format!("consultation {id}"),
            ),
            Cible::Entree(id) => (
                "SELECT p.id, p.structure_id FROM clinical_entry x JOIN patient p ON p.id = x.patient_id WHERE x.id = $1",
                format!("entrée {id}"),
            ),
            Cible::Document(id) => (
                "SELECT p.id, p.structure_id FROM document x JOIN patient p ON p.id = x.patient_id WHERE x.id = $1",
                format!("document {id}"),
            ),
            Cible::RendezVous(id) => (
                "SELECT x.patient_id, s.structure_id FROM appointment x JOIN site s ON s.id = x.site_id WHERE x.id = $1",
                format!("rendez-vous {id}"),
            ),
            Cible::Travail(id) => (
                "SELECT p.id, p.structure_id FROM outbox x JOIN patient p ON p.id = x.patient_id WHERE x.id = $1",
                format!("travail {id}"),
            ),
            Cible::Praticien(id) => (
                "SELECT CAST(NULL AS TEXT), structure_id FROM app_user WHERE id = $1",
                format!("praticien {id}"),
            ),
            Cible::Site(id) => (
                "SELECT CAST(NULL AS TEXT), structure_id FROM site WHERE id = $1",
                format!("site {id}"),
            ),
            Cible::Compte(id) => (
                "SELECT CAST(NULL AS TEXT), structure_id FROM app_user WHERE id = $1",
                format!("compte {id}"),
            ),
            Cible::Structure(id) => (
                "SELECT CAST(NULL AS TEXT), id FROM structure WHERE id = $1",
                format!("structure {id}"),
            ),
            Cible::Message(id) => (
                "SELECT patient_id, structure_id FROM message_mss WHERE id = $1",
                format!("message {id}"),
            ),
        }
    }

    fn id(&self) -> &str {
        match *self {
            Cible::Patient(id)
            | Cible::Episode(id)
            | Cible::Consultation(id)
            | Cible::Entree(id)
            | Cible::Document(id)
            | Cible::RendezVous(id)
            | Cible::Travail(id)
            | Cible::Praticien(id)
            | Cible::Site(id)
            | Cible::Compte(id)
            | Cible::Structure(id)
            | Cible::Message(id) => id,
        }
    }
}

/// What an account of no structure filters on: no id equals it.
const AUCUNE: &str = "(aucune structure)";

impl Actor {
    /// Whether this actor reaches what belongs to `structure`: the host
    /// everything, a user their structure's, an account of none nothing.
    pub fn atteint(&self, structure: Option<&str>) -> bool {
        match &self.portee {
            Portee::Hote => true,
            Portee::Structure(s) => structure == Some(s.as_str()),
            Portee::Aucune => false,
        }
    }

    /// The structure a list is filtered on, as SQL binds it: empty for
    /// the host (no filter).
    pub fn structure_sql(&self) -> String {
        match &self.portee {
            Portee::Hote => String::new(),
            Portee::Structure(s) => s.clone(),
            Portee::Aucune => AUCUNE.into(),
        }
    }
}

/// Patients without a structure (created by the host before any
/// structure existed, or restored from a backup older than structures)
/// join the structure of the account that created them, else the first
/// structure: the rule of the migration that gave patients a structure.
pub(crate) const ADOPTION: &str = "UPDATE patient SET structure_id = COALESCE(
    (SELECT u.structure_id FROM audit_event a JOIN app_user u ON u.login = a.actor
     WHERE a.patient_id = patient.id AND a.action IN ('patient.create', 'import')
     ORDER BY a.seq LIMIT 1),
    (SELECT id FROM structure ORDER BY created_at, id LIMIT 1))
WHERE structure_id IS NULL";

/// Accounts without a structure join the first one (same migration).
pub(crate) const ADOPTION_COMPTES: &str = "UPDATE app_user SET structure_id = (SELECT id FROM structure ORDER BY created_at, id LIMIT 1) WHERE structure_id IS NULL";

/// The structure a patient created by `actor` belongs to: its own, or for
/// the host the practice's first.
pub(crate) async fn structure_de_creation(
    conn: &mut sqlx::AnyConnection,
    actor: &Actor,
) -> Result<Option<String>> {
    match &actor.portee {
        Portee::Structure(s) => Ok(Some(s.clone())),
        Portee::Aucune => Err(StoreError::Rule(
            "ce compte n'est rattaché à aucune structure: il ne peut pas créer de patient".into(),
        )),
        Portee::Hote => Ok(
            sqlx::query("SELECT id FROM structure ORDER BY created_at, id LIMIT 1")
                .fetch_optional(conn)
                .await?
                .map(|r| r.try_get(0))
                .transpose()?,
        ),
    }
}

impl Store {
    /// Refuses what `actor`'s structure does not hold: an unknown id and
    /// another structure's get the same `NotFound`, and the second is
    /// traced `acces.refuse` (on the patient concerned). The host reaches
    /// everything and is not checked here (each method still finds
    /// unknown ids). Called before a method takes the audit lock.
    pub async fn verifier_portee(&self, actor: &Actor, cible: Cible<'_>) -> Result<()> {
        if actor.portee == Portee::Hote {
            return Ok(());
        }
        let (sql, introuvable) = cible.requete();
        let row = sqlx::query(sql)
            .bind(cible.id().to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound(introuvable.clone()))?;
        let patient: Option<String> = row.try_get(0)?;
        let sienne: Option<String> = row.try_get(1)?;
        if actor.atteint(sienne.as_deref()) {
            return Ok(());
        }
        self.trace(
            actor,
            "acces.refuse",
            patient.as_deref(),
            &format!("{introuvable} : hors de la structure du compte"),
        )
        .await?;
        Err(StoreError::NotFound(introuvable))
    }
}
