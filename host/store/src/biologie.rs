//! Lab results as rows (LGC.MDV.08): added from a received report, read
//! per patient (traced).

use crate::audit;
use crate::db::Store;
use crate::record::patient_exists;
use crate::{Actor, Result, StoreError, new_id};
use esculape_domain::biologie::{ResultatBiologie, ResultatStocke};
use sqlx::Row;

/// Most results one patient's list brings.
const RESULTATS_MAX: i64 = 20_000;

impl Store {
    /// Adds results of one received report (`source` says which), in one
    /// transaction; a result the record already holds (same analysis, same
    /// time, same value) is not added again. Gives the ids added. Traced
    /// as `biologie.integration`.
    pub async fn integrer_resultats(
        &self,
        actor: &Actor,
        patient_id: &str,
        resultats: Vec<ResultatBiologie>,
        source: &str,
    ) -> Result<Vec<String>> {
        self.verifier_portee(actor, crate::portee::Cible::Patient(patient_id))
            .await?;
        let resultats = resultats
            .into_iter()
            .map(ResultatBiologie::validate)
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let _g = self.audit_lock.lock().await;
        let mut tx = self.begin().await?;
        patient_exists(&mut tx, patient_id).await?;
        let deja = lire(&mut tx, patient_id).await?;
        let now = self.now();
        let mut ids = Vec::new();
        let mut ajoutes: Vec<ResultatBiologie> = Vec::new();
        for r in resultats {
            if deja.iter().any(|d| d.resultat.meme_que(&r))
                || ajoutes.iter().any(|a| a.meme_que(&r))
            {
                continue;
            }
            let id = new_id();
            let data = serde_json::to_string(&r).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            sqlx::query("INSERT INTO resultat_biologie (id, patient_id, systeme, code, preleve_le, data, document_id, source, author, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
                .bind(id.clone())
                .bind(patient_id.to_string())
                .bind(r.systeme.clone())
                .bind(r.code.clone())
                .bind(r.preleve_le.to_string())
                .bind(data)
                .bind(r.document.clone())
                .bind(source.to_string())
                .bind(actor.user_id.clone())
                .bind(now)
                .execute(&mut *tx)
                .await?;
            ids.push(id);
            ajoutes.push(r);
        }
        if !ids.is_empty() {
            audit::append(
                &mut tx,
                self.backend,
                actor,
                "biologie.integration",
                Some(patient_id),
                &format!("{} résultat(s) depuis {source}", ids.len()),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(ids)
    }

    /// A patient's results, oldest first. Traced as `biologie.lecture`.
    pub async fn resultats_biologie(
        &self,
        actor: &Actor,
        patient_id: &str,
    ) -> Result<Vec<ResultatStocke>> {
        self.verifier_portee(actor, crate::portee::Cible::Patient(patient_id))
            .await?;
        let mut c = self.pool.acquire().await?;
        patient_exists(&mut c, patient_id).await?;
        let out = lire(&mut c, patient_id).await?;
        self.trace(actor, "biologie.lecture", Some(patient_id), "")
            .await?;
        Ok(out)
    }
}

pub(crate) async fn lire(
    c: &mut sqlx::AnyConnection,
    patient_id: &str,
) -> Result<Vec<ResultatStocke>> {
    let rows = sqlx::query(
        "SELECT id, data FROM resultat_biologie WHERE patient_id = $1 ORDER BY preleve_le, created_at, id LIMIT $2",
    )
    .bind(patient_id.to_string())
    .bind(RESULTATS_MAX)
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|row| {
            let id: String = row.try_get("id")?;
            let data: String = row.try_get("data")?;
            let resultat = serde_json::from_str(&data)
                .map_err(|e| StoreError::Corrupt(format!("résultat {id}: {e}")))?;
            Ok(ResultatStocke { id, resultat })
        })
        .collect()
}
