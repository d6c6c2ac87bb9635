//! MSSanté secure messaging on the real protocols (DSR §3.2.4): SMTP
//! submission with lettre and IMAP with async-imap, both over STARTTLS with
//! the transport module's TLS (TLS 1.2 at least, only the configured
//! authorities trusted), both authenticated by the professional's Pro Santé
//! Connect access token (OAUTHBEARER or XOAUTH2, as the server announces;
//! SASL-IR when offered). The token lives in memory only.
//!
//! `message` writes the MIME message of an XDM sending (one patient, the
//! IHE_XDM.ZIP and the PDFs, the statistical `X-MSS-*` headers). Choices
//! made without the MSSanté client referential's text are named in
//! [`HYPOTHESES`].

pub mod autoconfiguration;
pub mod erreur;
mod imap;
pub mod lecture;
pub mod message;
pub mod sasl;
mod smtp;

pub use erreur::ErreurMss;
pub use imap::{MessageRecu, SessionImap, TAILLE_MAX};
pub use smtp::envoyer;

use esculape_transport::client::Confiance;
use esculape_transport::identite::IdentiteClient;
use std::time::Duration;

/// What was decided without the published text at hand, in one place.
pub const HYPOTHESES: &[(&str, &str)] = &[
    (
        "X-MSS-INS",
        "« O » quand le patient du document a une INS qualifiée, « N » sinon (valeurs du connecteur de la devbox ANS)",
    ),
    (
        "X-MSS-CODECDA",
        "un seul en-tête, les codes (LOINC de l'en-tête CDA) de chaque document de l'archive IHE_XDM séparés par des virgules (l'exigence dit « multi-valué »)",
    ),
    (
        "X-MSS-NIL",
        "la référence du produit (numéro d'identification du logiciel attribué par l'ANS), depuis la configuration",
    ),
    (
        "Demande de suppression d'un document reçu",
        "le document renvoyé dans un IHE_XDM.ZIP dont la fiche est au statut « urn:asip:ci-sis:2010:StatusType:Deleted » (TRE_R270, version dépubliée) ; la règle est esculape_xds::DemandeXdm",
    ),
    (
        "OAUTHBEARER avant XOAUTH2",
        "quand le serveur annonce les deux, le mécanisme normalisé (RFC 7628) est préféré",
    ),
];

/// A mail server: its name (checked against its certificate) and port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Serveur {
    pub hote: String,
    pub port: u16,
}

impl std::fmt::Display for Serveur {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.hote, self.port)
    }
}

/// A mailbox (personal or organisational) and where its operator serves
/// it: IMAP to read, SMTP submission to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Boite {
    pub adresse: String,
    pub imap: Serveur,
    pub smtp: Serveur,
}

/// The professional's PSC access token: kept in memory, never shown
/// (`Debug` hides it), never written.
#[derive(Clone)]
pub struct Jeton(String);

impl Jeton {
    pub fn new(acces: impl Into<String>) -> Self {
        Self(acces.into())
    }
    pub(crate) fn valeur(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Jeton {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Jeton(…)")
    }
}

/// How connections to the operator are secured: whom to trust (the
/// IGC-Santé chain in production, a test authority in tests) and, towards
/// an operator's LPS interface that asks for it, the structure's
/// certificate.
#[derive(Debug, Clone)]
pub struct Securite {
    pub confiance: Confiance,
    pub identite: Option<IdentiteClient>,
    /// Connection and each exchange.
    pub delai: Duration,
}

impl Securite {
    pub fn new(confiance: Confiance) -> Self {
        Self {
            confiance,
            identite: None,
            delai: Duration::from_secs(30),
        }
    }
}
