//! The audit trail: append-only and hash-chained.
//!
//! Each event carries the sha256 of its content and of the previous event's
//! hash. Changing, inserting or deleting an event anywhere but at the very
//! end breaks the chain, and [`Store::verify_audit`] says where. (Cutting the
//! tail is only visible against a hash kept elsewhere: `verify` prints the
//! head hash so that it can be written down or exported.)

use crate::db::{Backend, Store};
use crate::{Actor, Result};
pub use esculape_api_types::comptes::{AuditEvent, AuditReport};
use sha2::{Digest, Sha256};
use sqlx::Row;

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

pub fn event_hash(
    seq: i64,
    at: i64,
    actor: &str,
    action: &str,
    patient_id: Option<&str>,
    detail: &str,
    prev_hash: &str,
) -> String {
    let mut h = Sha256::new();
    // Length-prefixed fields: no separator can be forged inside a value.
    for part in [
        seq.to_string().as_str(),
        at.to_string().as_str(),
        actor,
        action,
        patient_id.unwrap_or("\u{0}"),
        detail,
        prev_hash,
    ] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Append one event inside the caller's transaction. The caller holds
/// `Store::audit_lock`; on PostgreSQL the table lock also orders appenders of
/// other host processes.
pub(crate) async fn append(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    backend: Backend,
    actor: &Actor,
    action: &str,
    patient_id: Option<&str>,
    detail: &str,
) -> Result<AuditEvent> {
    if backend == Backend::Postgres {
        sqlx::query("LOCK TABLE audit_event IN SHARE ROW EXCLUSIVE MODE")
            .execute(&mut **tx)
            .await?;
    }
    let (seq, prev_hash) = last_event(&mut **tx)
        .await?
        .unwrap_or((0, GENESIS.to_string()));
    let event = new_event(seq + 1, actor, action, patient_id, detail, prev_hash);
    bind_event(
        sqlx::query(
            "INSERT INTO audit_event (seq, at, actor, action, patient_id, detail, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        ),
        &event,
    )
    .execute(&mut **tx)
    .await?;
    Ok(event)
}

/// The event's columns as `$1`…`$8`, in table order.
fn bind_event<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    e: &AuditEvent,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    q.bind(e.seq)
        .bind(e.at)
        .bind(e.actor.clone())
        .bind(e.action.clone())
        .bind(e.patient_id.clone())
        .bind(e.detail.clone())
        .bind(e.prev_hash.clone())
        .bind(e.hash.clone())
}

/// Insert an event only if the event it chains to is still the last one:
/// `$9`/`$10` name that event (seq, hash), and `seq` being the key turns a
/// concurrent append of the same seq into no row rather than a fork.
const APPEND_AFTER: &str = "INSERT INTO audit_event (seq, at, actor, action, patient_id, detail, prev_hash, hash) \
     SELECT $1, $2, $3, $4, $5, $6, $7, $8 \
     WHERE EXISTS (SELECT 1 FROM audit_event WHERE seq = $9 AND hash = $10) \
     ON CONFLICT (seq) DO NOTHING";

/// The last event of the trail (seq, hash), if any.
async fn last_event<'c, E>(conn: E) -> Result<Option<(i64, String)>>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    let row = sqlx::query("SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1")
        .fetch_optional(conn)
        .await?;
    Ok(match row {
        Some(row) => Some((row.try_get::<i64, _>(0)?, row.try_get::<String, _>(1)?)),
        None => None,
    })
}

fn new_event(
    seq: i64,
    actor: &Actor,
    action: &str,
    patient_id: Option<&str>,
    detail: &str,
    prev_hash: String,
) -> AuditEvent {
    let at = crate::now_millis();
    let hash = event_hash(
        seq,
        at,
        &actor.user_id,
        action,
        patient_id,
        detail,
        &prev_hash,
    );
    AuditEvent {
        seq,
        at,
        actor: actor.user_id.clone(),
        action: action.into(),
        patient_id: patient_id.map(Into::into),
        detail: detail.into(),
        prev_hash,
        hash,
    }
}

fn row_event(row: &sqlx::any::AnyRow) -> Result<AuditEvent> {
    Ok(AuditEvent {
        seq: row.try_get(0)?,
        at: row.try_get(1)?,
        actor: row.try_get(2)?,
        action: row.try_get(3)?,
        patient_id: row.try_get(4)?,
        detail: row.try_get(5)?,
        prev_hash: row.try_get(6)?,
        hash: row.try_get(7)?,
    })
}

const SELECT: &str =
    "SELECT seq, at, actor, action, patient_id, detail, prev_hash, hash FROM audit_event";

