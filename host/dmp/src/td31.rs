//! TD3.1 « recherche de documents » (IHE ITI-18 Registry Stored Query,
//! FindDocuments), and its answer read as document entries with the
//! metadata the chart shows and filters on.

use esculape_xds::registre::{self, EntreeLue, ReponseRegistre};

pub const ACTION: &str = "urn:ihe:iti:2007:RegistryStoredQuery";
pub const ACTION_REPONSE: &str = "urn:ihe:iti:2007:RegistryStoredQueryResponse";
/// FindDocuments' stored query id.
pub const FIND_DOCUMENTS: &str = "urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d";
pub const APPROUVE: &str = "urn:oasis:names:tc:ebxml-regrep:StatusType:Approved";
/// The DMP's own status for an archived document.
pub const ARCHIVE: &str = "urn:asip:ci-sis:2010:StatusType:Archived";
pub const OBSOLETE: &str = "urn:oasis:names:tc:ebxml-regrep:StatusType:Deprecated";

/// What to search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recherche {
    /// The patient's identifier as a CX (`vihf::cx`).
    pub patient: String,
    /// Statuses wanted (default: approved only).
    pub statuts: Vec<String>,
    /// Creation time bounds (`AAAAMMJJhhmmss` or a prefix).
    pub cree_depuis: Option<String>,
    pub cree_jusqua: Option<String>,
    /// `typeCode`s wanted (LOINC), as `code^^system`.
    pub types: Vec<String>,
}

impl Recherche {
    pub fn du_patient(patient: &str) -> Self {
        Recherche {
            patient: patient.into(),
            statuts: vec![APPROUVE.into()],
            cree_depuis: None,
            cree_jusqua: None,
            types: Vec::new(),
        }
    }
}

fn e(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('\'', "''")
}

fn slot(x: &mut String, nom: &str, valeur: &str) {
    x.push_str(&format!(
        "<Slot name=\"{nom}\"><ValueList><Value>{valeur}</Value></ValueList></Slot>"
    ));
}

/// The body: an `AdhocQueryRequest` for FindDocuments, leaf class.
pub fn requete(r: &Recherche) -> String {
    let mut x = String::from(
        "<query:AdhocQueryRequest xmlns:query=\"urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0\" xmlns=\"urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0\">\
<query:ResponseOption returnComposedObjects=\"true\" returnType=\"LeafClass\"/>",
    );
    x.push_str(&format!("<AdhocQuery id=\"{FIND_DOCUMENTS}\">"));
    slot(
        &mut x,
        "$XDSDocumentEntryPatientId",
        &format!("'{}'", e(&r.patient)),
    );
    let liste = |v: &[String]| {
        format!(
            "({})",
            v.iter()
                .map(|s| format!("'{}'", e(s)))
                .collect::<Vec<_>>()
                .join(",")
        )
    };
    slot(&mut x, "$XDSDocumentEntryStatus", &liste(&r.statuts));
    if let Some(d) = &r.cree_depuis {
        slot(&mut x, "$XDSDocumentEntryCreationTimeFrom", &e(d));
    }
    if let Some(f) = &r.cree_jusqua {
        slot(&mut x, "$XDSDocumentEntryCreationTimeTo", &e(f));
    }
    if !r.types.is_empty() {
        slot(&mut x, "$XDSDocumentEntryTypeCode", &liste(&r.types));
    }
    x.push_str("</AdhocQuery></query:AdhocQueryRequest>");
    x
}

