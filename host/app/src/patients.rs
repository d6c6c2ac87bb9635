//! Identities as users type them: the INS and the INSi provenance come
//! only from the host's own INSi path ([`crate::qualification`]).

use crate::App;
use esculape_domain::record::{CareTeamMember, Contact};
use esculape_domain::{BirthDate, Identity, NewIdentity};
use esculape_store::historique::{ObjetHistorise, Version};
use esculape_store::indicateurs::IndicateursIns;
use esculape_store::patients::PatientRecord;
use esculape_store::record::{CareTeamEntry, Coordonnees};
use esculape_store::{Actor, PatientSummary, Result};

impl App {
    /// Creates a patient from a typed identity (no INS, not from the
    /// INSi: the file's opening asks the téléservice).
    pub async fn creer_patient(&self, actor: &Actor, new: NewIdentity) -> Result<PatientRecord> {
        let identity = Identity::saisie(new, None, BirthDate::from(self.today()))?;
        self.store.create_patient(actor, identity).await
    }

    /// A user's change of an identity read at `version`
    /// ([`Identity::saisie`]).
    pub async fn modifier_identite(
        &self,
        actor: &Actor,
        id: &str,
        version: i64,
        new: NewIdentity,
        motif: Option<&str>,
    ) -> Result<PatientRecord> {
        let today = BirthDate::from(self.today());
        self.store
            .saisir_identite(actor, id, version, new, today, motif)
            .await
    }

    /// Every version of the identity, oldest first.
    pub async fn historique_identite(
        &self,
        actor: &Actor,
        id: &str,
    ) -> Result<Vec<Version<Identity>>> {
        self.store
            .historique(actor, ObjetHistorise::Identite, id)
            .await
    }
}

impl App {
    /// Patients whose name, birth date or INS matches `q` (the store
    /// bounds `limit`).
    pub async fn rechercher_patients(
        &self,
        actor: &Actor,
        q: &str,
        limit: i64,
    ) -> Result<Vec<PatientSummary>> {
        self.store.search_patients(actor, q, limit).await
    }

    /// Loads the search index (at start, while the first user logs in).
    pub async fn prechauffer_recherche(&self) {
        let t = std::time::Instant::now();
        match self.store.warm_search().await {
            Ok(n) => tracing::info!(
                "index de recherche: {n} patients en {:.1} s",
                t.elapsed().as_secs_f64()
            ),
            Err(e) => tracing::error!("index de recherche non chargé: {e}"),
        }
    }

    /// Opens an identity; asks the INSi in the background when it needs
    /// it ([`crate::qualification::a_l_ouverture`]).
    pub async fn ouvrir_identite(&self, actor: &Actor, id: &str) -> Result<PatientRecord> {
        let rec = self.store.patient(actor, id).await?;
        crate::qualification::a_l_ouverture(self, actor, &rec);
        Ok(rec)
    }

    pub async fn contact(&self, actor: &Actor, patient_id: &str) -> Result<Coordonnees> {
        self.store.contact(actor, patient_id).await
    }

    /// Replaces the contact details read at `version` (0: none yet); the
    /// ones before stay in their history.
    pub async fn modifier_contact(
        &self,
        actor: &Actor,
        patient_id: &str,
        version: i64,
        c: Contact,
        motif: Option<&str>,
    ) -> Result<Coordonnees> {
        self.store
            .set_contact(actor, patient_id, version, c, motif)
            .await
    }

    /// Every version of the contact details, oldest first.
    pub async fn historique_contact(
        &self,
        actor: &Actor,
        patient_id: &str,
    ) -> Result<Vec<Version<Contact>>> {
        self.store
            .historique(actor, ObjetHistorise::Contact, patient_id)
            .await
    }

    pub async fn equipe_de_soins(
        &self,
        actor: &Actor,
        patient_id: &str,
    ) -> Result<Vec<CareTeamEntry>> {
        self.store.care_team(actor, patient_id).await
    }

    pub async fn ajouter_soignant(
        &self,
        actor: &Actor,
        patient_id: &str,
        m: CareTeamMember,
    ) -> Result<CareTeamEntry> {
        self.store.add_care_team_member(actor, patient_id, m).await
    }

    pub async fn retirer_soignant(
        &self,
        actor: &Actor,
        patient_id: &str,
        membre: &str,
    ) -> Result<()> {
        self.store
            .remove_care_team_member(actor, patient_id, membre)
            .await
    }

    /// The TBB.INS.02 dashboard of a month, for one practitioner or
    /// structure when given (an empty filter is none).
    pub async fn indicateurs_ins(
        &self,
        actor: &Actor,
        mois: &str,
        rpps: Option<&str>,
        finess: Option<&str>,
    ) -> Result<Vec<IndicateursIns>> {
        let rpps = rpps.filter(|x| !x.is_empty());
        let finess = finess.filter(|x| !x.is_empty());
        self.store.indicateurs_ins(actor, mois, rpps, finess).await
    }
}
