//! The proxy e-santé (DSR SC.PSC.16): the server-side component that
//! holds the Pro Santé Connect client's credentials (secret, or the
//! structure's certificate for mutual TLS), signs professionals in (code
//! flow for the desktop client's browser, CIBA), keeps their PSC sessions
//! in memory and gives the hosts what they need of them. Run by the editor
//! or by a structure's server, never inside the doctor's desktop process.
//!
//! Routes (bodies in `esculape_psc::proxy_api`), every one behind the
//! hosts' key (`Authorization: Bearer <clé>`):
//! - ANS: `POST /connect` (CIBA, answered once validated, sets the
//!   `proxy_session_id` cookie), `DELETE /disconnect`, `GET /traces`;
//! - Esculape: `POST /esculape/autorisation` and `POST /esculape/code`
//!   (code flow), `POST /esculape/ciba`, `GET /esculape/ciba/{id}` and
//!   `DELETE /esculape/ciba/{id}` (CIBA without holding a request open;
//!   cancelling stops the polling and ends a session it opened), `GET /esculape/session` and
//!   `GET /esculape/jeton` (the session, its access token refreshed);
//! - ANS: `/send/{service}/…` (any method): the request passed on to a
//!   configured national service in the professional's name, with the
//!   PSC token exchanged (RFC 8693) for one bound to the proxy's
//!   certificate, over mutual TLS with that certificate.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, delete, get, post};
use axum::{Json, Router};
use esculape_psc::ciba::Canal;
use esculape_psc::code::{DemandeAutorisation, RetourNavigateur};
use esculape_psc::proxy_api::{
    Autorisation, CibaDemarree, Connexion, DemandeCiba, ErreurAns, EtatCiba, EtatProxy, JetonAcces,
    RetourCode, SessionAns, SessionPsc, Trace,
};
use esculape_psc::{ErreurPsc, IdentitePsc, JetonLie, Jetons, Psc};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Sign-ins under way at once (code flow or CIBA): past it, refused.
pub const DEMANDES_MAX: usize = 1000;
/// A CIBA request not claimed within this is forgotten.
pub const DUREE_CIBA: Duration = Duration::from_secs(15 * 60);
/// Sessions held at once.
pub const SESSIONS_MAX: usize = 10_000;
/// Trace lines kept.
pub const TRACES_MAX: usize = 10_000;
/// Largest request or answer passed on by `/send` (a DMP document with
/// its PDF).
pub const ENVOI_MAX: usize = 64 * 1024 * 1024;
/// A token is refreshed when it ends within this.
pub const MARGE_RAFRAICHISSEMENT: Duration = Duration::from_secs(60);

struct Session {
    jetons: Jetons,
    identite: IdentitePsc,
    /// Exchanged tokens, by service.
    lies: HashMap<String, JetonLie>,
}

enum Ciba {
    /// PSC is being polled by this task (stopped when the request is
    /// cancelled).
    EnAttente(tokio::task::AbortHandle),
    Validee(String),
    Erreur(String),
}

#[derive(Default)]
struct Etat {
    codes: HashMap<String, DemandeAutorisation>,
    ciba: HashMap<String, (Instant, Ciba)>,
    sessions: HashMap<String, Session>,
    traces: VecDeque<Trace>,
}

/// The proxy: the PSC client (with its credentials) and the sessions.
pub struct Proxy {
    psc: Psc,
    /// The national services `/send` reaches, by name: their base URL.
    services: HashMap<String, String>,
    /// The certificate the HTTP client presents (shown, with its expiry).
    certificat: Option<esculape_transport::identite::IdentiteClient>,
    /// SHA-256 of the hosts' key.
    cle: [u8; 32],
    etat: Mutex<Etat>,
}

