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

impl AutoriteDeTest {
    /// A client certificate (a structure's, as IGC-Santé issues them) for
    /// `nom`, valid from `debut` to `fin` (Unix seconds).
    pub fn emettre_client(&self, nom: &str, debut: i64, fin: i64) -> Result<Emis, TransportError> {
        let date = |t: i64| {
            time::OffsetDateTime::from_unix_timestamp(t).map_err(|e| TransportError::Certificat {
                quoi: nom.into(),
                raison: e.to_string(),
            })
        };
        let mut p = CertificateParams::new(Vec::<String>::new())?;
        p.distinguished_name.push(DnType::CommonName, nom);
        p.distinguished_name
            .push(DnType::OrganizationName, "Esculape (essai)");
        p.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
        p.not_before = date(debut)?;
        p.not_after = date(fin)?;
        let cle = KeyPair::generate()?;
        let cert = p.signed_by(&cle, &self.emetteur)?;
        Ok(Emis {
            certificat_pem: cert.pem(),
            cle_pem: cle.serialize_pem(),
        })
    }

    /// A server configuration that requires a client certificate issued by
    /// this authority (the stand-in of a national service that asks for
    /// mutual TLS), serving `serveur`.
    pub fn config_serveur_mutuel(
        &self,
        serveur: &Emis,
    ) -> Result<rustls::ServerConfig, TransportError> {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let f = crate::fournisseur();
        let mut racines = rustls::RootCertStore::empty();
        racines.add(CertificateDer::from(self.emetteur.der().to_vec()))?;
        let verificateur =
            rustls::server::WebPkiClientVerifier::builder_with_provider(racines.into(), f.clone())
                .build()
                .map_err(|e| TransportError::Tls(rustls::Error::General(e.to_string())))?;
        let chaine = CertificateDer::pem_slice_iter(serveur.certificat_pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| TransportError::Certificat {
                quoi: "serveur".into(),
                raison: e.to_string(),
            })?;
        let cle = PrivateKeyDer::from_pem_slice(serveur.cle_pem.as_bytes()).map_err(|e| {
            TransportError::Cle {
                quoi: "serveur".into(),
                raison: e.to_string(),
            }
        })?;
        Ok(rustls::ServerConfig::builder_with_provider(f)
            .with_safe_default_protocol_versions()?
            .with_client_cert_verifier(verificateur)
            .with_single_cert(chaine, cle)?)
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
