//! Tokens: checking an ID token, refreshing, introspecting, exchanging.

use crate::{ACR_EIDAS1, ErreurPsc, Psc, envoyer, erreur_oauth, lire};
use openidconnect::core::{CoreIdToken, CoreTokenResponse};
use openidconnect::{Nonce, OAuth2TokenResponse, RefreshToken, RequestTokenError, TokenResponse};
use serde::Deserialize;
use std::time::{Duration, Instant};

/// A PSC session's tokens. Held in memory only; `Debug` shows none of
/// them.
#[derive(Clone)]
pub struct Jetons {
    pub acces: String,
    pub rafraichissement: Option<String>,
    /// The raw ID token (for `id_token_hint` at logout).
    pub identite: Option<String>,
    /// `sub` of the ID token: opaque, compared, never parsed.
    pub sujet: String,
    pub acr: String,
    /// When the access token ends (by `expires_in`).
    pub expire: Instant,
}

impl std::fmt::Debug for Jetons {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jetons")
            .field("sujet", &self.sujet)
            .field("acr", &self.acr)
            .field("expire", &self.expire)
            .finish_non_exhaustive()
    }
}

impl Jetons {
    /// Whether the access token ends within `marge` (time to refresh).
    pub fn a_rafraichir(&self, marge: Duration) -> bool {
        Instant::now() + marge >= self.expire
    }
}

/// RFC 8693's grant and token type.
pub const ECHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
pub const TYPE_JETON_ACCES: &str = "urn:ietf:params:oauth:token-type:access_token";

/// A token obtained by exchanging the PSC access token, bound to the
/// proxy's client certificate (`cnf.x5t#S256`): only a connection
/// presenting that certificate can use it. `Debug` hides it.
#[derive(Clone)]
pub struct JetonLie {
    pub acces: String,
    pub expire: Instant,
}

impl std::fmt::Debug for JetonLie {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JetonLie")
            .field("expire", &self.expire)
            .finish_non_exhaustive()
    }
}

/// A token endpoint's error, told in French.
pub(crate) fn erreur_jeton(code: &str, description: Option<&str>) -> ErreurPsc {
    match code {
        "access_denied" => ErreurPsc::RefuseeParUtilisateur,
        "expired_token" => ErreurPsc::Expiree,
        "invalid_grant" => ErreurPsc::SessionTerminee,
        "unknown_user_id" => ErreurPsc::IdentifiantInconnu,
        // the client's own credentials: nothing the professional can mend
        "invalid_client" => ErreurPsc::Refusee(
            "le logiciel n'est pas reconnu (identifiant, secret ou certificat de la structure) : \
             prévenez l'administrateur du cabinet"
                .into(),
        ),
        autre => ErreurPsc::Refusee(match description {
            Some(d) => format!("{autre} : {d}"),
            None => autre.to_string(),
        }),
    }
}

impl Psc {
    /// The tokens of a token response, its ID token checked: signature by
    /// PSC's keys, issuer, audience, expiry, `nonce` when one was sent,
    /// and `acr` eidas1. A refresh may come without an ID token: `avant`
    /// then gives the subject.
    pub(crate) fn verifier(
        &self,
        reponse: &CoreTokenResponse,
        nonce: Option<&Nonce>,
        avant: Option<&Jetons>,
    ) -> Result<Jetons, ErreurPsc> {
        let expire = Instant::now() + reponse.expires_in().unwrap_or(Duration::from_secs(60));
        let acces = reponse.access_token().secret().clone();
        let rafraichissement = reponse
            .refresh_token()
            .map(|r| r.secret().clone())
            .or_else(|| avant.and_then(|a| a.rafraichissement.clone()));
        let Some(id) = reponse.id_token() else {
            return match avant {
                Some(a) => Ok(Jetons {
                    acces,
                    rafraichissement,
                    expire,
                    ..a.clone()
                }),
                None => Err(ErreurPsc::JetonIdentite("aucun jeton d'identité".into())),
            };
        };
        let (sujet, acr) = self.verifier_identite(id, nonce)?;
        if let Some(a) = avant
            && a.sujet != sujet
        {
            return Err(ErreurPsc::JetonIdentite(
                "le jeton rafraîchi est celui d'une autre personne".into(),
            ));
        }
        Ok(Jetons {
            acces,
            rafraichissement,
            identite: Some(id.to_string()),
            sujet,
            acr,
            expire,
        })
    }

