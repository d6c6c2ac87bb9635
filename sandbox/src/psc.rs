//! Pro Santé Connect, as its integrator documentation and the published
//! examples (`../shared/testdata/psc/`) describe it, under `/psc`:
//! discovery at `/psc/.well-known/wallet-openid-configuration`, an
//! authorisation page where one of the test professionals signs in (code
//! flow, PKCE S256 required, `acr_values=eidas1`), CIBA in poll mode
//! (`interval`, `authorization_pending`, `slow_down`, `expired_token`,
//! `access_denied`), tokens signed RS256, refresh, userinfo with PSC's
//! claims, introspection and revocation; token exchange (RFC 8693) on
//! the mutual-TLS listener only, the token issued bound to the client's
//! certificate (`cnf.x5t#S256`, RFC 8705).
//!
//! The issuer is `http://<Host>/psc`, from the request. For demos, a CIBA
//! request is validated by itself after `validation_auto_ms`; tests set it
//! to none and decide with `POST /psc/essai/ciba/<id national>/accepter|refuser`.

use crate::Sandbox;
use axum::Extension;
use axum::extract::{ConnectInfo, Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use esculape_ecoute::PairTls;
use openidconnect::core::{
    CoreIdToken, CoreIdTokenClaims, CoreJwsSigningAlgorithm, CoreRsaPrivateSigningKey,
};
use openidconnect::{
    AccessToken, Audience, AuthenticationContextClass, AuthorizationCode, EmptyAdditionalClaims,
    IssuerUrl, JsonWebKeyId, Nonce, PrivateSigningKey, StandardClaims, SubjectIdentifier,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The sandbox's signing key: a test key, public by nature.
const CLE_DE_TEST: &str = include_str!("../data/psc-cle-de-test.pem");
/// The registered client of the demos and tests.
pub const CLIENT: &str = "esculape-bac-a-sable";
pub const SECRET: &str = "secret-du-bac-a-sable";
pub const ACR: &str = "eidas1";
const DUREE_ACCES: u64 = 120;
const DUREE_CIBA: u64 = 120;
const INTERVALLE_CIBA: u64 = 1;

/// A test professional.
#[derive(Debug, Clone)]
pub struct Professionnel {
    pub id_national: &'static str,
    pub prenom: &'static str,
    pub nom: &'static str,
    pub savoir_faire: &'static str,
    /// (structure id, raison sociale, secteur)
    pub activites: &'static [(&'static str, &'static str, &'static str)],
}

/// The demo's doctors (their RPPS are the demo accounts'; one practises in
/// two places), the tests' doctor, and the doctor of PSC's published
/// example (no account: the refusal of an unknown RPPS).
pub const PROFESSIONNELS: &[Professionnel] = &[
    Professionnel {
        id_national: "810001234560",
        prenom: "CLAIRE",
        nom: "MARTIN",
        savoir_faire: "SM54",
        activites: &[("R10000001", "MAISON DE SANTE DES TILLEULS", "SA07")],
    },
    Professionnel {
        id_national: "810001234561",
        prenom: "PAUL",
        nom: "NGUYEN",
        savoir_faire: "SM54",
        activites: &[
            ("R10000001", "MAISON DE SANTE DES TILLEULS", "SA07"),
            ("R10000002", "CABINET DU CANAL", "SA07"),
        ],
    },
    // the doctor of the tests' practice (esculape_store::testing), with
    // an account in two structures
    Professionnel {
        id_national: "810001234567",
        prenom: "CLAIRE",
        nom: "MARTIN",
        savoir_faire: "SM54",
        activites: &[
            ("R20000001", "CABINET DU PARC", "SA07"),
            ("R20000002", "CENTRE DE SANTE DU CANAL", "SA05"),
        ],
    },
    Professionnel {
        id_national: "899700366240",
        prenom: "KIT",
        nom: "DOC0036624",
        savoir_faire: "SM26",
        activites: &[("R95141", "CABINET M DOC0036624", "SA07")],
    },
];

fn professionnel(id: &str) -> Option<&'static Professionnel> {
    PROFESSIONNELS.iter().find(|p| p.id_national == id)
}

