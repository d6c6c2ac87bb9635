//! Mesures de l'enfant (CI-SIS CSE-MDE 2023.01, SC.CDA/DD.22): the weight,
//! height and head circumference of a child's exam as a CDA R2 N3 (section
//! FR-Signes-vitaux, one organizer of LOINC-coded observations), prefilled
//! with the newest measures of the record. The printed layout and the CDA
//! come from the same values.

use esculape_sdk::cda::{self, Code, Xml, from_host, oid};
use esculape_sdk::document::esculape::host::pdf::Block;
use esculape_sdk::document::esculape::host::record_read;
use esculape_sdk::document::esculape::host::types::{Coded, Error, FormValue};
use esculape_sdk::document::exports::esculape::plugin::document_type::{
    CdaLevel, Context, Description, Field, Guest, Produced, Received, ScalarKind,
};
use esculape_sdk::forme;

pub struct MesuresEnfant;

/// The measures of the volet: form key, LOINC, display, UCUM unit.
const MESURES: &[(&str, &str, &str, &str)] = &[
    ("poids", "29463-7", "Poids", "kg"),
    ("taille", "8302-2", "Taille", "cm"),
    ("perimetre_cranien", "8287-5", "Périmètre crânien", "cm"),
];

fn coded(code: &str, system: &str, display: &str) -> Coded {
    Coded {
        code: code.into(),
        code_system: system.into(),
        code_system_name: None,
        display: Some(display.into()),
    }
}

fn invalid(msg: &str) -> Error {
    Error::InvalidInput(msg.to_string())
}

/// A measure of the form (the host has typed it as a number).
fn number(values: &[FormValue], key: &str) -> Result<Option<f64>, Error> {
    match forme::texte(values, key) {
        None => Ok(None),
        Some(text) => forme::nombre(values, key)
            .map(Some)
            .ok_or_else(|| invalid(&format!("{key}: «{text}» n'est pas un nombre"))),
    }
}

/// The day of the measures, and as `AAAAMMJJ`.
fn date(
    values: &[FormValue],
) -> Result<(esculape_sdk::document::esculape::host::types::Date, String), Error> {
    let raw = forme::texte(values, "date")
        .ok_or_else(|| invalid("la date des mesures est obligatoire"))?;
    let hl7 = from_host::iso_day(&raw)
        .ok_or_else(|| invalid(&format!("date «{raw}»: attendu AAAA-MM-JJ")))?;
    let day = forme::date(values, "date")
        .ok_or_else(|| invalid(&format!("date «{raw}»: attendu AAAA-MM-JJ")))?;
    Ok((day, hl7))
}

fn plausible(key: &str, v: f64) -> Result<(), Error> {
    let (lo, hi) = match key {
        "poids" => (0.3, 150.0),
        "taille" => (20.0, 200.0),
        _ => (20.0, 70.0),
    };
    if !(lo..=hi).contains(&v) {
        return Err(invalid(&format!(
            "{key}: {v} hors des valeurs possibles ({lo} à {hi})"
        )));
    }
    Ok(())
}

