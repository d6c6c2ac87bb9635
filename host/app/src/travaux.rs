//! The one job runner: everything the host does in the background for
//! other systems (INSi queries, DMP feeding, MSSanté sending) is a
//! job of the outbox, claimed with a lease by kind prefix, retried with
//! backoff, cancellable while it waits, given up after its last try, and
//! visible to the user in each of these states (`GET /api/travaux`).
//!
//! A module that does background work registers an [`Executant`] for its
//! kind prefix; the runner does the rest.

use crate::App;
use esculape_store::StoreError;
use esculape_store::outbox::{OutboxItem, Travail};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// How long a claimed job is held before another worker may take it
/// (`ESCULAPE_TRAVAUX_BAIL_MS`; a minute by default): a worker that died
/// loses its jobs after it.
pub fn bail_ms() -> i64 {
    static BAIL: std::sync::OnceLock<i64> = std::sync::OnceLock::new();
    *BAIL.get_or_init(|| {
        std::env::var("ESCULAPE_TRAVAUX_BAIL_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .filter(|&v| v > 0)
            .unwrap_or(60_000)
    })
}

/// Tries before a job is given up (with the backoff below, about a day).
pub const ESSAIS_MAX: i64 = 30;

/// When a failed job is tried again: 1 min, doubling, at most 1 h.
pub fn delai_nouvel_essai(attempts: i64) -> i64 {
    let n = attempts.clamp(1, 7) as u32 - 1;
    (60_000i64 << n).min(3_600_000)
}

/// How one try ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Issue {
    Fait,
    /// A passing failure (slow or failing service, a concurrent change):
    /// tried again later; the text says what, in French.
    Reessayer(String),
    /// Nothing to retry (unreadable payload, patient gone...).
    Abandon(String),
    /// Not a failure: a condition here is not met yet (an INS to
    /// qualify); looked at again after [`ATTENTE_MS`] without using a try,
    /// so that it never gives up while the doctor has not.
    Attendre(String),
}

/// When a waiting job is looked at again.
pub const ATTENTE_MS: i64 = 15 * 60_000;

/// One try of one job, with when it will be tried again if this try fails
/// (so that the executor can tell its own state, e.g. the INS workflow's).
pub struct Tentative<'a> {
    pub item: &'a OutboxItem,
    pub prochain_essai: i64,
    /// The last try: a failure now gives the job up.
    pub dernier: bool,
}

pub type Futur<'a, T = Issue> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// The work of one kind prefix.
pub trait Executant: Send + Sync {
    /// The kinds it does: those starting with this (e.g. `insi.`).
    fn prefixe(&self) -> &'static str;
    fn executer<'a>(&'a self, app: &'a App, t: Tentative<'a>) -> Futur<'a>;
    /// A job of its kinds was cancelled by `actor` before it ran: tidy
    /// what said it was coming (e.g. the INS workflow's pending query,
    /// a document's « en attente » DMP state).
    fn annule<'a>(
        &'a self,
        _app: &'a App,
        _actor: &'a esculape_store::Actor,
        _t: &'a Travail,
    ) -> Futur<'a, ()> {
        Box::pin(async { Ok(()) })
    }
}

/// Every executor of the host, one per kind prefix.
pub fn executants() -> Vec<Arc<dyn Executant>> {
    vec![
        Arc::new(crate::qualification::TravauxInsi),
        Arc::new(crate::dmp::TravauxDmp),
        Arc::new(crate::mss::TravauxMss),
    ]
}

