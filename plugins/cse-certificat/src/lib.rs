//! Certificats de santé de l'enfant CS9 and CS24 (CI-SIS CSE 2025.01,
//! SC.CDA/DD.20): one model for both, since the two volets differ only in
//! a few items (exposure to screens and walking at 24 months, the period of
//! the domestic accidents, the vaccine value set). The `doc-cse-cs9` and
//! `doc-cse-cs24` plugins are this crate with their [`Variante`].
//!
//! The form is prefilled from the record (the newest measures, the
//! vaccinations split into the valences the certificate asks about); the
//! CDA R2 N3 and the printed layout are written from the same values.

use esculape_sdk::calendar::days_from_civil;
use esculape_sdk::cda::{self, Code, Informant, Xml, from_host, oid};
use esculape_sdk::document::esculape::host::pdf::Block;
use esculape_sdk::document::esculape::host::record_read;
use esculape_sdk::document::esculape::host::types::{Error, FormValue};
use esculape_sdk::document::exports::esculape::plugin::document_type::{
    CdaLevel, Context, Description, Field, Produced, ScalarKind,
};
use esculape_sdk::forme;
use serde::{Deserialize, Serialize};

mod jdv;
pub use jdv::*;

/// What distinguishes the CS9 from the CS24.
pub struct Variante {
    /// 9 or 24.
    pub mois: u32,
    /// The volet's templateId (with extension 2025.01).
    pub template: &'static str,
    pub titre: &'static str,
    /// XDS formatCode (as in the official IHE_XDM package).
    pub format_code: (&'static str, &'static str),
    /// The domestic accidents item (JDV_AntecedentsCSE9/24).
    pub accident: (&'static str, &'static str),
    /// The vaccines of the certificate (JDV_VaccinCSE9/24).
    pub vaccins: &'static [(&'static str, &'static str)],
    /// CS24: exposure to screens and walking.
    pub ecrans_et_marche: bool,
    /// Age window of the exam in days (a notice outside it).
    pub fenetre_jours: (i64, i64),
    /// The compulsory exam the certificate reports
    /// (JDV_ExamenEnfantObligatoire_CISIS), whose report it reads.
    pub examen: &'static str,
    /// CS9: the section of the treatments given (the RSV immunisation) is
    /// mandatory.
    pub vrs_obligatoire: bool,
    /// CS24: prematurity below 33 weeks is a mandatory item.
    pub prematurite_obligatoire: bool,
}

pub const CS9: Variante = Variante {
    mois: 9,
    template: "1.2.250.1.213.1.1.1.5.2",
    titre: "Deuxième certificat de santé (à établir obligatoirement au cours du 9ème mois)",
    format_code: (
        "urn:asip:ci-sis:cse-cs9:2017",
        "Certificat de santé du 9ème mois de l'enfant",
    ),
    accident: ("MED-186", "Accident(s) domestique(s) avant le 9ème mois"),
    vaccins: VACCINS_CS9,
    ecrans_et_marche: false,
    fenetre_jours: (240, 305),
    examen: "MED-1232",
    vrs_obligatoire: true,
    prematurite_obligatoire: false,
};

pub const CS24: Variante = Variante {
    mois: 24,
    template: "1.2.250.1.213.1.1.1.5.3",
    titre: "Troisième certificat de santé (à établir obligatoirement au cours du 24ème mois)",
    format_code: (
        "urn:asip:ci-sis:cse-cs24:2017",
        "Certificat de santé du 24ème mois de l'enfant",
    ),
    accident: ("MED-185", "Accident(s) domestique(s) depuis le 9ème mois"),
    vaccins: VACCINS_CS24,
    ecrans_et_marche: true,
    fenetre_jours: (700, 760),
    examen: "MED-1236",
    vrs_obligatoire: false,
    prematurite_obligatoire: true,
};

const TA_ASIP: &str = "1.2.250.1.213.1.1.4.322";
const ATC: &str = "2.16.840.1.113883.6.73";
const SNOMED: &str = "2.16.840.1.113883.6.96";
const ROLE: &str = "2.16.840.1.113883.5.111";

fn invalid(msg: impl Into<String>) -> Error {
    Error::InvalidInput(msg.into())
}

pub fn describe(v: &Variante) -> Description {
    let coded = from_host::coded;
    Description {
        type_code: coded(
            "CERT_DECL",
            "1.2.250.1.213.1.1.4.12",
            "Certificat, déclaration",
        ),
        class_code: coded("52", "1.2.250.1.213.1.1.4.1", "Certificat, déclaration"),
        // The official CSE-CS9/CS24 IHE_XDM packages code these formats in
        // 1.2.250.1.213.1.1.4.12 (not the .4.2.282 of later volets): as
        // the DMP expects them.
        format_code: coded(v.format_code.0, "1.2.250.1.213.1.1.4.12", v.format_code.1),
        template_ids: vec![
            "1.2.250.1.213.1.1.1.5".into(),
            format!("{}@2025.01", v.template),
        ],
        level: CdaLevel::N3,
        volet: format!("CSE-CS{} 2025.01", v.mois),
        title: format!("Certificat de santé du {}e mois", v.mois),
    }
}

pub fn form_schema(v: &Variante) -> Vec<Field> {
    use ScalarKind::*;
    let f = forme::champ;
    let mut fields = vec![
        f("date_examen", "Date de l'examen", Date, true, None),
        f("mere_nom", "Mère : nom", Text, true, None),
        f("mere_prenom", "Mère : prénom", Text, true, None),
        f(
            "mere_naissance",
            "Mère : date de naissance",
            Date,
            true,
            None,
        ),
        f(
            "mere_profession",
            "Mère : profession",
            Coded(JDV_PROFESSION.into()),
            false,
            None,
        ),
        f(
            "mere_activite",
            "Mère : activité",
            Coded(JDV_ACTIVITE.into()),
            true,
            Some("au foyer, salariée, congé parental…"),
        ),
        f("pere_nom", "Père : nom", Text, false, None),
        f("pere_prenom", "Père : prénom", Text, false, None),
        f(
            "pere_profession",
            "Père : profession",
            Coded(JDV_PROFESSION.into()),
            false,
            None,
        ),
        f(
            "pere_activite",
            "Père : activité",
            Coded(JDV_ACTIVITE.into()),
            false,
            None,
        ),
        f(
            "enfants_foyer",
            "Nombre d'enfants vivant au foyer",
            Number,
            false,
            None,
        ),
        f("garde", "L'enfant est-il gardé ?", Boolean, true, None),
        f(
            "type_garde",
            "Type de garde principal",
            Coded(JDV_TYPE_GARDE.into()),
            false,
            Some("si l'enfant est gardé"),
        ),
        f(
            "allaitement_exclusif_semaines",
            "Lait maternel exclusif (semaines)",
            Number,
            false,
            None,
        ),
        f(
            "allaitement_mixte_semaines",
            "Alimentation mixte (semaines)",
            Number,
            false,
            None,
        ),
    ];
    if v.ecrans_et_marche {
        fields.push(f(
            "ecrans",
            "Exposition aux écrans sans interaction avec un adulte",
            Coded(JDV_ECRANS.into()),
            true,
            None,
        ));
    }
    fields.extend([
        f(
            "prematurite",
            "Prématurité inférieure à 33 semaines",
            Boolean,
            v.prematurite_obligatoire,
            None,
        ),
        f("accident_domestique", v.accident.1, Boolean, true, None),
        forme::liste(
            "accident_causes",
            "Causes des accidents domestiques",
            &[("cause", "Cause", Coded(JDV_CAUSE_ACCIDENT.into()))],
            false,
            Some("choc traumatique, brûlure, intoxication ou autre (JDV_CauseAccidentDom)"),
        ),
        f("poids", "Poids (kg)", Number, false, None),
        f("taille", "Taille (cm)", Number, false, None),
        f(
            "perimetre_cranien",
            "Périmètre crânien (cm)",
            Number,
            false,
            None,
        ),
        f(
            "neurodeveloppement",
            "Repérage des troubles du neurodéveloppement",
            Coded(JDV_NEURODEV.into()),
            true,
            None,
        ),
    ]);
    if v.ecrans_et_marche {
        fields.push(f("marche_acquise", "Marche acquise", Boolean, false, None));
        fields.push(f(
            "age_marche_mois",
            "Âge de la marche (mois)",
            Number,
            false,
            None,
        ));
    }
    fields.extend([
        forme::liste(
            "vaccinations",
            "Vaccinations",
            &[
                ("vaccin", "Vaccin (ATC)", Text),
                ("date", "Date", Date),
                ("rang", "Rang", Number),
            ],
            false,
            Some("reprises du dossier ; chaque ligne se modifie ou se retire"),
        ),
        f(
            "immunisation_vrs",
            "Immunisation contre le VRS (nirsévimab)",
            Boolean,
            v.vrs_obligatoire,
            None,
        ),
        f(
            "orientation_professionnel",
            "Orientation vers un autre professionnel de santé",
            Boolean,
            false,
            None,
        ),
        f(
            "orientation_structure",
            "Orientation vers une structure pluridisciplinaire (CAMPS, réseau…)",
            Boolean,
            false,
            None,
        ),
        f(
            "lien_pmi",
            "Lien avec le médecin de PMI après accord des parents",
            Boolean,
            false,
            None,
        ),
        f(
            "informations_pmi",
            "Informations pour le service de PMI",
            LongText,
            false,
            None,
        ),
    ]);
    fields
}

