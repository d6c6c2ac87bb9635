//! A well-behaved plugin gets what its grants allow: the patient record of
//! its call, the ANS value sets, the clock; and the precompiled cache is used
//! and invalidated as it should be.

use esculape_runtime::cache::{ComponentCache, Origin, engine_key};
use esculape_runtime::terminology::ValueSets;
use esculape_runtime::{CallContext, HostServices, PluginError, Policy};
use esculape_sdk_testing::JsonText;
use esculape_sdk_testing::{Harness, Workspace, fixtures};
use std::path::PathBuf;
use std::sync::Arc;

const SONDE: &str = "esculape-plugin-sonde";
const SONDE_ID: &str = "fr.esculape.test.sonde";

fn shared_testdata() -> PathBuf {
    Workspace::current()
        .unwrap()
        .root
        .join("../shared/testdata")
}

fn ans_value_sets() -> Arc<ValueSets> {
    let (sets, _skipped) =
        ValueSets::load_dir(&shared_testdata().join("ans/jeuxDeValeurs")).unwrap();
    assert!(
        sets.len() > 400,
        "the ANS test kit holds some 500 value sets"
    );
    Arc::new(sets)
}

fn harness() -> Harness {
    let services = HostServices {
        terminology: ans_value_sets(),
        ..HostServices::default()
    };
    let h = Harness::with(Policy::default(), services);
    h.install_crate(SONDE).unwrap();
    h
}

#[test]
fn prefill_reads_the_record_of_the_call_only() {
    let h = harness();
    let doc = h.runtime.document(SONDE_ID).unwrap();
    let record = Arc::new(fixtures::adult_corsican());
    let values = doc.prefill(CallContext::for_patient(record)).unwrap();
    let get = |k: &str| values.iter().find(|v| v.key == k).map(|v| v.json().clone());
    assert_eq!(get("patient").as_deref(), Some("\"ADRTROIS\""));
    assert_eq!(get("problems").as_deref(), Some("2"));
    // The next call has no patient: the record is not retained.
    let err = doc.prefill(CallContext::default()).unwrap_err();
    assert!(
        matches!(err.plugin_error(), Some(PluginError::NotFound(_))),
        "{err}"
    );
}

