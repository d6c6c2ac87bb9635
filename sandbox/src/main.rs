//! `esculape-sandbox [--addr 127.0.0.1:8090]`: the national services'
//! stand-ins on one local HTTP server (see the library's routes).

use anyhow::Context;
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
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .with_context(|| format!("écoute sur {addr}"))?;
    tracing::info!(
        "bac à sable des services nationaux sur http://{addr} (INSi: /insi, lecteur Vitale: /vitale)"
    );
    axum::serve(
        listener,
        esculape_sandbox::router(Arc::new(Default::default())),
    )
    .await?;
    Ok(())
}
