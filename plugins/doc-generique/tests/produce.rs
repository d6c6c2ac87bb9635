//! The generic N1 documents, produced through the real runtime for three
//! patients (a qualified Corsican-born adult, a qualified child with three
//! first names, a provisional adult born abroad with used names), pass the
//! official ANS validator; their PDF is a PDF/A-1b carrying the INS
//! DataMatrix only when the identity is qualified.

use base64::Engine;
use esculape_runtime::CallContext;
use esculape_runtime::model::Block;
use esculape_runtime::model::FormValue;
use esculape_sdk_testing::JsonText;
use esculape_sdk_testing::fixtures;
use esculape_sdk_testing::{Harness, assert_cdas_valid, document_context};
use std::sync::Arc;

const ID: &str = "fr.esculape.doc.generique";

fn value(key: &str, s: &str) -> FormValue {
    esculape_sdk_testing::text_value(key, s)
}

fn embedded_pdf(cda: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(cda);
    let start = text.find("representation=\"B64\">").expect("N1 body") + 21;
    let end = start + text[start..].find("</text>").expect("end of body");
    let b64: String = text[start..end].split_whitespace().collect();
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .expect("base64")
}

#[test]
fn every_type_for_three_patients_passes_the_ans_validator() {
    let h = Harness::with_document_plugin("esculape-plugin-doc-generique");
    let doc = h.runtime.document(ID).unwrap();
    let patients = fixtures::three_patients();
    let mut docs = vec![];
    let mut n = 0;
    for (name, record) in patients {
        let qualified = record.patient.ins.is_some()
            && record.patient.status == esculape_runtime::model::IdentityStatus::Qualifiee;
        let ctx = CallContext::for_patient(Arc::new(record));
        let prefilled = doc.prefill(ctx.clone()).unwrap();
        for (code, title) in [
            ("11488-4", "Compte rendu de consultation"),
            ("89601-9", "Certificat médical de non contre-indication"),
            ("96349-6", "Courrier au Dr Martin, cardiologue"),
        ] {
            n += 1;
            let corps: String = prefilled
                .iter()
                .find(|v| v.key == "corps")
                .and_then(|v| serde_json::from_str(&v.json()).ok())
                .unwrap_or_default();
            let mut values = vec![value(
                "corps",
                &format!("{corps}\n\nExamen clinique : RAS. Tension 12/8 & pouls < 80."),
            )];
            values.push(value("type", code));
            values.push(value("titre", title));
            values.push(value("destinataire", "Dr Martin"));
            let produced = doc
                .produce(ctx.clone(), &document_context(n), &values)
                .unwrap();
            let text = String::from_utf8_lossy(&produced.cda).to_string();
            assert!(text.contains(&format!("code=\"{code}\"")));
            assert_eq!(
                text.contains("1.2.250.1.213.1.4.10"),
                qualified,
                "{name}: INS only when qualified"
            );
            let has_dm = produced
                .layout
                .blocks
                .iter()
                .any(|b| matches!(b, Block::Datamatrix((_, c)) if c == "INS à scanner"));
            assert_eq!(has_dm, qualified, "{name}: DataMatrix only when qualified");
            let signed = produced.layout.blocks.iter().any(|b| {
                matches!(b, Block::Paragraph(t) if t.contains("Fait le 26/11/2026") && t.contains("RPPS 10001234567") && t.contains("FINESS 750012345"))
            });
            assert!(signed, "{name}: signature block");
            let pdf = embedded_pdf(&produced.cda);
            let report = esculape_pdfa::check_pdfa1b(&pdf);
            assert!(report.passed(), "{name} {code}: {report:?}");
            docs.push((format!("{name}-{code}"), produced.cda.clone()));
        }
    }
    assert_cdas_valid(&docs);
    assert_eq!(docs.len(), 9);
}

#[test]
fn prefill_draws_on_the_record_and_bad_input_is_refused_in_french() {
    let h = Harness::with_document_plugin("esculape-plugin-doc-generique");
    let doc = h.runtime.document(ID).unwrap();
    let ctx = CallContext::for_patient(Arc::new(fixtures::adult_corsican()));
    let values = doc.prefill(ctx.clone()).unwrap();
    let corps = values.iter().find(|v| v.key == "corps").unwrap();
    assert!(
        corps.json().contains("Diabète de type 2"),
        "{}",
        corps.json()
    );
    assert!(corps.json().contains("METFORMINE"), "{}", corps.json());
    assert!(corps.json().contains("Pénicilline"), "{}", corps.json());
    assert!(
        !corps.json().contains("Appendicectomie"),
        "past problems are not current"
    );
    let err = doc
        .produce(
            ctx.clone(),
            &document_context(1),
            &[value("type", "11488-4"), value("corps", "x")],
        )
        .unwrap_err();
    assert!(err.to_string().contains("titre est obligatoire"), "{err}");
    let err = doc
        .produce(
            ctx,
            &document_context(1),
            &[
                value("type", "60591-5"),
                value("titre", "t"),
                value("corps", "x"),
            ],
        )
        .unwrap_err();
    assert!(err.to_string().contains("non pris en charge"), "{err}");
}