#[derive(Debug, thiserror::Error)]
pub enum ErreurProxy {
    #[error("clé du proxy e-santé absente ou fausse")]
    Cle,
    #[error("session Pro Santé Connect inconnue ou terminée : reconnectez-vous")]
    Session,
    #[error("trop de connexions en cours : réessayez dans un instant")]
    Occupe,
    #[error("demande de connexion inconnue ou expirée : recommencez")]
    Demande,
    #[error("service « {0} » inconnu du proxy e-santé")]
    Service(String),
    #[error("le service « {0} » est injoignable : {1}")]
    Injoignable(String, String),
    #[error("{0}")]
    Psc(#[from] ErreurPsc),
}

impl ErreurProxy {
    fn statut(&self) -> StatusCode {
        match self {
            Self::Cle | Self::Session => StatusCode::UNAUTHORIZED,
            Self::Occupe => StatusCode::SERVICE_UNAVAILABLE,
            Self::Demande | Self::Service(_) => StatusCode::NOT_FOUND,
            Self::Injoignable(..) => StatusCode::BAD_GATEWAY,
            Self::Psc(ErreurPsc::IdentifiantInconnu) => StatusCode::NOT_FOUND,
            Self::Psc(ErreurPsc::Injoignable(_) | ErreurPsc::Delai(_)) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Self::Psc(ErreurPsc::SessionTerminee) => StatusCode::UNAUTHORIZED,
            Self::Psc(_) => StatusCode::BAD_REQUEST,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::Cle => "cle",
            Self::Session => "session",
            Self::Occupe => "occupe",
            Self::Demande => "demande",
            Self::Service(_) => "service",
            Self::Injoignable(..) => "service_injoignable",
            Self::Psc(e) => match e {
                ErreurPsc::IdentifiantInconnu => "identifiant_inconnu",
                ErreurPsc::RefuseeParUtilisateur | ErreurPsc::Annulee => "refusee",
                ErreurPsc::Expiree => "expiree",
                ErreurPsc::Niveau(_) => "niveau",
                ErreurPsc::Injoignable(_) | ErreurPsc::Delai(_) => "injoignable",
                ErreurPsc::SessionTerminee => "session",
                _ => "psc",
            },
        }
    }
}

impl IntoResponse for ErreurProxy {
    fn into_response(self) -> Response {
        (
            self.statut(),
            Json(ErreurAns {
                code: self.code().into(),
                message: self.to_string(),
            }),
        )
            .into_response()
    }
}

fn aleatoire() -> String {
    let mut b = [0u8; 16];
    // the system's randomness missing is not something to run without
    getrandom::fill(&mut b).unwrap_or_else(|e| panic!("aléa du système indisponible : {e}"));
    hex::encode(b)
}

fn maintenant_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

impl Proxy {
    /// A proxy for `psc` (discovered, with its credentials), open to the
    /// hosts presenting `cle`.
    pub fn new(psc: Psc, cle: &str) -> Self {
        Self {
            psc,
            services: HashMap::new(),
            certificat: None,
            cle: Sha256::digest(cle.as_bytes()).into(),
            etat: Mutex::default(),
        }
    }

    /// The certificate its PSC client's HTTP client presents (told to
    /// the administrator with its expiry: `GET /esculape/etat`).
    pub fn avec_certificat(mut self, c: esculape_transport::identite::IdentiteClient) -> Self {
        self.certificat = Some(c);
        self
    }

    /// The national services `/send/{nom}` reaches (name, base URL).
    pub fn avec_services(mut self, services: impl IntoIterator<Item = (String, String)>) -> Self {
        self.services = services
            .into_iter()
            .map(|(n, u)| (n, u.trim_end_matches('/').to_string()))
            .collect();
        self
    }

    fn etat(&self) -> std::sync::MutexGuard<'_, Etat> {
        self.etat.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn tracer(
        &self,
        action: &str,
        id_national: Option<&str>,
        session: Option<&str>,
        resultat: &str,
    ) {
        let mut e = self.etat();
        if e.traces.len() >= TRACES_MAX {
            e.traces.pop_front();
        }
        e.traces.push_back(Trace {
            date: maintenant_ms(),
            action: action.into(),
            id_national: id_national.map(Into::into),
            session: session.map(Into::into),
            resultat: resultat.into(),
        });
    }

    fn verifier_cle(&self, headers: &HeaderMap) -> Result<(), ErreurProxy> {
        let donnee = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        // compared by digest: the time taken says nothing of a near miss
        if <[u8; 32]>::from(Sha256::digest(donnee.as_bytes())) == self.cle {
            Ok(())
        } else {
            Err(ErreurProxy::Cle)
        }
    }

