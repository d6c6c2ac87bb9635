//! The CDA R2 header, as the XDS metadata and the reader of received
//! documents need it. Read by path, in one
//! pass that stops at the body (an N1 body is megabytes of base64).

use crate::{Code, ErreurCda, illisible, texte_de_reference};
use quick_xml::events::{BytesStart, Event};
use std::collections::HashMap;

/// One element of the header: its path from ClinicalDocument (local
/// names), attributes and text.
struct Node {
    path: String,
    attrs: HashMap<String, String>,
    text: String,
}

/// What the metadata draws from a CDA header.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct CdaHeader {
    /// (root, extension).
    pub id: (String, Option<String>),
    pub set_id: Option<String>,
    pub version: Option<u32>,
    pub code: Code,
    pub title: String,
    pub effective_time: String,
    pub confidentiality: Code,
    pub language: String,
    pub template_ids: Vec<String>,
    /// (root, extension) of every patientRole/id.
    pub patient_ids: Vec<(String, String)>,
    pub birth_name: String,
    pub first_birth_first_name: String,
    pub birth_first_names: String,
    pub used_name: Option<String>,
    pub used_first_name: Option<String>,
    pub sex: String,
    pub birth_time: String,
    pub birth_place: Option<String>,
    /// (id, family, given) of the first author.
    pub author: (String, String, String),
    pub author_specialty: Code,
    /// (id, name) of the author's organisation.
    pub organization: (String, String),
    pub legal_authenticator: Option<(String, String, String)>,
    pub event_codes: Vec<Code>,
    pub service_start: Option<String>,
    pub service_stop: Option<String>,
    pub facility_type: Code,
    pub practice_setting: Code,
}

fn attrs_of(e: &BytesStart) -> HashMap<String, String> {
    e.attributes()
        .flatten()
        .filter_map(|a| {
            let v = a.decode_and_unescape_value(e.decoder()).ok()?.into_owned();
            Some((
                String::from_utf8_lossy(a.key.local_name().as_ref()).to_string(),
                v,
            ))
        })
        .collect()
}

/// Deepest element of a CDA header read: a header is a dozen levels
/// deep; past this, a hostile document (thousands of unclosed elements)
/// would make every node's path cost as much as the whole depth.
pub const PROFONDEUR_EN_TETE_MAX: usize = 64;

fn nodes(cda: &[u8]) -> Result<Vec<Node>, ErreurCda> {
    let mut reader = quick_xml::Reader::from_reader(cda);
    let mut buf = Vec::new();
    let mut stack: Vec<String> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    let mut out: Vec<Node> = Vec::new();
    loop {
        let ev = reader
            .read_event_into(&mut buf)
            .map_err(|e| illisible(e.to_string()))?;
        match ev {
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).to_string();
                // The body starts at ClinicalDocument/component: the
                // header is complete.
                if stack.len() == 1 && name == "component" {
                    break;
                }
                if stack.len() >= PROFONDEUR_EN_TETE_MAX {
                    return Err(illisible(format!(
                        "en-tête imbriqué sur plus de {PROFONDEUR_EN_TETE_MAX} niveaux: document refusé"
                    )));
                }
                stack.push(name);
                out.push(Node {
                    path: stack.join("/"),
                    attrs: attrs_of(&e),
                    text: String::new(),
                });
                open.push(out.len() - 1);
            }
            Event::Empty(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).to_string();
                out.push(Node {
                    path: format!("{}/{name}", stack.join("/")),
                    attrs: attrs_of(&e),
                    text: String::new(),
                });
            }
            Event::Text(t) => {
                if let Some(&i) = open.last() {
                    let text = t.decode().map_err(|e| illisible(e.to_string()))?;
                    out[i].text.push_str(&text);
                }
            }
            Event::GeneralRef(r) => {
                if let Some(&i) = open.last()
                    && let Some(c) = texte_de_reference(&r)
                {
                    out[i].text.push_str(&c);
                }
            }
            Event::End(_) => {
                stack.pop();
                open.pop();
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if out.first().is_none_or(|n| n.path != "ClinicalDocument") {
        return Err(illisible("l'élément racine n'est pas ClinicalDocument"));
    }
    Ok(out)
}

impl Node {
    fn get(&self, k: &str) -> String {
        self.attrs.get(k).cloned().unwrap_or_default()
    }

    fn code(&self) -> Code {
        Code {
            code: self.get("code"),
            scheme: self.get("codeSystem"),
            display: self.get("displayName"),
        }
    }
}

/// Read the header of a CDA R2 document.
/// The PDF a CDA carries: an N1's body (`nonXMLBody/text`) or an N3's
/// copy (FR-Document-PDF-copie, `observationMedia/value`): the first
/// element with `mediaType="application/pdf"` and `representation="B64"`.
pub fn embedded_pdf(cda: &[u8]) -> Option<Vec<u8>> {
    use base64::Engine;
    let mut reader = quick_xml::Reader::from_reader(cda);
    let mut buf = Vec::new();
    let mut inside: Option<Vec<u8>> = None;
    let mut b64 = String::new();
    loop {
        match reader.read_event_into(&mut buf).ok()? {
            Event::Start(e) if inside.is_none() => {
                let a = attrs_of(&e);
                let is = |k: &str, v: &str| a.iter().any(|(n, x)| n == k && x == v);
                if is("mediaType", "application/pdf") && is("representation", "B64") {
                    inside = Some(e.local_name().as_ref().to_vec());
                }
            }
            Event::Text(t) if inside.is_some() => {
                b64.extend(t.decode().ok()?.chars().filter(|c| !c.is_whitespace()));
            }
            Event::End(e) if inside.as_deref() == Some(e.local_name().as_ref()) => {
                return base64::engine::general_purpose::STANDARD.decode(b64).ok();
            }
            Event::Eof => return None,
            _ => {}
        }
        buf.clear();
    }
}

