//! Local stand-ins of the national services, speaking their published
//! contracts, for demos and tests where the real service cannot be
//! reached: the INSi téléservice ([`insi`]) and a carte Vitale reader
//! ([`vitale`]). One HTTP server carries them all ([`router`]).

pub mod identites;
pub mod insi;
pub mod vitale;

use axum::Router;
use std::sync::Arc;

/// Everything the sandbox holds, shared by its routes.
#[derive(Default)]
pub struct Sandbox {
    pub insi: insi::Insi,
    pub vitale: vitale::Lecteur,
}

/// Routes: `POST /insi` (SOAP 1.2), `GET|PUT /insi/reglages` (latency and
/// failure injection), `/vitale/...` (the reader).
pub fn router(sandbox: Arc<Sandbox>) -> Router {
    insi::routes().merge(vitale::routes()).with_state(sandbox)
}
