//! Hostile plugins are contained, refused packages are refused, and the
//! host and the other plugins keep working through all of it.
//!
//! Every plugin here is built from source by the harness, signed with a
//! throwaway key and installed in a runtime in a temporary folder.

use esculape_registry::{Capability, PackageError, World};
use esculape_runtime::model::{Coded, Context, FormValue, Timestamp};
use esculape_runtime::{CallContext, CallError, HostServices, InstallError, PluginError, Policy};
use esculape_sdk_testing::{Harness, fixtures};
use std::sync::Arc;

const HOSTILE: &str = "esculape-plugin-hostile";
const HOSTILE_ID: &str = "fr.esculape.test.hostile";
const SONDE: &str = "esculape-plugin-sonde";
const SONDE_ID: &str = "fr.esculape.test.sonde";
const INS: &str = "esculape-plugin-ins";
const INS_ID: &str = "fr.esculape.ins";

fn coded(code: &str) -> Coded {
    Coded {
        code: code.into(),
        code_system: "1.2.250.1.213.1.1.4.5".into(),
        code_system_name: None,
        display: None,
    }
}

fn context() -> Context {
    Context {
        author_rpps: "810002909371".into(),
        author_given: "Jeanne".into(),
        author_family: "MEDECIN".into(),
        author_profession: coded("10"),
        author_specialty: coded("SM54"),
        organization_id: "1.2.250.1.71.4.2.2".into(),
        organization_name: "Cabinet du Dr Médecin".into(),
        facility_type: coded("SA07"),
        practice_setting: coded("ETABLISSEMENT"),
        document_id: "1.2.250.1.213.1.1.9.1".into(),
        set_id: "1.2.250.1.213.1.1.9.2".into(),
        version_number: 1,
        effective_time: Timestamp {
            unix_millis: 0,
            utc_offset_minutes: 60,
        },
    }
}

fn behaviour(b: &str) -> Vec<FormValue> {
    vec![esculape_sdk_testing::text_value("behaviour", b)]
}

/// A harness with the hostile plugin (tight limits), the probe and INS.
fn harness(policy: Policy) -> Harness {
    let h = Harness::with(policy, HostServices::default());
    let pkg = h.package(HOSTILE, |m| {
        m.limits.deadline_ms = Some(300);
        m.limits.memory_mib = Some(32);
    });
    h.runtime.install_package(pkg).expect("hostile installs");
    h.install_crate(INS).expect("ins installs");
    h
}

fn produce(h: &Harness, b: &str) -> Result<Vec<u8>, CallError> {
    h.runtime
        .document(HOSTILE_ID)?
        .produce(CallContext::default(), &context(), &behaviour(b))
        .map(|p| p.cda)
}

/// After any misbehaviour, the hostile plugin serves again and INS answers.
fn assert_still_serving(h: &Harness) {
    assert_eq!(
        produce(h, "ok").expect("fresh instance after failure"),
        b"ok"
    );
    let check = h
        .runtime
        .identity(INS_ID)
        .unwrap()
        .check_matricule("297022A02077878")
        .unwrap();
    assert!(check.key_valid);
}

