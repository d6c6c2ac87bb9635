//! The 9th-month certificate through the real runtime: prefilled from the
//! record (measures, vaccinations split into valences), the CDA R2 N3
//! passes the official ANS validator (CSE-CS9 schematron included) for
//! three children, the printed copy is a PDF/A-1b, and what the volet
//! requires is refused in French when missing.

use esculape_runtime::CallContext;
use esculape_runtime::model::FormValue;
use esculape_sdk_testing::JsonText;
use esculape_sdk_testing::fixtures;
use esculape_sdk_testing::{Harness, assert_cdas_valid, document_context};
use std::sync::Arc;

const ID: &str = "fr.esculape.doc.cse-cs9";

use esculape_sdk_testing::form_value as v;

/// What the parents and the doctor answer, varied per child.
fn answers(n: usize) -> Vec<FormValue> {
    let mut a = vec![
        v("date_examen", "\"2026-11-20\""),
        v("mere_nom", "\"MARTIN\""),
        v("mere_prenom", "\"Claire\""),
        v("mere_naissance", "\"1991-05-31\""),
    ];
    if n < 2 {
        a.push(v("garde", "true"));
    }
    match n {
        0 => a.extend([
            v("neurodeveloppement", "\"860642002\""),
            v("poids", "8.9"),
            v("mere_profession", "\"3\""),
            v("mere_activite", "\"PAT-040\""),
            v("pere_nom", "\"NGUYEN\""),
            v("pere_prenom", "\"Minh\""),
            v("pere_profession", "\"2\""),
            v("type_garde", "\"PAT-050\""),
            v("enfants_foyer", "2"),
            v("allaitement_exclusif_semaines", "\"12\""),
            v("prematurite", "false"),
            v("accident_domestique", "false"),
            v("immunisation_vrs", "true"),
            v("lien_pmi", "true"),
            v(
                "informations_pmi",
                "\"Famille suivie par la PMI de Lyon 3\"",
            ),
        ]),
        1 => a.extend([
            v("mere_activite", "\"PAT-044\""),
            v("accident_domestique", "true"),
            v(
                "accident_causes",
                "[{\"cause\":\"NE2Z\"},{\"cause\":\"GEN-092.01.13\"}]",
            ),
            v("neurodeveloppement", "\"ORG-197\""),
            v("orientation_structure", "true"),
            v("orientation_professionnel", "false"),
            v("immunisation_vrs", "false"),
        ]),
        // No vaccination and no measure on the record: the doctor weighs.
        _ => a.extend([
            v("mere_activite", "\"PAT-043\""),
            v("neurodeveloppement", "\"860642002\""),
            v("garde", "false"),
            v("accident_domestique", "false"),
            v("immunisation_vrs", "false"),
            v("poids", "\"9,1\""),
        ]),
    }
    a
}

#[test]
fn certificates_of_three_children_pass_the_ans_validator() {
    let h = Harness::with_document_plugin("esculape-plugin-doc-cse-cs9");
    let doc = h.runtime.document(ID).unwrap();
    let mut docs = vec![];
    for (n, (name, record)) in fixtures::three_children().into_iter().enumerate() {
        let ctx = CallContext::for_patient(Arc::new(record));
        let prefilled = doc.prefill(ctx.clone()).unwrap();
        let vaccinations = prefilled
            .iter()
            .find(|v| v.key == "vaccinations")
            .map(|v| v.json().clone())
            .unwrap();
        match n {
            // One hexavalent: four valences, dose 1 each.
            0 => {
                let lines: Vec<serde_json::Value> = serde_json::from_str(&vaccinations).unwrap();
                assert_eq!(lines.len(), 4, "{vaccinations}");
                assert!(vaccinations.contains("\"J07BC01\""), "{vaccinations}");
                assert!(
                    prefilled
                        .iter()
                        .any(|v| v.key == "poids" && v.json() == "8.9")
                );
            }
            // Two hexavalents and a pneumococcal: the second DTP is dose 2.
            1 => {
                let lines: Vec<serde_json::Value> = serde_json::from_str(&vaccinations).unwrap();
                assert!(
                    lines.contains(
                        &serde_json::json!({"vaccin":"J07CA01","date":"2025-04-03","rang":2})
                    ),
                    "{vaccinations}"
                )
            }
            _ => assert_eq!(vaccinations, "[]"),
        }
        let mut values = answers(n);
        values.extend(prefilled);
        let produced = doc
            .produce(ctx, &document_context(n as u32), &values)
            .unwrap();
        let text = String::from_utf8_lossy(&produced.cda).to_string();
        assert!(text.contains("code=\"MED-186\""), "{name}");
        assert!(text.contains("<birthTime value=\"19910531\"/>"), "{name}");
        let pdf = h.runtime.render_pdf(&produced.layout).unwrap();
        assert!(esculape_pdfa::check_pdfa1b(&pdf).passed());
        docs.push((name.to_string(), produced.cda.clone()));
    }
    assert_cdas_valid(&docs);
}

