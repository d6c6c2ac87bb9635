//! The HTTP API (axum, JSON).
//!
//! Every route is declared once in [`routes::table`] with the roles that may
//! call it; the same table builds the router, guards each route server-side
//! and writes the OpenAPI document served at `/api/openapi.json`.
//!
//! Errors are JSON `{"erreur": "...", "code": "..."}` with a 4xx status for
//! anything the client got wrong; a rejected request writes nothing but, for
//! a refused access, its trace.

mod accounts;
mod agenda;
mod annuaire;
mod biologie;
mod dmp;
mod documents;
mod mss;
pub mod openapi;
mod patients;
mod psc;
mod record;
pub mod routes;
mod travaux;

pub use esculape_app::auth::CodeInstallation;

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use esculape_app::auth::{AuthError, Caller};
use esculape_domain::Role;
use esculape_runtime::Runtime;
use esculape_store::{Store, StoreError};
use std::sync::Arc;

/// Largest request body accepted on ordinary routes (identity and form
/// payloads are small); document uploads have their own limit.
pub const MAX_BODY_BYTES: usize = 256 * 1024;
/// Document uploads: 20 MiB of content, base64 in JSON.
pub const MAX_DOCUMENT_BODY_BYTES: usize = 28 * 1024 * 1024;

/// What the handlers run on: the application, and whether this host takes
/// the first-start set-up.
#[derive(Clone)]
pub struct AppState {
    pub app: esculape_app::App,
    /// A host embedded in the desktop client of a one-doctor install
    /// accepts the first-start set-up (practice, site, first account)
    /// while no account exists, from its own window only: the request
    /// carries this start's one-time code, on a loopback `Host` and
    /// `Origin`. A served host has none (its accounts come from
    /// `esculape users add`).
    pub premier_demarrage: Option<esculape_app::auth::CodeInstallation>,
}

impl AppState {
    pub fn new(
        runtime: Arc<Runtime>,
        store: Arc<Store>,
        insi: Arc<crate::insi::InsiClient>,
    ) -> Self {
        Self {
            app: esculape_app::App::new(runtime, store, insi),
            premier_demarrage: None,
        }
    }
}

impl std::ops::Deref for AppState {
    type Target = esculape_app::App;
    fn deref(&self) -> &Self::Target {
        &self.app
    }
}

impl std::ops::DerefMut for AppState {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.app
    }
}

/// An error as the client sees it.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalide", message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = esculape_api_types::erreur::Erreur {
            erreur: self.message,
            code: self.code.to_string(),
        };
        (self.status, Json(body)).into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match &e {
            StoreError::NotFound(_) => {
                Self::new(StatusCode::NOT_FOUND, "introuvable", e.to_string())
            }
            StoreError::Invalid(_) | StoreError::Rule(_) => Self::invalid(e.to_string()),
            StoreError::Conflict { .. } => {
                Self::new(StatusCode::CONFLICT, "conflit", e.to_string())
            }
            StoreError::Duplicate(_) => Self::new(StatusCode::CONFLICT, "doublon", e.to_string()),
            StoreError::Busy(_) => Self::new(StatusCode::CONFLICT, "occupe", e.to_string()),
            StoreError::DejaInstalle => {
                Self::new(StatusCode::CONFLICT, "deja_installe", e.to_string())
            }
            StoreError::Interdit(_) => Self::new(StatusCode::FORBIDDEN, "interdit", e.to_string()),
            _ => {
                tracing::error!("stockage: {e}");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "interne",
                    "erreur interne du stockage",
                )
            }
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        let m = e.to_string();
        match e {
            AuthError::Stockage(s) => s.into(),
            AuthError::PasswordExpired => {
                Self::new(StatusCode::FORBIDDEN, "mot_de_passe_expire", m)
            }
            AuthError::AncienMotDePasse => {
                Self::new(StatusCode::UNAUTHORIZED, "ancien_mot_de_passe", m)
            }
            AuthError::TropDeTentatives { .. } | AuthError::Occupe => {
                Self::new(StatusCode::TOO_MANY_REQUESTS, "trop_de_tentatives", m)
            }
            AuthError::Regle(_) => Self::invalid(m),
            AuthError::Hachage(_) => {
                tracing::error!("{m}");
                Self::new(StatusCode::INTERNAL_SERVER_ERROR, "interne", m)
            }
            AuthError::Refus | AuthError::NoSession => {
                Self::new(StatusCode::UNAUTHORIZED, "authentification", m)
            }
        }
    }
}

