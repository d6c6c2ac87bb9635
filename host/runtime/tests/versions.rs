//! API versions side by side: plugins built against 0.1.0 and against 0.2.0
//! run in one host; the version is read from the component itself; the
//! 0.1.0 ones are adapted to the latest (typed forms, sharing, record
//! updates); record-read 0.2.0 serves the address, the care team, the
//! documents and their signed forms.

use esculape_runtime::model::{
    DocumentSummary, FieldValue, FormValue, Provenance, RecordUpdate, Scalar,
};
use esculape_runtime::{CallContext, InstallError};
use esculape_sdk_testing::{Harness, JsonText, document_context, fixtures, form, text_value};
use std::sync::Arc;

const SONDE: &str = "esculape-plugin-sonde";
const SONDE_ID: &str = "fr.esculape.test.sonde";
/// `doc-generique` frozen at API 0.1.0.
const GENERIQUE: &str = "esculape-plugin-doc-generique-v0-1-0";
const GENERIQUE_ID: &str = "fr.esculape.test.doc-generique-v0-1-0";
const INS: &str = "esculape-plugin-ins";
const INS_ID: &str = "fr.esculape.ins";

#[test]
fn plugins_of_both_versions_run_side_by_side() {
    let h = Harness::for_documents();
    let sonde = h.install_crate(SONDE).unwrap();
    let generique = h.install_crate(GENERIQUE).unwrap();
    let ins = h.install_crate(INS).unwrap();
    assert_eq!(sonde.api, "0.2.0");
    assert_eq!(generique.api, "0.1.0");
    assert_eq!(ins.api, "0.2.0");

    let check = h
        .runtime
        .identity(INS_ID)
        .unwrap()
        .check_matricule("297022A02077878")
        .unwrap();
    assert!(check.key_valid);

    // A 0.1.0 document plugin: its JSON prefill comes back typed by its own
    // schema, its document gets the sharing 0.1.0 could not say.
    let record = Arc::new(fixtures::adult_corsican());
    let doc = h.runtime.document(GENERIQUE_ID).unwrap();
    let prefilled = doc
        .prefill(CallContext::for_patient(record.clone()))
        .unwrap();
    let kind = |k: &str| prefilled.iter().find(|v| v.key == k).map(|v| &v.value);
    assert!(
        matches!(kind("type"), Some(FieldValue::Scalar(Scalar::Code(c))) if c == "11488-4"),
        "the coded field is typed as a code: {:?}",
        prefilled.iter().map(|v| v.json()).collect::<Vec<_>>()
    );
    assert!(matches!(
        kind("titre"),
        Some(FieldValue::Scalar(Scalar::Text(_)))
    ));
    let produced = doc
        .produce(
            CallContext::for_patient(record.clone()),
            &document_context(1),
            &form(
                &doc,
                serde_json::json!({"titre": "Certificat", "corps": "Apte."}),
            ),
        )
        .unwrap();
    assert!(produced.sharing.dmp);
    assert_eq!(produced.sharing.confidentiality.code, "N");
    assert!(String::from_utf8_lossy(&produced.cda).contains("<title>Certificat</title>"));

    // The 0.2.0 probe in the same host: typed values in, typed updates and
    // its own sharing out.
    let sonde = h.runtime.document(SONDE_ID).unwrap();
    let values = form(&sonde, serde_json::json!({"note": "RAS", "poids": "63,5"}));
    assert!(matches!(
        values.iter().find(|v| v.key == "poids").map(|v| &v.value),
        Some(FieldValue::Scalar(Scalar::Number(n))) if *n == 63.5
    ));
    let produced = sonde
        .produce(
            CallContext::for_patient(record),
            &document_context(2),
            &values,
        )
        .unwrap();
    assert!(!produced.sharing.dmp);
    assert_eq!(produced.sharing.confidentiality.code, "R");
    match produced.record_updates.as_slice() {
        [RecordUpdate::Measure(m)] => {
            assert_eq!((m.code.code.as_str(), m.value), ("29463-7", 63.5))
        }
        other => panic!("{} mises à jour", other.len()),
    }
}

#[test]
fn a_0_1_0_form_reports_its_measures_as_record_updates() {
    // The key convention of 0.1.0 forms (poids, taille, perimetre_cranien
    // on date_examen) becomes typed record updates, at noon Paris time.
    let h = Harness::for_documents();
    h.install_crate(GENERIQUE).unwrap();
    let doc = h.runtime.document(GENERIQUE_ID).unwrap();
    let values = vec![
        text_value("titre", "Examen"),
        text_value("corps", "Examen du 14 juillet."),
        text_value("date_examen", "2026-07-14"),
        esculape_sdk_testing::form_value("poids", "8.9"),
    ];
    let produced = doc
        .produce(
            CallContext::for_patient(Arc::new(fixtures::child())),
            &document_context(3),
            &values,
        )
        .unwrap();
    match produced.record_updates.as_slice() {
        [RecordUpdate::Measure(m)] => {
            assert_eq!(m.code.code, "29463-7");
            assert_eq!(m.value, 8.9);
            assert_eq!(m.at.utc_offset_minutes, 120, "summer time in July");
            let local = esculape_domain::calendar::paris_local(m.at.unix_millis);
            assert_eq!(local.to_string(), "2026-07-14T12:00");
        }
        other => panic!("{} mises à jour", other.len()),
    }
}