/// One vaccination line of the form.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LigneVaccin {
    /// ATC code of the valence (JDV_VaccinCSE9/24).
    pub vaccin: String,
    /// `AAAA-MM-JJ`.
    pub date: Option<String>,
    pub rang: Option<u32>,
}

fn iso(d: &esculape_sdk::document::esculape::host::types::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)
}

/// The form prefilled from the record: the newest measures, and each
/// vaccination of the record split into the certificate's valences, ranked
/// in date order.
pub fn prefill(v: &Variante) -> Result<Vec<FormValue>, Error> {
    let mut out = vec![];
    let measures = record_read::measures(200)?;
    // The matching exam: the newest day, in the certificate's age window,
    // with measures in the record (the exam report's sign-off records
    // its measures there). The certificate takes that day and its
    // measures; without one, the newest measures.
    let naissance = record_read::current_patient()?.traits.birth_date;
    let born = days_from_civil(
        i64::from(naissance.year),
        u32::from(naissance.month),
        u32::from(naissance.day),
    );
    let jour = |m: &record_read::Measure| {
        (m.at.unix_millis + i64::from(m.at.utc_offset_minutes) * 60_000).div_euclid(86_400_000)
    };
    let examen = born.and_then(|born| {
        measures
            .iter()
            .map(jour)
            .filter(|d| (v.fenetre_jours.0..=v.fenetre_jours.1).contains(&(d - born)))
            .max()
    });
    // The exam's own report, when it was signed here: its day and its
    // measures as the doctor signed them.
    if let Some((d, rapport)) = born.map(|b| rapport_d_examen(v, b)).transpose()?.flatten() {
        out.push(forme::valeur_date("date_examen", date_of_days(d)));
        for (key, _) in MESURES {
            if let Some(n) = forme::nombre(&rapport, key) {
                out.push(forme::valeur_nombre(key, n));
            }
        }
    } else {
        if let Some(d) = examen {
            out.push(forme::valeur_date("date_examen", date_of_days(d)));
        }
        for (key, loinc) in MESURES {
            if let Some(m) = measures
                .iter()
                .find(|m| m.code.code == *loinc && examen.is_none_or(|d| jour(m) == d))
            {
                let value = if m.unit == "g" {
                    m.value / 1000.0
                } else {
                    m.value
                };
                out.push(forme::valeur_nombre(
                    key,
                    fmt(value).parse().unwrap_or(value),
                ));
            }
        }
    }
    let mut vaccinations = record_read::vaccinations()?;
    vaccinations.sort_by_key(|x| (x.date.year, x.date.month, x.date.day));
    let mut lignes: Vec<LigneVaccin> = vec![];
    for vac in &vaccinations {
        let Some(code) = vac.vaccine.as_ref().filter(|c| c.code_system == ATC) else {
            continue;
        };
        for valence in valences(&code.code) {
            if !v.vaccins.iter().any(|(c, _)| c == valence) {
                continue;
            }
            let rang = lignes.iter().filter(|l| l.vaccin == *valence).count() as u32 + 1;
            lignes.push(LigneVaccin {
                vaccin: (*valence).into(),
                date: Some(iso(&vac.date)),
                rang: Some(rang),
            });
        }
    }
    out.extend(forme::depuis_json(
        "vaccinations",
        &serde_json::to_value(&lignes).unwrap_or_default(),
    ));
    Ok(out)
}

fn date_of_days(days: i64) -> esculape_sdk::document::esculape::host::types::Date {
    let (y, m, d) = esculape_sdk::cda::civil_from_days(days);
    esculape_sdk::document::esculape::host::types::Date {
        year: u16::try_from(y).unwrap_or(0),
        month: m as u8,
        day: d as u8,
    }
}

/// The plugin whose reports the certificates read.
const EXAMEN_ENFANT: &str = "fr.esculape.doc.examen-enfant";

/// The newest report of this certificate's exam signed here, in its age
/// window: the day of the exam (days since 1970) and the form it was signed
/// from, read through `record-read`.
fn rapport_d_examen(v: &Variante, born: i64) -> Result<Option<(i64, Vec<FormValue>)>, Error> {
    let mut rapports: Vec<(i64, String)> = record_read::documents()?
        .into_iter()
        .filter(|d| d.plugin.as_deref() == Some(EXAMEN_ENFANT))
        .filter_map(|d| {
            let a = &d.act_date;
            let day = days_from_civil(i64::from(a.year), u32::from(a.month), u32::from(a.day))?;
            (v.fenetre_jours.0..=v.fenetre_jours.1)
                .contains(&(day - born))
                .then_some((day, d.id))
        })
        .collect();
    rapports.sort_by_key(|(day, _)| std::cmp::Reverse(*day));
    for (day, id) in rapports {
        if let Some(form) = record_read::signed_form(&id)?
            && forme::texte(&form, "examen").as_deref() == Some(v.examen)
        {
            return Ok(Some((day, form)));
        }
    }
    Ok(None)
}

const MESURES: &[(&str, &str)] = &[
    ("poids", "29463-7"),
    ("taille", "8302-2"),
    ("perimetre_cranien", "8287-5"),
];

fn fmt(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Reading the form: every value typed, checked, with French errors.
struct Form<'a>(&'a [FormValue]);

