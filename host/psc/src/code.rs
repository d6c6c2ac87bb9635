//! The authorisation code flow with PKCE, for a thick client whose
//! system browser comes back on a loopback redirect (RFC 8252).

use crate::{ACR_EIDAS1, ErreurPsc, Jetons, Psc};
use openidconnect::core::CoreAuthenticationFlow;
use openidconnect::{
    AuthenticationContextClass, AuthorizationCode, CsrfToken, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, Scope,
};
use std::time::{Duration, Instant};

/// How long the professional has to sign in in the browser.
pub const DUREE_DEMANDE: Duration = Duration::from_secs(10 * 60);

/// An authorisation request under way: what the browser is sent to, and
/// what stays with the client to check the answer (never sent to the
/// desktop client except `url` and `etat`).
pub struct DemandeAutorisation {
    pub url: String,
    pub etat: String,
    nonce: Nonce,
    verificateur: PkceCodeVerifier,
    pub debut: Instant,
}

impl std::fmt::Debug for DemandeAutorisation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemandeAutorisation")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// What the browser brought back to the loopback redirect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RetourNavigateur {
    Code {
        code: String,
        etat: String,
    },
    /// PSC's `error` (e.g. `access_denied` when the user cancelled).
    Erreur {
        erreur: String,
        description: Option<String>,
        etat: Option<String>,
    },
}

impl RetourNavigateur {
    /// The parameters of the redirect's query string.
    pub fn depuis_requete(requete: &str) -> Result<Self, ErreurPsc> {
        let mut code = None;
        let mut etat = None;
        let mut erreur = None;
        let mut description = None;
        for (k, v) in url::form_urlencoded::parse(requete.as_bytes()) {
            match k.as_ref() {
                "code" => code = Some(v.into_owned()),
                "state" => etat = Some(v.into_owned()),
                "error" => erreur = Some(v.into_owned()),
                "error_description" => description = Some(v.into_owned()),
                _ => {}
            }
        }
        match (code, erreur) {
            (_, Some(erreur)) => Ok(Self::Erreur {
                erreur,
                description,
                etat,
            }),
            (Some(code), None) => Ok(Self::Code {
                code,
                etat: etat.ok_or(ErreurPsc::Etat)?,
            }),
            (None, None) => Err(ErreurPsc::Reponse(
                "le navigateur est revenu sans code ni erreur".into(),
            )),
        }
    }
}

impl Psc {
    /// A new request: fresh state, nonce and PKCE verifier (S256),
    /// `scope=openid scope_all`, `acr_values=eidas1`.
    pub fn demande_autorisation(&self) -> DemandeAutorisation {
        let (defi, verificateur) = PkceCodeChallenge::new_random_sha256();
        let (url, etat, nonce) = self
            .client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("scope_all".into()))
            .add_auth_context_value(AuthenticationContextClass::new(ACR_EIDAS1.into()))
            .set_pkce_challenge(defi)
            .url();
        DemandeAutorisation {
            url: url.to_string(),
            etat: etat.secret().clone(),
            nonce,
            verificateur,
            debut: Instant::now(),
        }
    }

    /// Redeems the browser's answer to `demande`: the state must be the
    /// request's, the code is exchanged with the PKCE verifier, and the ID
    /// token is checked (nonce included).
    pub async fn echanger_code(
        &self,
        demande: DemandeAutorisation,
        retour: RetourNavigateur,
    ) -> Result<Jetons, ErreurPsc> {
        if demande.debut.elapsed() > DUREE_DEMANDE {
            return Err(ErreurPsc::Expiree);
        }
        let meme_etat = |e: &str| egal(e, &demande.etat);
        let code = match retour {
            RetourNavigateur::Code { code, etat } if meme_etat(&etat) => code,
            RetourNavigateur::Code { .. } => return Err(ErreurPsc::Etat),
            RetourNavigateur::Erreur { etat, .. } if !etat.as_deref().is_some_and(meme_etat) => {
                return Err(ErreurPsc::Etat);
            }
            RetourNavigateur::Erreur {
                erreur,
                description,
                ..
            } => {
                return Err(match erreur.as_str() {
                    "access_denied" => ErreurPsc::Annulee,
                    _ => crate::jetons::erreur_jeton(&erreur, description.as_deref()),
                });
            }
        };
        let reponse = self
            .client
            .exchange_code(AuthorizationCode::new(code))
            .set_pkce_verifier(demande.verificateur)
            .request_async(&self.http)
            .await
            .map_err(|e| self.erreur_requete(e))?;
        self.verifier(&reponse, Some(&demande.nonce), None)
    }
}

/// Compares two secrets by digest, so that the time taken says nothing
/// of a near miss.
fn egal(a: &str, b: &str) -> bool {
    use sha2::{Digest, Sha256};
    Sha256::digest(a.as_bytes()) == Sha256::digest(b.as_bytes())
}
