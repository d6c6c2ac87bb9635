//! A virtual carte Vitale reader holding the test cards: a card is
//! inserted or removed (by a test, or by hand in a demo), and the client
//! follows the reader's events by long polling, as it would a real
//! reader's.
//!
//! - `GET /vitale/cartes`: the test cards;
//! - `POST /vitale/inserer/{id}`, `POST /vitale/retirer`;
//! - `GET /vitale/carte`: the card in the reader (204 when empty);
//! - `GET /vitale/evenements?depuis=N&attente_ms=M`: the events after
//!   number N, waiting up to M ms (at most 30 s) for one.

use crate::Sandbox;
use crate::identites::Carte;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Evenement {
    pub numero: u64,
    /// `insertion` or `retrait`.
    pub nature: String,
    pub carte: String,
}

#[derive(Default)]
struct Etat {
    carte: Option<String>,
    evenements: Vec<Evenement>,
}

#[derive(Default)]
pub struct Lecteur {
    etat: Mutex<Etat>,
    nouveau: tokio::sync::Notify,
}

impl Lecteur {
    fn push(&self, nature: &str, carte: String) -> Option<Evenement> {
        let mut e = self.etat.lock().ok()?;
        let ev = Evenement {
            numero: e.evenements.len() as u64 + 1,
            nature: nature.into(),
            carte,
        };
        e.evenements.push(ev.clone());
        drop(e);
        self.nouveau.notify_waiters();
        Some(ev)
    }

    pub fn inserer(&self, id: &str) -> Option<Evenement> {
        let previous = {
            let mut e = self.etat.lock().ok()?;
            e.carte.replace(id.to_string())
        };
        if let Some(p) = previous {
            self.push("retrait", p);
        }
        self.push("insertion", id.to_string())
    }

    pub fn retirer(&self) -> Option<Evenement> {
        let card = self.etat.lock().ok()?.carte.take()?;
        self.push("retrait", card)
    }

    pub fn carte(&self) -> Option<String> {
        self.etat.lock().ok()?.carte.clone()
    }

    pub fn depuis(&self, n: u64) -> Vec<Evenement> {
        self.etat
            .lock()
            .map(|e| {
                e.evenements
                    .iter()
                    .filter(|v| v.numero > n)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Events after `n`, waiting up to `attente` for one.
    pub async fn attendre(&self, n: u64, attente: Duration) -> Vec<Evenement> {
        let deadline = tokio::time::Instant::now() + attente;
        loop {
            let notified = self.nouveau.notified();
            let found = self.depuis(n);
            if !found.is_empty() || tokio::time::Instant::now() >= deadline {
                return found;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.depuis(n);
            }
        }
    }
}

pub fn routes() -> Router<Arc<Sandbox>> {
    Router::new()
        .route("/vitale/cartes", get(liste))
        .route("/vitale/carte", get(carte))
        .route("/vitale/inserer/{id}", post(inserer))
        .route("/vitale/retirer", post(retirer))
        .route("/vitale/evenements", get(evenements))
}

async fn liste(State(s): State<Arc<Sandbox>>) -> Json<Vec<Carte>> {
    Json(s.insi.cartes().to_vec())
}

async fn carte(State(s): State<Arc<Sandbox>>) -> Response {
    match s
        .vitale
        .carte()
        .and_then(|id| s.insi.cartes().iter().find(|c| c.id == id).cloned())
    {
        Some(c) => Json(c).into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    }
}

async fn inserer(State(s): State<Arc<Sandbox>>, Path(id): Path<String>) -> Response {
    if !s.insi.cartes().iter().any(|c| c.id == id) {
        return (
            StatusCode::NOT_FOUND,
            format!("pas de carte de test «{id}»"),
        )
            .into_response();
    }
    Json(s.vitale.inserer(&id)).into_response()
}

async fn retirer(State(s): State<Arc<Sandbox>>) -> Json<Option<Evenement>> {
    Json(s.vitale.retirer())
}

#[derive(serde::Deserialize)]
struct Attente {
    #[serde(default)]
    depuis: u64,
    #[serde(default)]
    attente_ms: u64,
}

async fn evenements(
    State(s): State<Arc<Sandbox>>,
    Query(q): Query<Attente>,
) -> Json<Vec<Evenement>> {
    let wait = Duration::from_millis(q.attente_ms.min(30_000));
    Json(s.vitale.attendre(q.depuis, wait).await)
}