impl Form<'_> {
    /// The JSON of a value (a list read into serde structures).
    fn raw(&self, key: &str) -> Option<String> {
        let v = forme::json_de(self.0, key);
        (!v.is_null() && v.as_str() != Some("")).then(|| v.to_string())
    }
    fn text(&self, key: &str) -> Option<String> {
        from_host::text_value(self.0, key)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    }
    fn required_text(&self, key: &str, label: &str) -> Result<String, Error> {
        self.text(key)
            .ok_or_else(|| invalid(format!("{label} : obligatoire")))
    }
    fn day(&self, key: &str, label: &str) -> Result<Option<String>, Error> {
        match self.text(key) {
            None => Ok(None),
            Some(raw) => from_host::iso_day(&raw)
                .map(Some)
                .ok_or_else(|| invalid(format!("{label} : «{raw}», attendu AAAA-MM-JJ"))),
        }
    }
    fn number(&self, key: &str, label: &str, range: (f64, f64)) -> Result<Option<f64>, Error> {
        let Some(raw) = self.raw(key) else {
            return Ok(None);
        };
        let text = raw.trim_matches('"').replace(',', ".");
        if text.trim().is_empty() {
            return Ok(None);
        }
        let n: f64 = text
            .trim()
            .parse()
            .map_err(|_| invalid(format!("{label} : «{text}» n'est pas un nombre")))?;
        if !(range.0..=range.1).contains(&n) {
            return Err(invalid(format!(
                "{label} : {} hors des valeurs possibles ({} à {})",
                fmt(n),
                fmt(range.0),
                fmt(range.1)
            )));
        }
        Ok(Some(n))
    }
    fn boolean(&self, key: &str, label: &str) -> Result<Option<bool>, Error> {
        match self.raw(key).map(|r| r.trim_matches('"').to_lowercase()) {
            None => Ok(None),
            Some(s) => match s.as_str() {
                "true" | "oui" => Ok(Some(true)),
                "false" | "non" => Ok(Some(false)),
                other => Err(invalid(format!("{label} : «{other}», attendu oui ou non"))),
            },
        }
    }
    fn coded(
        &self,
        key: &str,
        label: &str,
        jdv: &'static [(&'static str, &'static str, &'static str)],
    ) -> Result<Option<&'static (&'static str, &'static str, &'static str)>, Error> {
        match self.text(key) {
            None => Ok(None),
            Some(code) => jdv
                .iter()
                .find(|(c, _, _)| *c == code)
                .map(Some)
                .ok_or_else(|| {
                    invalid(format!(
                        "{label} : code «{code}» hors du jeu de valeurs ({})",
                        jdv.iter()
                            .map(|(c, _, d)| format!("{c} {d}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                }),
        }
    }
}

/// A parent as the certificate records them.
struct Parent {
    relation: (&'static str, &'static str),
    nom: String,
    prenom: String,
    naissance: Option<String>,
    profession: Option<&'static (&'static str, &'static str, &'static str)>,
    activite: Option<&'static (&'static str, &'static str, &'static str)>,
}

/// Everything the certificate says, read and checked from the form.
struct Certificat {
    jour: String,
    parents: Vec<Parent>,
    enfants_foyer: Option<f64>,
    garde: bool,
    type_garde: Option<&'static (&'static str, &'static str, &'static str)>,
    allaitement: Vec<(&'static str, &'static str, f64)>,
    ecrans: Option<&'static (&'static str, &'static str, &'static str)>,
    prematurite: Option<bool>,
    accident: bool,
    causes: Vec<&'static (&'static str, &'static str, &'static str)>,
    mesures: Vec<(&'static str, &'static str, &'static str, f64)>,
    neurodev: &'static (&'static str, &'static str, &'static str),
    marche: Option<bool>,
    age_marche: Option<f64>,
    vaccins: Vec<(LigneVaccin, &'static str)>,
    vrs: Option<bool>,
    plan: Vec<(&'static str, &'static str, bool)>,
    informations_pmi: Option<String>,
}

fn lire(v: &Variante, values: &[FormValue]) -> Result<Certificat, Error> {
    let f = Form(values);
    let jour = f
        .day("date_examen", "Date de l'examen")?
        .ok_or_else(|| invalid("Date de l'examen : obligatoire"))?;
    let mut parents = vec![Parent {
        relation: ("MTH", "Mère"),
        nom: f.required_text("mere_nom", "Nom de la mère")?,
        prenom: f.required_text("mere_prenom", "Prénom de la mère")?,
        naissance: Some(
            f.day("mere_naissance", "Date de naissance de la mère")?
                .ok_or_else(|| invalid("Date de naissance de la mère : obligatoire"))?,
        ),
        profession: f.coded("mere_profession", "Profession de la mère", PROFESSION)?,
        activite: Some(
            f.coded("mere_activite", "Activité de la mère", ACTIVITE)?
                .ok_or_else(|| {
                    invalid("Activité de la mère : obligatoire (au foyer, salariée…)")
                })?,
        ),
    }];
    if let Some(nom) = f.text("pere_nom") {
        parents.push(Parent {
            relation: ("FTH", "Père"),
            nom,
            prenom: f.required_text("pere_prenom", "Prénom du père")?,
            naissance: None,
            profession: f.coded("pere_profession", "Profession du père", PROFESSION)?,
            activite: f.coded("pere_activite", "Activité du père", ACTIVITE)?,
        });
    }
    let garde = f
        .boolean("garde", "Garde de l'enfant")?
        .ok_or_else(|| invalid("Garde de l'enfant : répondre oui ou non"))?;
    let type_garde = f.coded("type_garde", "Type de garde", TYPE_GARDE)?;
    if type_garde.is_some() && !garde {
        return Err(invalid(
            "Type de garde : renseigné alors que l'enfant n'est pas gardé",
        ));
    }
    let mut allaitement = vec![];
    for (key, code, label) in [
        (
            "allaitement_exclusif_semaines",
            "PAT-059",
            "Durée de l'alimentation au lait maternel exclusif (à partir de la naissance)",
        ),
        (
            "allaitement_mixte_semaines",
            "PAT-060",
            "Durée de l'alimentation mixte (à partir de la naissance)",
        ),
    ] {
        if let Some(n) = f.number(key, label, (0.0, 110.0))? {
            allaitement.push((code, label, n));
        }
    }
    let ecrans = if v.ecrans_et_marche {
        Some(
            f.coded("ecrans", "Exposition aux écrans", ECRANS)?
                .ok_or_else(|| invalid("Exposition aux écrans : obligatoire"))?,
        )
    } else {
        None
    };
    let accident = f
        .boolean("accident_domestique", v.accident.1)?
        .ok_or_else(|| invalid(format!("{} : répondre oui ou non", v.accident.1)))?;
    let mut causes = vec![];
    if let Some(raw) = f.raw("accident_causes") {
        let items: Vec<serde_json::Value> = serde_json::from_str(&raw)
            .map_err(|_| invalid("Causes des accidents : liste attendue"))?;
        for item in items {
            let code = item
                .get("cause")
                .and_then(|c| c.as_str())
                .or_else(|| item.as_str())
                .unwrap_or_default()
                .to_string();
            let found = CAUSES_ACCIDENT
                .iter()
                .find(|(c, _, _)| *c == code)
                .ok_or_else(|| invalid(format!("Cause d'accident «{code}» inconnue")))?;
            causes.push(found);
        }
    }
    if accident && causes.is_empty() {
        return Err(invalid(
            "Accident domestique : indiquer la cause (choc traumatique, brûlure, intoxication ou autre)",
        ));
    }
    if !accident && !causes.is_empty() {
        return Err(invalid(
            "Causes d'accident renseignées alors qu'aucun accident domestique n'est déclaré",
        ));
    }
    let mut mesures = vec![];
    for (key, loinc, label, unit, range) in [
        ("poids", "29463-7", "Poids", "kg", (1.0, 30.0)),
        ("taille", "8302-2", "Taille", "cm", (40.0, 120.0)),
        (
            "perimetre_cranien",
            "8287-5",
            "Périmètre crânien",
            "cm",
            (30.0, 60.0),
        ),
    ] {
        if let Some(n) = f.number(key, label, range)? {
            mesures.push((loinc, label, unit, n));
        }
    }
    if mesures.is_empty() {
        return Err(invalid(
            "au moins une mesure (poids, taille ou périmètre crânien) est obligatoire",
        ));
    }
    let neurodev = f
        .coded(
            "neurodeveloppement",
            "Repérage des troubles du neurodéveloppement",
            NEURODEV,
        )?
        .ok_or_else(|| invalid("Repérage des troubles du neurodéveloppement : obligatoire"))?;
    let (marche, age_marche) = if v.ecrans_et_marche {
        (
            f.boolean("marche_acquise", "Marche acquise")?,
            f.number("age_marche_mois", "Âge de la marche", (6.0, 30.0))?,
        )
    } else {
        (None, None)
    };
    let mut vaccins = vec![];
    if let Some(raw) = f.raw("vaccinations") {
        let lignes: Vec<LigneVaccin> = serde_json::from_str(&raw)
            .map_err(|e| invalid(format!("Vaccinations : lignes illisibles ({e})")))?;
        for l in lignes {
            let display = v
                .vaccins
                .iter()
                .find(|(c, _)| *c == l.vaccin)
                .map(|(_, d)| *d)
                .ok_or_else(|| {
                    invalid(format!(
                        "Vaccin «{}» : ne figure pas au certificat du {}e mois",
                        l.vaccin, v.mois
                    ))
                })?;
            if let Some(d) = &l.date
                && from_host::iso_day(d).is_none()
            {
                return Err(invalid(format!(
                    "Vaccin {display} : date «{d}», attendu AAAA-MM-JJ"
                )));
            }
            vaccins.push((l, display));
        }
    }
    let mut plan = vec![];
    for (key, code, label) in RENCONTRES {
        if let Some(b) = f.boolean(key, label)? {
            plan.push((*code, *label, b));
        }
    }
    Ok(Certificat {
        jour,
        parents,
        enfants_foyer: f.number("enfants_foyer", "Nombre d'enfants au foyer", (1.0, 20.0))?,
        garde,
        type_garde,
        allaitement,
        ecrans,
        prematurite: match f.boolean("prematurite", "Prématurité")? {
            None if v.prematurite_obligatoire => {
                return Err(invalid(
                    "Prématurité inférieure à 33 semaines : répondre oui ou non",
                ));
            }
            p => p,
        },
        accident,
        causes,
        mesures,
        neurodev,
        marche,
        age_marche,
        vaccins,
        vrs: match f.boolean("immunisation_vrs", "Immunisation contre le VRS")? {
            None if v.vrs_obligatoire => {
                return Err(invalid("Immunisation contre le VRS : répondre oui ou non"));
            }
            vrs => vrs,
        },
        plan,
        informations_pmi: f.text("informations_pmi"),
    })
}

fn days_of(hl7: &str) -> Option<i64> {
    let y = hl7.get(0..4)?.parse().ok()?;
    let m = hl7.get(4..6)?.parse().ok()?;
    let d = hl7.get(6..8)?.parse().ok()?;
    days_from_civil(y, m, d)
}

fn oui_non(b: bool) -> &'static str {
    if b { "Oui" } else { "Non" }
}

