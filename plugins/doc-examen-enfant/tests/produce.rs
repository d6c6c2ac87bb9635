//! Every exam report from the 2nd week, through the real runtime, for the
//! child of the fixtures: prefilled (exam due at his age, measures), the
//! CDA R2 N1 passes the official ANS validator, the 9th- and 24th-month
//! exams remind the CS9/CS24.

use esculape_runtime::CallContext;
use esculape_sdk_testing::JsonText;
use esculape_sdk_testing::fixtures;
use esculape_sdk_testing::{Harness, assert_cdas_valid, document_context};
use std::sync::Arc;

const ID: &str = "fr.esculape.doc.examen-enfant";

use esculape_sdk_testing::form_value as v;

#[test]
fn every_exam_report_passes_the_ans_validator_with_its_reminders() {
    let h = Harness::for_documents();
    h.install_crate("esculape-plugin-doc-examen-enfant")
        .unwrap();
    let doc = h.runtime.document(ID).unwrap();
    let ctx = CallContext::for_patient(Arc::new(fixtures::child()));
    let prefilled = doc.prefill(ctx.clone()).unwrap();
    // Born 2026-02-14: on the host's today the exam due is one of the first
    // year's; the measures come from the record.
    let exam = prefilled.iter().find(|v| v.key == "examen").unwrap();
    assert!(exam.json().starts_with("\"MED-12"), "{prefilled:?}");
    assert!(
        prefilled
            .iter()
            .any(|v| v.key == "poids" && v.json() == "8.9"),
        "{prefilled:?}"
    );
    let mut docs = vec![];
    for (n, (code, _, _)) in esculape_plugin_doc_examen_enfant::EXAMENS
        .iter()
        .enumerate()
    {
        let values = vec![
            v("examen", &format!("\"{code}\"")),
            v("poids", "8.9"),
            v("taille", "\"71,5\""),
            v(
                "observations",
                "\"Développement psychomoteur harmonieux.\\n\\nVaccinations à jour.\"",
            ),
            v(
                "champs_libres",
                r#"[{"libelle": "Sommeil", "valeur": "Nuits complètes"}]"#,
            ),
        ];
        let produced = doc
            .produce(ctx.clone(), &document_context(n as u32), &values)
            .unwrap();
        let text = String::from_utf8_lossy(&produced.cda).to_string();
        assert!(text.contains(&format!("code=\"{code}\"")), "{code}");
        match *code {
            "MED-1232" => assert!(produced.notices.iter().any(|n| n.contains("CS9")), "{code}"),
            "MED-1236" => assert!(
                produced.notices.iter().any(|n| n.contains("CS24")),
                "{code}"
            ),
            _ => assert!(
                produced.notices.is_empty(),
                "{code}: {:?}",
                produced.notices
            ),
        }
        docs.push((code.to_string(), produced.cda.clone()));
    }
    assert_cdas_valid(&docs);
    // Bad input: French messages.
    let err = doc
        .produce(
            ctx.clone(),
            &document_context(1),
            &[v("examen", "\"MED-1224\""), v("observations", "\"x\"")],
        )
        .unwrap_err();
    assert!(err.to_string().contains("inconnu"), "{err}");
    let err = doc
        .produce(ctx, &document_context(1), &[v("examen", "\"MED-1232\"")])
        .unwrap_err();
    assert!(err.to_string().contains("obligatoires"), "{err}");
}
