//! IHE_XDM.ZIP: INDEX.HTM, README.TXT, IHE_XDM/SUBSET01/METADATA.XML (an
//! ebRIM SubmitObjectsRequest: submission set, document entry, their
//! association) and IHE_XDM/SUBSET01/DOC0001.XML. Written as the ANS
//! examples are, and read back by classification scheme and slot name.

use crate::{Code, DocumentEntry, XdsError, hash_and_size};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use std::io::{Read, Write};

const RIM: &str = "urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0";
const LCM: &str = "urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0";
const STABLE: &str = "urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1";
const SUBMISSION_SET: &str = "urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd";
const APPROVED: &str = "urn:oasis:names:tc:ebxml-regrep:StatusType:Approved";

/// XDS classification schemes by name.
pub const SCHEMES: &[(&str, &str)] = &[
    ("classCode", "urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a"),
    (
        "confidentialityCode",
        "urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f",
    ),
    (
        "eventCodeList",
        "urn:uuid:2c6b8cb7-8b2a-4051-b291-b1ae6a575ef4",
    ),
    (
        "formatCode",
        "urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d",
    ),
    (
        "healthcareFacilityTypeCode",
        "urn:uuid:f33fb8ac-18af-42cc-ae0e-ed0b0bdb91e1",
    ),
    (
        "practiceSettingCode",
        "urn:uuid:cccf5598-8b07-4b77-a05e-ae952c785ead",
    ),
    ("typeCode", "urn:uuid:f0306f51-975f-434e-a61c-c59651d33983"),
    ("author", "urn:uuid:93606bcf-9494-43ec-9b4e-a7748d1a838d"),
    (
        "submissionSet.author",
        "urn:uuid:a7058bb9-b4e4-4307-ba5b-e3f0ab85e12d",
    ),
    (
        "contentTypeCode",
        "urn:uuid:aa543740-bdda-424e-8c96-df4873be8500",
    ),
];
pub(crate) const DE_PATIENT_ID: &str = "urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427";
pub(crate) const DE_UNIQUE_ID: &str = "urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab";
const SS_PATIENT_ID: &str = "urn:uuid:6b5aea1a-874d-4603-a4bc-96a0a7b38446";
const SS_SOURCE_ID: &str = "urn:uuid:554ac39e-e3fe-47fe-b233-965d2a147832";
const SS_UNIQUE_ID: &str = "urn:uuid:96fdda7c-d067-4183-912e-bf5ee74998a8";

fn scheme(name: &str) -> &'static str {
    SCHEMES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, u)| *u)
        .unwrap_or("")
}

/// The submission set around one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    /// An OID, unique per submission.
    pub unique_id: String,
    /// The sending system's OID.
    pub source_id: String,
    /// UTC `AAAAMMJJhhmmss`.
    pub submission_time: String,
    /// Ids of the ebRIM objects (`urn:uuid:...`): set, document, association.
    pub set_uuid: String,
    pub entry_uuid: String,
    pub association_uuid: String,
}

struct X {
    w: Writer<Vec<u8>>,
}