#[test]
fn what_the_volet_requires_is_refused_in_french() {
    let h = Harness::with_document_plugin("esculape-plugin-doc-cse-cs9");
    let doc = h.runtime.document(ID).unwrap();
    let ctx = CallContext::for_patient(Arc::new(fixtures::child()));
    let err = |values: &[FormValue]| {
        doc.produce(ctx.clone(), &document_context(1), values)
            .unwrap_err()
            .to_string()
    };
    let without =
        |key: &str| -> Vec<FormValue> { answers(0).into_iter().filter(|v| v.key != key).collect() };
    assert!(err(&without("mere_naissance")).contains("naissance de la mère"));
    assert!(err(&without("accident_domestique")).contains("répondre oui ou non"));
    assert!(err(&without("neurodeveloppement")).contains("neurodéveloppement"));
    assert!(err(&without("mere_activite")).contains("Activité de la mère : obligatoire"));
    assert!(err(&without("immunisation_vrs")).contains("VRS : répondre oui ou non"));
    let mut accident = answers(0);
    accident.push(v("accident_domestique", "true"));
    accident.retain(|v| v.json() != "false" || v.key != "accident_domestique");
    assert!(err(&accident).contains("indiquer la cause"));
    let mut bad = answers(0);
    bad.push(v("type_garde", "\"PAT-999\""));
    bad.retain(|v| v.json() != "\"PAT-050\"");
    assert!(err(&bad).contains("hors du jeu de valeurs"));
    let mut ror = answers(0);
    ror.push(v(
        "vaccinations",
        r#"[{"vaccin":"J07BD52","date":"2026-11-01","rang":1}]"#,
    ));
    assert!(err(&ror).contains("ne figure pas au certificat du 9e mois"));
    let mut heavy = answers(0);
    heavy.retain(|v| v.key != "poids");
    heavy.push(v("poids", "\"89\""));
    assert!(err(&heavy).contains("hors des valeurs possibles"));

    // A provisional identity carries no INS: the certificate waits for
    // the qualification.
    let ctx = CallContext::for_patient(Arc::new(fixtures::adult_provisional()));
    let e = doc
        .produce(ctx, &document_context(2), &answers(0))
        .unwrap_err()
        .to_string();
    assert!(e.contains("exige l'INS"), "{e}");
}

#[test]
fn an_exam_outside_the_ninth_month_gives_a_notice() {
    let h = Harness::with_document_plugin("esculape-plugin-doc-cse-cs9");
    let doc = h.runtime.document(ID).unwrap();
    // Born 2026-02-14: 5 months on 2026-07-20.
    let ctx = CallContext::for_patient(Arc::new(fixtures::child()));
    let mut values = answers(0);
    values.retain(|v| v.key != "date_examen");
    values.push(v("date_examen", "\"2026-07-20\""));
    let produced = doc.produce(ctx, &document_context(1), &values).unwrap();
    assert!(
        produced.notices.iter().any(|n| n.contains("5 mois")),
        "{:?}",
        produced.notices
    );
}
