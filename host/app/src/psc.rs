//! Signing in with Pro Santé Connect, through the proxy e-santé
//! (`esculape-proxy`, which holds the PSC client's credentials): the code
//! flow (the desktop client's browser) and CIBA, then the link to a local
//! account by RPPS (SC.PSC.01/02), the choice of the activity, and the
//! PSC session kept beside the local one, in memory only: it ends with the
//! local session and ends it when PSC ends it.

use crate::App;
use crate::auth::{AuthError, Authentification, FournisseurIdentite};
use esculape_api_types::comptes::Session;
use esculape_api_types::psc::{
    ActivitePsc, CanalPsc, ChoixPsc, CibaPsc, ComptePsc, DemandeNavigateurPsc, EtatConnexionPsc,
    ProfessionnelPsc, ProxyPsc, PscDisponible,
};
use esculape_psc::proxy_api::{
    Autorisation, CibaDemarree, DemandeCiba, ErreurAns, EtatCiba, RetourCode, SessionPsc,
};
use esculape_store::{Acteur, Actor, Store, StoreError, User};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long the professional has to choose their account after PSC
/// signed them in.
pub const DUREE_CHOIX: Duration = Duration::from_secs(5 * 60);
/// Choices pending at once.
const CHOIX_MAX: usize = 1000;
/// Bound on an answer of the proxy.
const REPONSE_MAX: usize = 1 << 20;

#[derive(Debug, thiserror::Error)]
pub enum ErreurPsc {
    #[error(
        "la connexion par Pro Santé Connect n'est pas configurée sur ce serveur (proxy e-santé : ESCULAPE_PROXY_URL)"
    )]
    Indisponible,
    #[error(
        "proxy e-santé injoignable ({0}) : réessayez, ou connectez-vous avec votre mot de passe"
    )]
    Injoignable(String),
    /// The proxy's refusal, as it said it (`code` from its API).
    #[error("{message}")]
    Proxy { code: String, message: String },
    #[error(
        "aucun compte Esculape actif n'a le RPPS {rpps} : demandez à l'administrateur du cabinet de renseigner votre RPPS dans votre compte, puis reconnectez-vous"
    )]
    SansCompte { rpps: String },
    #[error("choix de compte expiré ou inconnu : reconnectez-vous avec Pro Santé Connect")]
    Ticket,
    #[error(
        "ce service demande une connexion par Pro Santé Connect : reconnectez-vous avec votre carte CPS ou e-CPS"
    )]
    SansSession,
    #[error("{0}")]
    Choix(String),
    #[error(transparent)]
    Auth(#[from] AuthError),
}

impl From<StoreError> for ErreurPsc {
    fn from(e: StoreError) -> Self {
        Self::Auth(AuthError::Stockage(e))
    }
}

/// Where the proxy e-santé is and the key this host presents to it.
#[derive(Clone)]
pub struct ConfigProxy {
    pub url: String,
    pub cle: String,
    /// The desktop client's loopback redirect, registered with PSC.
    pub redirection: String,
}

impl std::fmt::Debug for ConfigProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConfigProxy")
            .field("url", &self.url)
            .field("redirection", &self.redirection)
            .finish_non_exhaustive()
    }
}

impl ConfigProxy {
    /// From `ESCULAPE_PROXY_URL`, `ESCULAPE_PROXY_CLE` and
    /// `ESCULAPE_PSC_REDIRECTION`; none when the URL is unset.
    pub fn depuis_env() -> Option<Self> {
        let var = |n: &str| std::env::var(n).ok().filter(|v| !v.is_empty());
        let url = var("ESCULAPE_PROXY_URL")?;
        let Some(cle) = var("ESCULAPE_PROXY_CLE") else {
            // said once at start, rather than a refusal at every sign-in
            tracing::error!(
                "ESCULAPE_PROXY_URL sans ESCULAPE_PROXY_CLE : connexion Pro Santé Connect désactivée (la clé que le proxy e-santé attend des hôtes)"
            );
            return None;
        };
        Some(Self {
            url: url.trim_end_matches('/').to_string(),
            cle,
            redirection: var("ESCULAPE_PSC_REDIRECTION")
                .unwrap_or_else(|| esculape_psc::REDIRECTION_PAR_DEFAUT.into()),
        })
    }
}

