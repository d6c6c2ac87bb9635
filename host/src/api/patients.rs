//! Identity, contacts and care team routes (médecins and secrétaires).

use super::{ApiError, AppState, Me, today};
use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use esculape_domain::record::{CareTeamMember, Contact};
use esculape_domain::{BirthDate, Identity, NewIdentity};
use esculape_store::record::CareTeamEntry;
use esculape_store::{PatientRecord, PatientSummary};

#[derive(serde::Deserialize)]
pub(crate) struct SearchParams {
    q: String,
    #[serde(default = "default_limit")]
    limit: i64,
}

fn default_limit() -> i64 {
    20
}

fn birth_today(s: &AppState) -> BirthDate {
    let d = today(&s.store);
    BirthDate {
        year: d.year as u16,
        month: d.month as u8,
        day: d.day as u8,
    }
}

pub(crate) async fn search(
    State(s): State<AppState>,
    me: Me,
    params: Result<Query<SearchParams>, QueryRejection>,
) -> Result<Json<Vec<PatientSummary>>, ApiError> {
    let Query(p) = params?;
    Ok(Json(
        s.store
            .search_patients(&me.0.actor(), &p.q, p.limit)
            .await?,
    ))
}

pub(crate) async fn create(
    State(s): State<AppState>,
    me: Me,
    body: Result<Json<NewIdentity>, JsonRejection>,
) -> Result<(StatusCode, Json<PatientRecord>), ApiError> {
    let Json(new) = body?;
    let identity = Identity::validate(new, birth_today(&s))?;
    let rec = s.store.create_patient(&me.0.actor(), identity).await?;
    Ok((StatusCode::CREATED, Json(rec)))
}

pub(crate) async fn read(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
) -> Result<Json<PatientRecord>, ApiError> {
    Ok(Json(s.store.patient(&me.0.actor(), &id).await?))
}

#[derive(serde::Deserialize)]
pub(crate) struct UpdateIdentity {
    /// The version the client read: a concurrent change is a 409.
    version: i64,
    identity: NewIdentity,
}

pub(crate) async fn update(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
    body: Result<Json<UpdateIdentity>, JsonRejection>,
) -> Result<Json<PatientRecord>, ApiError> {
    let Json(u) = body?;
    let identity = Identity::validate(u.identity, birth_today(&s))?;
    Ok(Json(
        s.store
            .update_identity(&me.0.actor(), &id, u.version, identity)
            .await?,
    ))
}

pub(crate) async fn contact(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
) -> Result<Json<Contact>, ApiError> {
    Ok(Json(s.store.contact(&me.0.actor(), &id).await?))
}

pub(crate) async fn set_contact(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
    body: Result<Json<Contact>, JsonRejection>,
) -> Result<Json<Contact>, ApiError> {
    let Json(c) = body?;
    Ok(Json(s.store.set_contact(&me.0.actor(), &id, c).await?))
}

pub(crate) async fn care_team(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
) -> Result<Json<Vec<CareTeamEntry>>, ApiError> {
    Ok(Json(s.store.care_team(&me.0.actor(), &id).await?))
}

pub(crate) async fn add_care_team_member(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
    body: Result<Json<CareTeamMember>, JsonRejection>,
) -> Result<(StatusCode, Json<CareTeamEntry>), ApiError> {
    let Json(m) = body?;
    let e = s.store.add_care_team_member(&me.0.actor(), &id, m).await?;
    Ok((StatusCode::CREATED, Json(e)))
}

pub(crate) async fn remove_care_team_member(
    State(s): State<AppState>,
    me: Me,
    Path((id, member)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    s.store
        .remove_care_team_member(&me.0.actor(), &id, &member)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