impl X {
    fn open(&mut self, name: &str, attrs: &[(&str, &str)]) {
        let mut e = BytesStart::new(name);
        for a in attrs {
            e.push_attribute(*a);
        }
        let _ = self.w.write_event(Event::Start(e));
    }
    fn close(&mut self, name: &str) {
        let _ = self.w.write_event(Event::End(BytesEnd::new(name)));
    }
    fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) {
        let mut e = BytesStart::new(name);
        for a in attrs {
            e.push_attribute(*a);
        }
        let _ = self.w.write_event(Event::Empty(e));
    }
    fn text(&mut self, name: &str, text: &str) {
        self.open(name, &[]);
        let _ = self.w.write_event(Event::Text(BytesText::new(text)));
        self.close(name);
    }
    fn slot(&mut self, name: &str, values: &[&str]) {
        self.open("Slot", &[("name", name)]);
        self.open("ValueList", &[]);
        for v in values {
            self.text("Value", v);
        }
        self.close("ValueList");
        self.close("Slot");
    }
    fn name(&mut self, element: &str, value: &str) {
        self.open(element, &[]);
        self.empty(
            "LocalizedString",
            &[
                ("xml:lang", "fr-FR"),
                ("charset", "UTF-8"),
                ("value", value),
            ],
        );
        self.close(element);
    }
    fn classification(&mut self, id: &str, object: &str, scheme_name: &str, c: &Code) {
        self.open(
            "Classification",
            &[
                ("id", id),
                ("classificationScheme", scheme(scheme_name)),
                ("classifiedObject", object),
                ("nodeRepresentation", &c.code),
            ],
        );
        self.slot("codingScheme", &[&c.scheme]);
        self.name("Name", &c.display);
        self.close("Classification");
    }
    fn external_id(&mut self, id: &str, scheme: &str, object: &str, value: &str, name: &str) {
        self.open(
            "ExternalIdentifier",
            &[
                ("id", id),
                ("identificationScheme", scheme),
                ("registryObject", object),
                ("value", value),
            ],
        );
        self.name("Name", name);
        self.close("ExternalIdentifier");
    }
    fn author(&mut self, id: &str, scheme_name: &str, object: &str, e: &DocumentEntry) {
        self.open(
            "Classification",
            &[
                ("id", id),
                ("classificationScheme", scheme(scheme_name)),
                ("classifiedObject", object),
                ("nodeRepresentation", ""),
            ],
        );
        self.slot("authorInstitution", &[&e.author_institution]);
        self.slot("authorPerson", &[&e.author_person]);
        self.slot("authorSpecialty", &[&e.author_specialty]);
        self.close("Classification");
    }
}

/// The submission set (its RegistryPackage and classification).
fn lot(x: &mut X, e: &DocumentEntry, s: &Submission) {
    // The submission set.
    let set = s.set_uuid.as_str();
    x.open(
        "RegistryPackage",
        &[
            ("id", set),
            (
                "objectType",
                "urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:RegistryPackage",
            ),
            ("status", APPROVED),
        ],
    );
    x.slot("submissionTime", &[&s.submission_time]);
    x.name("Name", &e.title);
    x.author(&format!("{set}-auteur"), "submissionSet.author", set, e);
    // contentTypeCode: the care setting of the submission.
    x.classification(
        &format!("{set}-contenu"),
        set,
        "contentTypeCode",
        &e.healthcare_facility_type_code,
    );
    x.external_id(
        &format!("{set}-patient"),
        SS_PATIENT_ID,
        set,
        &e.patient_id,
        "XDSSubmissionSet.patientId",
    );
    x.external_id(
        &format!("{set}-source"),
        SS_SOURCE_ID,
        set,
        &s.source_id,
        "XDSSubmissionSet.sourceId",
    );
    x.external_id(
        &format!("{set}-unique"),
        SS_UNIQUE_ID,
        set,
        &s.unique_id,
        "XDSSubmissionSet.uniqueId",
    );
    x.close("RegistryPackage");
    x.empty(
        "Classification",
        &[
            ("id", &format!("{set}-classification")),
            ("classificationNode", SUBMISSION_SET),
            ("classifiedObject", set),
        ],
    );
}

/// A document entry (ExtrinsicObject); `uri`: its file in an XDM package.
fn entree(x: &mut X, e: &DocumentEntry, doc: &str, uri: Option<&str>) {
    entree_au_statut(x, e, doc, uri, APPROVED)
}

