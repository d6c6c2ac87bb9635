//! The medical record: encounters, clinical entries (problems, antecedents,
//! allergies, treatments, vaccinations, measures, observations), contact
//! details and the care team. Validation happens here; the store keeps the
//! validated values.

use crate::calendar::Day;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RecordError {
    #[error("{0} est obligatoire")]
    Missing(&'static str),
    #[error("{field}: {max} caractères au plus")]
    TooLong { field: &'static str, max: usize },
    #[error("code {system} invalide «{code}»")]
    BadCode { system: String, code: String },
    #[error("système de codes inconnu «{0}» (CIM-10, CISP-2, ATC, CIS, CIP, LOINC ou SNOMED-CT)")]
    UnknownSystem(String),
    #[error("mesure {kind} hors limites: {value} {unit} (attendu {min} à {max})")]
    OutOfRange {
        kind: &'static str,
        value: f64,
        unit: &'static str,
        min: f64,
        max: f64,
    },
    #[error("la date de fin précède la date de début")]
    EndBeforeStart,
    #[error("adresse MSSanté invalide «{0}»")]
    BadMailbox(String),
    #[error("{0}")]
    Account(#[from] crate::account::AccountError),
}

pub(crate) fn text(field: &'static str, s: &str, max: usize) -> Result<String, RecordError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(RecordError::Missing(field));
    }
    opt_text(field, Some(t), max).map(|o| o.unwrap_or_default())
}

pub(crate) fn opt_text(
    field: &'static str,
    s: Option<&str>,
    max: usize,
) -> Result<Option<String>, RecordError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(t) if t.chars().count() > max => Err(RecordError::TooLong { field, max }),
        Some(t) => Ok(Some(t.to_string())),
    }
}

/// Longest reason kept with a change of the record.
pub const MOTIF_MAX: usize = 500;

/// The reason given for a change, trimmed (none when blank).
pub fn motif(m: Option<&str>) -> Result<Option<String>, RecordError> {
    opt_text("motif", m, MOTIF_MAX)
}

/// A code in a named system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Code {
    pub system: String,
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

