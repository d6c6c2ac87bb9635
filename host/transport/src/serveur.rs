//! The host's certificate and its server configuration.

use crate::{TransportError, empreinte, fournisseur};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::sync::Arc;

/// A server's certificate chain (its own first) and private key.
#[derive(Debug)]
pub struct CertificatServeur {
    pub chaine: Vec<CertificateDer<'static>>,
    pub cle: PrivateKeyDer<'static>,
}

/// A newly generated self-signed certificate, in PEM, to keep.
pub struct Genere {
    pub certificat_pem: String,
    pub cle_pem: String,
}

impl CertificatServeur {
    /// From PEM texts (`quoi` names them in errors: a file's path).
    pub fn depuis_pem(certificat: &[u8], cle: &[u8], quoi: &str) -> Result<Self, TransportError> {
        let chaine = CertificateDer::pem_slice_iter(certificat)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| TransportError::Certificat {
                quoi: quoi.into(),
                raison: e.to_string(),
            })?;
        if chaine.is_empty() {
            return Err(TransportError::Certificat {
                quoi: quoi.into(),
                raison: "aucun certificat PEM".into(),
            });
        }
        let cle = PrivateKeyDer::from_pem_slice(cle).map_err(|e| TransportError::Cle {
            quoi: quoi.into(),
            raison: e.to_string(),
        })?;
        Ok(Self { chaine, cle })
    }

    /// A self-signed certificate for `noms` (host names and addresses the
    /// clients use), valid ten years: on a practice's LAN nobody certifies
    /// the host, the clients pin its fingerprint instead.
    pub fn auto_signe(noms: &[String]) -> Result<Genere, TransportError> {
        let rcgen::CertifiedKey { cert, signing_key } =
            rcgen::generate_simple_self_signed(noms.to_vec())?;
        Ok(Genere {
            certificat_pem: cert.pem(),
            cle_pem: signing_key.serialize_pem(),
        })
    }

    /// The fingerprint clients pin (of the server's own certificate).
    pub fn empreinte(&self) -> String {
        empreinte(self.chaine[0].as_ref())
    }

    /// The rustls server configuration (HTTP/2 and HTTP/1.1).
    pub fn config(&self) -> Result<Arc<rustls::ServerConfig>, TransportError> {
        let mut c = rustls::ServerConfig::builder_with_provider(fournisseur())
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(self.chaine.clone(), self.cle.clone_key())?;
        c.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(Arc::new(c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_certificate_reads_back_and_configures_a_server() {
        let g = CertificatServeur::auto_signe(&["localhost".into(), "127.0.0.1".into()]).unwrap();
        let c = CertificatServeur::depuis_pem(
            g.certificat_pem.as_bytes(),
            g.cle_pem.as_bytes(),
            "test",
        )
        .unwrap();
        c.config().unwrap();
        assert_eq!(c.empreinte().len(), 95);
        let e = CertificatServeur::depuis_pem(b"rien", g.cle_pem.as_bytes(), "serveur.crt")
            .unwrap_err()
            .to_string();
        assert!(e.contains("serveur.crt") && e.contains("certificat"), "{e}");
    }
}