#[test]
fn infinite_loop_is_stopped_at_the_deadline() {
    let h = harness(Policy::default());
    let err = produce(&h, "loop").unwrap_err();
    assert!(matches!(err, CallError::Timeout { ms: 300, .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.contains(HOSTILE_ID) && text.contains("0.1.0"),
        "names plugin and version: {text}"
    );
    assert_still_serving(&h);
}

#[test]
fn memory_bomb_hits_the_cap() {
    let h = harness(Policy::default());
    let err = produce(&h, "memory-bomb").unwrap_err();
    assert!(
        matches!(err, CallError::MemoryExhausted { limit_mib: 32, .. }),
        "{err}"
    );
    assert_still_serving(&h);
}

#[test]
fn deep_recursion_overflows_the_plugin_stack_not_the_host() {
    let h = harness(Policy::default());
    let err = produce(&h, "recursion").unwrap_err();
    assert!(matches!(err, CallError::StackOverflow { .. }), "{err}");
    assert_still_serving(&h);
    // Rust keeps big locals on a shadow stack in linear memory: its
    // overflow runs out of the memory's bounds, a trap of that call too.
    let err = produce(&h, "shadow-recursion").unwrap_err();
    assert!(
        matches!(&err, CallError::Trap { message, .. } if message.contains("out of bounds")),
        "{err}"
    );
    assert_still_serving(&h);
}

#[test]
fn panic_is_a_trap_of_that_call() {
    let h = harness(Policy::default());
    let err = produce(&h, "panic").unwrap_err();
    assert!(matches!(err, CallError::Trap { .. }), "{err}");
    assert_still_serving(&h);
}

#[test]
fn huge_output_is_refused() {
    let policy = Policy {
        max_output_bytes: 4 * 1024 * 1024,
        ..Policy::default()
    };
    let h = harness(policy);
    let values = vec![
        esculape_sdk_testing::text_value("behaviour", "huge-output"),
        esculape_sdk_testing::text_value("size-mib", "8"),
    ];
    let err = h
        .runtime
        .document(HOSTILE_ID)
        .unwrap()
        .produce(CallContext::default(), &context(), &values)
        .unwrap_err();
    assert!(
        matches!(err, CallError::OutputTooLarge { limit: 4194304, .. }),
        "{err}"
    );
    // Larger than the memory cap: contained as memory exhaustion.
    let values = vec![
        values[0].clone(),
        esculape_sdk_testing::text_value("size-mib", "64"),
    ];
    let err = h
        .runtime
        .document(HOSTILE_ID)
        .unwrap()
        .produce(CallContext::default(), &context(), &values)
        .unwrap_err();
    assert!(matches!(err, CallError::MemoryExhausted { .. }), "{err}");
    assert_still_serving(&h);
}

#[test]
fn undeclared_capability_is_denied_with_a_typed_error() {
    let h = harness(Policy::default());
    // Even with a patient in the call context, the plugin never declared
    // record-read: it gets `denied`, not the record.
    let ctx = CallContext::for_patient(Arc::new(fixtures::adult_corsican()));
    let err = h
        .runtime
        .document(HOSTILE_ID)
        .unwrap()
        .produce(ctx, &context(), &behaviour("undeclared-capability"))
        .unwrap_err();
    assert_eq!(
        err.plugin_error(),
        Some(&PluginError::Denied("record-read".into())),
        "{err}"
    );
    assert_still_serving(&h);
}

#[test]
fn no_filesystem_environment_or_network() {
    let h = harness(Policy::default());
    let found = String::from_utf8(produce(&h, "escape").unwrap()).unwrap();
    assert_eq!(
        found,
        "file=false dir=false write=false env=0 cwd=false net=false"
    );
}

#[test]
fn log_flood_is_capped() {
    let h = harness(Policy::default());
    assert_eq!(produce(&h, "log-flood").unwrap(), b"flooded");
    let p = h.runtime.plugin(HOSTILE_ID).unwrap();
    assert!(p.info().log_dropped > 0);
    assert!(p.log_bytes() <= Policy::default().max_log_bytes_per_call as u64);
}

#[test]
fn other_plugins_answer_while_one_is_stuck() {
    let h = Arc::new(harness(Policy::default()));
    let stuck = {
        let h = h.clone();
        std::thread::spawn(move || produce(&h, "loop"))
    };
    // While the hostile plugin spins, INS keeps answering.
    for _ in 0..50 {
        let ins = h.runtime.identity(INS_ID).unwrap();
        assert!(ins.check_matricule("236066322083656").unwrap().key_valid);
    }
    assert!(matches!(
        stuck.join().unwrap(),
        Err(CallError::Timeout { .. })
    ));
}

#[test]
fn tampered_byte_is_refused() {
    let h = Harness::new();
    let mut pkg = h.package(SONDE, |_| {});
    let n = pkg.component().len();
    pkg.component_mut()[n / 2] ^= 0x01;
    let err = h.runtime.install_package(pkg).unwrap_err();
    assert!(
        matches!(
            err,
            InstallError::Package(PackageError::HashMismatch { .. })
        ),
        "{err}"
    );
    assert!(err.to_string().contains("composant modifié"));
    assert!(h.runtime.plugin(SONDE_ID).is_err(), "nothing installed");
}

#[test]
fn unsupported_api_version_is_refused() {
    let h = Harness::new();
    let pkg = h.package(HOSTILE, |m| m.api = "^0.9".parse().unwrap());
    let err = h.runtime.install_package(pkg).unwrap_err();
    assert!(matches!(err, InstallError::UnsupportedApi { .. }), "{err}");
    assert!(
        err.to_string().contains("^0.9") && err.to_string().contains("0.1.0, 0.2.0"),
        "{err}"
    );
}

#[test]
fn capability_not_granted_by_policy_is_refused() {
    let mut policy = Policy::default();
    policy.grant.remove(&Capability::RecordRead);
    let h = Harness::with(policy, HostServices::default());
    let err = h.install_crate(SONDE).unwrap_err();
    assert!(
        matches!(
            &err,
            InstallError::CapabilityRefused {
                capability: Capability::RecordRead,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("record-read"));
    // Unknown capabilities are refused by name too.
    let h = Harness::new();
    let pkg = h.package(HOSTILE, |m| {
        m.capabilities.insert(Capability::Unknown("network".into()));
    });
    let err = h.runtime.install_package(pkg).unwrap_err();
    assert!(err.to_string().contains("network"), "{err}");
}

#[test]
fn package_from_an_untrusted_publisher_is_refused() {
    let h = Harness::new();
    let other = Harness::new();
    let pkg = other.package(INS, |_| {});
    let err = h.runtime.install_package(pkg).unwrap_err();
    assert!(
        matches!(err, InstallError::Package(PackageError::UntrustedKey(_))),
        "{err}"
    );
}

#[test]
fn component_not_matching_its_declared_world_is_refused() {
    let h = Harness::new();
    // A document component that claims to be an identity plugin: its
    // imports (record-read, pdf) are not in the identity world.
    let pkg = h.package(HOSTILE, |m| m.world = World::Identity);
    let err = h.runtime.install_package(pkg).unwrap_err();
    assert!(matches!(err, InstallError::Incompatible { .. }), "{err}");
}

#[test]
fn grants_are_manifest_and_policy() {
    let mut policy = Policy::default();
    policy
        .deny
        .insert(SONDE_ID.into(), [Capability::Pdf].into_iter().collect());
    let h = Harness::with(policy.clone(), HostServices::default());
    // The manifest asks for pdf, the policy withholds it from this plugin.
    let err = h.install_crate(SONDE).unwrap_err();
    assert!(matches!(
        err,
        InstallError::CapabilityRefused {
            capability: Capability::Pdf,
            ..
        }
    ));
    // What a plugin holds is at most what it asked for.
    let manifest = esculape_sdk_testing::plugin_manifest(HOSTILE).unwrap();
    let grants = Policy::default().grants(&manifest);
    assert!(!grants.contains(&Capability::RecordRead));
    assert!(grants.contains(&Capability::Log));
}

#[test]
fn nothing_a_plugin_keeps_reaches_the_next_call() {
    // One plugin serves every patient in turn: what it keeps in its memory
    // from one patient's call must not show in the next patient's document.
    let h = harness(Policy::default());
    let doc = h.runtime.document(HOSTILE_ID).unwrap();
    let call = |patient: &str| {
        let values = vec![
            esculape_sdk_testing::text_value("behaviour", "carry"),
            esculape_sdk_testing::text_value("patient", patient),
        ];
        let out = doc
            .produce(CallContext::default(), &context(), &values)
            .unwrap();
        String::from_utf8(out.cda).unwrap()
    };
    assert_eq!(call("ADRTROIS DOMINIQUE"), "précédent: ");
    let next = call("PETIT LEON");
    assert!(
        !next.contains("ADRTROIS"),
        "one patient's data in the next call: {next}"
    );
    assert_eq!(next, "précédent: ");
}

#[test]
fn a_layout_too_large_to_render_is_refused_before_the_host_renders_it() {
    // The host renders outside the plugin's deadline and memory cap: the
    // layout is bounded first.
    let h = harness(Policy::default());
    let err = produce(&h, "pdf-bomb").unwrap_err();
    assert!(
        matches!(err.plugin_error(), Some(PluginError::Limit(m)) if m.contains("20000 blocs")),
        "{err}"
    );
    assert_still_serving(&h);
}

#[test]
fn the_count_of_memories_instances_and_tables_is_capped() {
    // The byte cap is per linear memory: a component with many memories
    // (or instances) would multiply it, so their count is capped. With no
    // memory allowed at all, the plugin cannot even start; the host and
    // the other plugins keep working.
    let h = harness(Policy {
        max_memories: 0,
        ..Policy::default()
    });
    let err = produce(&h, "ok").unwrap_err();
    assert!(err.to_string().contains("memor"), "{err}");
    let h = harness(Policy {
        max_instances: 1,
        ..Policy::default()
    });
    let err = produce(&h, "ok").unwrap_err();
    assert!(err.to_string().contains("instance"), "{err}");
    // The defaults leave room for what a Rust component needs.
    let h = harness(Policy::default());
    assert_eq!(produce(&h, "ok").unwrap(), b"ok");
}
