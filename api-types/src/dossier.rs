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
    /// Why it changes, kept with the version.
    #[serde(default)]
    pub motif: Option<String>,
}

/// The contact details with the version read.
#[derive(
    Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct Coordonnees {
    /// 0 while none were ever entered.
    pub version: i64,
    #[serde(flatten)]
    pub contact: Contact,
}

/// `PUT /api/patients/{id}/contact`: the new details, with the version
/// read (refused if they changed since).
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct ModificationContact {
    pub version: i64,
    #[serde(flatten)]
    pub contact: Contact,
    #[serde(default)]
    pub motif: Option<String>,
}

/// What a version of the history belongs to.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum ObjetHistorise {
    Consultation,
    Entree,
    Contact,
    Identite,
}

impl ObjetHistorise {
    pub fn code(self) -> &'static str {
        match self {
            Self::Consultation => "consultation",
            Self::Entree => "entree",
            Self::Contact => "contact",
            Self::Identite => "identite",
        }
    }
}

/// How a version came to be.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum OperationVersion {
    Creation,
    Modification,
    Suppression,
    /// The state found at the first change after the history began to be
    /// kept (its author is the last one known).
    Reprise,
}

impl OperationVersion {
    pub fn code(self) -> &'static str {
        match self {
            Self::Creation => "creation",
            Self::Modification => "modification",
            Self::Suppression => "suppression",
            Self::Reprise => "reprise",
        }
    }
    pub fn from_code(code: &str) -> Option<Self> {
        [
            Self::Creation,
            Self::Modification,
            Self::Suppression,
            Self::Reprise,
        ]
        .into_iter()
        .find(|o| o.code() == code)
    }
}

/// One version of an encounter, an entry, contact details or an
/// identity, as it was: who made it, when, why. Versions are only added;
/// none is ever changed or removed.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Version<T> {
    pub version: i64,
    pub operation: OperationVersion,
    /// The account that made it (its login; `inconnu` for a state older
    /// than the history).
    pub auteur: String,
    /// The account's display name, when it is known here.
    #[serde(default)]
    pub auteur_nom: Option<String>,
    /// Unix ms.
    pub fait_le: i64,
    pub motif: Option<String>,
    pub contenu: T,
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
    /// Who created it.
    pub author: String,
    /// Who made the current version, when not its author.
    #[serde(default)]
    pub modifie_par: Option<String>,
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
    /// Why it changes, kept with the version.
    #[serde(default)]
    pub motif: Option<String>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Entry {
    pub id: String,
    pub patient_id: String,
    pub encounter_id: Option<String>,
    pub data: EntryData,
    /// Who created it.
    pub author: String,
    /// Who made the current version, when not its author.
    #[serde(default)]
    pub modifie_par: Option<String>,
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
    /// Why it changes, kept with the version.
    #[serde(default)]
    pub motif: Option<String>,
}

/// `DELETE /api/entries/{id}?motif=`: why it is deleted.
#[derive(
    Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct SuppressionEntree {
    #[serde(default)]
    pub motif: Option<String>,
}

/// The patient's file as the client draws it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Chart {
    pub patient: PatientRecord,
    pub contact: Contact,
    /// The contact details' version (0: never entered), for their change.
    #[serde(default)]
    pub contact_version: i64,
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