/// How the stand-in behaves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reglages {
    /// Added before every answer (a PSC that answers in 3 s).
    #[serde(default)]
    pub latence_ms: u64,
    /// A CIBA request validates itself after this long (demos); `None`:
    /// only the test's decision does.
    #[serde(default)]
    pub validation_auto_ms: Option<u64>,
    /// The `acr` given to sign-ins (tests of a lower level).
    #[serde(default = "acr")]
    pub acr: String,
    /// Access tokens' lifetime in seconds.
    #[serde(default = "duree_acces")]
    pub duree_acces_s: u64,
}

fn acr() -> String {
    ACR.into()
}
fn duree_acces() -> u64 {
    DUREE_ACCES
}

impl Default for Reglages {
    fn default() -> Self {
        Self {
            latence_ms: 0,
            validation_auto_ms: Some(3000),
            acr: acr(),
            duree_acces_s: DUREE_ACCES,
        }
    }
}

struct Autorisation {
    client: String,
    redirection: String,
    defi: String,
    nonce: Option<String>,
    id_national: String,
}

struct DemandeCiba {
    client: String,
    id_national: String,
    debut: Instant,
    dernier_appel: Option<Instant>,
    decision: Option<bool>,
}

#[derive(Clone)]
struct Session {
    /// One sign-in: its access and refresh tokens share it.
    sid: String,
    client: String,
    id_national: String,
    expire: Instant,
}

#[derive(Default)]
struct Etat {
    codes: HashMap<String, Autorisation>,
    ciba: HashMap<String, DemandeCiba>,
    /// access token → session
    acces: HashMap<String, Session>,
    /// refresh token → session
    rafraichissement: HashMap<String, Session>,
    /// exchanged token → its session and the SHA-256 of the certificate
    /// it is bound to
    lies: HashMap<String, (Session, [u8; 32])>,
}

/// The stand-in's state and settings.
pub struct Psc {
    reglages: Mutex<Reglages>,
    etat: Mutex<Etat>,
    cle: CoreRsaPrivateSigningKey,
}

impl Default for Psc {
    fn default() -> Self {
        Self {
            reglages: Mutex::default(),
            etat: Mutex::default(),
            cle: CoreRsaPrivateSigningKey::from_pem(
                CLE_DE_TEST,
                Some(JsonWebKeyId::new("bac-a-sable".into())),
            )
            .unwrap_or_else(|e| panic!("clé de test du bac à sable illisible : {e}")),
        }
    }
}

impl Psc {
    fn reglages(&self) -> Reglages {
        self.reglages.lock().map(|r| r.clone()).unwrap_or_default()
    }

    fn etat(&self) -> std::sync::MutexGuard<'_, Etat> {
        self.etat.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The professional of an exchanged token presented on a connection
    /// whose client certificate has SHA-256 `certificat`: refused when
    /// the token is unknown, expired, revoked or bound to another
    /// certificate (what a service behind PSC checks).
    pub fn porteur_lie(
        &self,
        jeton: &str,
        certificat: Option<[u8; 32]>,
    ) -> Result<String, &'static str> {
        let etat = self.etat();
        let Some((session, lie)) = etat.lies.get(jeton) else {
            return Err("jeton inconnu, révoqué, ou non échangé par le proxy e-santé");
        };
        if session.expire <= Instant::now() {
            return Err("jeton expiré");
        }
        match certificat {
            None => Err("jeton lié à un certificat : connexion sans certificat client"),
            Some(c) if c != *lie => Err("jeton lié à un autre certificat"),
            Some(_) => Ok(session.id_national.clone()),
        }
    }
}

/// The professional in whose name a request comes through the proxy
/// e-santé, if it does: its token must be bound to the proxy's
/// certificate (RFC 8705), and that certificate presented on this
/// connection. `Err` is the 401 to answer.
pub fn porteur_de_la_requete(
    s: &crate::Sandbox,
    pair: Option<Extension<ConnectInfo<PairTls>>>,
    headers: &axum::http::HeaderMap,
) -> Result<Option<String>, Response> {
    let Some(jeton) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return Ok(None);
    };
    let certificat = pair.and_then(|Extension(ConnectInfo(p))| p.certificat_sha256);
    s.psc
        .porteur_lie(jeton, certificat)
        .map(Some)
        .map_err(|raison| {
            (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"")],
                raison,
            )
                .into_response()
        })
}

