//! MSSanté over HTTP: the caller's mailbox address, and a signed document
//! sent to correspondents (queued on the job runner).

use super::{ApiError, AppState, Me};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use esculape_api_types::documents::{
    BoiteMss, DocumentMeta, EnvoiMss, MessageMss, Rapprochement, ReleveMss,
};
use esculape_api_types::domaine::identity::PatientSummary;
use esculape_app::mss::ErreurMssApp;
use esculape_store::Acteur;

impl From<ErreurMssApp> for ApiError {
    fn from(e: ErreurMssApp) -> Self {
        match e {
            ErreurMssApp::Store(s) => s.into(),
            ErreurMssApp::Condition(m) => ApiError::new(StatusCode::CONFLICT, "mss_condition", m),
            e @ ErreurMssApp::Configuration(_) => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "mss_configuration",
                e.to_string(),
            ),
            ErreurMssApp::Service(f) => {
                ApiError::new(StatusCode::BAD_GATEWAY, "mss_service", f.to_string())
            }
        }
    }
}

pub(crate) async fn boite(State(s): State<AppState>, me: Me) -> Result<Json<BoiteMss>, ApiError> {
    Ok(Json(BoiteMss {
        adresse: s.boite_mss(&me.0.actor()).await?,
    }))
}

pub(crate) async fn definir_boite(
    State(s): State<AppState>,
    me: Me,
    body: Result<Json<BoiteMss>, JsonRejection>,
) -> Result<Json<BoiteMss>, ApiError> {
    let Json(b) = body?;
    Ok(Json(BoiteMss {
        adresse: s
            .definir_boite_mss(&me.0.actor(), b.adresse.as_deref())
            .await?,
    }))
}

pub(crate) async fn envoyer(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
    body: Result<Json<EnvoiMss>, JsonRejection>,
) -> Result<(StatusCode, Json<DocumentMeta>), ApiError> {
    let Json(e) = body?;
    Ok((
        StatusCode::ACCEPTED,
        Json(s.envoyer_par_mss(&me.0.actor(), &id, &e).await?),
    ))
}

pub(crate) async fn relever(
    State(s): State<AppState>,
    me: Me,
) -> Result<Json<ReleveMss>, ApiError> {
    Ok(Json(s.relever_mss(&me.0.actor()).await?))
}

#[derive(serde::Deserialize)]
pub(crate) struct FiltreMessages {
    #[serde(default)]
    a_traiter: bool,
}

/// The work list of received messages.
pub(crate) async fn messages(
    State(s): State<AppState>,
    me: Me,
    q: Result<axum::extract::Query<FiltreMessages>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<MessageMss>>, ApiError> {
    let axum::extract::Query(f) = q?;
    Ok(Json(s.messages_mss(&me.0.actor(), f.a_traiter).await?))
}

/// The patients a waiting message may be about, by traits.
pub(crate) async fn candidats(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
) -> Result<Json<Vec<PatientSummary>>, ApiError> {
    Ok(Json(s.candidats_message_mss(&me.0.actor(), &id).await?))
}

pub(crate) async fn rapprocher(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
    body: Result<Json<Rapprochement>, JsonRejection>,
) -> Result<Json<MessageMss>, ApiError> {
    let Json(r) = body?;
    Ok(Json(
        s.rapprocher_message_mss(&me.0.actor(), &id, &r.patient_id)
            .await?,
    ))
}

pub(crate) async fn appliquer(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
) -> Result<Json<MessageMss>, ApiError> {
    Ok(Json(s.appliquer_message_mss(&me.0.actor(), &id).await?))
}

pub(crate) async fn ecarter(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
) -> Result<Json<MessageMss>, ApiError> {
    Ok(Json(s.ecarter_message_mss(&me.0.actor(), &id).await?))
}
