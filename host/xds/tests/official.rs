//! The official ANS IHE_XDM packages (../shared/testdata/ans/xdm) read back:
//! hash and size match their document, and the metadata computed from the
//! document's own CDA header equals theirs for every value the header
//! carries. A package written here re-reads identically.

use esculape_xds::{Code, Submission, TypeValues, document_entry, read_xdm, write_xdm};
use std::path::PathBuf;

fn packages() -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata/ans/xdm");
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "zip"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().to_string(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn official_packages_read_with_matching_hash_and_size() {
    let all = packages();
    assert!(all.len() >= 15, "{} packages", all.len());
    for (name, bytes) in &all {
        let pkg = read_xdm(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            pkg.hash_and_size_match(),
            "{name}: {:?} {:?}",
            pkg.slot("hash"),
            pkg.slot("size")
        );
        for scheme in [
            "classCode",
            "typeCode",
            "formatCode",
            "confidentialityCode",
            "healthcareFacilityTypeCode",
            "practiceSettingCode",
        ] {
            let c = pkg
                .code(scheme)
                .unwrap_or_else(|| panic!("{name}: {scheme}"));
            assert!(
                !c.code.is_empty() && !c.scheme.is_empty(),
                "{name}: {scheme} {c:?}"
            );
        }
    }
}

#[test]
fn metadata_from_the_header_equals_the_official_one() {
    for (name, bytes) in packages() {
        let pkg = read_xdm(&bytes).unwrap();
        // classCode and formatCode are properties of the type, given by the
        // plugin: taken from the package here.
        let values = TypeValues {
            class_code: pkg.code("classCode").cloned().unwrap(),
            format_code: pkg.code("formatCode").cloned().unwrap(),
        };
        let entry =
            document_entry(&pkg.document, &values).unwrap_or_else(|e| panic!("{name}: {e}"));
        let same = |scheme: &str, ours: &Code| {
            let theirs = pkg.code(scheme).unwrap();
            assert_eq!(
                (&ours.code, &ours.scheme),
                (&theirs.code, &theirs.scheme),
                "{name}: {scheme}"
            );
        };
        same("typeCode", &entry.type_code);
        same("confidentialityCode", &entry.confidentiality_code);
        same(
            "healthcareFacilityTypeCode",
            &entry.healthcare_facility_type_code,
        );
        same("practiceSettingCode", &entry.practice_setting_code);
        assert_eq!(Some(entry.hash.as_str()), pkg.slot("hash"), "{name}");
        assert_eq!(
            Some(entry.size.to_string().as_str()),
            pkg.slot("size"),
            "{name}"
        );
        assert_eq!(
            Some(entry.creation_time.as_str()),
            pkg.slot("creationTime"),
            "{name}: creationTime"
        );
        assert_eq!(
            Some(entry.language_code.as_str()),
            pkg.slot("languageCode"),
            "{name}"
        );
        assert_eq!(
            Some(&entry.patient_id),
            pkg.patient_id.as_ref(),
            "{name}: patientId"
        );
    }
}

#[test]
fn a_written_package_reads_back_identically() {
    let (_, bytes) = packages()
        .into_iter()
        .find(|(n, _)| n.starts_with("DOC_NON_STRUCTURE"))
        .unwrap();
    let official = read_xdm(&bytes).unwrap();
    let values = TypeValues {
        class_code: official.code("classCode").cloned().unwrap(),
        format_code: official.code("formatCode").cloned().unwrap(),
    };
    let entry = document_entry(&official.document, &values).unwrap();
    let submission = Submission {
        unique_id: "2.25.1234".into(),
        source_id: "2.25.99".into(),
        submission_time: "20261126140000".into(),
        set_uuid: "urn:uuid:00000000-0000-4000-8000-000000000001".into(),
        entry_uuid: "urn:uuid:00000000-0000-4000-8000-000000000002".into(),
        association_uuid: "urn:uuid:00000000-0000-4000-8000-000000000003".into(),
    };
    let zip = write_xdm(&entry, &official.document, &submission).unwrap();
    let ours = read_xdm(&zip).unwrap();
    assert!(ours.hash_and_size_match());
    // the official packages and ours transmit; the same document sent
    // again at « version dépubliée » asks for its deletion
    assert_eq!(official.demande(), esculape_xds::DemandeXdm::Transmission);
    assert_eq!(ours.demande(), esculape_xds::DemandeXdm::Transmission);
    let retrait =
        esculape_xds::write_xdm_suppression(&entry, &official.document, &submission).unwrap();
    let retrait = read_xdm(&retrait).unwrap();
    assert_eq!(retrait.demande(), esculape_xds::DemandeXdm::Suppression);
    assert_eq!(retrait.document, official.document);
    assert_eq!(ours.document, official.document);
    for scheme in [
        "classCode",
        "typeCode",
        "formatCode",
        "confidentialityCode",
        "healthcareFacilityTypeCode",
        "practiceSettingCode",
        "eventCodeList",
    ] {
        assert_eq!(
            ours.code(scheme).map(|c| (&c.code, &c.scheme)),
            official.code(scheme).map(|c| (&c.code, &c.scheme)),
            "{scheme}"
        );
    }
    for slot in [
        "hash",
        "size",
        "creationTime",
        "languageCode",
        "serviceStartTime",
        "serviceStopTime",
        "legalAuthenticator",
        "sourcePatientId",
    ] {
        assert_eq!(ours.slot(slot), official.slot(slot), "{slot}");
    }
    assert_eq!(
        ours.slots.get("sourcePatientInfo"),
        official.slots.get("sourcePatientInfo")
    );
    assert_eq!(ours.patient_id, official.patient_id);
    assert_eq!(ours.unique_id, official.unique_id);
    // A tampered document no longer matches its metadata.
    let mut tampered = ours.clone();
    tampered.document.push(b' ');
    assert!(!tampered.hash_and_size_match());
}
