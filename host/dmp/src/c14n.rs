//! Exclusive XML Canonicalization 1.0 without comments
//! (`http://www.w3.org/2001/10/xml-exc-c14n#`) of one element and its
//! descendants, the only canonicalization the DMP's VIHF and XAdES use.
//!
//! Why not a crate: the pure-Rust XML-DSig crates of today pull a second
//! major version of the workspace's curve and hash crates (ed25519-dalek
//! 3, sha2 0.11…) and the others bind libxmlsec1; the subset needed here
//! (an element subtree, no `InclusiveNamespaces`, no XPath) is small and
//! is checked against the official signed VIHFs and by `xmlsec1`.
//!
//! The rules applied: empty elements written as start–end pairs;
//! namespace declarations only where visibly used and not already in
//! force on the nearest output ancestor, sorted by prefix; attributes
//! sorted by namespace URI then local name; attribute values normalised
//! (literal white space → space) and escaped (`& < " \t \n \r`); text
//! with line ends normalised and `& < > \r` escaped; CDATA as text;
//! comments dropped. A DOCTYPE or an unknown entity is refused.

use quick_xml::events::{BytesStart, Event};
use std::collections::BTreeMap;

/// The XML-DSig namespace: its `Signature` child of the apex is left out
/// when the enveloped-signature transform applies.
pub const DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";

/// Deepest nesting read, against hostile input.
pub const PROFONDEUR_MAX: usize = 256;