fn fr_day(hl7: &str) -> String {
    format!("{}/{}/{}", &hl7[6..8], &hl7[4..6], &hl7[0..4])
}

/// The certificate from the context, the patient and the form.
pub fn produire(
    v: &Variante,
    ctx: &Context,
    patient: &record_read::Patient,
    values: &[FormValue],
) -> Result<Produced, Error> {
    let c = lire(v, values)?;
    let mut header = from_host::header(
        ctx,
        patient,
        Code::new(
            "CERT_DECL",
            "1.2.250.1.213.1.1.4.12",
            "Certificat, déclaration",
        ),
        v.titre,
        vec![
            ("1.2.250.1.213.1.1.1.5".into(), None),
            (v.template.into(), Some("2025.01".into())),
        ],
    );
    if header.patient.exchanged_ins().is_none() {
        return Err(invalid(
            "le certificat de santé exige l'INS de l'enfant : identité à qualifier d'abord (appel INSi)",
        ));
    }
    header.service_event = Some(Code::new("11429006", SNOMED, "consultation").named("SNOMED CT"));
    header.service_start = c.jour.clone();
    header.informants = c
        .parents
        .iter()
        .map(|p| Informant {
            relation: Code::new(p.relation.0, ROLE, p.relation.1),
            family: p.nom.clone(),
            given: p.prenom.clone(),
        })
        .collect();
    let mut notices = vec![];
    if let (Some(born), Some(exam)) = (days_of(&header.patient.birth_date), days_of(&c.jour)) {
        let age = exam - born;
        if age < 0 {
            return Err(invalid(
                "Date de l'examen : antérieure à la naissance de l'enfant",
            ));
        }
        if age < v.fenetre_jours.0 || age > v.fenetre_jours.1 {
            notices.push(format!(
                "L'enfant a {} mois à la date de l'examen : le certificat du {}e mois s'établit au cours du {}e mois.",
                age * 12 / 365,
                v.mois,
                v.mois
            ));
        }
    }
    let doc_id = header.id.clone();
    let ids = std::cell::Cell::new(0u32);
    let next_id = || {
        ids.set(ids.get() + 1);
        format!("{doc_id}.{}", ids.get())
    };
    let body = |x: &mut Xml| {
        habitus(x, &c, &next_id);
        antecedents(x, v, &c, &next_id);
        signes_vitaux(x, &c, &next_id);
        psychomoteur(x, &c, &next_id);
        vaccinations(x, v, &c, &next_id);
        if let Some(vrs) = c.vrs {
            traitements(x, vrs, &next_id);
        }
        plan_de_soins(x, &c, &next_id);
    };
    let blocks = imprime(v, &c);
    let mut produced = from_host::n3(&header, &body, blocks, notices);
    // The measures of the exam, for the record (growth charts).
    if let Some(exam) = days_of(&c.jour) {
        for (loinc, label, unit, n) in &c.mesures {
            produced.record_updates.push(from_host::mesure_du_jour(
                loinc,
                label,
                unit,
                *n,
                &date_of_days(exam),
            )?);
        }
    }
    Ok(produced)
}

fn section_start(x: &mut Xml, templates: &[&str], id: &str, code: Code, title: &str) {
    x.open("component", &[]).open("section", &[]);
    x.templates(templates);
    x.empty("id", &[("root", id)]);
    x.code("code", &code);
    x.text("title", &[], title);
}

fn section_end(x: &mut Xml) {
    x.close("section").close("component");
}

/// A table narrative of (label, content ID, value) rows.
fn narrative(x: &mut Xml, rows: &[(String, String, String)]) {
    x.open("text", &[]).open("table", &[("border", "0")]);
    x.open("tbody", &[]);
    for (label, id, value) in rows {
        x.open("tr", &[]);
        x.text("td", &[], label);
        x.open("td", &[]);
        x.text("content", &[("ID", id)], value);
        x.close("td");
        x.close("tr");
    }
    x.close("tbody").close("table").close("text");
}

fn reference(x: &mut Xml, id: &str) {
    x.open("text", &[]);
    x.empty("reference", &[("value", &format!("#{id}"))]);
    x.close("text");
}

fn ta(code: &str, display: &str) -> Code {
    Code::new(code, TA_ASIP, display).named("TA_ASIP")
}

