//! An HTTP client towards a national service (INSi, DMP): the trust store
//! (the IGC-Santé chain in production) and the structure's certificate
//! for mutual TLS, read once; what could not be read is said at each call
//! rather than failing the host's start. And an answer's body read within
//! a bound.

use esculape_transport::identite::{Emplacement, IdentiteClient};
use std::path::Path;
use std::time::Duration;

pub struct ClientService {
    pub http: reqwest::Client,
    /// The trust store or the certificate could not be read: said at each
    /// call.
    pub confiance: Option<String>,
    /// The client certificate's holder and validity, as said at start.
    pub certificat: Option<String>,
    /// The structure's certificate and key (signs the DMP's VIHF in
    /// indirect mode).
    pub identite: Option<IdentiteClient>,
}

/// `service` names it in errors, `prefixe` its variables
/// (`ESCULAPE_INSI` → `ESCULAPE_INSI_CA`).
pub fn client(
    service: &str,
    prefixe: &str,
    url: &str,
    autorites: Option<&Path>,
    certificat: Option<&Emplacement>,
    timeout: Duration,
) -> ClientService {
    let mut b = reqwest::Client::builder().timeout(timeout);
    let mut confiance = None;
    if autorites.is_none() && url.starts_with("https://") {
        confiance = Some(format!(
            "aucune autorité de confiance pour {service} en HTTPS: indiquez la chaîne IGC-Santé dans {prefixe}_CA"
        ));
    }
    let identite = match certificat.map(|c| c.charger()) {
        None => None,
        Some(Ok(i)) => Some(i),
        Some(Err(e)) => {
            confiance = Some(format!("certificat de la structure pour {service}: {e}"));
            None
        }
    };
    let resume = identite
        .as_ref()
        .map(|i| i.resume(esculape_transport::identite::maintenant()));
    if let Some(chemin) = autorites {
        let lue = std::fs::read(chemin)
            .map_err(|e| {
                format!(
                    "magasin de confiance de {service} illisible: {}: {e}",
                    chemin.display()
                )
            })
            .and_then(|pem| {
                let quoi = chemin.display().to_string();
                esculape_transport::client::autorites_pem(&pem, &quoi)
                    .map_err(|e| format!("magasin de confiance de {service} illisible: {e}"))
            })
            .and_then(|a| {
                esculape_transport::client::config_avec(
                    &esculape_transport::client::Confiance::Autorites(a),
                    identite.as_ref(),
                )
                .map_err(|e| format!("certificat de la structure pour {service}: {e}"))
            });
        match lue {
            Ok(c) => b = b.use_preconfigured_tls(c),
            Err(e) => confiance = confiance.or(Some(e)),
        }
    }
    ClientService {
        http: b.build().unwrap_or_default(),
        confiance,
        certificat: resume,
        identite,
    }
}

pub enum Lecture {
    Transport(reqwest::Error),
    /// Over the bound: the bytes read when it was passed.
    Trop(usize),
}

/// An answer's body as text, refused past `max` bytes: read chunk by
/// chunk, so that an endless answer is cut off rather than buffered.
/// Bytes that are not UTF-8 are replaced (the parser then refuses them).
pub async fn corps_borne(reply: reqwest::Response, max: usize) -> Result<String, Lecture> {
    let body = octets_bornes(reply, max).await?;
    Ok(String::from_utf8_lossy(&body).into_owned())
}

/// An answer's body as bytes (a binary MTOM answer), refused past `max`.
pub async fn octets_bornes(mut reply: reqwest::Response, max: usize) -> Result<Vec<u8>, Lecture> {
    if reply.content_length().is_some_and(|n| n > max as u64) {
        return Err(Lecture::Trop(reply.content_length().unwrap_or(0) as usize));
    }
    let mut body = Vec::new();
    while let Some(chunk) = reply.chunk().await.map_err(Lecture::Transport)? {
        body.extend_from_slice(&chunk);
        if body.len() > max {
            return Err(Lecture::Trop(body.len()));
        }
    }
    Ok(body)
}
