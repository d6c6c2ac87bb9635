//! The host's HTTP API as the client uses it. Every call runs on a
//! background tokio runtime and comes back through a [`Pending`] that the
//! UI thread polls once per frame: the window never waits on the network.

use esculape_api_types::agenda::{DeplacementRendezVous, StatutRendezVous};
use esculape_api_types::comptes::{
    Connexion, EtatInstallation, EtatServeur, Installation, Praticien, PremiereInstallation,
    SiteRec,
};
pub use esculape_api_types::comptes::{Session, User};
pub use esculape_api_types::documents::DocumentMeta;
use esculape_api_types::documents::{
    DemandeDocument, DocumentAvecContenu, DocumentProduit, Formulaire, FormulaireSigne, ImageBoite,
    TexteLu, TypeDocument,
};
use esculape_api_types::domaine::agenda::{Appointment, AppointmentStatus, NewAppointment};
use esculape_api_types::domaine::calendar::{Day, LocalDateTime};
use esculape_api_types::domaine::cog::Lieu;
pub use esculape_api_types::domaine::identity::PatientSummary;
use esculape_api_types::domaine::indicateurs::IndicateursIns;
use esculape_api_types::domaine::record::EntryData;
use esculape_api_types::domaine::travail::Travail;
pub use esculape_api_types::dossier::{
    Chart, Encounter, Entry, Episode, OperationVersion, PatientRecord, Version,
};
use esculape_api_types::dossier::{EntreeDossier, ModificationEntree, NouvelEpisode};
use esculape_api_types::insi::{ReponseInsi, SuiviInsi, ValidationInsi};
pub use esculape_api_types::psc::{CanalPsc, ChoixPsc, CibaPsc, EtatConnexionPsc, PscDisponible};
use esculape_api_types::psc::{
    DemandeCibaPsc, DemandeNavigateurPsc, ProxyPsc, RetourNavigateurPsc,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// What went wrong with a call, said in French for the user.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum ApiError {
    #[error("serveur Esculape injoignable ({0}) : vérifiez qu'il est démarré")]
    Injoignable(String),
    /// The host's own message (`{"erreur": ...}`).
    #[error("{message}")]
    Refus { status: u16, message: String },
    #[error("réponse illisible du serveur ({0})")]
    Format(String),
    #[error("requête interrompue")]
    Interrompue,
    /// The host is not the one this workstation trusts, or TLS failed.
    #[error("connexion sécurisée refusée : {0}")]
    Tls(String),
    /// A file of the user's that could not be read.
    #[error("{0}")]
    Fichier(String),
}

