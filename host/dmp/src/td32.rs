//! TD3.2 « consultation d'un document » (IHE ITI-43 Retrieve Document
//! Set): asked by the document's uniqueId and its repository, answered
//! as an MTOM message whose `Document` is an `xop:Include` of a binary
//! part (or, from a server that does not optimise, base64 inline).

use quick_xml::events::Event;

pub const ACTION: &str = "urn:ihe:iti:2007:RetrieveDocumentSet";
pub const ACTION_REPONSE: &str = "urn:ihe:iti:2007:RetrieveDocumentSetResponse";
pub const XDS_B: &str = "urn:ihe:iti:xds-b:2007";

fn echapper(s: &str) -> String {
    quick_xml::escape::escape(s).into_owned()
}

/// The body: one `DocumentRequest`, as the published TD3.2 request.
pub fn requete(repository: &str, unique_id: &str) -> String {
    format!(
        "<RetrieveDocumentSetRequest xmlns=\"{XDS_B}\"><DocumentRequest>\
<RepositoryUniqueId>{}</RepositoryUniqueId>\
<DocumentUniqueId>{}</DocumentUniqueId>\
</DocumentRequest></RetrieveDocumentSetRequest>",
        echapper(repository),
        echapper(unique_id)
    )
}

/// What a request asks (the sandbox's reading).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Demande {
    pub repository: String,
    pub unique_id: String,
}

/// A document retrieved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentRetire {
    pub unique_id: String,
    pub mime_type: String,
    pub octets: Vec<u8>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ErreurTd32 {
    #[error("réponse illisible : {0}")]
    Illisible(String),
    /// The registry's errors (`XDSMissingDocument`…).
    #[error("le DMP refuse : {0}")]
    Refus(String),
    #[error("le DMP n'a renvoyé aucun document")]
    Absent,
}

/// The `DocumentRequest`s of a request (repository, uniqueId).
pub fn lire_requete(xml: &[u8]) -> Result<Vec<Demande>, ErreurTd32> {
    let mut r = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut demandes = Vec::new();
    let mut courante: Option<Demande> = None;
    let mut champ: Option<String> = None;
    loop {
        match r
            .read_event_into(&mut buf)
            .map_err(|e| ErreurTd32::Illisible(e.to_string()))?
        {
            Event::Start(e) => match e.local_name().as_ref() {
                b"DocumentRequest" => courante = Some(Demande::default()),
                n => champ = Some(String::from_utf8_lossy(n).into_owned()),
            },
            ev @ (Event::Text(_) | Event::GeneralRef(_)) => {
                let t = crate::soap::texte(&ev).map_err(ErreurTd32::Illisible)?;
                if let (Some(d), Some(c)) = (courante.as_mut(), champ.as_deref()) {
                    match c {
                        "RepositoryUniqueId" => d.repository.push_str(t.trim()),
                        "DocumentUniqueId" => d.unique_id.push_str(t.trim()),
                        _ => {}
                    }
                }
            }
            Event::End(e) => {
                champ = None;
                if e.local_name().as_ref() == b"DocumentRequest"
                    && let Some(d) = courante.take()
                {
                    demandes.push(d);
                }
            }
            Event::DocType(_) => return Err(ErreurTd32::Illisible("DOCTYPE non accepté".into())),
            Event::Eof => return Ok(demandes),
            _ => {}
        }
        buf.clear();
    }
}

/// The answer's envelope body (the sandbox's writing): one
/// `DocumentResponse` per document, each an `xop:Include` of the part
/// `cid`; or the registry's errors.
pub fn reponse(documents: &[(&str, &str, &str, &str)], erreur: Option<(&str, &str)>) -> String {
    const RS: &str = "urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0";
    let mut x = format!("<RetrieveDocumentSetResponse xmlns=\"{XDS_B}\" xmlns:rs=\"{RS}\">");
    match erreur {
        Some((code, contexte)) => x.push_str(&format!(
            "<rs:RegistryResponse status=\"urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Failure\"><rs:RegistryErrorList><rs:RegistryError errorCode=\"{}\" codeContext=\"{}\" severity=\"urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Error\"/></rs:RegistryErrorList></rs:RegistryResponse>",
            echapper(code),
            echapper(contexte)
        )),
        None => x.push_str(
            "<rs:RegistryResponse status=\"urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success\"/>",
        ),
    }
    for (repository, unique_id, mime, cid) in documents {
        x.push_str(&format!(
            "<DocumentResponse><RepositoryUniqueId>{}</RepositoryUniqueId><DocumentUniqueId>{}</DocumentUniqueId><mimeType>{}</mimeType><Document><xop:Include xmlns:xop=\"http://www.w3.org/2004/08/xop/include\" href=\"cid:{}\"/></Document></DocumentResponse>",
            echapper(repository),
            echapper(unique_id),
            echapper(mime),
            echapper(cid)
        ));
    }
    x.push_str("</RetrieveDocumentSetResponse>");
    x
}