pub fn read_header(cda: &[u8]) -> Result<CdaHeader, ErreurCda> {
    let nodes = nodes(cda)?;
    let first = |p: &str| {
        nodes
            .iter()
            .find(|n| n.path == format!("ClinicalDocument/{p}"))
    };
    let all = |p: &str| {
        let p = format!("ClinicalDocument/{p}");
        nodes.iter().filter(move |n| n.path == p)
    };
    let mut h = CdaHeader::default();
    let id = first("id").ok_or(ErreurCda::Manquant("id"))?;
    h.id = (id.get("root"), id.attrs.get("extension").cloned());
    h.set_id = first("setId").map(|n| n.get("root"));
    h.version = first("versionNumber").and_then(|n| n.get("value").parse().ok());
    h.code = first("code").ok_or(ErreurCda::Manquant("code"))?.code();
    h.title = first("title")
        .map(|n| n.text.trim().to_string())
        .unwrap_or_default();
    h.effective_time = first("effectiveTime")
        .ok_or(ErreurCda::Manquant("effectiveTime"))?
        .get("value");
    h.confidentiality = first("confidentialityCode")
        .ok_or(ErreurCda::Manquant("confidentialityCode"))?
        .code();
    h.language = first("languageCode")
        .map(|n| n.get("code"))
        .unwrap_or_default();
    h.template_ids = all("templateId").map(|n| n.get("root")).collect();
    h.patient_ids = all("recordTarget/patientRole/id")
        .map(|n| (n.get("root"), n.get("extension")))
        .collect();
    let name = "recordTarget/patientRole/patient/name";
    for n in all(&format!("{name}/family")) {
        match n.attrs.get("qualifier").map(String::as_str) {
            Some("BR") => h.birth_name = n.text.trim().to_string(),
            Some("CL") => h.used_name = Some(n.text.trim().to_string()),
            _ => {}
        }
    }
    for n in all(&format!("{name}/given")) {
        match n.attrs.get("qualifier").map(String::as_str) {
            Some("BR") => h.first_birth_first_name = n.text.trim().to_string(),
            Some("CL") => h.used_first_name = Some(n.text.trim().to_string()),
            _ => h.birth_first_names = n.text.trim().to_string(),
        }
    }
    let patient = "recordTarget/patientRole/patient";
    h.sex = first(&format!("{patient}/administrativeGenderCode"))
        .map(|n| n.get("code"))
        .unwrap_or_default();
    h.birth_time = first(&format!("{patient}/birthTime"))
        .map(|n| n.get("value"))
        .unwrap_or_default();
    h.birth_place = first(&format!("{patient}/birthplace/place/addr/county"))
        .map(|n| n.text.trim().to_string());
    let author = "author/assignedAuthor";
    h.author = (
        first(&format!("{author}/id"))
            .ok_or(ErreurCda::Manquant("author/assignedAuthor/id"))?
            .get("extension"),
        first(&format!("{author}/assignedPerson/name/family"))
            .map(|n| n.text.trim().to_string())
            .unwrap_or_default(),
        first(&format!("{author}/assignedPerson/name/given"))
            .map(|n| n.text.trim().to_string())
            .unwrap_or_default(),
    );
    h.author_specialty = first(&format!("{author}/code"))
        .map(Node::code)
        .unwrap_or_default();
    h.organization = (
        first(&format!("{author}/representedOrganization/id"))
            .map(|n| n.get("extension"))
            .unwrap_or_default(),
        first(&format!("{author}/representedOrganization/name"))
            .map(|n| n.text.trim().to_string())
            .unwrap_or_default(),
    );
    let legal = "legalAuthenticator/assignedEntity";
    h.legal_authenticator = first(&format!("{legal}/id")).map(|id| {
        (
            id.get("extension"),
            first(&format!("{legal}/assignedPerson/name/family"))
                .map(|n| n.text.trim().to_string())
                .unwrap_or_default(),
            first(&format!("{legal}/assignedPerson/name/given"))
                .map(|n| n.text.trim().to_string())
                .unwrap_or_default(),
        )
    });
    let event = "documentationOf/serviceEvent";
    h.event_codes = all(&format!("{event}/code")).map(Node::code).collect();
    h.service_start = first(&format!("{event}/effectiveTime/low")).map(|n| n.get("value"));
    h.service_stop = first(&format!("{event}/effectiveTime/high")).map(|n| n.get("value"));
    h.facility_type = first("componentOf/encompassingEncounter/location/healthCareFacility/code")
        .map(Node::code)
        .unwrap_or_default();
    h.practice_setting = first(&format!(
        "{event}/performer/assignedEntity/representedOrganization/standardIndustryClassCode"
    ))
    .or_else(|| {
        first(&format!(
            "{author}/representedOrganization/standardIndustryClassCode"
        ))
    })
    .map(Node::code)
    .unwrap_or_default();
    Ok(h)
}