    /// Forgets the requests older than their lifetime; a CIBA sign-in
    /// validated but never claimed has its session ended.
    async fn purger(&self) {
        let oubliees: Vec<Ciba> = {
            let mut e = self.etat();
            e.codes
                .retain(|_, d| d.debut.elapsed() < esculape_psc::code::DUREE_DEMANDE);
            let vieilles: Vec<String> = e
                .ciba
                .iter()
                .filter(|(_, (debut, _))| debut.elapsed() >= DUREE_CIBA)
                .map(|(id, _)| id.clone())
                .collect();
            vieilles
                .iter()
                .filter_map(|id| e.ciba.remove(id).map(|c| c.1))
                .collect()
        };
        for c in oubliees {
            self.abandonner(c).await;
        }
    }

    /// A CIBA request nobody waits for any more: its polling stopped, the
    /// session it may have opened ended.
    async fn abandonner(&self, c: Ciba) {
        match c {
            Ciba::EnAttente(tache) => tache.abort(),
            Ciba::Validee(sid) => {
                let _ = self.fermer(&sid).await;
            }
            Ciba::Erreur(_) => {}
        }
    }

    fn demandes(&self) -> usize {
        let e = self.etat();
        e.codes.len() + e.ciba.len()
    }

    /// Opens a session for `jetons`: reads who signed in.
    async fn ouvrir(&self, jetons: Jetons, action: &str) -> Result<SessionPsc, ErreurProxy> {
        let identite = self.psc.identite(&jetons).await?;
        let id = aleatoire();
        let expire_dans_s = jetons
            .expire
            .saturating_duration_since(Instant::now())
            .as_secs();
        {
            let mut e = self.etat();
            if e.sessions.len() >= SESSIONS_MAX {
                return Err(ErreurProxy::Occupe);
            }
            e.sessions.insert(
                id.clone(),
                Session {
                    jetons,
                    identite: identite.clone(),
                    lies: HashMap::new(),
                },
            );
        }
        self.tracer(
            action,
            Some(&identite.id_national),
            Some(&id),
            "session ouverte",
        );
        Ok(SessionPsc {
            proxy_session_id: id,
            identite,
            expire_dans_s,
        })
    }

