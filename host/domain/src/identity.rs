//! Patient identity under the RNIV (référentiel national d'identitovigilance)
//! and the INS rules.
//!
//! Invariants enforced here, whatever the caller:
//! - a `douteuse` or `fictive` identity is `provisoire` and carries no INS;
//! - `douteuse` and `fictive` cannot be combined; `homonyme` combines with
//!   any status;
//! - the status follows from two facts: the identity was checked on a
//!   high-trust document, and it comes from (or was modified by) an INSi
//!   answer (`qualifiée` = both, `récupérée` = INSi only, `validée` =
//!   document only, `provisoire` = neither);
//! - an INS (matricule + OID) exists only on a récupérée or qualifiée identity
//!   and its key is valid;
//! - the birth place is a COG code, or `99999` only when typed as unknown.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    #[error("le nom de naissance est obligatoire")]
    MissingBirthName,
    #[error("au moins un prénom de naissance est obligatoire")]
    MissingFirstName,
    #[error("date de naissance invalide «{0}» (AAAA-MM-JJ)")]
    BadBirthDate(String),
    #[error("date de naissance dans le futur")]
    FutureBirthDate,
    #[error(
        "code officiel géographique de naissance invalide «{0}» (5 caractères, ex. 75056, 2A004, 99134; 99999 si inconnu)"
    )]
    BadCog(String),
    #[error("les attributs «douteuse» et «fictive» ne peuvent pas être combinés")]
    DoubtfulAndFictitious,
    #[error("matricule INS invalide «{0}»: {1}")]
    BadMatricule(String, String),
    #[error("OID d'INS inconnu «{0}»")]
    BadOid(String),
    #[error("une INS ne peut être rattachée qu'à une identité issue du téléservice INSi")]
    InsWithoutInsi,
    #[error(
        "l'INS et la provenance INSi ne se saisissent pas : elles viennent du téléservice INSi (« Interroger l'INSi » dans le dossier)"
    )]
    InsSaisi,
    #[error("le téléservice INSi a répondu: l'identité doit porter son INS")]
    InsiWithoutIns,
    #[error(
        "{0}: seule une identité récupérée du téléservice INSi (avec son INS) peut être qualifiée ainsi"
    )]
    JustificatifWithoutInsi(&'static str),
    #[error("champ trop long: {0}")]
    TooLong(&'static str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
pub enum Sex {
    #[serde(rename = "F")]
    Female,
    #[serde(rename = "M")]
    Male,
    #[serde(rename = "U")]
    Unknown,
}

impl Sex {
    pub fn code(self) -> &'static str {
        match self {
            Sex::Female => "F",
            Sex::Male => "M",
            Sex::Unknown => "U",
        }
    }
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "F" => Some(Sex::Female),
            "M" => Some(Sex::Male),
            "U" => Some(Sex::Unknown),
            _ => None,
        }
    }
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum IdentityStatus {
    Provisoire,
    Recuperee,
    Validee,
    Qualifiee,
}

impl IdentityStatus {
    /// The status that follows from the two facts (attributes aside).
    pub fn from_facts(high_trust_document: bool, from_insi: bool) -> Self {
        match (high_trust_document, from_insi) {
            (true, true) => IdentityStatus::Qualifiee,
            (false, true) => IdentityStatus::Recuperee,
            (true, false) => IdentityStatus::Validee,
            (false, false) => IdentityStatus::Provisoire,
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            IdentityStatus::Provisoire => "provisoire",
            IdentityStatus::Recuperee => "recuperee",
            IdentityStatus::Validee => "validee",
            IdentityStatus::Qualifiee => "qualifiee",
        }
    }
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "provisoire" => Some(IdentityStatus::Provisoire),
            "recuperee" => Some(IdentityStatus::Recuperee),
            "validee" => Some(IdentityStatus::Validee),
            "qualifiee" => Some(IdentityStatus::Qualifiee),
            _ => None,
        }
    }
    /// French label for the UI.
    pub fn label(self) -> &'static str {
        match self {
            IdentityStatus::Provisoire => "Identité provisoire",
            IdentityStatus::Recuperee => "Identité récupérée",
            IdentityStatus::Validee => "Identité validée",
            IdentityStatus::Qualifiee => "Identité qualifiée",
        }
    }
}

