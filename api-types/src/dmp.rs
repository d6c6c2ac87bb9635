//! The DMP (Mon espace santé) as the chart sees it.

/// A patient's DMP as TD0.2 answered (the DICA's « DMP accessible »).
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct EtatDmp {
    /// The patient has a DMP.
    pub existe: bool,
    /// … and it is open (not closed).
    pub ouvert: bool,
    /// The professional's authorisation on it: `VALIDE`, `EXPIREE`,
    /// `INTERDITE` (blocked by the patient), `NON_AUTORISE`.
    pub autorisation: Option<String>,
    /// The professional is the patient's médecin traitant DMP.
    pub medecin_traitant: bool,
    /// Asked in bris de glace (no consent recorded): flagged in the trace.
    pub bris_de_glace: bool,
    /// How the host authenticated to the DMP.
    pub mode: String,
    /// One sentence for the user.
    pub message: String,
}

/// One of the four conditions of access to the DMP (DICA, SC.DMP/CONF.16).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ConditionDmp {
    /// The patient has an open DMP and has not blocked the professional.
    DmpAccessible,
    InsQualifiee,
    /// The patient's consent to consultation, in the current episode.
    Consentement,
    /// Signed in with Pro Santé Connect (or a CPS card).
    Authentification,
}

#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct EtatCondition {
    pub condition: ConditionDmp,
    pub remplie: bool,
    /// Its state in words.
    pub detail: String,
    /// What solves it, when it is not met.
    pub solution: Option<String>,
}

/// The DICA: whether the DMP can be consulted, each condition with its
/// state and what solves it; `etat` when the DMP was asked (INS qualified
/// and consent recorded).
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct Dica {
    pub consultable: bool,
    pub conditions: Vec<EtatCondition>,
    pub etat: Option<EtatDmp>,
}

/// A document of the patient's DMP as the chart lists it (TD3.1).
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct DocumentDuDmp {
    /// Its uniqueId and the repository that holds it: what importing it
    /// asks for.
    pub unique_id: String,
    pub repository: String,
    pub titre: String,
    /// typeCode (LOINC) and its label.
    pub type_code: String,
    pub type_libelle: String,
    /// The author, their profession or specialty, their structure.
    pub auteur: String,
    pub auteur_specialite: String,
    pub auteur_structure: String,
    /// Created (`AAAAMMJJhhmmss`, UTC as XDS writes it).
    pub cree: String,
    /// `approuve`, `archive` or `obsolete` (replaced by a newer version).
    pub statut: String,
    pub masque_ps: bool,
    pub invisible_patient: bool,
    pub taille: Option<u64>,
    /// The record's document with the same CDA id, when it is already
    /// here (produced here, or imported before).
    pub dans_le_dossier: Option<String>,
}

/// What to import from the DMP into the record.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct ImportDmp {
    pub unique_id: String,
    pub repository: String,
}
