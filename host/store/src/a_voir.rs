//! Received documents waiting to be seen (« à voir »): every report or
//! letter that came from outside (DMP, MSSanté, imported) stays in the
//! work list until a doctor signs it off (« vu par Dr X le … », traced).

use crate::audit;
use crate::db::Store;
use crate::documents::{fetch_meta, meta_select, row_meta};
use crate::{Actor, Result, StoreError};
use esculape_api_types::documents::{AVoir, Vu};
use esculape_domain::document::Provenance;
use sqlx::Row;
use std::collections::HashMap;

/// Most documents the list brings (the oldest first wait longest: they
/// are listed newest first, and a practice signs off every day).
const A_VOIR_MAX: i64 = 500;

impl Store {
    /// Signs a received document off as seen by the actor; a second
    /// sign-off keeps the first. Traced as `document.vu`.
    pub async fn marquer_vu(&self, actor: &Actor, document_id: &str) -> Result<Vu> {
        self.verifier_portee(actor, crate::portee::Cible::Document(document_id))
            .await?;
        let _g = self.audit_lock.lock().await;
        let mut tx = self.begin().await?;
        let m = fetch_meta(&mut tx, document_id).await?;
        if m.provenance == Provenance::Produit {
            return Err(StoreError::Rule(
                "ce document a été produit au cabinet : il n'est pas à voir".into(),
            ));
        }
        if vu(&mut tx, document_id).await?.is_none() {
            sqlx::query("INSERT INTO document_vu (document_id, vu_par, vu_le) VALUES ($1, $2, $3)")
                .bind(document_id.to_string())
                .bind(actor.user_id.clone())
                .bind(self.now())
                .execute(&mut *tx)
                .await?;
            audit::append(
                &mut tx,
                self.backend,
                actor,
                "document.vu",
                Some(&m.patient_id),
                document_id,
            )
            .await?;
        }
        let v = vu(&mut tx, document_id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("document {document_id} vu")))?;
        tx.commit().await?;
        Ok(v)
    }

    /// The received documents no doctor has signed off: of one patient,
    /// or of the actor's structure; newest first, each with its patient's
    /// names and its abnormal results. Traced as `document.a_voir`.
    pub async fn a_voir(&self, actor: &Actor, patient_id: Option<&str>) -> Result<Vec<AVoir>> {
        if let Some(p) = patient_id {
            self.verifier_portee(actor, crate::portee::Cible::Patient(p))
                .await?;
        }
        let mut c = self.pool.acquire().await?;
        let rows = sqlx::query(&format!(
            "SELECT {} FROM document WHERE provenance <> 'produit' AND status <> 'supprime' \
             AND id NOT IN (SELECT document_id FROM document_vu) \
             AND ($1 = '' OR patient_id IN (SELECT id FROM patient WHERE structure_id = $1)) \
             AND ($2 = '' OR patient_id = $2) \
             ORDER BY created_at DESC, id DESC LIMIT $3",
            meta_select(&c)
        ))
        .bind(actor.structure_sql())
        .bind(patient_id.unwrap_or_default().to_string())
        .bind(A_VOIR_MAX)
        .fetch_all(&mut *c)
        .await?;
        let documents = rows.iter().map(row_meta).collect::<Result<Vec<_>>>()?;
        // the patients' names and the abnormal results of these documents:
        // one query each, whatever the number of documents
        let mut noms: HashMap<String, String> = HashMap::new();
        let mut anormaux: HashMap<String, u32> = HashMap::new();
        let mut patients: Vec<&str> = documents.iter().map(|d| d.patient_id.as_str()).collect();
        patients.sort_unstable();
        patients.dedup();
        if !patients.is_empty() {
            let sql = format!(
                "SELECT id, birth_name, birth_first_names FROM patient WHERE id IN ({})",
                marques(patients.len())
            );
            let mut q = sqlx::query(&sql);
            for p in &patients {
                q = q.bind(p.to_string());
            }
            for r in q.fetch_all(&mut *c).await? {
                let (id, nom, prenoms): (String, String, String) =
                    (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
                noms.insert(id, nom_du_patient(&nom, &prenoms));
            }
            let sql = format!(
                "SELECT id, document_id, data FROM resultat_biologie WHERE document_id IN ({})",
                marques(documents.len())
            );
            let mut q = sqlx::query(&sql);
            for d in &documents {
                q = q.bind(d.id.clone());
            }
            for r in q.fetch_all(&mut *c).await? {
                let (id, document, data): (String, String, String) =
                    (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
                let resultat: esculape_domain::biologie::ResultatBiologie =
                    serde_json::from_str(&data)
                        .map_err(|e| crate::StoreError::Corrupt(format!("résultat {id}: {e}")))?;
                if resultat.anormal() {
                    *anormaux.entry(document).or_default() += 1;
                }
            }
        }
        self.trace(actor, "document.a_voir", patient_id, "").await?;
        Ok(documents
            .into_iter()
            .map(|d| AVoir {
                patient: noms.get(&d.patient_id).cloned().unwrap_or_default(),
                anormaux: anormaux.get(&d.id).copied().unwrap_or(0),
                document: d,
            })
            .collect())
    }

    /// Who signed off each of a patient's received documents.
    pub async fn vus(&self, actor: &Actor, patient_id: &str) -> Result<Vec<Vu>> {
        self.verifier_portee(actor, crate::portee::Cible::Patient(patient_id))
            .await?;
        let mut c = self.pool.acquire().await?;
        let rows = sqlx::query(&format!(
            "{VU} WHERE v.document_id IN (SELECT id FROM document WHERE patient_id = $1) ORDER BY v.vu_le"
        ))
        .bind(patient_id.to_string())
        .fetch_all(&mut *c)
        .await?;
        rows.iter().map(vu_de).collect()
    }
}

async fn vu(c: &mut sqlx::AnyConnection, document_id: &str) -> Result<Option<Vu>> {
    let r = sqlx::query(&format!("{VU} WHERE v.document_id = $1"))
        .bind(document_id.to_string())
        .fetch_optional(&mut *c)
        .await?;
    r.as_ref().map(vu_de).transpose()
}

/// A row of `VU`.
fn vu_de(r: &sqlx::any::AnyRow) -> Result<Vu> {
    Ok(Vu {
        document_id: r.try_get(0)?,
        par: r.try_get(1)?,
        nom: r.try_get(2)?,
        le: r.try_get(3)?,
    })
}

/// Who signed a document off, by name.
const VU: &str = "SELECT v.document_id, v.vu_par, COALESCE(u.display_name, v.vu_par), v.vu_le FROM document_vu v \
     LEFT JOIN app_user u ON u.login = v.vu_par";

/// `$1, $2, …, $n`: the placeholders of an `IN` list of `n` values.
/// A patient as a list shows them: birth name and first first name, from
/// the row's columns (the birth first names are kept as a JSON list).
pub(crate) fn nom_du_patient(nom: &str, prenoms: &str) -> String {
    let prenoms: Vec<String> = serde_json::from_str(prenoms).unwrap_or_default();
    let prenom = prenoms.first().map(String::as_str).unwrap_or_default();
    format!("{nom} {prenom}").trim().to_string()
}

fn marques(n: usize) -> String {
    (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}