/// Which element is canonicalized.
#[derive(Debug, Clone, Copy)]
pub enum Selection<'a> {
    /// The element whose `ID`, `Id` or `id` attribute has this value
    /// (a same-document reference `#value`).
    ParId(&'a str),
    /// The first element of this namespace and local name.
    Element { ns: &'a str, local: &'a str },
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ErreurC14n {
    #[error("XML illisible pour la canonicalisation : {0}")]
    Xml(String),
    #[error("élément à canonicaliser introuvable : {0}")]
    Introuvable(String),
    #[error("XML refusé : {0}")]
    Refuse(String),
}

/// One element's namespace context: prefix (`""` = default) → URI.
type Portee = BTreeMap<String, String>;

struct Ouvert {
    /// Declarations in force in the input at this element.
    portee: Portee,
    /// Declarations rendered in the output up to this element (exclusive
    /// c14n compares with the nearest output ancestor only).
    rendu: Portee,
    /// Whether this element is in the output.
    sortie: bool,
    /// Whether this element is the left-out `Signature`.
    exclu: bool,
}

/// The canonical form of the selected element; `sans_signature` applies
/// the enveloped-signature transform (the apex's `ds:Signature` child
/// left out).
pub fn canonicaliser(
    xml: &[u8],
    selection: Selection<'_>,
    sans_signature: bool,
) -> Result<Vec<u8>, ErreurC14n> {
    let mut lecteur = quick_xml::Reader::from_reader(xml);
    lecteur.config_mut().trim_text(false);
    let mut pile: Vec<Ouvert> = Vec::new();
    let mut sortie = Vec::with_capacity(xml.len());
    // depth (in `pile`) of the apex once found
    let mut apex: Option<usize> = None;
    let mut exclusion: Option<usize> = None;
    let mut tampon = Vec::new();
    loop {
        let ev = lecteur
            .read_event_into(&mut tampon)
            .map_err(|e| ErreurC14n::Xml(e.to_string()))?;
        let dans_sortie = apex.is_some() && exclusion.is_none();
        match ev {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let vide = matches!(ev, Event::Empty(_));
                if pile.len() >= PROFONDEUR_MAX {
                    return Err(ErreurC14n::Refuse(format!(
                        "imbrication de plus de {PROFONDEUR_MAX} éléments"
                    )));
                }
                let parent = pile.last();
                let mut portee = parent.map(|p| p.portee.clone()).unwrap_or_default();
                let attributs = attributs(e, &mut portee)?;
                let (prefixe, local) = separer(e.name().as_ref());
                let ns = portee.get(&prefixe).cloned().unwrap_or_default();
                let profondeur = pile.len();
                let devient_apex =
                    apex.is_none() && est_selection(selection, &ns, &local, &attributs);
                let exclu = dans_sortie
                    && sans_signature
                    && apex == Some(profondeur - 1)
                    && ns == DSIG
                    && local == "Signature";
                let ecrit = (dans_sortie && !exclu) || devient_apex;
                let mut rendu = parent.map(|p| p.rendu.clone()).unwrap_or_default();
                if devient_apex {
                    apex = Some(profondeur);
                    rendu = Portee::new();
                }
                if exclu {
                    exclusion = Some(profondeur);
                }
                if ecrit {
                    ecrire_debut(&mut sortie, e, &prefixe, &portee, &mut rendu, &attributs)?;
                }
                let ouvert = Ouvert {
                    portee,
                    rendu,
                    sortie: ecrit,
                    exclu,
                };
                if vide {
                    if ouvert.sortie {
                        ecrire_fin(&mut sortie, e.name().as_ref());
                    }
                    if apex == Some(profondeur) {
                        return Ok(sortie);
                    }
                    if exclusion == Some(profondeur) {
                        exclusion = None;
                    }
                } else {
                    pile.push(ouvert);
                }
            }
            Event::End(ref e) => {
                let Some(ouvert) = pile.pop() else {
                    return Err(ErreurC14n::Xml("balise fermante sans ouvrante".into()));
                };
                let profondeur = pile.len();
                if ouvert.sortie {
                    ecrire_fin(&mut sortie, e.name().as_ref());
                }
                if ouvert.exclu {
                    exclusion = None;
                }
                if apex == Some(profondeur) {
                    return Ok(sortie);
                }
            }
            Event::Text(ref t) if dans_sortie => {
                let brut = String::from_utf8_lossy(t.as_ref());
                texte(&mut sortie, &fins_de_ligne(&brut));
            }
            Event::CData(ref t) if dans_sortie => {
                texte(
                    &mut sortie,
                    &fins_de_ligne(&String::from_utf8_lossy(t.as_ref())),
                );
            }
            Event::GeneralRef(ref r) if dans_sortie => {
                let c = reference(r.as_ref())?;
                texte(&mut sortie, &c);
            }
            Event::PI(ref p) if dans_sortie => {
                sortie.extend_from_slice(b"<?");
                sortie.extend_from_slice(p.as_ref());
                sortie.extend_from_slice(b"?>");
            }
            Event::DocType(_) => {
                return Err(ErreurC14n::Refuse("DOCTYPE non accepté".into()));
            }
            Event::Eof => {
                return Err(ErreurC14n::Introuvable(match selection {
                    Selection::ParId(id) => format!("#{id}"),
                    Selection::Element { ns, local } => format!("{{{ns}}}{local}"),
                }));
            }
            _ => {}
        }
        tampon.clear();
    }
}

fn separer(nom: &[u8]) -> (String, String) {
    let nom = String::from_utf8_lossy(nom);
    match nom.split_once(':') {
        Some((p, l)) => (p.to_string(), l.to_string()),
        None => (String::new(), nom.to_string()),
    }
}

/// An attribute as read: its qualified name, prefix, local name and
/// normalised value. Namespace declarations go into `portee` instead.
struct Attribut {
    nom: String,
    prefixe: String,
    local: String,
    valeur: String,
}

fn attributs(e: &BytesStart<'_>, portee: &mut Portee) -> Result<Vec<Attribut>, ErreurC14n> {
    let mut v = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(|e| ErreurC14n::Xml(e.to_string()))?;
        let nom = String::from_utf8_lossy(a.key.as_ref()).into_owned();
        let valeur = valeur_attribut(&a.value)?;
        if nom == "xmlns" {
            portee.insert(String::new(), valeur);
        } else if let Some(p) = nom.strip_prefix("xmlns:") {
            portee.insert(p.to_string(), valeur);
        } else {
            let (prefixe, local) = separer(nom.as_bytes());
            v.push(Attribut {
                nom,
                prefixe,
                local,
                valeur,
            });
        }
    }
    Ok(v)
}

