//! A read XML message as a small tree of namespace-resolved elements: the
//! INSi messages are a few hundred bytes, and the recorded answers do not
//! always keep the XSD's element order, so reading by name beats a
//! streaming state machine.

use crate::{InsiError, Result};
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

#[derive(Debug, Default, Clone)]
pub(crate) struct Element {
    pub ns: String,
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<Element>,
}

impl Element {
    /// First child with this local name (any namespace).
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    pub fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// Trimmed text of a child, if present and not empty.
    pub fn text_of(&self, name: &str) -> Option<String> {
        self.child(name)
            .map(|c| c.text.trim().to_string())
            .filter(|t| !t.is_empty())
    }

    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Depth-first search for an element by namespace and local name.
    pub fn find(&self, ns: &str, name: &str) -> Option<&Element> {
        if self.ns == ns && self.name == name {
            return Some(self);
        }
        self.children.iter().find_map(|c| c.find(ns, name))
    }
}

/// Largest INSi message read: the answers are a few kilobytes (an
/// identity and its INS history).
pub const TAILLE_MAX: usize = 256 * 1024;
/// Deepest element nesting read: the answers nest about ten deep; a deeper
/// message could exhaust the stack of the code that walks or drops it.
pub const PROFONDEUR_MAX: usize = 64;

/// Parse a whole document into its root element, within [`TAILLE_MAX`]
/// and [`PROFONDEUR_MAX`].
pub(crate) fn parse(xml: &str) -> Result<Element> {
    if xml.len() > TAILLE_MAX {
        return Err(InsiError::Limite(format!(
            "{} octets, {TAILLE_MAX} au plus",
            xml.len()
        )));
    }
    let mut reader = NsReader::from_str(xml);
    let mut stack: Vec<Element> = vec![Element::default()];
    loop {
        let (ns, event) = reader.read_resolved_event()?;
        let ns = match ns {
            ResolveResult::Bound(n) => String::from_utf8_lossy(n.as_ref()).into_owned(),
            _ => String::new(),
        };
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(event, Event::Empty(_));
                let mut el = Element {
                    ns,
                    name: String::from_utf8_lossy(e.local_name().as_ref()).into_owned(),
                    ..Default::default()
                };
                for a in e.attributes() {
                    let a = a.map_err(|e| InsiError::Xml(e.to_string()))?;
                    let value = a
                        .decode_and_unescape_value(e.decoder())
                        .map_err(|e| InsiError::Xml(e.to_string()))?
                        .into_owned();
                    let key = String::from_utf8_lossy(a.key.local_name().as_ref()).into_owned();
                    el.attrs.push((key, value));
                }
                if empty {
                    push_child(&mut stack, el)?;
                } else {
                    // The stack holds the document node too.
                    if stack.len() > PROFONDEUR_MAX {
                        return Err(InsiError::Limite(format!(
                            "éléments imbriqués sur plus de {PROFONDEUR_MAX} niveaux"
                        )));
                    }
                    stack.push(el);
                }
            }
            Event::End(_) => {
                let done = stack.pop().ok_or(InsiError::Missing("élément ouvrant"))?;
                push_child(&mut stack, done)?;
            }
            Event::Text(t) => {
                // Entity references come as their own events (below).
                let text = t.decode().map_err(|e| InsiError::Xml(e.to_string()))?;
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&text);
                }
            }
            Event::GeneralRef(r) => {
                // Character and predefined entity references in text.
                let name = r.decode().map_err(|e| InsiError::Xml(e.to_string()))?;
                let resolved = quick_xml::escape::unescape(&format!("&{name};"))
                    .map_err(|e| InsiError::Xml(e.to_string()))?
                    .into_owned();
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&resolved);
                }
            }
            Event::CData(c) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&String::from_utf8_lossy(&c));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let mut root = stack.pop().ok_or(InsiError::Missing("racine"))?;
    if !stack.is_empty() {
        return Err(InsiError::Xml("document tronqué".into()));
    }
    root.children
        .pop()
        .filter(|_| root.children.is_empty())
        .ok_or(InsiError::Missing("élément racine unique"))
}

fn push_child(stack: &mut [Element], el: Element) -> Result<()> {
    stack
        .last_mut()
        .ok_or(InsiError::Xml("élément fermant en trop".into()))?
        .children
        .push(el);
    Ok(())
}
