//! The INS qualification workflow's state: the background INSi queries of
//! each patient (asked, done, failed and when tried again), the work items
//! in the outbox, the date the INSi last confirmed an INS, and which
//! identities are due for verification.
//!
//! A query is asked in one transaction that writes the patient's
//! `insi_resultat` row and the outbox item: a host that stops in between
//! loses nothing, and several hosts never ask twice for one patient.

use crate::db::Store;
use crate::{Actor, Result, StoreError, audit};
pub use esculape_api_types::insi::{EtatSuivi, ReponseInsi, SuiviInsi};
use esculape_domain::{IdentityStatus, Ins, InsOid};
use sqlx::Row;

/// Outbox kind of a search (by carte Vitale, else traits).
pub const RECHERCHE: &str = "insi.recherche";
/// Outbox kind of a verification of an INS already recovered.
pub const VERIFICATION: &str = "insi.verification";

/// What was asked and by whom, as the outbox carries it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Demande {
    pub patient_id: String,
    /// Who caused it (the user opening the chart, or the system).
    pub acteur: String,
    /// Why, in words for the user ("ouverture du dossier"...).
    pub motif: String,
}

/// The INSi was asked less than this long ago about the same identity:
/// opening the chart again does not ask again.
pub const REDEMANDE_APRES_MS: i64 = 24 * 3600 * 1000;

/// Verification of an INS recovered or qualified is due 4 years after the
/// last one, by the INS plugin's rule (the host asks it); four calendar
/// years are never shorter than this, so older checks are the candidates.
pub const CANDIDAT_VERIFICATION_MS: i64 = 4 * 365 * 24 * 3600 * 1000;

/// An identity that may be due for verification, with what the INS rules
/// decide on.
#[derive(Debug, Clone)]
pub struct CandidatVerification {
    pub patient_id: String,
    pub status: IdentityStatus,
    pub ins: Option<Ins>,
    /// When the INSi last confirmed the INS (Unix ms), never if none.
    pub verifie_le: Option<i64>,
}

