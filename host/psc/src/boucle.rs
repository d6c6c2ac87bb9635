//! The loopback redirect of a native application (RFC 8252 §7.3): the
//! desktop client listens on `127.0.0.1` at the registered port, the
//! system browser brings PSC's answer there, the page tells the user to go
//! back to Esculape.

use crate::ErreurPsc;
use crate::code::RetourNavigateur;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Bound on the browser's request line and headers.
const REQUETE_MAX: usize = 16 * 1024;

const PAGE: &str = "<!doctype html><html lang=\"fr\"><meta charset=\"utf-8\"><title>Esculape</title>\
<body style=\"font-family:sans-serif;margin:3em\"><h1>Connexion transmise à Esculape</h1>\
<p>Vous pouvez fermer cet onglet et revenir dans Esculape.</p></body></html>";

/// The listener of the loopback redirect, bound before the browser opens.
pub struct Boucle {
    ecoute: TcpListener,
    chemin: String,
}

impl Boucle {
    /// Listens on the redirect URI `redirection` (`http://127.0.0.1:PORT/chemin`).
    pub async fn ecouter(redirection: &str) -> Result<Self, ErreurPsc> {
        let url = url::Url::parse(redirection)
            .map_err(|e| ErreurPsc::Configuration(format!("redirection {redirection} : {e}")))?;
        let hote = url.host_str().unwrap_or_default();
        if url.scheme() != "http" || !(hote == "127.0.0.1" || hote == "[::1]") {
            return Err(ErreurPsc::Configuration(format!(
                "la redirection {redirection} doit être une boucle locale http://127.0.0.1:PORT"
            )));
        }
        let port = url.port().unwrap_or(80);
        let ecoute = TcpListener::bind(("127.0.0.1", port)).await.map_err(|e| {
            ErreurPsc::Configuration(format!(
                "le port {port} de la redirection Pro Santé Connect est pris ({e}) : fermez l'autre fenêtre de connexion"
            ))
        })?;
        Ok(Self {
            ecoute,
            chemin: url.path().to_string(),
        })
    }

    /// Waits (at most `delai`) for the browser to come back on the
    /// redirect path; other requests (a favicon) get a 404 and are
    /// skipped.
    pub async fn attendre(self, delai: Duration) -> Result<RetourNavigateur, ErreurPsc> {
        tokio::time::timeout(delai, async {
            loop {
                let (mut flux, _) = self
                    .ecoute
                    .accept()
                    .await
                    .map_err(|e| ErreurPsc::Configuration(format!("redirection locale : {e}")))?;
                let mut lu = Vec::new();
                let mut tampon = [0u8; 2048];
                while !lu.windows(4).any(|w| w == b"\r\n\r\n") && lu.len() < REQUETE_MAX {
                    match flux.read(&mut tampon).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => lu.extend_from_slice(&tampon[..n]),
                    }
                }
                let ligne = String::from_utf8_lossy(&lu);
                let cible = ligne
                    .lines()
                    .next()
                    .and_then(|l| l.strip_prefix("GET "))
                    .and_then(|l| l.split(' ').next())
                    .unwrap_or_default()
                    .to_string();
                let (chemin, requete) = cible.split_once('?').unwrap_or((&cible, ""));
                if chemin != self.chemin {
                    let _ = flux
                        .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                        .await;
                    continue;
                }
                let reponse = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\nCache-Control: no-store\r\n\r\n{PAGE}",
                    PAGE.len()
                );
                let _ = flux.write_all(reponse.as_bytes()).await;
                return RetourNavigateur::depuis_requete(requete);
            }
        })
        .await
        .map_err(|_| ErreurPsc::Expiree)?
    }
}
