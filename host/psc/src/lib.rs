//! Pro Santé Connect relying party: what the proxy e-santé does with PSC.
//!
//! - discovery at PSC's non-standard path
//!   (`/.well-known/wallet-openid-configuration`), issuer checked
//!   ([`Psc::decouvrir`]);
//! - the authorisation code flow with PKCE for a thick client whose
//!   browser answers on a loopback redirect ([`code`], [`boucle`]);
//! - CIBA in poll mode ([`ciba`]);
//! - ID tokens checked (signature, issuer, audience, expiry, nonce, `acr`
//!   eidas1), refresh, introspection, token exchange ([`jetons`]);
//! - PSC's identity claims ([`identite`]).
//!
//! The client's credentials (secret, or the certificate of the HTTP client
//! for mutual TLS) are given by whoever runs it: the proxy, never the
//! doctor's desktop process. Tokens are never logged ([`jetons::Jetons`]'s
//! `Debug` hides them).

pub mod boucle;
pub mod ciba;
pub mod code;
pub mod erreur;
pub mod identite;
pub mod jetons;
pub mod proxy_api;

pub use erreur::ErreurPsc;
pub use identite::IdentitePsc;
pub use jetons::{JetonLie, Jetons};

use openidconnect::core::{
    CoreAuthDisplay, CoreClaimName, CoreClaimType, CoreClient, CoreClientAuthMethod, CoreGrantType,
    CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJweKeyManagementAlgorithm,
    CoreResponseMode, CoreResponseType, CoreSubjectIdentifierType,
};
use openidconnect::{
    AdditionalProviderMetadata, ClientId, ClientSecret, EndpointNotSet, EndpointSet, IssuerUrl,
    JsonWebKeySet, ProviderMetadata, RedirectUrl, TokenUrl, UserInfoUrl,
};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Where PSC publishes its discovery document, under the issuer.
pub const CHEMIN_DECOUVERTE: &str = "/.well-known/wallet-openid-configuration";
/// The only authentication level PSC sessions are accepted at.
pub const ACR_EIDAS1: &str = "eidas1";
/// The scopes an LGC asks for.
pub const PORTEES: &str = "openid scope_all";
/// PSC's test environment ("BAS").
pub const EMETTEUR_BAS: &str = "https://auth.bas.psc.esante.gouv.fr/auth/realms/esante-wallet";
/// PSC's production.
pub const EMETTEUR_PRODUCTION: &str = "https://auth.esante.gouv.fr/auth/realms/esante-wallet";
/// The desktop client's loopback redirect, registered with PSC (RFC
/// 8252: a fixed port on 127.0.0.1).
pub const REDIRECTION_PAR_DEFAUT: &str = "http://127.0.0.1:53682/psc";
/// Bound on every answer read from PSC (a discovery document or a
/// userinfo is a few kilobytes).
pub const REPONSE_MAX: usize = 256 * 1024;

/// How the proxy authenticates to PSC's token endpoint.
#[derive(Clone)]
pub enum AuthentificationClient {
    /// `client_secret_basic`.
    Secret(String),
    /// `tls_client_auth`: the HTTP client given to [`Psc::decouvrir`]
    /// presents the structure's certificate; no secret is sent.
    CertificatMutuel,
}

impl std::fmt::Debug for AuthentificationClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Secret(_) => f.write_str("Secret(…)"),
            Self::CertificatMutuel => f.write_str("CertificatMutuel"),
        }
    }
}

/// A PSC client's settings.
#[derive(Debug, Clone)]
pub struct ConfigPsc {
    /// The issuer, e.g. [`EMETTEUR_BAS`]; discovery is under it.
    pub emetteur: String,
    pub client_id: String,
    pub authentification: AuthentificationClient,
    /// The loopback redirect registered for the desktop client
    /// (`http://127.0.0.1:PORT/psc`, RFC 8252).
    pub redirection: String,
    /// Bound on each call to PSC.
    pub delai: Duration,
    /// The CIBA polling interval when PSC gives none (RFC: 5 s).
    pub intervalle_ciba: Duration,
}

impl ConfigPsc {
    pub fn nouvelle(
        emetteur: &str,
        client_id: &str,
        authentification: AuthentificationClient,
        redirection: &str,
    ) -> Self {
        Self {
            emetteur: emetteur.trim_end_matches('/').to_string(),
            client_id: client_id.to_string(),
            authentification,
            redirection: redirection.to_string(),
            delai: Duration::from_secs(10),
            intervalle_ciba: Duration::from_secs(5),
        }
    }
}