/// The document of an answer: `parties` are the MTOM parts (the root
/// envelope first; see [`crate::td21::parties_mtom`]), or the envelope
/// alone when the answer is plain SOAP (the document then base64 inline).
/// The registry's refusal and a missing part are errors.
pub fn lire_reponse(parties: &[(String, Vec<u8>)]) -> Result<DocumentRetire, ErreurTd32> {
    let (_, racine) = parties.first().ok_or(ErreurTd32::Absent)?;
    let reponse =
        esculape_xds::registre::lire(racine).map_err(|e| ErreurTd32::Illisible(e.to_string()))?;
    if !reponse.erreurs.is_empty() && !reponse.succes() {
        return Err(ErreurTd32::Refus(
            reponse
                .erreurs
                .iter()
                .map(|e| format!("{} {}", e.code, e.contexte).trim().to_string())
                .collect::<Vec<_>>()
                .join(" ; "),
        ));
    }
    let mut r = quick_xml::Reader::from_reader(racine.as_slice());
    let mut buf = Vec::new();
    let mut chemin: Vec<String> = Vec::new();
    let (mut unique_id, mut mime, mut inline) = (String::new(), String::new(), String::new());
    let mut cid: Option<String> = None;
    loop {
        let ev = r
            .read_event_into(&mut buf)
            .map_err(|e| ErreurTd32::Illisible(e.to_string()))?;
        match ev {
            Event::Start(e) => {
                chemin.push(String::from_utf8_lossy(e.local_name().as_ref()).into_owned())
            }
            Event::Empty(e) if e.local_name().as_ref() == b"Include" => {
                cid = e
                    .attributes()
                    .flatten()
                    .find(|a| a.key.local_name().as_ref() == b"href")
                    .map(|a| String::from_utf8_lossy(&a.value).into_owned());
            }
            ev @ (Event::Text(_) | Event::GeneralRef(_)) => {
                let t = crate::soap::texte(&ev).map_err(ErreurTd32::Illisible)?;
                match chemin.last().map(String::as_str) {
                    Some("DocumentUniqueId") => unique_id.push_str(t.trim()),
                    Some("mimeType") => mime.push_str(t.trim()),
                    Some("Document") => inline.push_str(t.trim()),
                    _ => {}
                }
            }
            Event::End(e) => {
                chemin.pop();
                // one document asked, the first answered
                if e.local_name().as_ref() == b"DocumentResponse" {
                    break;
                }
            }
            Event::DocType(_) => return Err(ErreurTd32::Illisible("DOCTYPE non accepté".into())),
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if unique_id.is_empty() {
        return Err(ErreurTd32::Absent);
    }
    let octets = match cid {
        Some(href) => {
            // `cid:` URLs are percent-encoded Content-IDs (RFC 2392)
            let id = href.strip_prefix("cid:").unwrap_or(&href);
            let id = percent_encoding::percent_decode_str(id)
                .decode_utf8_lossy()
                .into_owned();
            parties
                .iter()
                .skip(1)
                .find(|(c, _)| *c == id)
                .map(|(_, o)| o.clone())
                .ok_or_else(|| ErreurTd32::Illisible(format!("partie MTOM {id} absente")))?
        }
        None => {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD
                .decode(inline.split_whitespace().collect::<String>())
                .map_err(|e| ErreurTd32::Illisible(format!("document en base64 : {e}")))?
        }
    };
    Ok(DocumentRetire {
        unique_id,
        mime_type: mime,
        octets,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_is_read_back_and_an_answer_gives_its_binary_part() {
        let q = requete("1.2.250.1.213.4.1.1.1.2", "1.2.3&4");
        let d = lire_requete(q.as_bytes()).unwrap();
        assert_eq!(
            d,
            vec![Demande {
                repository: "1.2.250.1.213.4.1.1.1.2".into(),
                unique_id: "1.2.3&4".into()
            }]
        );
        let octets: Vec<u8> = (0..=255u8).chain(b"\r\n--x".iter().copied()).collect();
        let corps = reponse(&[("r", "1.2.3", "text/xml", "doc%401")], None);
        let parties = vec![
            ("racine".to_string(), corps.into_bytes()),
            ("doc@1".to_string(), octets.clone()),
        ];
        let lu = lire_reponse(&parties).unwrap();
        assert_eq!(lu.octets, octets);
        assert_eq!(lu.mime_type, "text/xml");
        let refus = reponse(&[], Some(("XDSMissingDocument", "1.2.3")));
        let e = lire_reponse(&[("r".into(), refus.into_bytes())]).unwrap_err();
        assert!(e.to_string().contains("XDSMissingDocument"), "{e}");
        // a part the answer names but does not carry
        let e = lire_reponse(&parties[..1]).unwrap_err();
        assert!(e.to_string().contains("absente"), "{e}");
    }
}
