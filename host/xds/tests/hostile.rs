//! A received CDA that nests thousands of unclosed elements in its header
//! (found by the fuzz harness: each node's path cost the whole depth, a
//! 110 KB file took a second and a 200 MB one would take hours) is refused
//! at once, in French; an official header still reads.

use esculape_xds::{PROFONDEUR_EN_TETE_MAX, read_header};

#[test]
fn a_header_nested_too_deep_is_refused() {
    let official = std::fs::read_dir(
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/testdata/ans/cda-examples"),
    )
    .unwrap()
    .flatten()
    .map(|e| e.path())
    .find(|p| p.extension().is_some_and(|x| x == "xml"))
    .and_then(|p| std::fs::read(p).ok());
    let mut cda = b"<ClinicalDocument xmlns=\"urn:hl7-org:v3\">".to_vec();
    for _ in 0..5000 {
        cda.extend_from_slice(b"<recordTarget>");
    }
    let e = read_header(&cda).unwrap_err().to_string();
    assert!(
        e.contains(&format!("plus de {PROFONDEUR_EN_TETE_MAX} niveaux")),
        "{e}"
    );
    // just under the bound, the depth itself is no reason to refuse
    let mut cda = b"<ClinicalDocument xmlns=\"urn:hl7-org:v3\">".to_vec();
    for _ in 0..PROFONDEUR_EN_TETE_MAX - 2 {
        cda.extend_from_slice(b"<recordTarget>");
    }
    let e = read_header(&cda).unwrap_err().to_string();
    assert!(!e.contains("niveaux"), "{e}");
    if let Some(o) = official {
        assert!(read_header(&o).is_ok());
    }
}
