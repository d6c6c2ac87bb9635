//! The vaccination note through the real runtime: the vaccine box's GS1
//! DataMatrix (encoded and decoded with the datamatrix library, as a
//! scanner would read it) fills CIP13, lot and expiry; the CDA R2 N3
//! passes the official ANS validator (VAC-NOTE schematron) for three
//! patients; an expired lot and missing data are refused in French.

use esculape_runtime::CallContext;
use esculape_runtime::model::FormValue;
use esculape_sdk_testing::JsonText;
use esculape_sdk_testing::fixtures;
use esculape_sdk_testing::{Harness, assert_cdas_valid, document_context};
use std::sync::Arc;

const ID: &str = "fr.esculape.doc.vac-note";

fn v(key: &str, s: &str) -> FormValue {
    esculape_sdk_testing::text_value(key, s)
}

/// What a scanner reads from the box: a GS1 DataMatrix printed from the
/// element string, decoded back from its modules.
fn scanned_box() -> String {
    let data = b"010340093285724117281231103A1234\x1d21SN998877";
    let code = datamatrix::DataMatrix::encode_gs1(data, datamatrix::SymbolList::default()).unwrap();
    let bitmap = code.bitmap();
    let pixels: Vec<bool> = bitmap.bits().to_vec();
    let decoded = datamatrix::DataMatrix::decode(&pixels, bitmap.width()).unwrap();
    String::from_utf8(decoded).unwrap()
}

#[test]
fn notes_for_three_patients_pass_the_ans_validator() {
    let h = Harness::with_document_plugin("esculape-plugin-doc-vac-note");
    let doc = h.runtime.document(ID).unwrap();
    let scan = scanned_box();
    assert!(scan.contains("0340093285724"), "{scan:?}");
    let mut docs = vec![];
    let records = fixtures::three_patients();
    for (n, (name, record)) in records.into_iter().enumerate() {
        let ctx = CallContext::for_patient(Arc::new(record));
        let mut values = doc.prefill(ctx.clone()).unwrap();
        if name == "enfant" {
            // The record's last vaccination prefills the vaccine.
            assert!(
                values
                    .iter()
                    .any(|v| v.key == "atc" && v.json().contains("J07CA09")),
                "{values:?}"
            );
        }
        values.retain(|x| {
            !matches!(
                x.key.as_str(),
                "vaccin" | "atc" | "atc_libelle" | "lot" | "date"
            )
        });
        values.extend([
            v("datamatrix", &scan),
            v("date", "2026-11-20"),
            v(
                "vaccin",
                "VACCIN TETANIQUE PASTEUR, suspension injectable en seringue préremplie",
            ),
            v("atc", "J07AM01"),
            v("atc_libelle", "anatoxine tétanique"),
            v("rang", "2"),
            v("voie", "20035000"),
            v("site", "16217701000119102"),
            v(
                "commentaire",
                "Bonne tolérance immédiate & pas de fièvre < 38 °C",
            ),
        ]);
        if name == "adulte-corse" {
            values.push(v("cis", "68747507"));
        }
        let produced = doc
            .produce(ctx, &document_context(n as u32), &values)
            .unwrap();
        let text = String::from_utf8_lossy(&produced.cda).to_string();
        assert!(
            text.contains("<lotNumberText>3A1234</lotNumberText>"),
            "{name}: {scan:?} {}",
            &text[text.find("lotNumberText").unwrap_or(0)..][..80]
        );
        assert!(
            text.contains("code=\"3400932857241\""),
            "{name}: CIP13 from the DataMatrix"
        );
        assert!(
            produced
                .notices
                .iter()
                .any(|n| n.contains("calendrier-vaccinal"))
        );
        let pdf = h.runtime.render_pdf(&produced.layout).unwrap();
        assert!(esculape_pdfa::check_pdfa1b(&pdf).passed());
        docs.push((name.to_string(), produced.cda.clone()));
    }
    assert_cdas_valid(&docs);
}

#[test]
fn expired_lots_and_missing_data_are_refused_in_french() {
    let h = Harness::with_document_plugin("esculape-plugin-doc-vac-note");
    let doc = h.runtime.document(ID).unwrap();
    let ctx = CallContext::for_patient(Arc::new(fixtures::child()));
    let base = || {
        vec![
            v("date", "2026-11-20"),
            v("vaccin", "Hexavalent"),
            v("atc", "J07CA09"),
            v("atc_libelle", "hexavalent"),
            v("lot", "A1"),
        ]
    };
    let err = |values: Vec<FormValue>| {
        doc.produce(ctx.clone(), &document_context(1), &values)
            .unwrap_err()
            .to_string()
    };
    let mut expired = base();
    expired.push(v("datamatrix", "(01)03400932857241(17)251231(10)OLD1"));
    expired.retain(|x| x.key != "lot");
    assert!(err(expired).contains("périmé"));
    let mut no_lot = base();
    no_lot.retain(|x| x.key != "lot");
    assert!(err(no_lot).contains("lot est obligatoire"));
    let mut not_a_vaccine = base();
    not_a_vaccine.push(v("atc", "N02BE01"));
    not_a_vaccine.retain(|x| !(x.key == "atc" && x.json().contains("J07CA09")));
    assert!(err(not_a_vaccine).contains("J07"));
    let mut bad_route = base();
    bad_route.push(v("voie", "99999"));
    assert!(err(bad_route).contains("absent du jeu de valeurs"));
    let mut bad_scan = base();
    bad_scan.push(v("datamatrix", "0112"));
    assert!(err(bad_scan).contains("DataMatrix illisible"));
}