fn entree_au_statut(x: &mut X, e: &DocumentEntry, doc: &str, uri: Option<&str>, statut: &str) {
    x.open(
        "ExtrinsicObject",
        &[
            ("id", doc),
            ("mimeType", &e.mime_type),
            ("objectType", STABLE),
            ("status", statut),
        ],
    );
    x.slot("hash", &[&e.hash]);
    x.slot("size", &[&e.size.to_string()]);
    if let Some(u) = uri {
        x.slot("URI", &[u]);
    }
    x.slot("creationTime", &[&e.creation_time]);
    x.slot("languageCode", &[&e.language_code]);
    if let Some(l) = &e.legal_authenticator {
        x.slot("legalAuthenticator", &[l]);
    }
    if let Some(t) = &e.service_start_time {
        x.slot("serviceStartTime", &[t]);
    }
    if let Some(t) = &e.service_stop_time {
        x.slot("serviceStopTime", &[t]);
    }
    x.slot("sourcePatientId", &[&e.source_patient_id]);
    let info: Vec<&str> = e.source_patient_info.iter().map(String::as_str).collect();
    x.slot("sourcePatientInfo", &info);
    x.name("Name", &e.title);
    x.author(&format!("{doc}-auteur"), "author", doc, e);
    for (n, c) in e.event_codes.iter().enumerate() {
        x.classification(&format!("{doc}-evenement-{n}"), doc, "eventCodeList", c);
    }
    x.classification(&format!("{doc}-classe"), doc, "classCode", &e.class_code);
    x.classification(
        &format!("{doc}-confidentialite"),
        doc,
        "confidentialityCode",
        &e.confidentiality_code,
    );
    for (n, c) in e.confidentialite_dmp.iter().enumerate() {
        x.classification(
            &format!("{doc}-confidentialite-{n}"),
            doc,
            "confidentialityCode",
            c,
        );
    }
    x.classification(&format!("{doc}-format"), doc, "formatCode", &e.format_code);
    x.classification(
        &format!("{doc}-etablissement"),
        doc,
        "healthcareFacilityTypeCode",
        &e.healthcare_facility_type_code,
    );
    x.classification(
        &format!("{doc}-cadre"),
        doc,
        "practiceSettingCode",
        &e.practice_setting_code,
    );
    x.classification(&format!("{doc}-type"), doc, "typeCode", &e.type_code);
    x.external_id(
        &format!("{doc}-patient"),
        DE_PATIENT_ID,
        doc,
        &e.patient_id,
        "XDSDocumentEntry.patientId",
    );
    x.external_id(
        &format!("{doc}-unique"),
        DE_UNIQUE_ID,
        doc,
        &e.unique_id,
        "XDSDocumentEntry.uniqueId",
    );
    x.close("ExtrinsicObject");
}

fn association(x: &mut X, id: &str, type_: &str, source: &str, cible: &str, original: bool) {
    x.open(
        "Association",
        &[
            ("id", id),
            ("associationType", type_),
            ("sourceObject", source),
            ("targetObject", cible),
        ],
    );
    if original {
        x.slot("SubmissionSetStatus", &["Original"]);
    }
    x.close("Association");
}

const HAS_MEMBER: &str = "urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember";

/// The METADATA.XML of one document.
fn metadata_xml(e: &DocumentEntry, s: &Submission, statut: &str) -> Vec<u8> {
    let mut x = X {
        w: Writer::new_with_indent(Vec::new(), b' ', 2),
    };
    let _ =
        x.w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
    x.open(
        "lcm:SubmitObjectsRequest",
        &[("xmlns:lcm", LCM), ("xmlns", RIM)],
    );
    x.open("RegistryObjectList", &[]);
    lot(&mut x, e, s);
    entree_au_statut(&mut x, e, &s.entry_uuid, Some("DOC0001.XML"), statut);
    association(
        &mut x,
        &s.association_uuid,
        HAS_MEMBER,
        &s.set_uuid,
        &s.entry_uuid,
        true,
    );
    x.close("RegistryObjectList");
    x.close("lcm:SubmitObjectsRequest");
    let mut v = x.w.into_inner();
    v.push(b'\n');
    v
}

/// The signature document beside a DMP submission (IHE DSG): its entry,
/// and the ids of its objects.
pub struct SignatureLot<'a> {
    pub entree: &'a DocumentEntry,
    pub entry_uuid: &'a str,
    /// HasMember from the set, and `signs` towards the set.
    pub membre_uuid: &'a str,
    pub signe_uuid: &'a str,
}

/// One document entry's `ExtrinsicObject` alone, in the default (ebRIM)
/// namespace declared on it: what a registry keeps of a document it was
/// given otherwise than by a submission (the sandbox's test deposits).
pub fn entree_xml(e: &DocumentEntry, entry_uuid: &str) -> String {
    let mut x = X {
        w: Writer::new(Vec::new()),
    };
    entree(&mut x, e, entry_uuid, None);
    let s = String::from_utf8_lossy(&x.w.into_inner()).into_owned();
    s.replacen(
        "<ExtrinsicObject ",
        &format!("<ExtrinsicObject xmlns=\"{RIM}\" "),
        1,
    )
}

/// A SubmitObjectsRequest opened down to its RegistryObjectList, without
/// an XML declaration (it goes into a SOAP body).
fn demande_soumission() -> X {
    let mut x = X {
        w: Writer::new(Vec::new()),
    };
    x.open(
        "lcm:SubmitObjectsRequest",
        &[("xmlns:lcm", LCM), ("xmlns", RIM)],
    );
    x.open("RegistryObjectList", &[]);
    x
}

