//! The outbox: the queue of the job runner (`esculape_app::travaux`), work
//! for other systems (INSi queries, DMP feeding, MSSanté sending...)
//! recorded in the same transaction as the change that causes it, then
//! claimed by workers. Each job has a visible state ([`EtatTravail`]): it
//! can be cancelled while it waits, and is given up after its last try. A claim is a lease: a worker that dies loses its
//! items when the lease ends. On PostgreSQL, `FOR UPDATE SKIP LOCKED` lets
//! workers of several hosts claim concurrently without ever taking the same
//! item; on SQLite the single writer does the same.

use crate::db::{Backend, Store};
use crate::{Actor, Result, StoreError, new_id};
use sqlx::Row;

/// Queue a job inside a transaction (the change that causes it commits
/// with it).
pub(crate) async fn enqueue_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    now: i64,
    t: &NouveauTravail,
) -> Result<String> {
    let id = new_id();
    sqlx::query("INSERT INTO outbox (id, created_at, kind, payload, available_at, attempts, claimed_by, claimed_until, done_at, last_error, label, patient_id, cancelled_at, failed_at) VALUES ($1, $2, $3, $4, $7, 0, NULL, NULL, NULL, NULL, $5, $6, NULL, NULL)")
        .bind(id.clone())
        .bind(now)
        .bind(t.kind.clone())
        .bind(t.payload.clone())
        .bind(t.label.clone())
        .bind(t.patient_id.clone())
        .bind(now + t.differe_ms.max(0))
        .execute(&mut **tx)
        .await?;
    Ok(id)
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OutboxItem {
    pub id: String,
    pub kind: String,
    pub payload: String,
    pub attempts: i64,
}

/// A job to queue: its kind (the prefix names the executor: `insi.`,
/// `dmp.`, `mss.`), its payload (for `dmp.` orders, the document's id),
/// what it is in words for the user, and the patient it concerns.
#[derive(Debug, Clone, Default)]
pub struct NouveauTravail {
    pub kind: String,
    pub payload: String,
    pub label: String,
    pub patient_id: Option<String>,
    /// Not claimed before this delay (a deferred order: DMP feeding
    /// leaves the doctor time to correct or block it).
    pub differe_ms: i64,
}

pub use esculape_domain::travail::{EtatTravail, Travail};

const TRAVAIL_COLUMNS: &str = "id, kind, label, patient_id, created_at, attempts, last_error, available_at, claimed_until, done_at, cancelled_at, failed_at";

fn travail(r: &sqlx::any::AnyRow, now: i64) -> Result<Travail> {
    let kind: String = r.try_get(1)?;
    let attempts: i64 = r.try_get(5)?;
    let available_at: i64 = r.try_get(7)?;
    let claimed_until: Option<i64> = r.try_get(8)?;
    let done_at: Option<i64> = r.try_get(9)?;
    let cancelled_at: Option<i64> = r.try_get(10)?;
    let failed_at: Option<i64> = r.try_get(11)?;
    let etat = if cancelled_at.is_some() {
        EtatTravail::Annule
    } else if failed_at.is_some() {
        EtatTravail::Echec
    } else if done_at.is_some() {
        EtatTravail::Termine
    } else if claimed_until.is_some_and(|c| c > now) {
        EtatTravail::EnCours
    } else {
        EtatTravail::EnAttente
    };
    let erreur: Option<String> = r.try_get(6)?;
    Ok(Travail {
        id: r.try_get(0)?,
        label: r
            .try_get::<Option<String>, _>(2)?
            .unwrap_or_else(|| kind.clone()),
        kind,
        patient_id: r.try_get(3)?,
        etat,
        cree_le: r.try_get(4)?,
        essais: attempts,
        // A failed job waiting for its retry, or a deferred order.
        prochain_essai: (etat == EtatTravail::EnAttente
            && ((attempts > 0 && erreur.is_some()) || available_at > now))
            .then_some(available_at),
        erreur,
        fini_le: done_at,
    })
}

impl Store {
    pub async fn enqueue(&self, kind: &str, payload: &str) -> Result<String> {
        self.enqueue_travail(&NouveauTravail {
            kind: kind.into(),
            payload: payload.into(),
            label: kind.into(),
            patient_id: None,
            differe_ms: 0,
        })
        .await
    }

    /// Queue a job.
    pub async fn enqueue_travail(&self, t: &NouveauTravail) -> Result<String> {
        let mut tx = self.begin().await?;
        let id = enqueue_in(&mut tx, self.now(), t).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The jobs, newest first: of one patient, or all of them.
    pub async fn travaux(&self, patient_id: Option<&str>, limit: i64) -> Result<Vec<Travail>> {
        let now = self.now();
        let rows = match patient_id {
            Some(p) => {
                sqlx::query(&format!("SELECT {TRAVAIL_COLUMNS} FROM outbox WHERE patient_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2"))
                    .bind(p.to_string())
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?
            }
            None => {
                sqlx::query(&format!("SELECT {TRAVAIL_COLUMNS} FROM outbox ORDER BY created_at DESC, id DESC LIMIT $1"))
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        rows.iter().map(|r| travail(r, now)).collect()
    }

    /// One job.
    pub async fn travail(&self, id: &str) -> Result<Travail> {
        let now = self.now();
        let r = sqlx::query(&format!(
            "SELECT {TRAVAIL_COLUMNS} FROM outbox WHERE id = $1"
        ))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("travail {id}")))?;
        travail(&r, now)
    }

    /// The payload of a job (what its executor needs to tidy up after a
    /// cancellation).
    pub async fn travail_payload(&self, id: &str) -> Result<String> {
        Ok(sqlx::query("SELECT payload FROM outbox WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("travail {id}")))?
            .try_get(0)?)
    }

    /// Cancel a job that has not started: true when it was waiting; false
    /// when a worker holds it or it is over (nothing changed).
    pub async fn annuler_travail(&self, actor: &Actor, id: &str) -> Result<bool> {
        self.verifier_portee(actor, crate::portee::Cible::Travail(id))
            .await?;

        let now = self.now();
        let _g = self.audit_lock.lock().await;
        let mut tx = self.begin().await?;
        let done = sqlx::query("UPDATE outbox SET cancelled_at = $1, done_at = $1, last_error = NULL WHERE id = $2 AND done_at IS NULL AND (claimed_until IS NULL OR claimed_until <= $1)")
            .bind(now)
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        let patient: Option<String> = sqlx::query("SELECT patient_id FROM outbox WHERE id = $1")
            .bind(id.to_string())
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
        crate::audit::append(
            &mut tx,
            self.backend,
            actor,
            "travail.annulation",
            patient.as_deref(),
            id,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Given up after its last try: never claimed again, the reason kept.
    /// Only the worker holding the lease can.
    pub async fn abandon(&self, worker: &str, id: &str, error: &str) -> Result<bool> {
        let done = sqlx::query("UPDATE outbox SET failed_at = $1, done_at = $1, claimed_until = NULL, last_error = $2 WHERE id = $3 AND claimed_by = $4 AND done_at IS NULL")
            .bind(self.now())
            .bind(error.to_string())
            .bind(id.to_string())
            .bind(worker.to_string())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Claim up to `limit` ready items for `lease_ms`.
    pub async fn claim(&self, worker: &str, limit: i64, lease_ms: i64) -> Result<Vec<OutboxItem>> {
        self.claim_kind(worker, "", limit, lease_ms).await
    }

    /// [`Store::claim`] of the items whose kind starts with `prefix` (a
    /// worker takes only the work it knows).
    pub async fn claim_kind(
        &self,
        worker: &str,
        prefix: &str,
        limit: i64,
        lease_ms: i64,
    ) -> Result<Vec<OutboxItem>> {
        let now = self.now();
        let pick = match self.backend {
            Backend::Postgres => {
                "SELECT id FROM outbox WHERE done_at IS NULL AND available_at <= $1 AND (claimed_until IS NULL OR claimed_until <= $1) AND substr(kind, 1, length($5)) = $5 ORDER BY created_at, id LIMIT $2 FOR UPDATE SKIP LOCKED"
            }
            Backend::Sqlite => {
                "SELECT id FROM outbox WHERE done_at IS NULL AND available_at <= $1 AND (claimed_until IS NULL OR claimed_until <= $1) AND substr(kind, 1, length($5)) = $5 ORDER BY created_at, id LIMIT $2"
            }
        };
        let sql = format!(
            "UPDATE outbox SET claimed_by = $3, claimed_until = $4, attempts = attempts + 1 WHERE id IN ({pick}) RETURNING id, kind, payload, attempts"
        );
        // On SQLite, `begin` takes the write lock first: two claimers
        // cannot read the same ready items.
        let mut tx = self.begin().await?;
        let rows = sqlx::query(&sql)
            .bind(now)
            .bind(limit)
            .bind(worker.to_string())
            .bind(now + lease_ms)
            .bind(prefix.to_string())
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        rows.iter()
            .map(|r| {
                Ok(OutboxItem {
                    id: r.try_get(0)?,
                    kind: r.try_get(1)?,
                    payload: r.try_get(2)?,
                    attempts: r.try_get(3)?,
                })
            })
            .collect()
    }

    /// Done: never claimed again. Only the worker holding the lease can.
    pub async fn complete(&self, worker: &str, id: &str) -> Result<bool> {
        let done = sqlx::query("UPDATE outbox SET done_at = $1, claimed_until = NULL WHERE id = $2 AND claimed_by = $3 AND done_at IS NULL")
            .bind(self.now())
            .bind(id.to_string())
            .bind(worker.to_string())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Failed: retried after `retry_in_ms`, with the error kept.
    pub async fn fail(
        &self,
        worker: &str,
        id: &str,
        error: &str,
        retry_in_ms: i64,
    ) -> Result<bool> {
        self.reprendre_plus_tard(worker, id, error, retry_in_ms, 0)
            .await
    }

    /// Makes the jobs of a kind prefix that were tried and now wait (a
    /// condition, a retry) due now: what they waited for may have come (a
    /// PSC sign-in for `mss.`). A deferred job never tried (a DMP order in
    /// its correction delay) keeps its delay. The number woken.
    pub async fn reveiller_travaux(&self, prefixe: &str) -> Result<u64> {
        let now = self.now();
        Ok(sqlx::query("UPDATE outbox SET available_at = $1 WHERE done_at IS NULL AND cancelled_at IS NULL AND failed_at IS NULL AND last_error IS NOT NULL AND available_at > $1 AND (claimed_until IS NULL OR claimed_until <= $1) AND substr(kind, 1, length($2)) = $2")
            .bind(now)
            .bind(prefixe.to_string())
            .execute(&self.pool)
            .await?
            .rows_affected())
    }

    /// Not done yet and not failed: looked at again after `dans_ms`, the
    /// reason kept, the claim's try given back.
    pub async fn attendre(
        &self,
        worker: &str,
        id: &str,
        raison: &str,
        dans_ms: i64,
    ) -> Result<bool> {
        self.reprendre_plus_tard(worker, id, raison, dans_ms, 1)
            .await
    }

    /// Released by its worker, available again after `dans_ms`, the
    /// reason kept; `rendu` tries given back.
    async fn reprendre_plus_tard(
        &self,
        worker: &str,
        id: &str,
        raison: &str,
        dans_ms: i64,
        rendu: i64,
    ) -> Result<bool> {
        let done = sqlx::query("UPDATE outbox SET available_at = $1, claimed_by = NULL, claimed_until = NULL, last_error = $2, attempts = attempts - $5 WHERE id = $3 AND claimed_by = $4 AND done_at IS NULL")
            .bind(self.now() + dans_ms)
            .bind(raison.to_string())
            .bind(id.to_string())
            .bind(worker.to_string())
            .bind(rendu)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn outbox_pending(&self) -> Result<i64> {
        Ok(
            sqlx::query("SELECT COUNT(*) FROM outbox WHERE done_at IS NULL")
                .fetch_one(&self.pool)
                .await?
                .try_get(0)?,
        )
    }
}
