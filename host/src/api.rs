//! The HTTP API (axum, JSON). Errors are JSON `{"erreur": "...", "code": "..."}`
//! with a 4xx status for anything the client got wrong; a rejected request
//! writes nothing.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use esculape_domain::{BirthDate, DmpDecision, Identity, NewIdentity};
use esculape_runtime::{PluginInfo, Runtime};
use esculape_store::{
    Actor, AuditReport, Episode, PatientRecord, PatientSummary, Store, StoreError,
};
use std::sync::Arc;

/// Largest request body accepted (identity and form payloads are small;
/// documents have their own routes).
pub const MAX_BODY_BYTES: usize = 256 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub runtime: Arc<Runtime>,
    pub store: Arc<Store>,
}

#[derive(serde::Serialize)]
pub struct Health {
    pub status: &'static str,
    pub version: &'static str,
    pub api: Vec<String>,
}

/// An error as the client sees it.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "erreur": self.message, "code": self.code });
        (self.status, Json(body)).into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match &e {
            StoreError::NotFound(_) => {
                Self::new(StatusCode::NOT_FOUND, "introuvable", e.to_string())
            }
            StoreError::Invalid(_) => {
                Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalide", e.to_string())
            }
            StoreError::Conflict { .. } => {
                Self::new(StatusCode::CONFLICT, "conflit", e.to_string())
            }
            StoreError::Duplicate(_) => Self::new(StatusCode::CONFLICT, "doublon", e.to_string()),
            _ => {
                tracing::error!("stockage: {e}");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "interne",
                    "erreur interne du stockage",
                )
            }
        }
    }
}

impl From<esculape_domain::IdentityError> for ApiError {
    fn from(e: esculape_domain::IdentityError) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalide", e.to_string())
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        let status = r.status();
        let message = match status {
            StatusCode::PAYLOAD_TOO_LARGE => {
                format!("requête trop volumineuse (maximum {MAX_BODY_BYTES} octets)")
            }
            StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                "le corps doit être du JSON (Content-Type: application/json)".into()
            }
            _ => format!("JSON invalide: {}", r.body_text()),
        };
        Self::new(status, "requete", message)
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "requete",
            format!("paramètres invalides: {}", r.body_text()),
        )
    }
}

/// Until accounts arrive (core record issue), every request acts as the
/// local workstation, and is traced as such.
fn actor() -> Actor {
    Actor::user("poste-local")
}

fn today() -> BirthDate {
    let days = esculape_store::now_millis().div_euclid(86_400_000);
    let (y, m, d) = esculape_runtime::clock::civil_from_days(days);
    BirthDate {
        year: y as u16,
        month: m as u8,
        day: d as u8,
    }
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/health", get(health))
        .route("/api/plugins", get(plugins))
        .route("/api/patients", get(search_patients).post(create_patient))
        .route("/api/patients/{id}", get(get_patient).put(update_patient))
        .route("/api/patients/{id}/episodes", post(open_episode))
        .route("/api/episodes/{id}", get(get_episode))
        .route("/api/episodes/{id}/dmp-decisions", post(record_decision))
        .route("/api/audit/verify", get(verify_audit))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .fallback(|| async {
            ApiError::new(StatusCode::NOT_FOUND, "introuvable", "route inconnue")
        })
        .with_state(state)
}

async fn health() -> Json<Health> {
    Json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
        api: esculape_runtime::bindings::SUPPORTED
            .iter()
            .map(|v| v.to_string())
            .collect(),
    })
}

async fn plugins(State(state): State<AppState>) -> Json<Vec<PluginInfo>> {
    Json(state.runtime.list())
}

#[derive(serde::Deserialize)]
struct SearchParams {
    q: String,
    #[serde(default = "default_limit")]
    limit: i64,
}

fn default_limit() -> i64 {
    20
}

async fn search_patients(
    State(state): State<AppState>,
    params: Result<Query<SearchParams>, QueryRejection>,
) -> Result<Json<Vec<PatientSummary>>, ApiError> {
    let Query(p) = params?;
    Ok(Json(
        state.store.search_patients(&actor(), &p.q, p.limit).await?,
    ))
}

async fn create_patient(
    State(state): State<AppState>,
    body: Result<Json<NewIdentity>, JsonRejection>,
) -> Result<(StatusCode, Json<PatientRecord>), ApiError> {
    let Json(new) = body?;
    let identity = Identity::validate(new, today())?;
    let rec = state.store.create_patient(&actor(), identity).await?;
    Ok((StatusCode::CREATED, Json(rec)))
}

async fn get_patient(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<PatientRecord>, ApiError> {
    Ok(Json(state.store.patient(&actor(), &id).await?))
}

#[derive(serde::Deserialize)]
struct UpdateIdentity {
    /// The version the client read: a concurrent change is a 409.
    version: i64,
    identity: NewIdentity,
}

async fn update_patient(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<UpdateIdentity>, JsonRejection>,
) -> Result<Json<PatientRecord>, ApiError> {
    let Json(u) = body?;
    let identity = Identity::validate(u.identity, today())?;
    Ok(Json(
        state
            .store
            .update_identity(&actor(), &id, u.version, identity)
            .await?,
    ))
}

async fn verify_audit(State(state): State<AppState>) -> Result<Json<AuditReport>, ApiError> {
    Ok(Json(state.store.verify_audit().await?))
}

#[derive(serde::Deserialize)]
struct NewEpisode {
    label: String,
}

async fn open_episode(
    State(state): State<AppState>,
    Path(patient_id): Path<String>,
    body: Result<Json<NewEpisode>, JsonRejection>,
) -> Result<(StatusCode, Json<Episode>), ApiError> {
    let Json(e) = body?;
    if e.label.trim().is_empty() || e.label.len() > 200 {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalide",
            "le libellé de l'épisode est obligatoire (200 caractères au plus)",
        ));
    }
    let ep = state
        .store
        .open_episode(&actor(), &patient_id, &e.label)
        .await?;
    Ok((StatusCode::CREATED, Json(ep)))
}

async fn get_episode(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Episode>, ApiError> {
    Ok(Json(state.store.episode(&actor(), &id).await?))
}

/// Body: `{"kind": "alimentation"|"consultation", "value": "..."}`.
async fn record_decision(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<DmpDecision>, JsonRejection>,
) -> Result<Json<Episode>, ApiError> {
    let Json(d) = body?;
    Ok(Json(
        state.store.record_dmp_decision(&actor(), &id, d).await?,
    ))
}
