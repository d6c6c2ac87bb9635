//! Biology over HTTP: a patient's results by analysis, one analysis's
//! trend under the JDV « Circuit de la biologie », the JDV in use.

use super::{ApiError, AppState, Me};
use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use esculape_api_types::biologie::{BiologiePatient, FichierJdv, JdvEnUsage, TendanceBiologie};
use esculape_app::biologie::ErreurBiologie;
use esculape_store::Acteur;

impl From<ErreurBiologie> for ApiError {
    fn from(e: ErreurBiologie) -> Self {
        match e {
            ErreurBiologie::Store(s) => s.into(),
            e => ApiError::invalid(e.to_string()),
        }
    }
}

#[derive(serde::Deserialize)]
pub(crate) struct Recherche {
    q: Option<String>,
}

pub(crate) async fn patient(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
    q: Result<Query<Recherche>, QueryRejection>,
) -> Result<Json<BiologiePatient>, ApiError> {
    let Query(r) = q?;
    Ok(Json(
        s.biologie_patient(&me.0.actor(), &id, r.q.as_deref())
            .await?,
    ))
}

pub(crate) async fn tendance(
    State(s): State<AppState>,
    me: Me,
    Path((id, code)): Path<(String, String)>,
) -> Result<Json<TendanceBiologie>, ApiError> {
    Ok(Json(s.tendance_biologie(&me.0.actor(), &id, &code).await?))
}

pub(crate) async fn jdv(State(s): State<AppState>, _me: Me) -> Json<JdvEnUsage> {
    Json(s.jdv_en_usage())
}

pub(crate) async fn importer_jdv(
    State(s): State<AppState>,
    me: Me,
    body: Result<Json<FichierJdv>, JsonRejection>,
) -> Result<Json<JdvEnUsage>, ApiError> {
    let Json(f) = body?;
    let octets = B64
        .decode(f.contenu.trim())
        .map_err(|_| ApiError::invalid("contenu : base64 attendu"))?;
    Ok(Json(s.importer_jdv(&me.0.actor(), octets, &f.nom).await?))
}