fn fmt(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

impl Guest for MesuresEnfant {
    fn describe() -> Description {
        Description {
            type_code: coded("29274-8", oid::LOINC, "Mesures de signes vitaux"),
            class_code: coded("10", "1.2.250.1.213.1.1.4.1", "Compte rendu"),
            format_code: coded(
                "urn:ans:ci-sis:cse-mde:2023",
                "1.2.250.1.213.1.1.4.2.282",
                "Mesures de l'enfant",
            ),
            template_ids: vec![
                "1.3.6.1.4.1.19376.1.5.3.1.1.1".into(),
                "1.2.250.1.213.1.1.1.5".into(),
                "1.2.250.1.213.1.1.1.5.4@2023.01".into(),
            ],
            level: CdaLevel::N3,
            volet: "CSE-MDE 2023.01".into(),
            title: "Mesures de l'enfant (carnet de santé)".into(),
        }
    }

    fn form_schema() -> Vec<Field> {
        let mut f = vec![forme::champ(
            "date",
            "Date des mesures",
            ScalarKind::Date,
            true,
            None,
        )];
        for (key, _, display, unit) in MESURES {
            f.push(forme::champ(
                key,
                &format!("{display} ({unit})"),
                ScalarKind::Number,
                false,
                None,
            ));
        }
        f
    }

    fn prefill() -> Result<Vec<FormValue>, Error> {
        let measures = record_read::measures(200)?;
        let mut out = vec![];
        let mut newest: Option<record_read::Timestamp> = None;
        for (key, loinc, _, unit) in MESURES {
            // Newest first: the first of each code.
            if let Some(m) = measures.iter().find(|m| m.code.code == *loinc) {
                let v = if m.unit == "g" && *unit == "kg" {
                    m.value / 1000.0
                } else {
                    m.value
                };
                out.push(forme::valeur_nombre(key, fmt(v).parse().unwrap_or(v)));
                if newest.is_none_or(|n| m.at.unix_millis > n.unix_millis) {
                    newest = Some(record_read::Timestamp {
                        unix_millis: m.at.unix_millis,
                        utc_offset_minutes: m.at.utc_offset_minutes,
                    });
                }
            }
        }
        // The day in the practice's time, at the measure's own offset.
        if let Some(at) = newest {
            let hl7 = cda::hl7_time(at.unix_millis, at.utc_offset_minutes);
            out.push(forme::valeur_texte(
                "date",
                format!("{}-{}-{}", &hl7[0..4], &hl7[4..6], &hl7[6..8]),
            ));
        }
        Ok(out)
    }

    fn produce(ctx: Context, values: Vec<FormValue>) -> Result<Produced, Error> {
        let patient = record_read::current_patient()?;
        produire(&ctx, &patient, &values)
    }

    fn read(cda: Vec<u8>) -> Result<Received, Error> {
        esculape_sdk::lecture::recu(&cda, &["29274-8"])
    }
}

/// The document from the context, the patient and the form.
pub fn produire(
    ctx: &Context,
    patient: &record_read::Patient,
    values: &[FormValue],
) -> Result<Produced, Error> {
    let (jour, day) = date(values)?;
    let mut mesures = vec![];
    for (key, loinc, display, unit) in MESURES {
        if let Some(v) = number(values, key)? {
            plausible(key, v)?;
            mesures.push((*key, *loinc, *display, *unit, v));
        }
    }
    if mesures.is_empty() {
        return Err(invalid(
            "au moins une mesure (poids, taille ou périmètre crânien) est obligatoire",
        ));
    }
    let title = "Carnet de santé de l'enfant - Mesures de l'enfant";
    let mut header = from_host::header(
        ctx,
        patient,
        Code::new("29274-8", oid::LOINC, "Mesures de signes vitaux"),
        title,
        vec![
            ("1.3.6.1.4.1.19376.1.5.3.1.1.1".into(), None),
            ("1.2.250.1.213.1.1.1.5".into(), None),
            ("1.2.250.1.213.1.1.1.5.4".into(), Some("2023.01".into())),
        ],
    );
    header.service_event =
        Some(Code::new("11429006", "2.16.840.1.113883.6.96", "consultation").named("SNOMED CT"));
    let doc_id = header.id.clone();
    let rows: Vec<(String, String, String, String, String)> = mesures
        .iter()
        .enumerate()
        .map(|(i, (key, loinc, display, unit, v))| {
            (
                format!("{doc_id}.{}", i + 3),
                key.to_string(),
                loinc.to_string(),
                display.to_string(),
                format!("{}|{unit}", fmt(*v)),
            )
        })
        .collect();
    let section_id = format!("{doc_id}.1");
    let organizer_id = format!("{doc_id}.2");
    let signes: Vec<cda::SigneVital> = rows
        .iter()
        .map(|(id, key, loinc, display, v)| {
            let (num, unit) = v.split_once('|').unwrap_or((v, ""));
            cda::SigneVital {
                id: id.clone(),
                text_id: key.clone(),
                loinc,
                display,
                value: num.to_string(),
                unit,
            }
        })
        .collect();
    let body = |x: &mut Xml| cda::signes_vitaux(x, &section_id, &organizer_id, &day, &signes);
    let blocks = vec![
        Block::Heading((1, title.to_string())),
        Block::Paragraph(format!(
            "Mesures du {}/{}/{}",
            &day[6..8],
            &day[4..6],
            &day[0..4]
        )),
        Block::Table((
            vec!["Mesure".into(), "Valeur".into()],
            rows.iter()
                .map(|(_, _, _, display, v)| vec![display.clone(), v.replace('|', " ")])
                .collect(),
        )),
    ];
    let mut produced = from_host::n3(&header, &body, blocks, vec![]);
    // The record keeps them too (growth charts, the next certificates).
    for (_, loinc, display, unit, v) in &mesures {
        produced
            .record_updates
            .push(from_host::mesure_du_jour(loinc, display, unit, *v, &jour)?);
    }
    Ok(produced)
}

#[cfg(target_arch = "wasm32")]
esculape_sdk::document::export_document!(MesuresEnfant);