#[test]
fn a_manifest_must_name_the_version_its_component_speaks() {
    let h = Harness::for_documents();
    // The probe speaks 0.2.0; a manifest announcing 0.1 is refused.
    let pkg = h.package(SONDE, |m| m.api = "^0.1".parse().unwrap());
    let err = h.runtime.install_package(pkg).unwrap_err();
    assert!(matches!(err, InstallError::Incompatible { .. }), "{err}");
    assert!(err.to_string().contains("parle l'API 0.2.0"), "{err}");
    // And the other way round.
    let pkg = h.package(GENERIQUE, |m| m.api = "^0.2".parse().unwrap());
    let err = h.runtime.install_package(pkg).unwrap_err();
    assert!(err.to_string().contains("parle l'API 0.1.0"), "{err}");
}

#[test]
fn a_capability_outside_its_world_is_refused() {
    let h = Harness::for_documents();
    let pkg = h.package(INS, |m| {
        m.capabilities
            .insert(esculape_registry::Capability::RecordRead);
    });
    let err = h.runtime.install_package(pkg).unwrap_err();
    assert!(
        err.to_string()
            .contains("«record-read» n'existe pas dans le monde «identity»"),
        "{err}"
    );
}

#[test]
fn record_read_0_2_0_serves_address_care_team_documents_and_signed_forms() {
    let h = Harness::for_documents();
    h.install_crate(SONDE).unwrap();
    let mut record = fixtures::adult_corsican();
    record.documents = vec![DocumentSummary {
        id: "doc-1".into(),
        type_code: "11488-4".into(),
        title: "Examen".into(),
        act_date: esculape_runtime::model::Date {
            year: 2026,
            month: 7,
            day: 14,
        },
        set_id: "2.25.1".into(),
        version_number: 1,
        provenance: Provenance::Produced,
        plugin: Some("fr.esculape.doc.examen-enfant".into()),
    }];
    record.forms = vec![(
        "doc-1".into(),
        vec![FormValue {
            key: "poids".into(),
            value: FieldValue::Scalar(Scalar::Number(8.9)),
        }],
    )];
    let values = h
        .runtime
        .document(SONDE_ID)
        .unwrap()
        .prefill(CallContext::for_patient(Arc::new(record)))
        .unwrap();
    let get = |k: &str| values.iter().find(|v| v.key == k).map(|v| v.json());
    assert_eq!(
        get("adresse").as_deref(),
        Some("\"3 rue Fesch 20000 Ajaccio\"")
    );
    assert_eq!(get("documents").as_deref(), Some("1"));
    assert_eq!(get("formulaires").as_deref(), Some("\"doc-1:poids\""));
    assert_eq!(get("equipe").as_deref(), Some("0"));
}

/// An older version of an installed plugin is refused (it could bring
/// back what a fix removed) and the installed one keeps serving; a
/// rollback asked on purpose installs it. The same or a newer version
/// installs as before.
#[test]
fn an_older_version_is_refused_unless_asked() {
    use esculape_runtime::Autorisations;
    let h = Harness::for_documents();
    let version = |v: &str| -> semver::Version { v.parse().unwrap() };
    let v = |s: &'static str| move |m: &mut esculape_registry::Manifest| m.version = version(s);
    let installed = h
        .runtime
        .install_package(h.package(SONDE, v("1.4.0")))
        .unwrap();
    assert_eq!(installed.version, "1.4.0");
    let err = h
        .runtime
        .install_package(h.package(SONDE, v("1.3.9")))
        .unwrap_err();
    assert!(matches!(err, InstallError::Retrogradation { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("plus ancienne que la version installée 1.4.0"),
        "{err}"
    );
    let listed = |h: &Harness| {
        h.runtime
            .list()
            .into_iter()
            .find(|p| p.id == SONDE_ID)
            .map(|p| p.version)
    };
    assert_eq!(listed(&h).as_deref(), Some("1.4.0"));
    // Still refused after a restart (the kept package is the reference).
    h.runtime.load_installed();
    assert!(
        h.runtime
            .install_package(h.package(SONDE, v("1.0.0")))
            .is_err()
    );
    h.runtime
        .install_package(h.package(SONDE, v("1.4.0")))
        .expect("the same version reinstalls");
    h.runtime
        .install_package_avec(
            h.package(SONDE, v("1.3.9")),
            Autorisations { retrograder: true },
        )
        .expect("a rollback asked on purpose");
    assert_eq!(listed(&h).as_deref(), Some("1.3.9"));
    h.runtime
        .install_package(h.package(SONDE, v("1.5.0")))
        .expect("an upgrade");
    assert_eq!(listed(&h).as_deref(), Some("1.5.0"));
}
