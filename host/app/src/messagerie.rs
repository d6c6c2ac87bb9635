//! The MSSanté work list (LGC.MDV.06, SC.MSS/UX.25/28/31, LGC.MSS/UX.05):
//! every message read from a mailbox is recorded with what became of it.
//! A document whose INS names one patient goes to their record at once; a
//! newer version of a document of the record, a request to delete one, and
//! a document whose patient the INS does not find wait for a doctor, who
//! applies, matches by traits or sets aside. Nothing in the record is
//! overwritten: a replaced or deleted document is kept, marked.

use crate::App;
use crate::reception::{ErreurIntegration, LectureRefusee};
use esculape_api_types::documents::{
    DocumentMeta, EtatMessage, MessageMss, MessageNonClasse, ProvenanceMessage,
};
use esculape_domain::document::{DocumentStatus, Provenance};
use esculape_domain::identity::{DOMAINE_MSS_CITOYENNE, PatientSummary};
use esculape_store::mss::{NouveauMessage, Traitement};
use esculape_store::{Actor, StoreError};

/// What reading one message gave.
pub enum Classe {
    /// Its document is in its patient's record.
    Integre(DocumentMeta),
    /// Anything else, and whether a doctor has to act on it.
    NonClasse(MessageNonClasse, bool),
}

/// A patient writing from Mon espace santé, or a professional.
pub fn provenance(de: Option<&str>) -> ProvenanceMessage {
    match de.and_then(|d| d.rsplit_once('@')) {
        Some((_, domaine)) if domaine.eq_ignore_ascii_case(DOMAINE_MSS_CITOYENNE) => {
            ProvenanceMessage::Patient
        }
        _ => ProvenanceMessage::Professionnel,
    }
}

/// Errors that leave the work list unreadable (the reading stops, what
/// was recorded stays).
fn grave(e: &StoreError) -> bool {
    matches!(
        e,
        StoreError::Db(_) | StoreError::Busy(_) | StoreError::Corrupt(_)
    )
}

impl App {
    /// One received message, recorded in the work list with what became
    /// of it (traced `mss.message.recu`).
    pub(crate) async fn classer(
        &self,
        actor: &Actor,
        adresse: &str,
        uidvalidity: u32,
        m: &esculape_mss::MessageRecu,
    ) -> Result<Classe, StoreError> {
        let mut n = NouveauMessage {
            adresse: adresse.to_string(),
            uidvalidity,
            uid: m.uid,
            de: None,
            objet: String::new(),
            provenance: ProvenanceMessage::Professionnel,
            etat: EtatMessage::Refuse,
            raison: String::new(),
            patient_id: None,
            document_id: None,
            cible_id: None,
            cda: None,
        };
        let mut integre = None;
        self.examiner(actor, m, &mut n, &mut integre).await?;
        self.store.noter_message_mss(actor, &n).await?;
        self.store
            .trace(
                actor,
                "mss.message.recu",
                n.patient_id.as_deref(),
                &format!(
                    "« {} »{} : {}",
                    n.objet,
                    n.de.as_deref()
                        .map(|d| format!(" de {d}"))
                        .unwrap_or_default(),
                    n.raison
                ),
            )
            .await?;
        Ok(match integre {
            Some(d) => Classe::Integre(d),
            None => Classe::NonClasse(
                MessageNonClasse {
                    de: n.de,
                    objet: n.objet,
                    raison: n.raison,
                },
                n.etat.a_traiter(),
            ),
        })
    }