fn fin_de_demande(mut x: X) -> String {
    x.close("RegistryObjectList");
    x.close("lcm:SubmitObjectsRequest");
    String::from_utf8_lossy(&x.w.into_inner()).into_owned()
}

/// A new version replacing a document already in the registry (XDS RPLC):
/// the association's id and the replaced entry's entryUUID.
pub struct Remplacement<'a> {
    pub association_uuid: &'a str,
    pub cible: &'a str,
}

pub const RPLC: &str = "urn:ihe:iti:2007:AssociationType:RPLC";

/// The SubmitObjectsRequest of a DMP submission (ITI-41): the set, the
/// document, the signature document, the set's two HasMember and the
/// signature's `signs`, and the RPLC towards the version it replaces.
/// Without an XML declaration: it goes into a SOAP body.
pub fn soumission_xml(
    e: &DocumentEntry,
    s: &Submission,
    signature: &SignatureLot<'_>,
    remplace: Option<&Remplacement<'_>>,
) -> String {
    let mut x = demande_soumission();
    lot(&mut x, e, s);
    entree(&mut x, e, &s.entry_uuid, None);
    entree(&mut x, signature.entree, signature.entry_uuid, None);
    association(
        &mut x,
        &s.association_uuid,
        HAS_MEMBER,
        &s.set_uuid,
        &s.entry_uuid,
        true,
    );
    association(
        &mut x,
        signature.membre_uuid,
        HAS_MEMBER,
        &s.set_uuid,
        signature.entry_uuid,
        true,
    );
    association(
        &mut x,
        signature.signe_uuid,
        "urn:ihe:iti:2007:AssociationType:signs",
        signature.entry_uuid,
        &s.set_uuid,
        false,
    );
    if let Some(r) = remplace {
        association(
            &mut x,
            r.association_uuid,
            RPLC,
            &s.entry_uuid,
            r.cible,
            false,
        );
    }
    fin_de_demande(x)
}

/// The status of a document in the DMP's registry.
pub const STATUT_APPROUVE: &str = APPROVED;
pub const STATUT_ARCHIVE: &str = "urn:asip:ci-sis:2010:StatusType:Archived";
pub const STATUT_SUPPRIME: &str = "urn:asip:ci-sis:2010:StatusType:Deleted";
pub const MISE_A_JOUR_STATUT: &str = "urn:ihe:iti:2010:AssociationType:UpdateAvailabilityStatus";

/// The SubmitObjectsRequest of an ITI-57 status change (the DMP's TD3.3c
/// delete, TD3.3d archive): a submission set (author and patient of the
/// document `e`) and the UpdateAvailabilityStatus association from it to
/// the entry `cible`, from `ancien` to `nouveau`.
pub fn mise_a_jour_statut_xml(
    e: &DocumentEntry,
    s: &Submission,
    cible: &str,
    ancien: &str,
    nouveau: &str,
) -> String {
    let mut x = demande_soumission();
    lot(&mut x, e, s);
    x.open(
        "Association",
        &[
            ("id", &s.association_uuid),
            ("associationType", MISE_A_JOUR_STATUT),
            ("sourceObject", &s.set_uuid),
            ("targetObject", cible),
        ],
    );
    x.slot("OriginalStatus", &[ancien]);
    x.slot("NewStatus", &[nouveau]);
    x.close("Association");
    fin_de_demande(x)
}

/// What a received IHE_XDM package asks of its recipient's record.
///
/// The CI-SIS names no XDM form for « delete the document I sent you »
/// (LGC.MSS/UX.05; the volet that covers it, « transmission LPS de
/// documents CDA par courriel MSSanté », starts after a platform has read
/// the mail). Our choice, kept here and nowhere else: the document sent
/// again with its entry at the CI-SIS status « version dépubliée »
/// ([`STATUT_SUPPRIME`], TRE_R270, the DMP's TD3.3c delete). A newer
/// version needs no convention: its CDA header says it (same setId,
/// higher version, `relatedDocument` RPLC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemandeXdm {
    /// Take this document (or this newer version).
    Transmission,
    /// Delete this document, sent earlier.
    Suppression,
}

impl XdmPackage {
    pub fn demande(&self) -> DemandeXdm {
        if self.metadonnees.statut == STATUT_SUPPRIME {
            DemandeXdm::Suppression
        } else {
            DemandeXdm::Transmission
        }
    }
}