/// FR-Habitus-Mode-de-vie: the parents (the mother's birth date is
/// mandatory), childcare, feeding, screens.
fn habitus(x: &mut Xml, c: &Certificat, next_id: &dyn Fn() -> String) {
    let mut rows = vec![];
    for (i, p) in c.parents.iter().enumerate() {
        rows.push((
            p.relation.1.to_string(),
            format!("parent{}", i + 1),
            format!("{} {}", p.prenom, p.nom),
        ));
        if let Some(pro) = p.profession {
            rows.push((
                format!("{} : profession", p.relation.1),
                format!("pro_parent{}", i + 1),
                pro.2.into(),
            ));
        }
        if let Some(act) = p.activite {
            rows.push((
                format!("{} : activité", p.relation.1),
                format!("act_parent{}", i + 1),
                act.2.into(),
            ));
        }
    }
    if let Some(n) = c.enfants_foyer {
        rows.push((
            "Nombre d'enfants vivant au foyer".into(),
            "nb_enfants".into(),
            fmt(n),
        ));
    }
    rows.push((
        "Faites-vous actuellement garder votre enfant ?".into(),
        "garde".into(),
        oui_non(c.garde).into(),
    ));
    if let Some(t) = c.type_garde {
        rows.push((
            "Type de garde principal de l'enfant".into(),
            "type_garde".into(),
            t.2.into(),
        ));
    }
    for (code, label, n) in &c.allaitement {
        rows.push((
            (*label).into(),
            code.to_lowercase(),
            format!("{} semaines", fmt(*n)),
        ));
    }
    if let Some(e) = c.ecrans {
        rows.push((
            "Exposition aux écrans sans interaction avec un adulte".into(),
            "ecrans".into(),
            e.2.into(),
        ));
    }
    section_start(
        x,
        &[
            "2.16.840.1.113883.10.20.1.15",
            "1.3.6.1.4.1.19376.1.5.3.1.3.16",
            "1.3.6.1.4.1.19376.1.5.3.1.3.16.1",
            "1.2.250.1.213.1.1.2.141",
        ],
        &next_id(),
        Code::new("29762-2", oid::LOINC, "Habitus, Mode de vie").named("LOINC"),
        "Mode de vie",
    );
    narrative(x, &rows);
    // One social history observation: qualifier, narrative reference,
    // value, and for a parent's items the parent as subject.
    let obs = |x: &mut Xml,
               qualifier: Code,
               text_id: &str,
               value: &dyn Fn(&mut Xml),
               parent: Option<&Parent>,
               parent_ref: &str| {
        x.open("entry", &[]);
        x.open("observation", &[("classCode", "OBS"), ("moodCode", "EVN")]);
        x.templates(&[
            "2.16.840.1.113883.10.20.1.33",
            "1.3.6.1.4.1.19376.1.5.3.1.4.13",
            "1.3.6.1.4.1.19376.1.5.3.1.4.13.4",
            "1.2.250.1.213.1.1.3.52",
        ]);
        x.empty("id", &[("root", &next_id())]);
        x.open(
            "code",
            &Code::new("11345-6", oid::LOINC, "Autre élément social")
                .named("LOINC")
                .attrs(),
        );
        x.open("qualifier", &[]);
        x.code("value", &qualifier);
        x.close("qualifier");
        x.close("code");
        reference(x, text_id);
        x.empty("statusCode", &[("code", "completed")]);
        x.empty("effectiveTime", &[("nullFlavor", "NA")]);
        value(x);
        if let Some(p) = parent {
            x.open("subject", &[("typeCode", "SBJ")]);
            x.templates(&["1.3.6.1.4.1.19376.1.5.3.1.4.15.2", "1.2.250.1.213.1.1.3.60"]);
            x.open("relatedSubject", &[("classCode", "PRS")]);
            x.open("code", &Code::new(p.relation.0, ROLE, p.relation.1).attrs());
            x.open("originalText", &[]);
            x.empty("reference", &[("value", &format!("#{parent_ref}"))]);
            x.close("originalText");
            x.close("code");
            x.open("subject", &[]);
            x.open("name", &[]);
            x.text("family", &[], &p.nom);
            x.text("given", &[], &p.prenom);
            x.close("name");
            if let Some(b) = &p.naissance {
                x.empty("birthTime", &[("value", b)]);
            }
            x.close("subject");
            x.close("relatedSubject");
            x.close("subject");
        }
        x.close("observation");
        x.close("entry");
    };
    let cd = |code: Code| {
        move |x: &mut Xml| {
            let mut attrs = vec![("xsi:type", "CD")];
            attrs.extend(code.attrs());
            x.empty("value", &attrs);
        }
    };
    for (i, p) in c.parents.iter().enumerate() {
        let parent_ref = format!("parent{}", i + 1);
        // The mother's birth date travels with her first item: her
        // profession, or else her activity, or else a bare identity item.
        let pro = p.profession.map(|pro| {
            (
                ta("ORG-099", "Profession"),
                format!("pro_parent{}", i + 1),
                Code::new(pro.0, pro.1, pro.2).named("PCS-INSEE"),
            )
        });
        let act = p.activite.map(|a| {
            (
                ta("ORG-075", "Activité professionnelle"),
                format!("act_parent{}", i + 1),
                Code::new(a.0, a.1, a.2),
            )
        });
        // The mother's activity is required: her birth date always
        // travels. The father's items carry him only when given.
        let items: Vec<_> = pro.into_iter().chain(act).collect();
        for (qualifier, text_id, value) in items {
            obs(x, qualifier, &text_id, &cd(value), Some(p), &parent_ref);
        }
    }
    if let Some(n) = c.enfants_foyer {
        let n = format!("{}", n.round() as i64);
        obs(
            x,
            Code::new("85722-7", oid::LOINC, "Nombre d'enfants vivant au foyer").named("LOINC"),
            "nb_enfants",
            &|x: &mut Xml| {
                x.empty("value", &[("xsi:type", "INT"), ("value", &n)]);
            },
            None,
            "",
        );
    }
    let garde = if c.garde { "true" } else { "false" };
    obs(
        x,
        ta("PAT-058", "Faites-vous actuellement garder votre enfant ?"),
        "garde",
        &|x: &mut Xml| {
            x.empty("value", &[("xsi:type", "BL"), ("value", garde)]);
        },
        None,
        "",
    );
    if let Some(t) = c.type_garde {
        obs(
            x,
            ta("PAT-048", "Type de garde de l'enfant"),
            "type_garde",
            &cd(Code::new(t.0, t.1, t.2)),
            None,
            "",
        );
    }
    for (code, label, n) in &c.allaitement {
        let n = fmt(*n);
        obs(
            x,
            ta(code, label),
            &code.to_lowercase(),
            &|x: &mut Xml| {
                x.empty(
                    "value",
                    &[("xsi:type", "PQ"), ("value", &n), ("unit", "wk")],
                );
            },
            None,
            "",
        );
    }
    if let Some(e) = c.ecrans {
        obs(
            x,
            ta("MED-1275", "Exposition aux écrans"),
            "ecrans",
            &cd(Code::new(e.0, e.1, e.2).named("TA_ASIP")),
            None,
            "",
        );
    }
    section_end(x);
}