/// A professional signed in by PSC who has not chosen their account yet.
struct Choix {
    session: SessionPsc,
    comptes: Vec<(User, bool)>,
    debut: Instant,
}

/// The PSC side of a local session.
#[derive(Debug, Clone)]
pub struct SessionLocalePsc {
    pub proxy_session_id: String,
    /// The local account's login (the actor of its acts).
    pub compte: String,
    pub id_national: String,
    /// The structure id of the activity chosen (`SubjectRefPro`).
    pub activite: Option<String>,
}

/// The host's PSC sign-ins: the proxy, the pending choices, and the PSC
/// session of each local session (by the hash of its token).
pub struct ConnexionPsc {
    config: ConfigProxy,
    http: reqwest::Client,
    choix: Mutex<HashMap<String, Choix>>,
    sessions: Mutex<HashMap<String, SessionLocalePsc>>,
}

fn hacher(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A proxy's request id as it makes them (hex): anything else is not
/// passed on.
fn ticket_valide(demande: &str) -> bool {
    !demande.is_empty() && demande.len() <= 64 && demande.bytes().all(|b| b.is_ascii_hexdigit())
}

impl ConnexionPsc {
    /// Fails only when no HTTP client can be made (TLS back-end): a client
    /// without bound or that follows redirects would not do.
    pub fn new(config: ConfigProxy) -> Result<Self, ErreurPsc> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ErreurPsc::Injoignable(format!("client HTTP : {e}")))?;
        Ok(Self {
            config,
            http,
            choix: Mutex::default(),
            sessions: Mutex::default(),
        })
    }

    fn choix(&self) -> std::sync::MutexGuard<'_, HashMap<String, Choix>> {
        self.choix.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn sessions(&self) -> std::sync::MutexGuard<'_, HashMap<String, SessionLocalePsc>> {
        self.sessions.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The PSC side of the local session `token`, if it was opened by PSC.
    pub fn session_de(&self, token: &str) -> Option<SessionLocalePsc> {
        self.sessions().get(&hacher(token)).cloned()
    }

    /// The way to the national services in a PSC session of the account
    /// `login`, if it has one (signed in twice: either, both are the same
    /// professional's).
    pub fn passage(&self, login: &str) -> Option<crate::insi::PassageProxy> {
        Some(crate::insi::PassageProxy {
            url: self.config.url.clone(),
            cle: self.config.cle.clone(),
            session: self.session_du_compte(login)?,
            http: self.http.clone(),
        })
    }

    /// One local session (the hash of its token) of each account signed
    /// in with PSC.
    pub(crate) fn sessions_par_compte(&self) -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = self
            .sessions()
            .iter()
            .map(|(h, s)| (s.compte.clone(), h.clone()))
            .collect();
        v.sort();
        v.dedup_by(|a, b| a.0 == b.0);
        v
    }

    /// The proxy session of a PSC session of the account `login`.
    fn session_du_compte(&self, login: &str) -> Option<String> {
        self.sessions()
            .values()
            .find(|s| s.compte == login)
            .map(|s| s.proxy_session_id.clone())
    }

    /// The PSC access token of the account `login`'s PSC session, refreshed
    /// by the proxy when about to end: for the services that take PSC's
    /// token themselves (MSSanté over IMAP/SMTP, XOAUTH2 or OAUTHBEARER).
    /// The caller holds it in memory only; `Debug` hides it.
    pub async fn jeton(
        &self,
        login: &str,
    ) -> Result<esculape_psc::proxy_api::JetonAcces, ErreurPsc> {
        let session = self
            .session_du_compte(login)
            .ok_or(ErreurPsc::SansSession)?;
        self.appel(
            reqwest::Method::GET,
            "/esculape/jeton",
            None,
            Some(&session),
        )
        .await
    }

    /// One call to the proxy; its JSON answer, or its refusal as it said it.
    async fn appel<T: serde::de::DeserializeOwned>(
        &self,
        methode: reqwest::Method,
        chemin: &str,
        corps: Option<serde_json::Value>,
        session: Option<&str>,
    ) -> Result<T, ErreurPsc> {
        let mut r = self
            .http
            .request(methode, format!("{}{chemin}", self.config.url))
            .bearer_auth(&self.config.cle);
        if let Some(c) = corps {
            r = r.json(&c);
        }
        if let Some(s) = session {
            r = r.header(
                "cookie",
                format!("{}={s}", esculape_psc::proxy_api::COOKIE_SESSION),
            );
        }
        let mut reponse = r.send().await.map_err(|e| {
            ErreurPsc::Injoignable(if e.is_timeout() {
                "pas de réponse dans les 30 s".into()
            } else {
                self.config.url.clone()
            })
        })?;
        let statut = reponse.status();
        let mut octets = Vec::new();
        while let Some(m) = reponse
            .chunk()
            .await
            .map_err(|e| ErreurPsc::Injoignable(e.to_string()))?
        {
            octets.extend_from_slice(&m);
            if octets.len() > REPONSE_MAX {
                return Err(ErreurPsc::Injoignable("réponse trop volumineuse".into()));
            }
        }
        if !statut.is_success() {
            return Err(match serde_json::from_slice::<ErreurAns>(&octets) {
                Ok(e) => ErreurPsc::Proxy {
                    code: e.code,
                    message: e.message,
                },
                Err(_) => ErreurPsc::Injoignable(format!("statut {statut}")),
            });
        }
        let octets = if octets.is_empty() {
            b"null".to_vec()
        } else {
            octets
        };
        serde_json::from_slice(&octets)
            .map_err(|e| ErreurPsc::Injoignable(format!("réponse illisible : {e}")))
    }
}

