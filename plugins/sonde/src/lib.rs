//! Probe plugin: exercises every host capability the way a real document
//! plugin would, and reads CDA documents (the benchmark's 200 KB payload).

use esculape_sdk::document::esculape::host::types::{Coded, Error};
use esculape_sdk::document::esculape::host::{clock, log, pdf, record_read, terminology};
use esculape_sdk::document::exports::esculape::plugin::document_type::{
    CdaLevel, Context, Description, Field, FieldKind, FormValue, Guest, Produced, ReadDocument,
};
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
        vec![Field {
            key: "note".into(),
            label: "Note".into(),
            kind: FieldKind::LongText,
            required: false,
            help: None,
        }]
    }

    fn prefill() -> Result<Vec<FormValue>, Error> {
        let patient = record_read::current_patient()?;
        let problems = record_read::problems()?;
        log::write(log::Level::Info, &format!("prefill for {}", patient.id))?;
        Ok(vec![
            FormValue {
                key: "patient".into(),
                json: format!("\"{}\"", patient.traits.birth_name),
            },
            FormValue {
                key: "problems".into(),
                json: problems.len().to_string(),
            },
        ])
    }

    fn produce(ctx: Context, values: Vec<FormValue>) -> Result<Produced, Error> {
        let now = clock::now()?;
        let patient = record_read::current_patient()?;
        // A value set lookup, as real plugins do for display names.
        let _ = terminology::lookup("JDV_J07_XdsTypeCode_CISIS", "11488-4")?;
        let note = values
            .iter()
            .find(|v| v.key == "note")
            .map(|v| v.json.clone())
            .unwrap_or_default();
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
        Ok(Produced {
            cda: cda.into_bytes(),
            layout,
            notices: vec![],
        })
    }

    fn read(cda: Vec<u8>) -> Result<ReadDocument, Error> {
        reader::read(&cda)
    }
}

#[cfg(target_arch = "wasm32")]
esculape_sdk::document::export_document!(Sonde);
