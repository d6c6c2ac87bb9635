//! Enveloped XML-DSig as the DMP uses it (the VIHF in `wsse:Security`,
//! the XAdES document of a submission): one same-document reference,
//! the enveloped-signature and exclusive c14n transforms, the signer's
//! certificate in `KeyInfo`.
//!
//! We sign with RSA-SHA256 (the IGC-Santé keys; PDT-INF-579 lists the
//! suites the DMP accepts) or ECDSA P-256; we verify those and the
//! legacy RSA-SHA1 of the published examples. The keys and signatures
//! are *ring*'s, the provider the whole workspace uses.

use crate::c14n::{self, DSIG, Selection};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use quick_xml::events::Event;
use ring::rand::SystemRandom;
use ring::signature::{self as sig, KeyPair};
use sha2::Digest;

pub const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
pub const ENVELOPPEE: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
const RSA_SHA1: &str = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
const ECDSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256";
const SHA1: &str = "http://www.w3.org/2000/09/xmldsig#sha1";
const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";

/// Largest signed document read (a VIHF is a few kB; a XAdES manifest
/// lists a submission's documents).
pub const TAILLE_MAX: usize = 4 << 20;

#[derive(Debug, thiserror::Error)]
pub enum ErreurSignature {
    #[error(transparent)]
    C14n(#[from] c14n::ErreurC14n),
    #[error("clé de signature inutilisable : {0}")]
    Cle(String),
    #[error("signature XML absente")]
    Absente,
    #[error("signature XML mal formée : {0}")]
    Forme(String),
    #[error("algorithme de signature non accepté : {0}")]
    Algorithme(String),
    #[error("empreinte de l'élément signé différente : le contenu a été modifié après signature")]
    Empreinte,
    #[error("valeur de signature invalide pour le certificat joint")]
    Valeur,
    #[error("certificat du signataire illisible : {0}")]
    Certificat(String),
    #[error("signature trop volumineuse (plus de {TAILLE_MAX} octets)")]
    Taille,
}

/// The two algorithms we sign with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithme {
    RsaSha256,
    EcdsaP256Sha256,
}

impl Algorithme {
    pub fn uri(self) -> &'static str {
        match self {
            Algorithme::RsaSha256 => RSA_SHA256,
            Algorithme::EcdsaP256Sha256 => ECDSA_SHA256,
        }
    }
}

/// Who signs: the structure's key (indirect mode), the card's signature
/// key (direct mode, over PKCS#11), or a software key in tests. The
/// private key never leaves the implementation.
pub trait Signataire: Send + Sync {
    fn algorithme(&self) -> Algorithme;
    /// The signer's certificate (DER), put in `KeyInfo`.
    fn certificat(&self) -> &[u8];
    fn signer(&self, octets: &[u8]) -> Result<Vec<u8>, ErreurSignature>;
}

enum Paire {
    Rsa(sig::RsaKeyPair),
    Ec(sig::EcdsaKeyPair),
}

/// A key held in memory: the structure's certificate read from its
/// PKCS#12 or PEM (`esculape-transport`'s `IdentiteClient`), or a test
/// key. A real CPS card's key stays on the card and is another
/// [`Signataire`].
pub struct CleLogicielle {
    certificat: Vec<u8>,
    paire: Paire,
}

