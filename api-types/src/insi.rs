//! The INSi as the API reports it: the identity the téléservice returned,
//! how it compares with the local one, the background query's state.

use crate::dossier::PatientRecord;

/// The answer's code (`CodeCR`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub enum CodeCr {
    /// 00: exactly one identity.
    #[serde(rename = "00")]
    Trouve,
    /// 01: no identity matches.
    #[serde(rename = "01")]
    Aucune,
    /// 02: several identities match (the traits are not enough).
    #[serde(rename = "02")]
    Plusieurs,
}

impl CodeCr {
    pub fn code(self) -> &'static str {
        match self {
            Self::Trouve => "00",
            Self::Aucune => "01",
            Self::Plusieurs => "02",
        }
    }
    pub fn from_code(c: &str) -> Option<Self> {
        match c {
            "00" => Some(Self::Trouve),
            "01" => Some(Self::Aucune),
            "02" => Some(Self::Plusieurs),
            _ => None,
        }
    }
    /// The service's label for the code.
    pub fn libelle(self) -> &'static str {
        match self {
            Self::Trouve => "OK",
            Self::Aucune => "Aucune identite trouvee",
            Self::Plusieurs => "Plusieurs identites trouvees",
        }
    }
}

/// An INS: matricule (13 characters), key, OID (NIR or NIA, real or
/// test), validity dates when historic.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct Ins {
    pub numero: String,
    pub cle: Option<String>,
    pub oid: String,
    pub date_debut: Option<String>,
    pub date_fin: Option<String>,
}

impl Ins {
    /// Matricule and key, 15 characters.
    pub fn matricule(&self) -> String {
        format!("{}{}", self.numero, self.cle.as_deref().unwrap_or(""))
    }
    /// A NIA (temporary number) rather than a NIR.
    pub fn est_nia(&self) -> bool {
        esculape_identifiants::est_oid_nia(&self.oid)
    }
}

/// The reference traits (`TIQ`).
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct TraitsInsi {
    pub nom_naissance: String,
    /// Every birth first name, in order (`ListePrenom`, space separated).
    pub prenoms: Vec<String>,
    pub sexe: String,
    pub date_naissance: String,
    pub lieu_naissance: Option<String>,
}

#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct Individu {
    pub ins: Ins,
    /// Former INS of the same person (`INSHISTO`).
    pub historique: Vec<Ins>,
    pub traits: TraitsInsi,
}

/// How the INSi was asked.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub enum Methode {
    #[serde(rename = "carte Vitale")]
    CarteVitale,
    #[serde(rename = "traits")]
    Traits,
    #[serde(rename = "traits et lieu de naissance")]
    TraitsEtLieu,
}

/// One trait, local and INSi values side by side (the INS plugin's
/// comparison).
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct TraitCompare {
    #[serde(rename = "trait")]
    pub nom: String,
    pub local: String,
    pub insi: String,
    pub identique: bool,
}

/// The INS plugin's comparison of the local identity with the INSi's, or
/// why it could not be made.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(untagged)]
pub enum Comparaison {
    Faite {
        traits: Vec<TraitCompare>,
        /// Every trait matches: the identity is recovered without a click.
        recuperation_automatique: bool,
    },
    Impossible {
        erreur: String,
    },
}

impl Comparaison {
    pub fn automatique(&self) -> bool {
        matches!(
            self,
            Comparaison::Faite {
                recuperation_automatique: true,
                ..
            }
        )
    }
    pub fn traits(&self) -> &[TraitCompare] {
        match self {
            Comparaison::Faite { traits, .. } => traits,
            Comparaison::Impossible { .. } => &[],
        }
    }
}

/// What a verification of a recovered INS concluded.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Verification {
    /// No INS to verify.
    SansObjet,
    /// The INSi gives the same INS.
    Confirmee,
    /// Another INS: recovered again with the local traits.
    NouvelleIns,
    /// No single identity: the INS is kept, to be reviewed.
    Echouee,
}

/// The answer of `POST /api/patients/{id}/insi` (and of a background
/// query or verification, kept for `GET`).
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct ReponseInsi {
    /// `00`, `01` or `02`; absent when there was nothing to ask.
    #[serde(default)]
    pub code: Option<CodeCr>,
    pub libelle: String,
    /// What to do after a `01` or `02`.
    #[serde(default)]
    pub conseil: Option<String>,
    #[serde(default)]
    pub methode: Option<Methode>,
    #[serde(default)]
    pub avec_lieu_naissance: bool,
    #[serde(default)]
    pub individu: Option<Individu>,
    #[serde(default)]
    pub comparaison: Option<Comparaison>,
    /// The INSi's birth place when the local referential does not know it:
    /// the user must accept it to validate.
    #[serde(default)]
    pub lieu_naissance_hors_referentiel: Option<String>,
    /// The identity took the INSi's traits and INS automatically.
    #[serde(default)]
    pub recuperee: bool,
    /// The identity after an automatic recovery.
    #[serde(default)]
    pub identite: Option<PatientRecord>,
    /// Set when the query verified an INS already recovered.
    #[serde(default)]
    pub verification: Option<Verification>,
}

/// `POST /api/patients/{id}/insi/validation`: the one-click validation.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct ValidationInsi {
    /// The identity version the comparison was made on.
    pub version: i64,
    /// Accept a birth place the local referential does not know.
    #[serde(default)]
    pub accepter_lieu_naissance: bool,
}

/// State of the last background query of a patient.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum EtatSuivi {
    /// Never asked.
    #[default]
    Aucun,
    EnAttente,
    Termine,
    Echec,
}

/// `GET /api/patients/{id}/insi`: the last query, as the client shows it.
#[derive(
    Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct SuiviInsi {
    pub etat: EtatSuivi,
    #[serde(default)]
    pub motif: String,
    #[serde(default)]
    pub version_identite: i64,
    #[serde(default)]
    pub demande_le: i64,
    #[serde(default)]
    pub termine_le: Option<i64>,
    /// After a failure: when the query is tried again.
    #[serde(default)]
    pub prochain_essai: Option<i64>,
    /// The answer and its comparison.
    #[serde(default)]
    pub reponse: Option<ReponseInsi>,
    #[serde(default)]
    pub erreur: Option<String>,
}
