//! The Annuaire Santé (SC.MSS/CONF.20, UX.41): a multicriteria search of
//! correspondents' MSSanté addresses (`GET /api/annuaire`), every field
//! the directory holds shown so that the doctor picks the right person.

use serde::{Deserialize, Serialize};

/// The kinds of MSSanté mailbox the directory knows (TRE_R257-TypeBAL).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum TypeBal {
    /// `PER`: one professional's own mailbox.
    Personnelle,
    /// `CAB`: a liberal practice's.
    Cabinet,
    /// `ORG`: a service's or a team's, under a structure's responsibility.
    Organisationnelle,
    /// `APP`: software sending or receiving on its own (a laboratory's
    /// results, a platform).
    Applicative,
}

impl TypeBal {
    pub const TOUS: [TypeBal; 4] = [
        TypeBal::Personnelle,
        TypeBal::Cabinet,
        TypeBal::Organisationnelle,
        TypeBal::Applicative,
    ];

    /// The code of TRE_R257-TypeBAL.
    pub fn code(self) -> &'static str {
        match self {
            TypeBal::Personnelle => "PER",
            TypeBal::Cabinet => "CAB",
            TypeBal::Organisationnelle => "ORG",
            TypeBal::Applicative => "APP",
        }
    }

    pub fn depuis_code(code: &str) -> Option<Self> {
        Self::TOUS.into_iter().find(|t| t.code() == code)
    }

    pub fn libelle(self) -> &'static str {
        match self {
            TypeBal::Personnelle => "personnelle",
            TypeBal::Cabinet => "cabinet",
            TypeBal::Organisationnelle => "organisationnelle",
            TypeBal::Applicative => "applicative",
        }
    }
}

/// What is searched (query string of `GET /api/annuaire`): any
/// combination, at least one given. Names and places match from their
/// start, without regard to case or accents; codes exactly.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RechercheAnnuaire {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nom: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prenom: Option<String>,
    /// RPPS (11 digits) or national id (IDNPS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rpps: Option<String>,
    /// A profession's code (TRE_G15-ProfessionSante: `10` médecin…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profession: Option<String>,
    /// A specialty's code (TRE_R38-SpecialiteOrdinale: `SM54`…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub specialite: Option<String>,
    /// A structure's name (raison sociale), or part of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub structure: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commune: Option<String>,
    /// Only addresses of this kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub type_bal: Option<TypeBal>,
}

/// One MSSanté address as the directory publishes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct BoiteAnnuaire {
    pub adresse: String,
    pub type_bal: Option<TypeBal>,
    /// The operator's description ("Secrétariat", a service's name…).
    pub description: Option<String>,
    /// The structure the address belongs to, when it is bound to one.
    pub structure: Option<String>,
}

/// A place where a professional practises, or a structure's own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LieuExercice {
    /// Raison sociale.
    pub structure: String,
    pub adresse: Option<String>,
    pub code_postal: Option<String>,
    pub commune: Option<String>,
    /// FINESS, SIRET or SIREN, as the directory identifies the structure.
    pub identifiant: Option<String>,
}

/// A professional, or a structure (its organisational and applicative
/// addresses), found in the directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ResultatAnnuaire {
    /// A structure rather than a person.
    pub structure: bool,
    /// RPPS of a professional.
    pub rpps: Option<String>,
    /// "DR", "PR"… as practised.
    pub civilite: Option<String>,
    /// Family name as practised, or the structure's name.
    pub nom: String,
    pub prenom: Option<String>,
    pub profession: Option<String>,
    pub specialites: Vec<String>,
    pub lieux: Vec<LieuExercice>,
    pub boites: Vec<BoiteAnnuaire>,
    /// The directory says this practice is closed.
    pub inactif: bool,
}

impl ResultatAnnuaire {
    /// How the person or structure is named in the care team.
    pub fn nom_affiche(&self) -> String {
        let mut n = String::new();
        if let Some(c) = &self.civilite {
            n.push_str(c);
            n.push(' ');
        }
        if let Some(p) = &self.prenom {
            n.push_str(p);
            n.push(' ');
        }
        n.push_str(&self.nom);
        n
    }
}

/// The answer: the first page of what matched.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ReponseAnnuaire {
    pub resultats: Vec<ResultatAnnuaire>,
    /// More matched than are listed: the search should be narrowed.
    pub tronque: bool,
}

/// The professions offered to the search (TRE_G15-ProfessionSante).
pub const PROFESSIONS: &[(&str, &str)] = &[
    ("10", "Médecin"),
    ("21", "Pharmacien"),
    ("40", "Chirurgien-dentiste"),
    ("50", "Sage-femme"),
    ("60", "Infirmier"),
    ("70", "Masseur-kinésithérapeute"),
    ("80", "Pédicure-podologue"),
];

/// The specialties offered to the search (TRE_R38-SpecialiteOrdinale,
/// codes as in the ANS value set JDV_J107; the most asked-for of a médecin
/// de ville's correspondents).
pub const SPECIALITES: &[(&str, &str)] = &[
    ("SM54", "Médecine générale"),
    ("SM26", "Qualifié en médecine générale"),
    ("SM04", "Cardiologie et maladies vasculaires"),
    ("SM15", "Dermatologie et vénéréologie"),
    ("SM16", "Endocrinologie et métabolisme"),
    ("SM24", "Gastro-entérologie et hépatologie"),
    ("SM19", "Gynécologie médicale"),
    ("SM30", "Néphrologie"),
    ("SM32", "Neurologie"),
    ("SM38", "Ophtalmologie"),
    ("SM39", "Oto-rhino-laryngologie"),
    ("SM40", "Pédiatrie"),
    ("SM41", "Pneumologie"),
    ("SM42", "Psychiatrie"),
    ("SM44", "Radio-diagnostic"),
    ("SM48", "Rhumatologie"),
];