impl CleLogicielle {
    /// From the certificate (DER) and its private key: PKCS#8 (RSA or
    /// P-256) or PKCS#1 (RSA).
    pub fn nouvelle(
        certificat: &[u8],
        cle: &rustls::pki_types::PrivateKeyDer<'_>,
    ) -> Result<Self, ErreurSignature> {
        use rustls::pki_types::PrivateKeyDer as K;
        let erreur = |e: &dyn std::fmt::Display| ErreurSignature::Cle(e.to_string());
        let paire = match cle {
            K::Pkcs8(p) => match sig::RsaKeyPair::from_pkcs8(p.secret_pkcs8_der()) {
                Ok(r) => Paire::Rsa(r),
                Err(_) => Paire::Ec(
                    sig::EcdsaKeyPair::from_pkcs8(
                        &sig::ECDSA_P256_SHA256_FIXED_SIGNING,
                        p.secret_pkcs8_der(),
                        &SystemRandom::new(),
                    )
                    .map_err(|e| erreur(&e))?,
                ),
            },
            K::Pkcs1(p) => {
                Paire::Rsa(sig::RsaKeyPair::from_der(p.secret_pkcs1_der()).map_err(|e| erreur(&e))?)
            }
            _ => {
                return Err(ErreurSignature::Cle(
                    "clé SEC1 : la convertir en PKCS#8 (openssl pkcs8 -topk8)".into(),
                ));
            }
        };
        let cle = CleLogicielle {
            certificat: certificat.to_vec(),
            paire,
        };
        // the key must be the certificate's: said now, not by the DMP
        let public = match &cle.paire {
            Paire::Rsa(r) => r.public_key().as_ref().to_vec(),
            Paire::Ec(e) => e.public_key().as_ref().to_vec(),
        };
        if cle_publique(certificat)?.1 != public {
            return Err(ErreurSignature::Cle(
                "la clé privée n'est pas celle du certificat".into(),
            ));
        }
        Ok(cle)
    }
}

impl Signataire for CleLogicielle {
    fn algorithme(&self) -> Algorithme {
        match self.paire {
            Paire::Rsa(_) => Algorithme::RsaSha256,
            Paire::Ec(_) => Algorithme::EcdsaP256Sha256,
        }
    }

    fn certificat(&self) -> &[u8] {
        &self.certificat
    }

    fn signer(&self, octets: &[u8]) -> Result<Vec<u8>, ErreurSignature> {
        let rng = SystemRandom::new();
        match &self.paire {
            Paire::Rsa(r) => {
                let mut s = vec![0; r.public().modulus_len()];
                r.sign(&sig::RSA_PKCS1_SHA256, &rng, octets, &mut s)
                    .map_err(|e| ErreurSignature::Cle(e.to_string()))?;
                Ok(s)
            }
            Paire::Ec(e) => Ok(e
                .sign(&rng, octets)
                .map_err(|e| ErreurSignature::Cle(e.to_string()))?
                .as_ref()
                .to_vec()),
        }
    }
}

/// Whether the certificate's key is RSA, and its public key as *ring*
/// reads it (the subjectPublicKey bits).
fn cle_publique(certificat: &[u8]) -> Result<(bool, Vec<u8>), ErreurSignature> {
    let (_, c) = x509_parser::parse_x509_certificate(certificat)
        .map_err(|e| ErreurSignature::Certificat(e.to_string()))?;
    let spki = c.public_key();
    let rsa = spki.algorithm.algorithm.to_id_string() == "1.2.840.113549.1.1.1";
    Ok((rsa, spki.subject_public_key.data.to_vec()))
}

/// An element signed by a reference of `SignedInfo`.
#[derive(Debug, Clone, Copy)]
pub struct Reference<'a> {
    /// Its `ID`/`Id` (the reference is `#id`).
    pub id: &'a str,
    /// The enveloped-signature transform (the element holds the
    /// signature).
    pub enveloppee: bool,
    /// The reference's `Type`, if any (XAdES: a Manifest, the signed
    /// properties).
    pub type_: Option<&'a str>,
}

const SIGNED_INFO_VIDE: &str = "<SignedInfo></SignedInfo>";
const VALEUR_VIDE: &str = "<SignatureValue></SignatureValue>";