/// A file of the user's, read off the UI thread, as base64.
async fn fichier_base64(fichier: std::path::PathBuf, quoi: &str) -> Result<String, ApiError> {
    use base64::Engine as _;
    let lu = fichier.clone();
    let bytes = tokio::task::spawn_blocking(move || std::fs::read(&lu))
        .await
        .map_err(|_| ApiError::Interrompue)?
        .map_err(|e| ApiError::Fichier(format!("{quoi} ({}) : {e}", fichier.display())))?;
    Ok(base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// A received document stored (or why not: already present) and what it
/// proposes beside the record, with its content to integrate from.
pub struct Proposees {
    pub enregistre: Result<DocumentMeta, String>,
    pub apercu: esculape_api_types::documents::ApercuIntegration,
    /// The file, base64.
    pub contenu: String,
}

/// A call in flight.
pub struct Pending<T> {
    rx: mpsc::Receiver<Result<T, ApiError>>,
    pub started: Instant,
}

impl<T> Pending<T> {
    /// The result once it has come, without waiting.
    pub fn poll(&self) -> Option<Result<T, ApiError>> {
        match self.rx.try_recv() {
            Ok(r) => Some(r),
            Err(mpsc::TryRecvError::Empty) => None,
            Err(mpsc::TryRecvError::Disconnected) => Some(Err(ApiError::Interrompue)),
        }
    }
}

/// A polled call: `take` gives the result once and forgets the call.
pub struct Slot<T>(Option<Pending<T>>);

impl<T> Default for Slot<T> {
    fn default() -> Self {
        Self(None)
    }
}

impl<T> Slot<T> {
    pub fn set(&mut self, p: Pending<T>) {
        self.0 = Some(p);
    }
    pub fn busy(&self) -> bool {
        self.0.is_some()
    }
    /// When the call in flight was sent.
    pub fn started(&self) -> Option<Instant> {
        self.0.as_ref().map(|p| p.started)
    }
    pub fn take(&mut self) -> Option<Result<T, ApiError>> {
        let r = self.0.as_ref()?.poll()?;
        self.0 = None;
        Some(r)
    }
}

struct Inner {
    base: String,
    http: reqwest::Client,
    token: Mutex<Option<String>>,
    /// The embedded host's first-start code (a one-doctor install).
    code_installation: Mutex<Option<String>>,
    repaint: Mutex<Option<egui::Context>>,
    /// Opens a URL in the system browser (Pro Santé Connect's page).
    navigateur: Mutex<Navigateur>,
    rt: tokio::runtime::Runtime,
}

/// How the client opens the system browser (replaced in tests by a
/// browser that signs in on the sandbox's page).
pub type Navigateur = Arc<dyn Fn(String) -> Result<(), String> + Send + Sync>;

/// The system browser: `xdg-open` (`open` on macOS, `explorer` on Windows).
fn navigateur_du_systeme(url: String) -> Result<(), String> {
    let ouvreur = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    std::process::Command::new(ouvreur)
        .arg(&url)
        .spawn()
        .map(|_| ())
        .map_err(|e| format!("navigateur introuvable ({ouvreur}) : {e}"))
}

/// The client of one host.
#[derive(Clone)]
pub struct Api(Arc<Inner>);

impl Api {
    /// A client of the host at `base` (e.g. `http://127.0.0.1:8080`).
    pub fn new(base: &str) -> Result<Self, ApiError> {
        Self::avec_empreinte(base, None)
    }

    /// A client of the host at `base`; over HTTPS, of the host whose
    /// certificate has the SHA-256 fingerprint `empreinte` (pinned at the
    /// first connection, see [`crate::epingles`]), and of no other.
    pub fn avec_empreinte(base: &str, empreinte: Option<&str>) -> Result<Self, ApiError> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("esculape-api")
            .enable_all()
            .build()
            .map_err(|e| ApiError::Injoignable(e.to_string()))?;
        let mut http = reqwest::Client::builder()
            .connect_timeout(std::time::Duration::from_secs(5))
            .timeout(std::time::Duration::from_secs(60));
        if base.starts_with("https://") {
            let e = empreinte.ok_or_else(|| {
                ApiError::Tls("serveur en HTTPS sans empreinte de certificat épinglée".into())
            })?;
            let c = esculape_transport::client::config(
                &esculape_transport::client::Confiance::Epingle(e.to_string()),
            )
            .map_err(|e| ApiError::Tls(e.to_string()))?;
            http = http.use_preconfigured_tls(c);
        }
        let http = http
            .build()
            .map_err(|e| ApiError::Injoignable(e.to_string()))?;
        Ok(Self(Arc::new(Inner {
            base: base.trim_end_matches('/').to_string(),
            http,
            token: Mutex::new(None),
            code_installation: Mutex::new(None),
            repaint: Mutex::new(None),
            navigateur: Mutex::new(Arc::new(navigateur_du_systeme)),
            rt,
        })))
    }

    pub fn base(&self) -> &str {
        &self.0.base
    }

    /// The one-time code the embedded host of this process gave for its
    /// first start; sent with the practice's creation.
    pub fn set_code_installation(&self, code: Option<String>) {
        if let Ok(mut c) = self.0.code_installation.lock() {
            *c = code;
        }
    }

    /// Results wake this context (a new frame is drawn when one comes).
    pub fn set_repaint(&self, ctx: &egui::Context) {
        if let Ok(mut r) = self.0.repaint.lock() {
            *r = Some(ctx.clone());
        }
    }

    fn token(&self) -> Option<String> {
        self.0.token.lock().ok().and_then(|t| t.clone())
    }

    fn set_token(&self, token: Option<String>) {
        if let Ok(mut t) = self.0.token.lock() {
            *t = token;
        }
    }

    /// Sends `method path` with an optional JSON body in the background.
    fn call<T: DeserializeOwned + Send + 'static>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<impl Serialize>,
    ) -> Pending<T> {
        self.call_then(method, path, body, |t: T| t)
    }

    /// [`Self::call`], the answer turned into what the screen needs.
    fn call_then<T: DeserializeOwned + Send + 'static, U: Send + 'static>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<impl Serialize>,
        then: impl FnOnce(T) -> U + Send + 'static,
    ) -> Pending<U> {
        // The body is one of the API's types: it always serialises.
        let body = body.and_then(|b| serde_json::to_value(b).ok());
        let inner = self.0.clone();
        let url = format!("{}{path}", inner.base);
        let token = self.token();
        self.spawn(async move { send(&inner.http, method, &url, token, body).await.map(then) })
    }

    /// The raw bytes of `GET path` (a PDF).
    fn call_bytes(&self, path: &str) -> Pending<Vec<u8>> {
        let inner = self.0.clone();
        let url = format!("{}{path}", inner.base);
        let token = self.token();
        self.spawn(async move { fetch(&inner.http, reqwest::Method::GET, &url, token, None).await })
    }

    /// Runs a call on the background runtime; its result wakes the window.
    fn spawn<T: Send + 'static>(
        &self,
        call: impl std::future::Future<Output = Result<T, ApiError>> + Send + 'static,
    ) -> Pending<T> {
        let (tx, rx) = mpsc::channel();
        let repaint = self.0.repaint.lock().ok().and_then(|r| r.clone());
        self.0.rt.spawn(async move {
            let _ = tx.send(call.await);
            if let Some(ctx) = repaint {
                ctx.request_repaint();
            }
        });
        Pending {
            rx,
            started: Instant::now(),
        }
    }

    /// CPU work (drawing a PDF) on the background runtime's blocking
    /// threads; its result wakes the window like a host's answer.
    pub fn en_fond<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> Pending<T> {
        self.spawn(async move {
            tokio::task::spawn_blocking(f)
                .await
                .map_err(|_| ApiError::Interrompue)
        })
    }

    /// The GS1 string of the DataMatrix on a photo or scan of a medicine
    /// box (PNG or JPEG file): the file is read and sent in the
    /// background, the host decodes it.
    pub fn datamatrix(&self, fichier: std::path::PathBuf) -> Pending<String> {
        let lu = self.poster_fichier("/api/datamatrix", fichier, "photo non lue", |image| {
            ImageBoite { image }
        });
        self.spawn(async move {
            let lu: TexteLu = lu.await?;
            Ok(lu.texte)
        })
    }

    /// Reads a file off the UI thread and posts what `corps` makes of its
    /// bytes in base64; a file that cannot be read is said with `quoi`
    /// (« photo non lue »).
    fn poster_fichier<B: Serialize + Send + 'static, R: DeserializeOwned + Send + 'static>(
        &self,
        chemin: &str,
        fichier: std::path::PathBuf,
        quoi: &'static str,
        corps: impl FnOnce(String) -> B + Send + 'static,
    ) -> impl std::future::Future<Output = Result<R, ApiError>> + Send + 'static {
        let inner = self.0.clone();
        let url = format!("{}{chemin}", inner.base);
        let token = self.token();
        async move {
            let body = corps(fichier_base64(fichier, quoi).await?);
            let body = serde_json::to_value(body).map_err(|e| ApiError::Format(e.to_string()))?;
            send(&inner.http, reqwest::Method::POST, &url, token, Some(body)).await
        }
    }

    /// Stores a received document and asks what it proposes beside the
    /// record (LGC.MDV.05): the file is read once, off the UI thread; a
    /// document already in the record is said, and its proposals are
    /// shown all the same (what was not integrated yet can be).
    pub fn importer_et_proposer(
        &self,
        patient: &str,
        fichier: std::path::PathBuf,
    ) -> Pending<Proposees> {
        let inner = self.0.clone();
        let token = self.token();
        let patient = patient.to_string();
        self.spawn(async move {
            let contenu = fichier_base64(fichier, "fichier non lu").await?;
            let corps = serde_json::json!({ "contenu": contenu });
            let base = format!("{}/api/patients/{patient}/documents", inner.base);
            let enregistre = match send::<DocumentMeta>(
                &inner.http,
                reqwest::Method::POST,
                &format!("{base}/recus"),
                token.clone(),
                Some(corps.clone()),
            )
            .await
            {
                Ok(m) => Ok(m),
                Err(ApiError::Refus {
                    status: 409,
                    message,
                }) => Err(message),
                Err(e) => return Err(e),
            };
            let apercu = send(
                &inner.http,
                reqwest::Method::POST,
                &format!("{base}/integration/apercu"),
                token,
                Some(corps),
            )
            .await?;
            Ok(Proposees {
                enregistre,
                apercu,
                contenu,
            })
        })
    }

    /// Integrates the proposals picked (their positions in the preview).
    pub fn integrer(
        &self,
        patient: &str,
        contenu: String,
        choix: Vec<u32>,
    ) -> Pending<esculape_api_types::documents::IntegrationFaite> {
        self.call(
            reqwest::Method::POST,
            &format!("/api/patients/{patient}/documents/integration"),
            Some(esculape_api_types::documents::DemandeIntegration { contenu, choix }),
        )
    }

    /// The received documents no doctor has signed off: the practice's,
    /// or one patient's.
    pub fn a_voir(
        &self,
        patient: Option<&str>,
    ) -> Pending<Vec<esculape_api_types::documents::AVoir>> {
        let chemin = match patient {
            Some(p) => format!("/api/a-voir?patient={p}"),
            None => "/api/a-voir".to_string(),
        };
        self.call(reqwest::Method::GET, &chemin, NO_BODY)
    }

    /// Who signed off each of a patient's received documents.
    pub fn vus(&self, patient: &str) -> Pending<Vec<esculape_api_types::documents::Vu>> {
        self.call(
            reqwest::Method::GET,
            &format!("/api/patients/{patient}/vus"),
            NO_BODY,
        )
    }

    /// Signs a received document off.
    /// The caller's MSSanté address.
    pub fn boite_mss(&self) -> Pending<esculape_api_types::documents::BoiteMss> {
        self.call(reqwest::Method::GET, "/api/moi/mss", NO_BODY)
    }

    pub fn definir_boite_mss(
        &self,
        adresse: Option<String>,
    ) -> Pending<esculape_api_types::documents::BoiteMss> {
        self.call(
            reqwest::Method::PUT,
            "/api/moi/mss",
            Some(esculape_api_types::documents::BoiteMss { adresse }),
        )
    }

    /// Reads the caller's MSSanté mailbox.
    pub fn relever_mss(&self) -> Pending<esculape_api_types::documents::ReleveMss> {
        self.call(reqwest::Method::POST, "/api/moi/mss/releve", NO_BODY)
    }

    /// The MSSanté work list: every message, or those waiting for a
    /// doctor.
    pub fn messages_mss(
        &self,
        a_traiter: bool,
    ) -> Pending<Vec<esculape_api_types::documents::MessageMss>> {
        self.call(
            reqwest::Method::GET,
            &format!("/api/mss/messages?a_traiter={a_traiter}"),
            NO_BODY,
        )
    }

    /// The patients a waiting message may be about, by traits.
    pub fn candidats_message_mss(
        &self,
        message: &str,
    ) -> Pending<Vec<esculape_api_types::domaine::identity::PatientSummary>> {
        self.call(
            reqwest::Method::GET,
            &format!("/api/mss/messages/{}/candidats", encode(message)),
            NO_BODY,
        )
    }

    /// A waiting message's document to this patient's record.
    pub fn rapprocher_message_mss(
        &self,
        message: &str,
        patient: &str,
    ) -> Pending<esculape_api_types::documents::MessageMss> {
        self.call(
            reqwest::Method::POST,
            &format!("/api/mss/messages/{}/rapprocher", encode(message)),
            Some(esculape_api_types::documents::Rapprochement {
                patient_id: patient.to_string(),
            }),
        )
    }

    /// Confirms (`appliquer`) or sets aside (`ecarter`) what a waiting
    /// message asks.
    pub fn decider_message_mss(
        &self,
        message: &str,
        decision: &str,
    ) -> Pending<esculape_api_types::documents::MessageMss> {
        self.call(
            reqwest::Method::POST,
            &format!("/api/mss/messages/{}/{decision}", encode(message)),
            NO_BODY,
        )
    }

    /// Queues the sending of a document by MSSanté.
    pub fn envoyer_mss(
        &self,
        document: &str,
        demande: esculape_api_types::documents::EnvoiMss,
    ) -> Pending<DocumentMeta> {
        self.call(
            reqwest::Method::POST,
            &format!("/api/documents/{}/mss", encode(document)),
            Some(demande),
        )
    }

    pub fn marquer_vu(&self, document: &str) -> Pending<esculape_api_types::documents::Vu> {
        self.call(
            reqwest::Method::POST,
            &format!("/api/documents/{document}/vu"),
            NO_BODY,
        )
    }

    /// The patient's lab results, by analysis.
    pub fn biologie(
        &self,
        patient: &str,
    ) -> Pending<esculape_api_types::biologie::BiologiePatient> {
        self.call(
            reqwest::Method::GET,
            &format!("/api/patients/{patient}/biologie"),
            NO_BODY,
        )
    }

    /// One analysis's curve under the JDV's rules.
    pub fn tendance_biologie(
        &self,
        patient: &str,
        code: &str,
    ) -> Pending<esculape_api_types::biologie::TendanceBiologie> {
        self.call(
            reqwest::Method::GET,
            &format!("/api/patients/{patient}/biologie/tendance/{code}"),
            NO_BODY,
        )
    }

    /// A stored document and its content (base64 in `content`).
    pub fn stored_document(&self, id: &str) -> Pending<DocumentAvecContenu> {
        self.call(
            reqwest::Method::GET,
            &format!("/api/documents/{id}"),
            NO_BODY,
        )
    }

    /// The PDF of a stored document (an N1's embedded one).
    pub fn stored_pdf(&self, id: &str) -> Pending<Vec<u8>> {
        self.call_bytes(&format!("/api/documents/{id}/pdf"))
    }

    /// Replaces how the system browser is opened.
    pub fn set_navigateur(&self, n: Navigateur) {
        if let Ok(mut g) = self.0.navigateur.lock() {
            *g = n;
        }
    }

    /// Whether the host signs in with Pro Santé Connect.
    pub fn psc_disponible(&self) -> Pending<PscDisponible> {
        self.call(reqwest::Method::GET, "/api/psc", NO_BODY)
    }

    /// The proxy e-santé as set up: the structure's certificate and its
    /// expiry, the services reached through it.
    pub fn psc_proxy(&self) -> Pending<ProxyPsc> {
        self.call(reqwest::Method::GET, "/api/psc/proxy", NO_BODY)
    }

    /// A sign-in with Pro Santé Connect in the system browser: listens on
    /// the loopback `redirection`, asks the host where to send the
    /// browser, opens it, waits for its answer (ten minutes at most, or
    /// until `annulation` is dropped or fires), gives it to the host.
    pub fn psc_navigateur(
        &self,
        redirection: String,
        annulation: tokio::sync::oneshot::Receiver<()>,
    ) -> Pending<EtatConnexionPsc> {
        let api = self.clone();
        self.spawn(async move {
            let boucle = esculape_psc::boucle::Boucle::ecouter(&redirection)
                .await
                .map_err(|e| ApiError::Fichier(e.to_string()))?;
            let url = format!("{}/api/psc/navigateur", api.0.base);
            let d: DemandeNavigateurPsc =
                send(&api.0.http, reqwest::Method::POST, &url, None, None).await?;
            let ouvrir = api
                .0
                .navigateur
                .lock()
                .map(|n| n.clone())
                .map_err(|_| ApiError::Interrompue)?;
            tokio::task::spawn_blocking(move || ouvrir(d.url))
                .await
                .map_err(|_| ApiError::Interrompue)?
                .map_err(ApiError::Fichier)?;
            let retour = tokio::select! {
                r = boucle.attendre(std::time::Duration::from_secs(600)) => r,
                _ = annulation => return Err(ApiError::Interrompue),
            };
            let requete = match retour {
                Ok(esculape_psc::code::RetourNavigateur::Code { code, etat }) => {
                    format!("code={}&state={}", encoder(&code), encoder(&etat))
                }
                Ok(esculape_psc::code::RetourNavigateur::Erreur { erreur, etat, .. }) => {
                    let mut q = format!("error={}", encoder(&erreur));
                    if let Some(e) = etat {
                        q.push_str(&format!("&state={}", encoder(&e)));
                    }
                    q
                }
                Err(e) => return Err(ApiError::Fichier(e.to_string())),
            };
            let body = serde_json::to_value(RetourNavigateurPsc { requete }).ok();
            let url = format!("{}/api/psc/navigateur/retour", api.0.base);
            let etat: EtatConnexionPsc =
                send(&api.0.http, reqwest::Method::POST, &url, None, body).await?;
            api.garder_session_psc(&etat);
            Ok(etat)
        })
    }

    /// Starts a CIBA sign-in: the two digits to compare.
    pub fn psc_ciba(&self, id_national: &str, canal: CanalPsc) -> Pending<CibaPsc> {
        let body = DemandeCibaPsc {
            id_national: id_national.trim().to_string(),
            canal,
        };
        self.call(reqwest::Method::POST, "/api/psc/ciba", Some(body))
    }

    /// Where a CIBA sign-in stands.
    pub fn psc_ciba_etat(&self, demande: &str) -> Pending<EtatConnexionPsc> {
        let api = self.clone();
        let url = format!("{}/api/psc/ciba/{demande}", self.0.base);
        self.spawn(async move {
            let etat: EtatConnexionPsc =
                send(&api.0.http, reqwest::Method::GET, &url, None, None).await?;
            api.garder_session_psc(&etat);
            Ok(etat)
        })
    }

    /// Gives up a CIBA sign-in: the host stops polling PSC for it.
    pub fn psc_ciba_annuler(&self, demande: &str) -> Pending<()> {
        self.call(
            reqwest::Method::DELETE,
            &format!("/api/psc/ciba/{demande}"),
            NO_BODY,
        )
    }

    /// The account and activity chosen after a PSC sign-in. Switching
    /// from a password session ends that one: a sign-in, one session.
    pub fn psc_choix(&self, choix: ChoixPsc) -> Pending<Session> {
        let api = self.clone();
        let url = format!("{}/api/psc/choix", self.0.base);
        let fin = format!("{}/api/session", self.0.base);
        let body = serde_json::to_value(choix).ok();
        let ancienne = self.token();
        self.spawn(async move {
            let s: Session = send(&api.0.http, reqwest::Method::POST, &url, None, body).await?;
            api.set_token(Some(s.token.clone()));
            if let Some(t) = ancienne.filter(|t| *t != s.token) {
                // best effort: left open, it would end after 30 min idle
                let _ = send::<serde_json::Value>(
                    &api.0.http,
                    reqwest::Method::DELETE,
                    &fin,
                    Some(t),
                    None,
                )
                .await;
            }
            Ok(s)
        })
    }

    fn garder_session_psc(&self, etat: &EtatConnexionPsc) {
        if let EtatConnexionPsc::Connecte { session } = etat {
            self.set_token(Some(session.token.clone()));
        }
    }

    /// Opens a session; the token is kept for the next calls.
    pub fn login(&self, login: &str, password: &str) -> Pending<Session> {
        let api = self.clone();
        let body = serde_json::to_value(Connexion {
            login: login.to_string(),
            password: password.to_string(),
        })
        .ok();
        let url = format!("{}/api/session", self.0.base);
        self.spawn(async move {
            let result: Result<Session, ApiError> =
                send(&api.0.http, reqwest::Method::POST, &url, None, body).await;
            if let Ok(s) = &result {
                api.set_token(Some(s.token.clone()));
            }
            result
        })
    }

    /// Whether the practice is still to be created (first start of a
    /// one-doctor install, on the embedded host).
    pub fn installation(&self) -> Pending<bool> {
        self.call_then(
            reqwest::Method::GET,
            "/api/installation",
            NO_BODY,
            |e: EtatInstallation| e.a_creer,
        )
    }

    /// Creates the practice, its site and the doctor's account.
    pub fn installer(&self, body: &PremiereInstallation) -> Pending<Installation> {
        let mut body = body.clone();
        if let Ok(c) = self.0.code_installation.lock() {
            body.code = c.clone().unwrap_or_default();
        }
        self.call(reqwest::Method::POST, "/api/installation", Some(body))
    }

    pub fn logout(&self) -> Pending<serde_json::Value> {
        let p = self.call(reqwest::Method::DELETE, "/api/session", NO_BODY);
        self.set_token(None);
        p
    }

    pub fn health(&self) -> Pending<EtatServeur> {
        self.call(reqwest::Method::GET, "/api/health", NO_BODY)
    }

    pub fn search(&self, q: &str) -> Pending<Vec<PatientSummary>> {
        let q = encode(q);
        self.call(
            reqwest::Method::GET,
            &format!("/api/patients?q={q}&limit=20"),
            NO_BODY,
        )
    }

    pub fn chart(&self, patient: &str) -> Pending<Chart> {
        self.call(
            reqwest::Method::GET,
            &format!("/api/patients/{patient}/chart"),
            NO_BODY,
        )
    }

    /// The identity and the care team, as a file without its medical part
    /// (what the secretariat may see).
    pub fn identity_file(&self, patient: &str) -> Pending<Chart> {
        let inner = self.0.clone();
        let token = self.token();
        let url = format!("{}/api/patients/{patient}", inner.base);
        self.spawn(async move {
            let get = reqwest::Method::GET;
            let patient: PatientRecord =
                send(&inner.http, get.clone(), &url, token.clone(), None).await?;
            let care_team =
                send(&inner.http, get, &format!("{url}/care-team"), token, None).await?;
            Ok(Chart {
                patient,
                contact: Default::default(),
                contact_version: 0,
                care_team,
                episodes: vec![],
                encounters: vec![],
                encounters_total: 0,
                entries: vec![],
                bmi: vec![],
                documents: vec![],
                documents_total: 0,
            })
        })
    }

    /// Queries the INSi for this patient (the host compares the traits).
    pub fn insi(&self, patient: &str) -> Pending<ReponseInsi> {
        self.call(
            reqwest::Method::POST,
            &format!("/api/patients/{patient}/insi"),
            NO_BODY,
        )
    }

    /// The last INSi query of the patient (run in the background when the
    /// file opens).
    pub fn insi_last(&self, patient: &str) -> Pending<SuiviInsi> {
        self.call(
            reqwest::Method::GET,
            &format!("/api/patients/{patient}/insi"),
            NO_BODY,
        )
    }

    /// The patient's background jobs (INSi queries today), newest first.
    pub fn travaux(&self, patient: &str) -> Pending<Vec<Travail>> {
        self.call(
            reqwest::Method::GET,
            &format!("/api/patients/{patient}/travaux"),
            NO_BODY,
        )
    }

    /// Cancels a job that has not started.
    pub fn annuler_travail(&self, id: &str) -> Pending<Travail> {
        self.call(
            reqwest::Method::POST,
            &format!("/api/travaux/{id}/annulation"),
            NO_BODY,
        )
    }

    pub fn insi_validate(&self, patient: &str, body: ValidationInsi) -> Pending<PatientRecord> {
        self.call(
            reqwest::Method::POST,
            &format!("/api/patients/{patient}/insi/validation"),
            Some(body),
        )
    }

    /// Records a DMP decision of the patient (`{"kind": "alimentation"|
    /// "consultation", "value": ...}`) for the whole care team.
    pub fn dmp_decision(
        &self,
        episode: &str,
        body: esculape_api_types::domaine::DmpDecision,
    ) -> Pending<Episode> {
        self.call(
            reqwest::Method::POST,
            &format!("/api/episodes/{episode}/dmp-decisions"),
            Some(body),
        )
    }

    pub fn open_episode(&self, patient: &str, label: &str) -> Pending<Episode> {
        self.call(
            reqwest::Method::POST,
            &format!("/api/patients/{patient}/episodes"),
            Some(NouvelEpisode {
                label: label.to_string(),
            }),
        )
    }

    pub fn document_types(&self) -> Pending<Vec<TypeDocument>> {
        self.call(reqwest::Method::GET, "/api/document-types", NO_BODY)
    }

    /// The form of a document type, prefilled from the patient's record.
    pub fn document_form(&self, patient: &str, plugin: &str) -> Pending<Formulaire> {
        self.call(
            reqwest::Method::GET,
            &format!("/api/patients/{patient}/document-forms/{plugin}"),
            NO_BODY,
        )
    }

    /// Produces the document: a preview (nothing stored) or the sign-off
    /// (stored with its PDF and XDS metadata, and its deferred DMP
    /// feeding order unless held back).
    pub fn document(
        &self,
        patient: &str,
        demande: DemandeDocument,
        signer: bool,
    ) -> Pending<DocumentProduit> {
        let action = if signer { "sign" } else { "preview" };
        self.call(
            reqwest::Method::POST,
            &format!("/api/patients/{patient}/documents/{action}"),
            Some(demande),
        )
    }

    /// The form a signed document was produced from (`plugin`, `valeurs`),
    /// to correct it.
    pub fn signed_form(&self, document: &str) -> Pending<FormulaireSigne> {
        self.call(
            reqwest::Method::GET,
            &format!("/api/documents/{document}/form"),
            NO_BODY,
        )
    }

    pub fn practitioners(&self) -> Pending<Vec<Praticien>> {
        self.call(reqwest::Method::GET, "/api/practitioners", NO_BODY)
    }

    pub fn sites(&self) -> Pending<Vec<SiteRec>> {
        self.call(reqwest::Method::GET, "/api/sites", NO_BODY)
    }

    /// A patient's identity (the secretariat may read it).
    pub fn patient(&self, id: &str) -> Pending<PatientRecord> {
        self.call(
            reqwest::Method::GET,
            &format!("/api/patients/{id}"),
            NO_BODY,
        )
    }

    /// A site's appointments, of one practitioner or of all.
    pub fn agenda(
        &self,
        from: Day,
        to: Day,
        practitioner: Option<&str>,
        site: &str,
    ) -> Pending<Vec<Appointment>> {
        let praticien = practitioner
            .map(|p| format!("&practitioner={}", encode(p)))
            .unwrap_or_default();
        self.call(
            reqwest::Method::GET,
            &format!(
                "/api/agenda?from={from}&to={to}{praticien}&site={}",
                encode(site)
            ),
            NO_BODY,
        )
    }

    /// A patient's appointments of a period, at every site.
    pub fn rendez_vous_patient(
        &self,
        patient: &str,
        from: Day,
        to: Day,
    ) -> Pending<Vec<Appointment>> {
        self.call(
            reqwest::Method::GET,
            &format!(
                "/api/agenda?from={from}&to={to}&patient={}",
                encode(patient)
            ),
            NO_BODY,
        )
    }

    /// The DICA of a patient: the four conditions of access to the DMP
    /// (the host asks the DMP itself only when the INS is qualified and
    /// consent recorded).
    pub fn dica(&self, patient: &str) -> Pending<esculape_api_types::dmp::Dica> {
        self.call(
            reqwest::Method::GET,
            &format!("/api/patients/{}/dica", encode(patient)),
            NO_BODY,
        )
    }

    /// The documents of the patient's DMP (TD3.1, in the professional's
    /// name: a Pro Santé Connect session).
    pub fn documents_dmp(
        &self,
        patient: &str,
    ) -> Pending<Vec<esculape_api_types::dmp::DocumentDuDmp>> {
        self.call(
            reqwest::Method::GET,
            &format!("/api/patients/{}/dmp/documents", encode(patient)),
            NO_BODY,
        )
    }

    /// Imports a document of the patient's DMP into the record (TD3.2).
    pub fn importer_du_dmp(
        &self,
        patient: &str,
        demande: esculape_api_types::dmp::ImportDmp,
    ) -> Pending<DocumentMeta> {
        self.call(
            reqwest::Method::POST,
            &format!("/api/patients/{}/dmp/documents", encode(patient)),
            Some(demande),
        )
    }

    pub fn waiting_room(&self, site: &str, day: Day) -> Pending<Vec<Appointment>> {
        self.call(
            reqwest::Method::GET,
            &format!("/api/waiting-room?site={}&day={day}", encode(site)),
            NO_BODY,
        )
    }

    pub fn book(&self, body: &NewAppointment) -> Pending<Appointment> {
        self.call(reqwest::Method::POST, "/api/appointments", Some(body))
    }

    pub fn move_appointment(
        &self,
        id: &str,
        version: i64,
        start: LocalDateTime,
        end: LocalDateTime,
        practitioner: Option<&str>,
    ) -> Pending<Appointment> {
        self.call(
            reqwest::Method::PUT,
            &format!("/api/appointments/{id}"),
            Some(DeplacementRendezVous {
                version,
                start,
                end,
                practitioner_id: practitioner.map(str::to_string),
            }),
        )
    }

    pub fn appointment_status(&self, id: &str, status: AppointmentStatus) -> Pending<Appointment> {
        self.call(
            reqwest::Method::POST,
            &format!("/api/appointments/{id}/status"),
            Some(StatutRendezVous { status }),
        )
    }

    /// The TBB.INS.02 columns of a month (`AAAA-MM`).
    pub fn indicateurs_ins(&self, mois: &str) -> Pending<Vec<IndicateursIns>> {
        self.call(
            reqwest::Method::GET,
            &format!("/api/indicateurs/ins?mois={}", encode(mois)),
            NO_BODY,
        )
    }

    /// Adds to the record (problem, allergy, treatment, vaccination,
    /// measure...).
    pub fn add_entry(&self, patient: &str, data: &EntryData) -> Pending<()> {
        self.call_then(
            reqwest::Method::POST,
            &format!("/api/patients/{patient}/entries"),
            Some(EntreeDossier {
                encounter_id: None,
                data: data.clone(),
            }),
            |_: Entry| (),
        )
    }

    /// Correspondents in the Annuaire Santé (at least one criterion).
    pub fn annuaire(
        &self,
        r: &esculape_api_types::annuaire::RechercheAnnuaire,
    ) -> Pending<esculape_api_types::annuaire::ReponseAnnuaire> {
        let mut q: Vec<String> = [
            ("nom", &r.nom),
            ("prenom", &r.prenom),
            ("rpps", &r.rpps),
            ("profession", &r.profession),
            ("specialite", &r.specialite),
            ("structure", &r.structure),
            ("commune", &r.commune),
        ]
        .into_iter()
        .filter_map(|(k, v)| Some(format!("{k}={}", encode(v.as_deref()?))))
        .collect();
        if let Some(t) = r.type_bal
            && let Ok(serde_json::Value::String(t)) = serde_json::to_value(t)
        {
            q.push(format!("type_bal={t}"));
        }
        self.call(
            reqwest::Method::GET,
            &format!("/api/annuaire?{}", q.join("&")),
            NO_BODY,
        )
    }

    /// Adds a professional to the patient's care team.
    pub fn ajouter_a_l_equipe(
        &self,
        patient: &str,
        membre: &esculape_api_types::domaine::record::CareTeamMember,
    ) -> Pending<esculape_api_types::dossier::CareTeamEntry> {
        self.call(
            reqwest::Method::POST,
            &format!("/api/patients/{patient}/care-team"),
            Some(membre),
        )
    }

    /// A birth place of the COG referential by its code.
    pub fn lieu(&self, code: &str) -> Pending<Vec<Lieu>> {
        self.call(
            reqwest::Method::GET,
            &format!("/api/cog?code={}", encode(code)),
            NO_BODY,
        )
    }

    /// Changes an entry (refused if it changed since `version` was read);
    /// what it said stays in its history, with `motif`.
    pub fn update_entry(
        &self,
        id: &str,
        version: i64,
        data: &EntryData,
        motif: Option<String>,
    ) -> Pending<()> {
        self.call_then(
            reqwest::Method::PUT,
            &format!("/api/entries/{id}"),
            Some(ModificationEntree {
                version,
                data: data.clone(),
                motif,
            }),
            |_: Entry| (),
        )
    }

    /// Every version of an entry, oldest first (who, when, why).
    pub fn entry_versions(&self, id: &str) -> Pending<Vec<Version<EntryData>>> {
        self.call(
            reqwest::Method::GET,
            &format!("/api/entries/{id}/versions"),
            NO_BODY,
        )
    }

    /// Removes an entry from the record (kept by the host, marked).
    pub fn remove_entry(&self, id: &str) -> Pending<()> {
        self.call(
            reqwest::Method::DELETE,
            &format!("/api/entries/{id}"),
            NO_BODY,
        )
    }

    pub fn add_encounter(
        &self,
        patient: &str,
        body: &esculape_api_types::dossier::NouvelleConsultation,
    ) -> Pending<Encounter> {
        self.call(
            reqwest::Method::POST,
            &format!("/api/patients/{patient}/encounters"),
            Some(body),
        )
    }
}

