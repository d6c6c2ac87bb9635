//! The patient's file: identity record, care team, episodes, encounters,
//! entries and the chart as it opens.

use crate::documents::DocumentMeta;
use esculape_domain::record::{Bmi, CareTeamMember, Contact, EntryData, NewEncounter};
use esculape_domain::{Day, DmpConsultation, DmpDecision, DmpFeeding, Identity, NewIdentity};

/// A stored patient.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct PatientRecord {
    pub id: String,
    pub identity: Identity,
    /// Optimistic concurrency: an update names the version it read.
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
    /// When the INSi last confirmed this identity's INS (recovery or
    /// verification), Unix ms: the 4-year verification counts from it.
    #[serde(default)]
    pub insi_verifie_le: Option<i64>,
}

/// `PUT /api/patients/{id}`: the identity as typed, with the version read.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct ModificationIdentite {
    pub version: i64,
    pub identity: NewIdentity,
}

#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct CareTeamEntry {
    pub id: String,
    #[serde(flatten)]
    pub member: CareTeamMember,
    pub created_at: i64,
}

#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct DecisionEntry {
    pub decision: DmpDecision,
    pub at: i64,
    pub actor: String,
}

/// An episode of care and the patient's current DMP decisions for it.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct Episode {
    pub id: String,
    pub patient_id: String,
    pub label: String,
    pub opened_at: i64,
    pub closed_at: Option<i64>,
    /// Current decisions (defaults when never expressed).
    pub feeding: DmpFeeding,
    pub consultation: DmpConsultation,
    /// Every decision, oldest first.
    pub history: Vec<DecisionEntry>,
}

#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct NouvelEpisode {
    pub label: String,
}

#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct Encounter {
    pub id: String,
    pub patient_id: String,
    pub episode_id: Option<String>,
    pub author: String,
    pub date: Day,
    pub reason: Option<String>,
    pub note: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
}

/// `POST /api/patients/{id}/encounters`.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct NouvelleConsultation {
    #[serde(default)]
    pub episode_id: Option<String>,
    #[serde(flatten)]
    pub encounter: NewEncounter,
}

/// `PUT /api/encounters/{id}`.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct ModificationConsultation {
    pub version: i64,
    #[serde(flatten)]
    pub encounter: NewEncounter,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Entry {
    pub id: String,
    pub patient_id: String,
    pub encounter_id: Option<String>,
    pub data: EntryData,
    pub author: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// The version read: a change is refused if it moved since.
    pub version: i64,
}

/// `POST /api/patients/{id}/entries`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct EntreeDossier {
    #[serde(default)]
    pub encounter_id: Option<String>,
    #[serde(flatten)]
    pub data: EntryData,
}

/// `PUT /api/entries/{id}`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct ModificationEntree {
    pub version: i64,
    pub data: EntryData,
}

/// The patient's file as the client draws it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Chart {
    pub patient: PatientRecord,
    pub contact: Contact,
    pub care_team: Vec<CareTeamEntry>,
    pub episodes: Vec<Episode>,
    /// Newest first (the newest 50 in a chart as opened).
    pub encounters: Vec<Encounter>,
    pub encounters_total: i64,
    /// Every live entry, by kind then date.
    pub entries: Vec<Entry>,
    /// Computed from the measures.
    pub bmi: Vec<Bmi>,
    /// Newest act first, superseded and deleted ones included (marked);
    /// the newest 100 in a chart as opened.
    pub documents: Vec<DocumentMeta>,
    pub documents_total: i64,
}

/// One page of a longer list.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Page<T> {
    pub total: i64,
    pub items: Vec<T>,
}
