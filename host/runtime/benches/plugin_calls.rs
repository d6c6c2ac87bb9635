//! Plugin runtime benchmarks, reported as ratios against a native baseline
//! run side by side: the same plugin code, compiled natively and called
//! directly.
//!
//! `cargo bench -p esculape-runtime --bench plugin_calls` (or `cargo xtask
//! bench`) measures. Under `cargo test` the binary runs each case once and
//! checks that plugin and native give the same answer (no timing asserted).

use esculape_registry::{Package, SigningKey, TrustedKeys};
use esculape_runtime::model as host;
use esculape_runtime::{HostServices, Policy, Runtime, RuntimeConfig};
use std::hint::black_box;
use std::time::{Duration, Instant};

const INS: &str = "esculape-plugin-ins";
const SONDE: &str = "esculape-plugin-sonde";

/// Median time per operation over `rounds` rounds of `batch` operations.
fn measure(rounds: usize, batch: usize, mut f: impl FnMut()) -> Duration {
    for _ in 0..batch.min(100) {
        f();
    }
    let mut samples: Vec<Duration> = (0..rounds)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..batch {
                f();
            }
            t.elapsed() / batch as u32
        })
        .collect();
    samples.sort();
    samples[samples.len() / 2]
}

fn fmt(d: Duration) -> String {
    let ns = d.as_nanos();
    if ns < 10_000 {
        format!("{ns} ns")
    } else if ns < 10_000_000 {
        format!("{:.1} µs", ns as f64 / 1e3)
    } else {
        format!("{:.1} ms", ns as f64 / 1e6)
    }
}

fn report(name: &str, native: Duration, plugin: Duration) {
    println!(
        "{name:<44} natif {:>10}  module {:>10}  ratio ×{:.2}  (surcoût {})",
        fmt(native),
        fmt(plugin),
        plugin.as_secs_f64() / native.as_secs_f64().max(1e-12),
        fmt(plugin.saturating_sub(native))
    );
}

/// A synthetic CDA document of about `size` bytes.
fn cda_of_size(size: usize) -> Vec<u8> {
    let mut s = String::from(
        "<ClinicalDocument xmlns=\"urn:hl7-org:v3\"><id root=\"1.2.250.1.213.1.1.9.1\"/><setId root=\"1.2.250.1.213.1.1.9.2\"/><versionNumber value=\"1\"/><title>Synthèse</title><component><structuredBody>",
    );
    let mut i = 0;
    while s.len() < size {
        s.push_str(&format!(
            "<component><section><title>Section {i}</title><text>Le patient a présenté un épisode numéro {i} traité en ville, sans complication notable; suivi habituel, pas d'allergie connue, poids stable.</text></section></component>"
        ));
        i += 1;
    }
    s.push_str("</structuredBody></component></ClinicalDocument>");
    s.into_bytes()
}

fn runtime(home: &std::path::Path, key: &SigningKey) -> Runtime {
    let mut trusted = TrustedKeys::new();
    trusted.add(key.verifying_key());
    Runtime::new(RuntimeConfig {
        home: home.to_path_buf(),
        policy: Policy::default(),
        trusted,
        services: HostServices::default(),
    })
    .expect("runtime")
}