/// Fills the signature of `document` (UTF-8, written by us), which holds
/// once `<SignedInfo></SignedInfo><SignatureValue></SignatureValue>` in a
/// `Signature` of the XML-DSig default namespace: digests of `references`
/// (exc-c14n, SHA-256), then the value over the canonical `SignedInfo`.
pub fn signer_gabarit(
    document: &str,
    references: &[Reference<'_>],
    signataire: &dyn Signataire,
) -> Result<String, ErreurSignature> {
    if !document.contains(SIGNED_INFO_VIDE) || !document.contains(VALEUR_VIDE) {
        return Err(ErreurSignature::Forme(
            "gabarit de signature incomplet".into(),
        ));
    }
    let mut refs = String::new();
    for r in references {
        let empreinte = STANDARD.encode(sha2::Sha256::digest(c14n::canonicaliser(
            document.as_bytes(),
            Selection::ParId(r.id),
            r.enveloppee,
        )?));
        let type_ = r
            .type_
            .map(|t| format!(" Type=\"{t}\""))
            .unwrap_or_default();
        let enveloppe = if r.enveloppee {
            format!("<Transform Algorithm=\"{ENVELOPPEE}\"/>")
        } else {
            String::new()
        };
        refs.push_str(&format!(
            "<Reference URI=\"#{}\"{type_}><Transforms>{enveloppe}<Transform Algorithm=\"{EXC_C14N}\"/></Transforms><DigestMethod Algorithm=\"{SHA256}\"/><DigestValue>{empreinte}</DigestValue></Reference>",
            r.id
        ));
    }
    let signed_info = format!(
        "<SignedInfo><CanonicalizationMethod Algorithm=\"{EXC_C14N}\"/><SignatureMethod Algorithm=\"{}\"/>{refs}</SignedInfo>",
        signataire.algorithme().uri()
    );
    let signe = document.replacen(SIGNED_INFO_VIDE, &signed_info, 1);
    let canonique = c14n::canonicaliser(
        signe.as_bytes(),
        Selection::Element {
            ns: DSIG,
            local: "SignedInfo",
        },
        false,
    )?;
    let valeur = STANDARD.encode(signataire.signer(&canonique)?);
    Ok(signe.replacen(
        VALEUR_VIDE,
        &format!("<SignatureValue>{valeur}</SignatureValue>"),
        1,
    ))
}

/// The `KeyInfo` carrying the signer's certificate.
pub fn key_info(signataire: &dyn Signataire) -> String {
    format!(
        "<KeyInfo><X509Data><X509Certificate>{}</X509Certificate></X509Data></KeyInfo>",
        STANDARD.encode(signataire.certificat())
    )
}

/// Signs the element whose `ID` is `id`: the `Signature` is inserted
/// right after the first occurrence of `apres` (for a SAML assertion,
/// `</saml2:Issuer>`, where its schema puts it). `xml` must be written
/// by us, in UTF-8.
pub fn signer_enveloppe(
    xml: &str,
    id: &str,
    apres: &str,
    signataire: &dyn Signataire,
) -> Result<String, ErreurSignature> {
    let position = xml
        .find(apres)
        .map(|i| i + apres.len())
        .ok_or_else(|| ErreurSignature::Forme(format!("{apres} absent")))?;
    let signature = format!(
        "<Signature xmlns=\"{DSIG}\">{SIGNED_INFO_VIDE}{VALEUR_VIDE}{}</Signature>",
        key_info(signataire)
    );
    let gabarit = format!("{}{signature}{}", &xml[..position], &xml[position..]);
    signer_gabarit(
        &gabarit,
        &[Reference {
            id,
            enveloppee: true,
            type_: None,
        }],
        signataire,
    )
}

/// What a checked signature says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureVerifiee {
    /// The `ID` of the signed element (the caller checks it is the one
    /// it reads, against signature wrapping).
    pub reference: String,
    /// Every referenced `ID`, in `SignedInfo`'s order.
    pub references: Vec<String>,
    /// The signer's certificate (DER).
    pub certificat: Vec<u8>,
    pub algorithme: String,
}

#[derive(Default)]
struct ReferenceLue {
    uri: String,
    transformations: Vec<String>,
    empreinte_methode: Option<String>,
    empreinte: String,
}