    /// Reads the message and decides: `n` says what became of it.
    async fn examiner(
        &self,
        actor: &Actor,
        m: &esculape_mss::MessageRecu,
        n: &mut NouveauMessage,
        integre: &mut Option<DocumentMeta>,
    ) -> Result<(), StoreError> {
        let lu = match m.lisible().and_then(esculape_mss::lecture::lire) {
            Ok(l) => l,
            Err(e) => {
                n.raison = e.to_string();
                return Ok(());
            }
        };
        n.de = lu.de.clone();
        n.objet = lu.objet.clone();
        n.provenance = provenance(n.de.as_deref());
        let Some(xdm) = lu.xdm() else {
            n.etat = EtatMessage::SansDocument;
            n.raison = "message sans document CDA (pas d'IHE_XDM.ZIP)".into();
            return Ok(());
        };
        let paquet = match esculape_xds::read_xdm(&xdm.octets) {
            Ok(p) => p,
            Err(e) => {
                n.raison = format!("IHE_XDM.ZIP illisible : {e}");
                return Ok(());
            }
        };
        let demande = paquet.demande();
        let cda = paquet.document;
        let h = match esculape_xds::read_header(&cda) {
            Ok(h) => h,
            Err(e) => {
                n.raison = format!("document illisible : {e}");
                return Ok(());
            }
        };
        let id = crate::reception::id_de_l_entete(&h);
        if demande == esculape_xds::DemandeXdm::Suppression {
            match self.store.document(actor, &id).await {
                Ok((d, _)) if d.status != DocumentStatus::Supprime => {
                    n.etat = EtatMessage::SuppressionDemandee;
                    n.raison = format!(
                        "l'émetteur demande la suppression de « {} » : à confirmer",
                        d.title
                    );
                    n.patient_id = Some(d.patient_id);
                    n.cible_id = Some(d.id);
                }
                Ok((d, _)) => {
                    n.raison = format!("demande de suppression de « {} », déjà supprimé", d.title)
                }
                Err(StoreError::NotFound(_) | StoreError::Interdit(_)) => {
                    n.raison =
                        "demande de suppression d'un document absent des dossiers du cabinet".into()
                }
                Err(e) => return Err(e),
            }
            return Ok(());
        }
        // a newer version of a document of the record: the doctor confirms
        if let (Some(set), Some(version)) = (h.set_id.as_deref(), h.version)
            && let Some((courant, patient, v)) = self
                .store
                .version_courante(actor, &crate::reception::id_du_document(set))
                .await?
            && v < i64::from(version)
            && courant != id
        {
            let titre = self
                .store
                .document(actor, &courant)
                .await
                .map(|(d, _)| d.title)
                .unwrap_or_default();
            n.etat = EtatMessage::RemplacementDemande;
            n.raison = format!(
                "nouvelle version (version {version}) de « {titre} » : à confirmer, l'ancienne sera gardée et marquée remplacée"
            );
            n.patient_id = Some(patient);
            n.cible_id = Some(courant);
            n.cda = Some(cda);
            return Ok(());
        }
        let ins: Vec<String> = h
            .patient_ids
            .iter()
            .filter(|(racine, _)| esculape_identifiants::est_oid_ins(racine))
            .map(|(_, matricule)| matricule.clone())
            .collect();
        let mut patients = Vec::new();
        for i in &ins {
            patients.extend(self.store.patients_par_ins(actor, i).await?);
        }
        patients.sort();
        patients.dedup();
        let patient = match patients.as_slice() {
            [p] => p.clone(),
            autres => {
                n.etat = EtatMessage::ARapprocher;
                n.raison = if ins.is_empty() {
                    "le document ne porte pas d'INS : patient à rapprocher par ses traits".into()
                } else if autres.is_empty() {
                    format!(
                        "aucun patient du cabinet n'a l'INS {} : patient à rapprocher par ses traits",
                        ins.join(", ")
                    )
                } else {
                    format!(
                        "plusieurs patients ont l'INS {} : patient à choisir",
                        ins.join(", ")
                    )
                };
                n.cda = Some(cda);
                return Ok(());
            }
        };
        n.patient_id = Some(patient.clone());
        match self
            .recevoir_document(actor, &patient, cda, Provenance::Mssante)
            .await
        {
            Ok(d) => {
                n.etat = EtatMessage::Integre;
                n.raison = format!("« {} » rangé au dossier (à voir)", d.title);
                n.document_id = Some(d.id.clone());
                *integre = Some(d);
            }
            Err(ErreurIntegration::Store(e)) if grave(&e) => return Err(e),
            Err(ErreurIntegration::Store(StoreError::Duplicate(m))) => {
                n.etat = EtatMessage::DejaPresent;
                n.raison = format!("déjà intégré : {m}");
            }
            Err(e) => n.raison = e.to_string(),
        }
        Ok(())
    }

    /// The work list of the actor's structure, newest first (all, or the
    /// messages waiting for a doctor).
    pub async fn messages_mss(
        &self,
        actor: &Actor,
        a_traiter: bool,
    ) -> Result<Vec<MessageMss>, StoreError> {
        self.store.messages_mss(actor, a_traiter).await
    }

    /// The patients a waiting message's document may be about: born the
    /// day it says, with its birth name or its first first name.
    pub async fn candidats_message_mss(
        &self,
        actor: &Actor,
        id: &str,
    ) -> Result<Vec<PatientSummary>, ErreurIntegration> {
        let (_, cda) = self.store.message_mss(actor, id).await?;
        let Some(cda) = cda else {
            return Ok(Vec::new());
        };
        let h = esculape_xds::read_header(&cda)
            .map_err(|e| LectureRefusee(format!("document illisible : {e}")))?;
        let naissance = match (
            h.birth_time.get(0..4),
            h.birth_time.get(4..6),
            h.birth_time.get(6..8),
        ) {
            (Some(a), Some(m), Some(j)) => format!("{j}/{m}/{a}"),
            _ => return Ok(Vec::new()),
        };
        let mut candidats: Vec<PatientSummary> = Vec::new();
        for nom in [&h.birth_name, &h.first_birth_first_name] {
            if nom.trim().is_empty() {
                continue;
            }
            let q = format!("{naissance} {nom}");
            for p in self.store.search_patients(actor, &q, 20).await? {
                if !candidats.iter().any(|c| c.id == p.id) {
                    candidats.push(p);
                }
            }
        }
        Ok(candidats)
    }