/// FR-Antecedents-medicaux: prematurity and domestic accidents as
/// FR-Probleme entries (negationInd for "non"), the causes as CAUS.
fn antecedents(x: &mut Xml, v: &Variante, c: &Certificat, next_id: &dyn Fn() -> String) {
    let mut rows = vec![];
    if let Some(p) = c.prematurite {
        rows.push((
            "Prématurité inf. à 33 semaines".to_string(),
            "prematurite".to_string(),
            oui_non(p).to_string(),
        ));
    }
    rows.push((
        v.accident.1.to_string(),
        "accident".into(),
        oui_non(c.accident).into(),
    ));
    for (i, cause) in c.causes.iter().enumerate() {
        rows.push((
            format!("- {}", cause.2),
            format!("cause{}", i + 1),
            "Oui".into(),
        ));
    }
    section_start(
        x,
        &["1.3.6.1.4.1.19376.1.5.3.1.3.8", "1.2.250.1.213.1.1.2.134"],
        &next_id(),
        Code::new("11348-0", oid::LOINC, "Antécédents médicaux").named("LOINC"),
        "Antécédents médicaux",
    );
    narrative(x, &rows);
    x.open("entry", &[]);
    x.open("act", &[("classCode", "ACT"), ("moodCode", "EVN")]);
    x.templates(&[
        "2.16.840.1.113883.10.20.1.27",
        "1.3.6.1.4.1.19376.1.5.3.1.4.5.1",
        "1.3.6.1.4.1.19376.1.5.3.1.4.5.2",
        "1.2.250.1.213.1.1.3.39",
    ]);
    x.empty("id", &[("root", &next_id())]);
    x.empty("code", &[("nullFlavor", "NA")]);
    x.empty("statusCode", &[("code", "completed")]);
    x.open("effectiveTime", &[]);
    x.empty("low", &[("value", &c.jour)]);
    x.empty("high", &[("value", &c.jour)]);
    x.close("effectiveTime");
    let probleme = |x: &mut Xml,
                    present: bool,
                    code: &str,
                    display: &str,
                    text_id: &str,
                    causes: &[&(&str, &str, &str)]| {
        x.open(
            "entryRelationship",
            &[("typeCode", "SUBJ"), ("inversionInd", "false")],
        );
        x.open(
            "observation",
            &[
                ("classCode", "OBS"),
                ("moodCode", "EVN"),
                ("negationInd", if present { "false" } else { "true" }),
            ],
        );
        x.templates(&[
            "2.16.840.1.113883.10.20.1.28",
            "1.3.6.1.4.1.19376.1.5.3.1.4.5",
            "1.2.250.1.213.1.1.3.37",
        ]);
        x.empty("id", &[("root", &next_id())]);
        x.code(
            "code",
            &Code::new("282291009", SNOMED, "interprétation diagnostique").named("SNOMED CT"),
        );
        reference(x, text_id);
        x.empty("statusCode", &[("code", "completed")]);
        x.open("effectiveTime", &[]);
        x.empty("low", &[("nullFlavor", "UNK")]);
        x.close("effectiveTime");
        let code = ta(code, display);
        let mut attrs = vec![("xsi:type", "CD")];
        attrs.extend(code.attrs());
        x.open("value", &attrs);
        x.open("originalText", &[]);
        x.empty("reference", &[("value", &format!("#{text_id}"))]);
        x.close("originalText");
        x.close("value");
        for (i, cause) in causes.iter().enumerate() {
            x.open(
                "entryRelationship",
                &[("typeCode", "CAUS"), ("inversionInd", "true")],
            );
            x.open(
                "observation",
                &[
                    ("classCode", "OBS"),
                    ("moodCode", "EVN"),
                    ("negationInd", "false"),
                ],
            );
            x.templates(&["1.3.6.1.4.1.19376.1.5.3.1.4.13", "1.2.250.1.213.1.1.3.48"]);
            x.empty("id", &[("root", &next_id())]);
            x.code("code", &Code::new(cause.0, cause.1, cause.2));
            reference(x, &format!("cause{}", i + 1));
            x.empty("statusCode", &[("code", "completed")]);
            x.empty("effectiveTime", &[("nullFlavor", "UNK")]);
            x.empty("value", &[("xsi:type", "BL"), ("value", "true")]);
            x.close("observation");
            x.close("entryRelationship");
        }
        x.close("observation");
        x.close("entryRelationship");
    };
    if let Some(p) = c.prematurite {
        probleme(
            x,
            p,
            "MED-183",
            "Prématurité inf. à 33 semaines",
            "prematurite",
            &[],
        );
    }
    probleme(
        x,
        c.accident,
        v.accident.0,
        v.accident.1,
        "accident",
        &c.causes,
    );
    x.close("act");
    x.close("entry");
    section_end(x);
}

/// FR-Signes-vitaux: one organizer of the measures (at least one).
fn signes_vitaux(x: &mut Xml, c: &Certificat, next_id: &dyn Fn() -> String) {
    let section = next_id();
    let organizer = next_id();
    let mesures: Vec<cda::SigneVital> = c
        .mesures
        .iter()
        .map(|(loinc, label, unit, n)| cda::SigneVital {
            id: next_id(),
            text_id: format!("m{loinc}"),
            loinc,
            display: label,
            value: fmt(*n),
            unit,
        })
        .collect();
    cda::signes_vitaux(x, &section, &organizer, &c.jour, &mesures);
}

/// FR-Developpement-psychomoteur: the neurodevelopment screening, and at
/// 24 months walking.
fn psychomoteur(x: &mut Xml, c: &Certificat, next_id: &dyn Fn() -> String) {
    let mut rows = vec![(
        "Repérage troubles du neurodéveloppement".to_string(),
        "neurodev".to_string(),
        c.neurodev.2.to_string(),
    )];
    if let Some(m) = c.marche {
        rows.push(("Marche acquise".into(), "marche".into(), oui_non(m).into()));
    }
    if let Some(a) = c.age_marche {
        rows.push((
            "Âge de la marche acquise".into(),
            "age_marche".into(),
            format!("{} mois", fmt(a)),
        ));
    }
    section_start(
        x,
        &[
            "1.3.6.1.4.1.19376.1.7.3.1.1.13.4",
            "1.2.250.1.213.1.1.2.161",
        ],
        &next_id(),
        Code::new(
            "xx-MCH-PsychoMDev",
            oid::LOINC,
            "Développement psychomoteur",
        )
        .named("LOINC"),
        "Développement psychomoteur",
    );
    narrative(x, &rows);
    let simple = |x: &mut Xml, code: Code, text_id: &str, value: &dyn Fn(&mut Xml)| {
        x.open("entry", &[("typeCode", "DRIV")]);
        x.open("observation", &[("classCode", "OBS"), ("moodCode", "EVN")]);
        x.templates(&["1.3.6.1.4.1.19376.1.5.3.1.4.13", "1.2.250.1.213.1.1.3.48"]);
        x.empty("id", &[("root", &next_id())]);
        x.code("code", &code);
        reference(x, text_id);
        x.empty("statusCode", &[("code", "completed")]);
        x.empty("effectiveTime", &[("value", &c.jour)]);
        value(x);
        x.close("observation");
        x.close("entry");
    };
    let nd = c.neurodev;
    simple(
        x,
        ta("MED-1274", "Repérage troubles du neurodéveloppement"),
        "neurodev",
        &|x: &mut Xml| {
            let code = Code::new(nd.0, nd.1, nd.2);
            let mut attrs = vec![("xsi:type", "CD")];
            attrs.extend(code.attrs());
            x.empty("value", &attrs);
        },
    );
    if let Some(m) = c.marche {
        let b = if m { "true" } else { "false" };
        simple(
            x,
            ta("MED-200", "Marche acquise"),
            "marche",
            &|x: &mut Xml| {
                x.empty("value", &[("xsi:type", "BL"), ("value", b)]);
            },
        );
    }
    if let Some(a) = c.age_marche {
        let a = fmt(a);
        simple(
            x,
            ta("MED-201", "Âge de la marche acquise"),
            "age_marche",
            &|x: &mut Xml| {
                x.empty(
                    "value",
                    &[("xsi:type", "PQ"), ("value", &a), ("unit", "mo")],
                );
            },
        );
    }
    section_end(x);
}

