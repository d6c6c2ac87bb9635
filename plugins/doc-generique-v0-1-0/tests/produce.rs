//! A plugin built against API 0.1.0 (the frozen copy of `doc-generique`)
//! keeps installing and producing documents that pass the ANS validator,
//! in one host beside the same plugin built against 0.2.0.

use esculape_runtime::CallContext;
use esculape_sdk_testing::{Harness, assert_cdas_valid, document_context, fixtures, form};
use std::sync::Arc;

const FROZEN: &str = "esculape-plugin-doc-generique-v0-1-0";
const FROZEN_ID: &str = "fr.esculape.test.doc-generique-v0-1-0";
const CURRENT: &str = "esculape-plugin-doc-generique";
const CURRENT_ID: &str = "fr.esculape.doc.generique";

#[test]
fn a_0_1_0_plugin_produces_valid_documents_beside_its_0_2_0_successor() {
    let h = Harness::for_documents();
    assert_eq!(h.install_crate(FROZEN).unwrap().api, "0.1.0");
    assert_eq!(h.install_crate(CURRENT).unwrap().api, "0.2.0");
    let mut docs = vec![];
    for (n, (name, record)) in fixtures::three_patients().into_iter().enumerate() {
        let ctx = CallContext::for_patient(Arc::new(record));
        for (i, id) in [FROZEN_ID, CURRENT_ID].into_iter().enumerate() {
            let doc = h.runtime.document(id).unwrap();
            let prefilled = doc.prefill(ctx.clone()).unwrap();
            assert!(prefilled.iter().any(|v| v.key == "titre"), "{id}");
            let values = form(
                &doc,
                serde_json::json!({
                    "type": "89601-9",
                    "titre": "Certificat médical",
                    "corps": "Examen clinique : RAS.",
                }),
            );
            let produced = doc
                .produce(ctx.clone(), &document_context((n * 2 + i) as u32), &values)
                .unwrap();
            let text = String::from_utf8_lossy(&produced.cda).to_string();
            assert!(text.contains("code=\"89601-9\""), "{id}");
            // 0.1.0 had no address to write; 0.2.0 writes the record's.
            if name == "adulte-corse" {
                assert_eq!(
                    text.contains("<city>Ajaccio</city>"),
                    id == CURRENT_ID,
                    "{id}"
                );
            }
            assert!(produced.sharing.dmp, "{id}");
            docs.push((format!("{name}-{i}"), produced.cda));
        }
    }
    assert_cdas_valid(&docs);
}
