//! Packages round-trip through files, and every kind of tampering is caught.

use esculape_registry::*;

fn manifest() -> Manifest {
    Manifest {
        id: "fr.esculape.test".into(),
        version: semver::Version::new(1, 2, 3),
        description: "test".into(),
        world: World::Identity,
        api: "^0.1".parse().unwrap(),
        capabilities: [Capability::Log, Capability::RecordRead]
            .into_iter()
            .collect(),
        profiles: vec!["MDV-LGC-Va2".into()],
        limits: Limits::default(),
        sha256: String::new(),
    }
}

fn trusted(key: &SigningKey) -> TrustedKeys {
    let mut t = TrustedKeys::new();
    t.add(key.verifying_key());
    t
}

#[test]
fn round_trip_and_verify() {
    let key = SigningKey::generate().unwrap();
    let pkg = Package::build(manifest(), b"\0asm component".to_vec(), &key).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.escpkg");
    pkg.write(&path).unwrap();
    let back = Package::read(&path).unwrap();
    back.verify(&trusted(&key)).unwrap();
    assert_eq!(back.manifest().id, "fr.esculape.test");
    assert_eq!(back.manifest().sha256, sha256_hex(b"\0asm component"));
    assert_eq!(back.component(), b"\0asm component");
}

#[test]
fn tampered_component_is_refused() {
    let key = SigningKey::generate().unwrap();
    let mut pkg = Package::build(manifest(), vec![1, 2, 3, 4], &key).unwrap();
    pkg.component_mut()[2] ^= 0x40;
    let err = pkg.verify(&trusted(&key)).unwrap_err();
    assert!(matches!(err, PackageError::HashMismatch { .. }), "{err}");
}

#[test]
fn altered_manifest_is_refused() {
    let key = SigningKey::generate().unwrap();
    let pkg = Package::build(manifest(), vec![1, 2, 3], &key).unwrap();
    // Grant oneself an extra capability after signing.
    let mut m: serde_json::Value = serde_json::from_slice(pkg.manifest_bytes()).unwrap();
    m["capabilities"] = serde_json::json!(["log", "record-read", "pdf"]);
    let forged = Package::from_parts(
        serde_json::to_vec(&m).unwrap(),
        pkg.signature().clone(),
        pkg.component().to_vec(),
    )
    .unwrap();
    let err = forged.verify(&trusted(&key)).unwrap_err();
    assert!(matches!(err, PackageError::BadSignature(_)), "{err}");
}

#[test]
fn package_signed_by_unknown_key_is_refused() {
    let key = SigningKey::generate().unwrap();
    let other = SigningKey::generate().unwrap();
    let pkg = Package::build(manifest(), vec![1, 2, 3], &other).unwrap();
    let err = pkg.verify(&trusted(&key)).unwrap_err();
    assert!(matches!(err, PackageError::UntrustedKey(_)), "{err}");
    assert!(err.to_string().contains("non reconnue"));
}

#[test]
fn forged_signature_is_refused() {
    let key = SigningKey::generate().unwrap();
    let pkg = Package::build(manifest(), vec![1, 2, 3], &key).unwrap();
    let mut sig = pkg.signature().clone();
    sig.signature = "00".repeat(64);
    let forged =
        Package::from_parts(pkg.manifest_bytes().to_vec(), sig, pkg.component().to_vec()).unwrap();
    assert!(matches!(
        forged.verify(&trusted(&key)),
        Err(PackageError::BadSignature(_))
    ));
}

#[test]
fn truncated_or_garbage_files_are_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.escpkg");
    std::fs::write(&path, b"PK\x03\x04 not a zip").unwrap();
    assert!(matches!(
        Package::read(&path),
        Err(PackageError::Unreadable(_))
    ));
}

#[test]
fn bad_ids_and_unknown_capabilities() {
    let mut m = manifest();
    m.id = "../etc".into();
    m.sha256 = "0".repeat(64);
    assert!(matches!(m.validate(), Err(ManifestError::BadId(_))));
    let json = br#"{"id":"a.b","version":"1.0.0","world":"document","api":"^0.1","capabilities":["network"],"sha256":"0000000000000000000000000000000000000000000000000000000000000000"}"#;
    let m = Manifest::from_json(json).unwrap();
    assert!(
        m.capabilities
            .contains(&Capability::Unknown("network".into()))
    );
}

#[test]
fn key_files_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys/dev.key");
    let k1 = SigningKey::load_or_create(&path).unwrap();
    let k2 = SigningKey::load_or_create(&path).unwrap();
    assert_eq!(k1.key_id(), k2.key_id());
    std::fs::write(dir.path().join("keys/dev.pub"), k1.public_hex()).unwrap();
    let t = TrustedKeys::load_dir(&dir.path().join("keys")).unwrap();
    assert!(t.get(&k1.key_id()).is_some());
}
