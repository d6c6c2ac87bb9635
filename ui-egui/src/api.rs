//! The host's HTTP API as the client uses it. Every call runs on a
//! background tokio runtime and comes back through a [`Pending`] that the
//! UI thread polls once per frame: the window never waits on the network.

use esculape_domain::agenda::Appointment;
use esculape_domain::calendar::Day;
use esculape_domain::document::{DocumentFormat, DocumentStatus, Provenance, SendingState};
use esculape_domain::episode::{DmpConsultation, DmpFeeding};
use esculape_domain::identity::Identity;
pub use esculape_domain::identity::PatientSummary;
use esculape_domain::record::EntryData;
use serde::Deserialize;
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
    /// A file of the user's that could not be read.
    #[error("{0}")]
    Fichier(String),
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
    repaint: Mutex<Option<egui::Context>>,
    rt: tokio::runtime::Runtime,
}

/// The client of one host.
#[derive(Clone)]
pub struct Api(Arc<Inner>);

#[derive(Debug, Clone, Deserialize)]
pub struct User {
    pub id: String,
    pub login: String,
    pub display_name: String,
    pub role: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Session {
    pub token: String,
    pub user: User,
    #[serde(default)]
    pub password_expired: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PatientRecord {
    pub id: String,
    pub identity: Identity,
    pub version: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Encounter {
    pub id: String,
    pub date: Day,
    pub reason: Option<String>,
    pub note: String,
    pub author: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Entry {
    pub id: String,
    /// The version read: a change is refused if it moved since.
    #[serde(default)]
    pub version: i64,
    pub data: EntryData,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DocumentMeta {
    pub id: String,
    pub title: String,
    pub type_code: String,
    pub type_display: Option<String>,
    pub format: DocumentFormat,
    pub act_date: Day,
    pub provenance: Provenance,
    pub author: String,
    pub status: DocumentStatus,
    pub dmp_state: SendingState,
    pub mssante_state: SendingState,
}

/// An episode of care and the patient's current DMP decisions for it.
#[derive(Debug, Clone, Deserialize)]
pub struct Episode {
    pub id: String,
    pub label: String,
    pub closed_at: Option<i64>,
    pub feeding: DmpFeeding,
    pub consultation: DmpConsultation,
}

/// The patient's file as opened (`GET /api/patients/{id}/chart`).
#[derive(Debug, Clone, Deserialize)]
pub struct Chart {
    pub patient: PatientRecord,
    #[serde(default)]
    pub episodes: Vec<Episode>,
    pub encounters: Vec<Encounter>,
    pub encounters_total: i64,
    pub entries: Vec<Entry>,
    /// Computed by the host from the measures.
    #[serde(default)]
    pub bmi: Vec<esculape_domain::record::Bmi>,
    pub documents: Vec<DocumentMeta>,
    pub documents_total: i64,
}

impl Api {
    /// A client of the host at `base` (e.g. `http://127.0.0.1:8080`).
    pub fn new(base: &str) -> Result<Self, ApiError> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("esculape-api")
            .enable_all()
            .build()
            .map_err(|e| ApiError::Injoignable(e.to_string()))?;
        let http = reqwest::Client::builder()
            .connect_timeout(std::time::Duration::from_secs(5))
            .timeout(std::time::Duration::from_secs(60))
            .build()
            .map_err(|e| ApiError::Injoignable(e.to_string()))?;
        Ok(Self(Arc::new(Inner {
            base: base.trim_end_matches('/').to_string(),
            http,
            token: Mutex::new(None),
            repaint: Mutex::new(None),
            rt,
        })))
    }

    pub fn base(&self) -> &str {
        &self.0.base
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
        body: Option<serde_json::Value>,
    ) -> Pending<T> {
        self.call_then(method, path, body, |t: T| t)
    }

    /// [`Self::call`], the answer turned into what the screen needs.
    fn call_then<T: DeserializeOwned + Send + 'static, U: Send + 'static>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
        then: impl FnOnce(T) -> U + Send + 'static,
    ) -> Pending<U> {
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
        use base64::Engine as _;
        let inner = self.0.clone();
        let url = format!("{}/api/datamatrix", inner.base);
        let token = self.token();
        self.spawn(async move {
            let lu = fichier.clone();
            let bytes = tokio::task::spawn_blocking(move || std::fs::read(&lu))
                .await
                .map_err(|_| ApiError::Interrompue)?
                .map_err(|e| {
                    ApiError::Fichier(format!("photo non lue ({}) : {e}", fichier.display()))
                })?;
            let body = serde_json::json!({
                "image": base64::engine::general_purpose::STANDARD.encode(bytes),
            });
            let v: serde_json::Value =
                send(&inner.http, reqwest::Method::POST, &url, token, Some(body)).await?;
            v["texte"]
                .as_str()
                .map(String::from)
                .ok_or_else(|| ApiError::Format("texte du DataMatrix absent".into()))
        })
    }

    /// A stored document and its content (base64 in `content`).
    pub fn stored_document(&self, id: &str) -> Pending<serde_json::Value> {
        self.call(reqwest::Method::GET, &format!("/api/documents/{id}"), None)
    }

    /// The PDF of a stored document (an N1's embedded one).
    pub fn stored_pdf(&self, id: &str) -> Pending<Vec<u8>> {
        self.call_bytes(&format!("/api/documents/{id}/pdf"))
    }

    /// Opens a session; the token is kept for the next calls.
    pub fn login(&self, login: &str, password: &str) -> Pending<Session> {
        let api = self.clone();
        let body = serde_json::json!({"login": login, "password": password});
        let url = format!("{}/api/session", self.0.base);
        self.spawn(async move {
            let result: Result<Session, ApiError> =
                send(&api.0.http, reqwest::Method::POST, &url, None, Some(body)).await;
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
            None,
            |v: serde_json::Value| v["a_creer"] == true,
        )
    }

    /// Creates the practice, its site and the doctor's account.
    pub fn installer(&self, body: serde_json::Value) -> Pending<serde_json::Value> {
        self.call(reqwest::Method::POST, "/api/installation", Some(body))
    }

    pub fn logout(&self) -> Pending<serde_json::Value> {
        let p = self.call(reqwest::Method::DELETE, "/api/session", None);
        self.set_token(None);
        p
    }

    pub fn health(&self) -> Pending<serde_json::Value> {
        self.call(reqwest::Method::GET, "/api/health", None)
    }

    pub fn search(&self, q: &str) -> Pending<Vec<PatientSummary>> {
        let q = encode(q);
        self.call(
            reqwest::Method::GET,
            &format!("/api/patients?q={q}&limit=20"),
            None,
        )
    }

    pub fn chart(&self, patient: &str) -> Pending<Chart> {
        self.call(
            reqwest::Method::GET,
            &format!("/api/patients/{patient}/chart"),
            None,
        )
    }

    /// The identity alone, as a file without its medical part (what the
    /// secretariat may see).
    pub fn identity_file(&self, patient: &str) -> Pending<Chart> {
        self.call_then(
            reqwest::Method::GET,
            &format!("/api/patients/{patient}"),
            None,
            |patient: PatientRecord| Chart {
                patient,
                episodes: vec![],
                encounters: vec![],
                encounters_total: 0,
                entries: vec![],
                bmi: vec![],
                documents: vec![],
                documents_total: 0,
            },
        )
    }

    /// Queries the INSi for this patient (the host compares the traits).
    pub fn insi(&self, patient: &str) -> Pending<serde_json::Value> {
        self.call(
            reqwest::Method::POST,
            &format!("/api/patients/{patient}/insi"),
            Some(serde_json::json!({})),
        )
    }

    /// The last INSi query of the patient (run in the background when the
    /// file opens).
    pub fn insi_last(&self, patient: &str) -> Pending<serde_json::Value> {
        self.call(
            reqwest::Method::GET,
            &format!("/api/patients/{patient}/insi"),
            None,
        )
    }

    /// The patient's background jobs (INSi queries today), newest first.
    pub fn travaux(&self, patient: &str) -> Pending<Vec<esculape_domain::travail::Travail>> {
        self.call(
            reqwest::Method::GET,
            &format!("/api/patients/{patient}/travaux"),
            None,
        )
    }

    /// Cancels a job that has not started.
    pub fn annuler_travail(&self, id: &str) -> Pending<esculape_domain::travail::Travail> {
        self.call(
            reqwest::Method::POST,
            &format!("/api/travaux/{id}/annulation"),
            Some(serde_json::json!({})),
        )
    }

    pub fn insi_validate(
        &self,
        patient: &str,
        body: serde_json::Value,
    ) -> Pending<serde_json::Value> {
        self.call(
            reqwest::Method::POST,
            &format!("/api/patients/{patient}/insi/validation"),
            Some(body),
        )
    }

    /// Records a DMP decision of the patient (`{"kind": "alimentation"|
    /// "consultation", "value": ...}`) for the whole care team.
    pub fn dmp_decision(&self, episode: &str, body: serde_json::Value) -> Pending<Episode> {
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
            Some(serde_json::json!({ "label": label })),
        )
    }

    pub fn document_types(&self) -> Pending<Vec<crate::document::TypeDocument>> {
        self.call(reqwest::Method::GET, "/api/document-types", None)
    }

    /// The form of a document type, prefilled from the patient's record.
    pub fn document_form(
        &self,
        patient: &str,
        plugin: &str,
    ) -> Pending<crate::document::Formulaire> {
        self.call(
            reqwest::Method::GET,
            &format!("/api/patients/{patient}/document-forms/{plugin}"),
            None,
        )
    }

    /// Produces the document: a preview (nothing stored) or the sign-off
    /// (stored with its PDF and XDS metadata).
    pub fn document(
        &self,
        patient: &str,
        plugin: &str,
        valeurs: serde_json::Map<String, serde_json::Value>,
        signer: bool,
        remplace: Option<&str>,
    ) -> Pending<serde_json::Value> {
        let action = if signer { "sign" } else { "preview" };
        self.call(
            reqwest::Method::POST,
            &format!("/api/patients/{patient}/documents/{action}"),
            Some(serde_json::json!({"plugin": plugin, "valeurs": valeurs, "remplace": remplace})),
        )
    }

    /// The form a signed document was produced from (`plugin`, `valeurs`),
    /// to correct it.
    pub fn signed_form(&self, document: &str) -> Pending<serde_json::Value> {
        self.call(
            reqwest::Method::GET,
            &format!("/api/documents/{document}/form"),
            None,
        )
    }

    pub fn practitioners(&self) -> Pending<Vec<crate::agenda::Praticien>> {
        self.call(reqwest::Method::GET, "/api/practitioners", None)
    }

    pub fn sites(&self) -> Pending<Vec<crate::agenda::Site>> {
        self.call(reqwest::Method::GET, "/api/sites", None)
    }

    /// A patient's identity (the secretariat may read it).
    pub fn patient(&self, id: &str) -> Pending<PatientRecord> {
        self.call(reqwest::Method::GET, &format!("/api/patients/{id}"), None)
    }

    pub fn agenda(
        &self,
        from: Day,
        to: Day,
        practitioner: &str,
        site: &str,
    ) -> Pending<Vec<Appointment>> {
        self.call(
            reqwest::Method::GET,
            &format!(
                "/api/agenda?from={from}&to={to}&practitioner={}&site={}",
                encode(practitioner),
                encode(site)
            ),
            None,
        )
    }

    pub fn waiting_room(&self, site: &str, day: Day) -> Pending<Vec<Appointment>> {
        self.call(
            reqwest::Method::GET,
            &format!("/api/waiting-room?site={}&day={day}", encode(site)),
            None,
        )
    }

    pub fn book(&self, body: serde_json::Value) -> Pending<Appointment> {
        self.call(reqwest::Method::POST, "/api/appointments", Some(body))
    }

    pub fn move_appointment(
        &self,
        id: &str,
        version: i64,
        start: esculape_domain::calendar::LocalDateTime,
        end: esculape_domain::calendar::LocalDateTime,
    ) -> Pending<Appointment> {
        self.call(
            reqwest::Method::PUT,
            &format!("/api/appointments/{id}"),
            Some(serde_json::json!({"version": version, "start": start, "end": end})),
        )
    }

    pub fn appointment_status(
        &self,
        id: &str,
        status: esculape_domain::agenda::AppointmentStatus,
    ) -> Pending<Appointment> {
        self.call(
            reqwest::Method::POST,
            &format!("/api/appointments/{id}/status"),
            Some(serde_json::json!({ "status": status })),
        )
    }

    /// The TBB.INS.02 columns of a month (`AAAA-MM`).
    pub fn indicateurs_ins(
        &self,
        mois: &str,
    ) -> Pending<Vec<esculape_domain::indicateurs::IndicateursIns>> {
        self.call(
            reqwest::Method::GET,
            &format!("/api/indicateurs/ins?mois={}", encode(mois)),
            None,
        )
    }

    /// Adds to the record (problem, allergy, treatment, vaccination,
    /// measure...).
    pub fn add_entry(&self, patient: &str, data: &EntryData) -> Pending<serde_json::Value> {
        self.call(
            reqwest::Method::POST,
            &format!("/api/patients/{patient}/entries"),
            serde_json::to_value(data).ok(),
        )
    }

    /// A birth place of the COG referential by its code.
    pub fn lieu(&self, code: &str) -> Pending<Vec<esculape_domain::cog::Lieu>> {
        self.call(
            reqwest::Method::GET,
            &format!("/api/cog?code={}", encode(code)),
            None,
        )
    }

    /// Changes an entry (refused if it changed since `version` was read).
    pub fn update_entry(
        &self,
        id: &str,
        version: i64,
        data: &EntryData,
    ) -> Pending<serde_json::Value> {
        self.call(
            reqwest::Method::PUT,
            &format!("/api/entries/{id}"),
            Some(serde_json::json!({ "version": version, "data": data })),
        )
    }

    /// Removes an entry from the record (kept by the host, marked).
    pub fn remove_entry(&self, id: &str) -> Pending<serde_json::Value> {
        self.call(reqwest::Method::DELETE, &format!("/api/entries/{id}"), None)
    }

    pub fn add_encounter(
        &self,
        patient: &str,
        body: serde_json::Value,
    ) -> Pending<serde_json::Value> {
        self.call(
            reqwest::Method::POST,
            &format!("/api/patients/{patient}/encounters"),
            Some(body),
        )
    }
}

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
        if e.is_timeout() {
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
        let message = serde_json::from_slice::<serde_json::Value>(&bytes)
            .ok()
            .and_then(|v| v["erreur"].as_str().map(str::to_string))
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