    /// Checks a raw ID token (an `id_token_hint` given back at logout, a
    /// token received by another path): signature, issuer, audience,
    /// expiry, `nonce` when given, `acr` eidas1; gives its `sub` and `acr`.
    pub fn verifier_jeton_identite(
        &self,
        brut: &str,
        nonce: Option<&str>,
    ) -> Result<(String, String), ErreurPsc> {
        let id: CoreIdToken = brut
            .parse()
            .map_err(|e| ErreurPsc::JetonIdentite(format!("illisible : {e}")))?;
        let nonce = nonce.map(|n| Nonce::new(n.to_string()));
        self.verifier_identite(&id, nonce.as_ref())
    }

    /// Checks an ID token; gives its `sub` and `acr`.
    pub(crate) fn verifier_identite(
        &self,
        id: &CoreIdToken,
        nonce: Option<&Nonce>,
    ) -> Result<(String, String), ErreurPsc> {
        let verificateur = self.client.id_token_verifier();
        let revendications = match nonce {
            Some(n) => id.claims(&verificateur, n),
            // CIBA and refresh: no nonce was sent, none is expected
            None => id.claims(&verificateur, |_: Option<&Nonce>| Ok(())),
        }
        .map_err(|e| ErreurPsc::JetonIdentite(motif(&e)))?;
        let acr = revendications
            .auth_context_ref()
            .map(|a| a.as_str().to_string())
            .unwrap_or_default();
        if acr != ACR_EIDAS1 {
            return Err(ErreurPsc::Niveau(if acr.is_empty() {
                "absent".into()
            } else {
                acr
            }));
        }
        Ok((revendications.subject().as_str().to_string(), acr))
    }

    /// A token response of a hand-made request (CIBA, exchange): the
    /// response, or the OAuth error (`error`, `error_description`) PSC
    /// answered; the outer error is transport or an unreadable answer.
    pub(crate) async fn reponse_jeton(
        &self,
        requete: reqwest::RequestBuilder,
    ) -> Result<Result<CoreTokenResponse, (String, Option<String>)>, ErreurPsc> {
        let (statut, _, corps) = envoyer(requete, self.config.delai).await?;
        if !statut.is_success() {
            return match erreur_oauth(&corps) {
                Some(e) => Ok(Err(e)),
                None => Err(ErreurPsc::Reponse(format!(
                    "point de jeton : statut {statut}"
                ))),
            };
        }
        serde_json::from_slice(&corps)
            .map(Ok)
            .map_err(|e| ErreurPsc::Reponse(format!("réponse du point de jeton : {e}")))
    }

    /// The token endpoint, authenticated as the client is configured.
    pub(crate) fn requete_jeton(&self, url: &str) -> reqwest::RequestBuilder {
        let r = self.http.post(url).header("Accept", "application/json");
        match &self.config.authentification {
            crate::AuthentificationClient::Secret(s) => r.basic_auth(
                form_urlencode(&self.config.client_id),
                Some(form_urlencode(s)),
            ),
            crate::AuthentificationClient::CertificatMutuel => r,
        }
    }

