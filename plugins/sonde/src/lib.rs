//! Probe plugin (API 0.2.0): exercises every host capability the way a
//! real document plugin would, the record-read additions of 0.2.0 included
//! (address, care team, encounters, documents and their signed forms), and
//! reads CDA documents (the benchmark's 200 KB payload).

use esculape_sdk::document::esculape::host::types::{Coded, Error, FormValue};
use esculape_sdk::document::esculape::host::{clock, log, pdf, record_read, terminology};
use esculape_sdk::document::exports::esculape::plugin::document_type::{
    CdaLevel, Context, Description, Field, FieldKind, Guest, Produced, Received, RecordUpdate,
    ScalarKind, Sharing,
};
use esculape_sdk::forme;
use esculape_sdk::helpers::xml_escape;

pub mod reader;

pub struct Sonde;

fn coded(code: &str, system: &str, display: &str) -> Coded {
    Coded {
        code: code.into(),
        code_system: system.into(),
        code_system_name: None,
        display: Some(display.into()),
    }
}

impl Guest for Sonde {
    fn describe() -> Description {
        Description {
            type_code: coded("11488-4", "2.16.840.1.113883.6.1", "Note de consultation"),
            class_code: coded("10", "1.2.250.1.213.1.1.4.1", "Compte rendu"),
            format_code: coded(
                "urn:ihe:iti:xds-sd:pdf:2008",
                "1.3.6.1.4.1.19376.1.2.3",
                "PDF",
            ),
            template_ids: vec!["1.2.250.1.213.1.1.1.1".into()],
            level: CdaLevel::N1,
            volet: "test".into(),
            title: "Sonde".into(),
        }
    }

    fn form_schema() -> Vec<Field> {
        vec![
            Field {
                key: "note".into(),
                label: "Note".into(),
                kind: FieldKind::Scalar(ScalarKind::LongText),
                required: false,
                help: None,
            },
            Field {
                key: "poids".into(),
                label: "Poids".into(),
                kind: FieldKind::Scalar(ScalarKind::Number),
                required: false,
                help: None,
            },
        ]
    }

    /// What the record shows this plugin, one value per record-read call.
    fn prefill() -> Result<Vec<FormValue>, Error> {
        let patient = record_read::current_patient()?;
        let problems = record_read::problems()?;
        log::write(log::Level::Info, &format!("prefill for {}", patient.id))?;
        let documents = record_read::documents()?;
        // The signed forms of the record's documents, as their plugins typed them.
        let mut forms = vec![];
        for d in &documents {
            if let Some(values) = record_read::signed_form(&d.id)? {
                forms.push(format!(
                    "{}:{}",
                    d.id,
                    values
                        .iter()
                        .map(|v| v.key.as_str())
                        .collect::<Vec<_>>()
                        .join("+")
                ));
            }
        }
        let address = patient.address.as_ref().map(|a| {
            format!(
                "{} {} {}",
                a.lines.join(" / "),
                a.postal_code.as_deref().unwrap_or(""),
                a.city.as_deref().unwrap_or("")
            )
        });
        Ok(vec![
            forme::valeur_texte("patient", patient.traits.birth_name),
            forme::valeur_nombre("problems", problems.len() as f64),
            forme::valeur_texte("adresse", address.unwrap_or_default()),
            forme::valeur_nombre("telecoms", patient.telecoms.len() as f64),
            forme::valeur_nombre("equipe", record_read::care_team()?.len() as f64),
            forme::valeur_nombre("consultations", record_read::encounters(10)?.len() as f64),
            forme::valeur_nombre("documents", documents.len() as f64),
            forme::valeur_texte("formulaires", forms.join(",")),
            forme::valeur_nombre("biologie", record_read::lab_results(10)?.len() as f64),
        ])
    }

    fn produce(ctx: Context, values: Vec<FormValue>) -> Result<Produced, Error> {
        let now = clock::now()?;
        let patient = record_read::current_patient()?;
        // A value set lookup, as real plugins do for display names.
        let _ = terminology::lookup("JDV_J07_XdsTypeCode_CISIS", "11488-4")?;
        let note = forme::texte(&values, "note")
            .unwrap_or_default()
            .to_string();
        let cda = format!(
            "<ClinicalDocument xmlns=\"urn:hl7-org:v3\"><id root=\"{}\"/><title>Sonde {}</title><effectiveTime value=\"{}\"/><text>{}</text></ClinicalDocument>",
            xml_escape(&ctx.document_id),
            xml_escape(&patient.traits.birth_name),
            now.unix_millis,
            xml_escape(&note)
        );
        let layout = pdf::Layout {
            title: "Sonde".into(),
            author: ctx.author_family,
            blocks: vec![pdf::Block::Paragraph(note)],
        };
        // A typed weight is reported to the record, taken now.
        let record_updates = forme::nombre(&values, "poids")
            .map(|value| {
                RecordUpdate::Measure(record_read::Measure {
                    code: coded("29463-7", "2.16.840.1.113883.6.1", "poids"),
                    value,
                    unit: "kg".into(),
                    at: now,
                })
            })
            .into_iter()
            .collect();
        Ok(Produced {
            cda: cda.into_bytes(),
            layout,
            notices: vec![],
            sharing: Sharing {
                confidentiality: coded("R", "2.16.840.1.113883.5.25", "Restreint"),
                dmp: false,
                event_codes: vec![],
            },
            record_updates,
        })
    }

    fn read(cda: Vec<u8>) -> Result<Received, Error> {
        reader::read(&cda)
    }
}

#[cfg(target_arch = "wasm32")]
esculape_sdk::document::export_document!(Sonde);