/// How the identity was checked when it was, i.e. what makes the
/// "high-trust document" fact true. The RNIV counts the Appli carte Vitale
/// (ApCV) as a high-trust means, and lets the "procédure spécifique
/// transitoire" qualify an identity récupérée of a patient the
/// professional knows; both are recorded as such (indicator TBB.INS.02).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Justificatif {
    /// A high-trust identity document (passport, ID card, residence permit...).
    PieceIdentite,
    /// The Appli carte Vitale (ApCV).
    Apcv,
    /// The procédure spécifique transitoire.
    ProcedureTransitoire,
}

impl Justificatif {
    pub fn code(self) -> &'static str {
        match self {
            Justificatif::PieceIdentite => "piece_identite",
            Justificatif::Apcv => "apcv",
            Justificatif::ProcedureTransitoire => "procedure_transitoire",
        }
    }
    pub fn from_code(code: &str) -> Option<Self> {
        [
            Justificatif::PieceIdentite,
            Justificatif::Apcv,
            Justificatif::ProcedureTransitoire,
        ]
        .into_iter()
        .find(|j| j.code() == code)
    }
    pub fn label(self) -> &'static str {
        match self {
            Justificatif::PieceIdentite => "pièce d'identité à haut niveau de confiance",
            Justificatif::Apcv => "Appli carte Vitale (ApCV)",
            Justificatif::ProcedureTransitoire => "procédure spécifique transitoire",
        }
    }
}

#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct IdentityAttributes {
    #[serde(default)]
    pub homonyme: bool,
    #[serde(default)]
    pub douteuse: bool,
    #[serde(default)]
    pub fictive: bool,
}

/// Assigning authority of an INS.
/// Serialised as its OID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(try_from = "String", into = "String")]
pub enum InsOid {
    Nir,
    Nia,
    NirTest,
    NiaTest,
}

impl TryFrom<String> for InsOid {
    type Error = IdentityError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        InsOid::from_oid(&s).ok_or(IdentityError::BadOid(s))
    }
}

impl From<InsOid> for String {
    fn from(o: InsOid) -> String {
        o.oid().to_string()
    }
}