/// The provider of a PSC sign-in: the account was chosen among those the
/// PSC identity may sign in as; it must still be active.
struct FournisseurPsc;

impl FournisseurIdentite for FournisseurPsc {
    type Preuve = User;
    fn nom(&self) -> &'static str {
        "Pro Santé Connect"
    }
    fn par_mot_de_passe(&self) -> bool {
        false
    }
    async fn verifier(
        &self,
        _auth: &Authentification,
        store: &Store,
        compte: User,
    ) -> Result<User, AuthError> {
        let u = store.user(&compte.id).await?;
        if !u.active {
            return Err(AuthError::Refus);
        }
        Ok(u)
    }
}

impl App {
    fn psc(&self) -> Result<&ConnexionPsc, ErreurPsc> {
        self.psc.as_deref().ok_or(ErreurPsc::Indisponible)
    }

    pub fn psc_disponible(&self) -> PscDisponible {
        PscDisponible {
            disponible: self.psc.is_some(),
            redirection: self.psc.as_ref().map(|p| p.config.redirection.clone()),
        }
    }

    /// The proxy e-santé as set up (the structure's certificate and its
    /// expiry), for an administrator.
    pub async fn psc_proxy(&self) -> Result<ProxyPsc, ErreurPsc> {
        let Some(p) = self.psc.as_deref() else {
            return Ok(ProxyPsc {
                configure: false,
                certificat: None,
                certificat_a_renouveler: false,
                services: vec![],
            });
        };
        let e: esculape_psc::proxy_api::EtatProxy = p
            .appel(reqwest::Method::GET, "/esculape/etat", None, None)
            .await?;
        Ok(ProxyPsc {
            configure: true,
            certificat: e.certificat,
            certificat_a_renouveler: e.certificat_a_renouveler,
            services: e.services,
        })
    }

    /// Starts a browser sign-in: where to send the system browser.
    pub async fn psc_navigateur(
        &self,
        adresse: Option<IpAddr>,
    ) -> Result<DemandeNavigateurPsc, ErreurPsc> {
        let p = self.psc()?;
        self.auth.limites.tentative("(psc)", adresse)?;
        let a: Autorisation = p
            .appel(reqwest::Method::POST, "/esculape/autorisation", None, None)
            .await?;
        Ok(DemandeNavigateurPsc {
            url: a.url,
            etat: a.etat,
        })
    }

