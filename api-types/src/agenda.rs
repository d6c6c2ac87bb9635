//! Availabilities, free slots and appointment changes.

use esculape_domain::LocalDateTime;
use esculape_domain::agenda::{AppointmentStatus, Availability};

#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct AvailabilityRec {
    pub id: String,
    #[serde(flatten)]
    pub availability: Availability,
}

/// A free slot of a practitioner.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct Slot {
    pub practitioner_id: String,
    pub site_id: String,
    pub start: LocalDateTime,
    pub end: LocalDateTime,
}

/// `PUT /api/appointments/{id}`: a move (and perhaps another practitioner).
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct DeplacementRendezVous {
    pub version: i64,
    pub start: LocalDateTime,
    pub end: LocalDateTime,
    #[serde(default)]
    pub practitioner_id: Option<String>,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct StatutRendezVous {
    pub status: AppointmentStatus,
}
