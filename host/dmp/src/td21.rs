//! TD2.1 « alimentation » (IHE ITI-41 Provide and Register Document
//! Set-b): the submission of one document with its XAdES signature
//! document (IHE DSG), packaged as MTOM/XOP — the SOAP envelope as the
//! root part, the CDA and the signature as binary parts referenced by
//! `xop:Include`. Written as `TD2.1-Alimentation_requete.xml` is.

use crate::signature::{ErreurSignature, Signataire};
use crate::xades::{self, Piece};
use esculape_xds::{Code, DocumentEntry, Remplacement, SignatureLot, Submission};

pub const ACTION: &str = "urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b";
pub const ACTION_REPONSE: &str = "urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-bResponse";
const XDSB: &str = "urn:ihe:iti:xds-b:2007";
const XOP: &str = "http://www.w3.org/2004/08/xop/include";

/// A binary part of the MTOM message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partie {
    /// Its `Content-ID` (without `<>`), the `cid:` of its `xop:Include`.
    pub cid: String,
    pub type_contenu: String,
    pub octets: Vec<u8>,
}

/// What is submitted: the document, its metadata (computed from its
/// header by `esculape-xds`) and the submission set's ids.
pub struct Soumission<'a> {
    pub cda: &'a [u8],
    pub entree: &'a DocumentEntry,
    pub lot: &'a Submission,
    /// The signature document's uniqueId (an OID) and its objects' ids.
    pub signature_unique_id: &'a str,
    pub signature_uuids: [&'a str; 3],
    /// The version this one replaces in the DMP (RPLC), if any.
    pub remplace: Option<Remplacement<'a>>,
}

/// The entryUUID under which a document is submitted, derived from its
/// uniqueId: the same document always has the same one, so that a later
/// version can replace it (RPLC) without asking the DMP for it
/// (`acces::HYPOTHESES`: the DMP keeps the entryUUID it is given).
pub fn entree_uuid(unique_id: &str) -> String {
    let h = ring::digest::digest(
        &ring::digest::SHA256,
        format!("esculape:dmp:entree:{unique_id}").as_bytes(),
    );
    let mut b = [0u8; 16];
    b.copy_from_slice(&h.as_ref()[..16]);
    // RFC 9562 version 8 (custom), variant 10
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let x: String = b.iter().map(|o| format!("{o:02x}")).collect();
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &x[0..8],
        &x[8..12],
        &x[12..16],
        &x[16..20],
        &x[20..32]
    )
}

fn code(code: &str, scheme: &str, display: &str) -> Code {
    Code {
        code: code.into(),
        scheme: scheme.into(),
        display: display.into(),
    }
}

/// The signature document's entry: the document's author, patient and
/// setting, the IHE DSG codes.
pub fn entree_signature(doc: &DocumentEntry, unique_id: &str, signature: &[u8]) -> DocumentEntry {
    let (hash, size) = esculape_xds::hash_and_size(signature);
    DocumentEntry {
        unique_id: unique_id.into(),
        title: "Source".into(),
        mime_type: "text/xml".into(),
        type_code: code("E1762", "ASTM", "Full Document"),
        class_code: code(xades::CLASSE_SIGNATURE, "URN", "Digital Signature"),
        format_code: code(xades::FORMAT_SIGNATURE, "URN", "Default Signature Style"),
        event_codes: vec![code(
            "1.2.840.10065.1.12.1.14",
            "1.2.840.10065.1.12",
            "Source",
        )],
        language_code: "art".into(),
        hash,
        size,
        ..doc.clone()
    }
}

/// The root part (the SOAP body's `ProvideAndRegisterDocumentSetRequest`)
/// and the two binary parts. `instant` is the signing time.
pub fn requete(
    s: &Soumission<'_>,
    instant: &str,
    signataire: &dyn Signataire,
) -> Result<(String, Vec<Partie>), ErreurSignature> {
    let signature = xades::signer_lot(
        &format!(
            "sig-{}",
            s.signature_uuids[0].trim_start_matches("urn:uuid:")
        ),
        &[
            Piece {
                unique_id: &s.lot.unique_id,
                octets: b"",
            },
            Piece {
                unique_id: &s.entree.unique_id,
                octets: s.cda,
            },
        ],
        instant,
        signataire,
    )?;
    let e_sig = entree_signature(s.entree, s.signature_unique_id, signature.as_bytes());
    let metadonnees = esculape_xds::soumission_xml(
        s.entree,
        s.lot,
        &SignatureLot {
            entree: &e_sig,
            entry_uuid: s.signature_uuids[0],
            membre_uuid: s.signature_uuids[1],
            signe_uuid: s.signature_uuids[2],
        },
        s.remplace.as_ref(),
    );
    let cid_doc = format!(
        "doc-{}@esculape",
        s.lot.entry_uuid.trim_start_matches("urn:uuid:")
    );
    let cid_sig = format!(
        "sig-{}@esculape",
        s.signature_uuids[0].trim_start_matches("urn:uuid:")
    );
    let corps = format!(
        "<xdsb:ProvideAndRegisterDocumentSetRequest xmlns:xdsb=\"{XDSB}\">{metadonnees}\
<xdsb:Document id=\"{}\"><xop:Include xmlns:xop=\"{XOP}\" href=\"cid:{cid_doc}\"/></xdsb:Document>\
<xdsb:Document id=\"{}\"><xop:Include xmlns:xop=\"{XOP}\" href=\"cid:{cid_sig}\"/></xdsb:Document>\
</xdsb:ProvideAndRegisterDocumentSetRequest>",
        s.lot.entry_uuid, s.signature_uuids[0]
    );
    Ok((
        corps,
        vec![
            Partie {
                cid: cid_doc,
                type_contenu: "text/xml".into(),
                octets: s.cda.to_vec(),
            },
            Partie {
                cid: cid_sig,
                type_contenu: "text/xml".into(),
                octets: signature.into_bytes(),
            },
        ],
    ))
}