impl Code {
    /// OIDs of the code systems the record accepts.
    pub fn oid(&self) -> Option<&'static str> {
        Some(match self.system.as_str() {
            "CIM-10" => "2.16.840.1.113883.6.3",
            "CISP-2" => "2.16.840.1.113883.6.139",
            "ATC" => "2.16.840.1.113883.6.73",
            "CIS" => "1.2.250.1.213.2.3.1",
            "CIP" => "1.2.250.1.213.2.3.2",
            "LOINC" => esculape_identifiants::oid::LOINC,
            "SNOMED-CT" => "2.16.840.1.113883.6.96",
            _ => return None,
        })
    }

    /// The record's code for a code received with its system's OID, when
    /// the record knows that system and the code is well formed.
    pub fn depuis_oid(oid: &str, code: &str, display: Option<&str>) -> Option<Code> {
        [
            "CIM-10",
            "CISP-2",
            "ATC",
            "CIS",
            "CIP",
            "LOINC",
            "SNOMED-CT",
        ]
        .into_iter()
        .map(|system| Code {
            system: system.into(),
            code: code.trim().into(),
            display: display.map(str::to_string),
        })
        .find(|c| c.oid() == Some(oid))
        .filter(|c| c.validate().is_ok())
    }

    pub fn validate(&self) -> Result<(), RecordError> {
        let bad = || RecordError::BadCode {
            system: self.system.clone(),
            code: self.code.clone(),
        };
        let c = self.code.trim();
        let ok = match self.system.as_str() {
            // A00 to Z99, optional dot and up to 2 more characters: "E11.9", "I10".
            "CIM-10" => {
                let b = c.as_bytes();
                b.len() >= 3
                    && b.len() <= 7
                    && b[0].is_ascii_uppercase()
                    && b[1].is_ascii_digit()
                    && b[2].is_ascii_alphanumeric()
                    && c[3..]
                        .chars()
                        .all(|x| x == '.' || x.is_ascii_alphanumeric() || x == '+')
            }
            // A chapter letter and two digits: "K86", "T90".
            "CISP-2" => {
                let b = c.as_bytes();
                b.len() == 3
                    && b[0].is_ascii_uppercase()
                    && b[1].is_ascii_digit()
                    && b[2].is_ascii_digit()
            }
            "ATC" => (1..=7).contains(&c.len()) && c.chars().all(|x| x.is_ascii_alphanumeric()),
            "CIS" => c.len() == 8 && c.chars().all(|x| x.is_ascii_digit()),
            "CIP" => (c.len() == 7 || c.len() == 13) && c.chars().all(|x| x.is_ascii_digit()),
            "LOINC" => c.contains('-') && c.chars().all(|x| x.is_ascii_digit() || x == '-'),
            "SNOMED-CT" => (6..=18).contains(&c.len()) && c.chars().all(|x| x.is_ascii_digit()),
            other => return Err(RecordError::UnknownSystem(other.to_string())),
        };
        if ok { Ok(()) } else { Err(bad()) }
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Activity {
    #[default]
    Actif,
    Passe,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum AntecedentKind {
    #[default]
    Personnel,
    Familial,
    Chirurgical,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum MeasureKind {
    /// kg
    Poids,
    /// cm
    Taille,
    /// cm
    PerimetreCranien,
    /// mmHg
    PressionSystolique,
    /// mmHg
    PressionDiastolique,
    /// /min
    FrequenceCardiaque,
    /// °C
    Temperature,
}

impl MeasureKind {
    pub const ALL: [MeasureKind; 7] = [
        MeasureKind::Poids,
        MeasureKind::Taille,
        MeasureKind::PerimetreCranien,
        MeasureKind::PressionSystolique,
        MeasureKind::PressionDiastolique,
        MeasureKind::FrequenceCardiaque,
        MeasureKind::Temperature,
    ];

    /// The measure of this LOINC code, if the record keeps it.
    pub fn of_loinc(code: &str) -> Option<MeasureKind> {
        Self::ALL.into_iter().find(|k| k.loinc() == code)
    }

    /// A value given in a UCUM unit, in the record's unit for this
    /// measure (a weight in g, a height in m or mm); None for a unit it
    /// does not convert.
    pub fn depuis_ucum(self, valeur: f64, unite: &str) -> Option<f64> {
        if unite == self.unit() {
            return Some(valeur);
        }
        match (self.unit(), unite) {
            ("kg", "g") => Some(valeur / 1000.0),
            ("cm", "m") => Some(valeur * 100.0),
            ("cm", "mm") => Some(valeur / 10.0),
            _ => None,
        }
    }

    /// Its name in a French sentence.
    pub fn libelle(self) -> &'static str {
        match self {
            MeasureKind::Poids => "poids",
            MeasureKind::Taille => "taille",
            MeasureKind::PerimetreCranien => "périmètre crânien",
            MeasureKind::PressionSystolique => "pression systolique",
            MeasureKind::PressionDiastolique => "pression diastolique",
            MeasureKind::FrequenceCardiaque => "fréquence cardiaque",
            MeasureKind::Temperature => "température",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            MeasureKind::Poids => "poids",
            MeasureKind::Taille => "taille",
            MeasureKind::PerimetreCranien => "perimetre-cranien",
            MeasureKind::PressionSystolique => "pression-systolique",
            MeasureKind::PressionDiastolique => "pression-diastolique",
            MeasureKind::FrequenceCardiaque => "frequence-cardiaque",
            MeasureKind::Temperature => "temperature",
        }
    }
    /// UCUM unit.
    pub fn unit(self) -> &'static str {
        match self {
            MeasureKind::Poids => "kg",
            MeasureKind::Taille | MeasureKind::PerimetreCranien => "cm",
            MeasureKind::PressionSystolique | MeasureKind::PressionDiastolique => "mm[Hg]",
            MeasureKind::FrequenceCardiaque => "/min",
            MeasureKind::Temperature => "Cel",
        }
    }
    /// LOINC code of the vital sign.
    pub fn loinc(self) -> &'static str {
        match self {
            MeasureKind::Poids => "29463-7",
            MeasureKind::Taille => "8302-2",
            MeasureKind::PerimetreCranien => "8287-5",
            MeasureKind::PressionSystolique => "8480-6",
            MeasureKind::PressionDiastolique => "8462-4",
            MeasureKind::FrequenceCardiaque => "8867-4",
            MeasureKind::Temperature => "8310-5",
        }
    }
    /// Plausible range (a typing error guard, not a clinical judgment).
    fn range(self) -> (f64, f64) {
        match self {
            MeasureKind::Poids => (0.3, 400.0),
            MeasureKind::Taille => (20.0, 250.0),
            MeasureKind::PerimetreCranien => (20.0, 70.0),
            MeasureKind::PressionSystolique => (40.0, 300.0),
            MeasureKind::PressionDiastolique => (20.0, 200.0),
            MeasureKind::FrequenceCardiaque => (20.0, 250.0),
            MeasureKind::Temperature => (30.0, 45.0),
        }
    }
}