/// FR-Vaccinations: one FR-Vaccination per valence and dose, coded by the
/// ATC of the certificate's value set, with its rank.
fn vaccinations(x: &mut Xml, v: &Variante, c: &Certificat, next_id: &dyn Fn() -> String) {
    section_start(
        x,
        &[
            "2.16.840.1.113883.10.20.1.6",
            "1.3.6.1.4.1.19376.1.5.3.1.3.23",
            "1.2.250.1.213.1.1.2.147",
        ],
        &next_id(),
        Code::new("11369-6", oid::LOINC, "Historique des vaccinations").named("LOINC"),
        "Vaccinations",
    );
    // No vaccination at all: each vaccine of the certificate is written
    // as not given (negationInd), as the section needs an entry.
    let aucune = c.vaccins.is_empty();
    let lignes: Vec<(LigneVaccin, &str)> = if aucune {
        v.vaccins
            .iter()
            .map(|(code, display)| {
                (
                    LigneVaccin {
                        vaccin: (*code).into(),
                        date: None,
                        rang: None,
                    },
                    *display,
                )
            })
            .collect()
    } else {
        c.vaccins.clone()
    };
    let rows: Vec<(String, String, String)> = lignes
        .iter()
        .enumerate()
        .map(|(i, (l, display))| {
            if aucune {
                return (
                    (*display).into(),
                    format!("vaccin{}", i + 1),
                    "non administré".into(),
                );
            }
            let when = l
                .date
                .as_deref()
                .and_then(from_host::iso_day)
                .map(|d| fr_day(&d))
                .unwrap_or_else(|| "date inconnue".into());
            let rang = l.rang.map(|r| format!(", dose {r}")).unwrap_or_default();
            (
                (*display).into(),
                format!("vaccin{}", i + 1),
                format!("{when}{rang}"),
            )
        })
        .collect();
    narrative(x, &rows);
    for (i, (l, display)) in lignes.iter().enumerate() {
        let text_id = format!("vaccin{}", i + 1);
        x.open("entry", &[]);
        x.open(
            "substanceAdministration",
            &[
                ("classCode", "SBADM"),
                ("moodCode", "EVN"),
                ("negationInd", if aucune { "true" } else { "false" }),
            ],
        );
        x.templates(&[
            "2.16.840.1.113883.10.20.1.24",
            "1.3.6.1.4.1.19376.1.5.3.1.4.12",
            "1.2.250.1.213.1.1.3.45",
        ]);
        x.empty("id", &[("root", &next_id())]);
        x.code(
            "code",
            &Code::new(
                "INITIMMUNIZ",
                "2.16.840.1.113883.5.4",
                "1ère série vaccinante",
            )
            .named("HL7:ActCode"),
        );
        reference(x, &text_id);
        x.empty("statusCode", &[("code", "completed")]);
        match l.date.as_deref().and_then(from_host::iso_day) {
            Some(d) => x.empty("effectiveTime", &[("value", &d)]),
            None => x.empty("effectiveTime", &[("nullFlavor", "UNK")]),
        };
        x.empty("routeCode", &[("nullFlavor", "NA")]);
        x.empty("doseQuantity", &[("value", "1")]);
        produit(
            x,
            &text_id,
            Code::new(&l.vaccin, ATC, display),
            display,
            true,
        );
        if let Some(r) = l.rang {
            x.open("entryRelationship", &[("typeCode", "SUBJ")]);
            x.open("observation", &[("classCode", "OBS"), ("moodCode", "EVN")]);
            x.templates(&["2.16.840.1.113883.10.20.1.46", "1.2.250.1.213.1.1.3.82"]);
            x.code(
                "code",
                &Code::new("30973-2", oid::LOINC, "Rang de la vaccination").named("LOINC"),
            );
            x.empty("statusCode", &[("code", "completed")]);
            x.empty("value", &[("xsi:type", "INT"), ("value", &r.to_string())]);
            x.close("observation");
            x.close("entryRelationship");
        }
        x.close("substanceAdministration");
        x.close("entry");
    }
    section_end(x);
}

/// The consumable of a substance administration (FR-Produit-de-sante):
/// the narrative reference, the ATC code as a translation, the name, and
/// for a vaccine the (unknown) lot.
fn produit(x: &mut Xml, text_id: &str, atc: Code, name: &str, vaccin: bool) {
    x.open("consumable", &[("typeCode", "CSM")]);
    x.open("manufacturedProduct", &[]);
    x.templates(&[
        "2.16.840.1.113883.10.20.1.53",
        "1.3.6.1.4.1.19376.1.5.3.1.4.7.2",
        "1.2.250.1.213.1.1.3.43",
    ]);
    x.open("manufacturedMaterial", &[]);
    x.open("code", &[]);
    x.open("originalText", &[]);
    x.empty("reference", &[("value", &format!("#{text_id}"))]);
    x.close("originalText");
    x.code("translation", &atc.named("ATC"));
    x.close("code");
    x.text("name", &[], name);
    if vaccin {
        x.empty("lotNumberText", &[("nullFlavor", "UNK")]);
    }
    x.close("manufacturedMaterial");
    x.close("manufacturedProduct");
    x.close("consumable");
}

/// FR-Traitements-administres: the RSV immunisation (nirsévimab, ATC
/// J06BD), negated when not given.
fn traitements(x: &mut Xml, vrs: bool, next_id: &dyn Fn() -> String) {
    section_start(
        x,
        &["1.3.6.1.4.1.19376.1.5.3.1.3.21", "1.2.250.1.213.1.1.2.145"],
        &next_id(),
        Code::new("18610-6", oid::LOINC, "Traitements administrés").named("LOINC"),
        "Médicaments administrés",
    );
    narrative(
        x,
        &[(
            "Immunisation contre le VRS".into(),
            "vrs".into(),
            oui_non(vrs).into(),
        )],
    );
    x.open("entry", &[]);
    x.open(
        "substanceAdministration",
        &[
            ("classCode", "SBADM"),
            ("moodCode", "EVN"),
            ("negationInd", if vrs { "false" } else { "true" }),
        ],
    );
    x.templates(&[
        "2.16.840.1.113883.10.20.1.24",
        "1.3.6.1.4.1.19376.1.5.3.1.4.7",
        "1.2.250.1.213.1.1.3.42",
        "1.3.6.1.4.1.19376.1.5.3.1.4.7.1",
    ]);
    x.empty("id", &[("root", &next_id())]);
    x.code(
        "code",
        &Code::new("DRUG", "2.16.840.1.113883.5.4", "Médicament"),
    );
    reference(x, "vrs");
    x.empty("statusCode", &[("code", "completed")]);
    x.open("effectiveTime", &[("xsi:type", "IVL_TS")]);
    x.empty("low", &[("nullFlavor", "UNK")]);
    x.empty("high", &[("nullFlavor", "UNK")]);
    x.close("effectiveTime");
    produit(
        x,
        "vrs",
        Code::new("J06BD", ATC, "anticorps monoclonaux antiviraux"),
        "Immunisation contre le VRS",
        false,
    );
    x.close("substanceAdministration");
    x.close("entry");
    section_end(x);
}

/// FR-Plan-de-soins: the orientations asked for (FR-Rencontre ARQ), the
/// PMI comment attached to the PMI link.
fn plan_de_soins(x: &mut Xml, c: &Certificat, next_id: &dyn Fn() -> String) {
    let mut rows: Vec<(String, String, String)> = c
        .plan
        .iter()
        .map(|(code, label, b)| ((*label).into(), code.to_lowercase(), oui_non(*b).into()))
        .collect();
    if let Some(info) = &c.informations_pmi {
        rows.push((
            "Informations pour le service de PMI".into(),
            "info_pmi".into(),
            info.clone(),
        ));
    }
    section_start(
        x,
        &[
            "2.16.840.1.113883.10.20.1.10",
            "1.3.6.1.4.1.19376.1.5.3.1.3.36",
            "1.2.250.1.213.1.1.2.158",
        ],
        &next_id(),
        Code::new("18776-5", oid::LOINC, "Plan de soins").named("LOINC"),
        "Plan de soins",
    );
    if rows.is_empty() {
        x.open("text", &[]);
        x.text("paragraph", &[], "Aucune orientation");
        x.close("text");
        section_end(x);
        return;
    }
    narrative(x, &rows);
    for (code, label, asked) in &c.plan {
        if !asked {
            continue;
        }
        x.open("entry", &[]);
        x.open("encounter", &[("classCode", "ENC"), ("moodCode", "ARQ")]);
        x.templates(&[
            "2.16.840.1.113883.10.20.1.25",
            "1.3.6.1.4.1.19376.1.5.3.1.4.14",
            "1.2.250.1.213.1.1.3.58",
        ]);
        x.empty("id", &[("root", &next_id())]);
        x.open(
            "code",
            &Code::new(
                "AMB",
                "2.16.840.1.113883.5.4",
                "Ambulatoire (hors établissement)",
            )
            .attrs(),
        );
        x.open("qualifier", &[]);
        x.code("value", &ta(code, label));
        x.close("qualifier");
        x.close("code");
        reference(x, &code.to_lowercase());
        x.empty("effectiveTime", &[("nullFlavor", "UNK")]);
        x.empty("priorityCode", &[("nullFlavor", "UNK")]);
        if *code == "ORG-196" && c.informations_pmi.is_some() {
            x.open(
                "entryRelationship",
                &[("typeCode", "SUBJ"), ("inversionInd", "true")],
            );
            x.open("act", &[("classCode", "ACT"), ("moodCode", "EVN")]);
            x.templates(&[
                "2.16.840.1.113883.10.20.1.40",
                "1.3.6.1.4.1.19376.1.5.3.1.4.2",
                "1.2.250.1.213.1.1.3.32",
            ]);
            x.code(
                "code",
                &Code::new("48767-8", oid::LOINC, "Commentaire").named("LOINC"),
            );
            reference(x, "info_pmi");
            x.empty("statusCode", &[("code", "completed")]);
            x.close("act");
            x.close("entryRelationship");
        }
        x.close("encounter");
        x.close("entry");
    }
    section_end(x);
}

