//! The ordonnance through the real runtime: prefilled with the long-term
//! treatments, structured posology, its PDF copy embedded; the CDA R2 N3
//! passes the official ANS validator (eP-MED-DM schematron included) for
//! three patients; incomplete posologies are refused in French.

use esculape_runtime::CallContext;
use esculape_runtime::model::FormValue;
use esculape_sdk_testing::JsonText;
use esculape_sdk_testing::fixtures;
use esculape_sdk_testing::{Harness, assert_cdas_valid, document_context};
use std::sync::Arc;

const ID: &str = "fr.esculape.doc.ordonnance";

fn meds(json: &str) -> Vec<FormValue> {
    vec![esculape_sdk_testing::form_value("medicaments", json)]
}

#[test]
fn prescriptions_for_three_patients_pass_the_ans_validator() {
    let h = Harness::with_document_plugin("esculape-plugin-doc-ordonnance");
    let doc = h.runtime.document(ID).unwrap();
    let mut docs = vec![];
    let records = fixtures::three_patients();
    for (n, (name, record)) in records.into_iter().enumerate() {
        let ctx = CallContext::for_patient(Arc::new(record));
        let values = match name {
            "adulte-corse" => {
                let v = doc.prefill(ctx.clone()).unwrap();
                assert!(v[0].json().contains("METFORMINE"), "{}", v[0].json());
                meds(
                    r#"[{"libelle": "METFORMINE 1000 mg, comprimé", "atc": "A10BA02", "dose": 1, "par_jour": 2, "duree_jours": 90, "renouvellements": 2, "ald": true, "instructions": "au milieu des repas"}]"#,
                )
            }
            "enfant" => meds(
                r#"[{"libelle": "PARACETAMOL 2,4 % suspension buvable", "dose": 4, "unite": "mL", "par_jour": 4, "duree_jours": 3}]"#,
            ),
            _ => meds(
                r#"[{"libelle": "AMLODIPINE 5 mg, gélule", "cis": "61436727", "dose": 1, "unite": "{capsule}", "par_jour": 1, "duree_jours": 30, "non_substituable": true}, {"libelle": "Vaccin grippal", "dose": 0.5, "unite": "mL", "par_jour": 1, "duree_jours": 1, "voie": "20035000"}]"#,
            ),
        };
        let produced = doc
            .produce(ctx, &document_context(n as u32), &values)
            .unwrap();
        let text = String::from_utf8_lossy(&produced.cda).to_string();
        assert!(text.contains("application/pdf"), "{name}: the PDF copy");
        docs.push((name.to_string(), produced.cda.clone()));
    }
    assert_cdas_valid(&docs);
}

#[test]
fn incomplete_posologies_are_refused_in_french() {
    let h = Harness::with_document_plugin("esculape-plugin-doc-ordonnance");
    let doc = h.runtime.document(ID).unwrap();
    let ctx = CallContext::for_patient(Arc::new(fixtures::adult_corsican()));
    let err = |v: Vec<FormValue>| {
        doc.produce(ctx.clone(), &document_context(1), &v)
            .unwrap_err()
            .to_string()
    };
    assert!(err(meds("[]")).contains("au moins un médicament"));
    assert!(err(vec![]).contains("au moins un médicament"));
    assert!(
        err(meds(
            r#"[{"libelle": "X", "dose": 1, "par_jour": 0, "duree_jours": 3}]"#
        ))
        .contains("posologie incomplète")
    );
    assert!(
        err(meds(
            r#"[{"libelle": "X", "dose": 1, "par_jour": 1, "duree_jours": 3, "voie": "1"}]"#
        ))
        .contains("voie")
    );
    // A single object where a list is due cannot be typed: the host refuses
    // it before the plugin sees it.
    let schema = doc.form_schema().unwrap();
    let bad = serde_json::json!({"medicaments": {"libelle": "X"}});
    let refused =
        esculape_runtime::formulaire::depuis_json(&schema, bad.as_object().unwrap()).unwrap_err();
    assert!(
        refused.to_string().contains("une liste est attendue"),
        "{refused}"
    );
    // A dose that is not a number is refused naming the line and the field.
    let bad = serde_json::json!({"medicaments": [{"libelle": "X", "dose": "un"}]});
    let refused =
        esculape_runtime::formulaire::depuis_json(&schema, bad.as_object().unwrap()).unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("ligne 1, Dose par prise : «un» n'est pas un nombre"),
        "{refused}"
    );
}