#[derive(Default)]
struct Lue {
    canonicalisation: Option<String>,
    methode: Option<String>,
    /// The references of `SignedInfo` (a Manifest's are not checked
    /// here: its digest covers them).
    references: Vec<ReferenceLue>,
    valeur: String,
    certificat: String,
    inclusive_namespaces: bool,
}

/// Checks the first `ds:Signature` of `xml`: the digest of each element
/// its `SignedInfo` references (in this document: `#id`), then its value
/// with the certificate it carries. Whether that certificate is trusted
/// is the caller's decision.
pub fn verifier(xml: &[u8]) -> Result<SignatureVerifiee, ErreurSignature> {
    if xml.len() > TAILLE_MAX {
        return Err(ErreurSignature::Taille);
    }
    let lue = lire_signature(xml)?;
    if lue.inclusive_namespaces {
        return Err(ErreurSignature::Algorithme("InclusiveNamespaces".into()));
    }
    let canonicalisation = lue.canonicalisation.unwrap_or_default();
    if canonicalisation != EXC_C14N {
        return Err(ErreurSignature::Algorithme(canonicalisation));
    }
    if lue.references.is_empty() {
        return Err(ErreurSignature::Forme("aucune référence signée".into()));
    }
    let mut ids = Vec::new();
    for r in &lue.references {
        let id = r
            .uri
            .strip_prefix('#')
            .filter(|i| !i.is_empty())
            .ok_or_else(|| {
                ErreurSignature::Forme(format!("référence {:?} hors du document", r.uri))
            })?;
        let mut enveloppee = false;
        for t in &r.transformations {
            match t.as_str() {
                ENVELOPPEE => enveloppee = true,
                EXC_C14N => {}
                autre => return Err(ErreurSignature::Algorithme(autre.into())),
            }
        }
        let canonique = c14n::canonicaliser(xml, Selection::ParId(id), enveloppee)?;
        let empreinte = match r.empreinte_methode.as_deref() {
            Some(SHA256) => sha2::Sha256::digest(&canonique).to_vec(),
            Some(SHA1) => {
                use sha1::Digest as _;
                sha1::Sha1::digest(&canonique).to_vec()
            }
            autre => {
                return Err(ErreurSignature::Algorithme(
                    autre.unwrap_or_default().into(),
                ));
            }
        };
        if base64(&r.empreinte)? != empreinte {
            return Err(ErreurSignature::Empreinte);
        }
        ids.push(id.to_string());
    }
    let certificat = base64(&lue.certificat)?;
    let (rsa, public) = cle_publique(&certificat)?;
    let methode = lue.methode.unwrap_or_default();
    let algo: &dyn sig::VerificationAlgorithm = match (methode.as_str(), rsa) {
        (RSA_SHA256, true) => &sig::RSA_PKCS1_2048_8192_SHA256,
        (RSA_SHA1, true) => &sig::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
        (ECDSA_SHA256, false) => &sig::ECDSA_P256_SHA256_FIXED,
        _ => return Err(ErreurSignature::Algorithme(methode)),
    };
    let signed_info = c14n::canonicaliser(
        xml,
        Selection::Element {
            ns: DSIG,
            local: "SignedInfo",
        },
        false,
    )?;
    sig::UnparsedPublicKey::new(algo, &public)
        .verify(&signed_info, &base64(&lue.valeur)?)
        .map_err(|_| ErreurSignature::Valeur)?;
    Ok(SignatureVerifiee {
        reference: ids[0].clone(),
        references: ids,
        certificat,
        algorithme: methode,
    })
}

/// [`verifier`] for an enveloped signature: exactly one reference.
pub fn verifier_enveloppe(xml: &[u8]) -> Result<SignatureVerifiee, ErreurSignature> {
    let v = verifier(xml)?;
    if v.references.len() != 1 {
        return Err(ErreurSignature::Forme("plusieurs références".into()));
    }
    Ok(v)
}

