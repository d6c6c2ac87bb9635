//! ebRIM metadata read back: every `ExtrinsicObject` (document entry) of
//! a SubmitObjectsRequest (an IHE_XDM's METADATA.XML) or of a registry's
//! answer (an ITI-18 AdhocQueryResponse from the DMP), by classification
//! scheme and slot name, and the errors a registry answers with.

use crate::xdm::{DE_PATIENT_ID, DE_UNIQUE_ID, SCHEMES};
use crate::{Code, XdsError};
use quick_xml::events::Event;
use std::collections::BTreeMap;

/// Largest metadata document read (a DMP with hundreds of documents
/// answers a few MB).
pub const TAILLE_MAX: usize = 64 << 20;

/// One document entry as a registry describes it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EntreeLue {
    /// `id` (the entryUUID).
    pub entry_uuid: String,
    /// `status` (`…StatusType:Approved`, `…:Deprecated`, or the DMP's
    /// `urn:asip:ci-sis:2010:StatusType:Archived`).
    pub statut: String,
    pub mime_type: Option<String>,
    /// The entry's `Name` (the document's title).
    pub titre: String,
    /// Slots by name.
    pub slots: BTreeMap<String, Vec<String>>,
    /// Classifications by scheme name (several for eventCodeList and
    /// confidentialityCode).
    pub classifications: BTreeMap<String, Vec<Code>>,
    pub patient_id: Option<String>,
    pub unique_id: Option<String>,
}

impl EntreeLue {
    pub fn slot(&self, name: &str) -> Option<&str> {
        self.slots
            .get(name)
            .and_then(|v| v.first())
            .map(String::as_str)
    }

    pub fn code(&self, scheme_name: &str) -> Option<&Code> {
        self.classifications
            .get(scheme_name)
            .and_then(|v| v.first())
    }

    pub fn codes(&self, scheme_name: &str) -> &[Code] {
        self.classifications
            .get(scheme_name)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }
}

/// An error of a registry's answer (`RegistryError`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ErreurRegistre {
    /// `errorCode` (`XDSPatientIdDoesNotMatch`, `XDSDocumentUniqueIdError`…).
    pub code: String,
    pub contexte: String,
    pub gravite: String,
}

/// An association between two registry objects (HasMember, signs, RPLC…).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AssociationLue {
    pub id: String,
    /// `associationType` (e.g. `urn:ihe:iti:2007:AssociationType:RPLC`).
    pub type_: String,
    pub source: String,
    pub cible: String,
    /// Slots by name (`OriginalStatus`, `NewStatus`…).
    pub slots: BTreeMap<String, Vec<String>>,
}

impl AssociationLue {
    pub fn slot(&self, name: &str) -> Option<&str> {
        self.slots
            .get(name)
            .and_then(|v| v.first())
            .map(String::as_str)
    }
}

/// A registry's answer (or a submission's metadata): its status, entries,
/// associations and errors.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReponseRegistre {
    /// `status` of the answer (`…ResponseStatusType:Success`, `:Failure`,
    /// `:PartialSuccess`).
    pub statut: String,
    pub entrees: Vec<EntreeLue>,
    pub associations: Vec<AssociationLue>,
    pub erreurs: Vec<ErreurRegistre>,
}

impl ReponseRegistre {
    pub fn succes(&self) -> bool {
        self.statut.ends_with(":Success")
    }
}

fn local(name: &[u8]) -> String {
    let n = String::from_utf8_lossy(name);
    n.rsplit(':').next().unwrap_or_default().to_string()
}

