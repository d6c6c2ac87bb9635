//! `esculape-proxy [--addr 127.0.0.1:8091]`: the proxy e-santé.
//!
//! Configuration (environment):
//! - `ESCULAPE_PSC_EMETTEUR`: PSC's issuer (default: PSC's test
//!   environment, "BAS");
//! - `ESCULAPE_PSC_CLIENT_ID`, and `ESCULAPE_PSC_SECRET` and/or the
//!   structure's certificate `ESCULAPE_PSC_CERT` (PKCS#12 or PEM) with
//!   `ESCULAPE_PSC_CLE` / `ESCULAPE_PSC_CERT_MDP`: without a secret the
//!   client authenticates by the certificate (`tls_client_auth`); the
//!   token exchange and the services need the certificate either way;
//! - `ESCULAPE_PROXY_SERVICES`: the services `/send/{nom}` reaches,
//!   `nom=URL` separated by commas (e.g. `insi=https://…/insi`);
//! - `ESCULAPE_PSC_CA`: PSC's trust store (PEM) for HTTPS;
//! - `ESCULAPE_PSC_REDIRECTION`: the desktop client's loopback redirect
//!   (default `http://127.0.0.1:53682/psc`);
//! - `ESCULAPE_PROXY_CLE`: the key hosts present.

use anyhow::{Context, bail};
use esculape_psc::{AuthentificationClient, ConfigPsc, Psc};
use std::sync::Arc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let args: Vec<String> = std::env::args().collect();
    let addr = args
        .iter()
        .position(|a| a == "--addr")
        .and_then(|i| args.get(i + 1))
        .cloned()
        .unwrap_or_else(|| "127.0.0.1:8091".into());
    let var = |n: &str| std::env::var(n).ok().filter(|v| !v.is_empty());
    let emetteur =
        var("ESCULAPE_PSC_EMETTEUR").unwrap_or_else(|| esculape_psc::EMETTEUR_BAS.into());
    let client_id = var("ESCULAPE_PSC_CLIENT_ID").context("ESCULAPE_PSC_CLIENT_ID manquant")?;
    let cle = var("ESCULAPE_PROXY_CLE")
        .context("ESCULAPE_PROXY_CLE manquant : la clé que présentent les hôtes")?;
    let redirection = var("ESCULAPE_PSC_REDIRECTION")
        .unwrap_or_else(|| esculape_psc::REDIRECTION_PAR_DEFAUT.into());
    let certificat = esculape_transport::identite::Emplacement::depuis_env("ESCULAPE_PSC");
    let authentification = match (var("ESCULAPE_PSC_SECRET"), &certificat) {
        (Some(s), _) => AuthentificationClient::Secret(s),
        (None, Some(_)) => AuthentificationClient::CertificatMutuel,
        (None, None) => bail!(
            "ni ESCULAPE_PSC_SECRET ni ESCULAPE_PSC_CERT : le client Pro Santé Connect doit s'authentifier"
        ),
    };
    let config = ConfigPsc::nouvelle(&emetteur, &client_id, authentification, &redirection);
    let identite = certificat
        .map(|c| c.charger())
        .transpose()
        .context("certificat du client Pro Santé Connect")?;
    if let Some(i) = &identite {
        tracing::info!(
            "certificat du client Pro Santé Connect : {}",
            i.resume(esculape_transport::identite::maintenant())
        );
    }
    let tls = match var("ESCULAPE_PSC_CA") {
        Some(chemin) => {
            let pem =
                std::fs::read(&chemin).with_context(|| format!("magasin de confiance {chemin}"))?;
            let autorites = esculape_transport::client::autorites_pem(&pem, &chemin)?;
            Some(esculape_transport::client::config_avec(
                &esculape_transport::client::Confiance::Autorites(autorites),
                identite.as_ref(),
            )?)
        }
        None if emetteur.starts_with("https://") => {
            bail!("ESCULAPE_PSC_CA manquant : la chaîne de confiance de Pro Santé Connect (HTTPS)")
        }
        None => None,
    };
    let http = esculape_psc::client_http(tls, config.delai)?;
    let psc = Psc::decouvrir(config, http)
        .await
        .with_context(|| format!("découverte de Pro Santé Connect ({emetteur})"))?;
    let services = esculape_proxy::services(&var("ESCULAPE_PROXY_SERVICES").unwrap_or_default())
        .map_err(anyhow::Error::msg)?;
    if !services.is_empty() && var("ESCULAPE_PSC_CA").is_none() {
        bail!(
            "ESCULAPE_PROXY_SERVICES sans ESCULAPE_PSC_CA : la chaîne de confiance des services nationaux (IGC-Santé)"
        );
    }
    if !services.is_empty() && identite.is_none() {
        bail!(
            "ESCULAPE_PROXY_SERVICES sans ESCULAPE_PSC_CERT : les services nationaux exigent le certificat de la structure"
        );
    }
    let ecoute = tokio::net::TcpListener::bind(&addr)
        .await
        .with_context(|| format!("écoute sur {addr}"))?;
    tracing::info!("proxy e-santé sur http://{addr} (Pro Santé Connect : {emetteur})");
    axum::serve(
        ecoute,
        esculape_proxy::router(Arc::new({
            let p = esculape_proxy::Proxy::new(psc, &cle).avec_services(services);
            match identite {
                Some(i) => p.avec_certificat(i),
                None => p,
            }
        })),
    )
    .await?;
    Ok(())
}
