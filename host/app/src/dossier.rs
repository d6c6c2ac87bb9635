//! The medical record: opening a chart, episodes, encounters, entries
//! and stored documents. Every read and write is traced by the store.

use crate::App;
use esculape_domain::DmpDecision;
use esculape_domain::document::{DocumentFormat, NewDocument, SendingState, Visibility};
use esculape_domain::record::{EntryData, NewEncounter};
use esculape_store::documents::{Channel, DocumentMeta, DocumentQuery, FormulaireSigne};
use esculape_store::historique::{ObjetHistorise, Version};
use esculape_store::record::{Chart, Encounter, Entry, Page};
use esculape_store::{Actor, AuditEvent, Episode, Result, StoreError};

/// Longest episode label, in bytes.
pub const LIBELLE_EPISODE_MAX: usize = 200;
/// Most accesses listed by one read of a patient's access log.
pub const JOURNAL_MAX: i64 = 1000;

impl App {
    /// Opens a patient's chart; asks the INSi in the background when the
    /// identity needs it ([`crate::qualification::a_l_ouverture`]).
    pub async fn ouvrir_dossier(&self, actor: &Actor, patient_id: &str) -> Result<Chart> {
        let chart = self.store.chart(actor, patient_id).await?;
        crate::qualification::a_l_ouverture(self, actor, &chart.patient);
        Ok(chart)
    }

    /// Who accessed a patient's file, newest first (`limit` kept within
    /// 1..=[`JOURNAL_MAX`], 100 by default).
    pub async fn journal_du_patient(
        &self,
        actor: &Actor,
        patient_id: &str,
        limit: Option<i64>,
    ) -> Result<Vec<AuditEvent>> {
        let limit = limit.unwrap_or(100).clamp(1, JOURNAL_MAX);
        self.store
            .journal_du_patient(actor, patient_id, limit)
            .await
    }

    /// Opens an episode of care under a non-empty label.
    pub async fn ouvrir_episode(
        &self,
        actor: &Actor,
        patient_id: &str,
        libelle: &str,
    ) -> Result<Episode> {
        if libelle.trim().is_empty() || libelle.len() > LIBELLE_EPISODE_MAX {
            return Err(StoreError::Rule(format!(
                "le libellé de l'épisode est obligatoire ({LIBELLE_EPISODE_MAX} caractères au plus)"
            )));
        }
        self.store.open_episode(actor, patient_id, libelle).await
    }

    pub async fn episode(&self, actor: &Actor, id: &str) -> Result<Episode> {
        self.store.episode(actor, id).await
    }

    /// The patient's decision about the DMP for an episode (feeding or
    /// consultation), kept with the episode.
    pub async fn decision_dmp(
        &self,
        actor: &Actor,
        episode_id: &str,
        decision: DmpDecision,
    ) -> Result<Episode> {
        self.store
            .record_dmp_decision(actor, episode_id, decision)
            .await
    }

    pub async fn creer_consultation(
        &self,
        actor: &Actor,
        patient_id: &str,
        episode_id: Option<&str>,
        consultation: NewEncounter,
    ) -> Result<Encounter> {
        self.store
            .create_encounter(actor, patient_id, episode_id, consultation)
            .await
    }

    /// Changes an encounter read at `version` (a concurrent change is a
    /// conflict, nothing is lost; the text before stays in its history).
    pub async fn modifier_consultation(
        &self,
        actor: &Actor,
        id: &str,
        version: i64,
        consultation: NewEncounter,
        motif: Option<&str>,
    ) -> Result<Encounter> {
        self.store
            .update_encounter(actor, id, version, consultation, motif)
            .await
    }

    /// Every version of an encounter, oldest first.
    pub async fn historique_consultation(
        &self,
        actor: &Actor,
        id: &str,
    ) -> Result<Vec<Version<NewEncounter>>> {
        self.store
            .historique(actor, ObjetHistorise::Consultation, id)
            .await
    }

    /// Every version of an entry (deleted ones too), oldest first.
    pub async fn historique_entree(
        &self,
        actor: &Actor,
        id: &str,
    ) -> Result<Vec<Version<EntryData>>> {
        self.store
            .historique(actor, ObjetHistorise::Entree, id)
            .await
    }