impl InsOid {
    pub fn oid(self) -> &'static str {
        use esculape_identifiants::oid;
        match self {
            InsOid::Nir => oid::INS_NIR,
            InsOid::Nia => oid::INS_NIA,
            InsOid::NirTest => oid::INS_NIR_TEST,
            InsOid::NiaTest => oid::INS_NIA_TEST,
        }
    }
    pub fn from_oid(oid: &str) -> Option<Self> {
        [InsOid::Nir, InsOid::Nia, InsOid::NirTest, InsOid::NiaTest]
            .into_iter()
            .find(|o| o.oid() == oid)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Ins {
    pub matricule: String,
    pub oid: InsOid,
}

/// The key a NIR/NIA's 13 first characters call for (Corsica: 2A→19, 2B→18).
pub fn ins_key(first13: &str) -> Option<u8> {
    esculape_identifiants::cle_ins(first13)
}

impl Ins {
    pub fn new(matricule: &str, oid: &str) -> Result<Self, IdentityError> {
        let m: String = matricule
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        let oid = InsOid::from_oid(oid).ok_or_else(|| IdentityError::BadOid(oid.to_string()))?;
        // ASCII first: the slices below cut at byte 13.
        if m.len() != 15 || !m.is_ascii() {
            return Err(IdentityError::BadMatricule(
                m,
                "15 caractères attendus".into(),
            ));
        }
        // 1/2: NIR by sex; 3/4: persons born abroad being registered;
        // 7/8: NIA (the same rule as the INS plugin's, cas-ins.tsv).
        if !matches!(m.as_bytes()[0], b'1' | b'2' | b'3' | b'4' | b'7' | b'8') {
            return Err(IdentityError::BadMatricule(
                m,
                "premier chiffre 1, 2, 3, 4, 7 ou 8 attendu".into(),
            ));
        }
        let expected = ins_key(&m[..13])
            .ok_or_else(|| IdentityError::BadMatricule(m.clone(), "forme incorrecte".into()))?;
        if m[13..].parse::<u8>().ok() != Some(expected) {
            return Err(IdentityError::BadMatricule(
                m,
                format!("clé incorrecte (attendue {expected:02})"),
            ));
        }
        Ok(Self { matricule: m, oid })
    }
}

/// A birth date as the INS records it: day or month may be 0 when unknown.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(try_from = "String", into = "String")]
pub struct BirthDate {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl From<crate::calendar::Day> for BirthDate {
    /// A known calendar day (years past 65535 do not occur in a practice).
    fn from(d: crate::calendar::Day) -> Self {
        Self {
            year: d.year.clamp(0, u16::MAX as i32) as u16,
            month: d.month as u8,
            day: d.day as u8,
        }
    }
}

impl BirthDate {
    pub fn parse(s: &str) -> Result<Self, IdentityError> {
        let bad = || IdentityError::BadBirthDate(s.to_string());
        let parts: Vec<&str> = s.trim().split('-').collect();
        if parts.len() != 3 || parts[0].len() != 4 || parts[1].len() != 2 || parts[2].len() != 2 {
            return Err(bad());
        }
        let year: u16 = parts[0].parse().map_err(|_| bad())?;
        let month: u8 = parts[1].parse().map_err(|_| bad())?;
        let day: u8 = parts[2].parse().map_err(|_| bad())?;
        if !(1850..=2200).contains(&year) || month > 12 || day > 31 || (month == 0 && day != 0) {
            return Err(bad());
        }
        if month != 0 && day != 0 {
            let leap =
                year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
            let max = match month {
                2 if leap => 29,
                2 => 28,
                4 | 6 | 9 | 11 => 30,
                _ => 31,
            };
            if day > max {
                return Err(bad());
            }
        }
        Ok(Self { year, month, day })
    }
}

impl fmt::Display for BirthDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl TryFrom<String> for BirthDate {
    type Error = IdentityError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<BirthDate> for String {
    fn from(d: BirthDate) -> String {
        d.to_string()
    }
}

/// What a user (or an INSi answer) submits to create or change an identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct NewIdentity {
    pub birth_name: String,
    #[serde(default)]
    pub used_name: Option<String>,
    pub birth_first_names: Vec<String>,
    #[serde(default)]
    pub used_first_name: Option<String>,
    pub sex: Sex,
    pub birth_date: BirthDate,
    /// COG code; `INCONNU` or `99999` when the birth place is typed as unknown.
    #[serde(default)]
    pub birth_place_cog: Option<String>,
    #[serde(default)]
    pub ins: Option<Ins>,
    /// Checked on a high-trust identity document (passport, ID card...).
    #[serde(default)]
    pub high_trust_document: bool,
    /// How it was checked: a document (the default when
    /// `high_trust_document`), the ApCV or the procédure transitoire
    /// (either makes the fact true).
    #[serde(default)]
    pub justificatif: Option<Justificatif>,
    /// Created or modified from an INSi answer.
    #[serde(default)]
    pub from_insi: bool,
    #[serde(default)]
    pub attributes: IdentityAttributes,
}

/// A valid identity: built only through [`Identity::validate`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Identity {
    pub birth_name: String,
    pub used_name: Option<String>,
    pub birth_first_names: Vec<String>,
    pub used_first_name: Option<String>,
    pub sex: Sex,
    pub birth_date: BirthDate,
    pub birth_place_cog: Option<String>,
    pub ins: Option<Ins>,
    pub high_trust_document: bool,
    /// Set exactly when `high_trust_document` is.
    #[serde(default)]
    pub justificatif: Option<Justificatif>,
    pub from_insi: bool,
    pub attributes: IdentityAttributes,
    pub status: IdentityStatus,
}

const MAX_NAME: usize = 100;

/// Upper case without accents, letters/space/hyphen/apostrophe only.
pub fn normalize_name(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.trim().chars() {
        let mapped: &str = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => {
                "A"
            }
            'ç' | 'Ç' => "C",
            'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => "E",
            'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => "I",
            'ñ' | 'Ñ' => "N",
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'ø' | 'Ø' => {
                "O"
            }
            'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => "U",
            'ý' | 'ÿ' | 'Ý' | 'Ÿ' => "Y",
            'œ' | 'Œ' => "OE",
            'æ' | 'Æ' => "AE",
            '\u{2019}' | '\u{2018}' | '`' | '´' | '\'' => "'",
            '-' => "-",
            c if c.is_ascii_alphabetic() => {
                out.push(c.to_ascii_uppercase());
                continue;
            }
            _ => " ",
        };
        if mapped == " " && (out.is_empty() || out.ends_with(' ')) {
            continue;
        }
        out.push_str(mapped);
    }
    out.trim_end_matches([' ', '-', '\''])
        .trim_start_matches(['-', '\''])
        .to_string()
}