impl From<esculape_domain::IdentityError> for ApiError {
    fn from(e: esculape_domain::IdentityError) -> Self {
        Self::invalid(e.to_string())
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        let status = r.status();
        let message = match status {
            StatusCode::PAYLOAD_TOO_LARGE => "requête trop volumineuse".to_string(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                "le corps doit être du JSON (Content-Type: application/json)".into()
            }
            _ => format!("JSON invalide: {}", r.body_text()),
        };
        Self::new(status, "requete", message)
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "requete",
            format!("paramètres invalides: {}", r.body_text()),
        )
    }
}

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// No session (health, login, this API's description).
    Public,
    /// Any signed-in user, even one whose password has expired (session,
    /// password change).
    Session,
    /// Any signed-in user with a valid password (shared lists).
    User,
    /// Identity, contacts, care team, agenda: médecins and secrétaires.
    Accueil,
    /// The medical record and documents: médecins only.
    Medical,
    /// Accounts, structure, audit trail: administrators.
    Admin,
    /// Dashboards (aggregates, no patient named): médecins and
    /// administrators.
    Pilotage,
}

impl Access {
    pub fn roles(self) -> &'static [Role] {
        match self {
            Access::Public | Access::Session | Access::User => &Role::ALL,
            Access::Accueil => &[Role::Medecin, Role::Secretaire],
            Access::Medical => &[Role::Medecin],
            Access::Admin => &[Role::Administrateur],
            Access::Pilotage => &[Role::Medecin, Role::Administrateur],
        }
    }
}

#[derive(Clone)]
pub(crate) struct Guard {
    state: AppState,
    access: Access,
    route: &'static str,
}

/// The server-side check of every route: a valid session, a current
/// password, a role the route admits. The caller is handed to the handler.
pub(crate) async fn guard(
    State(g): State<Guard>,
    mut req: Request,
    next: Next,
) -> Result<Response, ApiError> {
    if g.access == Access::Public {
        return Ok(next.run(req).await);
    }
    let caller = g.state.session(bearer(req.headers())).await?;
    if caller.password_expired && g.access != Access::Session {
        return Err(AuthError::PasswordExpired.into());
    }
    if !g.access.roles().contains(&caller.user.role) {
        let detail = format!("{} {}", req.method(), g.route);
        g.state.acces_refuse(&caller, &detail).await?;
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "interdit",
            format!(
                "accès refusé: le rôle «{}» ne permet pas cette action",
                caller.user.role.code()
            ),
        ));
    }
    req.extensions_mut().insert(caller);
    Ok(next.run(req).await)
}

/// The caller, as the guard found it.
pub(crate) type Me = axum::Extension<Caller>;

/// The session token of a request (`Authorization: Bearer …`), or "".
pub(crate) fn bearer(headers: &axum::http::HeaderMap) -> &str {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or("")
}

/// The client's address, when the server was started with it (rate
/// limits); `None` for an in-process caller.
pub(crate) struct AdresseClient(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for AdresseClient {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(AdresseClient(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

pub fn router(state: AppState) -> Router {
    let mut r = Router::new();
    for route in routes::table() {
        let guard_state = Guard {
            state: state.clone(),
            access: route.doc.access,
            route: route.doc.path,
        };
        let limit = route.doc.body_limit.unwrap_or(MAX_BODY_BYTES);
        let mr = route
            .handler
            .layer(axum::extract::DefaultBodyLimit::max(limit))
            .route_layer(axum::middleware::from_fn_with_state(guard_state, guard));
        r = r.route(route.doc.path, mr);
    }
    r.fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, "introuvable", "route inconnue") })
        .with_state(state)
}
