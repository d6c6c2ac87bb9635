//! Secure transport (issue 17, finding 4): one place where TLS is set up,
//! for the host's server and for every client (the desktop client towards
//! its host; the national services next).
//!
//! - [`serveur`]: the host's certificate, given (`--tls-cert/--tls-key`)
//!   or generated once, self-signed, in the home (a practice LAN has no
//!   public name to certify), and its SHA-256 fingerprint, which the
//!   clients pin.
//! - [`client`]: rustls client configurations that trust either the
//!   authorities of a trust store (the IGC-Santé chains in production, a
//!   test authority in tests) or exactly one pinned certificate, and
//!   present a client certificate where a service requires mutual TLS.
//! - [`identite`]: that client certificate, from PKCS#12 or PEM, with its
//!   holder and validity shown.
//!
//! rustls with the *ring* provider throughout: no OpenSSL, one provider
//! for the whole workspace.

pub mod client;
pub mod essai;
pub mod identite;
pub mod serveur;

use sha2::{Digest, Sha256};

/// Why a secure connection could not be set up, in French.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("certificat illisible ({quoi}): {raison}")]
    Certificat { quoi: String, raison: String },
    #[error("clé privée illisible ({quoi}): {raison}")]
    Cle { quoi: String, raison: String },
    /// A client certificate out of its validity.
    #[error("{0}")]
    Inutilisable(String),
    #[error("configuration TLS refusée: {0}")]
    Tls(#[from] rustls::Error),
    #[error("génération du certificat: {0}")]
    Generation(#[from] rcgen::Error),
    #[error("{chemin}: {source}")]
    Fichier {
        chemin: String,
        source: std::io::Error,
    },
}

/// The SHA-256 fingerprint of a certificate (DER), as people compare it:
/// upper-case hex pairs separated by colons.
pub fn empreinte(der: &[u8]) -> String {
    Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// A fingerprint as typed or stored (any case, colons or not), in the
/// form [`empreinte`] writes; `None` when it is not 32 hex bytes.
pub fn empreinte_normalisee(s: &str) -> Option<String> {
    let hexa: String = s
        .chars()
        .filter(|c| !matches!(c, ':' | ' '))
        .collect::<String>()
        .to_ascii_uppercase();
    let octets = hex::decode(&hexa).ok()?;
    (octets.len() == 32).then(|| {
        octets
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect::<Vec<_>>()
            .join(":")
    })
}

/// The crypto provider every configuration uses.
fn fournisseur() -> std::sync::Arc<rustls::crypto::CryptoProvider> {
    std::sync::Arc::new(rustls::crypto::ring::default_provider())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_compare_whatever_their_typing() {
        let e = empreinte(b"certificat");
        assert_eq!(e.len(), 32 * 3 - 1);
        assert_eq!(
            empreinte_normalisee(&e.replace(':', "").to_lowercase()),
            Some(e.clone())
        );
        assert_eq!(empreinte_normalisee("AB:CD"), None);
        assert_eq!(empreinte_normalisee("pas une empreinte"), None);
        let e = client::config(&client::Confiance::Epingle("AB:CD".into()))
            .unwrap_err()
            .to_string();
        assert!(e.contains("empreinte"), "{e}");
    }
}