/// A typed birth place as stored: its COG code (`INCONNU` is 99999), the
/// same rule as the INS plugin's (`plugins/ins/cas-ins.tsv`).
pub fn normalize_birth_place(raw: &str) -> Result<String, IdentityError> {
    let c = raw.trim().to_ascii_uppercase();
    if c == "INCONNU" || c == "99999" {
        return Ok("99999".into());
    }
    let ok = c.len() == 5
        && c.chars().enumerate().all(|(i, ch)| {
            ch.is_ascii_digit() || (i == 1 && (ch == 'A' || ch == 'B') && c.starts_with('2'))
        });
    if !ok {
        return Err(IdentityError::BadCog(raw.to_string()));
    }
    Ok(c)
}

impl Identity {
    /// Validate and normalise; enforce the RNIV rules.
    /// `today` bounds the birth date.
    pub fn validate(n: NewIdentity, today: BirthDate) -> Result<Self, IdentityError> {
        let attrs = n.attributes;
        if attrs.douteuse && attrs.fictive {
            return Err(IdentityError::DoubtfulAndFictitious);
        }
        let birth_name = normalize_name(&n.birth_name);
        if birth_name.is_empty() {
            return Err(IdentityError::MissingBirthName);
        }
        if birth_name.len() > MAX_NAME {
            return Err(IdentityError::TooLong("nom de naissance"));
        }
        let birth_first_names: Vec<String> = n
            .birth_first_names
            .iter()
            .flat_map(|f| {
                normalize_name(f)
                    .split(' ')
                    .map(String::from)
                    .collect::<Vec<_>>()
            })
            .filter(|f| !f.is_empty())
            .collect();
        if birth_first_names.is_empty() {
            return Err(IdentityError::MissingFirstName);
        }
        if birth_first_names.join(" ").len() > MAX_NAME * 2 {
            return Err(IdentityError::TooLong("prénoms de naissance"));
        }
        if n.birth_date > today {
            return Err(IdentityError::FutureBirthDate);
        }
        let clean = |o: Option<String>| o.map(|s| normalize_name(&s)).filter(|s| !s.is_empty());
        let used_name = clean(n.used_name).filter(|s| s.len() <= MAX_NAME);
        let used_first_name = clean(n.used_first_name).filter(|s| s.len() <= MAX_NAME);
        let birth_place_cog = match n.birth_place_cog.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(c) => Some(normalize_birth_place(c)?),
        };
        // RNIV: doubtful or fictitious identities stay provisional, without
        // INS, whatever was checked.
        let demoted = attrs.douteuse || attrs.fictive;
        let (ins, justificatif, from_insi) = if demoted {
            (None, None, false)
        } else {
            let j = n
                .justificatif
                .or(n.high_trust_document.then_some(Justificatif::PieceIdentite));
            (n.ins, j, n.from_insi)
        };
        let high_trust_document = justificatif.is_some();
        // The ApCV and the transitional procedure qualify an identity
        // that the INSi gave.
        if let Some(j @ (Justificatif::Apcv | Justificatif::ProcedureTransitoire)) = justificatif
            && !from_insi
        {
            return Err(IdentityError::JustificatifWithoutInsi(j.label()));
        }
        if ins.is_some() && !from_insi {
            return Err(IdentityError::InsWithoutInsi);
        }
        if ins.is_none() && from_insi {
            return Err(IdentityError::InsiWithoutIns);
        }
        let ins = match ins {
            Some(i) => Some(Ins::new(&i.matricule, i.oid.oid())?),
            None => None,
        };
        Ok(Self {
            birth_name,
            used_name,
            birth_first_names,
            used_first_name,
            sex: n.sex,
            birth_date: n.birth_date,
            birth_place_cog,
            status: IdentityStatus::from_facts(high_trust_document, from_insi),
            ins,
            high_trust_document,
            justificatif,
            from_insi,
            attributes: attrs,
        })
    }
}

/// The domain of the patients' Mon espace santé mailboxes (MSSanté
/// citoyenne): `<matricule INS>@patient.mssante.fr`.
pub const DOMAINE_MSS_CITOYENNE: &str = "patient.mssante.fr";

impl Identity {
    /// The patient's Mon espace santé secure-messaging address, generated
    /// from the INS — only when the identity is qualified (DSR §3.2.4: a
    /// professional writes to a patient with a qualified INS; the
    /// pre-admission derogation of the MSSanté client referential is not
    /// taken).
    pub fn adresse_mss_citoyenne(&self) -> Option<String> {
        match (&self.ins, self.status) {
            (Some(ins), IdentityStatus::Qualifiee) => {
                Some(format!("{}@{DOMAINE_MSS_CITOYENNE}", ins.matricule))
            }
            _ => None,
        }
    }