/// No body (a GET, a DELETE, a POST that takes none).
const NO_BODY: Option<()> = None;

/// Percent-encoding of a query value (what a search box may contain).
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

async fn send<T: DeserializeOwned>(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    token: Option<String>,
    body: Option<serde_json::Value>,
) -> Result<T, ApiError> {
    let bytes = fetch(http, method, url, token, body).await?;
    let body: &[u8] = if bytes.is_empty() { b"null" } else { &bytes };
    serde_json::from_slice(body).map_err(|e| ApiError::Format(e.to_string()))
}

/// The SHA-256 fingerprint of the certificate the host at `url` presents
/// (the connection is cut as soon as it is read: nothing is sent), to be
/// compared before it is pinned.
pub fn empreinte_presentee(url: &str) -> Result<String, ApiError> {
    let releve = Arc::new(Mutex::new(None));
    let c = esculape_transport::client::config_releve(releve.clone())
        .map_err(|e| ApiError::Tls(e.to_string()))?;
    let http = reqwest::Client::builder()
        .use_preconfigured_tls(c)
        .connect_timeout(std::time::Duration::from_secs(5))
        .build()
        .map_err(|e| ApiError::Injoignable(e.to_string()))?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| ApiError::Injoignable(e.to_string()))?;
    let essai = rt.block_on(
        http.get(format!("{}/api/health", url.trim_end_matches('/')))
            .send(),
    );
    let lue = releve.lock().ok().and_then(|r| r.clone());
    match (lue, essai) {
        (Some(e), _) => Ok(e),
        (None, Err(e)) => Err(ApiError::Injoignable(e.without_url().to_string())),
        (None, Ok(_)) => Err(ApiError::Tls("aucun certificat présenté".into())),
    }
}

