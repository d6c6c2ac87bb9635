//! The Annuaire Santé over HTTP: a correspondent's MSSanté addresses
//! searched by any of their traits.

use super::{ApiError, AppState, Me};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use esculape_api_types::annuaire::{RechercheAnnuaire, ReponseAnnuaire};
use esculape_app::annuaire::ErreurAnnuaireApp;
use esculape_store::Acteur;

impl From<ErreurAnnuaireApp> for ApiError {
    fn from(e: ErreurAnnuaireApp) -> Self {
        match e {
            ErreurAnnuaireApp::Store(s) => s.into(),
            ErreurAnnuaireApp::Critere(m) => ApiError::invalid(m),
            e @ ErreurAnnuaireApp::Configuration(_) => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "annuaire_configuration",
                e.to_string(),
            ),
            ErreurAnnuaireApp::Service(m) => {
                ApiError::new(StatusCode::BAD_GATEWAY, "annuaire_service", m)
            }
        }
    }
}

pub(crate) async fn rechercher(
    State(s): State<AppState>,
    me: Me,
    params: Result<Query<RechercheAnnuaire>, QueryRejection>,
) -> Result<Json<ReponseAnnuaire>, ApiError> {
    let Query(r) = params?;
    Ok(Json(s.rechercher_annuaire(&me.0.actor(), &r).await?))
}
