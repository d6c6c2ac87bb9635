//! A CDA reader: title, ids, sections. Plain Rust so that it runs natively
//! too (the benchmark compares both).

use esculape_sdk::document::esculape::host::types::Error;
use esculape_sdk::document::exports::esculape::plugin::document_type::ReadDocument;
use quick_xml::events::Event;

pub fn read(cda: &[u8]) -> Result<ReadDocument, Error> {
    let mut reader = quick_xml::Reader::from_reader(cda);
    let mut out = ReadDocument {
        type_code: None,
        title: String::new(),
        document_id: None,
        set_id: None,
        version_number: None,
        effective_time: None,
        sections: vec![],
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
                        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
                };
                if depth == 1 {
                    match name.as_slice() {
                        b"id" => out.document_id = attr(b"root"),
                        b"setId" => out.set_id = attr(b"root"),
                        b"versionNumber" => {
                            out.version_number = attr(b"value").and_then(|v| v.parse().ok())
                        }
                        b"effectiveTime" => out.effective_time = attr(b"value"),
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
                    Some(b"title") if path.len() == 2 => out.title.push_str(&text),
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
