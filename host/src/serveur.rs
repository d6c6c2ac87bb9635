//! A host serving its API on a home: what `esculape serve` runs, and what
//! the desktop client of a one-doctor install starts in its own process
//! (on a local port, with the first-start set-up open).

use crate::{api, home, qualification};
use anyhow::Context;
use std::path::{Path, PathBuf};

/// The host's state on `home`: installed plugins loaded, database opened
/// (migrated), search index warming in the background, INS worker
/// started. Must run inside a tokio runtime.
pub async fn etat(home: &Path, premier_demarrage: bool) -> anyhow::Result<api::AppState> {
    let mut app = home::app(home).await?;
    // Pro Santé Connect through the proxy e-santé, when one is configured;
    // its sessions checked every minute (a session PSC ended ends here).
    if let Some(c) = esculape_app::psc::ConfigProxy::depuis_env() {
        tracing::info!("connexion Pro Santé Connect par le proxy e-santé {}", c.url);
        app.psc = Some(std::sync::Arc::new(
            esculape_app::psc::ConnexionPsc::new(c).context("proxy e-santé")?,
        ));
        let veille = app.clone();
        tokio::spawn(async move {
            let mut t = tokio::time::interval(std::time::Duration::from_secs(60));
            loop {
                t.tick().await;
                match veille.psc_surveiller().await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!("{n} session(s) Pro Santé Connect terminée(s)"),
                    Err(e) => tracing::warn!("sessions Pro Santé Connect : {e}"),
                }
            }
        });
        // the MSSanté mailboxes of the professionals signed in with PSC,
        // read every five minutes
        let releve = app.clone();
        tokio::spawn(async move {
            let mut t = tokio::time::interval(std::time::Duration::from_secs(300));
            loop {
                t.tick().await;
                for (compte, r) in releve.relever_mss_des_sessions().await {
                    match r {
                        Ok(r) if r.messages > 0 => tracing::info!(
                            "messagerie de {compte} relevée : {} message(s), {} document(s)",
                            r.messages,
                            r.documents.len()
                        ),
                        Ok(_) => {}
                        Err(e) => tracing::warn!("messagerie de {compte} non relevée : {e}"),
                    }
                }
            }
        });
    }
    // Loading plugins compiles them (once, then cached): off the runtime.
    let rt = app.runtime.clone();
    tokio::task::spawn_blocking(move || {
        for (id, result) in rt.load_installed() {
            match result {
                Ok(p) => tracing::info!("module {id} {} chargé ({:?})", p.version, p.origin),
                Err(e) => tracing::error!("module {id} non chargé: {e}"),
            }
        }
    })
    .await?;
    // Anchor the audit trail at start, then every ten minutes.
    let ancrage = app.clone();
    tokio::spawn(async move {
        let mut t = tokio::time::interval(std::time::Duration::from_secs(600));
        loop {
            t.tick().await;
            if let Err(e) = ancrage.ancrer_journal().await {
                tracing::error!("ancrage du journal d'audit: {e}");
            }
        }
    });
    // Load the search index while the first user logs in.
    let warming = app.clone();
    tokio::spawn(async move { warming.prechauffer_recherche().await });
    let mut state = api::AppState {
        app,
        premier_demarrage: None,
    };
    if premier_demarrage {
        state.premier_demarrage = Some(esculape_app::auth::CodeInstallation::nouveau()?);
    }
    // The INS workflow in the background: INSi queries and their retries,
    // verifications, carte Vitale insertions.
    qualification::demarrer(&state);
    Ok(state)
}

/// Serves the API on `listener` until `arret` completes.
pub async fn servir(
    state: api::AppState,
    listener: tokio::net::TcpListener,
    arret: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    axum::serve(
        listener,
        api::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(arret)
    .await?;
    Ok(())
}

/// Serves the API over TLS on `listener` until `arret` completes.
pub async fn servir_tls(
    state: api::AppState,
    listener: tokio::net::TcpListener,
    config: std::sync::Arc<rustls::ServerConfig>,
    arret: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    servir_routeur_tls(api::router(state), listener, config, arret).await
}

/// Serves `routeur` over TLS (the host's API; in tests, the national
/// services' stand-ins as they are reached in production).
pub async fn servir_routeur_tls(
    routeur: axum::Router,
    listener: tokio::net::TcpListener,
    config: std::sync::Arc<rustls::ServerConfig>,
    arret: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    esculape_ecoute::servir(routeur, listener, config, arret).await?;
    Ok(())
}

/// Plain HTTP is for this machine only: a host listening on any other
/// address speaks TLS.
pub fn exige_tls(addr: &std::net::SocketAddr) -> bool {
    !addr.ip().is_loopback()
}

/// A host running in this process on a thread of its own (its own tokio
/// runtime), listening on a free port of 127.0.0.1.
pub struct HoteEmbarque {
    pub url: String,
    /// The one-time code of this start's first-start set-up, for this
    /// process's window only.
    pub code_installation: Option<String>,
    arret: Option<tokio::sync::oneshot::Sender<()>>,
    fil: Option<std::thread::JoinHandle<()>>,
}

impl HoteEmbarque {
    /// Starts the host of a one-doctor install on `home` and returns once
    /// it answers (plugins loaded, database migrated). The first-start
    /// set-up is open while the home has no account.
    pub fn demarrer(home: PathBuf) -> anyhow::Result<Self> {
        let (pret_tx, pret_rx) =
            std::sync::mpsc::channel::<anyhow::Result<(String, Option<String>)>>();
        let (arret_tx, arret_rx) = tokio::sync::oneshot::channel::<()>();
        let fil = std::thread::Builder::new()
            .name("esculape-hote".into())
            .spawn(move || {
                let demarrage = || -> anyhow::Result<_> {
                    let rt = tokio::runtime::Builder::new_multi_thread()
                        .enable_all()
                        .build()?;
                    let (state, listener) = rt.block_on(async {
                        let state = etat(&home, true).await?;
                        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                            .await
                            .context("écoute sur 127.0.0.1")?;
                        anyhow::Ok((state, listener))
                    })?;
                    Ok((rt, state, listener))
                };
                match demarrage() {
                    Err(e) => {
                        let _ = pret_tx.send(Err(e));
                    }
                    Ok((rt, state, listener)) => {
                        let code = state
                            .premier_demarrage
                            .as_ref()
                            .map(|c| c.texte().to_string());
                        let url = listener
                            .local_addr()
                            .map(|a| (format!("http://{a}"), code))
                            .map_err(anyhow::Error::from);
                        let _ = pret_tx.send(url);
                        let r = rt.block_on(servir(state, listener, async {
                            let _ = arret_rx.await;
                        }));
                        if let Err(e) = r {
                            tracing::error!("hôte intégré arrêté: {e:#}");
                        }
                    }
                }
            })?;
        let (url, code_installation) = pret_rx
            .recv()
            .map_err(|_| anyhow::anyhow!("l'hôte intégré s'est arrêté au démarrage"))??;
        tracing::info!("hôte intégré à l'écoute sur {url}");
        Ok(Self {
            url,
            code_installation,
            arret: Some(arret_tx),
            fil: Some(fil),
        })
    }
}

impl Drop for HoteEmbarque {
    /// Stops serving and waits for requests in flight (nothing is lost
    /// when the window closes).
    fn drop(&mut self) {
        if let Some(a) = self.arret.take() {
            let _ = a.send(());
        }
        if let Some(f) = self.fil.take() {
            let _ = f.join();
        }
    }
}
