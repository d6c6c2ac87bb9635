//! The signature document of a DMP submission (IHE DSG, XAdES): a
//! detached XML-DSig whose Manifest lists the submission set and every
//! document by `urn:oid:` uniqueId with its digest, with the purpose of
//! signature and the XAdES signed properties (signing time, the signing
//! certificate's digest and issuer/serial). Shaped as the published
//! `TD2.1-SignatureXades.xml`; the algorithms are ours
//! ([`crate::acces::HYPOTHESES`]).

use crate::signature::{self, ErreurSignature, Reference, Signataire};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::Digest;

pub const XADES: &str = "http://uri.etsi.org/01903/v1.1.1#";
/// classCode and formatCode of the signature document's entry (IHE DSG).
pub const CLASSE_SIGNATURE: &str = "urn:oid:1.3.6.1.4.1.19376.1.2.1.1.1";
pub const FORMAT_SIGNATURE: &str = "http://www.w3.org/2000/09/xmldsig#";
/// « Source signature » (ISO 17090 / ASTM E1762), the example's purpose.
const SIGNATURE_SOURCE: &str = "1.2.840.10065.1.12.1.14";
const MANIFEST: &str = "IHEManifest";

fn echapper(s: &str) -> String {
    quick_xml::escape::escape(s).into_owned()
}

/// What the manifest lists: `urn:oid:<uniqueId>` and the bytes (the
/// submission set has none: its digest is of nothing, as the example).
pub struct Piece<'a> {
    pub unique_id: &'a str,
    pub octets: &'a [u8],
}

/// The signature document of a submission; `id` is its `Id` (an NCName),
/// `instant` the signing time (`xsd:dateTime`).
pub fn signer_lot(
    id: &str,
    pieces: &[Piece<'_>],
    instant: &str,
    signataire: &dyn Signataire,
) -> Result<String, ErreurSignature> {
    let (_, c) = x509_parser::parse_x509_certificate(signataire.certificat())
        .map_err(|e| ErreurSignature::Certificat(e.to_string()))?;
    let emetteur = c.issuer().to_string();
    let serie = c.tbs_certificate.serial.to_string();
    let empreinte_cert = STANDARD.encode(sha2::Sha256::digest(signataire.certificat()));
    let mut manifeste = String::new();
    for p in pieces {
        manifeste.push_str(&format!(
            "<Reference URI=\"urn:oid:{}\"><DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/><DigestValue>{}</DigestValue></Reference>",
            echapper(p.unique_id),
            STANDARD.encode(sha2::Sha256::digest(p.octets))
        ));
    }
    let proprietes = format!("{id}-SignedProperties");
    let gabarit = format!(
        "<Signature xmlns=\"{dsig}\" Id=\"{id}\"><SignedInfo></SignedInfo><SignatureValue></SignatureValue>{key_info}\
<Object><Manifest Id=\"{MANIFEST}\">{manifeste}</Manifest></Object>\
<Object><SignatureProperties><SignatureProperty Id=\"purposeOfSignature\" Target=\"#{id}\">{SIGNATURE_SOURCE}</SignatureProperty></SignatureProperties></Object>\
<Object><QualifyingProperties xmlns=\"{XADES}\" Target=\"#{id}\"><SignedProperties Id=\"{proprietes}\"><SignedSignatureProperties>\
<SigningTime>{instant}</SigningTime>\
<SigningCertificate><Cert><CertDigest><DigestMethod xmlns=\"{dsig}\" Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/><DigestValue xmlns=\"{dsig}\">{empreinte_cert}</DigestValue></CertDigest>\
<IssuerSerial><X509IssuerName xmlns=\"{dsig}\">{emetteur}</X509IssuerName><X509SerialNumber xmlns=\"{dsig}\">{serie}</X509SerialNumber></IssuerSerial></Cert></SigningCertificate>\
<SignaturePolicyIdentifier><SignaturePolicyImplied/></SignaturePolicyIdentifier>\
</SignedSignatureProperties></SignedProperties></QualifyingProperties></Object></Signature>",
        dsig = crate::c14n::DSIG,
        key_info = signature::key_info(signataire),
        instant = echapper(instant),
        emetteur = echapper(&emetteur),
    );
    signature::signer_gabarit(
        &gabarit,
        &[
            Reference {
                id: MANIFEST,
                enveloppee: false,
                type_: Some("http://www.w3.org/2000/09/xmldsig#Manifest"),
            },
            Reference {
                id: &proprietes,
                enveloppee: false,
                type_: Some("http://uri.etsi.org/01903/v1.1.1#SignedProperties"),
            },
        ],
        signataire,
    )
}

/// The digests a signature document's manifest gives, by `urn:oid:`
/// uniqueId (what the DMP compares with the submission's documents).
pub fn manifeste(xml: &[u8]) -> Result<Vec<(String, Vec<u8>)>, ErreurSignature> {
    use quick_xml::events::Event;
    let mut r = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut dans = false;
    let mut courant: Option<String> = None;
    let mut valeur = false;
    let mut v = Vec::new();
    let forme = |e: &dyn std::fmt::Display| ErreurSignature::Forme(e.to_string());
    loop {
        match r.read_event_into(&mut buf).map_err(|e| forme(&e))? {
            Event::Start(e) => match e.local_name().as_ref() {
                b"Manifest" => dans = true,
                b"Reference" if dans => {
                    courant = e
                        .try_get_attribute("URI")
                        .map_err(|e| forme(&e))?
                        .map(|a| String::from_utf8_lossy(&a.value).into_owned());
                }
                b"DigestValue" if dans => valeur = true,
                _ => {}
            },
            Event::Text(t) if valeur => {
                let propre: String = String::from_utf8_lossy(t.as_ref())
                    .chars()
                    .filter(|c| !c.is_ascii_whitespace())
                    .collect();
                let octets = STANDARD.decode(propre).map_err(|e| forme(&e))?;
                if let Some(u) = courant.take() {
                    v.push((u.trim_start_matches("urn:oid:").to_string(), octets));
                }
            }
            Event::End(e) => match e.local_name().as_ref() {
                b"Manifest" => dans = false,
                b"DigestValue" => valeur = false,
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(v)
}
