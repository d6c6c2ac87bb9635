//! Comptes rendus des examens obligatoires de l'enfant from the 2nd week
//! (LGC.CSE.04/09/12): CDA R2 N1 with the PDF/A-1, the exam coded from
//! JDV_ExamenEnfantObligatoire_CISIS in documentationOf/serviceEvent. The
//! form proposes the exam due at the child's age, the newest measures, and
//! free fields the doctor adds; filling the 9th- or 24th-month exam
//! reminds that the CS9 or CS24 certificate is due.

use esculape_sdk::cda::{Code, from_host, oid};
use esculape_sdk::document::esculape::host::pdf::{self, Block, Layout};
use esculape_sdk::document::esculape::host::types::{Coded, Date, Error, FormValue, Scalar};
use esculape_sdk::document::esculape::host::{clock, record_read};
use esculape_sdk::document::exports::esculape::plugin::document_type::{
    CdaLevel, Context, Description, Field, Guest, Produced, Received, ScalarKind,
};
use esculape_sdk::forme;

pub struct ExamenEnfant;

const CODE_SYSTEM: &str = "1.2.250.1.213.1.1.4.322";
const VALUE_SET: &str = "JDV_ExamenEnfantObligatoire_CISIS";

/// The exams from the 2nd week (the 8th-day exam is the maternity's):
/// code, label, and the age in days from which it is the one due.
pub const EXAMENS: &[(&str, &str, u32)] = &[
    (
        "MED-1225",
        "Examen médical obligatoire au cours de la 2ème semaine",
        8,
    ),
    (
        "MED-1226",
        "Examen médical obligatoire avant la fin du 1er mois",
        15,
    ),
    (
        "MED-1227",
        "Examen médical obligatoire au cours du 2ème mois",
        31,
    ),
    (
        "MED-1228",
        "Examen médical obligatoire au cours du 3ème mois",
        61,
    ),
    (
        "MED-1229",
        "Examen médical obligatoire au cours du 4ème mois",
        91,
    ),
    (
        "MED-1230",
        "Examen médical obligatoire au cours du 5ème mois",
        122,
    ),
    (
        "MED-1231",
        "Examen médical obligatoire au cours du 6ème mois",
        152,
    ),
    (
        "MED-1232",
        "Examen médical obligatoire au cours du 9ème mois",
        244,
    ),
    (
        "MED-1233",
        "Examen médical obligatoire au cours du 12ème mois",
        335,
    ),
    (
        "MED-1234",
        "Examen médical obligatoire au cours du 13ème mois",
        366,
    ),
    (
        "MED-1235",
        "Examen médical obligatoire entre 16 et 18 mois",
        457,
    ),
    (
        "MED-1236",
        "Examen médical obligatoire au cours du 24ème mois",
        700,
    ),
    (
        "MED-1237",
        "Examen médical obligatoire au cours de la 3ème année",
        731,
    ),
    (
        "MED-1238",
        "Examen médical obligatoire au cours de la 4ème année",
        1096,
    ),
    (
        "MED-1239",
        "Examen médical obligatoire au cours de la 5ème année",
        1461,
    ),
    (
        "MED-1240",
        "Examen médical obligatoire au cours de la 6ème année",
        1826,
    ),
    (
        "MED-1306",
        "Examen médical obligatoire au cours de la 7ème année",
        2192,
    ),
    (
        "MED-1241",
        "Examen médical obligatoire entre 8 et 9 ans",
        2922,
    ),
    (
        "MED-1242",
        "Examen médical obligatoire entre 11 et 13 ans",
        4018,
    ),
    (
        "MED-1243",
        "Examen médical obligatoire entre 15 et 16 ans",
        5479,
    ),
];

fn invalid(msg: &str) -> Error {
    Error::InvalidInput(msg.to_string())
}

fn days(d: &Date) -> i64 {
    // Days from civil (H. Hinnant); enough for an age in days.
    let (y, m, d) = (
        i64::from(d.year),
        i64::from(d.month.max(1)),
        i64::from(d.day.max(1)),
    );
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy
}

