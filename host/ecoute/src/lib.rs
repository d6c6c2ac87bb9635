//! Serving an axum router over TLS: the host's API, and in tests and the
//! sandbox the national services' stand-ins as they are reached in
//! production (mutual TLS). Each handshake runs in a task of its own,
//! bounded in time, so that a slow or hostile client holds nobody else.

use std::net::SocketAddr;
use std::sync::Arc;
use tokio_rustls::server::TlsStream;

/// Time a client has to finish its TLS handshake.
pub const POIGNEE_DE_MAIN: std::time::Duration = std::time::Duration::from_secs(10);

/// The TCP connections of a listener once their TLS handshake is done.
pub struct EcouteTls {
    recus: tokio::sync::mpsc::Receiver<(TlsStream<tokio::net::TcpStream>, SocketAddr)>,
    adresse: SocketAddr,
}

impl EcouteTls {
    pub fn new(
        listener: tokio::net::TcpListener,
        config: Arc<rustls::ServerConfig>,
    ) -> std::io::Result<Self> {
        let adresse = listener.local_addr()?;
        let (tx, recus) = tokio::sync::mpsc::channel(64);
        let accepteur = tokio_rustls::TlsAcceptor::from(config);
        tokio::spawn(async move {
            loop {
                // ends with the server (the port released at once)
                let accepte = tokio::select! {
                    a = listener.accept() => a,
                    () = tx.closed() => break,
                };
                let (tcp, pair) = match accepte {
                    Ok(c) => c,
                    Err(e) => {
                        tracing::warn!("connexion non acceptée: {e}");
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let (accepteur, tx) = (accepteur.clone(), tx.clone());
                tokio::spawn(async move {
                    match tokio::time::timeout(POIGNEE_DE_MAIN, accepteur.accept(tcp)).await {
                        Ok(Ok(tls)) => {
                            let _ = tx.send((tls, pair)).await;
                        }
                        Ok(Err(e)) => tracing::info!("connexion TLS refusée ({pair}): {e}"),
                        Err(_) => tracing::info!("connexion TLS trop lente ({pair})"),
                    }
                });
            }
        });
        Ok(Self { recus, adresse })
    }
}

impl axum::serve::Listener for EcouteTls {
    type Io = TlsStream<tokio::net::TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.recus.recv().await {
            Some(c) => c,
            // the accepting task ended: no connection will come
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.adresse)
    }
}

/// Who is at the other end of a TLS connection: its address and, under
/// mutual TLS, the SHA-256 of its certificate (DER), which a token bound
/// to it carries as `cnf.x5t#S256` (RFC 8705).
#[derive(Debug, Clone)]
pub struct PairTls {
    pub adresse: SocketAddr,
    pub certificat_sha256: Option<[u8; 32]>,
}

impl axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, EcouteTls>>
    for PairTls
{
    fn connect_info(flux: axum::serve::IncomingStream<'_, EcouteTls>) -> Self {
        use sha2::{Digest, Sha256};
        let certificat_sha256 = flux
            .io()
            .get_ref()
            .1
            .peer_certificates()
            .and_then(|c| c.first())
            .map(|c| Sha256::digest(c.as_ref()).into());
        Self {
            adresse: *flux.remote_addr(),
            certificat_sha256,
        }
    }
}

/// Serves `routeur` over TLS until `arret` completes; the handlers get
/// the peer's address (`ConnectInfo<SocketAddr>`), as over plain TCP.
pub async fn servir(
    routeur: axum::Router,
    listener: tokio::net::TcpListener,
    config: Arc<rustls::ServerConfig>,
    arret: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::serve::ListenerExt;
    axum::serve(
        EcouteTls::new(listener, config)?.tap_io(|_| {}),
        routeur.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(arret)
    .await
}

/// Serves `routeur` over TLS until `arret` completes; the handlers get
/// the peer and its certificate (`ConnectInfo<PairTls>`).
pub async fn servir_mutuel(
    routeur: axum::Router,
    listener: tokio::net::TcpListener,
    config: Arc<rustls::ServerConfig>,
    arret: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        EcouteTls::new(listener, config)?,
        routeur.into_make_service_with_connect_info::<PairTls>(),
    )
    .with_graceful_shutdown(arret)
    .await
}
