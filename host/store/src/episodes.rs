//! Episodes of care and DMP decisions, audited.

use crate::audit;
use crate::db::Store;
use crate::{Actor, Result, StoreError, new_id, now_millis};
pub use esculape_api_types::dossier::{DecisionEntry, Episode};
use esculape_domain::{DmpConsultation, DmpDecision, DmpFeeding};
use sqlx::Row;

async fn load(tx: &mut sqlx::AnyConnection, id: &str) -> Result<Episode> {
    let row = sqlx::query(
        "SELECT id, patient_id, label, opened_at, closed_at FROM episode WHERE id = $1",
    )
    .bind(id.to_string())
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("épisode {id}")))?;
    let rows = sqlx::query(
        "SELECT kind, value, at, actor FROM dmp_decision WHERE episode_id = $1 ORDER BY seq",
    )
    .bind(id.to_string())
    .fetch_all(&mut *tx)
    .await?;
    let mut ep = Episode {
        id: row.try_get(0)?,
        patient_id: row.try_get(1)?,
        label: row.try_get(2)?,
        opened_at: row.try_get(3)?,
        closed_at: row.try_get(4)?,
        feeding: DmpFeeding::default(),
        consultation: DmpConsultation::default(),
        history: vec![],
    };
    for r in rows {
        let kind: String = r.try_get(0)?;
        let value: String = r.try_get(1)?;
        let decision = DmpDecision::from_codes(&kind, &value)
            .ok_or_else(|| StoreError::Corrupt(format!("décision DMP {kind}={value}")))?;
        match decision {
            DmpDecision::Alimentation(v) => ep.feeding = v,
            DmpDecision::Consultation(v) => ep.consultation = v,
        }
        ep.history.push(DecisionEntry {
            decision,
            at: r.try_get(2)?,
            actor: r.try_get(3)?,
        });
    }
    Ok(ep)
}

/// Every episode of a patient with its decisions, newest first.
pub(crate) async fn of_patient(
    tx: &mut sqlx::AnyConnection,
    patient_id: &str,
) -> Result<Vec<Episode>> {
    let ids: Vec<String> =
        sqlx::query("SELECT id FROM episode WHERE patient_id = $1 ORDER BY opened_at DESC, id")
            .bind(patient_id.to_string())
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| r.try_get::<String, _>(0))
            .collect::<std::result::Result<_, _>>()?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.push(load(tx, &id).await?);
    }
    Ok(out)
}

impl Store {
    /// Open an episode of care for a patient; traced as `episode.open`.
    pub async fn open_episode(
        &self,
        actor: &Actor,
        patient_id: &str,
        label: &str,
    ) -> Result<Episode> {
        self.verifier_portee(actor, crate::portee::Cible::Patient(patient_id))
            .await?;

        let _g = self.audit_lock.lock().await;
        let mut tx = self.begin().await?;
        let exists = sqlx::query("SELECT 1 FROM patient WHERE id = $1")
            .bind(patient_id.to_string())
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_none() {
            return Err(StoreError::NotFound(format!("patient {patient_id}")));
        }
        let id = new_id();
        sqlx::query("INSERT INTO episode (id, patient_id, label, opened_at, closed_at) VALUES ($1, $2, $3, $4, NULL)")
            .bind(id.clone())
            .bind(patient_id.to_string())
            .bind(label.trim().to_string())
            .bind(now_millis())
            .execute(&mut *tx)
            .await?;
        audit::append(
            &mut tx,
            self.backend,
            actor,
            "episode.open",
            Some(patient_id),
            &id,
        )
        .await?;
        let ep = load(&mut tx, &id).await?;
        tx.commit().await?;
        Ok(ep)
    }

    /// Read an episode with its decisions; traced as `episode.read`.
    pub async fn episode(&self, actor: &Actor, id: &str) -> Result<Episode> {
        self.verifier_portee(actor, crate::portee::Cible::Episode(id))
            .await?;

        let _g = self.audit_lock.lock().await;
        let mut tx = self.begin().await?;
        let ep = load(&mut tx, id).await?;
        audit::append(
            &mut tx,
            self.backend,
            actor,
            "episode.read",
            Some(&ep.patient_id),
            id,
        )
        .await?;
        tx.commit().await?;
        Ok(ep)
    }

    /// Every episode of a patient with its DMP decisions, newest first;
    /// traced as `episode.read`.
    pub async fn episodes_du_patient(
        &self,
        actor: &Actor,
        patient_id: &str,
    ) -> Result<Vec<Episode>> {
        self.verifier_portee(actor, crate::portee::Cible::Patient(patient_id))
            .await?;
        let _g = self.audit_lock.lock().await;
        let mut tx = self.begin().await?;
        let eps = of_patient(&mut tx, patient_id).await?;
        audit::append(
            &mut tx,
            self.backend,
            actor,
            "episode.read",
            Some(patient_id),
            patient_id,
        )
        .await?;
        tx.commit().await?;
        Ok(eps)
    }

    /// Record a decision of the patient; traced as `dmp.decision`.
    pub async fn record_dmp_decision(
        &self,
        actor: &Actor,
        episode_id: &str,
        decision: DmpDecision,
    ) -> Result<Episode> {
        self.verifier_portee(actor, crate::portee::Cible::Episode(episode_id))
            .await?;

        let _g = self.audit_lock.lock().await;
        let mut tx = self.begin().await?;
        let before = load(&mut tx, episode_id).await?;
        let seq = before.history.len() as i64 + 1;
        sqlx::query("INSERT INTO dmp_decision (episode_id, seq, kind, value, at, actor) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(episode_id.to_string())
            .bind(seq)
            .bind(decision.kind())
            .bind(decision.value())
            .bind(now_millis())
            .bind(actor.user_id.clone())
            .execute(&mut *tx)
            .await?;
        let detail = format!("{}={}", decision.kind(), decision.value());
        audit::append(
            &mut tx,
            self.backend,
            actor,
            "dmp.decision",
            Some(&before.patient_id),
            &detail,
        )
        .await?;
        let ep = load(&mut tx, episode_id).await?;
        tx.commit().await?;
        Ok(ep)
    }
}
