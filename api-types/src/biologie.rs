//! Lab results and their trends (LGC.MDV.08/09): the patient's results by
//! analysis, one analysis's curve under the JDV « Circuit de la
//! biologie » rules, the JDV in use.

use esculape_domain::LocalDateTime;
use esculape_domain::biologie::ResultatStocke;

/// `GET /api/patients/{id}/biologie`: the patient's results, and one line
/// per analysis (the mass and the molar LOINC of one analyte together).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct BiologiePatient {
    /// Oldest first.
    pub resultats: Vec<ResultatStocke>,
    /// The latest first.
    pub analyses: Vec<AnalyseSuivie>,
}

/// One analysis of the patient's results.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct AnalyseSuivie {
    /// The LOINC its curve is drawn on (that of its latest result).
    pub code: String,
    /// Its name (the JDV's edition label, else the report's).
    pub nom: String,
    /// Its latest result (an id of `resultats`).
    pub dernier: String,
    pub nombre: u32,
    /// Numeric results: a curve can be drawn.
    pub courbe: bool,
    /// Some result outside the reference range.
    pub anormal: bool,
}

/// `GET /api/patients/{id}/biologie/tendance/{loinc}`: one analysis on one
/// curve, in the JDV's unit, converted where its rules allow.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct TendanceBiologie {
    pub code: String,
    pub nom: String,
    /// The curve's unit.
    pub unite: String,
    /// The JDV's comparability level (1, 2, 9); none outside the JDV.
    pub comparabilite: Option<u8>,
    /// In the order of time.
    pub points: Vec<PointBiologie>,
    /// Results of this analysis left off the curve, each with why.
    pub ecartes: Vec<ResultatEcarte>,
    /// What the doctor must read beside the curve, in French.
    pub avertissements: Vec<String>,
    /// The JDV the rules came from (« extrait embarqué », a file's name).
    pub jdv: String,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct PointBiologie {
    /// The stored result (its id).
    pub resultat: String,
    pub quand: LocalDateTime,
    /// In the curve's unit.
    pub valeur: f64,
    pub laboratoire: Option<String>,
    /// The report it came from (its PDF opens from the point).
    pub document: Option<String>,
    pub intervalle: Option<String>,
    pub anormal: bool,
    /// How the value came from what the report said, when converted.
    pub conversion: Option<String>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct ResultatEcarte {
    pub resultat: String,
    pub raison: String,
}

/// `GET`/`POST /api/biologie/jdv`: the JDV « Circuit de la biologie » in use.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct JdvEnUsage {
    /// « extrait embarqué », or the file loaded.
    pub origine: String,
    pub analyses: u32,
    /// What its reading met and how it was settled, in French.
    pub remarques: Vec<String>,
}

/// `POST /api/biologie/jdv`: the official spreadsheet of the JDV.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct FichierJdv {
    /// The file's name, kept as the JDV's origin.
    pub nom: String,
    /// The `.xlsx`, base64.
    pub contenu: String,
}
