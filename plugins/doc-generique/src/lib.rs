//! Generic documents of the médecin de ville (LGC.MDV.01/03): compte rendu
//! de consultation, certificat médical, lettre d'adressage. CDA R2 N1: the
//! body is the PDF/A-1 rendered by the host from the same layout the
//! preview shows (one source, every format: SC.CDA/DD.02/12).

use esculape_sdk::cda::{Code, from_host, oid};
use esculape_sdk::document::esculape::host::pdf::{self, Block, Layout};
use esculape_sdk::document::esculape::host::record_read;
use esculape_sdk::document::esculape::host::types::{Coded, Error, FormValue, Scalar};
use esculape_sdk::document::exports::esculape::plugin::document_type::{
    CdaLevel, Context, Description, Field, Guest, Produced, Received, ScalarKind,
};
use esculape_sdk::forme;

pub struct Generique;

/// The document types this plugin writes: LOINC type, its display, the
/// XDS classCode (TRE_A03) and its display.
const TYPES: &[(&str, &str, &str, &str)] = &[
    (
        "11488-4",
        "CR ou fiche de consultation ou de visite",
        "10",
        "Compte rendu",
    ),
    (
        "89601-9",
        "Certificat médical",
        "52",
        "Certificat, déclaration",
    ),
    ("96349-6", "Lettre d'adressage", "10", "Compte rendu"),
];

fn coded(code: &str, system: &str, display: &str) -> Coded {
    Coded {
        code: code.into(),
        code_system: system.into(),
        code_system_name: None,
        display: Some(display.into()),
    }
}

/// A form value as text.
fn text(values: &[FormValue], key: &str) -> Option<String> {
    forme::texte(values, key)
}

fn invalid(msg: &str) -> Error {
    Error::InvalidInput(msg.to_string())
}

impl Guest for Generique {
    fn describe() -> Description {
        Description {
            type_code: coded(TYPES[0].0, oid::LOINC, TYPES[0].1),
            class_code: coded("10", "1.2.250.1.213.1.1.4.1", "Compte rendu"),
            format_code: coded(
                "urn:ihe:iti:xds-sd:pdf:2008",
                "1.2.250.1.213.1.1.4.12",
                "Document à corps non structuré en Pdf/A-1",
            ),
            template_ids: vec![
                "2.16.840.1.113883.2.8.2.1".into(),
                "1.2.250.1.213.1.1.1.1".into(),
                "1.3.6.1.4.1.19376.1.2.20".into(),
            ],
            level: CdaLevel::N1,
            volet: "CI-SIS Modèles de contenus CDA (corps non structuré)".into(),
            title: "Document non structuré (CR, certificat, courrier)".into(),
        }
    }

    fn form_schema() -> Vec<Field> {
        let field = forme::champ;
        vec![
            field(
                "type",
                "Type de document",
                ScalarKind::Coded("JDV_J07_XdsTypeCode_CISIS".into()),
                true,
                Some(
                    "11488-4 compte rendu de consultation, 89601-9 certificat médical, 96349-6 lettre d'adressage",
                ),
            ),
            field("titre", "Titre", ScalarKind::Text, true, None),
            field(
                "destinataire",
                "Destinataire",
                ScalarKind::Text,
                false,
                Some("Pour un courrier: le confrère à qui il est adressé"),
            ),
            field("corps", "Texte", ScalarKind::LongText, true, None),
        ]
    }

    fn prefill() -> Result<Vec<FormValue>, Error> {
        let problems = record_read::problems()?;
        let treatments = record_read::treatments()?;
        let allergies = record_read::allergies()?;
        let mut corps = String::new();
        let active: Vec<String> = problems
            .iter()
            .filter(|p| p.active)
            .map(|p| p.text.clone())
            .collect();
        if !active.is_empty() {
            corps.push_str(&format!("Problèmes en cours : {}.\n", active.join(", ")));
        }
        let long: Vec<String> = treatments
            .iter()
            .filter(|t| t.long_term)
            .map(|t| match &t.posology {
                Some(p) => format!("{} ({p})", t.text),
                None => t.text.clone(),
            })
            .collect();
        if !long.is_empty() {
            corps.push_str(&format!(
                "Traitements au long cours : {}.\n",
                long.join(", ")
            ));
        }
        if !allergies.is_empty() {
            let a: Vec<String> = allergies.iter().map(|a| a.text.clone()).collect();
            corps.push_str(&format!("Allergies : {}.\n", a.join(", ")));
        }
        Ok(vec![
            forme::valeur("type", Scalar::Code(TYPES[0].0.into())),
            forme::valeur_texte("titre", "Compte rendu de consultation"),
            forme::valeur_texte("corps", corps),
        ])
    }

    fn produce(ctx: Context, values: Vec<FormValue>) -> Result<Produced, Error> {
        let patient = record_read::current_patient()?;
        produire(&ctx, &patient, &values, &|layout| pdf::render(layout))
    }

    fn read(cda: Vec<u8>) -> Result<Received, Error> {
        let types: Vec<&str> = TYPES.iter().map(|t| t.0).collect();
        esculape_sdk::lecture::recu(&cda, &types)
    }
}

/// The document from the context, the patient and the form: the plugin's
/// whole work, apart from the host calls it is given (so that it also runs
/// natively, for the benchmark's baseline).
pub fn produire(
    ctx: &Context,
    patient: &record_read::Patient,
    values: &[FormValue],
    render: &dyn Fn(&Layout) -> Result<Vec<u8>, Error>,
) -> Result<Produced, Error> {
    let type_code = text(values, "type").unwrap_or_else(|| TYPES[0].0.to_string());
    let (code, display, _, _) = TYPES.iter().find(|t| t.0 == type_code).ok_or_else(|| {
        invalid(&format!(
            "type de document {type_code} non pris en charge par ce module"
        ))
    })?;
    let title = text(values, "titre")
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| invalid("le titre est obligatoire"))?;
    let corps = text(values, "corps")
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| invalid("le texte est obligatoire"))?;
    let header = from_host::header(
        ctx,
        patient,
        Code::new(code, oid::LOINC, display).named("LOINC"),
        &title,
        vec![],
    );
    let mut blocks = vec![Block::Heading((1, title.clone()))];
    if let Some(dest) = text(values, "destinataire").filter(|d| !d.trim().is_empty()) {
        blocks.push(Block::Paragraph(format!("À l'attention de : {dest}")));
    }
    for para in corps.split("\n\n") {
        blocks.push(Block::Paragraph(para.to_string()));
    }
    from_host::n1(&header, blocks, render, vec![])
}

#[cfg(target_arch = "wasm32")]
esculape_sdk::document::export_document!(Generique);
