//! A received CDA R2 document of any volet, read without trusting it: its
//! header, the PDF it carries, the narrative of each section as text (for
//! showing it, SC.CDA/VISU) and the typed content of its N3 entries
//! (problems, allergies, treatments, vaccinations, measures, lab results)
//! for integrating it into the record (LGC.MDV.05).
//!
//! One reader for the host (the generic reader of a type no plugin knows,
//! the XDS metadata) and for the document plugins (their `read` export,
//! through the SDK): plain Rust on quick-xml, no I/O. Bounded in size and
//! depth; a DOCTYPE (where entity tricks live) is refused.

mod arbre;
mod corps;
pub mod entete;
pub mod entrees;

pub use corps::Section;
pub use entete::{CdaHeader, PROFONDEUR_EN_TETE_MAX, embedded_pdf, read_header};
pub use entrees::Contenu;

use serde::Serialize;

/// Largest document read (a report with its PDF and images is a few
/// megabytes; the DMP accepts 20 Mio per document).
pub const TAILLE_MAX: usize = 64 * 1024 * 1024;
/// Deepest element read (the official examples nest about 20 levels).
pub const PROFONDEUR_MAX: usize = 256;

/// Why a document is not read, in French for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ErreurCda {
    #[error("document CDA illisible: {0}")]
    Illisible(String),
    #[error("en-tête CDA incomplet: {0} manquant")]
    Manquant(&'static str),
}

pub(crate) fn illisible(m: impl Into<String>) -> ErreurCda {
    ErreurCda::Illisible(m.into())
}

/// A coded value: code, coding scheme (OID), display name.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Code {
    pub code: String,
    pub scheme: String,
    pub display: String,
}

impl Code {
    pub fn new(code: &str, scheme: &str, display: &str) -> Self {
        Self {
            code: code.into(),
            scheme: scheme.into(),
            display: display.into(),
        }
    }
}

/// What a received document is, read.
#[derive(Debug, Clone, Serialize)]
pub struct DocumentRecu {
    pub entete: CdaHeader,
    /// N1 (`nonXMLBody`) or N3 (`structuredBody`).
    pub niveau: String,
    /// The PDF it carries (N1 body or FR-Document-PDF-copie), if any.
    #[serde(skip)]
    pub pdf: Option<Vec<u8>>,
    pub taille_pdf: Option<usize>,
    pub sections: Vec<Section>,
    /// The typed content of the N3 entries (empty for N1).
    pub contenu: Contenu,
    /// What was odd but did not stop the reading (an INS with a wrong
    /// key, a PDF that does not decode).
    pub avertissements: Vec<String>,
}

/// The `ClinicalDocument` of a received file: the file itself, or the
/// one an « auto-présentable » report wraps (an XSLT stylesheet carrying
/// the CDA as data, e.g. `xsl:stylesheet/data:Contenu/c:ClinicalDocument`,
/// which the ANS kit gives for CR-BIO). Found by its local name within the
/// first levels; the file as it is when there is none (the header reader
/// then says what is wrong). The readers go by local names, so the
/// wrapper's namespace prefix needs no declaration.
pub fn document_clinique(xml: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    use quick_xml::events::Event;
    /// How deep a wrapper may hold the document.
    const ENVELOPPE_MAX: usize = 8;
    let mut r = quick_xml::Reader::from_reader(xml);
    let mut profondeur = 0usize;
    let mut debut = None;
    loop {
        let avant = r.buffer_position() as usize;
        match r.read_event() {
            Ok(Event::Start(e)) => {
                if debut.is_none() && e.local_name().as_ref() == b"ClinicalDocument" {
                    if profondeur == 0 {
                        return xml.into();
                    }
                    debut = Some((avant, profondeur));
                } else if debut.is_none() && profondeur >= ENVELOPPE_MAX {
                    return xml.into();
                }
                profondeur += 1;
            }
            Ok(Event::End(_)) => {
                profondeur = profondeur.saturating_sub(1);
                if let Some((d, p)) = debut
                    && profondeur == p
                {
                    let fin = r.buffer_position() as usize;
                    return xml.get(d..fin).map_or(xml.into(), Into::into);
                }
            }
            // a DOCTYPE stays with the document, to be refused
            Ok(Event::Eof | Event::DocType(_)) | Err(_) => return xml.into(),
            Ok(_) => {}
        }
    }
}

/// Reads a received CDA R2 document (or the one an auto-presentable
/// report wraps).
pub fn lire(cda: &[u8]) -> Result<DocumentRecu, ErreurCda> {
    if cda.len() > TAILLE_MAX {
        return Err(illisible(format!(
            "document de {} Mio, {} Mio au plus : refusé",
            cda.len() / (1024 * 1024),
            TAILLE_MAX / (1024 * 1024)
        )));
    }
    let cda = &*document_clinique(cda);
    let (niveau, sections) = corps::sections(cda)?;
    let entete = read_header(cda)?;
    let contenu = if niveau == "N3" {
        entrees::lire(cda)?
    } else {
        Contenu::default()
    };
    let mut avertissements = Vec::new();
    for (oid, numero) in &entete.patient_ids {
        if esculape_identifiants::est_oid_ins(oid) && !esculape_identifiants::ins_cle_juste(numero)
        {
            avertissements.push(format!(
                "INS {numero} : clé de contrôle fausse (identité à vérifier)"
            ));
        }
    }
    let pdf = embedded_pdf(cda);
    if pdf.is_none() && niveau == "N1" {
        avertissements.push("corps N1 sans PDF lisible".into());
    }
    if let Some(p) = &pdf
        && !p.starts_with(b"%PDF")
    {
        avertissements.push("le document joint ne commence pas comme un PDF".into());
    }
    Ok(DocumentRecu {
        entete,
        niveau,
        taille_pdf: pdf.as_ref().map(Vec::len),
        pdf,
        sections,
        contenu,
        avertissements,
    })
}

/// An HL7 date (`AAAAMMJJ…`) as people read it (`JJ/MM/AAAA`); as
/// written when it is not one.
pub fn jour_lisible(ts: &str) -> String {
    match (ts.get(0..4), ts.get(4..6), ts.get(6..8)) {
        (Some(a), Some(m), Some(j)) if ts[..8].bytes().all(|b| b.is_ascii_digit()) => {
            format!("{j}/{m}/{a}")
        }
        _ => ts.to_string(),
    }
}

/// The text of a reference in text: a character reference or one of
/// XML's five entities; any other (declared in a DOCTYPE) is dropped.
pub(crate) fn texte_de_reference(r: &quick_xml::events::BytesRef) -> Option<String> {
    if let Ok(Some(c)) = r.resolve_char_ref() {
        return Some(c.to_string());
    }
    let c = match r.as_ref() {
        b"amp" => "&",
        b"lt" => "<",
        b"gt" => ">",
        b"quot" => "\"",
        b"apos" => "'",
        _ => return None,
    };
    Some(c.into())
}
