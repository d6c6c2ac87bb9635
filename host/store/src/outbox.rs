//! The outbox: work for other systems (DMP feeding, MSSanté sending...)
//! recorded in the same transaction as the change that causes it, then
//! claimed by workers. A claim is a lease: a worker that dies loses its
//! items when the lease ends. On PostgreSQL, `FOR UPDATE SKIP LOCKED` lets
//! workers of several hosts claim concurrently without ever taking the same
//! item; on SQLite the single writer does the same.

use crate::db::{Backend, Store};
use crate::{Result, new_id};
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OutboxItem {
    pub id: String,
    pub kind: String,
    pub payload: String,
    pub attempts: i64,
}

impl Store {
    pub async fn enqueue(&self, kind: &str, payload: &str) -> Result<String> {
        let id = new_id();
        let now = self.now();
        sqlx::query("INSERT INTO outbox (id, created_at, kind, payload, available_at, attempts, claimed_by, claimed_until, done_at, last_error) VALUES ($1, $2, $3, $4, $2, 0, NULL, NULL, NULL, NULL)")
            .bind(id.clone())
            .bind(now)
            .bind(kind.to_string())
            .bind(payload.to_string())
            .execute(&self.pool)
            .await?;
        Ok(id)
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
        let done = sqlx::query("UPDATE outbox SET available_at = $1, claimed_by = NULL, claimed_until = NULL, last_error = $2 WHERE id = $3 AND claimed_by = $4 AND done_at IS NULL")
            .bind(self.now() + retry_in_ms)
            .bind(error.to_string())
            .bind(id.to_string())
            .bind(worker.to_string())
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
