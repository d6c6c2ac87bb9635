//! The proxy e-santé's API, as bodies: the ANS routes (`/connect`,
//! `/disconnect`, `/traces`: `../shared/testdata/psc/API-Proxy-eSante.json`)
//! and Esculape's extensions for a thick client's code flow and a
//! non-blocking CIBA (`/esculape/…`). Defined once, for the proxy and for
//! the hosts that call it.

use crate::IdentitePsc;
use serde::{Deserialize, Serialize};

/// The header carrying the key a host presents to its proxy.
pub const ENTETE_CLE: &str = "authorization";
/// The session cookie of the ANS API.
pub const COOKIE_SESSION: &str = "proxy_session_id";

/// `POST /connect` (ANS): sign in by CIBA, answered once validated.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Connexion {
    pub national_id: String,
    pub binding_message: String,
    pub client_id: String,
    /// `CARD` or `MOBILE`.
    pub channel: String,
}

/// The ANS session object.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionAns {
    pub proxy_session_id: String,
    pub session_state: String,
}

/// `GET /esculape/etat`: what the proxy is set up with, for the
/// practice's administrator.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EtatProxy {
    /// The structure's certificate: holder, issuer, validity and days
    /// left (to renew it in time); none configured: `None`.
    pub certificat: Option<String>,
    /// Whether it is expired, or expires within 30 days.
    pub certificat_a_renouveler: bool,
    /// The national services `/send` reaches.
    pub services: Vec<String>,
}

/// The ANS error body.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErreurAns {
    pub code: String,
    pub message: String,
}

/// `POST /esculape/autorisation`: where to send the browser.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Autorisation {
    pub url: String,
    pub etat: String,
}

/// `POST /esculape/code`: what the browser brought back to the loopback
/// redirect (its query string, as received).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RetourCode {
    pub requete: String,
}

/// `POST /esculape/ciba`: a non-blocking CIBA request.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DemandeCiba {
    pub id_national: String,
    pub message: String,
    /// `CARD` or `MOBILE`.
    pub canal: String,
}

/// Its id, to poll `GET /esculape/ciba/{id}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CibaDemarree {
    pub demande: String,
}

/// Where a CIBA request stands.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "etat", rename_all = "snake_case")]
pub enum EtatCiba {
    EnAttente,
    Validee { session: SessionPsc },
    Erreur { message: String },
}

/// A PSC session opened at the proxy: its id (the ANS cookie's value),
/// who signed in, and how long the access token lasts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionPsc {
    pub proxy_session_id: String,
    pub identite: IdentitePsc,
    pub expire_dans_s: u64,
}

/// `GET /esculape/jeton`: the session's access token, refreshed by the
/// proxy when it was about to end (for the services that take PSC's
/// token themselves: MSSanté over IMAP/SMTP). Never written anywhere.
#[derive(Clone, Serialize, Deserialize)]
pub struct JetonAcces {
    pub acces: String,
    pub expire_dans_s: u64,
}

impl std::fmt::Debug for JetonAcces {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JetonAcces")
            .field("expire_dans_s", &self.expire_dans_s)
            .finish_non_exhaustive()
    }
}

/// One line of `GET /traces`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Trace {
    /// Unix milliseconds.
    pub date: i64,
    pub action: String,
    pub id_national: Option<String>,
    pub session: Option<String>,
    pub resultat: String,
}