/// The MTOM/XOP message: its `Content-Type` and body. The boundary is
/// chosen absent from every part.
pub fn mtom(enveloppe: &str, parties: &[Partie], action: &str) -> (String, Vec<u8>) {
    let mut limite = format!("MIMEBoundary_{}", crate::uuid().replace('-', ""));
    while parties.iter().any(|p| {
        p.octets
            .windows(limite.len())
            .any(|w| w == limite.as_bytes())
    }) || enveloppe.contains(&limite)
    {
        limite = format!("MIMEBoundary_{}", crate::uuid().replace('-', ""));
    }
    let racine = "root.message@esculape";
    let mut corps = Vec::with_capacity(
        enveloppe.len() + parties.iter().map(|p| p.octets.len() + 200).sum::<usize>(),
    );
    corps.extend_from_slice(
        format!(
            "--{limite}\r\nContent-Type: application/xop+xml; charset=UTF-8; type=\"application/soap+xml\"\r\nContent-Transfer-Encoding: binary\r\nContent-ID: <{racine}>\r\n\r\n"
        )
        .as_bytes(),
    );
    corps.extend_from_slice(enveloppe.as_bytes());
    for p in parties {
        corps.extend_from_slice(
            format!(
                "\r\n--{limite}\r\nContent-Type: {}\r\nContent-Transfer-Encoding: binary\r\nContent-ID: <{}>\r\n\r\n",
                p.type_contenu, p.cid
            )
            .as_bytes(),
        );
        corps.extend_from_slice(&p.octets);
    }
    corps.extend_from_slice(format!("\r\n--{limite}--\r\n").as_bytes());
    let type_contenu = format!(
        "multipart/related; type=\"application/xop+xml\"; boundary=\"{limite}\"; start=\"<{racine}>\"; start-info=\"application/soap+xml\"; action=\"{action}\""
    );
    (type_contenu, corps)
}

/// The parts of an MTOM message (the sandbox's reading, and the tests'):
/// `Content-ID` (without `<>`) → bytes; the root part first. Bounded by
/// the body's size.
pub fn parties_mtom(type_contenu: &str, corps: &[u8]) -> Result<Vec<(String, Vec<u8>)>, String> {
    let limite = type_contenu
        .split(';')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("boundary="))
        .map(|b| b.trim_matches('"').to_string())
        .ok_or("multipart sans boundary")?;
    let separateur = format!("--{limite}");
    let mut parties = Vec::new();
    let mut reste = corps;
    let debut = chercher(reste, separateur.as_bytes()).ok_or("premier séparateur absent")?;
    reste = &reste[debut + separateur.len()..];
    loop {
        if reste.starts_with(b"--") {
            return Ok(parties);
        }
        let fin_entetes = chercher(reste, b"\r\n\r\n").ok_or("en-têtes de partie incomplets")?;
        let entetes = String::from_utf8_lossy(&reste[..fin_entetes]).into_owned();
        let contenu = &reste[fin_entetes + 4..];
        let fin = chercher(contenu, format!("\r\n{separateur}").as_bytes())
            .ok_or("partie non terminée")?;
        let cid = entetes
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.trim()
                    .eq_ignore_ascii_case("content-id")
                    .then(|| v.trim().trim_matches(['<', '>']).to_string())
            })
            .unwrap_or_default();
        parties.push((cid, contenu[..fin].to_vec()));
        reste = &contenu[fin + 2 + separateur.len()..];
    }
}

fn chercher(botte: &[u8], aiguille: &[u8]) -> Option<usize> {
    botte.windows(aiguille.len()).position(|w| w == aiguille)
}