/// Claim and do the ready jobs of one executor (at most `limit`); the
/// number of jobs tried.
pub async fn une_passe(
    app: &App,
    executant: &dyn Executant,
    worker: &str,
    limit: i64,
) -> Result<usize, StoreError> {
    let items = app
        .store
        .claim_kind(worker, executant.prefixe(), limit, bail_ms())
        .await?;
    if !items.is_empty() {
        crate::crash::point("travaux.apres_reclamation");
    }
    let n = items.len();
    for item in &items {
        let retry = delai_nouvel_essai(item.attempts);
        let dernier = item.attempts >= ESSAIS_MAX;
        let t = Tentative {
            item,
            prochain_essai: app.store.now() + retry,
            dernier,
        };
        match executant.executer(app, t).await? {
            Issue::Fait => {
                app.store.complete(worker, &item.id).await?;
            }
            Issue::Abandon(raison) => {
                tracing::warn!("travail {} abandonné: {raison}", item.id);
                app.store.abandon(worker, &item.id, &raison).await?;
            }
            Issue::Attendre(raison) => {
                let raison = format!(
                    "{raison}. Vérifié à nouveau toutes les {} min.",
                    ATTENTE_MS / 60_000
                );
                app.store
                    .attendre(worker, &item.id, &raison, ATTENTE_MS)
                    .await?;
            }
            Issue::Reessayer(raison) if dernier => {
                let raison = format!("{raison}. Abandonné après {} essais.", item.attempts);
                app.store.abandon(worker, &item.id, &raison).await?;
            }
            Issue::Reessayer(raison) => {
                let raison = format!(
                    "{raison}. Nouvel essai automatique dans {} min.",
                    retry / 60_000
                );
                app.store.fail(worker, &item.id, &raison, retry).await?;
            }
        }
    }
    Ok(n)
}

/// Start the runner's loop for `executant`: woken by [`App::reveil`] when
/// a job is queued, else every few seconds for retries that came due and
/// other hosts' jobs.
pub fn demarrer(app: &App, executant: Arc<dyn Executant>) {
    let worker = format!("{}{}", executant.prefixe(), std::process::id());
    let app = app.clone();
    tokio::spawn(async move {
        loop {
            match une_passe(&app, executant.as_ref(), &worker, 4).await {
                Ok(0) => {
                    let _ =
                        tokio::time::timeout(Duration::from_secs(5), app.reveil.notified()).await;
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::error!("travaux {}: {e}", executant.prefixe());
                    tokio::time::sleep(Duration::from_secs(5)).await;
                }
            }
        }
    });
}

/// A cancelled sending order's document: « annulé » on its channel if it
/// still said « en attente » (a document gone since: nothing to tidy).
pub(crate) async fn envoi_annule(
    app: &App,
    actor: &esculape_store::Actor,
    document_id: &str,
    canal: esculape_api_types::documents::Channel,
) -> Result<(), StoreError> {
    use esculape_api_types::documents::Channel;
    use esculape_domain::document::SendingState;
    let meta = match app.store.document(actor, document_id).await {
        Ok((m, _)) => m,
        Err(StoreError::NotFound(_)) => return Ok(()),
        Err(e) => return Err(e),
    };
    let etat = match canal {
        Channel::Dmp => meta.dmp_state,
        Channel::Mssante => meta.mssante_state,
    };
    if etat == SendingState::EnAttente {
        app.store
            .set_sending_state(actor, &meta.id, canal, SendingState::Annule)
            .await?;
    }
    Ok(())
}

/// The jobs of a patient, newest first: read as the patient is (traced;
/// an unknown patient is refused).
pub async fn du_patient(
    app: &App,
    actor: &esculape_store::Actor,
    patient_id: &str,
) -> Result<Vec<Travail>, StoreError> {
    app.store.patient(actor, patient_id).await?;
    app.store.travaux(Some(patient_id), 50).await
}

/// Cancel a job before it runs: the job cancelled, or, when it cannot be
/// (running or over), the job as it stands.
pub async fn annuler(
    app: &App,
    actor: &esculape_store::Actor,
    id: &str,
) -> Result<Result<Travail, Travail>, StoreError> {
    let annule = app.store.annuler_travail(actor, id).await?;
    let t = app.store.travail(id).await?;
    if !annule {
        return Ok(Err(t));
    }
    for e in executants() {
        if t.kind.starts_with(e.prefixe()) {
            e.annule(app, actor, &t).await?;
        }
    }
    Ok(Ok(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(delai_nouvel_essai(1), 60_000);
        assert_eq!(delai_nouvel_essai(2), 120_000);
        assert_eq!(delai_nouvel_essai(6), 1_920_000);
        assert_eq!(delai_nouvel_essai(7), 3_600_000);
        assert_eq!(delai_nouvel_essai(30), 3_600_000);
    }
}
