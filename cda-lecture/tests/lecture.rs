//! Every official example of the ANS test kit (all volets) is read as a
//! received document: header, PDF, sections; malformed, truncated, huge
//! or hostile documents are refused in French, never a crash.

use esculape_cda_lecture::{PROFONDEUR_MAX, TAILLE_MAX, lire};

fn exemples() -> Vec<(String, Vec<u8>)> {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/testdata/ans/cda-examples");
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".xml"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

fn contient(meule: &[u8], aiguille: &[u8]) -> bool {
    meule.windows(aiguille.len()).any(|w| w == aiguille)
}

#[test]
fn every_official_example_is_read_with_its_header_its_pdf_and_its_sections() {
    let exemples = exemples();
    assert!(exemples.len() >= 80, "{} exemples", exemples.len());
    let (mut avec_pdf, mut sections) = (0, 0);
    for (nom, xml) in &exemples {
        // the kit's content-model catalogue is not a document; an
        // auto-presentable report wraps one (`c:ClinicalDocument`)
        if !contient(xml, b"<ClinicalDocument") && !contient(xml, b":ClinicalDocument>") {
            continue;
        }
        let d = lire(xml).unwrap_or_else(|e| panic!("{nom} : {e}"));
        let h = &d.entete;
        assert!(!h.title.trim().is_empty(), "{nom} : titre");
        assert!(!h.code.code.is_empty(), "{nom} : type");
        assert!(!h.id.0.is_empty(), "{nom} : identifiant");
        assert!(h.effective_time.len() >= 8, "{nom} : date");
        assert!(!h.patient_ids.is_empty(), "{nom} : patient");
        // a PDF is extracted exactly when the document carries one
        let porte_pdf = contient(xml, b"mediaType=\"application/pdf\"");
        assert_eq!(d.pdf.is_some(), porte_pdf, "{nom} : PDF");
        if let Some(p) = &d.pdf {
            assert!(p.starts_with(b"%PDF"), "{nom} : PDF");
            avec_pdf += 1;
        }
        if d.niveau == "N3" {
            assert!(!d.sections.is_empty(), "{nom} : sections");
            assert!(
                d.sections.iter().any(|s| !s.texte.is_empty()),
                "{nom} : narratif"
            );
            sections += d.sections.len();
        } else {
            assert_eq!(d.niveau, "N1", "{nom}");
        }
    }
    assert!(avec_pdf >= 30, "{avec_pdf} PDF");
    assert!(sections >= 200, "{sections} sections");
}

/// A synthèse médicale's narrative: its sections titled, a table read as
/// rows and cells.
#[test]
fn the_narrative_of_an_ips_reads_as_lines_and_cells() {
    let (_, xml) = exemples()
        .into_iter()
        .find(|(n, _)| n == "IPS-FR_2024.01.xml")
        .unwrap();
    let d = lire(&xml).unwrap();
    let titres: Vec<&str> = d.sections.iter().map(|s| s.titre.as_str()).collect();
    assert!(
        titres
            .iter()
            .any(|t| t.to_lowercase().contains("allergies")),
        "{titres:?}"
    );
    let tableau = d
        .sections
        .iter()
        .find(|s| s.texte.contains(" | "))
        .expect("une section en tableau");
    assert!(tableau.texte.lines().count() > 1, "{}", tableau.texte);
    assert!(d.sections.iter().all(|s| !s.texte.contains("  ")));
}

#[test]
fn malformed_truncated_huge_or_hostile_documents_are_refused_in_french() {
    let (_, xml) = exemples()
        .into_iter()
        .find(|(n, _)| n == "IPS-FR_2024.01.xml")
        .unwrap();
    // truncated
    let e = lire(&xml[..xml.len() / 2]).unwrap_err().to_string();
    assert!(e.contains("tronqué") || e.contains("XML invalide"), "{e}");
    // not a CDA
    let e = lire(b"<html><body/></html>").unwrap_err().to_string();
    assert!(e.contains("ClinicalDocument"), "{e}");
    let e = lire(b"pas du XML").unwrap_err().to_string();
    assert!(!e.is_empty());
    // entity tricks live in a DOCTYPE: refused
    let bombe = br#"<?xml version="1.0"?>
<!DOCTYPE ClinicalDocument [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<ClinicalDocument xmlns="urn:hl7-org:v3"><title>&b;</title></ClinicalDocument>"#;
    let e = lire(bombe).unwrap_err().to_string();
    assert!(e.contains("DOCTYPE"), "{e}");
    let externe = br#"<!DOCTYPE x [<!ENTITY f SYSTEM "file:///etc/passwd">]><ClinicalDocument>&f;</ClinicalDocument>"#;
    assert!(lire(externe).unwrap_err().to_string().contains("DOCTYPE"));
    // deep nesting in the body
    let mut profond =
        b"<ClinicalDocument xmlns=\"urn:hl7-org:v3\"><component><structuredBody>".to_vec();
    for _ in 0..PROFONDEUR_MAX + 10 {
        profond.extend_from_slice(b"<component><section>");
    }
    let e = lire(&profond).unwrap_err().to_string();
    assert!(e.contains("niveaux"), "{e}");
    // huge: refused before reading
    let enorme = vec![b' '; TAILLE_MAX + 1];
    let e = lire(&enorme).unwrap_err().to_string();
    assert!(e.contains("Mio"), "{e}");
    // no body
    let e = lire(b"<ClinicalDocument xmlns=\"urn:hl7-org:v3\"><title>x</title></ClinicalDocument>")
        .unwrap_err()
        .to_string();
    assert!(e.contains("sans corps"), "{e}");
}

/// A wrong INS key is a warning, not a refusal (some official examples
/// carry one).
#[test]
fn a_wrong_ins_key_is_a_warning() {
    let n = exemples()
        .into_iter()
        .filter(|(_, x)| contient(x, b"<ClinicalDocument"))
        .filter_map(|(_, x)| lire(&x).ok())
        .filter(|d| {
            d.avertissements
                .iter()
                .any(|a| a.contains("clé de contrôle"))
        })
        .count();
    assert!(n >= 1, "au moins un exemple officiel à la clé fausse");
}

/// An « auto-présentable » report (an XSLT stylesheet carrying the CDA as
/// data) is read as the CDA it wraps; a wrapper with a DOCTYPE is not.
#[test]
fn an_auto_presentable_report_is_read_as_the_cda_it_wraps() {
    let (_, xml) = exemples()
        .into_iter()
        .find(|(n, _)| n == "BIO-CR-BIO_2021.01_Auto-Presentable.xml")
        .unwrap();
    assert!(xml.windows(15).any(|w| w == b"<xsl:stylesheet"));
    let cda = esculape_cda_lecture::document_clinique(&xml);
    assert!(cda.starts_with(b"<c:ClinicalDocument"));
    assert!(cda.ends_with(b"</c:ClinicalDocument>"));
    let d = lire(&xml).unwrap();
    assert_eq!(d.entete.code.code, "11502-2");
    assert_eq!(d.niveau, "N3");
    assert!(
        d.contenu.resultats.iter().any(|r| r.code.code == "53049-3"),
        "{:?}",
        d.contenu.resultats
    );
    // a plain CDA is given back as it is
    let plain = b"<ClinicalDocument xmlns=\"urn:hl7-org:v3\"/>";
    assert_eq!(&*esculape_cda_lecture::document_clinique(plain), plain);
    // a DOCTYPE stays, and is refused
    let piege = br#"<!DOCTYPE x [<!ENTITY f SYSTEM "file:///etc/passwd">]><x><c:ClinicalDocument><c:title>&f;</c:title></c:ClinicalDocument></x>"#;
    assert!(lire(piege).unwrap_err().to_string().contains("DOCTYPE"));
}