/// The printed certificate: the same values, section by section.
fn imprime(v: &Variante, c: &Certificat) -> Vec<Block> {
    let two = |rows: Vec<(String, String)>| -> Vec<Vec<String>> {
        rows.into_iter().map(|(a, b)| vec![a, b]).collect()
    };
    let mut blocks = vec![
        Block::Heading((1, v.titre.to_string())),
        Block::Paragraph(format!("Examen du {}", fr_day(&c.jour))),
        Block::Heading((2, "Mode de vie".into())),
    ];
    let mut rows = vec![];
    for p in &c.parents {
        let mut who = format!("{} {}", p.prenom, p.nom);
        if let Some(b) = &p.naissance {
            who.push_str(&format!(", née le {}", fr_day(b)));
        }
        rows.push((p.relation.1.to_string(), who));
        if let Some(pro) = p.profession {
            rows.push((format!("{} : profession", p.relation.1), pro.2.into()));
        }
        if let Some(a) = p.activite {
            rows.push((format!("{} : activité", p.relation.1), a.2.into()));
        }
    }
    if let Some(n) = c.enfants_foyer {
        rows.push(("Enfants vivant au foyer".into(), fmt(n)));
    }
    rows.push((
        "Enfant gardé".into(),
        match c.type_garde {
            Some(t) => format!("Oui ({})", t.2),
            None => oui_non(c.garde).into(),
        },
    ));
    for (_, label, n) in &c.allaitement {
        rows.push(((*label).into(), format!("{} semaines", fmt(*n))));
    }
    if let Some(e) = c.ecrans {
        rows.push(("Exposition aux écrans".into(), e.2.into()));
    }
    blocks.push(Block::Table((vec!["".into(), "".into()], two(rows))));
    blocks.push(Block::Heading((2, "Antécédents".into())));
    let mut rows = vec![];
    if let Some(p) = c.prematurite {
        rows.push(("Prématurité inf. à 33 semaines".into(), oui_non(p).into()));
    }
    let causes: Vec<&str> = c.causes.iter().map(|x| x.2).collect();
    rows.push((
        v.accident.1.into(),
        if c.accident {
            format!("Oui : {}", causes.join(", "))
        } else {
            "Non".into()
        },
    ));
    blocks.push(Block::Table((vec!["".into(), "".into()], two(rows))));
    blocks.push(Block::Heading((2, "Examen".into())));
    let mut rows: Vec<(String, String)> = c
        .mesures
        .iter()
        .map(|(_, label, unit, n)| ((*label).into(), format!("{} {unit}", fmt(*n))))
        .collect();
    rows.push((
        "Repérage des troubles du neurodéveloppement".into(),
        c.neurodev.2.into(),
    ));
    if let Some(m) = c.marche {
        rows.push(("Marche acquise".into(), oui_non(m).into()));
    }
    if let Some(a) = c.age_marche {
        rows.push(("Âge de la marche".into(), format!("{} mois", fmt(a))));
    }
    blocks.push(Block::Table((vec!["".into(), "".into()], two(rows))));
    blocks.push(Block::Heading((2, "Vaccinations".into())));
    if c.vaccins.is_empty() {
        blocks.push(Block::Paragraph("Aucune vaccination renseignée".into()));
    } else {
        blocks.push(Block::Table((
            vec!["Vaccin".into(), "Date".into(), "Dose".into()],
            c.vaccins
                .iter()
                .map(|(l, d)| {
                    vec![
                        (*d).to_string(),
                        l.date
                            .as_deref()
                            .and_then(from_host::iso_day)
                            .map(|d| fr_day(&d))
                            .unwrap_or_default(),
                        l.rang.map(|r| r.to_string()).unwrap_or_default(),
                    ]
                })
                .collect(),
        )));
    }
    if let Some(vrs) = c.vrs {
        blocks.push(Block::Paragraph(format!(
            "Immunisation contre le VRS : {}",
            oui_non(vrs)
        )));
    }
    blocks.push(Block::Heading((2, "Plan de soins".into())));
    let mut rows: Vec<(String, String)> = c
        .plan
        .iter()
        .map(|(_, label, b)| ((*label).into(), oui_non(*b).into()))
        .collect();
    if let Some(info) = &c.informations_pmi {
        rows.push(("Informations pour la PMI".into(), info.clone()));
    }
    if rows.is_empty() {
        blocks.push(Block::Paragraph("Aucune orientation".into()));
    } else {
        blocks.push(Block::Table((vec!["".into(), "".into()], two(rows))));
    }
    blocks
}

/// The certificate's valences in a vaccine of the record (ATC): a
/// hexavalent counts for diphtérie-tétanos-polio, coqueluche, Hib and
/// hépatite B, as the certificate asks per valence.
pub fn valences(atc: &str) -> &'static [&'static str] {
    match atc {
        "J07CA09" => &["J07CA01", "J07AJ", "J07AG", "J07BC01"],
        "J07CA06" => &["J07CA01", "J07AJ", "J07AG"],
        "J07CA02" => &["J07CA01", "J07AJ"],
        "J07CA01" => &["J07CA01"],
        "J07AH07" => &["J07AH07"],
        "J07AH08" => &["J07AH08"],
        "J07AH09" => &["J07AH09"],
        "J07BD52" => &["J07BD52"],
        a if a.starts_with("J07AL") => &["J07AL"],
        a if a.starts_with("J07BH") => &["J07BH"],
        a if a.starts_with("J07AN") => &["J07AN"],
        a if a.starts_with("J07BC") => &["J07BC01"],
        a if a.starts_with("J07AJ") => &["J07AJ"],
        a if a.starts_with("J07AG") => &["J07AG"],
        a if a.starts_with("J07BL") => &["J07BL"],
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hexavalent_counts_for_four_valences() {
        assert_eq!(valences("J07CA09").len(), 4);
        assert!(valences("J07CA09").contains(&"J07BC01"));
        assert_eq!(valences("J07AL02"), &["J07AL"]);
        assert!(valences("J01CA04").is_empty());
    }

    #[test]
    fn every_valence_is_in_a_value_set() {
        for atc in [
            "J07CA09", "J07CA06", "J07AL02", "J07BH01", "J07AN01", "J07BD52",
        ] {
            for v in valences(atc) {
                assert!(VACCINS_CS24.iter().any(|(c, _)| c == v), "{v}");
            }
        }
    }

    #[test]
    fn ages_in_days() {
        let born = days_of("20260214").unwrap();
        let exam = days_of("20261120").unwrap();
        assert_eq!(exam - born, 279);
        assert!(days_of("20260000").is_none());
    }
}
