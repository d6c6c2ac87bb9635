//! The narrative of a received document's sections, as text, in one
//! pass over the whole document (which also tells its level, N1 or N3).

use crate::{Code, ErreurCda, PROFONDEUR_MAX, illisible, texte_de_reference};
use quick_xml::events::Event;
use serde::Serialize;

/// One section of the body: its title, its code, its narrative as text
/// (table rows on lines, cells separated by « | », list items by « • »).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Section {
    pub titre: String,
    pub code: Option<Code>,
    pub texte: String,
    /// 0 for a section of the body, 1 for a section inside it, …
    pub niveau: usize,
}

/// A section being read.
struct EnCours {
    index: usize,
    /// Depth of the `section` element.
    profondeur: usize,
    /// Depth of its `text` element while inside it.
    dans_texte: Option<usize>,
    dans_titre: bool,
}

/// One pass over the whole document: its level, and its sections.
pub(crate) fn sections(cda: &[u8]) -> Result<(String, Vec<Section>), ErreurCda> {
    let mut reader = quick_xml::Reader::from_reader(cda);
    let mut buf = Vec::new();
    let mut pile: Vec<Vec<u8>> = Vec::new();
    let mut sections: Vec<Section> = Vec::new();
    let mut ouvertes: Vec<EnCours> = Vec::new();
    let mut niveau = String::new();
    loop {
        let ev = reader
            .read_event_into(&mut buf)
            .map_err(|e| illisible(format!("XML invalide : {e}")))?;
        match ev {
            Event::DocType(_) => {
                return Err(illisible(
                    "déclaration DOCTYPE refusée (un document CDA n'en porte pas)",
                ));
            }
            Event::Start(e) => {
                let nom = e.local_name().as_ref().to_vec();
                if pile.is_empty() && nom != b"ClinicalDocument" {
                    return Err(illisible("l'élément racine n'est pas ClinicalDocument"));
                }
                if pile.len() >= PROFONDEUR_MAX {
                    return Err(illisible(format!(
                        "document imbriqué sur plus de {PROFONDEUR_MAX} niveaux : refusé"
                    )));
                }
                match nom.as_slice() {
                    b"structuredBody" => niveau = "N3".into(),
                    b"nonXMLBody" => niveau = "N1".into(),
                    _ => {}
                }
                let profondeur = pile.len();
                if nom == b"section" {
                    sections.push(Section {
                        niveau: ouvertes.len(),
                        ..Section::default()
                    });
                    ouvertes.push(EnCours {
                        index: sections.len() - 1,
                        profondeur,
                        dans_texte: None,
                        dans_titre: false,
                    });
                } else if let Some(o) = ouvertes.last_mut() {
                    // children of the section itself
                    if profondeur == o.profondeur + 1 {
                        match nom.as_slice() {
                            b"title" => o.dans_titre = true,
                            b"text" => o.dans_texte = Some(profondeur),
                            _ => {}
                        }
                    }
                    if o.dans_texte.is_some() && nom == b"item" {
                        sections[o.index].texte.push_str("• ");
                    }
                }
                pile.push(nom);
            }
            Event::Empty(e) => {
                if let Some(o) = ouvertes.last_mut() {
                    let nom = e.local_name();
                    if pile.len() == o.profondeur + 1 && nom.as_ref() == b"code" {
                        let a = |k: &str| {
                            e.try_get_attribute(k)
                                .ok()
                                .flatten()
                                .and_then(|v| v.decode_and_unescape_value(e.decoder()).ok())
                                .map(|v| v.into_owned())
                                .unwrap_or_default()
                        };
                        sections[o.index].code = Some(Code {
                            code: a("code"),
                            scheme: a("codeSystem"),
                            display: a("displayName"),
                        });
                    } else if o.dans_texte.is_some() && nom.as_ref() == b"br" {
                        sections[o.index].texte.push('\n');
                    }
                }
            }
            Event::Text(t) => {
                let texte = t
                    .decode()
                    .map_err(|e| illisible(format!("texte illisible : {e}")))?;
                ajouter(&mut sections, &ouvertes, &texte);
            }
            Event::CData(t) => {
                let texte = String::from_utf8_lossy(&t).into_owned();
                ajouter(&mut sections, &ouvertes, &texte);
            }
            Event::GeneralRef(r) => {
                if let Some(c) = texte_de_reference(&r) {
                    ajouter(&mut sections, &ouvertes, &c);
                }
            }
            Event::End(e) => {
                let nom = e.local_name().as_ref().to_vec();
                pile.pop();
                let profondeur = pile.len();
                if nom == b"section" {
                    if let Some(o) = ouvertes.pop() {
                        let s = &mut sections[o.index];
                        s.texte = nettoyer(&s.texte);
                        s.titre = s.titre.split_whitespace().collect::<Vec<_>>().join(" ");
                    }
                } else if let Some(o) = ouvertes.last_mut() {
                    let texte = &mut sections[o.index].texte;
                    match nom.as_slice() {
                        b"title" if profondeur == o.profondeur + 1 => o.dans_titre = false,
                        b"text" if o.dans_texte == Some(profondeur) => o.dans_texte = None,
                        _ if o.dans_texte.is_none() => {}
                        b"td" | b"th" => texte.push_str(" | "),
                        b"tr" | b"item" | b"paragraph" | b"caption" => texte.push('\n'),
                        _ => {}
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if !pile.is_empty() {
        return Err(illisible(
            "document tronqué : des éléments ne sont pas fermés",
        ));
    }
    if niveau.is_empty() {
        return Err(illisible(
            "document sans corps (ni structuredBody ni nonXMLBody)",
        ));
    }
    Ok((niveau, sections))
}

/// Text read inside the innermost open section: to its title or its
/// narrative.
fn ajouter(sections: &mut [Section], ouvertes: &[EnCours], texte: &str) {
    if let Some(o) = ouvertes.last() {
        if o.dans_titre {
            sections[o.index].titre.push_str(texte);
        } else if o.dans_texte.is_some() {
            // the source's line breaks are layout: only the narrative's
            // structure (rows, items, paragraphs, br) breaks lines
            sections[o.index].texte.extend(
                texte
                    .chars()
                    .map(|c| if c.is_whitespace() { ' ' } else { c }),
            );
        }
    }
}

/// The narrative as lines: spaces collapsed within a line, cell
/// separators trimmed, empty lines dropped.
fn nettoyer(brut: &str) -> String {
    brut.lines()
        .map(|l| {
            let l = l.split_whitespace().collect::<Vec<_>>().join(" ");
            l.trim_end_matches(" |")
                .trim_end_matches('|')
                .trim()
                .to_string()
        })
        .filter(|l| !l.is_empty() && l != "•")
        .collect::<Vec<_>>()
        .join("\n")
}
