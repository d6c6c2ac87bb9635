//! What can go wrong with a mail server, said in French for the doctor
//! (SC.MSS/CONF.11: technical errors at connection and authentication).

use thiserror::Error;

#[derive(Debug, Error)]
pub enum ErreurMss {
    #[error("serveur de messagerie {serveur} injoignable : {raison}")]
    Injoignable { serveur: String, raison: String },
    #[error("le serveur de messagerie {serveur} ne répond pas (délai dépassé)")]
    Delai { serveur: String },
    #[error(
        "le serveur de messagerie {serveur} ne propose pas STARTTLS : la messagerie sécurisée de santé exige une connexion chiffrée, rien n'a été envoyé"
    )]
    SansChiffrement { serveur: String },
    #[error("connexion chiffrée à {serveur} impossible : {raison}")]
    Tls { serveur: String, raison: String },
    #[error(
        "le serveur de messagerie {serveur} n'accepte pas l'authentification Pro Santé Connect (ni OAUTHBEARER ni XOAUTH2)"
    )]
    SansPsc { serveur: String },
    #[error(
        "authentification refusée par {serveur} : le jeton Pro Santé Connect n'est pas (ou plus) accepté pour la boîte {adresse} ; reconnectez-vous avec Pro Santé Connect"
    )]
    Refusee { serveur: String, adresse: String },
    #[error("le serveur {serveur} a refusé le message : {raison}")]
    EnvoiRefuse { serveur: String, raison: String },
    #[error("échange interrompu avec {serveur} : {raison}")]
    Protocole { serveur: String, raison: String },
    #[error("configuration automatique de la messagerie impossible : {0}")]
    Autoconfiguration(String),
    #[error("message non conforme : {0}")]
    Message(String),
    #[error("message {uid} trop volumineux ({taille} octets, au plus {max})")]
    TropGros { uid: u32, taille: u64, max: u64 },
}

impl ErreurMss {
    /// Whether trying again later may succeed (a server down, a time
    /// out), as opposed to a refusal that will not change by itself.
    pub fn passagere(&self) -> bool {
        matches!(
            self,
            Self::Injoignable { .. } | Self::Delai { .. } | Self::Protocole { .. }
        )
    }
}

/// A TLS failure, explained by the transport module when it can.
pub(crate) fn tls(serveur: &str, e: &(dyn std::error::Error + 'static)) -> ErreurMss {
    ErreurMss::Tls {
        serveur: serveur.into(),
        raison: esculape_transport::client::expliquer(e).unwrap_or_else(|| e.to_string()),
    }
}