/// Attribute-value normalisation (XML 1.0 §3.3.3): literal white space
/// becomes a space, then references are replaced.
fn valeur_attribut(brut: &[u8]) -> Result<String, ErreurC14n> {
    let brut = String::from_utf8_lossy(brut).replace("\r\n", " ");
    let brut: String = brut
        .chars()
        .map(|c| {
            if matches!(c, '\t' | '\n' | '\r') {
                ' '
            } else {
                c
            }
        })
        .collect();
    let mut v = String::with_capacity(brut.len());
    let mut reste = brut.as_str();
    while let Some(i) = reste.find('&') {
        v.push_str(&reste[..i]);
        let Some(j) = reste[i..].find(';') else {
            return Err(ErreurC14n::Xml("référence non terminée".into()));
        };
        v.push_str(&reference(reste[i + 1..i + j].as_bytes())?);
        reste = &reste[i + j + 1..];
    }
    v.push_str(reste);
    Ok(v)
}

/// The character of an entity or character reference (its name without
/// `&` and `;`); only the predefined entities exist without a DTD.
fn reference(nom: &[u8]) -> Result<String, ErreurC14n> {
    let nom = String::from_utf8_lossy(nom);
    let c = match nom.as_ref() {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        n => {
            let code = if let Some(h) = n.strip_prefix("#x") {
                u32::from_str_radix(h, 16).ok()
            } else if let Some(d) = n.strip_prefix('#') {
                d.parse().ok()
            } else {
                return Err(ErreurC14n::Refuse(format!("entité inconnue &{n};")));
            };
            code.and_then(char::from_u32)
                .ok_or_else(|| ErreurC14n::Xml(format!("référence de caractère invalide &{n};")))?
        }
    };
    Ok(c.to_string())
}

fn fins_de_ligne(s: &str) -> String {
    s.replace("\r\n", "\n").replace('\r', "\n")
}

/// Text content: the reader hands references apart (`GeneralRef`), so
/// `s` holds literal characters only.
fn texte(sortie: &mut Vec<u8>, s: &str) {
    for c in s.chars() {
        match c {
            '&' => sortie.extend_from_slice(b"&amp;"),
            '<' => sortie.extend_from_slice(b"&lt;"),
            '>' => sortie.extend_from_slice(b"&gt;"),
            '\r' => sortie.extend_from_slice(b"&#xD;"),
            c => {
                let mut b = [0; 4];
                sortie.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
            }
        }
    }
}

fn valeur(sortie: &mut Vec<u8>, s: &str) {
    for c in s.chars() {
        match c {
            '&' => sortie.extend_from_slice(b"&amp;"),
            '<' => sortie.extend_from_slice(b"&lt;"),
            '"' => sortie.extend_from_slice(b"&quot;"),
            '\t' => sortie.extend_from_slice(b"&#x9;"),
            '\n' => sortie.extend_from_slice(b"&#xA;"),
            '\r' => sortie.extend_from_slice(b"&#xD;"),
            c => {
                let mut b = [0; 4];
                sortie.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
            }
        }
    }
}

fn est_selection(selection: Selection<'_>, ns: &str, local: &str, attributs: &[Attribut]) -> bool {
    match selection {
        Selection::ParId(id) => attributs.iter().any(|a| {
            a.prefixe.is_empty() && matches!(a.local.as_str(), "ID" | "Id" | "id") && a.valeur == id
        }),
        Selection::Element { ns: n, local: l } => ns == n && local == l,
    }
}