    /// The session `id`, its tokens refreshed when they are about to end;
    /// a refresh PSC refuses ends the session.
    async fn session(&self, id: &str) -> Result<(Jetons, IdentitePsc), ErreurProxy> {
        let (jetons, identite) = {
            let e = self.etat();
            let s = e.sessions.get(id).ok_or(ErreurProxy::Session)?;
            (s.jetons.clone(), s.identite.clone())
        };
        if !jetons.a_rafraichir(MARGE_RAFRAICHISSEMENT) {
            // the session may have ended at PSC (signed out elsewhere)
            if self.psc.introspecter(&jetons.acces).await? {
                return Ok((jetons, identite));
            }
            self.etat().sessions.remove(id);
            self.tracer(
                "session",
                Some(&identite.id_national),
                Some(id),
                "session terminée par Pro Santé Connect",
            );
            return Err(ErreurProxy::Session);
        }
        match self.psc.rafraichir(&jetons).await {
            Ok(neufs) => {
                if let Some(s) = self.etat().sessions.get_mut(id) {
                    s.jetons = neufs.clone();
                }
                self.tracer(
                    "rafraichissement",
                    Some(&identite.id_national),
                    Some(id),
                    "ok",
                );
                Ok((neufs, identite))
            }
            Err(ErreurPsc::SessionTerminee) => {
                self.etat().sessions.remove(id);
                self.tracer(
                    "rafraichissement",
                    Some(&identite.id_national),
                    Some(id),
                    "session terminée par Pro Santé Connect",
                );
                Err(ErreurProxy::Session)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The token bound to our certificate for `service`, exchanged from
    /// the session's PSC token when none is held or it is about to end.
    async fn jeton_lie(
        &self,
        id: &str,
        service: &str,
        jetons: &Jetons,
        identite: &IdentitePsc,
    ) -> Result<JetonLie, ErreurProxy> {
        let tenu = self
            .etat()
            .sessions
            .get(id)
            .and_then(|s| s.lies.get(service).cloned())
            .filter(|j| j.expire > Instant::now() + MARGE_RAFRAICHISSEMENT);
        if let Some(j) = tenu {
            return Ok(j);
        }
        let j = match self.psc.echanger_jeton(&jetons.acces).await {
            Ok(j) => j,
            Err(e) => {
                self.tracer(
                    "echange",
                    Some(&identite.id_national),
                    Some(id),
                    &e.to_string(),
                );
                return Err(e.into());
            }
        };
        if let Some(s) = self.etat().sessions.get_mut(id) {
            s.lies.insert(service.into(), j.clone());
        }
        self.tracer(
            "echange",
            Some(&identite.id_national),
            Some(id),
            &format!("jeton lié au certificat pour « {service} »"),
        );
        Ok(j)
    }

    /// Forgets the token held for `service` (the service refused it).
    fn oublier_lie(&self, id: &str, service: &str) {
        if let Some(s) = self.etat().sessions.get_mut(id) {
            s.lies.remove(service);
        }
    }

    /// Ends the session `id`: its tokens revoked at PSC.
    async fn fermer(&self, id: &str) -> Result<(), ErreurProxy> {
        let s = self
            .etat()
            .sessions
            .remove(id)
            .ok_or(ErreurProxy::Session)?;
        let revoque = self.psc.revoquer(&s.jetons).await;
        self.tracer(
            "deconnexion",
            Some(&s.identite.id_national),
            Some(id),
            match &revoque {
                Ok(()) => "jetons révoqués",
                Err(_) => "révocation impossible, session oubliée",
            },
        );
        Ok(())
    }
}

/// `nom=URL,nom=URL`: the services of `ESCULAPE_PROXY_SERVICES`.
pub fn services(texte: &str) -> Result<Vec<(String, String)>, String> {
    texte
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((n, u))
                if !n.trim().is_empty()
                    && (u.trim().starts_with("https://") || u.trim().starts_with("http://")) =>
            {
                Ok((n.trim().to_string(), u.trim().to_string()))
            }
            _ => Err(format!(
                "service « {p} » : nom=URL attendu (par exemple insi=https://…/insi)"
            )),
        })
        .collect()
}

pub fn router(proxy: Arc<Proxy>) -> Router {
    Router::new()
        .route("/connect", post(connect))
        .route("/disconnect", delete(disconnect))
        .route("/traces", get(traces))
        .route("/esculape/autorisation", post(autorisation))
        .route("/esculape/code", post(code))
        .route("/esculape/ciba", post(ciba))
        .route("/esculape/ciba/{id}", get(etat_ciba).delete(annuler_ciba))
        .route("/esculape/session", get(session).delete(disconnect))
        .route("/esculape/jeton", get(jeton))
        .route("/esculape/etat", get(etat))
        .route("/send/{service}", any(send))
        .route("/send/{service}/{*chemin}", any(send))
        .layer(axum::extract::DefaultBodyLimit::max(ENVOI_MAX))
        .with_state(proxy)
}

fn canal(c: &str) -> Result<Canal, ErreurProxy> {
    match c {
        "CARD" => Ok(Canal::Carte),
        "MOBILE" => Ok(Canal::Mobile),
        _ => Err(ErreurPsc::Reponse(format!("canal « {c} » : CARD ou MOBILE attendu")).into()),
    }
}

/// The ANS session cookie of a request.
fn cookie_session(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|p| p.trim().split_once('='))
        .find(|(k, _)| *k == esculape_psc::proxy_api::COOKIE_SESSION)
        .map(|(_, v)| v.to_string())
}

/// `POST /connect`: CIBA to the end, as the ANS proxy does.
async fn connect(
    State(p): State<Arc<Proxy>>,
    headers: HeaderMap,
    Json(c): Json<Connexion>,
) -> Result<Response, ErreurProxy> {
    p.verifier_cle(&headers)?;
    if c.client_id != p.psc.config().client_id {
        return Err(
            ErreurPsc::Configuration(format!("clientId « {} » inconnu", c.client_id)).into(),
        );
    }
    if let Some(id) = cookie_session(&headers)
        && p.etat().sessions.contains_key(&id)
    {
        return Ok(StatusCode::NOT_MODIFIED.into_response());
    }
    let mut d = match p
        .psc
        .ciba_demarrer(&c.national_id, &c.binding_message, canal(&c.channel)?)
        .await
    {
        Ok(d) => d,
        Err(e) => {
            p.tracer("connect", Some(&c.national_id), None, &e.to_string());
            return Err(e.into());
        }
    };
    let jetons = match p.psc.ciba_attendre(&mut d, |_| {}).await {
        Ok(j) => j,
        Err(e) => {
            p.tracer("connect", Some(&c.national_id), None, &e.to_string());
            return Err(e.into());
        }
    };
    let s = p.ouvrir(jetons, "connect").await?;
    let cookie = format!(
        "{}={}; Path=/; HttpOnly; SameSite=Strict",
        esculape_psc::proxy_api::COOKIE_SESSION,
        s.proxy_session_id
    );
    let mut r = Json(SessionAns {
        session_state: s.proxy_session_id.clone(),
        proxy_session_id: s.proxy_session_id,
    })
    .into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(r)
}

/// `DELETE /disconnect` (and `DELETE /esculape/session`).
async fn disconnect(
    State(p): State<Arc<Proxy>>,
    headers: HeaderMap,
) -> Result<Response, ErreurProxy> {
    p.verifier_cle(&headers)?;
    let id = cookie_session(&headers).ok_or(ErreurProxy::Session)?;
    p.fermer(&id).await?;
    let mut r = StatusCode::OK.into_response();
    r.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("proxy_session_id=; Path=/; Max-Age=0"),
    );
    Ok(r)
}