/// One clinical entry of the record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum EntryData {
    Probleme {
        label: String,
        #[serde(default)]
        code: Option<Code>,
        #[serde(default)]
        status: Activity,
        #[serde(default)]
        onset: Option<Day>,
    },
    Antecedent {
        label: String,
        #[serde(default)]
        code: Option<Code>,
        #[serde(default)]
        antecedent: AntecedentKind,
        #[serde(default)]
        onset: Option<Day>,
    },
    Allergie {
        /// The agent (substance, food, class).
        label: String,
        #[serde(default)]
        code: Option<Code>,
        #[serde(default)]
        reaction: Option<String>,
        #[serde(default)]
        status: Activity,
    },
    Traitement {
        /// The medication as prescribed.
        label: String,
        #[serde(default)]
        code: Option<Code>,
        posology: String,
        start: Day,
        #[serde(default)]
        end: Option<Day>,
        #[serde(default)]
        long_term: bool,
    },
    Vaccination {
        label: String,
        #[serde(default)]
        code: Option<Code>,
        date: Day,
        #[serde(default)]
        lot: Option<String>,
        #[serde(default)]
        dose: Option<u8>,
    },
    Mesure {
        measure: MeasureKind,
        value: f64,
        date: Day,
        /// When in the day it was taken (the practice's wall clock), if
        /// known; older entries have none.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        heure: Option<crate::calendar::Heure>,
    },
    Observation {
        label: String,
        #[serde(default)]
        code: Option<Code>,
        value: String,
        date: Day,
    },
}

/// Words compared without case nor extra spaces.
fn memes_mots(a: &str, b: &str) -> bool {
    let n = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    n(a) == n(b)
}

/// Same thing named: the same code when both have one, else the same words.
fn meme_chose(a: (&str, &Option<Code>), b: (&str, &Option<Code>)) -> bool {
    match (a.1, b.1) {
        (Some(x), Some(y)) => x.system == y.system && x.code.trim() == y.code.trim(),
        _ => memes_mots(a.0, b.0),
    }
}

/// Whether the record already holds what a received document proposes
/// (LGC.MDV.05): a problem or antecedent, an allergy or a treatment with
/// the same code (or, without one, the same words); a vaccination the
/// same and on the same day; a measure of the same kind on the same day.
/// Gives the position of the entry that holds it.
pub fn deja_present(proposee: &EntryData, dossier: &[EntryData]) -> Option<usize> {
    use EntryData as E;
    dossier.iter().position(|e| match (proposee, e) {
        (
            E::Probleme { label, code, .. } | E::Antecedent { label, code, .. },
            E::Probleme {
                label: l2,
                code: c2,
                ..
            }
            | E::Antecedent {
                label: l2,
                code: c2,
                ..
            },
        ) => meme_chose((label, code), (l2, c2)),
        (
            E::Allergie { label, code, .. },
            E::Allergie {
                label: l2,
                code: c2,
                ..
            },
        )
        | (
            E::Traitement { label, code, .. },
            E::Traitement {
                label: l2,
                code: c2,
                ..
            },
        ) => meme_chose((label, code), (l2, c2)),
        (
            E::Vaccination {
                label, code, date, ..
            },
            E::Vaccination {
                label: l2,
                code: c2,
                date: d2,
                ..
            },
        ) => date == d2 && meme_chose((label, code), (l2, c2)),
        (
            E::Mesure { measure, date, .. },
            E::Mesure {
                measure: m2,
                date: d2,
                ..
            },
        ) => measure == m2 && date == d2,
        (
            E::Observation {
                label, code, date, ..
            },
            E::Observation {
                label: l2,
                code: c2,
                date: d2,
                ..
            },
        ) => date == d2 && meme_chose((label, code), (l2, c2)),
        _ => false,
    })
}

