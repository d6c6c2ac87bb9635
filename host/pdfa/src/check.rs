//! A structural PDF/A-1b check of the points the DMP and MSSanté peers
//! look at first. It reads the object dictionaries (PDF 1.4 has no object
//! streams, so they are plain text) and the XMP packet (unfiltered, as
//! PDF/A-1 requires). Not a veraPDF: it checks what it names.

/// What the check found; `problems` empty means it passed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Pdfa1bReport {
    pub version: String,
    pub pdfaid_part: Option<String>,
    pub pdfaid_conformance: Option<String>,
    pub pages: usize,
    pub fonts: usize,
    pub embedded_fonts: usize,
    pub problems: Vec<String>,
}

impl Pdfa1bReport {
    pub fn passed(&self) -> bool {
        self.problems.is_empty()
    }
}

/// The object dictionaries of the file: everything outside stream bodies,
/// with runs of whitespace folded and delimiters spaced, so that
/// `/Type/Font` and `/Type /Font` read alike.
fn dictionaries(pdf: &[u8]) -> String {
    let mut out = Vec::with_capacity(pdf.len() / 4);
    let mut i = 0;
    while i < pdf.len() {
        if pdf[i..].starts_with(b"stream") && !out.ends_with(b"end") {
            // Skip to the matching endstream.
            match find(&pdf[i + 6..], b"endstream") {
                Some(end) => {
                    i += 6 + end + 9;
                    out.extend_from_slice(b" stream ");
                    continue;
                }
                None => break,
            }
        }
        out.push(pdf[i]);
        i += 1;
    }
    let text = String::from_utf8_lossy(&out);
    let mut spaced = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '/' | '<' | '>' | '[' | ']' => {
                spaced.push(' ');
                spaced.push(c);
            }
            c if c.is_whitespace() => spaced.push(' '),
            c => spaced.push(c),
        }
    }
    spaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The value of an XMP property written as an attribute or an element.
fn xmp_value(xmp: &str, name: &str) -> Option<String> {
    if let Some(p) = xmp.find(&format!("{name}=\"")) {
        let rest = &xmp[p + name.len() + 2..];
        return rest.split('"').next().map(str::to_string);
    }
    let open = format!("<{name}>");
    let p = xmp.find(&open)?;
    let rest = &xmp[p + open.len()..];
    rest.split('<').next().map(|s| s.trim().to_string())
}

pub fn check_pdfa1b(pdf: &[u8]) -> Pdfa1bReport {
    let mut r = Pdfa1bReport::default();
    let header = pdf.get(..8).unwrap_or_default();
    r.version = String::from_utf8_lossy(header).to_string();
    if header != b"%PDF-1.4" {
        r.problems
            .push(format!("en-tête {:?} au lieu de %PDF-1.4", r.version));
    }
    // The XMP packet is unfiltered: read it as text.
    let text = String::from_utf8_lossy(pdf);
    match (text.find("<x:xmpmeta"), text.find("</x:xmpmeta>")) {
        (Some(a), Some(b)) if a < b => {
            let xmp = &text[a..b];
            r.pdfaid_part = xmp_value(xmp, "pdfaid:part");
            r.pdfaid_conformance = xmp_value(xmp, "pdfaid:conformance");
        }
        _ => r.problems.push("pas de métadonnées XMP lisibles".into()),
    }
    if r.pdfaid_part.as_deref() != Some("1") {
        r.problems
            .push(format!("pdfaid:part {:?} au lieu de 1", r.pdfaid_part));
    }
    if r.pdfaid_conformance.as_deref() != Some("B") {
        r.problems.push(format!(
            "pdfaid:conformance {:?} au lieu de B",
            r.pdfaid_conformance
        ));
    }
    let dicts = dictionaries(pdf);
    if dicts.contains("/Encrypt") {
        r.problems.push("le fichier est chiffré (/Encrypt)".into());
    }
    if !dicts.contains("/GTS_PDFA1") {
        r.problems.push("pas d'OutputIntent /GTS_PDFA1".into());
    }
    // Transparency: soft masks, transparency groups, constant alpha < 1.
    for (needle, what) in [
        ("/S /Transparency", "groupe de transparence"),
        ("/SMask /I", "masque doux"),
        ("/SMask 1", "masque doux"),
        ("/SMask 2", "masque doux"),
        ("/SMask 3", "masque doux"),
        ("/SMask 4", "masque doux"),
        ("/SMask 5", "masque doux"),
        ("/SMask 6", "masque doux"),
        ("/SMask 7", "masque doux"),
        ("/SMask 8", "masque doux"),
        ("/SMask 9", "masque doux"),
    ] {
        if dicts.contains(needle) {
            r.problems.push(format!("transparence interdite: {what}"));
        }
    }
    for key in ["/CA ", "/ca "] {
        for (p, _) in dicts.match_indices(key) {
            let value = dicts[p + key.len()..].split(' ').next().unwrap_or("");
            if value.parse::<f32>().is_ok_and(|v| v < 1.0) {
                r.problems
                    .push(format!("transparence interdite: {}{value}", key.trim()));
            }
        }
    }
    // Fonts: every font descriptor carries its font program.
    for obj in dicts.split(" endobj") {
        if obj.contains("/Type /Page ") || obj.ends_with("/Type /Page") {
            r.pages += 1;
        }
        if obj.contains("/Type /FontDescriptor") {
            r.fonts += 1;
            if obj.contains("/FontFile") {
                r.embedded_fonts += 1;
            }
        }
        if obj.contains("/Type /Font ")
            && obj.contains("/Subtype /Type1")
            && !obj.contains("/FontDescriptor")
        {
            r.fonts += 1;
            r.problems.push("police standard non embarquée".into());
        }
    }
    if r.fonts == 0 {
        r.problems.push("aucune police".into());
    }
    if r.embedded_fonts < r.fonts {
        r.problems.push(format!(
            "{} police(s) sur {} non embarquée(s)",
            r.fonts - r.embedded_fonts,
            r.fonts
        ));
    }
    r
}
