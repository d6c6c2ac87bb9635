//! Local stand-ins of the national services, speaking their published
//! contracts, for demos and tests where the real service cannot be
//! reached: the INSi téléservice ([`insi`]), the DMP ([`dmp`]), Pro Santé Connect ([`psc`]),
//! the Annuaire Santé ([`annuaire`])
//! and a carte Vitale reader ([`vitale`]). One HTTP server carries them all ([`router`]).

pub mod annuaire;
pub mod dmp;
pub mod identites;
pub mod insi;
pub mod psc;
pub mod vitale;

use axum::Router;
use esculape_transport::essai::{AutoriteDeTest, Emis};
use std::sync::Arc;

/// Everything the sandbox holds, shared by its routes.
#[derive(Default)]
pub struct Sandbox {
    pub insi: insi::Insi,
    pub annuaire: annuaire::Annuaire,
    pub dmp: dmp::Dmp,
    pub psc: psc::Psc,
    pub vitale: vitale::Lecteur,
    /// Where the same routes are served over mutual TLS
    /// (`https://host:port`), if they are: PSC's discovery then names its
    /// token endpoint there for the token exchange.
    pub base_mtls: std::sync::OnceLock<String>,
}

/// Routes: `POST /insi` (SOAP 1.2), `GET|PUT /insi/reglages` (latency and
/// failure injection), `/vitale/...` (the reader).
/// A test IGC-Santé: the authority, the sandbox's server certificate
/// (`localhost`, `127.0.0.1`) and a structure's client certificate valid a
/// year (what the proxy e-santé presents).
pub struct PkiDeTest {
    pub autorite: AutoriteDeTest,
    pub serveur: Emis,
    pub structure: Emis,
}

impl PkiDeTest {
    pub fn nouvelle(structure: &str) -> Result<Self, esculape_transport::TransportError> {
        let autorite = AutoriteDeTest::nouvelle("IGC-Santé du bac à sable")?;
        let serveur = autorite.emettre(&["localhost".into(), "127.0.0.1".into()])?;
        let maintenant = esculape_transport::identite::maintenant();
        let structure =
            autorite.emettre_client(structure, maintenant - 86_400, maintenant + 365 * 86_400)?;
        Ok(Self {
            autorite,
            serveur,
            structure,
        })
    }
}

/// A sandbox served in this process (tests) over plain HTTP (`http`: its
/// controls, PSC's discovery) and over mutual TLS (`mtls`, where PSC's
/// token exchange and the services are reached with `pki.structure`).
pub struct BacMutuel {
    pub sandbox: Arc<Sandbox>,
    pub http: String,
    pub mtls: String,
    pub pki: PkiDeTest,
}

impl BacMutuel {
    pub async fn demarrer() -> std::io::Result<Self> {
        let pki = PkiDeTest::nouvelle("Cabinet du Parc").map_err(std::io::Error::other)?;
        let sandbox = Arc::new(Sandbox::default());
        let ecoute = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let mtls = format!("https://localhost:{}", ecoute.local_addr()?.port());
        let _ = sandbox.base_mtls.set(mtls.clone());
        let config = pki
            .autorite
            .config_serveur_mutuel(&pki.serveur)
            .map_err(std::io::Error::other)?;
        tokio::spawn(servir_mutuel(sandbox.clone(), ecoute, Arc::new(config)));
        let ecoute = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let http = format!("http://{}", ecoute.local_addr()?);
        let routes = router(sandbox.clone());
        tokio::spawn(async move { axum::serve(ecoute, routes).await });
        Ok(Self {
            sandbox,
            http,
            mtls,
            pki,
        })
    }

    /// A TLS client configuration trusting the test authority and
    /// presenting `certificat` (none: no client certificate).
    pub fn tls(&self, certificat: Option<&Emis>) -> rustls::ClientConfig {
        use esculape_transport::client::{Confiance, autorites_pem, config_avec};
        let identite = certificat.map(|e| {
            esculape_transport::identite::IdentiteClient::depuis_pem(
                e.certificat_pem.as_bytes(),
                e.cle_pem.as_bytes(),
                "essai",
            )
        });
        autorites_pem(self.pki.autorite.certificat_pem().as_bytes(), "ca")
            .and_then(|r| config_avec(&Confiance::Autorites(r), identite.transpose()?.as_ref()))
            .unwrap_or_else(|e| panic!("configuration TLS d'essai : {e}"))
    }
}

/// Serves the sandbox over mutual TLS on `listener` (its handlers see the
/// client's certificate), as the national services are reached in
/// production.
pub async fn servir_mutuel(
    sandbox: Arc<Sandbox>,
    listener: tokio::net::TcpListener,
    config: Arc<rustls::ServerConfig>,
) -> std::io::Result<()> {
    esculape_ecoute::servir_mutuel(router(sandbox), listener, config, std::future::pending()).await
}

pub fn router(sandbox: Arc<Sandbox>) -> Router {
    insi::routes()
        .merge(annuaire::routes())
        .merge(dmp::routes())
        .merge(vitale::routes())
        .merge(psc::routes())
        .with_state(sandbox)
}
