//! Client configurations: whom a client trusts, and what it says when a
//! server is not the one expected.

use crate::identite::IdentiteClient;
use crate::{TransportError, empreinte, fournisseur};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use std::sync::{Arc, Mutex};

/// Whom a client trusts.
#[derive(Debug, Clone)]
pub enum Confiance {
    /// The authorities of a trust store (the IGC-Santé chains towards the
    /// national services; a test authority in tests).
    Autorites(Vec<CertificateDer<'static>>),
    /// Exactly one server certificate, by its SHA-256 fingerprint (a
    /// practice's host with its self-signed certificate).
    Epingle(String),
}

/// The certificates of a PEM trust store (`quoi`: its path, for errors).
pub fn autorites_pem(
    pem: &[u8],
    quoi: &str,
) -> Result<Vec<CertificateDer<'static>>, TransportError> {
    let v = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TransportError::Certificat {
            quoi: quoi.into(),
            raison: e.to_string(),
        })?;
    if v.is_empty() {
        return Err(TransportError::Certificat {
            quoi: quoi.into(),
            raison: "aucun certificat d'autorité".into(),
        });
    }
    Ok(v)
}

/// The rustls client configuration for `confiance`.
pub fn config(confiance: &Confiance) -> Result<rustls::ClientConfig, TransportError> {
    config_avec(confiance, None)
}

/// The rustls client configuration for `confiance`, presenting `identite`
/// to a server that asks for a client certificate (mutual TLS towards a
/// national service). An expired certificate, or one not yet valid, is
/// refused here, with its dates.
pub fn config_avec(
    confiance: &Confiance,
    identite: Option<&IdentiteClient>,
) -> Result<rustls::ClientConfig, TransportError> {
    let f = fournisseur();
    let b = rustls::ClientConfig::builder_with_provider(f.clone())
        .with_safe_default_protocol_versions()?;
    let b = match confiance {
        Confiance::Autorites(certs) => {
            let mut racines = rustls::RootCertStore::empty();
            for c in certs {
                racines.add(c.clone())?;
            }
            b.with_root_certificates(racines)
        }
        Confiance::Epingle(e) => {
            b.dangerous()
                .with_custom_certificate_verifier(Arc::new(Epingle {
                    attendue: crate::empreinte_normalisee(e).ok_or_else(|| {
                        TransportError::Certificat {
                            quoi: "empreinte épinglée".into(),
                            raison: format!(
                                "«{e}» n'est pas une empreinte SHA-256 (32 octets en hexadécimal)"
                            ),
                        }
                    })?,
                    releve: None,
                    fournisseur: f,
                }))
        }
    };
    Ok(match identite {
        None => b.with_no_client_auth(),
        Some(i) => {
            i.utilisable(crate::identite::maintenant())?;
            let (chaine, cle) = i.pour_rustls();
            b.with_client_auth_cert(chaine, cle)?
        }
    })
}

/// A configuration that only reads the fingerprint a server presents
/// (into `releve`) and then refuses the connection: nothing is sent. The
/// user compares it with the one the host shows before pinning it.
pub fn config_releve(
    releve: Arc<Mutex<Option<String>>>,
) -> Result<rustls::ClientConfig, TransportError> {
    let f = fournisseur();
    Ok(rustls::ClientConfig::builder_with_provider(f.clone())
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(Epingle {
            attendue: String::new(),
            releve: Some(releve),
            fournisseur: f,
        }))
        .with_no_client_auth())
}

/// Accepts exactly the certificate whose fingerprint is `attendue`
/// (signatures of the handshake still checked).
#[derive(Debug)]
struct Epingle {
    attendue: String,
    releve: Option<Arc<Mutex<Option<String>>>>,
    fournisseur: Arc<CryptoProvider>,
}

/// What the pinning verifier says when the server is another one.
pub const CERTIFICAT_INATTENDU: &str = "certificat du serveur inattendu";

impl ServerCertVerifier for Epingle {
    fn verify_server_cert(
        &self,
        certificat: &CertificateDer<'_>,
        _intermediaires: &[CertificateDer<'_>],
        _nom: &ServerName<'_>,
        _ocsp: &[u8],
        _maintenant: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let e = empreinte(certificat.as_ref());
        if let Some(r) = &self.releve {
            if let Ok(mut r) = r.lock() {
                *r = Some(e);
            }
            return Err(rustls::Error::General(
                "empreinte relevée, connexion interrompue".into(),
            ));
        }
        if e == self.attendue {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General(format!(
                "{CERTIFICAT_INATTENDU}: empreinte {e}, celle enregistrée est {} (serveur remplacé ou connexion interceptée: ne poursuivez pas sans vérifier)",
                self.attendue
            )))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        certificat: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            certificat,
            dss,
            &self.fournisseur.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        certificat: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            certificat,
            dss,
            &self.fournisseur.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.fournisseur
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// What went wrong with TLS in an error (its chain of sources), in French;
/// `None` when it is not about TLS.
pub fn expliquer(e: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut courant = Some(e);
    while let Some(e) = courant {
        if let Some(t) = e.downcast_ref::<rustls::Error>() {
            return Some(francais(t));
        }
        // an I/O error carries the TLS one inside (not as its source)
        courant = match e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(dedans) => Some(dedans as &(dyn std::error::Error + 'static)),
            None => e.source(),
        };
    }
    None
}

fn francais(e: &rustls::Error) -> String {
    use rustls::CertificateError as C;
    match e {
        rustls::Error::General(m) => m.clone(),
        rustls::Error::InvalidCertificate(c) => match c {
            C::UnknownIssuer => "certificat du serveur émis par une autorité qui n'est pas dans le magasin de confiance".into(),
            C::Expired | C::ExpiredContext { .. } => "certificat du serveur expiré".into(),
            C::NotValidForName | C::NotValidForNameContext { .. } => {
                "certificat du serveur émis pour un autre nom que celui appelé".into()
            }
            C::Revoked => "certificat du serveur révoqué".into(),
            C::BadSignature => "signature du certificat du serveur invalide".into(),
            autre => format!("certificat du serveur refusé ({autre:?})"),
        },
        rustls::Error::AlertReceived(a) => {
            use rustls::AlertDescription as A;
            match a {
                A::CertificateRequired => "le serveur exige le certificat de la structure (authentification mutuelle) : aucun n'est configuré".into(),
                A::BadCertificate | A::UnknownCA | A::CertificateUnknown | A::AccessDenied => {
                    "le serveur a refusé le certificat de la structure (autorité non reconnue ou certificat révoqué)".into()
                }
                A::CertificateExpired => "le serveur a refusé le certificat de la structure : il a expiré".into(),
                autre => format!("connexion sécurisée refusée par le serveur ({autre:?})"),
            }
        }
        autre => format!("connexion sécurisée impossible: {autre}"),
    }
}
