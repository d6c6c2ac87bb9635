//! A CDA reader: title, ids, sections. Plain Rust so that it runs natively
//! too (the benchmark compares both).

use esculape_sdk::document::esculape::host::types::Error;
use esculape_sdk::document::exports::esculape::plugin::document_type::{
    Identifier, Received, ReceivedHeader,
};
use quick_xml::events::Event;

fn id(root: Option<String>) -> Option<Identifier> {
    root.map(|root| Identifier {
        root,
        extension: None,
    })
}

pub fn read(cda: &[u8]) -> Result<Received, Error> {
    let mut reader = quick_xml::Reader::from_reader(cda);
    let mut out = Received {
        header: ReceivedHeader {
            type_code: None,
            title: String::new(),
            document_id: None,
            set_id: None,
            version_number: None,
            effective_time: None,
            confidentiality: None,
            authors: vec![],
            patient_ids: vec![],
            patient_name: None,
            patient_birth_date: None,
            service_start: None,
            service_stop: None,
        },
        sections: vec![],
        proposals: vec![],
        warnings: vec![],
    };
    let mut path: Vec<Vec<u8>> = Vec::new();
    let mut section_title = String::new();
    let mut section_text = String::new();
    let mut buf = Vec::new();
    loop {
        let ev = reader
            .read_event_into(&mut buf)
            .map_err(|e| Error::InvalidInput(format!("XML invalide: {e}")))?;
        match ev {
            ev @ (Event::Start(_) | Event::Empty(_)) => {
                let is_start = matches!(ev, Event::Start(_));
                let (Event::Start(e) | Event::Empty(e)) = ev else {
                    continue;
                };
                let name = e.local_name().as_ref().to_vec();
                let depth = path.len();
                let attr = |k: &[u8]| {
                    e.attributes()
                        .flatten()
                        .find(|a| a.key.local_name().as_ref() == k)
                        .and_then(|a| {
                            a.decode_and_unescape_value(e.decoder())
                                .ok()
                                .map(|v| v.into_owned())
                        })
                };
                if depth == 1 {
                    match name.as_slice() {
                        b"id" => out.header.document_id = id(attr(b"root")),
                        b"setId" => out.header.set_id = id(attr(b"root")),
                        b"versionNumber" => {
                            out.header.version_number = attr(b"value").and_then(|v| v.parse().ok())
                        }
                        b"effectiveTime" => out.header.effective_time = attr(b"value"),
                        _ => {}
                    }
                }
                if name == b"section" {
                    section_title.clear();
                    section_text.clear();
                }
                // Empty elements have no end event: only open ones nest.
                if is_start {
                    path.push(name);
                }
            }
            Event::End(e) => {
                if e.local_name().as_ref() == b"section" {
                    out.sections.push((
                        section_title.trim().to_string(),
                        section_text.trim().to_string(),
                    ));
                }
                path.pop();
            }
            Event::Text(t) => {
                let text = t.decode().map_err(|e| Error::InvalidInput(e.to_string()))?;
                match path.last().map(|p| p.as_slice()) {
                    Some(b"title") if path.len() == 2 => out.header.title.push_str(&text),
                    Some(b"title") => section_title.push_str(&text),
                    _ if path.iter().any(|p| p == b"text") => {
                        section_text.push_str(&text);
                    }
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(out)
}