/// Reads every document entry, the answer's status and its errors.
pub fn lire(xml: &[u8]) -> Result<ReponseRegistre, XdsError> {
    if xml.len() > TAILLE_MAX {
        return Err(XdsError::Xdm(format!(
            "métadonnées trop volumineuses (plus de {} Mo)",
            TAILLE_MAX >> 20
        )));
    }
    let err = |e: &dyn std::fmt::Display| XdsError::Xdm(e.to_string());
    let mut reponse = ReponseRegistre::default();
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut entree: Option<EntreeLue> = None;
    let mut association: Option<AssociationLue> = None;
    let mut slot: Option<String> = None;
    let mut class: Option<(String, Code)> = None;
    let mut value: Option<String> = None;
    let mut in_name = false;
    // an ExternalIdentifier's Name is not the entry's title
    let mut in_external = false;
    loop {
        let ev = reader.read_event_into(&mut buf).map_err(|e| err(&e))?;
        let (start, e) = match &ev {
            Event::Start(e) => (true, Some(e.clone())),
            Event::Empty(e) => (false, Some(e.clone())),
            _ => (false, None),
        };
        if let Some(e) = e {
            let attrs: BTreeMap<String, String> = e
                .attributes()
                .flatten()
                .filter_map(|a| {
                    Some((
                        local(a.key.as_ref()),
                        a.decode_and_unescape_value(e.decoder()).ok()?.into_owned(),
                    ))
                })
                .collect();
            let get = |k: &str| attrs.get(k).cloned().unwrap_or_default();
            match local(e.name().as_ref()).as_str() {
                "AdhocQueryResponse" | "RegistryResponse" => reponse.statut = get("status"),
                "Association" => {
                    let a = AssociationLue {
                        id: get("id"),
                        type_: get("associationType"),
                        source: get("sourceObject"),
                        cible: get("targetObject"),
                        slots: BTreeMap::new(),
                    };
                    if start {
                        association = Some(a);
                    } else {
                        reponse.associations.push(a);
                    }
                }
                "RegistryError" => reponse.erreurs.push(ErreurRegistre {
                    code: get("errorCode"),
                    contexte: get("codeContext"),
                    gravite: get("severity"),
                }),
                "ExtrinsicObject" => {
                    let nouvelle = EntreeLue {
                        entry_uuid: get("id"),
                        statut: get("status"),
                        mime_type: attrs.get("mimeType").cloned(),
                        ..EntreeLue::default()
                    };
                    if start {
                        entree = Some(nouvelle);
                    } else {
                        reponse.entrees.push(nouvelle);
                    }
                }
                _ => {}
            }
            if association.is_some() {
                match local(e.name().as_ref()).as_str() {
                    "Slot" => slot = Some(get("name")),
                    "Value" => value = Some(String::new()),
                    _ => {}
                }
            }
            if let Some(en) = entree.as_mut() {
                match local(e.name().as_ref()).as_str() {
                    "Slot" => slot = Some(get("name")),
                    "Value" => value = Some(String::new()),
                    "Classification" => {
                        let scheme_uuid = get("classificationScheme");
                        let name = SCHEMES
                            .iter()
                            .find(|(_, u)| *u == scheme_uuid)
                            .map(|(n, _)| n.to_string())
                            .unwrap_or(scheme_uuid);
                        let c = (
                            name,
                            Code {
                                code: get("nodeRepresentation"),
                                ..Code::default()
                            },
                        );
                        if start {
                            class = Some(c);
                        } else {
                            en.classifications.entry(c.0).or_default().push(c.1);
                        }
                    }
                    "Name" => in_name = start,
                    "LocalizedString" if in_name => match class.as_mut() {
                        Some((_, c)) => c.display = get("value"),
                        None if !in_external => en.titre = get("value"),
                        None => {}
                    },
                    "ExternalIdentifier" => {
                        in_external = start;
                        match get("identificationScheme").as_str() {
                            DE_PATIENT_ID => en.patient_id = Some(get("value")),
                            DE_UNIQUE_ID => en.unique_id = Some(get("value")),
                            _ => {}
                        }
                    }
                    _ => {}
                }
            }
            buf.clear();
            continue;
        }
        match ev {
            Event::Text(t) => {
                if let Some(v) = value.as_mut() {
                    v.push_str(&t.decode().map_err(|e| err(&e))?);
                }
            }
            Event::GeneralRef(r) => {
                if let Some(v) = value.as_mut() {
                    match r.resolve_char_ref().ok().flatten() {
                        Some(c) => v.push(c),
                        None => v.push_str(match String::from_utf8_lossy(&r).as_ref() {
                            "amp" => "&",
                            "lt" => "<",
                            "gt" => ">",
                            "quot" => "\"",
                            "apos" => "'",
                            autre => {
                                return Err(XdsError::Xdm(format!("entité inconnue &{autre};")));
                            }
                        }),
                    }
                }
            }
            Event::End(e) => match local(e.name().as_ref()).as_str() {
                "ExtrinsicObject" => {
                    if let Some(en) = entree.take() {
                        reponse.entrees.push(en);
                    }
                }
                "Association" => {
                    if let Some(a) = association.take() {
                        reponse.associations.push(a);
                    }
                }
                "Slot" => slot = None,
                "Value" if association.is_some() => {
                    if let (Some(v), Some(s), Some(a)) =
                        (value.take(), slot.as_deref(), association.as_mut())
                    {
                        a.slots
                            .entry(s.to_string())
                            .or_default()
                            .push(v.trim().to_string());
                    }
                }
                "Value" => {
                    if let (Some(v), Some(s), Some(en)) =
                        (value.take(), slot.as_deref(), entree.as_mut())
                    {
                        let v = v.trim().to_string();
                        match class.as_mut() {
                            Some((_, c)) if s == "codingScheme" => c.scheme = v,
                            // an author's slots (authorPerson, authorInstitution,
                            // authorSpecialty…) kept with the entry's
                            Some((n, _)) if n == "author" => {
                                en.slots.entry(s.to_string()).or_default().push(v)
                            }
                            Some(_) => {}
                            None => en.slots.entry(s.to_string()).or_default().push(v),
                        }
                    }
                }
                "Name" => in_name = false,
                "ExternalIdentifier" => in_external = false,
                "Classification" => {
                    if let (Some((name, code)), Some(en)) = (class.take(), entree.as_mut()) {
                        en.classifications.entry(name).or_default().push(code);
                    }
                }
                _ => {}
            },
            Event::DocType(_) => return Err(XdsError::Xdm("DOCTYPE non accepté".into())),
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(reponse)
}

/// The `ExtrinsicObject` whose id is `entry_uuid`, as written in `xml`
/// (a registry keeps the metadata it was given, and answers a query with
/// it). Its namespace prefix is the submitter's: the default one in ours.
pub fn fragment_entree(xml: &[u8], entry_uuid: &str) -> Option<String> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut debut: Option<(usize, usize)> = None;
    let mut profondeur = 0usize;
    loop {
        let avant = reader.buffer_position() as usize;
        let ev = reader.read_event_into(&mut buf).ok()?;
        let cherchee = |e: &quick_xml::events::BytesStart<'_>| {
            e.local_name().as_ref() == b"ExtrinsicObject"
                && e.attributes()
                    .flatten()
                    .any(|a| a.key.as_ref() == b"id" && a.value.as_ref() == entry_uuid.as_bytes())
        };
        match &ev {
            Event::Start(e) => {
                profondeur += 1;
                if debut.is_none() && cherchee(e) {
                    debut = Some((avant, profondeur));
                }
            }
            Event::Empty(e) if debut.is_none() && cherchee(e) => {
                let fin = reader.buffer_position() as usize;
                return String::from_utf8(xml.get(avant..fin)?.to_vec()).ok();
            }
            Event::End(_) => {
                if let Some((d, p)) = debut
                    && p == profondeur
                {
                    let fin = reader.buffer_position() as usize;
                    return String::from_utf8(xml.get(d..fin)?.to_vec()).ok();
                }
                profondeur = profondeur.saturating_sub(1);
            }
            Event::Eof => return None,
            _ => {}
        }
        buf.clear();
    }
}