fn package(krate: &str, key: &SigningKey, id: Option<&str>) -> Package {
    let wasm = esculape_sdk_testing::plugin_wasm(krate).expect("plugin build");
    let mut m = esculape_sdk_testing::plugin_manifest(krate).expect("manifest");
    if let Some(id) = id {
        m.id = id.to_string();
    }
    Package::build(m, wasm, key).expect("package")
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let (rounds, small_batch, doc_batch) = if bench { (31, 2_000, 20) } else { (1, 1, 1) };
    let home = tempfile::tempdir().expect("tempdir");
    let key = SigningKey::generate().expect("key");
    let rt = runtime(home.path(), &key);

    // Install (verify + precompile) time.
    let t = Instant::now();
    rt.install_package(package(INS, &key, None))
        .expect("install ins");
    let install_ins = t.elapsed();
    let t = Instant::now();
    rt.install_package(package(SONDE, &key, None))
        .expect("install sonde");
    let install_sonde = t.elapsed();

    // 1. A small record: INS trait normalisation.
    use esculape_sdk::identity::esculape::host::types as guest;
    let host_traits = host::IdentityTraits {
        birth_name: "de l'Écluse-Núñez".into(),
        used_name: Some("Martin".into()),
        birth_first_names: vec!["Jean-Hélène".into(), "Marie".into(), "Œdipe".into()],
        used_first_name: None,
        sex: host::Sex::Female,
        birth_date: host::Date {
            year: 1980,
            month: 2,
            day: 29,
        },
        birth_place_cog: Some("2a004".into()),
    };
    let guest_traits = guest::IdentityTraits {
        birth_name: host_traits.birth_name.clone(),
        used_name: host_traits.used_name.clone(),
        birth_first_names: host_traits.birth_first_names.clone(),
        used_first_name: None,
        sex: guest::Sex::Female,
        birth_date: guest::Date {
            year: 1980,
            month: 2,
            day: 29,
        },
        birth_place_cog: host_traits.birth_place_cog.clone(),
    };
    let ins = rt.identity("fr.esculape.ins").expect("ins");
    let in_plugin = ins
        .normalize_traits(&host_traits)
        .expect("plugin normalize");
    let native = esculape_plugin_ins::traits::normalize(guest_traits.clone()).expect("native");
    assert_eq!(in_plugin.birth_name, native.birth_name);
    assert_eq!(in_plugin.birth_first_names, native.birth_first_names);
    assert_eq!(in_plugin.birth_place_cog, native.birth_place_cog);
    let n = measure(rounds, small_batch, || {
        black_box(esculape_plugin_ins::traits::normalize(black_box(guest_traits.clone())).ok());
    });
    let p = measure(rounds, small_batch, || {
        black_box(ins.normalize_traits(black_box(&host_traits)).ok());
    });
    let n2 = measure(rounds, small_batch, || {
        black_box(esculape_plugin_ins::matricule::check(black_box("297022A02077878")).ok());
    });
    let p2 = measure(rounds, small_batch, || {
        black_box(ins.check_matricule(black_box("297022A02077878")).ok());
    });

    // 2. A 200 KB document: CDA reading.
    let cda = cda_of_size(200 * 1024);
    let sonde = rt.document("fr.esculape.test.sonde").expect("sonde");
    let in_plugin = sonde.read(&cda).expect("plugin read");
    let native = esculape_plugin_sonde::reader::read(&cda).expect("native read");
    assert_eq!(in_plugin.sections.len(), native.sections.len());
    assert_eq!(in_plugin.header.title, native.header.title);
    let n3 = measure(rounds, doc_batch, || {
        black_box(esculape_plugin_sonde::reader::read(black_box(&cda)).ok());
    });
    let p3 = measure(rounds, doc_batch, || {
        black_box(sonde.read(black_box(&cda)).ok());
    });

    // 3. Loading 20 installed plugins from the precompiled cache (a start).
    let home20 = tempfile::tempdir().expect("tempdir");
    {
        let rt20 = runtime(home20.path(), &key);
        for i in 0..20 {
            let krate = if i % 2 == 0 { INS } else { SONDE };
            rt20.install_package(package(
                krate,
                &key,
                Some(&format!("fr.esculape.bench.p{i:02}")),
            ))
            .expect("install");
        }
    }
    let load20 = measure(if bench { 11 } else { 1 }, 1, || {
        let rt20 = runtime(home20.path(), &key);
        let loaded = rt20.load_installed();
        assert_eq!(loaded.iter().filter(|(_, r)| r.is_ok()).count(), 20);
    });

    if !bench {
        println!("plugin_calls: 4 passed, 0 failed (mode test: résultats identiques natif/module)");
        return;
    }
    println!("\n== Esculape — coût de la frontière des modules (médianes, {rounds} séries) ==");
    report("petit enregistrement: normalize-traits", n, p);
    report("petit enregistrement: check-matricule", n2, p2);
    report(&format!("document {} Ko: read", cda.len() / 1024), n3, p3);
    println!(
        "installation (vérification + précompilation): ins {}  sonde {}",
        fmt(install_ins),
        fmt(install_sonde)
    );
    println!(
        "démarrage: chargement de 20 modules depuis le cache: {}",
        fmt(load20)
    );
}
