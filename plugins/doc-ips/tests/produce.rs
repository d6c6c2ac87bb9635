//! The synthèse médicale through the real runtime: prefilled from the
//! record, edited (a line removed, one added), the CDA R2 N3 passes the
//! official ANS validator (IPS-FR schematron included) for three patients,
//! with and without data in each section.

use esculape_runtime::CallContext;
use esculape_sdk_testing::JsonText;
use esculape_sdk_testing::fixtures;
use esculape_sdk_testing::{Harness, assert_cdas_valid, document_context};
use std::sync::Arc;

const ID: &str = "fr.esculape.doc.ips";

#[test]
fn syntheses_of_three_patients_pass_the_ans_validator() {
    let h = Harness::with_document_plugin("esculape-plugin-doc-ips");
    let doc = h.runtime.document(ID).unwrap();
    let mut docs = vec![];
    let records = fixtures::three_patients();
    for (n, (name, record)) in records.into_iter().enumerate() {
        let ctx = CallContext::for_patient(Arc::new(record));
        let mut values = doc.prefill(ctx.clone()).unwrap();
        if name == "adulte-corse" {
            let p = values.iter().find(|v| v.key == "problemes").unwrap();
            assert!(
                p.json().contains("Diabète de type 2") && p.json().contains("E11"),
                "{}",
                p.json()
            );
            assert!(
                !p.json().contains("Appendicectomie"),
                "past problems are antecedents"
            );
            let a = values.iter().find(|v| v.key == "antecedents").unwrap();
            assert!(a.json().contains("Appendicectomie"), "{}", a.json());
            let t = values.iter().find(|v| v.key == "traitements").unwrap();
            assert!(t.json().contains("METFORMINE"), "{}", t.json());
            // The doctor edits: adds a procedure and a device, removes
            // nothing else.
            values.push(esculape_sdk_testing::form_value(
                "actes",
                r#"[{"libelle": "Appendicectomie par cœlioscopie", "debut": "2008-07-12"}]"#,
            ));
            values.push(esculape_sdk_testing::form_value(
                "dispositifs",
                r#"[{"libelle": "Lecteur de glycémie en continu", "debut": "2024-01-10"}]"#,
            ));
        }
        let produced = doc
            .produce(ctx, &document_context(n as u32), &values)
            .unwrap();
        let pdf = h.runtime.render_pdf(&produced.layout).unwrap();
        assert!(esculape_pdfa::check_pdfa1b(&pdf).passed());
        docs.push((name.to_string(), produced.cda.clone()));
    }
    assert_cdas_valid(&docs);
}

#[test]
fn a_removed_line_is_gone_and_bad_lines_are_refused() {
    let h = Harness::with_document_plugin("esculape-plugin-doc-ips");
    let doc = h.runtime.document(ID).unwrap();
    let ctx = CallContext::for_patient(Arc::new(fixtures::adult_corsican()));
    let mut values = doc.prefill(ctx.clone()).unwrap();
    values.retain(|v| v.key != "allergies");
    let produced = doc
        .produce(ctx.clone(), &document_context(1), &values)
        .unwrap();
    let text = String::from_utf8_lossy(&produced.cda).to_string();
    assert!(!text.contains("Pénicilline"));
    assert!(text.contains("no-allergy-info"));
    let bad = vec![esculape_sdk_testing::form_value(
        "problemes",
        r#"[{"libelle": "HTA", "debut": "03/2015"}]"#,
    )];
    let err = doc
        .produce(ctx.clone(), &document_context(1), &bad)
        .unwrap_err();
    assert!(err.to_string().contains("AAAA-MM-JJ"), "{err}");
    // A single object where a list is due cannot be typed: the host
    // refuses it before any plugin sees it.
    let schema = doc.form_schema().unwrap();
    let bad = serde_json::json!({"problemes": {"libelle": "HTA"}});
    let err =
        esculape_runtime::formulaire::depuis_json(&schema, bad.as_object().unwrap()).unwrap_err();
    assert!(err.to_string().contains("une liste est attendue"), "{err}");
}