    /// The browser came back on the loopback redirect with `requete`.
    pub async fn psc_retour_navigateur(
        &self,
        requete: &str,
        adresse: Option<IpAddr>,
    ) -> Result<EtatConnexionPsc, ErreurPsc> {
        let p = self.psc()?;
        self.auth.limites.tentative("(psc)", adresse)?;
        let r = p
            .appel::<SessionPsc>(
                reqwest::Method::POST,
                "/esculape/code",
                Some(
                    serde_json::to_value(RetourCode {
                        requete: requete.into(),
                    })
                    .unwrap_or_default(),
                ),
                None,
            )
            .await;
        let session = self.tracer_echec(r, None).await?;
        self.psc_lier(session, adresse).await
    }

    /// Starts a CIBA sign-in for `id_national`: the two digits to show.
    pub async fn psc_ciba(
        &self,
        id_national: &str,
        canal: CanalPsc,
        adresse: Option<IpAddr>,
    ) -> Result<CibaPsc, ErreurPsc> {
        let p = self.psc()?;
        let id_national = id_national.trim();
        self.auth.limites.tentative(id_national, adresse)?;
        if !esculape_psc::ciba::identifiant_national_valide(id_national) {
            return Err(ErreurPsc::Choix(
                "identifiant national attendu : 8 suivi des 11 chiffres du RPPS".into(),
            ));
        }
        let message = esculape_psc::ciba::message_de_liaison();
        let d = DemandeCiba {
            id_national: id_national.into(),
            message: message.clone(),
            canal: match canal {
                CanalPsc::Card => "CARD",
                CanalPsc::Mobile => "MOBILE",
            }
            .into(),
        };
        let r = p
            .appel::<CibaDemarree>(
                reqwest::Method::POST,
                "/esculape/ciba",
                Some(serde_json::to_value(d).unwrap_or_default()),
                None,
            )
            .await;
        let c = self.tracer_echec(r, Some(id_national)).await?;
        Ok(CibaPsc {
            demande: c.demande,
            message,
        })
    }

    /// Where the CIBA request `demande` stands.
    pub async fn psc_ciba_etat(
        &self,
        demande: &str,
        adresse: Option<IpAddr>,
    ) -> Result<EtatConnexionPsc, ErreurPsc> {
        let p = self.psc()?;
        if !ticket_valide(demande) {
            return Err(ErreurPsc::Ticket);
        }
        let r = p
            .appel::<EtatCiba>(
                reqwest::Method::GET,
                &format!("/esculape/ciba/{demande}"),
                None,
                None,
            )
            .await;
        match self.tracer_echec(r, None).await? {
            EtatCiba::EnAttente => Ok(EtatConnexionPsc::EnAttente),
            EtatCiba::Erreur { message } => {
                self.store
                    .trace(&Actor::user("(psc)"), "psc.echec", None, &message)
                    .await?;
                Err(ErreurPsc::Proxy {
                    code: "refusee".into(),
                    message,
                })
            }
            EtatCiba::Validee { session } => self.psc_lier(session, adresse).await,
        }
    }

    /// The professional gave up a CIBA sign-in: the proxy stops polling
    /// PSC and ends a session a late validation opened. Unknown or already
    /// answered requests: nothing to do.
    pub async fn psc_ciba_annuler(&self, demande: &str) -> Result<(), ErreurPsc> {
        let p = self.psc()?;
        if !ticket_valide(demande) {
            return Err(ErreurPsc::Ticket);
        }
        let r = p
            .appel::<serde_json::Value>(
                reqwest::Method::DELETE,
                &format!("/esculape/ciba/{demande}"),
                None,
                None,
            )
            .await;
        match r {
            Ok(_) => {}
            Err(ErreurPsc::Proxy { code, .. }) if code == "demande" => {}
            Err(e) => return Err(e),
        }
        self.store
            .trace(
                &Actor::user("(psc)"),
                "psc.annulation",
                None,
                "connexion par carte ou e-CPS abandonnée",
            )
            .await?;
        Ok(())
    }

    /// A failure of the proxy, traced.
    async fn tracer_echec<T>(
        &self,
        r: Result<T, ErreurPsc>,
        id: Option<&str>,
    ) -> Result<T, ErreurPsc> {
        if let Err(e) = &r {
            let qui = id
                .map(|i| format!("(psc {i})"))
                .unwrap_or_else(|| "(psc)".into());
            self.store
                .trace(&Actor::user(qui), "psc.echec", None, &e.to_string())
                .await?;
        }
        r
    }

