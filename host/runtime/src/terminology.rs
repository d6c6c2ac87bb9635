//! Value sets in the IHE SVS format the ANS publishes (JDV_*, TRE_*), held
//! in memory and looked up by OID or by name (`JDV_J07_XdsTypeCode_CISIS`).

use crate::model::{Coded, Error};
use crate::services::Terminology;
use quick_xml::events::Event;
use std::collections::HashMap;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum ValueSetError {
    #[error("{file}: XML invalide: {message}")]
    Xml { file: String, message: String },
    #[error("{0}: aucun ValueSet dans le fichier")]
    Empty(String),
    #[error("entrée/sortie: {0}")]
    Io(#[from] std::io::Error),
}

#[derive(Debug, Clone, Default)]
pub struct ValueSet {
    pub oid: String,
    pub name: String,
    pub concepts: Vec<Coded>,
}

/// Value sets by OID, with a name index.
#[derive(Debug, Clone, Default)]
pub struct ValueSets {
    by_oid: HashMap<String, ValueSet>,
    names: HashMap<String, String>,
}

impl ValueSets {
    /// Parse one SVS document.
    pub fn parse(file: &str, xml: &[u8]) -> Result<ValueSet, ValueSetError> {
        let mut reader = quick_xml::Reader::from_reader(xml);
        let mut vs: Option<ValueSet> = None;
        let mut buf = Vec::new();
        let err = |e: &dyn std::fmt::Display| ValueSetError::Xml {
            file: file.to_string(),
            message: e.to_string(),
        };
        loop {
            match reader.read_event_into(&mut buf).map_err(|e| err(&e))? {
                Event::Start(e) | Event::Empty(e) => {
                    let attrs: HashMap<Vec<u8>, String> = e
                        .attributes()
                        .flatten()
                        .filter_map(|a| {
                            let v = a.decode_and_unescape_value(e.decoder()).ok()?.into_owned();
                            Some((a.key.local_name().as_ref().to_vec(), v))
                        })
                        .collect();
                    let get = |k: &str| attrs.get(k.as_bytes()).cloned();
                    match e.local_name().as_ref() {
                        b"ValueSet" => {
                            let display = get("displayName").unwrap_or_default();
                            vs = Some(ValueSet {
                                oid: get("id").unwrap_or_default(),
                                name: display.trim_end_matches(".tabs").to_string(),
                                concepts: vec![],
                            });
                        }
                        b"Concept" => {
                            if let Some(vs) = vs.as_mut() {
                                vs.concepts.push(Coded {
                                    code: get("code").unwrap_or_default(),
                                    code_system: get("codeSystem").unwrap_or_default(),
                                    code_system_name: get("codeSystemName"),
                                    display: get("displayName"),
                                });
                            }
                        }
                        _ => {}
                    }
                }
                Event::Eof => break,
                _ => {}
            }
            buf.clear();
        }
        vs.ok_or_else(|| ValueSetError::Empty(file.to_string()))
    }

    pub fn insert(&mut self, vs: ValueSet) {
        if !vs.name.is_empty() {
            self.names.insert(vs.name.clone(), vs.oid.clone());
        }
        self.by_oid.insert(vs.oid.clone(), vs);
    }

    /// Load every `*.xml` file of a folder; files that are not value sets
    /// are reported, not fatal.
    pub fn load_dir(dir: &Path) -> Result<(Self, Vec<ValueSetError>), ValueSetError> {
        let mut sets = Self::default();
        let mut skipped = Vec::new();
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            if path.extension().is_none_or(|e| e != "xml") {
                continue;
            }
            let name = path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .to_string();
            match Self::parse(&name, &std::fs::read(&path)?) {
                Ok(mut vs) => {
                    if vs.name.is_empty() {
                        vs.name = name.trim_end_matches(".xml").to_string();
                    }
                    // Also index by file name, the way people cite them.
                    sets.names
                        .insert(name.trim_end_matches(".xml").to_string(), vs.oid.clone());
                    sets.insert(vs);
                }
                Err(e) => skipped.push(e),
            }
        }
        Ok((sets, skipped))
    }

    pub fn get(&self, key: &str) -> Option<&ValueSet> {
        self.by_oid
            .get(key)
            .or_else(|| self.names.get(key).and_then(|oid| self.by_oid.get(oid)))
    }

    pub fn len(&self) -> usize {
        self.by_oid.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_oid.is_empty()
    }
}

impl Terminology for ValueSets {
    fn lookup(&self, value_set: &str, code: &str) -> Result<Option<Coded>, Error> {
        let vs = self
            .get(value_set)
            .ok_or_else(|| Error::NotFound(format!("jeu de valeurs inconnu: {value_set}")))?;
        Ok(vs.concepts.iter().find(|c| c.code == code).cloned())
    }

    fn expand(&self, value_set: &str) -> Result<Vec<Coded>, Error> {
        self.get(value_set)
            .map(|vs| vs.concepts.clone())
            .ok_or_else(|| Error::NotFound(format!("jeu de valeurs inconnu: {value_set}")))
    }
}
