//! The background jobs of a patient and their cancellation (médecins and
//! secrétaires): what the job runner does for the national services, in
//! its visible states.

use super::{ApiError, AppState, Me};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use esculape_store::Acteur;
use esculape_store::outbox::Travail;

/// The patient's jobs, newest first (traced as a read of the patient).
pub(crate) async fn du_patient(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
) -> Result<Json<Vec<Travail>>, ApiError> {
    Ok(Json(
        esculape_app::travaux::du_patient(&s, &me.0.actor(), &id).await?,
    ))
}

/// Cancel a job that has not started; 409 when it runs or is over.
pub(crate) async fn annuler(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
) -> Result<Json<Travail>, ApiError> {
    match esculape_app::travaux::annuler(&s, &me.0.actor(), &id).await? {
        Ok(t) => Ok(Json(t)),
        Err(t) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "non_annulable",
            format!(
                "ce travail ne peut plus être annulé: il est {}",
                t.etat.libelle()
            ),
        )),
    }
}