/// `x5t#S256` of a certificate's SHA-256 (RFC 8705).
fn x5t(sha: &[u8; 32]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha)
}

pub fn routes() -> Router<Arc<Sandbox>> {
    Router::new()
        .route(
            "/psc/.well-known/wallet-openid-configuration",
            get(decouverte),
        )
        .route("/psc/certs", get(cles))
        .route("/psc/auth", get(page_autorisation))
        .route("/psc/auth/connexion", post(connexion))
        .route("/psc/ciba", post(ciba))
        .route("/psc/token", post(jeton))
        .route("/psc/userinfo", get(userinfo))
        .route("/psc/introspect", post(introspection))
        .route("/psc/revoke", post(revocation))
        .route("/psc/reglages", get(lire_reglages).put(ecrire_reglages))
        .route("/psc/essai/ciba/{id}/{decision}", post(decision_ciba))
}

fn emetteur(headers: &HeaderMap) -> String {
    let hote = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{hote}/psc")
}

fn aleatoire() -> String {
    openidconnect::CsrfToken::new_random().secret().clone()
}

async fn latence(s: &Sandbox) {
    let ms = s.psc.reglages().latence_ms;
    if ms > 0 {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
}

fn erreur(statut: StatusCode, code: &str, description: &str) -> Response {
    (
        statut,
        Json(json!({ "error": code, "error_description": description })),
    )
        .into_response()
}

async fn decouverte(State(s): State<Arc<Sandbox>>, headers: HeaderMap) -> Json<Value> {
    latence(&s).await;
    let e = emetteur(&headers);
    let mut d = json!({
        "issuer": e,
        "authorization_endpoint": format!("{e}/auth"),
        "token_endpoint": format!("{e}/token"),
        "userinfo_endpoint": format!("{e}/userinfo"),
        "jwks_uri": format!("{e}/certs"),
        "introspection_endpoint": format!("{e}/introspect"),
        "revocation_endpoint": format!("{e}/revoke"),
        "backchannel_authentication_endpoint": format!("{e}/ciba"),
        "backchannel_token_delivery_modes_supported": ["poll"],
        "grant_types_supported": ["authorization_code", "refresh_token", "urn:openid:params:grant-type:ciba", ECHANGE],
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "scope_all"],
        "acr_values_supported": [ACR],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "tls_client_auth"],
        "tls_client_certificate_bound_access_tokens": true,
    });
    if let Some(base) = s.base_mtls.get() {
        d["mtls_endpoint_aliases"] = json!({ "token_endpoint": format!("{base}/psc/token") });
    }
    Json(d)
}

async fn cles(State(s): State<Arc<Sandbox>>) -> Json<Value> {
    let cle = s.psc.cle.as_verification_key();
    Json(json!({ "keys": [cle] }))
}

#[derive(Deserialize)]
struct DemandeAuto {
    client_id: String,
    redirect_uri: String,
    response_type: String,
    scope: String,
    state: Option<String>,
    nonce: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    acr_values: Option<String>,
}

