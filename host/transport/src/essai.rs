//! A public key infrastructure for tests and local set-ups: an authority
//! and the certificates it issues (the national services' IGC-Santé
//! stands in production; this one in CI, for PostgreSQL over TLS and the
//! services' local stand-ins).

use crate::TransportError;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};

/// A test authority.
pub struct AutoriteDeTest {
    emetteur: CertifiedIssuer<'static, KeyPair>,
}

/// A certificate issued, in PEM.
pub struct Emis {
    pub certificat_pem: String,
    pub cle_pem: String,
}

impl AutoriteDeTest {
    pub fn nouvelle(nom: &str) -> Result<Self, TransportError> {
        let mut p = CertificateParams::new(Vec::<String>::new())?;
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.distinguished_name.push(DnType::CommonName, nom);
        p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        Ok(Self {
            emetteur: CertifiedIssuer::self_signed(p, KeyPair::generate()?)?,
        })
    }

    /// The authority's certificate (what a trust store holds).
    pub fn certificat_pem(&self) -> String {
        self.emetteur.pem()
    }

    /// A server certificate for `noms` (DNS names or IP addresses).
    pub fn emettre(&self, noms: &[String]) -> Result<Emis, TransportError> {
        let mut p = CertificateParams::new(noms.to_vec())?;
        p.distinguished_name.push(
            DnType::CommonName,
            noms.first().map(String::as_str).unwrap_or("serveur"),
        );
        let cle = KeyPair::generate()?;
        let cert = p.signed_by(&cle, &self.emetteur)?;
        Ok(Emis {
            certificat_pem: cert.pem(),
            cle_pem: cle.serialize_pem(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_issued_certificate_chains_to_its_authority() {
        let a = AutoriteDeTest::nouvelle("Autorité de test Esculape").unwrap();
        let e = a
            .emettre(&["localhost".into(), "127.0.0.1".into()])
            .unwrap();
        let racines = crate::client::autorites_pem(a.certificat_pem().as_bytes(), "ca").unwrap();
        crate::client::config(&crate::client::Confiance::Autorites(racines)).unwrap();
        crate::serveur::CertificatServeur::depuis_pem(
            e.certificat_pem.as_bytes(),
            e.cle_pem.as_bytes(),
            "serveur",
        )
        .unwrap()
        .config()
        .unwrap();
    }
}