    pub async fn consultations(
        &self,
        actor: &Actor,
        patient_id: &str,
        offset: i64,
        limit: i64,
    ) -> Result<Page<Encounter>> {
        self.store
            .encounters_page(actor, patient_id, offset, limit)
            .await
    }

    pub async fn ajouter_entree(
        &self,
        actor: &Actor,
        patient_id: &str,
        encounter_id: Option<&str>,
        data: EntryData,
    ) -> Result<Entry> {
        self.store
            .add_entry(actor, patient_id, encounter_id, data)
            .await
    }

    pub async fn modifier_entree(
        &self,
        actor: &Actor,
        id: &str,
        version: i64,
        data: EntryData,
        motif: Option<&str>,
    ) -> Result<Entry> {
        self.store
            .update_entry(actor, id, version, data, motif)
            .await
    }

    pub async fn supprimer_entree(
        &self,
        actor: &Actor,
        id: &str,
        motif: Option<&str>,
    ) -> Result<()> {
        self.store.delete_entry(actor, id, motif).await
    }

    /// A page of the patient's documents (current versions unless asked).
    pub async fn documents(
        &self,
        actor: &Actor,
        patient_id: &str,
        q: &DocumentQuery,
    ) -> Result<Page<DocumentMeta>> {
        self.store.documents(actor, patient_id, q).await
    }

    /// Files a document brought from outside (a scan, a letter).
    pub async fn ajouter_document(
        &self,
        actor: &Actor,
        patient_id: &str,
        meta: NewDocument,
        contenu: Vec<u8>,
    ) -> Result<DocumentMeta> {
        self.store
            .add_document(actor, patient_id, meta, contenu)
            .await
    }

    /// A new version of a stored document (same setId).
    pub async fn remplacer_document(
        &self,
        actor: &Actor,
        precedent: &str,
        meta: NewDocument,
        contenu: Vec<u8>,
    ) -> Result<DocumentMeta> {
        self.store
            .replace_document(actor, precedent, meta, contenu)
            .await
    }

    pub async fn document(&self, actor: &Actor, id: &str) -> Result<(DocumentMeta, Vec<u8>)> {
        self.store.document(actor, id).await
    }

    /// The PDF of a stored document: an N1's embedded PDF/A, an N3's PDF
    /// copy (a prescription), or a PDF itself.
    pub async fn pdf_du_document(&self, actor: &Actor, id: &str) -> Result<Vec<u8>> {
        let (meta, bytes) = self.store.document(actor, id).await?;
        match meta.format {
            DocumentFormat::Pdf => Some(bytes),
            DocumentFormat::CdaN1 => Some(esculape_xds::embedded_pdf(&bytes).ok_or_else(|| {
                StoreError::Rule("le document CDA N1 ne contient pas de PDF lisible".into())
            })?),
            DocumentFormat::CdaN3 => esculape_xds::embedded_pdf(&bytes),
            _ => None,
        }
        .ok_or_else(|| StoreError::NotFound("ce document n'a pas de PDF enregistré".into()))
    }

    pub async fn supprimer_document(&self, actor: &Actor, id: &str) -> Result<DocumentMeta> {
        self.store.delete_document(actor, id).await
    }

    pub async fn etat_envoi(
        &self,
        actor: &Actor,
        id: &str,
        canal: Channel,
        etat: SendingState,
    ) -> Result<DocumentMeta> {
        self.store.set_sending_state(actor, id, canal, etat).await
    }

    pub async fn visibilite(&self, actor: &Actor, id: &str, v: Visibility) -> Result<DocumentMeta> {
        self.store.set_visibility(actor, id, v).await
    }

    /// The form a produced document was signed from, to correct it; a
    /// document not produced here by a module has none.
    pub async fn formulaire_signe(&self, actor: &Actor, id: &str) -> Result<FormulaireSigne> {
        match self.store.document_form(actor, id).await? {
            (_, Some(f)) => Ok(f),
            (_, None) => Err(StoreError::NotFound(
                "ce document n'a pas été produit ici par un module : pas de formulaire à reprendre"
                    .into(),
            )),
        }
    }
}