/// PSC's authorisation page: the professional picks their card (here: a
/// test professional) or cancels.
async fn page_autorisation(
    State(s): State<Arc<Sandbox>>,
    Query(d): Query<DemandeAuto>,
) -> Response {
    latence(&s).await;
    if d.client_id != CLIENT || !boucle_locale(&d.redirect_uri) {
        return (StatusCode::BAD_REQUEST, "client ou redirection inconnus").into_response();
    }
    let refus = |code: &str| {
        let mut u = format!("{}?error={code}", d.redirect_uri);
        if let Some(st) = &d.state {
            u.push_str(&format!("&state={}", encoder(st)));
        }
        Redirect::to(&u).into_response()
    };
    if d.response_type != "code" || !d.scope.split(' ').any(|s| s == "openid") {
        return refus("invalid_request");
    }
    if d.code_challenge.is_none() || d.code_challenge_method.as_deref() != Some("S256") {
        return refus("invalid_request");
    }
    if d.acr_values.as_deref() != Some(ACR) {
        return refus("invalid_request");
    }
    let champs = |id: &str| {
        format!(
            "<input type=\"hidden\" name=\"id_national\" value=\"{id}\">\
             <input type=\"hidden\" name=\"redirect_uri\" value=\"{}\">\
             <input type=\"hidden\" name=\"state\" value=\"{}\">\
             <input type=\"hidden\" name=\"nonce\" value=\"{}\">\
             <input type=\"hidden\" name=\"code_challenge\" value=\"{}\">",
            html(&d.redirect_uri),
            html(d.state.as_deref().unwrap_or_default()),
            html(d.nonce.as_deref().unwrap_or_default()),
            html(d.code_challenge.as_deref().unwrap_or_default()),
        )
    };
    let cartes: String = PROFESSIONNELS
        .iter()
        .map(|p| {
            format!(
                "<form method=post action=\"/psc/auth/connexion\">{}<button>Dr {} {} ({})</button></form>",
                champs(p.id_national),
                p.prenom,
                p.nom,
                p.id_national
            )
        })
        .collect();
    Html(format!(
        "<!doctype html><html lang=fr><meta charset=utf-8><title>Pro Santé Connect — bac à sable</title>\
         <body style=\"font-family:sans-serif;margin:3em\"><h1>Pro Santé Connect (bac à sable)</h1>\
         <p>Choisissez la carte e-CPS de test :</p>{cartes}\
         <form method=post action=\"/psc/auth/connexion\">{}<button>Annuler</button></form></body></html>",
        champs("")
    ))
    .into_response()
}

fn boucle_locale(u: &str) -> bool {
    u.starts_with("http://127.0.0.1:") || u.starts_with("http://[::1]:")
}

fn encoder(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
}

#[derive(Deserialize)]
struct Choix {
    id_national: String,
    redirect_uri: String,
    state: String,
    nonce: String,
    code_challenge: String,
}

async fn connexion(State(s): State<Arc<Sandbox>>, Form(c): Form<Choix>) -> Response {
    if !boucle_locale(&c.redirect_uri) {
        return (StatusCode::BAD_REQUEST, "redirection inconnue").into_response();
    }
    let etat = format!("state={}", encoder(&c.state));
    if professionnel(&c.id_national).is_none() {
        return Redirect::to(&format!(
            "{}?error=access_denied&error_description=annul%C3%A9&{etat}",
            c.redirect_uri
        ))
        .into_response();
    }
    let code = aleatoire();
    s.psc.etat().codes.insert(
        code.clone(),
        Autorisation {
            client: CLIENT.into(),
            redirection: c.redirect_uri.clone(),
            defi: c.code_challenge,
            nonce: (!c.nonce.is_empty()).then_some(c.nonce),
            id_national: c.id_national,
        },
    );
    Redirect::to(&format!("{}?code={code}&{etat}", c.redirect_uri)).into_response()
}

/// The client of `Authorization: Basic`, if its secret is right.
fn client(headers: &HeaderMap) -> Option<String> {
    use base64::Engine;
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let b = base64::engine::general_purpose::STANDARD
        .decode(v.strip_prefix("Basic ")?)
        .ok()?;
    let (id, secret) = std::str::from_utf8(&b).ok()?.split_once(':')?;
    let id: String = url::form_urlencoded::parse(format!("a={id}").as_bytes())
        .next()?
        .1
        .into_owned();
    (id == CLIENT && secret == SECRET).then_some(id)
}

#[derive(Deserialize)]
struct DemandeBackchannel {
    scope: String,
    login_hint: Option<String>,
    binding_message: Option<String>,
    channel: Option<String>,
    acr_values: Option<String>,
}