/// What PSC's discovery adds to the standard metadata and we use.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct MetadonneesPsc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backchannel_authentication_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub introspection_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_session_endpoint: Option<String>,
    /// RFC 8705: where to call with the client certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mtls_endpoint_aliases: Option<serde_json::Map<String, serde_json::Value>>,
}

impl AdditionalProviderMetadata for MetadonneesPsc {}

/// Where to call PSC's endpoint `nom` (`token_endpoint`,
/// `userinfo_endpoint`, `introspection_endpoint`, `revocation_endpoint`,
/// `backchannel_authentication_endpoint`): a client that authenticates by
/// its certificate calls the mutual-TLS alias when PSC names one (RFC 8705
/// §5; PSC's discovery names one for each), the others the endpoint.
pub fn point_d_acces(
    m: &Metadonnees,
    authentification: &AuthentificationClient,
    nom: &str,
) -> Option<String> {
    let extra = m.additional_metadata();
    if matches!(authentification, AuthentificationClient::CertificatMutuel)
        && let Some(alias) = extra
            .mtls_endpoint_aliases
            .as_ref()
            .and_then(|a| a.get(nom))
            .and_then(|u| u.as_str())
    {
        return Some(alias.to_string());
    }
    match nom {
        "token_endpoint" => m.token_endpoint().map(|u| u.as_str().to_string()),
        "userinfo_endpoint" => m.userinfo_endpoint().map(|u| u.as_str().to_string()),
        "introspection_endpoint" => extra.introspection_endpoint.clone(),
        "revocation_endpoint" => extra.revocation_endpoint.clone(),
        "backchannel_authentication_endpoint" => extra.backchannel_authentication_endpoint.clone(),
        _ => None,
    }
}

pub type Metadonnees = ProviderMetadata<
    MetadonneesPsc,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;

/// The OpenID client with its authorisation, token and userinfo endpoints.
pub(crate) type Client = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
    EndpointSet,
>;

/// A discovered PSC: its metadata, its keys and our client.
pub struct Psc {
    pub(crate) config: ConfigPsc,
    pub(crate) metadonnees: Metadonnees,
    pub(crate) client: Client,
    pub(crate) http: reqwest::Client,
}

impl Psc {
    /// Reads PSC's discovery document and signing keys. `http` carries
    /// the trust store (and, for mutual TLS, the client certificate); it
    /// must not follow redirects (checked by openidconnect's token calls).
    pub async fn decouvrir(config: ConfigPsc, http: reqwest::Client) -> Result<Self, ErreurPsc> {
        let url = format!("{}{CHEMIN_DECOUVERTE}", config.emetteur);
        let corps = lire(http.get(&url), config.delai).await?;
        let metadonnees: Metadonnees = serde_json::from_slice(&corps)
            .map_err(|e| ErreurPsc::Reponse(format!("document de découverte {url} : {e}")))?;
        let recu = metadonnees.issuer().as_str().trim_end_matches('/');
        if recu != config.emetteur {
            return Err(ErreurPsc::Emetteur {
                attendu: config.emetteur.clone(),
                recu: recu.to_string(),
            });
        }
        let jwks_url = metadonnees.jwks_uri().url().clone();
        let corps = lire(http.get(jwks_url.clone()), config.delai).await?;
        let jwks: JsonWebKeySet<CoreJsonWebKey> = serde_json::from_slice(&corps)
            .map_err(|e| ErreurPsc::Reponse(format!("clés de signature {jwks_url} : {e}")))?;
        let metadonnees = metadonnees.set_jwks(jwks);
        let client = client(&config, &metadonnees)?;
        Ok(Self {
            config,
            metadonnees,
            client,
            http,
        })
    }

    pub fn config(&self) -> &ConfigPsc {
        &self.config
    }

    /// Where this client calls PSC's endpoint `nom` ([`point_d_acces`]).
    pub(crate) fn point(&self, nom: &str) -> Option<String> {
        point_d_acces(&self.metadonnees, &self.config.authentification, nom)
    }

    pub fn metadonnees(&self) -> &Metadonnees {
        &self.metadonnees
    }

    /// The HTTP client towards PSC, with the proxy's trust store and
    /// certificate: the proxy reaches the national services with it.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }
}