impl EntryData {
    pub fn kind(&self) -> &'static str {
        match self {
            EntryData::Probleme { .. } => "probleme",
            EntryData::Antecedent { .. } => "antecedent",
            EntryData::Allergie { .. } => "allergie",
            EntryData::Traitement { .. } => "traitement",
            EntryData::Vaccination { .. } => "vaccination",
            EntryData::Mesure { .. } => "mesure",
            EntryData::Observation { .. } => "observation",
        }
    }

    /// Trimmed, checked copy.
    pub fn validate(self) -> Result<Self, RecordError> {
        let code = |c: Option<Code>| -> Result<Option<Code>, RecordError> {
            match c {
                Some(c) => {
                    c.validate()?;
                    Ok(Some(Code {
                        code: c.code.trim().to_string(),
                        ..c
                    }))
                }
                None => Ok(None),
            }
        };
        Ok(match self {
            EntryData::Probleme {
                label,
                code: c,
                status,
                onset,
            } => EntryData::Probleme {
                label: text("le libellé", &label, 500)?,
                code: code(c)?,
                status,
                onset,
            },
            EntryData::Antecedent {
                label,
                code: c,
                antecedent,
                onset,
            } => EntryData::Antecedent {
                label: text("le libellé", &label, 500)?,
                code: code(c)?,
                antecedent,
                onset,
            },
            EntryData::Allergie {
                label,
                code: c,
                reaction,
                status,
            } => EntryData::Allergie {
                label: text("l'agent", &label, 500)?,
                code: code(c)?,
                reaction: opt_text("la réaction", reaction.as_deref(), 500)?,
                status,
            },
            EntryData::Traitement {
                label,
                code: c,
                posology,
                start,
                end,
                long_term,
            } => {
                if end.is_some_and(|e| e < start) {
                    return Err(RecordError::EndBeforeStart);
                }
                EntryData::Traitement {
                    label: text("le médicament", &label, 500)?,
                    code: code(c)?,
                    posology: text("la posologie", &posology, 1000)?,
                    start,
                    end,
                    long_term,
                }
            }
            EntryData::Vaccination {
                label,
                code: c,
                date,
                lot,
                dose,
            } => EntryData::Vaccination {
                label: text("le vaccin", &label, 500)?,
                code: code(c)?,
                date,
                lot: opt_text("le lot", lot.as_deref(), 40)?,
                dose,
            },
            EntryData::Mesure {
                measure,
                value,
                date,
                heure,
            } => {
                let (min, max) = measure.range();
                if !(value.is_finite() && value >= min && value <= max) {
                    return Err(RecordError::OutOfRange {
                        kind: measure.code(),
                        value,
                        unit: measure.unit(),
                        min,
                        max,
                    });
                }
                EntryData::Mesure {
                    measure,
                    value,
                    date,
                    heure,
                }
            }
            EntryData::Observation {
                label,
                code: c,
                value,
                date,
            } => EntryData::Observation {
                label: text("le libellé", &label, 500)?,
                code: code(c)?,
                value: text("la valeur", &value, 4000)?,
                date,
            },
        })
    }

    /// The display label (indexed for listing).
    pub fn label(&self) -> String {
        match self {
            EntryData::Probleme { label, .. }
            | EntryData::Antecedent { label, .. }
            | EntryData::Allergie { label, .. }
            | EntryData::Traitement { label, .. }
            | EntryData::Vaccination { label, .. }
            | EntryData::Observation { label, .. } => label.clone(),
            EntryData::Mesure { measure, .. } => measure.code().to_string(),
        }
    }

    /// The date the entry is about (for ordering).
    pub fn date(&self) -> Option<Day> {
        match self {
            EntryData::Probleme { onset, .. } | EntryData::Antecedent { onset, .. } => *onset,
            EntryData::Allergie { .. } => None,
            EntryData::Traitement { start, .. } => Some(*start),
            EntryData::Vaccination { date, .. }
            | EntryData::Mesure { date, .. }
            | EntryData::Observation { date, .. } => Some(*date),
        }
    }

    /// Still relevant today: an active problem or allergy, a treatment not
    /// ended.
    pub fn is_active(&self, today: Day) -> bool {
        match self {
            EntryData::Probleme { status, .. } | EntryData::Allergie { status, .. } => {
                *status == Activity::Actif
            }
            EntryData::Traitement { end, .. } => end.is_none_or(|e| e >= today),
            _ => true,
        }
    }
}