/// The exam due at this age in days (the last one whose age is reached).
pub fn exam_due(age_days: i64) -> &'static (&'static str, &'static str, u32) {
    EXAMENS
        .iter()
        .rev()
        .find(|e| age_days >= i64::from(e.2))
        .unwrap_or(&EXAMENS[0])
}

/// The reminder a given exam calls for (LGC.CSE.09/12).
pub fn notice(code: &str) -> Option<String> {
    match code {
        "MED-1232" => Some("Examen du 9e mois : le certificat de santé du 9e mois (CS9) est à établir et à transmettre.".into()),
        "MED-1236" => Some("Examen du 24e mois : le certificat de santé du 24e mois (CS24) est à établir et à transmettre.".into()),
        _ => None,
    }
}

impl Guest for ExamenEnfant {
    fn describe() -> Description {
        Description {
            type_code: Coded {
                code: "59283-2".into(),
                code_system: oid::LOINC.into(),
                code_system_name: Some("LOINC".into()),
                display: Some("CR d'examen de l'enfant".into()),
            },
            class_code: Coded {
                code: "10".into(),
                code_system: "1.2.250.1.213.1.1.4.1".into(),
                code_system_name: None,
                display: Some("Compte rendu".into()),
            },
            format_code: Coded {
                code: "urn:ihe:iti:xds-sd:pdf:2008".into(),
                code_system: "1.2.250.1.213.1.1.4.12".into(),
                code_system_name: None,
                display: Some("Document à corps non structuré en Pdf/A-1".into()),
            },
            template_ids: vec!["1.3.6.1.4.1.19376.1.2.20".into()],
            level: CdaLevel::N1,
            volet: "Examens obligatoires de l'enfant (CDA R2 N1)".into(),
            title: "Compte rendu d'examen obligatoire de l'enfant".into(),
        }
    }

    fn form_schema() -> Vec<Field> {
        let f = forme::champ;
        vec![
            f(
                "examen",
                "Examen",
                ScalarKind::Coded(VALUE_SET.into()),
                true,
                Some("proposé selon l'âge de l'enfant"),
            ),
            f("poids", "Poids (kg)", ScalarKind::Number, false, None),
            f("taille", "Taille (cm)", ScalarKind::Number, false, None),
            f(
                "perimetre_cranien",
                "Périmètre crânien (cm)",
                ScalarKind::Number,
                false,
                None,
            ),
            f(
                "observations",
                "Examen clinique et conclusions",
                ScalarKind::LongText,
                true,
                None,
            ),
            forme::liste(
                "champs_libres",
                "Champs libres",
                &[
                    ("libelle", "Rubrique", ScalarKind::Text),
                    ("valeur", "Contenu", ScalarKind::LongText),
                ],
                false,
                Some("rubriques ajoutées par le médecin"),
            ),
        ]
    }

    fn prefill() -> Result<Vec<FormValue>, Error> {
        let patient = record_read::current_patient()?;
        let today = clock::today()?;
        let age = days(&today) - days(&patient.traits.birth_date);
        let (code, _, _) = exam_due(age);
        let mut out = vec![forme::valeur("examen", Scalar::Code((*code).into()))];
        let measures = record_read::measures(200)?;
        for (key, loinc) in [
            ("poids", "29463-7"),
            ("taille", "8302-2"),
            ("perimetre_cranien", "8287-5"),
        ] {
            if let Some(m) = measures.iter().find(|m| m.code.code == loinc) {
                out.push(forme::valeur_nombre(key, m.value));
            }
        }
        Ok(out)
    }

    fn produce(ctx: Context, values: Vec<FormValue>) -> Result<Produced, Error> {
        let patient = record_read::current_patient()?;
        produire(&ctx, &patient, &values, &|layout| pdf::render(layout))
    }

    fn read(cda: Vec<u8>) -> Result<Received, Error> {
        esculape_sdk::lecture::recu(&cda, &["59283-2"])
    }
}