async fn ciba(
    State(s): State<Arc<Sandbox>>,
    headers: HeaderMap,
    Form(d): Form<DemandeBackchannel>,
) -> Response {
    latence(&s).await;
    let Some(client) = client(&headers) else {
        return erreur(StatusCode::UNAUTHORIZED, "invalid_client", "client inconnu");
    };
    if !d.scope.split(' ').any(|s| s == "openid") || d.acr_values.as_deref() != Some(ACR) {
        return erreur(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "scope openid et acr_values eidas1 requis",
        );
    }
    if !d
        .binding_message
        .as_deref()
        .is_some_and(|m| m.len() == 2 && m.bytes().all(|b| b.is_ascii_digit()))
    {
        return erreur(
            StatusCode::BAD_REQUEST,
            "invalid_binding_message",
            "deux chiffres attendus",
        );
    }
    if !matches!(d.channel.as_deref(), Some("CARD" | "MOBILE")) {
        return erreur(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "channel CARD ou MOBILE",
        );
    }
    let Some(p) = d.login_hint.as_deref().and_then(professionnel) else {
        return erreur(
            StatusCode::BAD_REQUEST,
            "unknown_user_id",
            "identifiant national inconnu",
        );
    };
    let id = aleatoire();
    s.psc.etat().ciba.insert(
        id.clone(),
        DemandeCiba {
            client,
            id_national: p.id_national.into(),
            debut: Instant::now(),
            dernier_appel: None,
            decision: None,
        },
    );
    Json(json!({ "auth_req_id": id, "expires_in": DUREE_CIBA, "interval": INTERVALLE_CIBA }))
        .into_response()
}

async fn decision_ciba(
    State(s): State<Arc<Sandbox>>,
    axum::extract::Path((id, decision)): axum::extract::Path<(String, String)>,
) -> StatusCode {
    let mut etat = s.psc.etat();
    let mut trouve = false;
    for d in etat
        .ciba
        .values_mut()
        .filter(|d| d.id_national == id && d.decision.is_none())
    {
        d.decision = Some(decision == "accepter");
        trouve = true;
    }
    if trouve {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    }
}

#[derive(Deserialize)]
struct DemandeJeton {
    grant_type: String,
    code: Option<String>,
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
    refresh_token: Option<String>,
    auth_req_id: Option<String>,
    client_id: Option<String>,
    subject_token: Option<String>,
    subject_token_type: Option<String>,
}

/// RFC 8693's grant.
pub const ECHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const TYPE_ACCES: &str = "urn:ietf:params:oauth:token-type:access_token";