/// The IHE_XDM.ZIP bytes of one document.
pub fn write_xdm(e: &DocumentEntry, cda: &[u8], s: &Submission) -> Result<Vec<u8>, XdsError> {
    write_xdm_au_statut(e, cda, s, APPROVED)
}

/// The IHE_XDM.ZIP asking its recipient to delete `cda`, sent earlier
/// ([`DemandeXdm::Suppression`]).
pub fn write_xdm_suppression(
    e: &DocumentEntry,
    cda: &[u8],
    s: &Submission,
) -> Result<Vec<u8>, XdsError> {
    write_xdm_au_statut(e, cda, s, STATUT_SUPPRIME)
}

fn write_xdm_au_statut(
    e: &DocumentEntry,
    cda: &[u8],
    s: &Submission,
    statut: &str,
) -> Result<Vec<u8>, XdsError> {
    let err = |e: &dyn std::fmt::Display| XdsError::Xdm(e.to_string());
    let index = format!(
        "<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\"><title>IHE_XDM</title></head>\n<body><h1>Paquet IHE_XDM</h1>\n<p>Document : <a href=\"IHE_XDM/SUBSET01/DOC0001.XML\">{}</a></p>\n<p>Métadonnées : <a href=\"IHE_XDM/SUBSET01/METADATA.XML\">METADATA.XML</a></p>\n<p>Lire d'abord <a href=\"README.TXT\">README.TXT</a>.</p></body></html>\n",
        quick_xml::escape::escape(&e.title)
    );
    let readme = format!(
        "Paquet IHE_XDM produit par Esculape {}\r\nContenu : un document CDA R2 (IHE_XDM/SUBSET01/DOC0001.XML)\r\net ses métadonnées XDS (IHE_XDM/SUBSET01/METADATA.XML).\r\n",
        env!("CARGO_PKG_VERSION")
    );
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in [
        ("INDEX.HTM", index.as_bytes().to_vec()),
        ("README.TXT", readme.into_bytes()),
        ("IHE_XDM/SUBSET01/METADATA.XML", metadata_xml(e, s, statut)),
        ("IHE_XDM/SUBSET01/DOC0001.XML", cda.to_vec()),
    ] {
        zip.start_file(name, opts).map_err(|e| err(&e))?;
        zip.write_all(&bytes).map_err(|e| err(&e))?;
    }
    Ok(zip.finish().map_err(|e| err(&e))?.into_inner())
}

/// An IHE_XDM package read back: its document entry's metadata (read
/// as a registry's, fields reached through `Deref`) and its document.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct XdmPackage {
    pub metadonnees: crate::registre::EntreeLue,
    pub document: Vec<u8>,
}

impl std::ops::Deref for XdmPackage {
    type Target = crate::registre::EntreeLue;
    fn deref(&self) -> &Self::Target {
        &self.metadonnees
    }
}

impl XdmPackage {
    /// Whether the hash and size slots match the document.
    pub fn hash_and_size_match(&self) -> bool {
        let (hash, size) = hash_and_size(&self.document);
        self.slot("hash") == Some(hash.as_str())
            && self.slot("size") == Some(size.to_string().as_str())
    }
}

/// Read an IHE_XDM.ZIP: the first document entry's metadata and its
/// document.
pub fn read_xdm(bytes: &[u8]) -> Result<XdmPackage, XdsError> {
    let err = |e: &dyn std::fmt::Display| XdsError::Xdm(e.to_string());
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| err(&e))?;
    let mut read = |name: &str| -> Result<Vec<u8>, XdsError> {
        let mut f = zip
            .by_name(name)
            .map_err(|e| XdsError::Xdm(format!("{name}: {e}")))?;
        let mut v = Vec::new();
        f.read_to_end(&mut v).map_err(|e| err(&e))?;
        Ok(v)
    };
    let metadata = read("IHE_XDM/SUBSET01/METADATA.XML")?;
    let entree = crate::registre::lire(&metadata)?
        .entrees
        .into_iter()
        .next()
        .ok_or_else(|| XdsError::Xdm("METADATA.XML sans fiche de document".into()))?;
    let mut pkg = XdmPackage {
        metadonnees: entree,
        document: Vec::new(),
    };
    let uri = pkg.slot("URI").unwrap_or("DOC0001.XML").to_string();
    pkg.document = read(&format!("IHE_XDM/SUBSET01/{uri}"))?;
    Ok(pkg)
}