    /// The form of a token request: `client_id` is in the body when the
    /// client authenticates by its certificate.
    pub(crate) fn formulaire<'a>(
        &'a self,
        mut champs: Vec<(&'a str, &'a str)>,
    ) -> Vec<(&'a str, &'a str)> {
        if matches!(
            self.config.authentification,
            crate::AuthentificationClient::CertificatMutuel
        ) {
            champs.push(("client_id", &self.config.client_id));
        }
        champs
    }

    pub(crate) fn point_de_jeton(&self) -> Result<String, ErreurPsc> {
        self.point("token_endpoint")
            .ok_or_else(|| ErreurPsc::Configuration("aucun point de jeton".into()))
    }

    /// New tokens before the access token ends; the subject must stay the
    /// same.
    pub async fn rafraichir(&self, jetons: &Jetons) -> Result<Jetons, ErreurPsc> {
        let Some(r) = &jetons.rafraichissement else {
            return Err(ErreurPsc::SessionTerminee);
        };
        let r = RefreshToken::new(r.clone());
        let reponse = self
            .client
            .exchange_refresh_token(&r)
            .request_async(&self.http)
            .await
            .map_err(|e| self.erreur_requete(e))?;
        self.verifier(&reponse, None, Some(jetons))
    }

    /// Exchanges the PSC access token `acces` for a token bound to the
    /// client certificate (RFC 8693 over mutual TLS, at the token
    /// endpoint's mutual-TLS alias when PSC names one, RFC 8705). The HTTP
    /// client must present the certificate: without one PSC refuses.
    pub async fn echanger_jeton(&self, acces: &str) -> Result<JetonLie, ErreurPsc> {
        // over mutual TLS whatever the client's own authentication
        let url = crate::point_d_acces(
            &self.metadonnees,
            &crate::AuthentificationClient::CertificatMutuel,
            "token_endpoint",
        )
        .ok_or_else(|| ErreurPsc::Configuration("aucun point de jeton".into()))?;
        let champs = [
            ("grant_type", ECHANGE),
            ("subject_token", acces),
            ("subject_token_type", TYPE_JETON_ACCES),
            ("requested_token_type", TYPE_JETON_ACCES),
            ("client_id", self.config.client_id.as_str()),
        ];
        let (statut, _, corps) = envoyer(
            self.http
                .post(&url)
                .header("Accept", "application/json")
                .form(&champs),
            self.config.delai,
        )
        .await?;
        if !statut.is_success() {
            return Err(match erreur_oauth(&corps) {
                Some((code, d)) => erreur_jeton(&code, d.as_deref()),
                None => ErreurPsc::Reponse(format!("échange de jeton : statut {statut}")),
            });
        }
        #[derive(Deserialize)]
        struct Reponse {
            access_token: String,
            expires_in: Option<u64>,
        }
        let r: Reponse = serde_json::from_slice(&corps)
            .map_err(|e| ErreurPsc::Reponse(format!("échange de jeton : {e}")))?;
        Ok(JetonLie {
            acces: r.access_token,
            // without a lifetime, taken as short (refetched at next use)
            expire: Instant::now() + Duration::from_secs(r.expires_in.unwrap_or(60)),
        })
    }

    /// Whether PSC still holds the access token as active (RFC 7662).
    pub async fn introspecter(&self, acces: &str) -> Result<bool, ErreurPsc> {
        let url = self
            .point("introspection_endpoint")
            .ok_or_else(|| ErreurPsc::Configuration("aucun point d'introspection".into()))?;
        let champs = self.formulaire(vec![("token", acces)]);
        let corps = lire(self.requete_jeton(&url).form(&champs), self.config.delai).await?;
        #[derive(Deserialize)]
        struct Introspection {
            active: bool,
        }
        let i: Introspection = serde_json::from_slice(&corps)
            .map_err(|e| ErreurPsc::Reponse(format!("introspection : {e}")))?;
        Ok(i.active)
    }

    /// Revokes the refresh token (then the access token) at logout, when
    /// PSC offers revocation; a failure is not an error for the user.
    pub async fn revoquer(&self, jetons: &Jetons) -> Result<(), ErreurPsc> {
        let Some(url) = self.point("revocation_endpoint") else {
            return Ok(());
        };
        for (jeton, sorte) in [
            (jetons.rafraichissement.as_deref(), "refresh_token"),
            (Some(jetons.acces.as_str()), "access_token"),
        ] {
            if let Some(j) = jeton {
                let champs = self.formulaire(vec![("token", j), ("token_type_hint", sorte)]);
                lire(self.requete_jeton(&url).form(&champs), self.config.delai).await?;
            }
        }
        Ok(())
    }

    /// An openidconnect request's error, in French.
    pub(crate) fn erreur_requete<RE: std::error::Error + 'static>(
        &self,
        e: RequestTokenError<
            RE,
            openidconnect::StandardErrorResponse<openidconnect::core::CoreErrorResponseType>,
        >,
    ) -> ErreurPsc {
        match e {
            RequestTokenError::ServerResponse(r) => erreur_jeton(
                r.error().as_ref(),
                r.error_description().map(String::as_str),
            ),
            RequestTokenError::Request(e) => {
                let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
                while let Some(s) = source {
                    if let Some(r) = s.downcast_ref::<reqwest::Error>() {
                        return ErreurPsc::transport(r, self.config.delai);
                    }
                    source = s.source();
                }
                ErreurPsc::Injoignable(e.to_string())
            }
            RequestTokenError::Parse(e, _) => ErreurPsc::Reponse(e.to_string()),
            RequestTokenError::Other(e) => ErreurPsc::Reponse(e),
        }
    }
}

/// RFC 6749 §2.3.1: client id and secret are form-encoded before Basic.
fn form_urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Why an ID token was refused, in French (the crate's own words kept
/// after, for support).
fn motif(e: &openidconnect::ClaimsVerificationError) -> String {
    use openidconnect::ClaimsVerificationError as E;
    let quoi = match e {
        E::Expired(_) => "expiré",
        E::InvalidAudience(_) => "destiné à une autre application",
        E::InvalidIssuer(_) => "émis par un autre fournisseur",
        E::InvalidNonce(_) => "d'une autre demande de connexion",
        E::SignatureVerification(_) => "signature invalide",
        _ => "non conforme",
    };
    format!("{quoi} : {e}")
}
