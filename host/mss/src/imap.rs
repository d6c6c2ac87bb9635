//! Reading a mailbox over IMAP (RFC 3501/9051) with async-imap: STARTTLS
//! first, then the PSC token (SASL-IR when the server offers it).

use crate::erreur::{self, ErreurMss};
use crate::sasl::Mecanisme;
use crate::{Boite, Jeton, Securite};
use async_imap::imap_proto::Response;
use async_imap::types::UnsolicitedResponse;
use base64::Engine;
use futures::TryStreamExt;
use std::sync::Arc;
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

type Flux = TlsStream<TcpStream>;

/// The largest message fetched (a message over it is reported, not read).
pub const TAILLE_MAX: u64 = 64 * 1024 * 1024;

/// A message as the server holds it: its UID in the mailbox, its size, and
/// its bytes (RFC 5322) unless it is over [`TAILLE_MAX`].
#[derive(Debug, Clone)]
pub struct MessageRecu {
    pub uid: u32,
    pub taille: u64,
    pub octets: Option<Vec<u8>>,
}

impl MessageRecu {
    /// Its bytes, or the French refusal of a message too large to read.
    pub fn lisible(&self) -> Result<&[u8], ErreurMss> {
        self.octets.as_deref().ok_or(ErreurMss::TropGros {
            uid: self.uid,
            taille: self.taille,
            max: TAILLE_MAX,
        })
    }
}

/// An authenticated IMAP session on a mailbox.
pub struct SessionImap {
    session: async_imap::Session<Flux>,
    serveur: String,
    delai: std::time::Duration,
}

impl std::fmt::Debug for SessionImap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionImap")
            .field("serveur", &self.serveur)
            .finish_non_exhaustive()
    }
}

/// What a SASL exchange answers to the server's challenges: the first
/// message when it was not sent with the command, then the mechanism's
/// answer to an error challenge.
struct Echange {
    premier: Option<Vec<u8>>,
    erreur: &'static [u8],
}

impl async_imap::Authenticator for Echange {
    type Response = Vec<u8>;
    fn process(&mut self, _defi: &[u8]) -> Vec<u8> {
        self.premier.take().unwrap_or_else(|| self.erreur.to_vec())
    }
}

fn protocole(serveur: &str, e: impl std::fmt::Display) -> ErreurMss {
    ErreurMss::Protocole {
        serveur: serveur.into(),
        raison: e.to_string(),
    }
}

async fn borne<T>(
    serveur: &str,
    delai: std::time::Duration,
    f: impl std::future::Future<Output = Result<T, ErreurMss>>,
) -> Result<T, ErreurMss> {
    tokio::time::timeout(delai, f)
        .await
        .map_err(|_| ErreurMss::Delai {
            serveur: serveur.into(),
        })?
}

impl SessionImap {
    /// Connects to the mailbox's IMAP server, encrypts (STARTTLS, refused
    /// without it) and authenticates with the PSC token.
    pub async fn ouvrir(
        boite: &Boite,
        securite: &Securite,
        jeton: &Jeton,
    ) -> Result<Self, ErreurMss> {
        let serveur = boite.imap.to_string();
        let config = esculape_transport::client::config_avec(
            &securite.confiance,
            securite.identite.as_ref(),
        )
        .map_err(|e| erreur::tls(&serveur, &e))?;
        let nom = rustls::pki_types::ServerName::try_from(boite.imap.hote.clone())
            .map_err(|e| protocole(&serveur, e))?;
        let session = borne(&serveur, securite.delai, async {
            let tcp = TcpStream::connect((boite.imap.hote.as_str(), boite.imap.port))
                .await
                .map_err(|e| ErreurMss::Injoignable {
                    serveur: serveur.clone(),
                    raison: e.to_string(),
                })?;
            let mut client = async_imap::Client::new(tcp);
            client
                .read_response()
                .await
                .map_err(|e| protocole(&serveur, e))?
                .ok_or_else(|| protocole(&serveur, "pas de salutation"))?;
            client
                .run_command_and_check_ok("STARTTLS", None)
                .await
                .map_err(|_| ErreurMss::SansChiffrement {
                    serveur: serveur.clone(),
                })?;
            let tcp = client.into_inner();
            let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
                .connect(nom, tcp)
                .await
                .map_err(|e| erreur::tls(&serveur, &e))?;
            let mut client = async_imap::Client::new(tls);
            let capacites = capacites(&mut client, &serveur).await?;
            let mecanisme =
                Mecanisme::choisir(capacites.iter().filter_map(|c| c.strip_prefix("AUTH=")))
                    .ok_or_else(|| ErreurMss::SansPsc {
                        serveur: serveur.clone(),
                    })?;
            let premier = mecanisme.reponse_initiale(
                &boite.adresse,
                &boite.imap.hote,
                boite.imap.port,
                jeton,
            );
            let sasl_ir = capacites.iter().any(|c| c == "SASL-IR");
            let (commande, echange) = if sasl_ir {
                (
                    format!(
                        "{} {}",
                        mecanisme.nom(),
                        base64::engine::general_purpose::STANDARD.encode(&premier)
                    ),
                    Echange {
                        premier: None,
                        erreur: mecanisme.reponse_a_une_erreur(),
                    },
                )
            } else {
                (
                    mecanisme.nom().to_string(),
                    Echange {
                        premier: Some(premier),
                        erreur: mecanisme.reponse_a_une_erreur(),
                    },
                )
            };
            client
                .authenticate(commande, echange)
                .await
                .map_err(|(e, _)| match e {
                    async_imap::error::Error::No(_) | async_imap::error::Error::Bad(_) => {
                        ErreurMss::Refusee {
                            serveur: serveur.clone(),
                            adresse: boite.adresse.clone(),
                        }
                    }
                    e => protocole(&serveur, e),
                })
        })
        .await?;
        Ok(Self {
            session,
            serveur,
            delai: securite.delai,
        })
    }

