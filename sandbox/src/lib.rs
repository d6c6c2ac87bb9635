//! Local stand-ins of the national services, speaking their published
//! contracts, for demos and tests where the real service cannot be
//! reached: the INSi téléservice ([`insi`]), Pro Santé Connect ([`psc`])
//! and a carte Vitale reader ([`vitale`]). One HTTP server carries them all ([`router`]).

pub mod identites;
pub mod insi;
pub mod psc;
pub mod vitale;

use axum::Router;
use std::sync::Arc;

/// Everything the sandbox holds, shared by its routes.
#[derive(Default)]
pub struct Sandbox {
    pub insi: insi::Insi,
    pub psc: psc::Psc,
    pub vitale: vitale::Lecteur,
}

/// Routes: `POST /insi` (SOAP 1.2), `GET|PUT /insi/reglages` (latency and
/// failure injection), `/vitale/...` (the reader).
pub fn router(sandbox: Arc<Sandbox>) -> Router {
    insi::routes()
        .merge(vitale::routes())
        .merge(psc::routes())
        .with_state(sandbox)
}