#[derive(serde::Deserialize)]
struct Periode {
    start: Option<i64>,
    end: Option<i64>,
}

async fn traces(
    State(p): State<Arc<Proxy>>,
    headers: HeaderMap,
    Query(q): Query<Periode>,
) -> Result<Json<Vec<Trace>>, ErreurProxy> {
    p.verifier_cle(&headers)?;
    let e = p.etat();
    Ok(Json(
        e.traces
            .iter()
            .filter(|t| q.start.is_none_or(|s| t.date >= s) && q.end.is_none_or(|f| t.date <= f))
            .cloned()
            .collect(),
    ))
}

async fn autorisation(
    State(p): State<Arc<Proxy>>,
    headers: HeaderMap,
) -> Result<Json<Autorisation>, ErreurProxy> {
    p.verifier_cle(&headers)?;
    p.purger().await;
    if p.demandes() >= DEMANDES_MAX {
        return Err(ErreurProxy::Occupe);
    }
    let d = p.psc.demande_autorisation();
    let a = Autorisation {
        url: d.url.clone(),
        etat: d.etat.clone(),
    };
    p.etat().codes.insert(d.etat.clone(), d);
    p.tracer("autorisation", None, None, "demande envoyée au navigateur");
    Ok(Json(a))
}

async fn code(
    State(p): State<Arc<Proxy>>,
    headers: HeaderMap,
    Json(r): Json<RetourCode>,
) -> Result<Json<SessionPsc>, ErreurProxy> {
    p.verifier_cle(&headers)?;
    let retour = RetourNavigateur::depuis_requete(&r.requete)?;
    let etat = match &retour {
        RetourNavigateur::Code { etat, .. } => Some(etat.clone()),
        RetourNavigateur::Erreur { etat, .. } => etat.clone(),
    };
    let demande = etat
        .and_then(|e| p.etat().codes.remove(&e))
        .ok_or(ErreurProxy::Demande)?;
    let jetons = match p.psc.echanger_code(demande, retour).await {
        Ok(j) => j,
        Err(e) => {
            p.tracer("code", None, None, &e.to_string());
            return Err(e.into());
        }
    };
    Ok(Json(p.ouvrir(jetons, "code").await?))
}

