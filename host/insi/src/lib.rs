//! The INSi téléservice contract (CNAM WSDL `DESIR_ICIR_EXP_1.5.0`, SOAP
//! 1.2), in both directions: the host writes requests and reads answers,
//! the sandbox reads requests and writes answers, so that both speak the
//! same bytes. Two operations:
//!
//! - `rechercherInsAvecTraitsIdentite`: body `RECSANSVITALE`
//!   (namespace `http://www.cnamts.fr/INSiRecSans`) with the traits;
//! - `rechercherInsAvecCarteVitale`: body `RECVITALE`
//!   (`http://www.cnamts.fr/INSiRecVit`) with the card's beneficiary.
//!
//! Both carry the headers the WSDL names: `wsse:Security` (a SAML 2.0
//! assertion naming the professional), `ctxlps:ContexteLPS` (the software),
//! `wsa:MessageID`, `ctxbam:ContexteBAM`. The answer is `RESULTAT`
//! (`http://www.cnamts.fr/INSiResultat`): a code (00 one identity, 01 none,
//! 02 several) and, for 00, the active INS, its history and the reference
//! traits. "Vérification" is a search by traits whose answer is compared
//! with the stored INS.

pub mod request;
pub mod response;
mod tree;

pub use tree::{PROFONDEUR_MAX, TAILLE_MAX};
mod write;

pub use request::{CarteVitale, Contexte, Logiciel, Matricule, Professionnel, Recherche, Traits};
pub use response::{CodeCr, Individu, Ins, Resultat, TraitsInsi};

pub const SOAP_NS: &str = "http://www.w3.org/2003/05/soap-envelope";
pub const NS_RECSANS: &str = "http://www.cnamts.fr/INSiRecSans";
pub const NS_RECVIT: &str = "http://www.cnamts.fr/INSiRecVit";
pub const NS_RESULTAT: &str = "http://www.cnamts.fr/INSiResultat";
pub const NS_CTXBAM: &str = "urn:siram:bam:ctxbam";
pub const NS_CTXLPS: &str = "urn:siram:lps:ctxlps";
pub const NS_WSSE: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
pub const NS_SAML: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
pub const NS_WSA: &str = "http://www.w3.org/2005/08/addressing";

/// SOAP actions of the two operations (WSDL `soap12:operation`).
pub const ACTION_TRAITS: &str =
    "urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecTraitsIdentite";
pub const ACTION_VITALE: &str = "urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecCarteVitale";

#[derive(Debug, thiserror::Error)]
pub enum InsiError {
    #[error("message INSi illisible: {0}")]
    Xml(String),
    #[error("message INSi incomplet: {0} manquant")]
    Missing(&'static str),
    #[error("message INSi invalide: {0}")]
    Invalid(String),
    /// A message over the size or depth the reader accepts.
    #[error("message INSi hors limites: {0}")]
    Limite(String),
    /// A SOAP fault from the service (code and reason as sent).
    #[error("le téléservice INSi a refusé la demande ({code}): {reason}")]
    Fault { code: String, reason: String },
}

impl From<quick_xml::Error> for InsiError {
    fn from(e: quick_xml::Error) -> Self {
        Self::Xml(e.to_string())
    }
}

pub type Result<T> = std::result::Result<T, InsiError>;