fn client(config: &ConfigPsc, m: &Metadonnees) -> Result<Client, ErreurPsc> {
    let manque =
        |quoi: &str| ErreurPsc::Configuration(format!("la découverte ne donne pas de {quoi}"));
    let point =
        |nom: &str| point_d_acces(m, &config.authentification, nom).ok_or_else(|| manque(nom));
    let token = TokenUrl::new(point("token_endpoint")?)
        .map_err(|e| ErreurPsc::Configuration(format!("token_endpoint : {e}")))?;
    let userinfo = UserInfoUrl::new(point("userinfo_endpoint")?)
        .map_err(|e| ErreurPsc::Configuration(format!("userinfo_endpoint : {e}")))?;
    let redirection = RedirectUrl::new(config.redirection.clone()).map_err(|e| {
        ErreurPsc::Configuration(format!("redirection {} : {e}", config.redirection))
    })?;
    let issuer = IssuerUrl::new(config.emetteur.clone())
        .map_err(|e| ErreurPsc::Configuration(format!("émetteur {} : {e}", config.emetteur)))?;
    let c = CoreClient::new(
        ClientId::new(config.client_id.clone()),
        issuer,
        m.jwks().clone(),
    )
    .set_auth_uri(m.authorization_endpoint().clone())
    .set_token_uri(token)
    .set_user_info_url(userinfo)
    .set_redirect_uri(redirection);
    Ok(match &config.authentification {
        AuthentificationClient::Secret(s) => c.set_client_secret(ClientSecret::new(s.clone())),
        AuthentificationClient::CertificatMutuel => c,
    })
}

/// Sends `requete` and reads its answer, bounded in time and size; an
/// HTTP error status is an error carrying PSC's `error` when it gives one.
pub(crate) async fn lire(
    requete: reqwest::RequestBuilder,
    delai: Duration,
) -> Result<Vec<u8>, ErreurPsc> {
    let (statut, url, corps) = envoyer(requete, delai).await?;
    if !statut.is_success() {
        return Err(ErreurPsc::Reponse(format!(
            "{url} : statut {statut}{}",
            erreur_oauth(&corps)
                .map(|(e, d)| format!(" ({e}{})", d.map(|d| format!(" : {d}")).unwrap_or_default()))
                .unwrap_or_default()
        )));
    }
    Ok(corps)
}

/// Sends `requete` bounded by `delai`; the answer's status, URL and
/// body (bounded by [`REPONSE_MAX`]).
pub(crate) async fn envoyer(
    requete: reqwest::RequestBuilder,
    delai: Duration,
) -> Result<(reqwest::StatusCode, String, Vec<u8>), ErreurPsc> {
    let reponse = requete
        .timeout(delai)
        .send()
        .await
        .map_err(|e| ErreurPsc::transport(&e, delai))?;
    let statut = reponse.status();
    let url = reponse.url().to_string();
    Ok((statut, url, corps_borne(reponse, delai).await?))
}

/// A body read chunk by chunk and refused past [`REPONSE_MAX`].
pub(crate) async fn corps_borne(
    mut reponse: reqwest::Response,
    delai: Duration,
) -> Result<Vec<u8>, ErreurPsc> {
    let trop = || ErreurPsc::Reponse(format!("réponse de plus de {REPONSE_MAX} octets"));
    if reponse
        .content_length()
        .is_some_and(|n| n > REPONSE_MAX as u64)
    {
        return Err(trop());
    }
    let mut corps = Vec::new();
    while let Some(morceau) = reponse
        .chunk()
        .await
        .map_err(|e| ErreurPsc::transport(&e, delai))?
    {
        corps.extend_from_slice(&morceau);
        if corps.len() > REPONSE_MAX {
            return Err(trop());
        }
    }
    Ok(corps)
}

/// An OAuth error body's `error` and `error_description`.
pub(crate) fn erreur_oauth(corps: &[u8]) -> Option<(String, Option<String>)> {
    #[derive(Deserialize)]
    struct E {
        error: String,
        error_description: Option<String>,
    }
    serde_json::from_slice::<E>(corps)
        .ok()
        .map(|e| (e.error, e.error_description))
}

/// The HTTP client towards PSC: no redirects followed (a token endpoint
/// that redirects is refused), every call bounded by `delai`; `tls`
/// carries the trust store and, for mutual TLS, the client certificate
/// (`esculape_transport::client::config_avec`); `None`: plain HTTP only
/// (local stand-ins).
pub fn client_http(
    tls: Option<rustls::ClientConfig>,
    delai: Duration,
) -> Result<reqwest::Client, ErreurPsc> {
    let mut b = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(delai)
        .connect_timeout(delai);
    if let Some(c) = tls {
        b = b.use_preconfigured_tls(c);
    }
    b.build()
        .map_err(|e| ErreurPsc::Configuration(format!("client HTTP : {e}")))
}