fn ecrire_debut(
    sortie: &mut Vec<u8>,
    e: &BytesStart<'_>,
    prefixe: &str,
    portee: &Portee,
    rendu: &mut Portee,
    attributs: &[Attribut],
) -> Result<(), ErreurC14n> {
    // Visibly utilised prefixes: the element's own (default included) and
    // its prefixed attributes' (`xml` is never declared).
    let mut utilises: Vec<&str> = vec![prefixe];
    utilises.extend(
        attributs
            .iter()
            .filter(|a| !a.prefixe.is_empty() && a.prefixe != "xml")
            .map(|a| a.prefixe.as_str()),
    );
    let mut declarations: BTreeMap<&str, &str> = BTreeMap::new();
    for p in utilises {
        let uri = match portee.get(p) {
            Some(u) => u.as_str(),
            None if p.is_empty() => "",
            None => return Err(ErreurC14n::Xml(format!("préfixe non déclaré : {p}"))),
        };
        let deja = rendu.get(p).map(String::as_str).unwrap_or("");
        let a_rendre = if p.is_empty() {
            deja != uri
        } else {
            rendu.get(p).map(String::as_str) != Some(uri)
        };
        if a_rendre {
            declarations.insert(p, uri);
        }
    }
    sortie.push(b'<');
    sortie.extend_from_slice(e.name().as_ref());
    for (p, uri) in &declarations {
        if p.is_empty() {
            sortie.extend_from_slice(b" xmlns=\"");
        } else {
            sortie.extend_from_slice(b" xmlns:");
            sortie.extend_from_slice(p.as_bytes());
            sortie.extend_from_slice(b"=\"");
        }
        valeur(sortie, uri);
        sortie.push(b'"');
        rendu.insert(p.to_string(), uri.to_string());
    }
    let mut tries: Vec<(&str, &str, &Attribut)> = attributs
        .iter()
        .map(|a| {
            let uri = if a.prefixe.is_empty() {
                ""
            } else if a.prefixe == "xml" {
                "http://www.w3.org/XML/1998/namespace"
            } else {
                portee.get(&a.prefixe).map(String::as_str).unwrap_or("")
            };
            (uri, a.local.as_str(), a)
        })
        .collect();
    tries.sort_by(|x, y| (x.0, x.1).cmp(&(y.0, y.1)));
    for (_, _, a) in tries {
        sortie.push(b' ');
        sortie.extend_from_slice(a.nom.as_bytes());
        sortie.extend_from_slice(b"=\"");
        valeur(sortie, &a.valeur);
        sortie.push(b'"');
    }
    sortie.push(b'>');
    Ok(())
}

fn ecrire_fin(sortie: &mut Vec<u8>, nom: &[u8]) {
    sortie.extend_from_slice(b"</");
    sortie.extend_from_slice(nom);
    sortie.push(b'>');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c14n(xml: &str, sel: Selection<'_>) -> String {
        String::from_utf8(canonicaliser(xml.as_bytes(), sel, true).unwrap()).unwrap()
    }

    #[test]
    fn namespaces_are_declared_where_used_and_attributes_sorted() {
        let xml = r#"<r xmlns:a="urn:a" xmlns:b="urn:b" xmlns="urn:d"><e ID="x" b:z="1" a:y="2" c="3"/><f/></r>"#;
        assert_eq!(
            c14n(xml, Selection::ParId("x")),
            r#"<e xmlns="urn:d" xmlns:a="urn:a" xmlns:b="urn:b" ID="x" c="3" a:y="2" b:z="1"></e>"#
        );
    }

    #[test]
    fn the_enveloped_signature_is_left_out_and_text_escaped() {
        let xml = "<s:A xmlns:s=\"urn:s\" ID=\"i\"><s:B>a &amp; b &gt; c\r\nd</s:B><Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\"><X/></Signature></s:A>";
        assert_eq!(
            c14n(xml, Selection::ParId("i")),
            "<s:A xmlns:s=\"urn:s\" ID=\"i\"><s:B>a &amp; b &gt; c\nd</s:B></s:A>"
        );
    }

    #[test]
    fn a_doctype_and_unknown_entities_are_refused() {
        let xml = "<!DOCTYPE a [<!ENTITY x \"y\">]><a ID=\"i\">&x;</a>";
        assert!(matches!(
            canonicaliser(xml.as_bytes(), Selection::ParId("i"), true),
            Err(ErreurC14n::Refuse(_))
        ));
        assert!(matches!(
            canonicaliser(b"<a ID=\"i\">&x;</a>", Selection::ParId("i"), true),
            Err(ErreurC14n::Refuse(_))
        ));
    }
}