/// A registry's answer to a stored query (ITI-18, leaf class): each entry
/// as it was submitted (see [`fragment_entree`]) with its current
/// `status`. Entries written with the default namespace or the `rim:`
/// prefix both read.
pub fn reponse_requete(entrees: &[(String, &str)], repository: Option<&str>) -> String {
    const QUERY: &str = "urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0";
    const RIM: &str = "urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0";
    let mut x = format!(
        "<query:AdhocQueryResponse xmlns:query=\"{QUERY}\" status=\"urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success\"><RegistryObjectList xmlns=\"{RIM}\" xmlns:rim=\"{RIM}\">"
    );
    for (fragment, statut) in entrees {
        let mut f = avec_statut(fragment, statut);
        // the repository that holds it: a registry's slot, not the
        // submitter's
        if let Some(r) = repository
            && !f.contains("\"repositoryUniqueId\"")
            && let Some(i) = f.find('>')
            && !f[..i].ends_with('/')
        {
            let r = quick_xml::escape::escape(r);
            let prefixe = f[1..].split(['>', ' ']).next().unwrap_or_default();
            let prefixe = prefixe.strip_suffix("ExtrinsicObject").unwrap_or_default();
            f.insert_str(
                i + 1,
                &format!("<{prefixe}Slot name=\"repositoryUniqueId\"><{prefixe}ValueList><{prefixe}Value>{r}</{prefixe}Value></{prefixe}ValueList></{prefixe}Slot>"),
            );
        }
        x.push_str(&f);
    }
    x.push_str("</RegistryObjectList></query:AdhocQueryResponse>");
    x
}

