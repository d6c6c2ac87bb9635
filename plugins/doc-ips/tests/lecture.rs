//! The synthèse médicale plugin reads received synthèses: the official
//! IPS-FR example and one it produced itself (what the record held comes
//! back as proposals); a document of another type is refused in French.

use esculape_runtime::CallContext;
use esculape_runtime::model::Proposal;
use esculape_sdk_testing::fixtures;
use esculape_sdk_testing::{Harness, document_context};
use std::sync::Arc;

const ID: &str = "fr.esculape.doc.ips";

fn exemple(nom: &str) -> Vec<u8> {
    std::fs::read(
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/testdata/ans/cda-examples")
            .join(nom),
    )
    .unwrap()
}

#[test]
fn the_official_synthese_is_read_into_typed_proposals() {
    let h = Harness::with_document_plugin("esculape-plugin-doc-ips");
    let doc = h.runtime.document(ID).unwrap();
    let r = doc.read(&exemple("IPS-FR_2024.01.xml")).unwrap();
    assert_eq!(r.header.type_code.as_ref().unwrap().code, "60591-5");
    assert!(
        r.header
            .patient_ids
            .iter()
            .any(|i| i.root == "1.2.250.1.213.1.4.10"
                && i.extension.as_deref() == Some("279035121518989")),
        "the kit's patient carries a test INS (NIR de test)"
    );
    assert!(!r.sections.is_empty());
    let allergie = r
        .proposals
        .iter()
        .find_map(|p| match p {
            Proposal::Allergy(a) => Some(a),
            _ => None,
        })
        .unwrap();
    assert_eq!(allergie.substance.as_ref().unwrap().code, "XM5DJ7");
    let thyroidite = r
        .proposals
        .iter()
        .find_map(|p| match p {
            Proposal::Problem(x) if x.code.as_ref().is_some_and(|c| c.code == "E06.3") => Some(x),
            _ => None,
        })
        .unwrap();
    assert!(thyroidite.active);
    let debut = thyroidite.onset.as_ref().unwrap();
    assert_eq!((debut.year, debut.month, debut.day), (2024, 1, 11));
    assert!(r.proposals.iter().any(|p| matches!(p,
        Proposal::Vaccination(v) if v.lot.as_deref() == Some("4456672"))));
    assert!(r.proposals.iter().any(|p| matches!(p,
        Proposal::Measure(m) if m.code.code == "29463-7" && m.value == 58.0 && m.unit == "kg")));
}

#[test]
fn a_synthese_produced_here_reads_back_what_the_record_held() {
    let h = Harness::with_document_plugin("esculape-plugin-doc-ips");
    let doc = h.runtime.document(ID).unwrap();
    let (_, record) = fixtures::three_patients()
        .into_iter()
        .find(|(n, _)| *n == "adulte-corse")
        .unwrap();
    let ctx = CallContext::for_patient(Arc::new(record));
    let values = doc.prefill(ctx.clone()).unwrap();
    let produced = doc.produce(ctx, &document_context(1), &values).unwrap();
    let r = doc.read(&produced.cda).unwrap();
    assert!(
        r.proposals.iter().any(|p| matches!(p,
            Proposal::Problem(x) if x.text.contains("Diabète de type 2")
                && x.code.as_ref().is_some_and(|c| c.code.starts_with("E11")))),
        "{:?}",
        r.proposals
    );
    assert!(
        r.proposals.iter().any(|p| matches!(p,
            Proposal::Treatment(t) if t.text.contains("METFORMINE"))),
        "{:?}",
        r.proposals
    );
}

#[test]
fn a_document_of_another_type_is_refused_in_french() {
    let h = Harness::with_document_plugin("esculape-plugin-doc-ips");
    let doc = h.runtime.document(ID).unwrap();
    let e = doc
        .read(&exemple("BIO-CR-BIO_2024.01_TSH_1.xml"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("ce module lit les documents de type 60591-5"),
        "{e}"
    );
    let e = doc
        .read(b"<ClinicalDocument><title>")
        .unwrap_err()
        .to_string();
    assert!(e.contains("illisible") || e.contains("XML"), "{e}");
}
