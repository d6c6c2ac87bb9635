//! Mesures de l'enfant through the real runtime: prefilled from the
//! record, the CDA R2 N3 passes the official ANS validator (CSE-MDE
//! schematron included) for three patients, the layout renders to a
//! PDF/A-1b with the same values, and bad input is refused in French.

use esculape_runtime::CallContext;
use esculape_runtime::model::FormValue;
use esculape_sdk_testing::JsonText;
use esculape_sdk_testing::fixtures;
use esculape_sdk_testing::{Harness, assert_cdas_valid, document_context};
use std::sync::Arc;

const ID: &str = "fr.esculape.doc.cse-mde";

use esculape_sdk_testing::form_value as v;

#[test]
fn measures_of_three_patients_pass_the_ans_validator() {
    let h = Harness::with_document_plugin("esculape-plugin-doc-cse-mde");
    let doc = h.runtime.document(ID).unwrap();
    let mut docs = vec![];
    let records = fixtures::three_patients();
    for (n, (name, record)) in records.into_iter().enumerate() {
        let ctx = CallContext::for_patient(Arc::new(record));
        let mut values = doc.prefill(ctx.clone()).unwrap();
        if name == "enfant" {
            // The child's three measures come from the record.
            let keys: Vec<&str> = values.iter().map(|v| v.key.as_str()).collect();
            for k in ["poids", "taille", "perimetre_cranien", "date"] {
                assert!(keys.contains(&k), "{k} not prefilled: {keys:?}");
            }
            assert!(
                values.iter().any(|v| v.key == "poids" && v.json() == "8.9"),
                "{values:?}"
            );
        } else {
            values = vec![
                v("date", "\"2026-11-20\""),
                v("poids", "\"12,5\""),
                v("taille", "88"),
            ];
        }
        let produced = doc
            .produce(ctx, &document_context(n as u32), &values)
            .unwrap();
        let text = String::from_utf8_lossy(&produced.cda).to_string();
        assert!(text.contains("code=\"29463-7\""));
        let pdf = h.runtime.render_pdf(&produced.layout).unwrap();
        assert!(esculape_pdfa::check_pdfa1b(&pdf).passed());
        docs.push((name.to_string(), produced.cda.clone()));
    }
    assert_cdas_valid(&docs);
}

#[test]
fn bad_measures_are_refused_in_french() {
    let h = Harness::with_document_plugin("esculape-plugin-doc-cse-mde");
    let doc = h.runtime.document(ID).unwrap();
    let ctx = CallContext::for_patient(Arc::new(fixtures::child()));
    let err = |values: &[FormValue]| {
        doc.produce(ctx.clone(), &document_context(1), values)
            .unwrap_err()
            .to_string()
    };
    assert!(err(&[v("poids", "9")]).contains("date des mesures est obligatoire"));
    assert!(err(&[v("date", "\"2026-11-20\"")]).contains("au moins une mesure"));
    assert!(
        err(&[v("date", "\"2026-11-20\""), v("poids", "\"neuf\"")]).contains("n'est pas un nombre")
    );
    assert!(
        err(&[v("date", "\"2026-11-20\""), v("taille", "900")])
            .contains("hors des valeurs possibles")
    );
    assert!(err(&[v("date", "\"20/11/2026\""), v("taille", "90")]).contains("AAAA-MM-JJ"));
}