/// Free fields: the (rubrique, contenu) items the doctor added; an item
/// without its two texts is refused.
fn free_fields(values: &[FormValue]) -> Result<Vec<(String, String)>, Error> {
    forme::lignes(values, "champs_libres")
        .iter()
        .map(|item| {
            let get = |k: &str| {
                item.iter()
                    .find(|i| i.key == k)
                    .map(|i| forme::texte_de(&i.value))
                    .filter(|t| !t.trim().is_empty())
            };
            match (get("libelle"), get("valeur")) {
                (Some(l), Some(v)) => Ok((l, v)),
                _ => Err(invalid(
                    "champs libres : chaque rubrique a un titre et un contenu",
                )),
            }
        })
        .collect()
}

/// The document from the context, the patient and the form.
pub fn produire(
    ctx: &Context,
    patient: &record_read::Patient,
    values: &[FormValue],
    render: &dyn Fn(&Layout) -> Result<Vec<u8>, Error>,
) -> Result<Produced, Error> {
    let code = from_host::text_value(values, "examen")
        .ok_or_else(|| invalid("l'examen est obligatoire"))?;
    let (code, label, _) = EXAMENS.iter().find(|e| e.0 == code).ok_or_else(|| {
        invalid(&format!(
            "examen «{code}» inconnu (JDV_ExamenEnfantObligatoire_CISIS, à partir de la 2e semaine)"
        ))
    })?;
    let observations = from_host::text_value(values, "observations")
        .filter(|o| !o.trim().is_empty())
        .ok_or_else(|| invalid("l'examen clinique et ses conclusions sont obligatoires"))?;
    let title = format!("Compte rendu : {label}");
    let mut header = from_host::header(
        ctx,
        patient,
        Code::new("59283-2", oid::LOINC, "CR d'examen de l'enfant").named("LOINC"),
        &title,
        vec![],
    );
    header.service_event = Some(Code::new(code, CODE_SYSTEM, &format!("CSE - {label}")));
    let mut blocks = vec![Block::Heading((1, title.clone()))];
    let mut rows = vec![];
    let mut updates = vec![];
    // Measured at the exam: the day the report is signed.
    let today = clock::today()?;
    for (key, loinc, label, unit) in [
        ("poids", "29463-7", "Poids", "kg"),
        ("taille", "8302-2", "Taille", "cm"),
        ("perimetre_cranien", "8287-5", "Périmètre crânien", "cm"),
    ] {
        if let Some(v) = from_host::text_value(values, key) {
            let n = forme::nombre(values, key)
                .ok_or_else(|| invalid(&format!("{key}: «{v}» n'est pas un nombre")))?;
            rows.push(vec![label.to_string(), format!("{n} {unit}")]);
            updates.push(from_host::mesure_du_jour(loinc, label, unit, n, &today)?);
        }
    }
    if !rows.is_empty() {
        blocks.push(Block::Heading((2, "Mesures".into())));
        blocks.push(Block::Table((vec!["Mesure".into(), "Valeur".into()], rows)));
    }
    blocks.push(Block::Heading((2, "Examen clinique et conclusions".into())));
    for para in observations.split("\n\n") {
        blocks.push(Block::Paragraph(para.to_string()));
    }
    for (libelle, valeur) in free_fields(values)? {
        blocks.push(Block::Heading((2, libelle)));
        blocks.push(Block::Paragraph(valeur));
    }
    let mut produced = from_host::n1(&header, blocks, render, notice(code).into_iter().collect())?;
    produced.record_updates = updates;
    Ok(produced)
}

#[cfg(target_arch = "wasm32")]
esculape_sdk::document::export_document!(ExamenEnfant);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exam_due_follows_the_age() {
        assert_eq!(exam_due(10).0, "MED-1225");
        assert_eq!(exam_due(20).0, "MED-1226");
        assert_eq!(exam_due(280).0, "MED-1232");
        assert_eq!(exam_due(720).0, "MED-1236");
        assert_eq!(exam_due(6000).0, "MED-1243");
        assert_eq!(EXAMENS.len(), 20);
    }

    #[test]
    fn cs9_and_cs24_reminders() {
        assert!(notice("MED-1232").unwrap().contains("CS9"));
        assert!(notice("MED-1236").unwrap().contains("CS24"));
        assert!(notice("MED-1233").is_none());
    }
}