    /// PSC signed `session` in: the accounts it may be (by RPPS, or
    /// already linked). One linked account and at most one activity: the
    /// session opens; otherwise the professional chooses (and confirms a
    /// first link).
    async fn psc_lier(
        &self,
        session: SessionPsc,
        adresse: Option<IpAddr>,
    ) -> Result<EtatConnexionPsc, ErreurPsc> {
        let p = self.psc()?;
        let identite = &session.identite;
        let comptes = self
            .store
            .comptes_psc(identite.rpps(), &identite.id_national)
            .await?;
        if comptes.is_empty() {
            let rpps = identite.rpps().unwrap_or(&identite.id_national).to_string();
            self.store
                .trace(
                    &Actor::user(format!("(psc {})", identite.id_national)),
                    "connexion.echec",
                    None,
                    "Pro Santé Connect : aucun compte de ce RPPS",
                )
                .await?;
            let _ = p
                .appel::<serde_json::Value>(
                    reqwest::Method::DELETE,
                    "/esculape/session",
                    None,
                    Some(&session.proxy_session_id),
                )
                .await;
            return Err(ErreurPsc::SansCompte { rpps });
        }
        let activites: Vec<ActivitePsc> = identite
            .exercices
            .iter()
            .flat_map(|e| &e.activites)
            .map(|a| ActivitePsc {
                structure: a.structure.clone(),
                raison_sociale: a.raison_sociale.clone(),
                secteur: a.secteur.clone(),
            })
            .collect();
        let ticket = hex::encode(esculape_store::random_bytes::<16>()?);
        let etat = EtatConnexionPsc::AChoisir {
            ticket: ticket.clone(),
            professionnel: ProfessionnelPsc {
                id_national: identite.id_national.clone(),
                prenom: identite.prenom.clone(),
                nom: identite.nom.clone(),
            },
            comptes: comptes
                .iter()
                .map(|(u, lie)| ComptePsc {
                    id: u.id.clone(),
                    login: u.login.clone(),
                    display_name: u.display_name.clone(),
                    structure: u.structure_id.clone(),
                    lie: *lie,
                })
                .collect(),
            activites: activites.clone(),
        };
        let direct = match comptes.as_slice() {
            [(u, true)] if activites.len() <= 1 => Some(u.id.clone()),
            _ => None,
        };
        {
            let mut c = p.choix();
            c.retain(|_, x| x.debut.elapsed() < DUREE_CHOIX);
            if c.len() >= CHOIX_MAX {
                return Err(AuthError::Occupe.into());
            }
            c.insert(
                ticket.clone(),
                Choix {
                    session,
                    comptes,
                    debut: Instant::now(),
                },
            );
        }
        match direct {
            Some(compte) => {
                let s = self
                    .psc_choisir(
                        &ChoixPsc {
                            ticket,
                            compte,
                            activite: activites.first().map(|a| a.structure.clone()),
                        },
                        adresse,
                    )
                    .await?;
                Ok(EtatConnexionPsc::Connecte { session: s })
            }
            None => Ok(etat),
        }
    }