/// The body of a successful answer; the host's French message otherwise.
async fn fetch(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    token: Option<String>,
    body: Option<serde_json::Value>,
) -> Result<Vec<u8>, ApiError> {
    let mut req = http.request(method, url);
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    if let Some(b) = body {
        req = req
            .header("content-type", "application/json")
            .body(b.to_string());
    }
    let res = req.send().await.map_err(|e| {
        if let Some(m) = esculape_transport::client::expliquer(&e) {
            ApiError::Tls(m)
        } else if e.is_timeout() {
            ApiError::Injoignable("délai dépassé".into())
        } else {
            ApiError::Injoignable(e.without_url().to_string())
        }
    })?;
    let status = res.status();
    let bytes = res
        .bytes()
        .await
        .map_err(|e| ApiError::Injoignable(e.without_url().to_string()))?;
    if !status.is_success() {
        let message = serde_json::from_slice::<esculape_api_types::erreur::Erreur>(&bytes)
            .ok()
            .map(|e| e.erreur)
            .unwrap_or_else(|| format!("erreur {}", status.as_u16()));
        return Err(ApiError::Refus {
            status: status.as_u16(),
            message,
        });
    }
    Ok(bytes.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_text_is_encoded() {
        assert_eq!(encode("dup jea 1980"), "dup%20jea%201980");
        assert_eq!(encode("hélène&x"), "h%C3%A9l%C3%A8ne%26x");
    }
}

fn encoder(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