impl Store {
    /// Ask the INSi about a patient in the background (`kind`:
    /// [`RECHERCHE`] or [`VERIFICATION`]): false when a query is already
    /// pending, or one about this identity version was asked less than
    /// [`REDEMANDE_APRES_MS`] ago and `force` is not set.
    pub async fn demander_insi(
        &self,
        kind: &str,
        demande: &Demande,
        version_identite: i64,
        force: bool,
    ) -> Result<bool> {
        let now = self.now();
        let mut tx = self.begin().await?;
        let previous = sqlx::query(
            "SELECT etat, version_identite, demande_le FROM insi_resultat WHERE patient_id = $1",
        )
        .bind(demande.patient_id.clone())
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(r) = previous {
            let etat: String = r.try_get(0)?;
            let version: i64 = r.try_get(1)?;
            let at: i64 = r.try_get(2)?;
            let recent = version == version_identite && now - at < REDEMANDE_APRES_MS;
            if etat == "en_attente" || (recent && !force) {
                return Ok(false);
            }
        }
        sqlx::query("DELETE FROM insi_resultat WHERE patient_id = $1")
            .bind(demande.patient_id.clone())
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO insi_resultat (patient_id, etat, motif, version_identite, demande_le, termine_le, prochain_essai, reponse, erreur) VALUES ($1, 'en_attente', $2, $3, $4, NULL, NULL, NULL, NULL)")
            .bind(demande.patient_id.clone())
            .bind(demande.motif.clone())
            .bind(version_identite)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let payload =
            serde_json::to_string(demande).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let label = if kind == VERIFICATION {
            format!("Vérification de l'INS auprès de l'INSi ({})", demande.motif)
        } else {
            format!("Recherche de l'INS auprès de l'INSi ({})", demande.motif)
        };
        crate::outbox::enqueue_in(
            &mut tx,
            now,
            &crate::outbox::NouveauTravail {
                kind: kind.to_string(),
                payload,
                label,
                patient_id: Some(demande.patient_id.clone()),
                differe_ms: 0,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The answer of a query (done), kept for the client.
    pub async fn insi_termine(&self, patient_id: &str, reponse: &ReponseInsi) -> Result<()> {
        sqlx::query("UPDATE insi_resultat SET etat = 'termine', termine_le = $1, prochain_essai = NULL, reponse = $2, erreur = NULL WHERE patient_id = $3")
            .bind(self.now())
            .bind(serde_json::to_string(reponse).map_err(|e| StoreError::Corrupt(e.to_string()))?)
            .bind(patient_id.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The pending query was cancelled by the user: said so, nothing tried
    /// again (the next opening of the file may ask anew).
    pub async fn insi_annule(&self, patient_id: &str) -> Result<()> {
        sqlx::query("UPDATE insi_resultat SET etat = 'echec', termine_le = $1, prochain_essai = NULL, erreur = $2 WHERE patient_id = $3 AND etat IN ('en_attente', 'echec')")
            .bind(self.now())
            .bind("Interrogation de l'INSi annulée.".to_string())
            .bind(patient_id.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// A query that failed and is tried again at `prochain_essai` (none:
    /// given up).
    pub async fn insi_echec(
        &self,
        patient_id: &str,
        erreur: &str,
        prochain_essai: Option<i64>,
    ) -> Result<()> {
        sqlx::query("UPDATE insi_resultat SET etat = 'echec', termine_le = $1, prochain_essai = $2, erreur = $3 WHERE patient_id = $4")
            .bind(self.now())
            .bind(prochain_essai)
            .bind(erreur.to_string())
            .bind(patient_id.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// A query answered immediately (the user asked): kept as the last one.
    pub async fn insi_repondu(
        &self,
        patient_id: &str,
        motif: &str,
        version_identite: i64,
        reponse: &ReponseInsi,
    ) -> Result<()> {
        let now = self.now();
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM insi_resultat WHERE patient_id = $1")
            .bind(patient_id.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO insi_resultat (patient_id, etat, motif, version_identite, demande_le, termine_le, prochain_essai, reponse, erreur) VALUES ($1, 'termine', $2, $3, $4, $4, NULL, $5, NULL)")
            .bind(patient_id.to_string())
            .bind(motif.to_string())
            .bind(version_identite)
            .bind(now)
            .bind(serde_json::to_string(reponse).map_err(|e| StoreError::Corrupt(e.to_string()))?)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The last query about a patient, if any; traced as `insi.lecture`
    /// (the answer carries identity traits).
    pub async fn insi_suivi(&self, actor: &Actor, patient_id: &str) -> Result<SuiviInsi> {
        self.verifier_portee(actor, crate::portee::Cible::Patient(patient_id))
            .await?;

        let _g = self.audit_lock.lock().await;
        let mut tx = self.begin_read().await?;
        crate::patients::fetch_record(&mut tx, patient_id).await?;
        let row = sqlx::query("SELECT etat, motif, version_identite, demande_le, termine_le, prochain_essai, reponse, erreur FROM insi_resultat WHERE patient_id = $1")
            .bind(patient_id.to_string())
            .fetch_optional(&mut *tx)
            .await?;
        audit::append(
            &mut tx,
            self.backend,
            actor,
            "insi.lecture",
            Some(patient_id),
            "",
        )
        .await?;
        tx.commit().await?;
        let Some(r) = row else {
            return Ok(SuiviInsi::default());
        };
        let reponse: Option<String> = r.try_get(6)?;
        let etat: String = r.try_get(0)?;
        Ok(SuiviInsi {
            etat: match etat.as_str() {
                "en_attente" => EtatSuivi::EnAttente,
                "termine" => EtatSuivi::Termine,
                "echec" => EtatSuivi::Echec,
                autre => return Err(StoreError::Corrupt(format!("état INSi «{autre}»"))),
            },
            motif: r.try_get(1)?,
            version_identite: r.try_get(2)?,
            demande_le: r.try_get(3)?,
            termine_le: r.try_get(4)?,
            prochain_essai: r.try_get(5)?,
            reponse: match reponse {
                Some(s) => Some(
                    serde_json::from_str(&s)
                        .map_err(|_| StoreError::Corrupt("réponse INSi".into()))?,
                ),
                None => None,
            },
            erreur: r.try_get(7)?,
        })
    }

    /// The INSi confirmed this patient's INS now (recovery or
    /// verification): the time recorded.
    pub async fn insi_verifie(&self, patient_id: &str) -> Result<i64> {
        let now = self.now();
        sqlx::query("UPDATE patient SET insi_verifie_le = $1 WHERE id = $2")
            .bind(now)
            .bind(patient_id.to_string())
            .execute(&self.pool)
            .await?;
        Ok(now)
    }

    /// Identities that may be due for verification: récupérées or
    /// qualifiées whose INS the INSi has not confirmed for
    /// [`CANDIDAT_VERIFICATION_MS`], and every INS-NIA, at most `limit`,
    /// none with a query pending; whether each is due is the INS rules'
    /// call.
    pub async fn a_verifier(&self, limit: i64) -> Result<Vec<CandidatVerification>> {
        let rows = sqlx::query("SELECT p.id, p.status, p.ins_matricule, p.ins_oid, p.insi_verifie_le FROM patient p LEFT JOIN insi_resultat r ON r.patient_id = p.id WHERE p.status IN ('recuperee', 'qualifiee') AND (p.insi_verifie_le IS NULL OR p.insi_verifie_le < $1 OR p.ins_oid IN ('1.2.250.1.213.1.4.9', '1.2.250.1.213.1.4.11')) AND (r.etat IS NULL OR r.etat <> 'en_attente') AND (r.demande_le IS NULL OR r.demande_le < $2) ORDER BY p.insi_verifie_le, p.id LIMIT $3")
            .bind(self.now() - CANDIDAT_VERIFICATION_MS)
            .bind(self.now() - REDEMANDE_APRES_MS)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                let status: String = r.try_get(1)?;
                let matricule: Option<String> = r.try_get(2)?;
                let oid: Option<String> = r.try_get(3)?;
                Ok(CandidatVerification {
                    patient_id: r.try_get(0)?,
                    status: IdentityStatus::from_code(&status).ok_or_else(|| {
                        StoreError::Corrupt(format!("statut d'identité «{status}»"))
                    })?,
                    ins: match (matricule, oid) {
                        (Some(m), Some(o)) => Some(Ins {
                            matricule: m,
                            oid: InsOid::from_oid(&o)
                                .ok_or_else(|| StoreError::Corrupt(format!("OID d'INS «{o}»")))?,
                        }),
                        _ => None,
                    },
                    verifie_le: r.try_get(4)?,
                })
            })
            .collect()
    }
}