impl Store {
    /// Append one event on its own (an access decided outside the store:
    /// a refusal, a listing).
    ///
    /// Reads are traced this way on every open chart and every keystroke
    /// of a search, so it is one statement, committed on its own (durable
    /// before the caller returns anything): it chains to the head this
    /// process last wrote and lands only if that head is still the last
    /// event ([`APPEND_AFTER`]). When another host process or one of this
    /// process's transactions moved the head, the statement writes
    /// nothing, the head is read again and the append is retried; the
    /// locked transaction of [`append`] is the last resort.
    pub async fn trace(
        &self,
        actor: &Actor,
        action: &str,
        patient_id: Option<&str>,
        detail: &str,
    ) -> Result<()> {
        let _g = self.audit_lock.lock().await;
        for _ in 0..2 {
            let head = match self.cached_head() {
                Some(h) => Some(h),
                None => last_event(&self.pool).await?,
            };
            let Some((seq, prev_hash)) = head else {
                break; // empty trail: the locked path writes the first event
            };
            let event = new_event(seq + 1, actor, action, patient_id, detail, prev_hash);
            let written = bind_event(sqlx::query(APPEND_AFTER), &event)
                .bind(seq)
                .bind(event.prev_hash.clone())
                .execute(&self.pool)
                .await?
                .rows_affected();
            if written == 1 {
                self.set_cached_head(Some((event.seq, event.hash)));
                return Ok(());
            }
            self.set_cached_head(None);
        }
        let mut tx = self.begin().await?;
        let event = append(&mut tx, self.backend, actor, action, patient_id, detail).await?;
        tx.commit().await?;
        self.set_cached_head(Some((event.seq, event.hash)));
        Ok(())
    }

    fn cached_head(&self) -> Option<(i64, String)> {
        self.audit_head.lock().ok().and_then(|h| h.clone())
    }

    fn set_cached_head(&self, head: Option<(i64, String)>) {
        if let Ok(mut h) = self.audit_head.lock() {
            *h = head;
        }
    }

    /// Walk the whole chain.
    pub async fn verify_audit(&self) -> Result<AuditReport> {
        use futures_util::TryStreamExt as _;
        let sql = format!("{SELECT} ORDER BY seq");
        let mut rows = sqlx::query(&sql).fetch(&self.pool);
        let mut expected_seq = 1;
        let mut prev = GENESIS.to_string();
        let mut count = 0;
        while let Some(row) = rows.try_next().await? {
            let e = row_event(&row)?;
            count += 1;
            let problem = if e.seq != expected_seq {
                Some(format!(
                    "événement {expected_seq} manquant (suivant trouvé: {})",
                    e.seq
                ))
            } else if e.prev_hash != prev {
                Some("chaînage rompu: l'empreinte précédente ne correspond pas".to_string())
            } else if event_hash(
                e.seq,
                e.at,
                &e.actor,
                &e.action,
                e.patient_id.as_deref(),
                &e.detail,
                &e.prev_hash,
            ) != e.hash
            {
                Some("contenu modifié: l'empreinte ne correspond plus".to_string())
            } else {
                None
            };
            if let Some(p) = problem {
                return Ok(AuditReport {
                    events: count,
                    head: prev,
                    broken: Some((expected_seq, p)),
                });
            }
            prev = e.hash;
            expected_seq += 1;
        }
        Ok(AuditReport {
            events: count,
            head: prev,
            broken: None,
        })
    }

    /// The last event of the trail (seq, hash), if any.
    pub async fn tete_audit(&self) -> Result<Option<(i64, String)>> {
        last_event(&self.pool).await
    }

    /// The hash of event `seq`, if the trail holds it.
    pub async fn empreinte_audit(&self, seq: i64) -> Result<Option<String>> {
        let row = sqlx::query("SELECT hash FROM audit_event WHERE seq = $1")
            .bind(seq)
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(r) => Some(r.try_get::<String, _>(0)?),
            None => None,
        })
    }

    /// The events after `seq`, oldest first.
    pub async fn audit_since(&self, seq: i64) -> Result<Vec<AuditEvent>> {
        let rows = sqlx::query(&format!("{SELECT} WHERE seq > $1 ORDER BY seq"))
            .bind(seq)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(row_event).collect()
    }

    /// The events about one patient, newest first (who accessed the file).
    /// Who accessed a patient's file, newest first, as a user reads it:
    /// the reading is itself traced (`journal.lecture`), in the same
    /// transaction. An unknown patient is [`StoreError::NotFound`].
    pub async fn journal_du_patient(
        &self,
        actor: &Actor,
        patient_id: &str,
        limit: i64,
    ) -> Result<Vec<AuditEvent>> {
        self.verifier_portee(actor, crate::portee::Cible::Patient(patient_id))
            .await?;

        let _g = self.audit_lock.lock().await;
        let mut tx = self.begin_read().await?;
        crate::patients::fetch_record(&mut tx, patient_id).await?;
        let rows = sqlx::query(&format!(
            "{SELECT} WHERE patient_id = $1 ORDER BY seq DESC LIMIT $2"
        ))
        .bind(patient_id.to_string())
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        let events = rows.iter().map(row_event).collect::<Result<Vec<_>>>()?;
        append(
            &mut tx,
            self.backend,
            actor,
            "journal.lecture",
            Some(patient_id),
            &format!("{} événements", events.len()),
        )
        .await?;
        tx.commit().await?;
        Ok(events)
    }

    /// The trail of a patient, untraced: for checks and tests, never for a
    /// user (see [`Store::journal_du_patient`]).
    pub async fn audit_of_patient(&self, patient_id: &str, limit: i64) -> Result<Vec<AuditEvent>> {
        let rows = sqlx::query(&format!(
            "{SELECT} WHERE patient_id = $1 ORDER BY seq DESC LIMIT $2"
        ))
        .bind(patient_id.to_string())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(row_event).collect()
    }
}