/// A query read back (the sandbox's registry): the slots of a
/// FindDocuments, their quoted values and lists unquoted. `None` when the
/// request is not a FindDocuments.
pub fn lire_requete(xml: &[u8]) -> Option<Recherche> {
    use quick_xml::events::Event;
    let mut r = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut requete: Option<String> = None;
    let mut slots: Vec<(String, String)> = Vec::new();
    let mut slot: Option<String> = None;
    let mut valeur: Option<String> = None;
    loop {
        match r.read_event_into(&mut buf).ok()? {
            Event::Start(e) | Event::Empty(e) => {
                let attr = |k: &[u8]| {
                    e.attributes()
                        .flatten()
                        .find(|a| a.key.as_ref() == k)
                        .and_then(|a| {
                            a.decode_and_unescape_value(e.decoder())
                                .ok()
                                .map(|v| v.into_owned())
                        })
                };
                match e.local_name().as_ref() {
                    b"AdhocQuery" => requete = attr(b"id"),
                    b"Slot" => slot = attr(b"name"),
                    b"Value" => valeur = Some(String::new()),
                    _ => {}
                }
            }
            ev @ (Event::Text(_) | Event::GeneralRef(_)) => {
                if let Some(v) = valeur.as_mut() {
                    v.push_str(&crate::soap::texte(&ev).ok()?);
                }
            }
            Event::End(e) => match e.local_name().as_ref() {
                b"Value" => {
                    if let (Some(v), Some(s)) = (valeur.take(), slot.as_ref()) {
                        slots.push((s.clone(), v.trim().to_string()));
                    }
                }
                b"Slot" => slot = None,
                _ => {}
            },
            Event::DocType(_) => return None,
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if requete.as_deref() != Some(FIND_DOCUMENTS) {
        return None;
    }
    // 'a' → a, ('a','b') → [a, b]; '' is a quote inside a value
    let une = |v: &str| v.trim().trim_matches('\'').replace("''", "'");
    let liste = |v: &str| -> Vec<String> {
        v.trim()
            .trim_start_matches('(')
            .trim_end_matches(')')
            .split(',')
            .map(une)
            .filter(|s| !s.is_empty())
            .collect()
    };
    let mut r = Recherche::du_patient("");
    r.statuts.clear();
    for (nom, v) in &slots {
        match nom.as_str() {
            "$XDSDocumentEntryPatientId" => r.patient = une(v),
            "$XDSDocumentEntryStatus" => r.statuts.extend(liste(v)),
            "$XDSDocumentEntryCreationTimeFrom" => r.cree_depuis = Some(une(v)),
            "$XDSDocumentEntryCreationTimeTo" => r.cree_jusqua = Some(une(v)),
            "$XDSDocumentEntryTypeCode" => r.types.extend(liste(v)),
            _ => {}
        }
    }
    Some(r)
}

/// The confidentiality codes of the DMP (1.2.250.1.213.1.1.4.13).
pub const MASQUE_PS: &str = "MASQUE_PS";
pub const INVISIBLE_PATIENT: &str = "INVISIBLE_PATIENT";
pub const INVISIBLE_REPRESENTANTS: &str = "INVISIBLE_REPRESENTANTS_LEGAUX";
const SYSTEME_CONFIDENTIALITE: &str = "1.2.250.1.213.1.1.4.13";

/// The confidentiality codes a submission carries for a document's
/// visibility choices (masked from professionals, not visible to the
/// patient, not visible to the legal representatives), labelled as the
/// published TD2.1 example labels them.
pub fn codes_visibilite(
    masque_ps: bool,
    invisible_patient: bool,
    invisible_representants: bool,
) -> Vec<esculape_xds::Code> {
    [
        (masque_ps, MASQUE_PS, "Masqué aux professionnels de santé"),
        (
            invisible_patient,
            INVISIBLE_PATIENT,
            "Non visible par le patient",
        ),
        (
            invisible_representants,
            INVISIBLE_REPRESENTANTS,
            "Non visible par les représentants légaux du patient",
        ),
    ]
    .into_iter()
    .filter(|(oui, _, _)| *oui)
    .map(|(_, code, libelle)| esculape_xds::Code::new(code, SYSTEME_CONFIDENTIALITE, libelle))
    .collect()
}

/// A document of the DMP as the chart lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DocumentDmp {
    pub unique_id: String,
    pub entry_uuid: String,
    pub titre: String,
    /// typeCode (LOINC) and its label.
    pub type_code: String,
    pub type_libelle: String,
    pub class_code: String,
    pub statut: String,
    /// `creationTime` (`AAAAMMJJhhmmss`).
    pub cree: String,
    /// `submissionTime` is on the submission set, not the entry; the DMP's
    /// own date of feeding is not in a leaf-class answer.
    pub auteur: String,
    /// The author's profession or specialty (authorSpecialty).
    pub auteur_specialite: String,
    pub auteur_structure: String,
    pub masque_ps: bool,
    pub invisible_patient: bool,
    pub invisible_representants: bool,
    pub repository: String,
    pub mime_type: String,
    pub taille: Option<u64>,
    pub hash: Option<String>,
}

/// The author's name out of an XCN (`id^nom^prénom^…`).
fn nom_xcn(xcn: &str) -> String {
    let p: Vec<&str> = xcn.split('^').collect();
    match (p.get(2), p.get(1)) {
        (Some(pr), Some(n)) if !pr.is_empty() => format!("{pr} {n}"),
        (_, Some(n)) => n.to_string(),
        _ => xcn.to_string(),
    }
}

impl DocumentDmp {
    fn depuis(e: &EntreeLue) -> Self {
        let confidentialite: Vec<&str> = e
            .codes("confidentialityCode")
            .iter()
            .map(|c| c.code.as_str())
            .collect();
        // authors are classifications whose slots we keep flat: the
        // first authorPerson / authorInstitution / authorSpecialty
        let tc = e.code("typeCode");
        DocumentDmp {
            unique_id: e.unique_id.clone().unwrap_or_default(),
            entry_uuid: e.entry_uuid.clone(),
            titre: e.titre.clone(),
            type_code: tc.map(|c| c.code.clone()).unwrap_or_default(),
            type_libelle: tc.map(|c| c.display.clone()).unwrap_or_default(),
            class_code: e
                .code("classCode")
                .map(|c| c.code.clone())
                .unwrap_or_default(),
            statut: e.statut.clone(),
            cree: e.slot("creationTime").unwrap_or_default().to_string(),
            auteur: e.slot("authorPerson").map(nom_xcn).unwrap_or_default(),
            auteur_specialite: e
                .slot("authorSpecialty")
                .map(|s| s.split('^').nth(1).unwrap_or(s).to_string())
                .unwrap_or_default(),
            auteur_structure: e
                .slot("authorInstitution")
                .map(|s| s.split('^').next().unwrap_or(s).to_string())
                .unwrap_or_default(),
            masque_ps: confidentialite.contains(&MASQUE_PS),
            invisible_patient: confidentialite.contains(&INVISIBLE_PATIENT),
            invisible_representants: confidentialite.contains(&INVISIBLE_REPRESENTANTS),
            repository: e.slot("repositoryUniqueId").unwrap_or_default().to_string(),
            mime_type: e.mime_type.clone().unwrap_or_default(),
            taille: e.slot("size").and_then(|s| s.parse().ok()),
            hash: e.slot("hash").map(str::to_string),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ErreurTd31 {
    #[error("réponse TD3.1 illisible : {0}")]
    Lecture(#[from] esculape_xds::XdsError),
    #[error("le DMP a refusé la recherche : {0}")]
    Refus(String),
}

/// Reads a TD3.1 answer: the documents, or the registry's errors.
pub fn lire_reponse(xml: &[u8]) -> Result<Vec<DocumentDmp>, ErreurTd31> {
    let r: ReponseRegistre = registre::lire(xml)?;
    if !r.succes() && !r.erreurs.is_empty() {
        return Err(ErreurTd31::Refus(
            r.erreurs
                .iter()
                .map(|e| format!("{} {}", e.code, e.contexte).trim().to_string())
                .collect::<Vec<_>>()
                .join(" ; "),
        ));
    }
    Ok(r.entrees.iter().map(DocumentDmp::depuis).collect())
}