async fn ciba(
    State(p): State<Arc<Proxy>>,
    headers: HeaderMap,
    Json(d): Json<DemandeCiba>,
) -> Result<Json<CibaDemarree>, ErreurProxy> {
    p.verifier_cle(&headers)?;
    p.purger().await;
    if p.demandes() >= DEMANDES_MAX {
        return Err(ErreurProxy::Occupe);
    }
    let mut demande = match p
        .psc
        .ciba_demarrer(&d.id_national, &d.message, canal(&d.canal)?)
        .await
    {
        Ok(x) => x,
        Err(e) => {
            p.tracer("ciba", Some(&d.id_national), None, &e.to_string());
            return Err(e.into());
        }
    };
    let id = aleatoire();
    // The entry exists before the task can finish, so that its result
    // always finds it unless the request was cancelled meanwhile.
    let mut e = p.etat();
    let (proxy, cle, qui) = (p.clone(), id.clone(), d.id_national.clone());
    let tache = tokio::spawn(async move {
        let fin = match proxy.psc.ciba_attendre(&mut demande, |_| {}).await {
            Ok(j) => match proxy.ouvrir(j, "ciba").await {
                Ok(s) => Ciba::Validee(s.proxy_session_id),
                Err(e) => Ciba::Erreur(e.to_string()),
            },
            Err(e) => {
                proxy.tracer("ciba", Some(&qui), None, &e.to_string());
                Ciba::Erreur(e.to_string())
            }
        };
        let reste = match proxy.etat().ciba.get_mut(&cle) {
            Some(c) => {
                c.1 = fin;
                None
            }
            None => Some(fin),
        };
        // cancelled while the session was opening: it is ended at once
        if let Some(fin) = reste {
            proxy.abandonner(fin).await;
        }
    });
    e.ciba.insert(
        id.clone(),
        (Instant::now(), Ciba::EnAttente(tache.abort_handle())),
    );
    drop(e);
    Ok(Json(CibaDemarree { demande: id }))
}