    /// An identity as a user types it (creation, or a change of `avant`).
    /// The INS and the INSi provenance come only from the téléservice:
    /// typed ones are refused unless they are the stored ones, and the
    /// stored ones are kept. A change of a strict trait (birth name and
    /// first names, sex, birth date, birth place) of an identity from the
    /// INSi unlinks it (no INS, no ApCV or transitional justification):
    /// the téléservice is asked again for the new traits.
    pub fn saisie(
        new: NewIdentity,
        avant: Option<&Identity>,
        today: BirthDate,
    ) -> Result<Self, IdentityError> {
        let (ins, from_insi) = avant
            .map(|a| (a.ins.clone(), a.from_insi))
            .unwrap_or((None, false));
        if (new.ins.is_some() && new.ins != ins) || (new.from_insi && !from_insi) {
            return Err(IdentityError::InsSaisi);
        }
        let mut n = NewIdentity {
            ins,
            from_insi,
            ..new
        };
        let v = Identity::validate(n.clone(), today)?;
        let traits = |i: &Identity| {
            (
                i.birth_name.clone(),
                i.birth_first_names.clone(),
                i.sex,
                i.birth_date,
                i.birth_place_cog.clone(),
            )
        };
        match avant {
            Some(a) if a.from_insi && traits(a) != traits(&v) => {
                n.ins = None;
                n.from_insi = false;
                if matches!(
                    n.justificatif,
                    Some(Justificatif::Apcv | Justificatif::ProcedureTransitoire)
                ) {
                    n.justificatif = None;
                    n.high_trust_document = false;
                }
                Identity::validate(n, today)
            }
            _ => Ok(v),
        }
    }
}

