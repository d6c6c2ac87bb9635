//! `esculape-sandbox [--addr 127.0.0.1:8090] [--mtls 127.0.0.1:8443
//! --pki DIR]`: the national services' stand-ins on one local HTTP
//! server (see the library's routes) and, with `--mtls`, the same routes
//! over mutual TLS as the live services are reached: a test authority is
//! made at start and written to `DIR` (`ca.pem`, the trust store; and
//! `structure.pem`, a structure's certificate with its key, for the
//! proxy e-santé).

use anyhow::Context;
use esculape_sandbox::PkiDeTest;
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
        .unwrap_or_else(|| "127.0.0.1:8090".into());
    let arg = |nom: &str| {
        args.iter()
            .position(|a| a == nom)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let sandbox: Arc<esculape_sandbox::Sandbox> = Arc::new(Default::default());
    if let Some(mtls) = arg("--mtls") {
        let pki = arg("--pki").context("--mtls sans --pki : où écrire l'autorité de test")?;
        let pki = std::path::PathBuf::from(pki);
        std::fs::create_dir_all(&pki).with_context(|| format!("{}", pki.display()))?;
        let PkiDeTest {
            autorite,
            serveur,
            structure,
        } = PkiDeTest::nouvelle("Cabinet de démonstration")?;
        std::fs::write(pki.join("ca.pem"), autorite.certificat_pem())?;
        std::fs::write(
            pki.join("structure.pem"),
            format!("{}{}", structure.certificat_pem, structure.cle_pem),
        )?;
        let ecoute = tokio::net::TcpListener::bind(&mtls)
            .await
            .with_context(|| format!("écoute sur {mtls}"))?;
        let port = ecoute.local_addr()?.port();
        let _ = sandbox.base_mtls.set(format!("https://localhost:{port}"));
        tracing::info!(
            "bac à sable en TLS mutuel sur https://localhost:{port} (autorité de test dans {})",
            pki.display()
        );
        tokio::spawn(esculape_sandbox::servir_mutuel(
            sandbox.clone(),
            ecoute,
            Arc::new(autorite.config_serveur_mutuel(&serveur)?),
        ));
    }
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .with_context(|| format!("écoute sur {addr}"))?;
    tracing::info!(
        "bac à sable des services nationaux sur http://{addr} (INSi: /insi, lecteur Vitale: /vitale)"
    );
    axum::serve(listener, esculape_sandbox::router(sandbox)).await?;
    Ok(())
}