async fn jeton(
    State(s): State<Arc<Sandbox>>,
    pair: Option<Extension<ConnectInfo<PairTls>>>,
    headers: HeaderMap,
    Form(d): Form<DemandeJeton>,
) -> Response {
    latence(&s).await;
    let certificat = pair.and_then(|Extension(ConnectInfo(p))| p.certificat_sha256);
    // tls_client_auth: the client named in the form and a certificate of
    // the sandbox's authority (which certificate is registered for which
    // client is the live PSC's business, not checked here)
    let par_certificat = certificat
        .is_some()
        .then_some(())
        .and(d.client_id.clone())
        .filter(|c| c == CLIENT);
    let Some(client) = client(&headers).or(par_certificat) else {
        return erreur(StatusCode::UNAUTHORIZED, "invalid_client", "client inconnu");
    };
    let reglages = s.psc.reglages();
    let emetteur = emetteur(&headers);
    match d.grant_type.as_str() {
        "authorization_code" => {
            let Some(a) = d.code.as_deref().and_then(|c| s.psc.etat().codes.remove(c)) else {
                return erreur(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "code inconnu ou déjà utilisé",
                );
            };
            let verifie = d.code_verifier.as_deref().is_some_and(|v| {
                use base64::Engine;
                base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .encode(Sha256::digest(v.as_bytes()))
                    == a.defi
            });
            if a.client != client || d.redirect_uri.as_deref() != Some(&a.redirection) || !verifie {
                return erreur(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "PKCE, client ou redirection",
                );
            }
            emettre(
                &s,
                &emetteur,
                &client,
                &a.id_national,
                a.nonce.as_deref(),
                &reglages,
                true,
                None,
            )
        }
        "refresh_token" => {
            let Some(session) = d
                .refresh_token
                .as_deref()
                .and_then(|r| s.psc.etat().rafraichissement.remove(r))
            else {
                return erreur(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "jeton de rafraîchissement inconnu ou révoqué",
                );
            };
            emettre(
                &s,
                &emetteur,
                &client,
                &session.id_national,
                None,
                &reglages,
                false,
                Some(session.sid),
            )
        }
        "urn:openid:params:grant-type:ciba" => {
            let id = d.auth_req_id.unwrap_or_default();
            let auto = reglages.validation_auto_ms.map(Duration::from_millis);
            let issue = {
                let mut etat = s.psc.etat();
                let Some(demande) = etat.ciba.get_mut(&id) else {
                    return erreur(StatusCode::BAD_REQUEST, "invalid_grant", "demande inconnue");
                };
                let maintenant = Instant::now();
                let trop_tot = demande
                    .dernier_appel
                    .is_some_and(|t| maintenant - t < Duration::from_secs(INTERVALLE_CIBA));
                demande.dernier_appel = Some(maintenant);
                if demande.client != client {
                    Err(("invalid_grant", "demande d'un autre client"))
                } else if maintenant - demande.debut > Duration::from_secs(DUREE_CIBA) {
                    Err(("expired_token", "demande expirée"))
                } else if trop_tot {
                    Err(("slow_down", "interrogations trop rapprochées"))
                } else {
                    let decision = demande.decision.or_else(|| {
                        auto.filter(|a| maintenant - demande.debut >= *a)
                            .map(|_| true)
                    });
                    match decision {
                        None => Err(("authorization_pending", "en attente de validation")),
                        Some(false) => Err(("access_denied", "refusée par l'utilisateur")),
                        Some(true) => Ok(demande.id_national.clone()),
                    }
                }
            };
            match issue {
                Ok(id_national) => {
                    s.psc.etat().ciba.remove(&id);
                    emettre(
                        &s,
                        &emetteur,
                        &client,
                        &id_national,
                        None,
                        &reglages,
                        true,
                        None,
                    )
                }
                Err((code, d)) => {
                    if code == "access_denied" || code == "expired_token" {
                        s.psc.etat().ciba.remove(&id);
                    }
                    erreur(StatusCode::BAD_REQUEST, code, d)
                }
            }
        }
        ECHANGE => {
            let Some(certificat) = certificat else {
                return erreur(
                    StatusCode::UNAUTHORIZED,
                    "invalid_client",
                    "échange de jeton par TLS mutuel seulement",
                );
            };
            if d.subject_token_type.as_deref() != Some(TYPE_ACCES) {
                return erreur(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "subject_token_type : un jeton d'accès attendu",
                );
            }
            let session = d
                .subject_token
                .as_deref()
                .and_then(|t| s.psc.etat().acces.get(t).cloned())
                .filter(|x| x.expire > Instant::now() && x.client == client);
            let Some(session) = session else {
                return erreur(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "jeton Pro Santé Connect inconnu, expiré ou révoqué",
                );
            };
            let jeton = aleatoire();
            let expire_dans = session
                .expire
                .saturating_duration_since(Instant::now())
                .as_secs();
            s.psc
                .etat()
                .lies
                .insert(jeton.clone(), (session, certificat));
            Json(json!({
                "access_token": jeton,
                "issued_token_type": TYPE_ACCES,
                "token_type": "Bearer",
                "expires_in": expire_dans,
            }))
            .into_response()
        }
        _ => erreur(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "type de demande non pris en charge",
        ),
    }
}

