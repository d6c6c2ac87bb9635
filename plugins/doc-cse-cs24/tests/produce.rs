//! The 24th-month certificate through the real runtime: for three
//! children the CDA R2 N3 passes the official ANS validator (CSE-CS24
//! schematron included) and the printed copy is a PDF/A-1b; the items the
//! CS24 adds (screens, walking, ROR) are written, and required.

use esculape_runtime::CallContext;
use esculape_runtime::model::FormValue;
use esculape_sdk_testing::fixtures;
use esculape_sdk_testing::{Harness, assert_cdas_valid, document_context};
use std::sync::Arc;

const ID: &str = "fr.esculape.doc.cse-cs24";

use esculape_sdk_testing::form_value as v;

fn answers(n: usize) -> Vec<FormValue> {
    let mut a = vec![
        v("date_examen", "\"2026-12-10\""),
        v("mere_nom", "\"SANTONI\""),
        v("mere_prenom", "\"Anna\""),
        v("mere_naissance", "\"1993-02-11\""),
        v("mere_activite", "\"PAT-040\""),
        v("garde", "false"),
        v("neurodeveloppement", "\"860642002\""),
    ];
    // One value per key, as the client sends them.
    if n != 0 {
        a.push(v("prematurite", "false"));
    }
    if n != 1 {
        a.push(v("accident_domestique", "false"));
        a.push(v("ecrans", "\"GEN-311\""));
    }
    match n {
        0 => a.extend([
            v("prematurite", "true"),
            v("marche_acquise", "true"),
            v("age_marche_mois", "13"),
            v(
                "vaccinations",
                r#"[{"vaccin":"J07BD52","date":"2025-12-03","rang":1},{"vaccin":"J07AH07","date":"2025-12-03","rang":1}]"#,
            ),
            v("orientation_professionnel", "true"),
        ]),
        1 => a.extend([
            v("ecrans", "\"GEN-313\""),
            v("accident_domestique", "true"),
            v("accident_causes", r#"[{"cause":"NF0A.4"}]"#),
            v("marche_acquise", "false"),
        ]),
        _ => a.push(v("taille", "86")),
    }
    a
}

#[test]
fn certificates_of_three_children_pass_the_ans_validator() {
    let h = Harness::with_document_plugin("esculape-plugin-doc-cse-cs24");
    let doc = h.runtime.document(ID).unwrap();
    let mut docs = vec![];
    for (n, (name, record)) in fixtures::three_children().into_iter().enumerate() {
        let ctx = CallContext::for_patient(Arc::new(record));
        // The doctor's answers first: a form holds each key once, and the
        // lines typed replace the prefilled ones.
        let mut values = answers(n);
        values.extend(doc.prefill(ctx.clone()).unwrap());
        let produced = doc
            .produce(ctx, &document_context(n as u32), &values)
            .unwrap();
        let text = String::from_utf8_lossy(&produced.cda).to_string();
        assert!(text.contains("code=\"MED-1275\""), "{name}");
        assert!(text.contains("code=\"MED-185\""), "{name}");
        if n == 0 {
            assert!(text.contains("code=\"J07BD52\""), "{name}");
            assert!(text.contains("code=\"MED-200\""), "{name}");
        }
        let pdf = h.runtime.render_pdf(&produced.layout).unwrap();
        assert!(esculape_pdfa::check_pdfa1b(&pdf).passed());
        docs.push((name.to_string(), produced.cda.clone()));
    }
    assert_cdas_valid(&docs);
}

#[test]
fn screens_and_prematurity_are_required_at_24_months() {
    let h = Harness::with_document_plugin("esculape-plugin-doc-cse-cs24");
    let doc = h.runtime.document(ID).unwrap();
    let ctx = CallContext::for_patient(Arc::new(fixtures::child()));
    let values: Vec<FormValue> = answers(2)
        .into_iter()
        .filter(|v| v.key != "ecrans")
        .collect();
    let e = doc
        .produce(ctx, &document_context(1), &values)
        .unwrap_err()
        .to_string();
    assert!(e.contains("Exposition aux écrans : obligatoire"), "{e}");
    let ctx = CallContext::for_patient(Arc::new(fixtures::child()));
    let values: Vec<FormValue> = answers(2)
        .into_iter()
        .filter(|v| v.key != "prematurite")
        .collect();
    let e = doc
        .produce(ctx, &document_context(1), &values)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("Prématurité inférieure à 33 semaines : répondre"),
        "{e}"
    );
}
