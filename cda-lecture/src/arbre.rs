//! The structured body as a small tree of elements (local names,
//! attributes, text), for reading entries by their relations (an
//! allergy's agent, a result's reference range, a concern's status). Only
//! `structuredBody` is kept, and no base64 payload: the tree stays small
//! even for a document with images.

use crate::{ErreurCda, PROFONDEUR_MAX, illisible, texte_de_reference};
use quick_xml::events::{BytesStart, Event};
use std::collections::HashMap;

/// Most elements kept from one body (the richest official example has
/// about 20 000): past this, the document is refused rather than eat the
/// memory.
pub const ELEMENTS_MAX: usize = 1_000_000;

pub(crate) struct Element {
    pub nom: String,
    pub attrs: Vec<(String, String)>,
    pub parent: Option<usize>,
    pub enfants: Vec<usize>,
    /// Its own text (not its children's).
    pub texte: String,
}

pub(crate) struct Arbre {
    pub elements: Vec<Element>,
    /// Narrative elements by their `ID` (what `reference value="#…"` points to).
    ids: HashMap<String, usize>,
}

fn attrs_de(e: &BytesStart) -> Vec<(String, String)> {
    e.attributes()
        .flatten()
        .filter_map(|a| {
            Some((
                String::from_utf8_lossy(a.key.local_name().as_ref()).into_owned(),
                a.decode_and_unescape_value(e.decoder()).ok()?.into_owned(),
            ))
        })
        .collect()
}

impl Arbre {
    /// The tree of the document's `structuredBody` (empty for an N1).
    pub fn du_corps(cda: &[u8]) -> Result<Arbre, ErreurCda> {
        let mut reader = quick_xml::Reader::from_reader(cda);
        let mut buf = Vec::new();
        let mut arbre = Arbre {
            elements: Vec::new(),
            ids: HashMap::new(),
        };
        // depth of the document while outside the body; the open
        // elements of the tree inside it
        let mut profondeur = 0usize;
        let mut ouverts: Vec<usize> = Vec::new();
        // inside a base64 payload (depth in `ouverts` where it started)
        let mut b64: Option<usize> = None;
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
                    if profondeur + ouverts.len() >= PROFONDEUR_MAX {
                        return Err(illisible(format!(
                            "document imbriqué sur plus de {PROFONDEUR_MAX} niveaux : refusé"
                        )));
                    }
                    if ouverts.is_empty() && e.local_name().as_ref() != b"structuredBody" {
                        profondeur += 1;
                    } else {
                        let i = arbre.ajouter(&e, ouverts.last().copied())?;
                        if b64.is_none() && arbre.attr(i, "representation") == Some("B64") {
                            b64 = Some(ouverts.len());
                        }
                        ouverts.push(i);
                    }
                }
                Event::Empty(e) if !ouverts.is_empty() => {
                    arbre.ajouter(&e, ouverts.last().copied())?;
                }
                Event::Text(t) if b64.is_none() => {
                    if let Some(&i) = ouverts.last() {
                        let t = t
                            .decode()
                            .map_err(|e| illisible(format!("texte illisible : {e}")))?;
                        arbre.elements[i].texte.push_str(&t);
                    }
                }
                Event::CData(t) if b64.is_none() => {
                    if let Some(&i) = ouverts.last() {
                        arbre.elements[i]
                            .texte
                            .push_str(&String::from_utf8_lossy(&t));
                    }
                }
                Event::GeneralRef(r) if b64.is_none() => {
                    if let (Some(&i), Some(c)) = (ouverts.last(), texte_de_reference(&r)) {
                        arbre.elements[i].texte.push_str(&c);
                    }
                }
                Event::End(_) => {
                    if ouverts.pop().is_some() {
                        if b64.is_some_and(|d| ouverts.len() <= d) {
                            b64 = None;
                        }
                    } else {
                        profondeur = profondeur.saturating_sub(1);
                    }
                }
                Event::Eof => break,
                _ => {}
            }
            buf.clear();
        }
        Ok(arbre)
    }

    fn ajouter(&mut self, e: &BytesStart, parent: Option<usize>) -> Result<usize, ErreurCda> {
        if self.elements.len() >= ELEMENTS_MAX {
            return Err(illisible(format!(
                "plus de {ELEMENTS_MAX} éléments dans le corps : refusé"
            )));
        }
        let i = self.elements.len();
        let attrs = attrs_de(e);
        if let Some((_, id)) = attrs.iter().find(|(k, _)| k == "ID") {
            self.ids.insert(id.clone(), i);
        }
        self.elements.push(Element {
            nom: String::from_utf8_lossy(e.local_name().as_ref()).into_owned(),
            attrs,
            parent,
            enfants: Vec::new(),
            texte: String::new(),
        });
        if let Some(p) = parent {
            self.elements[p].enfants.push(i);
        }
        Ok(i)
    }

    pub fn nom(&self, i: usize) -> &str {
        &self.elements[i].nom
    }

    pub fn attr(&self, i: usize, k: &str) -> Option<&str> {
        self.elements[i]
            .attrs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.trim().is_empty())
    }

    pub fn enfants<'a>(&'a self, i: usize, nom: &'a str) -> impl Iterator<Item = usize> + 'a {
        self.elements[i]
            .enfants
            .iter()
            .copied()
            .filter(move |&c| self.elements[c].nom == nom)
    }

    pub fn enfant(&self, i: usize, nom: &str) -> Option<usize> {
        self.enfants(i, nom).next()
    }

    /// The first element down this path of child names.
    pub fn chemin(&self, i: usize, noms: &[&str]) -> Option<usize> {
        noms.iter().try_fold(i, |i, n| self.enfant(i, n))
    }

    /// Whether one of its `templateId` children has this root.
    pub fn a_modele(&self, i: usize, racine: &str) -> bool {
        self.enfants(i, "templateId")
            .any(|t| self.attr(t, "root") == Some(racine))
    }

    pub fn ancetres(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        std::iter::successors(self.elements[i].parent, |&p| self.elements[p].parent)
    }

    /// All its text, its children's included, spaces collapsed.
    pub fn texte(&self, i: usize) -> String {
        let mut brut = String::new();
        let mut pile = vec![i];
        while let Some(j) = pile.pop() {
            brut.push_str(&self.elements[j].texte);
            brut.push(' ');
            pile.extend(self.elements[j].enfants.iter().rev());
        }
        brut.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// The text an element stands for: the narrative its `reference`
    /// points to, else its own text.
    pub fn texte_designe(&self, i: usize) -> Option<String> {
        let renvoi = self
            .enfant(i, "reference")
            .and_then(|r| self.attr(r, "value"))
            .and_then(|v| v.strip_prefix('#'))
            .and_then(|id| self.ids.get(id))
            .map(|&n| self.texte(n))
            .filter(|t| !t.is_empty());
        renvoi.or_else(|| Some(self.texte(i)).filter(|t| !t.is_empty()))
    }

    /// Every element, in document order.
    pub fn tous(&self) -> std::ops::Range<usize> {
        0..self.elements.len()
    }
}