/// `fragment` with its first tag's `status` set to `statut`.
fn avec_statut(fragment: &str, statut: &str) -> String {
    let statut = quick_xml::escape::escape(statut);
    let fin_balise = fragment.find('>').unwrap_or(fragment.len());
    let balise = &fragment[..fin_balise];
    if let Some(i) = balise.find(" status=\"")
        && let Some(j) = balise[i + 9..].find('"')
    {
        let j = i + 9 + j;
        return format!(
            "{} status=\"{statut}\"{}",
            &fragment[..i],
            &fragment[j + 1..]
        );
    }
    let nom = balise.find(char::is_whitespace).unwrap_or(fin_balise);
    format!(
        "{} status=\"{statut}\"{}",
        &fragment[..nom],
        &fragment[nom..]
    )
}

#[cfg(test)]
mod tests_reponse {
    use super::*;

    #[test]
    fn an_entry_kept_as_submitted_is_answered_with_its_status() {
        let soumission = br#"<lcm:SubmitObjectsRequest xmlns:lcm="urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0" xmlns="urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0"><RegistryObjectList><ExtrinsicObject id="urn:uuid:a" status="urn:oasis:names:tc:ebxml-regrep:StatusType:Approved" mimeType="text/xml"><Slot name="size"><ValueList><Value>12</Value></ValueList></Slot><Name><LocalizedString value="CR &amp; suite"/></Name></ExtrinsicObject><ExtrinsicObject id="urn:uuid:b" mimeType="text/xml"/></RegistryObjectList></lcm:SubmitObjectsRequest>"#;
        let a = fragment_entree(soumission, "urn:uuid:a").unwrap();
        assert!(a.starts_with("<ExtrinsicObject id=\"urn:uuid:a\""), "{a}");
        assert!(a.ends_with("</ExtrinsicObject>"), "{a}");
        assert!(fragment_entree(soumission, "urn:uuid:c").is_none());
        let r = reponse_requete(
            &[(a, "urn:asip:ci-sis:2010:StatusType:Archived")],
            Some("1.2.9"),
        );
        let lu = lire(r.as_bytes()).unwrap();
        assert!(lu.succes());
        assert_eq!(lu.entrees.len(), 1, "{r}");
        assert_eq!(
            lu.entrees[0].statut,
            "urn:asip:ci-sis:2010:StatusType:Archived"
        );
        assert_eq!(lu.entrees[0].titre, "CR & suite");
        assert_eq!(lu.entrees[0].slot("size"), Some("12"));
        assert_eq!(lu.entrees[0].slot("repositoryUniqueId"), Some("1.2.9"));
        let b = fragment_entree(soumission, "urn:uuid:b").unwrap();
        assert_eq!(
            b,
            r#"<ExtrinsicObject id="urn:uuid:b" mimeType="text/xml"/>"#
        );
        assert_eq!(
            avec_statut("<rim:ExtrinsicObject id=\"b\"/>", "S"),
            "<rim:ExtrinsicObject status=\"S\" id=\"b\"/>"
        );
    }
}