#[test]
fn produce_uses_clock_terminology_and_record() {
    let h = harness();
    let doc = h.runtime.document(SONDE_ID).unwrap();
    let description = doc.describe().unwrap();
    assert_eq!(description.type_code.code, "11488-4");
    let ctx = esculape_runtime::model::Context {
        author_rpps: "810002909371".into(),
        author_given: "Jeanne".into(),
        author_family: "MEDECIN".into(),
        author_profession: description.class_code.clone(),
        author_specialty: description.class_code.clone(),
        organization_id: "x".into(),
        organization_name: "Cabinet".into(),
        facility_type: description.class_code.clone(),
        practice_setting: description.class_code.clone(),
        document_id: "1.2.3<&>".into(),
        set_id: "1.2.4".into(),
        version_number: 1,
        effective_time: esculape_runtime::model::Timestamp {
            unix_millis: 0,
            utc_offset_minutes: 60,
        },
    };
    let produced = doc
        .produce(
            CallContext::for_patient(Arc::new(fixtures::adult_corsican())),
            &ctx,
            &[],
        )
        .unwrap();
    let cda = String::from_utf8(produced.cda).unwrap();
    assert!(cda.contains("<title>Sonde ADRTROIS</title>"), "{cda}");
    assert!(
        cda.contains("root=\"1.2.3&lt;&amp;&gt;\""),
        "escaped: {cda}"
    );
    // The host clock, not the frozen WASI one.
    let millis: i64 = cda
        .split("effectiveTime value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .and_then(|s| s.parse().ok())
        .unwrap();
    assert!(millis > 1_700_000_000_000, "{millis}");
}

#[test]
fn terminology_lookups_in_the_ans_value_sets() {
    use esculape_runtime::Terminology;
    let sets = ans_value_sets();
    let c = sets
        .lookup("JDV_J07_XdsTypeCode_CISIS", "60591-5")
        .unwrap()
        .unwrap();
    assert_eq!(c.code_system, "2.16.840.1.113883.6.1");
    assert!(
        sets.lookup("1.2.250.1.213.1.1.5.471", "60591-5")
            .unwrap()
            .is_some()
    );
    assert!(
        sets.lookup("JDV_J07_XdsTypeCode_CISIS", "nope")
            .unwrap()
            .is_none()
    );
    assert!(sets.lookup("JDV_inexistant", "x").is_err());
}

#[test]
fn reads_an_official_cda_example() {
    let h = harness();
    let doc = h.runtime.document(SONDE_ID).unwrap();
    let xml = std::fs::read(shared_testdata().join("ans/cda-examples/IPS-FR_2024.01.xml")).unwrap();
    let read = doc.read(&xml).unwrap();
    assert_eq!(read.header.title, "SYNTHESE MEDICALE");
    assert_eq!(
        read.header.document_id.as_ref().map(|i| i.root.as_str()),
        Some("1.2.250.1.213.1.1.1.51.2024.1.1")
    );
    assert!(read.sections.iter().any(|(t, _)| t == "Problèmes actifs"));
    // Garbage is an error value, not a trap.
    let err = doc
        .read(b"<ClinicalDocument><title>x</ClinicalDocument>")
        .unwrap_err();
    assert!(
        matches!(err.plugin_error(), Some(PluginError::InvalidInput(_))),
        "{err}"
    );
}

#[test]
fn installed_plugins_load_from_the_cache_at_next_start() {
    let h = harness();
    let home = h.home().to_path_buf();
    let trusted = {
        let mut t = esculape_registry::TrustedKeys::new();
        t.add(h.key.verifying_key());
        t
    };
    let start = || {
        esculape_runtime::Runtime::new(esculape_runtime::RuntimeConfig {
            home: home.clone(),
            policy: Policy::default(),
            trusted: trusted.clone(),
            services: HostServices::default(),
        })
        .unwrap()
    };
    let rt = start();
    let loaded = rt.load_installed();
    assert_eq!(loaded.len(), 1);
    let info = loaded[0].1.as_ref().unwrap();
    assert_eq!(info.origin, Some(Origin::Cache));
    assert!(rt.document(SONDE_ID).unwrap().describe().is_ok());

    // A damaged artefact is not trusted: recompiled.
    let sha = &rt.plugin(SONDE_ID).unwrap().manifest.sha256;
    let dir = std::fs::read_dir(home.join("cache"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.join(format!("{sha}.cwasm")).exists())
        .unwrap();
    let artefact = dir.join(format!("{sha}.cwasm"));
    let mut bytes = std::fs::read(&artefact).unwrap();
    let n = bytes.len();
    bytes[n / 2] ^= 0xFF;
    std::fs::write(&artefact, bytes).unwrap();
    let rt = start();
    let loaded = rt.load_installed();
    assert_eq!(loaded[0].1.as_ref().unwrap().origin, Some(Origin::Compiled));

    // A package altered on disk after install is refused at start, and
    // listed as such.
    drop(rt);
    let pkg_path = home.join("plugins").join(SONDE_ID).join("package.escpkg");
    let mut pkg = esculape_registry::Package::read(&pkg_path).unwrap();
    pkg.component_mut()[10] ^= 1;
    pkg.write(&pkg_path).unwrap();
    let rt = start();
    let loaded = rt.load_installed();
    assert!(loaded[0].1.is_err());
    let listed = rt.list();
    assert!(listed[0].status.starts_with("refusé"), "{:?}", listed[0]);
}

#[test]
fn cache_key_follows_the_engine() {
    let a = wasmtime::Engine::default();
    let mut cfg = wasmtime::Config::new();
    cfg.cranelift_opt_level(wasmtime::OptLevel::None);
    let b = wasmtime::Engine::new(&cfg).unwrap();
    assert_ne!(engine_key(&a), engine_key(&b));
    assert_eq!(engine_key(&a), engine_key(&wasmtime::Engine::default()));

    let dir = tempfile::tempdir().unwrap();
    let wasm = esculape_sdk_testing::plugin_wasm(SONDE).unwrap();
    let ca = ComponentCache::new(dir.path(), &a).unwrap();
    let (_, o1) = ca.load_or_compile(&a, "s", &wasm).unwrap();
    let (_, o2) = ca.load_or_compile(&a, "s", &wasm).unwrap();
    assert_eq!((o1, o2), (Origin::Compiled, Origin::Cache));
    // Same component, other engine settings: compiled again, in its own folder.
    let cb = ComponentCache::new(dir.path(), &b).unwrap();
    let (_, o3) = cb.load_or_compile(&b, "s", &wasm).unwrap();
    assert_eq!(o3, Origin::Compiled);
}
