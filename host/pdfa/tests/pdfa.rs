//! Layouts rendered to PDF/A-1b and checked structurally, and the check
//! itself shown to fail on files that break the rules.

use esculape_pdfa::{Block, Layout, Moment, Renderer, check_pdfa1b};

fn sample() -> Layout {
    let long = "Patiente vue ce jour pour le suivi de son diabète de type 2. ".repeat(40);
    Layout {
        title: "Compte rendu de consultation".into(),
        author: "Dr Marie Curie-Sklodowska".into(),
        created: Moment {
            year: 2026,
            month: 11,
            day: 26,
            hour: 15,
            minute: 4,
            second: 0,
            utc_offset_minutes: 60,
        },
        blocks: vec![
            Block::DataMatrix(b"IS0129702".to_vec(), "INS à scanner".into()),
            Block::Heading(1, "Compte rendu de consultation".into()),
            Block::Paragraph("Œdème, Ærosol, ñ, ß, € — caractères français et au-delà: 中".into()),
            Block::Paragraph(long),
            Block::Table(
                vec!["Mesure".into(), "Valeur".into(), "Unité".into()],
                (0..80)
                    .map(|i| vec![format!("Poids {i}"), format!("{}", 60 + i % 7), "kg".into()])
                    .collect(),
            ),
            Block::PageBreak,
            Block::Heading(2, "Conclusion".into()),
            Block::Paragraph("Revoir dans trois mois.".into()),
        ],
    }
}

#[test]
fn a_layout_becomes_a_pdfa1b_with_embedded_fonts_and_several_pages() {
    let pdf = Renderer::new().unwrap().render(&sample()).unwrap();
    let report = check_pdfa1b(&pdf);
    assert!(report.passed(), "{report:#?}");
    assert_eq!(report.version, "%PDF-1.4");
    assert_eq!(report.pdfaid_part.as_deref(), Some("1"));
    assert_eq!(report.pdfaid_conformance.as_deref(), Some("B"));
    assert!(report.fonts >= 2, "regular and bold: {report:?}");
    // 80 table rows and a long paragraph do not fit on one page; the
    // page break adds one more.
    assert!(report.pages >= 3, "{report:?}");
    std::fs::write(std::env::temp_dir().join("esculape-pdfa-sample.pdf"), &pdf).unwrap();
}

#[test]
fn the_check_refuses_a_plain_pdf14_without_pdfa_identification() {
    // A minimal hand-written PDF: a standard font, no XMP, no OutputIntent.
    let pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n3 0 obj << /Type /Page /Parent 2 0 R /Resources << /Font << /F1 4 0 R >> >> >> endobj\n4 0 obj << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> endobj\ntrailer << /Root 1 0 R /Encrypt 5 0 R >>\n%%EOF";
    let report = check_pdfa1b(pdf);
    assert!(!report.passed());
    let all = report.problems.join("\n");
    assert!(all.contains("pdfaid:part"), "{all}");
    assert!(all.contains("chiffré"), "{all}");
    assert!(all.contains("non embarquée"), "{all}");
    assert!(all.contains("GTS_PDFA1"), "{all}");
}

#[test]
fn the_check_refuses_a_pdf17_with_transparency() {
    let mut pdf = Renderer::new().unwrap().render(&sample()).unwrap();
    pdf[5..8].copy_from_slice(b"1.7");
    pdf.extend_from_slice(b"\n9 0 obj << /Type /ExtGState /ca 0.5 >> endobj\n");
    let report = check_pdfa1b(&pdf);
    let all = report.problems.join("\n");
    assert!(all.contains("%PDF-1.7"), "{all}");
    assert!(all.contains("transparence"), "{all}");
}