    /// The messages of the inbox whose UID is above `apres`, oldest
    /// first, at most `max`; with the mailbox's UIDVALIDITY (a change of
    /// it means the UIDs start over). A message over [`TAILLE_MAX`] is
    /// listed without its bytes (`octets: None`), so that it is reported
    /// and the ones after it are still read. Two round trips in all: the
    /// sizes, then the bodies.
    pub async fn nouveaux(
        &mut self,
        apres: u32,
        max: usize,
    ) -> Result<(u32, Vec<MessageRecu>), ErreurMss> {
        let serveur = self.serveur.clone();
        let session = &mut self.session;
        borne(&serveur, self.delai, async {
            let boite = session
                .select("INBOX")
                .await
                .map_err(|e| protocole(&serveur, e))?;
            let validite = boite.uid_validity.unwrap_or(0);
            // `n:*` names the last message even when its UID is below n
            let mut uids: Vec<u32> = session
                .uid_search(format!("UID {}:*", apres.saturating_add(1)))
                .await
                .map_err(|e| protocole(&serveur, e))?
                .into_iter()
                .filter(|u| *u > apres)
                .collect();
            uids.sort_unstable();
            uids.truncate(max);
            if uids.is_empty() {
                return Ok((validite, Vec::new()));
            }
            let tailles: std::collections::HashMap<u32, u64> =
                recuperer(session, &serveur, &uids, "(UID RFC822.SIZE)")
                    .await?
                    .iter()
                    .filter_map(|f| Some((f.uid?, u64::from(f.size?))))
                    .collect();
            let lisibles: Vec<u32> = uids
                .iter()
                .copied()
                .filter(|u| tailles.get(u).is_some_and(|t| *t <= TAILLE_MAX))
                .collect();
            let mut corps: std::collections::HashMap<u32, Vec<u8>> = Default::default();
            if !lisibles.is_empty() {
                for f in recuperer(session, &serveur, &lisibles, "(UID BODY.PEEK[])").await? {
                    if let (Some(uid), Some(b)) = (f.uid, f.body()) {
                        corps.insert(uid, b.to_vec());
                    }
                }
            }
            Ok((
                validite,
                uids.into_iter()
                    .filter(|u| tailles.contains_key(u))
                    .map(|uid| MessageRecu {
                        uid,
                        taille: tailles.get(&uid).copied().unwrap_or(0),
                        octets: corps.remove(&uid),
                    })
                    .collect(),
            ))
        })
        .await
    }

    /// Ends the session (LOGOUT).
    pub async fn fermer(mut self) -> Result<(), ErreurMss> {
        let serveur = self.serveur.clone();
        borne(&serveur, self.delai, async {
            self.session
                .logout()
                .await
                .map_err(|e| protocole(&serveur, e))
        })
        .await
    }
}

/// One UID FETCH of `quoi` for a set of messages, collected.
async fn recuperer(
    session: &mut async_imap::Session<Flux>,
    serveur: &str,
    uids: &[u32],
    quoi: &str,
) -> Result<Vec<async_imap::types::Fetch>, ErreurMss> {
    let ensemble = uids
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",");
    session
        .uid_fetch(ensemble, quoi)
        .await
        .map_err(|e| protocole(serveur, e))?
        .try_collect()
        .await
        .map_err(|e| protocole(serveur, e))
}

/// The server's capabilities, asked again after STARTTLS (those said
/// before encryption are not to be trusted).
async fn capacites(
    client: &mut async_imap::Client<Flux>,
    serveur: &str,
) -> Result<Vec<String>, ErreurMss> {
    let (tx, rx) = async_channel::bounded(16);
    client
        .run_command_and_check_ok("CAPABILITY", Some(tx))
        .await
        .map_err(|e| protocole(serveur, e))?;
    let mut v = Vec::new();
    while let Ok(r) = rx.try_recv() {
        if let UnsolicitedResponse::Other(d) = r
            && let Response::Capabilities(c) = d.parsed()
        {
            for c in c {
                match c {
                    async_imap::imap_proto::Capability::Imap4rev1 => v.push("IMAP4rev1".into()),
                    async_imap::imap_proto::Capability::Auth(m) => v.push(format!("AUTH={m}")),
                    async_imap::imap_proto::Capability::Atom(a) => v.push(a.to_string()),
                }
            }
        }
    }
    Ok(v)
}
