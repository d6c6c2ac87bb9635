//! Structures, sites, accounts, sessions and the first start.

use esculape_domain::{Role, StructureKind};

#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct StructureRec {
    pub id: String,
    pub finess: Option<String>,
    pub name: String,
    pub kind: StructureKind,
}

#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct SiteRec {
    pub id: String,
    pub structure_id: String,
    pub name: String,
    pub address: Option<String>,
    pub finess: Option<String>,
}

#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct User {
    pub id: String,
    pub login: String,
    pub display_name: String,
    pub rpps: Option<String>,
    pub profession: Option<String>,
    pub role: Role,
    pub structure_id: Option<String>,
    pub active: bool,
    pub password_changed_at: i64,
    pub locked_until: Option<i64>,
    pub version: i64,
}

/// A new account's attributes (its password comes beside it).
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct NewUser {
    pub login: String,
    pub display_name: String,
    #[serde(default)]
    pub rpps: Option<String>,
    #[serde(default)]
    pub profession: Option<String>,
    pub role: Role,
    #[serde(default)]
    pub structure_id: Option<String>,
}

/// A new one-doctor install: the practice and its first site (the
/// doctor's account comes with it).
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct NouveauCabinet {
    pub structure: String,
    #[serde(default = "cabinet")]
    pub kind: StructureKind,
    #[serde(default)]
    pub finess: Option<String>,
    pub site: String,
    #[serde(default)]
    pub adresse: Option<String>,
}

fn cabinet() -> StructureKind {
    StructureKind::Cabinet
}

/// What the first start created.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct Installation {
    pub structure: StructureRec,
    pub site: SiteRec,
    pub user: User,
}

/// Attribute changes by an administrator; `None` leaves a field alone.
#[derive(
    Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct UserChanges {
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub rpps: Option<String>,
    #[serde(default)]
    pub profession: Option<String>,
    #[serde(default)]
    pub role: Option<Role>,
    #[serde(default)]
    pub active: Option<bool>,
}

/// What login returns; the token is shown once and only its hash is kept.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct Session {
    pub token: String,
    pub user: User,
    pub expires_at: i64,
    /// The password must be changed before anything else.
    pub password_expired: bool,
    /// Opened by Pro Santé Connect (else: by the local password, and the
    /// services acting in the doctor's name need PSC).
    #[serde(default)]
    pub psc: bool,
}

/// Who is calling, from a valid session.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct Caller {
    pub user: User,
    pub password_expired: bool,
    pub expires_at: i64,
}

/// A new account as an administrator (or the CLI) asks for it.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct NouveauCompte {
    #[serde(flatten)]
    pub compte: NewUser,
    pub password: String,
}

/// First start of a one-doctor install: the practice, its site and the
/// doctor's account.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct PremiereInstallation {
    #[serde(flatten)]
    pub cabinet: NouveauCabinet,
    pub compte: NouveauCompte,
    /// The one-time code of this start, which the embedded host hands to
    /// its own window only: another local process or a web page cannot
    /// claim the practice.
    #[serde(default)]
    pub code: String,
}

/// `POST /api/session`.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct Connexion {
    pub login: String,
    pub password: String,
}

/// `POST /api/session/password`.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct ChangementMotDePasse {
    pub old: String,
    pub new: String,
}

/// `POST /api/users/{id}/password`: a password the user must change.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct NouveauMotDePasse {
    pub password: String,
}

#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct NouvelleStructure {
    pub name: String,
    pub kind: StructureKind,
    #[serde(default)]
    pub finess: Option<String>,
}

#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct NouveauSite {
    pub structure_id: String,
    pub name: String,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub finess: Option<String>,
}

/// What the agenda needs to know of a practitioner.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct Praticien {
    pub id: String,
    pub display_name: String,
    pub rpps: Option<String>,
    pub profession: Option<String>,
}

/// `GET /api/installation`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct EtatInstallation {
    /// The first-start set-up is open: embedded host, no account yet.
    pub a_creer: bool,
}

/// `GET /api/health`.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct EtatServeur {
    pub status: String,
    pub version: String,
    /// The plugin API versions this host serves.
    pub api: Vec<String>,
}

/// One event of the audit trail.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct AuditEvent {
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub patient_id: Option<String>,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// What a verification of the audit chain found.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct AuditReport {
    pub events: i64,
    /// Hash of the last event (GENESIS when empty).
    pub head: String,
    /// The first problem, if any: (seq, what).
    pub broken: Option<(i64, String)>,
}

impl AuditReport {
    pub fn is_intact(&self) -> bool {
        self.broken.is_none()
    }
}