/// `DELETE /esculape/ciba/{id}`: the professional gave up (or the host
/// did): PSC is no longer polled, and a session already opened for it is
/// ended. Unknown (or already answered) requests: 404.
async fn annuler_ciba(
    State(p): State<Arc<Proxy>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<StatusCode, ErreurProxy> {
    p.verifier_cle(&headers)?;
    let (_, c) = p.etat().ciba.remove(&id).ok_or(ErreurProxy::Demande)?;
    p.tracer("ciba", None, None, "demande annulée");
    p.abandonner(c).await;
    Ok(StatusCode::OK)
}

async fn etat_ciba(
    State(p): State<Arc<Proxy>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<EtatCiba>, ErreurProxy> {
    p.verifier_cle(&headers)?;
    let mut e = p.etat();
    let fini = !matches!(
        e.ciba.get(&id).ok_or(ErreurProxy::Demande)?.1,
        Ciba::EnAttente(_)
    );
    if !fini {
        return Ok(Json(EtatCiba::EnAttente));
    }
    // a result is given once
    let (_, c) = e.ciba.remove(&id).ok_or(ErreurProxy::Demande)?;
    Ok(Json(match c {
        Ciba::EnAttente(_) => EtatCiba::EnAttente,
        Ciba::Erreur(message) => EtatCiba::Erreur { message },
        Ciba::Validee(sid) => {
            let s = e.sessions.get(&sid).ok_or(ErreurProxy::Session)?;
            EtatCiba::Validee {
                session: SessionPsc {
                    proxy_session_id: sid.clone(),
                    identite: s.identite.clone(),
                    expire_dans_s: s
                        .jetons
                        .expire
                        .saturating_duration_since(Instant::now())
                        .as_secs(),
                },
            }
        }
    }))
}

fn session_demandee(headers: &HeaderMap) -> Result<String, ErreurProxy> {
    cookie_session(headers).ok_or(ErreurProxy::Session)
}

async fn session(
    State(p): State<Arc<Proxy>>,
    headers: HeaderMap,
) -> Result<Json<SessionPsc>, ErreurProxy> {
    p.verifier_cle(&headers)?;
    let id = session_demandee(&headers)?;
    let (jetons, identite) = p.session(&id).await?;
    Ok(Json(SessionPsc {
        proxy_session_id: id,
        identite,
        expire_dans_s: jetons
            .expire
            .saturating_duration_since(Instant::now())
            .as_secs(),
    }))
}

async fn jeton(
    State(p): State<Arc<Proxy>>,
    headers: HeaderMap,
) -> Result<Json<JetonAcces>, ErreurProxy> {
    p.verifier_cle(&headers)?;
    let id = session_demandee(&headers)?;
    let (jetons, _) = p.session(&id).await?;
    Ok(Json(JetonAcces {
        expire_dans_s: jetons
            .expire
            .saturating_duration_since(Instant::now())
            .as_secs(),
        acces: jetons.acces,
    }))
}

async fn etat(
    State(p): State<Arc<Proxy>>,
    headers: HeaderMap,
) -> Result<Json<EtatProxy>, ErreurProxy> {
    use esculape_transport::identite::{Validite, maintenant};
    p.verifier_cle(&headers)?;
    let mut services: Vec<String> = p.services.keys().cloned().collect();
    services.sort();
    Ok(Json(EtatProxy {
        certificat: p.certificat.as_ref().map(|c| c.resume(maintenant())),
        certificat_a_renouveler: p
            .certificat
            .as_ref()
            .is_some_and(|c| !matches!(c.validite(maintenant()), Validite::Valide { .. })),
        services,
    }))
}

/// Headers of a request passed on to a service (the rest, the hosts' key
/// first, stays here).
const ENTETES_TRANSMIS: &[header::HeaderName] = &[header::CONTENT_TYPE, header::ACCEPT];

/// `/send/{service}/…`: the request passed on to the service in the
/// session's professional's name. The token PSC gave is exchanged for
/// one bound to our certificate, presented over mutual TLS; refused once
/// by the service (ended meanwhile), it is exchanged again and the
/// request sent again.
async fn send(
    State(p): State<Arc<Proxy>>,
    Path(chemins): Path<HashMap<String, String>>,
    Query(requete): Query<Vec<(String, String)>>,
    methode: axum::http::Method,
    headers: HeaderMap,
    corps: axum::body::Bytes,
) -> Result<Response, ErreurProxy> {
    p.verifier_cle(&headers)?;
    let id = session_demandee(&headers)?;
    let service = chemins.get("service").cloned().unwrap_or_default();
    let base = p
        .services
        .get(&service)
        .cloned()
        .ok_or_else(|| ErreurProxy::Service(service.clone()))?;
    let url = match chemins.get("chemin") {
        Some(c) => format!("{base}/{c}"),
        None => base,
    };
    let (jetons, identite) = p.session(&id).await?;
    for essai in 0..2 {
        let lie = p.jeton_lie(&id, &service, &jetons, &identite).await?;
        let mut r = p
            .psc
            .http()
            .request(methode.clone(), &url)
            .query(&requete)
            .bearer_auth(&lie.acces)
            .body(corps.clone());
        for h in ENTETES_TRANSMIS {
            for v in headers.get_all(h) {
                r = r.header(h, v);
            }
        }
        let reponse = r.send().await.map_err(|e| {
            let m = esculape_transport::client::expliquer(&e).unwrap_or_else(|| e.to_string());
            p.tracer("send", Some(&identite.id_national), Some(&id), &m);
            ErreurProxy::Injoignable(service.clone(), m)
        })?;
        let statut = reponse.status();
        if statut == StatusCode::UNAUTHORIZED && essai == 0 {
            p.oublier_lie(&id, &service);
            continue;
        }
        p.tracer(
            "send",
            Some(&identite.id_national),
            Some(&id),
            &format!("{service} : {statut}"),
        );
        let type_contenu = reponse.headers().get(header::CONTENT_TYPE).cloned();
        let corps = lire_borne(reponse)
            .await
            .map_err(|m| ErreurProxy::Injoignable(service.clone(), m))?;
        let mut r = (statut, corps).into_response();
        if let Some(t) = type_contenu {
            r.headers_mut().insert(header::CONTENT_TYPE, t);
        }
        return Ok(r);
    }
    Err(ErreurProxy::Injoignable(
        service,
        "le jeton lié au certificat est refusé".into(),
    ))
}

/// A service's answer, refused past [`ENVOI_MAX`].
async fn lire_borne(mut r: reqwest::Response) -> Result<Vec<u8>, String> {
    let mut corps = Vec::new();
    while let Some(m) = r.chunk().await.map_err(|e| e.to_string())? {
        corps.extend_from_slice(&m);
        if corps.len() > ENVOI_MAX {
            return Err(format!("réponse de plus de {ENVOI_MAX} octets"));
        }
    }
    Ok(corps)
}