    /// The professional chose their account (confirming its link at the
    /// first PSC sign-in) and activity: the local session opens.
    pub async fn psc_choisir(
        &self,
        c: &ChoixPsc,
        adresse: Option<IpAddr>,
    ) -> Result<Session, ErreurPsc> {
        let p = self.psc()?;
        let choix = p.choix().remove(&c.ticket).ok_or(ErreurPsc::Ticket)?;
        if choix.debut.elapsed() >= DUREE_CHOIX {
            return Err(ErreurPsc::Ticket);
        }
        let identite = &choix.session.identite;
        let remettre = |choix: Choix| {
            p.choix().insert(c.ticket.clone(), choix);
        };
        let Some((compte, lie)) = choix
            .comptes
            .iter()
            .find(|(u, _)| u.id == c.compte)
            .cloned()
        else {
            remettre(choix);
            return Err(ErreurPsc::Choix(
                "ce compte n'est pas l'un de ceux proposés".into(),
            ));
        };
        let activites: Vec<&str> = identite
            .exercices
            .iter()
            .flat_map(|e| &e.activites)
            .map(|a| a.structure.as_str())
            .collect();
        let activite = match (&c.activite, activites.as_slice()) {
            (Some(a), _) if activites.contains(&a.as_str()) => Some(a.clone()),
            (Some(_), _) => {
                remettre(choix);
                return Err(ErreurPsc::Choix(
                    "cette activité n'est pas l'une des vôtres".into(),
                ));
            }
            (None, []) => None,
            (None, [seule]) => Some(seule.to_string()),
            (None, _) => {
                remettre(choix);
                return Err(ErreurPsc::Choix(
                    "vous exercez en plusieurs lieux : choisissez l'activité de cette session"
                        .into(),
                ));
            }
        };
        if !lie {
            self.store
                .lier_psc(&compte.actor(), &compte.id, &identite.id_national)
                .await?;
        }
        let mut session = self
            .auth
            .connexion(
                &self.store,
                &FournisseurPsc,
                &compte.login,
                adresse,
                compte.clone(),
            )
            .await?;
        session.psc = true;
        p.sessions().insert(
            hacher(&session.token),
            SessionLocalePsc {
                proxy_session_id: choix.session.proxy_session_id.clone(),
                compte: compte.login.clone(),
                id_national: identite.id_national.clone(),
                activite,
            },
        );
        // what waited for a PSC session (MSSanté sendings) looks again now
        if self.store.reveiller_travaux("mss.").await? > 0 {
            self.reveil.notify_one();
        }
        Ok(session)
    }

    /// At local logout: the PSC session ends too (its tokens revoked).
    pub(crate) async fn psc_deconnexion(&self, token: &str) {
        let Some(p) = self.psc.as_deref() else { return };
        let Some(s) = p.sessions().remove(&hacher(token)) else {
            return;
        };
        if let Err(e) = p
            .appel::<serde_json::Value>(
                reqwest::Method::DELETE,
                "/esculape/session",
                None,
                Some(&s.proxy_session_id),
            )
            .await
        {
            tracing::warn!("fin de la session Pro Santé Connect : {e}");
        }
    }

    /// Checks every PSC session: one whose local session ended by itself
    /// ends at the proxy; one PSC ended (signed out elsewhere, revoked,
    /// refresh refused) ends its local session, traced. The number ended.
    /// Run every minute by the host.
    pub async fn psc_surveiller(&self) -> Result<usize, ErreurPsc> {
        let Some(p) = self.psc.as_deref() else {
            return Ok(0);
        };
        let sessions: Vec<(String, SessionLocalePsc)> = p
            .sessions()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let mut finies = 0;
        for (hash, s) in sessions {
            // the local session ended by itself (inactivity, 12 h): its
            // PSC session ends too, its tokens revoked
            let locale = self.store.session_par_jeton(&hash).await?;
            if locale.is_none_or(|l| l.expires_at <= self.store.now()) {
                p.sessions().remove(&hash);
                let _ = p
                    .appel::<serde_json::Value>(
                        reqwest::Method::DELETE,
                        "/esculape/session",
                        None,
                        Some(&s.proxy_session_id),
                    )
                    .await;
                finies += 1;
                continue;
            }
            match p
                .appel::<SessionPsc>(
                    reqwest::Method::GET,
                    "/esculape/session",
                    None,
                    Some(&s.proxy_session_id),
                )
                .await
            {
                Ok(_) => {}
                Err(ErreurPsc::Proxy { code, .. }) if code == "session" => {
                    p.sessions().remove(&hash);
                    if let Some(row) = self.store.session_par_jeton(&hash).await? {
                        self.store.fermer_session(&row.user.actor(), &hash).await?;
                        self.store
                            .trace(
                                &row.user.actor(),
                                "psc.fin_de_session",
                                None,
                                "session Pro Santé Connect terminée : session locale fermée",
                            )
                            .await?;
                    }
                    finies += 1;
                }
                // the proxy or PSC unreachable: the session is kept
                Err(e) => tracing::warn!("session Pro Santé Connect non vérifiée : {e}"),
            }
        }
        Ok(finies)
    }
}
