//! What can go wrong with Pro Santé Connect, said in French for the user.

/// An error of the PSC relying party. Messages are for the professional:
/// they say what happened and what to do.
#[derive(Debug, thiserror::Error)]
pub enum ErreurPsc {
    #[error("configuration de Pro Santé Connect : {0}")]
    Configuration(String),
    #[error(
        "Pro Santé Connect est injoignable ({0}) : vérifiez la connexion à Internet, puis réessayez"
    )]
    Injoignable(String),
    #[error("Pro Santé Connect ne répond pas (plus de {0} s) : réessayez dans un instant")]
    Delai(u64),
    #[error("réponse de Pro Santé Connect illisible : {0}")]
    Reponse(String),
    #[error(
        "Pro Santé Connect annonce l'émetteur « {recu} » au lieu de « {attendu} » : connexion refusée"
    )]
    Emetteur { attendu: String, recu: String },
    #[error("jeton d'identité de Pro Santé Connect refusé ({0}) : connexion refusée")]
    JetonIdentite(String),
    #[error(
        "niveau d'authentification « {0} » insuffisant : Pro Santé Connect doit authentifier par carte CPS ou e-CPS (eidas1)"
    )]
    Niveau(String),
    #[error(
        "la réponse du navigateur ne correspond pas à cette demande de connexion : recommencez la connexion"
    )]
    Etat,
    #[error("connexion annulée dans le navigateur")]
    Annulee,
    #[error("connexion refusée par Pro Santé Connect : {0}")]
    Refusee(String),
    #[error("la demande de connexion a expiré sans validation : recommencez")]
    Expiree,
    #[error("connexion refusée sur la carte CPS ou l'application e-CPS")]
    RefuseeParUtilisateur,
    #[error(
        "identifiant national inconnu de Pro Santé Connect : vérifiez le numéro (8 suivi du RPPS)"
    )]
    IdentifiantInconnu,
    #[error("session Pro Santé Connect expirée ou révoquée : reconnectez-vous")]
    SessionTerminee,
}

impl ErreurPsc {
    /// A transport error of reqwest, told by what the user can do.
    pub(crate) fn transport(e: &reqwest::Error, delai: std::time::Duration) -> Self {
        if e.is_timeout() {
            Self::Delai(delai.as_secs().max(1))
        } else {
            let quoi = e
                .url()
                .map(|u| u.host_str().unwrap_or("?").to_string())
                .unwrap_or_else(|| "?".into());
            let detail = esculape_transport::client::expliquer(e).unwrap_or_else(|| {
                if e.is_connect() {
                    "connexion impossible".into()
                } else {
                    e.to_string()
                }
            });
            Self::Injoignable(format!("{quoi} : {detail}"))
        }
    }
}