/// A body-mass index computed from the record's measures.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Bmi {
    pub date: Day,
    /// kg/m², one decimal.
    pub value: f64,
    pub weight_kg: f64,
    pub height_cm: f64,
}

/// BMI at each date a weight was measured, with the latest height measured
/// on or before that date (within 2 years for adults, 3 months before 18, as
/// children grow).
pub fn bmi_series(measures: &[(MeasureKind, f64, Day)], birth: Option<Day>) -> Vec<Bmi> {
    let mut heights: Vec<(Day, f64)> = measures
        .iter()
        .filter(|m| m.0 == MeasureKind::Taille)
        .map(|m| (m.2, m.1))
        .collect();
    heights.sort_by_key(|h| h.0);
    let mut weights: Vec<(Day, f64)> = measures
        .iter()
        .filter(|m| m.0 == MeasureKind::Poids)
        .map(|m| (m.2, m.1))
        .collect();
    weights.sort_by_key(|w| w.0);
    let mut out = Vec::new();
    for (date, w) in weights {
        let child = birth.is_some_and(|b| b.years_until(date) < 18);
        let max_gap = if child { 92 } else { 730 };
        let Some(&(hd, h)) = heights.iter().rev().find(|(d, _)| *d <= date) else {
            continue;
        };
        if date.days() - hd.days() > max_gap {
            continue;
        }
        let m = h / 100.0;
        out.push(Bmi {
            date,
            value: (w / (m * m) * 10.0).round() / 10.0,
            weight_kg: w,
            height_cm: h,
        });
    }
    out
}

/// Contact details of a patient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default, schemars::JsonSchema)]
pub struct Contact {
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub postal_code: Option<String>,
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub mobile: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
}

impl Contact {
    pub fn validate(self) -> Result<Self, RecordError> {
        let phone = |f: &'static str, p: Option<String>| -> Result<Option<String>, RecordError> {
            let p = opt_text(f, p.as_deref(), 20)?;
            if let Some(p) = &p
                && !p
                    .chars()
                    .all(|c| c.is_ascii_digit() || " +.-()".contains(c))
            {
                return Err(RecordError::BadCode {
                    system: f.into(),
                    code: p.clone(),
                });
            }
            Ok(p)
        };
        let email = opt_text("l'adresse électronique", self.email.as_deref(), 254)?;
        if let Some(e) = &email
            && !valid_mailbox(e)
        {
            return Err(RecordError::BadMailbox(e.clone()));
        }
        let postal = opt_text("le code postal", self.postal_code.as_deref(), 10)?;
        Ok(Contact {
            address: opt_text("l'adresse", self.address.as_deref(), 500)?,
            postal_code: postal,
            city: opt_text("la commune", self.city.as_deref(), 200)?,
            phone: phone("le téléphone", self.phone)?,
            mobile: phone("le portable", self.mobile)?,
            email,
        })
    }
}

fn valid_mailbox(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(|c| c.is_whitespace())
}

/// A professional of the patient's care team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CareTeamMember {
    pub name: String,
    #[serde(default)]
    pub profession: Option<String>,
    #[serde(default)]
    pub rpps: Option<String>,
    /// MSSanté mailbox.
    #[serde(default)]
    pub mssante: Option<String>,
    /// "médecin traitant", "correspondant", "pharmacien"...
    #[serde(default)]
    pub relation: Option<String>,
}

impl CareTeamMember {
    pub fn validate(self) -> Result<Self, RecordError> {
        let rpps = opt_text("le RPPS", self.rpps.as_deref(), 11)?;
        if let Some(r) = &rpps {
            crate::account::check_rpps(r)?;
        }
        let mssante = opt_text("l'adresse MSSanté", self.mssante.as_deref(), 254)?;
        if let Some(m) = &mssante
            && !valid_mailbox(m)
        {
            return Err(RecordError::BadMailbox(m.clone()));
        }
        Ok(CareTeamMember {
            name: text("le nom", &self.name, 200)?,
            profession: opt_text("la profession", self.profession.as_deref(), 100)?,
            rpps,
            mssante,
            relation: opt_text("la relation", self.relation.as_deref(), 100)?,
        })
    }
}

