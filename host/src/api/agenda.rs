//! Agenda routes: availability, appointments, waiting room.

use super::{ApiError, AppState, Me};
use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use esculape_api_types::agenda::{DeplacementRendezVous, StatutRendezVous};
use esculape_app::agenda::Filtre;
use esculape_domain::Day;
use esculape_domain::agenda::{Availability, NewAppointment};
use esculape_store::Acteur;
use esculape_store::agenda::{Appointment, AvailabilityRec, Slot};

#[derive(serde::Deserialize)]
pub(crate) struct Period {
    from: Day,
    to: Day,
    #[serde(default)]
    practitioner: Option<String>,
    #[serde(default)]
    site: Option<String>,
    #[serde(default)]
    patient: Option<String>,
}

pub(crate) async fn list(
    State(s): State<AppState>,
    me: Me,
    q: Result<Query<Period>, QueryRejection>,
) -> Result<Json<Vec<Appointment>>, ApiError> {
    let Query(p) = q?;
    let filtre = Filtre {
        praticien: p.practitioner.as_deref(),
        site: p.site.as_deref(),
        patient: p.patient.as_deref(),
    };
    Ok(Json(
        s.rendez_vous(&me.0.actor(), p.from, p.to, filtre).await?,
    ))
}

#[derive(serde::Deserialize)]
pub(crate) struct SlotQuery {
    practitioner: String,
    day: Day,
}

pub(crate) async fn free_slots(
    State(s): State<AppState>,
    me: Me,
    q: Result<Query<SlotQuery>, QueryRejection>,
) -> Result<Json<Vec<Slot>>, ApiError> {
    let Query(q) = q?;
    Ok(Json(
        s.creneaux_libres(&me.0.actor(), &q.practitioner, q.day)
            .await?,
    ))
}

pub(crate) async fn add_availability(
    State(s): State<AppState>,
    me: Me,
    body: Result<Json<Availability>, JsonRejection>,
) -> Result<(StatusCode, Json<AvailabilityRec>), ApiError> {
    let Json(a) = body?;
    let r = s.ajouter_disponibilite(&me.0.actor(), a).await?;
    Ok((StatusCode::CREATED, Json(r)))
}

pub(crate) async fn book(
    State(s): State<AppState>,
    me: Me,
    body: Result<Json<NewAppointment>, JsonRejection>,
) -> Result<(StatusCode, Json<Appointment>), ApiError> {
    let Json(a) = body?;
    let r = s.prendre_rendez_vous(&me.0.actor(), a).await?;
    Ok((StatusCode::CREATED, Json(r)))
}

pub(crate) async fn move_appointment(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
    body: Result<Json<DeplacementRendezVous>, JsonRejection>,
) -> Result<Json<Appointment>, ApiError> {
    let Json(m) = body?;
    Ok(Json(
        s.deplacer_rendez_vous(
            &me.0.actor(),
            &id,
            m.version,
            m.start,
            m.end,
            m.practitioner_id.as_deref(),
        )
        .await?,
    ))
}

pub(crate) async fn set_status(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
    body: Result<Json<StatutRendezVous>, JsonRejection>,
) -> Result<Json<Appointment>, ApiError> {
    let Json(c) = body?;
    Ok(Json(
        s.statut_rendez_vous(&me.0.actor(), &id, c.status).await?,
    ))
}

#[derive(serde::Deserialize)]
pub(crate) struct RoomQuery {
    site: String,
    #[serde(default)]
    day: Option<Day>,
}

pub(crate) async fn waiting_room(
    State(s): State<AppState>,
    me: Me,
    q: Result<Query<RoomQuery>, QueryRejection>,
) -> Result<Json<Vec<Appointment>>, ApiError> {
    let Query(q) = q?;
    Ok(Json(
        s.salle_d_attente(&me.0.actor(), &q.site, q.day).await?,
    ))
}