fn base64(s: &str) -> Result<Vec<u8>, ErreurSignature> {
    let propre: String = s.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    STANDARD
        .decode(propre)
        .map_err(|e| ErreurSignature::Forme(format!("base64 : {e}")))
}

/// The fields of the first `ds:Signature` (namespace by URI, whatever
/// the prefix).
fn lire_signature(xml: &[u8]) -> Result<Lue, ErreurSignature> {
    let mut lecteur = quick_xml::NsReader::from_reader(xml);
    let mut tampon = Vec::new();
    let mut lue = Lue::default();
    let mut dans_signature = 0usize;
    let mut texte_de: Option<&'static str> = None;
    let mut dans_signed_info = false;
    let forme = |e: &dyn std::fmt::Display| ErreurSignature::Forme(e.to_string());
    loop {
        let (ns, ev) = lecteur
            .read_resolved_event_into(&mut tampon)
            .map_err(|e| forme(&e))?;
        let de_dsig =
            matches!(ns, quick_xml::name::ResolveResult::Bound(n) if n.as_ref() == DSIG.as_bytes());
        match ev {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let local = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                let vide = matches!(ev, Event::Empty(_));
                if de_dsig && local == "Signature" && dans_signature == 0 {
                    dans_signature = 1;
                    if vide {
                        break;
                    }
                    tampon.clear();
                    continue;
                }
                if dans_signature == 0 {
                    tampon.clear();
                    continue;
                }
                if !vide {
                    dans_signature += 1;
                }
                let algo = e
                    .try_get_attribute("Algorithm")
                    .map_err(|e| forme(&e))?
                    .map(|a| String::from_utf8_lossy(&a.value).into_owned());
                match local.as_str() {
                    "CanonicalizationMethod" if dans_signed_info => lue.canonicalisation = algo,
                    "SignatureMethod" if dans_signed_info => lue.methode = algo,
                    "SignedInfo" => dans_signed_info = !vide,
                    "Reference" if dans_signed_info => lue.references.push(ReferenceLue {
                        uri: e
                            .try_get_attribute("URI")
                            .map_err(|e| forme(&e))?
                            .map(|a| String::from_utf8_lossy(&a.value).into_owned())
                            .unwrap_or_default(),
                        ..ReferenceLue::default()
                    }),
                    "DigestMethod" if dans_signed_info => {
                        if let Some(r) = lue.references.last_mut() {
                            r.empreinte_methode = algo;
                        }
                    }
                    "Transform" if dans_signed_info => {
                        if let Some(r) = lue.references.last_mut() {
                            r.transformations.extend(algo);
                        }
                    }
                    "InclusiveNamespaces" => lue.inclusive_namespaces = true,
                    "DigestValue" if dans_signed_info => texte_de = Some("empreinte"),
                    "SignatureValue" => texte_de = Some("valeur"),
                    "X509Certificate" if lue.certificat.is_empty() => texte_de = Some("certificat"),
                    _ => {}
                }
            }
            Event::Text(t) if dans_signature > 0 => {
                let t = String::from_utf8_lossy(t.as_ref());
                match texte_de {
                    Some("empreinte") => {
                        if let Some(r) = lue.references.last_mut() {
                            r.empreinte.push_str(&t)
                        }
                    }
                    Some("valeur") => lue.valeur.push_str(&t),
                    Some("certificat") => lue.certificat.push_str(&t),
                    _ => {}
                }
            }
            Event::End(ref e) if dans_signature > 0 => {
                texte_de = None;
                if e.local_name().as_ref() == b"SignedInfo" {
                    dans_signed_info = false;
                }
                dans_signature -= 1;
                if dans_signature == 0 {
                    break;
                }
            }
            Event::DocType(_) => return Err(ErreurSignature::Forme("DOCTYPE non accepté".into())),
            Event::Eof => break,
            _ => {}
        }
        tampon.clear();
    }
    if dans_signature != 0 || lue.valeur.is_empty() {
        return Err(ErreurSignature::Absente);
    }
    Ok(lue)
}
