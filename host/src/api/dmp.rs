//! The DMP over HTTP: the state of a patient's DMP (TD0.2) and the DICA
//! (the four conditions of access) for the chart.

use super::{ApiError, AppState, Me};
use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use esculape_api_types::dmp::{Dica, EtatDmp};
use esculape_app::dmp::ErreurDmp;
use esculape_store::Acteur;

impl From<ErreurDmp> for ApiError {
    fn from(e: ErreurDmp) -> Self {
        match e {
            ErreurDmp::Store(s) => s.into(),
            ErreurDmp::Condition(m) => ApiError::new(StatusCode::CONFLICT, "dmp_condition", m),
            ErreurDmp::Acces(r) => ApiError::new(StatusCode::FORBIDDEN, "dmp_acces", r.to_string()),
            ErreurDmp::Service(f) => {
                ApiError::new(StatusCode::BAD_GATEWAY, "dmp_service", f.to_string())
            }
            ErreurDmp::Integration(i) => i.into(),
        }
    }
}

#[derive(serde::Deserialize)]
pub(crate) struct Options {
    #[serde(default)]
    bris_de_glace: bool,
}

pub(crate) async fn etat(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
    q: Result<Query<Options>, QueryRejection>,
) -> Result<Json<EtatDmp>, ApiError> {
    let Query(o) = q?;
    Ok(Json(s.etat_dmp(&me.0.actor(), &id, o.bris_de_glace).await?))
}

pub(crate) async fn dica(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
) -> Result<Json<Dica>, ApiError> {
    Ok(Json(s.dica(&me.0.actor(), &id).await?))
}

#[derive(serde::Deserialize)]
pub(crate) struct Retrait {
    #[serde(default)]
    archiver: bool,
}

pub(crate) async fn retirer(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
    q: Result<Query<Retrait>, QueryRejection>,
) -> Result<Json<esculape_api_types::documents::DocumentMeta>, ApiError> {
    let Query(r) = q?;
    Ok(Json(
        s.retirer_du_dmp(&me.0.actor(), &id, r.archiver).await?,
    ))
}

pub(crate) async fn alimenter(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
) -> Result<Json<esculape_api_types::documents::DocumentMeta>, ApiError> {
    Ok(Json(s.alimenter_dmp(&me.0.actor(), &id).await?))
}

pub(crate) async fn documents(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
) -> Result<Json<Vec<esculape_api_types::dmp::DocumentDuDmp>>, ApiError> {
    Ok(Json(s.documents_dmp(&me.0.actor(), &id).await?))
}

pub(crate) async fn importer(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
    body: Result<Json<esculape_api_types::dmp::ImportDmp>, JsonRejection>,
) -> Result<
    (
        StatusCode,
        Json<esculape_api_types::documents::DocumentMeta>,
    ),
    ApiError,
> {
    let Json(demande) = body?;
    Ok((
        StatusCode::CREATED,
        Json(s.importer_du_dmp(&me.0.actor(), &id, &demande).await?),
    ))
}