    /// The doctor's choice of the patient a waiting message is about: its
    /// document goes to their record (refused when it names another
    /// patient by a qualified INS; the message then keeps waiting).
    pub async fn rapprocher_message_mss(
        &self,
        actor: &Actor,
        id: &str,
        patient_id: &str,
    ) -> Result<MessageMss, ErreurIntegration> {
        let (m, cda) = self.store.message_mss(actor, id).await?;
        let cda = match (m.etat, cda) {
            (EtatMessage::ARapprocher, Some(c)) => c,
            _ => {
                return Err(ErreurIntegration::Choix(
                    "ce message n'attend pas de patient".into(),
                ));
            }
        };
        let t = match self
            .recevoir_document(actor, patient_id, cda, Provenance::Mssante)
            .await
        {
            Ok(d) => Traitement {
                etat: EtatMessage::Integre,
                raison: format!("« {} » rangé au dossier choisi (à voir)", d.title),
                patient_id: Some(patient_id.to_string()),
                document_id: Some(d.id),
            },
            Err(ErreurIntegration::Store(StoreError::Duplicate(m))) => Traitement {
                etat: EtatMessage::DejaPresent,
                raison: format!("déjà intégré : {m}"),
                patient_id: Some(patient_id.to_string()),
                document_id: None,
            },
            Err(e) => return Err(e),
        };
        Ok(self.store.clore_message_mss(actor, id, &t).await?)
    }

    /// The doctor confirms what a waiting message asks: the newer version
    /// takes the older's place (kept, marked replaced), or the document
    /// named is deleted (kept, marked deleted).
    pub async fn appliquer_message_mss(
        &self,
        actor: &Actor,
        id: &str,
    ) -> Result<MessageMss, ErreurIntegration> {
        let (m, cda) = self.store.message_mss(actor, id).await?;
        let titre = m.cible_titre.clone().unwrap_or_default();
        let t = match (m.etat, cda, m.patient_id.as_deref(), m.cible_id.as_deref()) {
            (EtatMessage::RemplacementDemande, Some(cda), Some(patient), Some(_)) => {
                match self
                    .recevoir_document(actor, patient, cda, Provenance::Mssante)
                    .await
                {
                    Ok(d) => Traitement {
                        etat: EtatMessage::Remplace,
                        raison: format!(
                            "nouvelle version « {} » rangée au dossier ; « {titre} » gardé, marqué remplacé",
                            d.title
                        ),
                        patient_id: None,
                        document_id: Some(d.id),
                    },
                    Err(ErreurIntegration::Store(StoreError::Duplicate(m))) => Traitement {
                        etat: EtatMessage::DejaPresent,
                        raison: format!("déjà intégré : {m}"),
                        patient_id: None,
                        document_id: None,
                    },
                    Err(e) => return Err(e),
                }
            }
            (EtatMessage::SuppressionDemandee, _, _, Some(cible)) => {
                self.store.delete_document(actor, cible).await?;
                Traitement {
                    etat: EtatMessage::Supprime,
                    raison: format!(
                        "« {titre} » supprimé à la demande de l'émetteur (gardé, marqué supprimé)"
                    ),
                    patient_id: None,
                    document_id: None,
                }
            }
            _ => {
                return Err(ErreurIntegration::Choix(
                    "ce message n'attend pas de confirmation".into(),
                ));
            }
        };
        Ok(self.store.clore_message_mss(actor, id, &t).await?)
    }

    /// The doctor sets a waiting message aside: nothing changes in the
    /// record.
    pub async fn ecarter_message_mss(
        &self,
        actor: &Actor,
        id: &str,
    ) -> Result<MessageMss, StoreError> {
        self.store
            .clore_message_mss(
                actor,
                id,
                &Traitement {
                    etat: EtatMessage::Ecarte,
                    raison: "écarté : rien n'a changé dans le dossier".into(),
                    patient_id: None,
                    document_id: None,
                },
            )
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_from_mon_espace_sante_is_a_patients() {
        assert_eq!(
            provenance(Some("279035121518989@Patient.MSSante.fr")),
            ProvenanceMessage::Patient
        );
        for pro in [
            Some("anne.durand@mss.esculape.test"),
            Some("patient.mssante.fr@ailleurs.fr"),
            Some("sans-arobase"),
            None,
        ] {
            assert_eq!(provenance(pro), ProvenanceMessage::Professionnel, "{pro:?}");
        }
    }
}