/// An encounter: free note and reason; structured observations are
/// entries linked to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct NewEncounter {
    pub date: Day,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub note: String,
}

impl NewEncounter {
    pub fn validate(self) -> Result<Self, RecordError> {
        let note = self.note.trim().to_string();
        if note.chars().count() > 100_000 {
            return Err(RecordError::TooLong {
                field: "la note",
                max: 100_000,
            });
        }
        Ok(NewEncounter {
            date: self.date,
            reason: opt_text("le motif", self.reason.as_deref(), 500)?,
            note,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Day {
        Day::parse(s).unwrap()
    }

    #[test]
    fn bmi_from_weight_and_latest_height() {
        let m = [
            (MeasureKind::Taille, 175.0, d("2024-01-10")),
            (MeasureKind::Poids, 70.0, d("2024-01-10")),
            (MeasureKind::Poids, 80.0, d("2025-06-01")),
            (MeasureKind::Poids, 82.0, d("2023-01-01")),
        ];
        let s = bmi_series(&m, Some(d("1980-03-15")));
        assert_eq!(s.len(), 2, "{s:?}");
        assert_eq!(s[0].value, 22.9);
        assert_eq!(s[1].value, 26.1);
        // A child's height 4 months old is not used.
        let c = [
            (MeasureKind::Taille, 80.0, d("2025-01-01")),
            (MeasureKind::Poids, 11.0, d("2025-05-15")),
        ];
        assert!(bmi_series(&c, Some(d("2024-01-01"))).is_empty());
    }

    #[test]
    fn entries_are_checked() {
        let bad = EntryData::Mesure {
            measure: MeasureKind::Poids,
            value: 700.0,
            date: d("2026-01-01"),
            heure: None,
        };
        assert!(matches!(
            bad.validate(),
            Err(RecordError::OutOfRange { .. })
        ));
        let p = EntryData::Probleme {
            label: " Diabète de type 2 ".into(),
            code: Some(Code {
                system: "CIM-10".into(),
                code: "E11.9".into(),
                display: None,
            }),
            status: Activity::Actif,
            onset: None,
        };
        assert_eq!(p.validate().unwrap().label(), "Diabète de type 2");
        let c = EntryData::Probleme {
            label: "x".into(),
            code: Some(Code {
                system: "CISP-2".into(),
                code: "E11".into(),
                display: None,
            }),
            status: Activity::Actif,
            onset: None,
        };
        assert!(c.clone().validate().is_ok());
        let wrong = EntryData::Probleme {
            label: "x".into(),
            code: Some(Code {
                system: "CISP-2".into(),
                code: "E11.9".into(),
                display: None,
            }),
            status: Activity::Actif,
            onset: None,
        };
        assert!(matches!(wrong.validate(), Err(RecordError::BadCode { .. })));
        let t = EntryData::Traitement {
            label: "METFORMINE 1000 mg".into(),
            code: None,
            posology: "1 cp matin et soir".into(),
            start: d("2026-01-01"),
            end: Some(d("2025-01-01")),
            long_term: true,
        };
        assert_eq!(t.validate(), Err(RecordError::EndBeforeStart));
    }

    #[test]
    fn care_team_and_contacts() {
        let m = CareTeamMember {
            name: "Dr Paul Cardio".into(),
            profession: Some("cardiologue".into()),
            rpps: Some("10001234567".into()),
            mssante: Some("paul.cardio@medecin.mssante.fr".into()),
            relation: Some("correspondant".into()),
        };
        assert!(m.clone().validate().is_ok());
        let bad = CareTeamMember {
            mssante: Some("pas une adresse".into()),
            ..m
        };
        assert!(bad.validate().is_err());
        let c = Contact {
            phone: Some("01 23 45 67 89".into()),
            email: Some("a@b.fr".into()),
            ..Default::default()
        };
        assert!(c.validate().is_ok());
        let c = Contact {
            phone: Some("appelez-moi".into()),
            ..Default::default()
        };
        assert!(c.validate().is_err());
    }
}