/// Tokens for `id_national`: access, refresh, and (`identite`) an ID token
/// signed RS256.
#[allow(clippy::too_many_arguments)]
fn emettre(
    s: &Sandbox,
    emetteur: &str,
    client: &str,
    id_national: &str,
    nonce: Option<&str>,
    reglages: &Reglages,
    identite: bool,
    sid: Option<String>,
) -> Response {
    let acces = aleatoire();
    let rafraichissement = aleatoire();
    let session = Session {
        sid: sid.unwrap_or_else(aleatoire),
        client: client.into(),
        id_national: id_national.into(),
        expire: Instant::now() + Duration::from_secs(reglages.duree_acces_s),
    };
    let id_token = if identite {
        let maintenant = chrono::Utc::now();
        let Ok(issuer) = IssuerUrl::new(emetteur.into()) else {
            return erreur(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "émetteur",
            );
        };
        let mut claims = CoreIdTokenClaims::new(
            issuer,
            vec![Audience::new(client.into())],
            maintenant + chrono::Duration::seconds(300),
            maintenant,
            StandardClaims::new(SubjectIdentifier::new(sujet(id_national))),
            EmptyAdditionalClaims {},
        )
        .set_auth_context_ref(Some(AuthenticationContextClass::new(reglages.acr.clone())));
        if let Some(n) = nonce {
            claims = claims.set_nonce(Some(Nonce::new(n.into())));
        }
        match CoreIdToken::new(
            claims,
            &s.psc.cle,
            CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
            Some(&AccessToken::new(acces.clone())),
            None::<&AuthorizationCode>,
        ) {
            Ok(t) => Some(t.to_string()),
            Err(e) => {
                return erreur(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "server_error",
                    &e.to_string(),
                );
            }
        }
    } else {
        None
    };
    {
        let mut etat = s.psc.etat();
        etat.acces.insert(acces.clone(), session.clone());
        etat.rafraichissement
            .insert(rafraichissement.clone(), session);
    }
    let mut corps = json!({
        "access_token": acces,
        "token_type": "Bearer",
        "expires_in": reglages.duree_acces_s,
        "refresh_token": rafraichissement,
        "scope": "openid scope_all",
    });
    if let Some(t) = id_token {
        corps["id_token"] = json!(t);
    }
    Json(corps).into_response()
}

