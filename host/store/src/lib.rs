//! Storage of the practice through sqlx, on an embedded SQLite file (the
//! one-doctor default) or PostgreSQL (maisons and centres de santé, hosted
//! deployments), chosen by the URL.
//!
//! Every read or write of patient data goes through a method that takes the
//! [`Actor`] and appends to the hash-chained audit trail in the same
//! transaction: no access without its trace.

pub mod a_voir;
pub mod accounts;
pub mod agenda;
pub mod audit;
pub mod backup;
pub mod biologie;

mod db;
pub mod documents;
pub mod episodes;
pub mod historique;
pub mod indicateurs;
pub mod insi;
pub mod mss;
pub mod outbox;
pub mod patients;
pub mod portability;
pub mod portee;
pub mod prive;
pub mod record;
pub mod search;

pub use accounts::{NewUser, User};
pub use audit::{AuditEvent, AuditReport};
pub use db::{Backend, Store};
pub use episodes::{DecisionEntry, Episode};
pub use patients::{PatientRecord, PatientSummary};

/// Who acts, and which patients the act may reach.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Actor {
    /// The login traced in the audit trail.
    pub user_id: String,
    pub portee: Portee,
}

/// The patients an actor may reach: a structure's (an MSP or centre de
/// santé shares its patients across its sites, never across structures).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Portee {
    /// The host itself acting on its home: the command line, background
    /// jobs on what a user already reached, tests of the store.
    Hote,
    /// A user of this structure (its id).
    Structure(String),
    /// An account attached to no structure reaches no patient.
    Aucune,
}

/// The actor behind an account or a session (traced by its login).
pub trait Acteur {
    fn actor(&self) -> Actor;
}

impl Acteur for User {
    fn actor(&self) -> Actor {
        Actor {
            user_id: self.login.clone(),
            portee: match &self.structure_id {
                Some(s) => Portee::Structure(s.clone()),
                None => Portee::Aucune,
            },
        }
    }
}

impl Acteur for esculape_api_types::comptes::Caller {
    fn actor(&self) -> Actor {
        self.user.actor()
    }
}

impl Actor {
    /// The host acting under a user's name (command line on the home,
    /// jobs, tests): every structure. A session's user is
    /// [`Acteur::actor`], scoped to its structure.
    pub fn user(id: impl Into<String>) -> Self {
        Self {
            user_id: id.into(),
            portee: Portee::Hote,
        }
    }
    pub fn system() -> Self {
        Self::user("système")
    }
    /// The structure this actor's patients belong to; `None` for the host.
    pub fn structure(&self) -> Option<&str> {
        match &self.portee {
            Portee::Structure(s) => Some(s),
            Portee::Hote | Portee::Aucune => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("base de données: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("adresse de base de données non prise en charge «{0}» (sqlite: ou postgres:)")]
    UnsupportedUrl(String),
    #[error("{0}")]
    Invalid(#[from] esculape_domain::IdentityError),
    #[error("introuvable: {0}")]
    NotFound(String),
    #[error(
        "modification concurrente: le dossier a changé depuis sa lecture (version {expected} attendue, {found} trouvée)"
    )]
    Conflict { expected: i64, found: i64 },
    #[error("doublon: {0}")]
    Duplicate(String),
    #[error("donnée stockée illisible: {0}")]
    Corrupt(String),
    /// A rule of the domain (record, agenda, documents, accounts).
    #[error("{0}")]
    Rule(String),
    /// The practitioner's time is already taken.
    #[error("créneau déjà occupé: {0}")]
    Busy(String),
    #[error("sauvegarde: {0}")]
    Backup(String),
    /// A file of the database could not be created or protected.
    #[error("fichier de la base: {0}")]
    Fichier(String),
    /// Beyond what the actor's structure may do (the refusal is traced).
    #[error("{0}")]
    Interdit(String),
    /// The first-start set-up asked again once an account exists.
    #[error("le cabinet est déjà installé : connectez-vous avec un compte existant")]
    DejaInstalle,
}

macro_rules! rule_errors {
    ($($t:ty),*) => {$(
        impl From<$t> for StoreError {
            fn from(e: $t) -> Self {
                StoreError::Rule(e.to_string())
            }
        }
    )*};
}
rule_errors!(
    esculape_domain::record::RecordError,
    esculape_domain::agenda::AgendaError,
    esculape_domain::document::DocumentError,
    esculape_domain::AccountError
);

pub type Result<T> = std::result::Result<T, StoreError>;

/// Milliseconds since the Unix epoch.
pub fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// A random identifier (128 bits, hex).
pub fn new_id() -> String {
    let mut b = [0u8; 16];
    // getrandom only fails without an OS source of randomness; the time
    // then still gives distinct ids in one process.
    if getrandom::fill(&mut b).is_err() {
        b[..8].copy_from_slice(&now_millis().to_le_bytes());
    }
    hex::encode(b)
}

/// `n` random bytes from the OS (secrets: session tokens, salts, keys).
pub fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b)
        .map_err(|e| StoreError::Backup(format!("aléa du système indisponible: {e}")))?;
    Ok(b)
}

pub mod testing;