/// One patient found by the search: what a result line shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PatientSummary {
    pub id: String,
    pub birth_name: String,
    pub used_name: Option<String>,
    pub first_names: String,
    pub birth_date: String,
    pub sex: String,
    pub status: IdentityStatus,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> BirthDate {
        BirthDate::parse("2026-11-26").unwrap()
    }

    fn base() -> NewIdentity {
        NewIdentity {
            birth_name: "Adrtrois".into(),
            used_name: None,
            birth_first_names: vec!["Dominique".into()],
            used_first_name: None,
            sex: Sex::Female,
            birth_date: BirthDate::parse("1997-02-01").unwrap(),
            birth_place_cog: Some("2a004".into()),
            ins: Some(Ins {
                matricule: "297022A02077878".into(),
                oid: InsOid::NirTest,
            }),
            high_trust_document: true,
            justificatif: None,
            from_insi: true,
            attributes: IdentityAttributes::default(),
        }
    }

    #[test]
    fn apcv_and_transitional_procedure_qualify_an_identity_from_the_insi() {
        for j in [Justificatif::Apcv, Justificatif::ProcedureTransitoire] {
            let id = Identity::validate(
                NewIdentity {
                    high_trust_document: false,
                    justificatif: Some(j),
                    ..base()
                },
                today(),
            )
            .unwrap();
            assert_eq!(id.status, IdentityStatus::Qualifiee);
            assert!(id.high_trust_document);
            assert_eq!(id.justificatif, Some(j));
            // Not without the INSi.
            let local = NewIdentity {
                ins: None,
                from_insi: false,
                justificatif: Some(j),
                ..base()
            };
            assert!(matches!(
                Identity::validate(local, today()),
                Err(IdentityError::JustificatifWithoutInsi(_))
            ));
            // A doubtful identity loses it with the rest.
            let doubtful = Identity::validate(
                NewIdentity {
                    justificatif: Some(j),
                    attributes: IdentityAttributes {
                        douteuse: true,
                        ..Default::default()
                    },
                    ..base()
                },
                today(),
            )
            .unwrap();
            assert_eq!(
                (doubtful.justificatif, doubtful.status),
                (None, IdentityStatus::Provisoire)
            );
        }
        // A document by default.
        let id = Identity::validate(base(), today()).unwrap();
        assert_eq!(id.justificatif, Some(Justificatif::PieceIdentite));
        let none = Identity::validate(
            NewIdentity {
                high_trust_document: false,
                ..base()
            },
            today(),
        )
        .unwrap();
        assert_eq!(none.justificatif, None);
    }

    #[test]
    fn qualified_identity() {
        let id = Identity::validate(base(), today()).unwrap();
        assert_eq!(id.status, IdentityStatus::Qualifiee);
        assert_eq!(id.birth_name, "ADRTROIS");
        assert_eq!(id.birth_place_cog.as_deref(), Some("2A004"));
        let ins = id.ins.as_ref().unwrap().matricule.clone();
        assert_eq!(
            id.adresse_mss_citoyenne(),
            Some(format!("{ins}@patient.mssante.fr"))
        );
        // Validated but not qualified: no Mon espace santé address.
        let mut validee = id.clone();
        validee.status = IdentityStatus::Validee;
        assert_eq!(validee.adresse_mss_citoyenne(), None);
    }

    #[test]
    fn doubtful_or_fictitious_forces_provisional_and_drops_ins() {
        for attrs in [
            IdentityAttributes {
                douteuse: true,
                ..Default::default()
            },
            IdentityAttributes {
                fictive: true,
                ..Default::default()
            },
        ] {
            let id = Identity::validate(
                NewIdentity {
                    attributes: attrs,
                    ..base()
                },
                today(),
            )
            .unwrap();
            assert_eq!(id.status, IdentityStatus::Provisoire);
            assert!(id.ins.is_none());
        }
        let both = IdentityAttributes {
            douteuse: true,
            fictive: true,
            homonyme: false,
        };
        assert_eq!(
            Identity::validate(
                NewIdentity {
                    attributes: both,
                    ..base()
                },
                today()
            ),
            Err(IdentityError::DoubtfulAndFictitious)
        );
        let homonyme = IdentityAttributes {
            homonyme: true,
            ..Default::default()
        };
        let id = Identity::validate(
            NewIdentity {
                attributes: homonyme,
                ..base()
            },
            today(),
        )
        .unwrap();
        assert_eq!(id.status, IdentityStatus::Qualifiee);
    }

    #[test]
    fn status_from_facts_and_ins_consistency() {
        let no_ins = NewIdentity {
            ins: None,
            from_insi: false,
            ..base()
        };
        assert_eq!(
            Identity::validate(no_ins.clone(), today()).unwrap().status,
            IdentityStatus::Validee
        );
        let prov = NewIdentity {
            high_trust_document: false,
            ..no_ins.clone()
        };
        assert_eq!(
            Identity::validate(prov, today()).unwrap().status,
            IdentityStatus::Provisoire
        );
        let rec = NewIdentity {
            high_trust_document: false,
            ..base()
        };
        assert_eq!(
            Identity::validate(rec, today()).unwrap().status,
            IdentityStatus::Recuperee
        );
        let bad = NewIdentity {
            from_insi: false,
            ..base()
        };
        assert_eq!(
            Identity::validate(bad, today()),
            Err(IdentityError::InsWithoutInsi)
        );
    }

    #[test]
    fn unknown_birth_place_and_bad_inputs() {
        let id = Identity::validate(
            NewIdentity {
                birth_place_cog: Some("inconnu".into()),
                ..base()
            },
            today(),
        )
        .unwrap();
        assert_eq!(id.birth_place_cog.as_deref(), Some("99999"));
        assert!(matches!(
            Identity::validate(
                NewIdentity {
                    birth_place_cog: Some("7505".into()),
                    ..base()
                },
                today()
            ),
            Err(IdentityError::BadCog(_))
        ));
        let wrong_key = NewIdentity {
            ins: Some(Ins {
                matricule: "297022A02077879".into(),
                oid: InsOid::NirTest,
            }),
            ..base()
        };
        assert!(matches!(
            Identity::validate(wrong_key, today()),
            Err(IdentityError::BadMatricule(..))
        ));
        assert!(BirthDate::parse("2023-02-29").is_err());
        assert!(BirthDate::parse("2024-02-29").is_ok());
        assert!(BirthDate::parse("1970-00-00").is_ok());
        let future = NewIdentity {
            birth_date: BirthDate::parse("2030-01-01").unwrap(),
            ..base()
        };
        assert_eq!(
            Identity::validate(future, today()),
            Err(IdentityError::FutureBirthDate)
        );
        assert_eq!(normalize_name(" Jean-Hélène  d’Arc "), "JEAN-HELENE D'ARC");
        let several = NewIdentity {
            birth_first_names: vec!["Jean Pierre".into(), "Marie".into()],
            ..base()
        };
        assert_eq!(
            Identity::validate(several, today())
                .unwrap()
                .birth_first_names,
            ["JEAN", "PIERRE", "MARIE"]
        );
    }
}