/// PSC's opaque subject: `f:<uuid>:<national id>` (never parsed by
/// clients).
fn sujet(id_national: &str) -> String {
    let h = hex(&Sha256::digest(id_national.as_bytes())[..16]);
    format!(
        "f:{}-{}-{}-{}-{}:{id_national}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn session_du_porteur(s: &Sandbox, headers: &HeaderMap) -> Option<Session> {
    let jeton = headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")?;
    let session = s.psc.etat().acces.get(jeton).cloned()?;
    (session.expire > Instant::now()).then_some(session)
}

/// PSC's userinfo, shaped like `userinfo-example.json`.
async fn userinfo(State(s): State<Arc<Sandbox>>, headers: HeaderMap) -> Response {
    latence(&s).await;
    let Some(session) = session_du_porteur(&s, &headers) else {
        return erreur(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "jeton inconnu, expiré ou révoqué",
        );
    };
    let Some(p) = professionnel(&session.id_national) else {
        return erreur(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "professionnel inconnu",
        );
    };
    Json(revendications(p)).into_response()
}

/// PSC's claims for `p`.
pub fn revendications(p: &Professionnel) -> Value {
    let activites: Vec<Value> = p
        .activites
        .iter()
        .map(|(structure, raison, secteur)| {
            json!({
                "codeModeExercice": "L", "codeSecteurDactivite": secteur, "codeRole": "",
                "identifiantTechniqueDeLaStructure": structure, "raisonSocialeSite": raison,
                "numeroFinessSite": "", "codePostal": "75011", "bureauCedex": "75011 PARIS",
            })
        })
        .collect();
    json!({
        "sub": sujet(p.id_national),
        "preferred_username": p.id_national,
        "SubjectNameID": p.id_national,
        "given_name": p.prenom,
        "family_name": p.nom,
        "email_verified": false,
        "SubjectRefPro": { "codeCivilite": "", "exercices": [{
            "codeProfession": "10", "codeCategorieProfessionnelle": "C",
            "codeCiviliteDexercice": "DR", "nomDexercice": p.nom, "prenomDexercice": p.prenom,
            "codeTypeSavoirFaire": "S", "codeSavoirFaire": p.savoir_faire,
            "activities": activites,
        }]},
        "SubjectRole": ["10^1.2.250.1.213.1.1.5.5"],
        "Secteur_Activite": "SA07^1.2.250.1.71.4.2.4",
        "SubjectOrganization": p.activites.first().map(|a| a.1).unwrap_or_default(),
        "SubjectOrganizationID": p.activites.first().map(|a| a.0).unwrap_or_default(),
        "Palier_Authentification": "APPPRIP3^1.2.250.1.213.1.5.1.1.1",
        "otherIds": [{ "identifiant": p.id_national, "origine": "RPPS", "qualite": 1 }],
    })
}

#[derive(Deserialize)]
struct Jeton {
    token: String,
}

async fn introspection(
    State(s): State<Arc<Sandbox>>,
    headers: HeaderMap,
    Form(j): Form<Jeton>,
) -> Response {
    if client(&headers).is_none() {
        return erreur(StatusCode::UNAUTHORIZED, "invalid_client", "client inconnu");
    }
    let (session, lie) = {
        let etat = s.psc.etat();
        match etat.acces.get(&j.token) {
            Some(x) => (Some(x.clone()), None),
            None => match etat.lies.get(&j.token) {
                Some((x, c)) => (Some(x.clone()), Some(*c)),
                None => (None, None),
            },
        }
    };
    match session.filter(|s| s.expire > Instant::now()) {
        Some(session) => {
            let mut r = json!({
                "active": true,
                "client_id": session.client,
                "sub": sujet(&session.id_national),
                "preferred_username": session.id_national,
            });
            if let Some(c) = lie {
                r["cnf"] = json!({ "x5t#S256": x5t(&c) });
            }
            Json(r).into_response()
        }
        None => Json(json!({ "active": false })).into_response(),
    }
}

async fn revocation(
    State(s): State<Arc<Sandbox>>,
    headers: HeaderMap,
    Form(j): Form<Jeton>,
) -> Response {
    if client(&headers).is_none() {
        return erreur(StatusCode::UNAUTHORIZED, "invalid_client", "client inconnu");
    }
    let mut etat = s.psc.etat();
    // revoking one token of a sign-in ends all its tokens (as a PSC
    // logout does)
    let sid = etat
        .acces
        .get(&j.token)
        .or_else(|| etat.rafraichissement.get(&j.token))
        .map(|s| s.sid.clone());
    if let Some(sid) = sid {
        etat.acces.retain(|_, s| s.sid != sid);
        etat.rafraichissement.retain(|_, s| s.sid != sid);
        etat.lies.retain(|_, (s, _)| s.sid != sid);
    }
    StatusCode::OK.into_response()
}

async fn lire_reglages(State(s): State<Arc<Sandbox>>) -> Json<Reglages> {
    Json(s.psc.reglages())
}

async fn ecrire_reglages(State(s): State<Arc<Sandbox>>, Json(r): Json<Reglages>) -> StatusCode {
    if let Ok(mut g) = s.psc.reglages.lock() {
        *g = r;
    }
    StatusCode::NO_CONTENT
}

/// What a browser does on this stand-in's page, for the tests that drive
/// a sign-in without a person: opens the authorisation `url`, posts the
/// form of `id_national`'s card, and gives the query string it is sent
/// back with to the loopback redirect.
pub async fn carte_choisie(
    http: &reqwest::Client,
    url: &str,
    id_national: &str,
) -> Result<String, String> {
    let page = http
        .get(url)
        .send()
        .await
        .map_err(|e| e.to_string())?
        .text()
        .await
        .map_err(|e| e.to_string())?;
    let formulaire = page
        .split("<form")
        .find(|f| f.contains(&format!("value=\"{id_national}\"")))
        .ok_or_else(|| format!("la page ne propose pas la carte {id_national} : {page}"))?;
    let champ = |input: &str, nom: &str| -> Option<String> {
        let v = input
            .split(&format!("{nom}=\""))
            .nth(1)?
            .split('"')
            .next()?;
        Some(
            v.replace("&quot;", "\"")
                .replace("&lt;", "<")
                .replace("&amp;", "&"),
        )
    };
    let champs: Vec<(String, String)> = formulaire
        .split("<input")
        .skip(1)
        .filter_map(|i| Some((champ(i, "name")?, champ(i, "value")?)))
        .collect();
    let action = url::Url::parse(url)
        .and_then(|u| u.join("/psc/auth/connexion"))
        .map_err(|e| e.to_string())?;
    let r = http
        .post(action)
        .form(&champs)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let retour = r
        .headers()
        .get(header::LOCATION.as_str())
        .and_then(|v| v.to_str().ok())
        .ok_or("pas de redirection après la connexion")?;
    Ok(retour
        .split_once('?')
        .map(|(_, q)| q.to_string())
        .unwrap_or_default())
}
