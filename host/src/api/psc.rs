//! Signing in with Pro Santé Connect (`esculape_app::psc`): thin handlers.

use super::{AdresseClient, ApiError, AppState, Me};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use esculape_api_types::comptes::Session;
use esculape_api_types::psc::{
    ChoixPsc, CibaPsc, DemandeCibaPsc, DemandeNavigateurPsc, EtatConnexionPsc, ProxyPsc,
    PscDisponible, RetourNavigateurPsc,
};
use esculape_app::psc::ErreurPsc;

impl From<ErreurPsc> for ApiError {
    fn from(e: ErreurPsc) -> Self {
        let m = e.to_string();
        match e {
            ErreurPsc::Auth(a) => a.into(),
            ErreurPsc::Indisponible | ErreurPsc::Injoignable(_) => {
                Self::new(StatusCode::SERVICE_UNAVAILABLE, "psc_indisponible", m)
            }
            ErreurPsc::Proxy { code, .. } if code == "injoignable" || code == "occupe" => {
                Self::new(StatusCode::SERVICE_UNAVAILABLE, "psc_indisponible", m)
            }
            ErreurPsc::Proxy { .. } => Self::new(StatusCode::UNAUTHORIZED, "psc_refus", m),
            ErreurPsc::SansCompte { .. } => Self::new(StatusCode::FORBIDDEN, "psc_sans_compte", m),
            ErreurPsc::Ticket => Self::new(StatusCode::NOT_FOUND, "psc_choix_expire", m),
            ErreurPsc::SansSession => Self::new(StatusCode::FORBIDDEN, "psc_requis", m),
            ErreurPsc::Choix(_) => Self::invalid(m),
        }
    }
}

pub(crate) async fn disponible(State(s): State<AppState>) -> Json<PscDisponible> {
    Json(s.psc_disponible())
}

/// Médecins and administrators (the route's role); `Me` makes the session
/// required here too.
pub(crate) async fn proxy(State(s): State<AppState>, _me: Me) -> Result<Json<ProxyPsc>, ApiError> {
    Ok(Json(s.psc_proxy().await?))
}

pub(crate) async fn navigateur(
    State(s): State<AppState>,
    AdresseClient(adresse): AdresseClient,
) -> Result<Json<DemandeNavigateurPsc>, ApiError> {
    Ok(Json(s.psc_navigateur(adresse).await?))
}

pub(crate) async fn retour_navigateur(
    State(s): State<AppState>,
    AdresseClient(adresse): AdresseClient,
    body: Result<Json<RetourNavigateurPsc>, JsonRejection>,
) -> Result<Json<EtatConnexionPsc>, ApiError> {
    let Json(r) = body?;
    Ok(Json(s.psc_retour_navigateur(&r.requete, adresse).await?))
}

pub(crate) async fn ciba(
    State(s): State<AppState>,
    AdresseClient(adresse): AdresseClient,
    body: Result<Json<DemandeCibaPsc>, JsonRejection>,
) -> Result<Json<CibaPsc>, ApiError> {
    let Json(d) = body?;
    Ok(Json(s.psc_ciba(&d.id_national, d.canal, adresse).await?))
}

pub(crate) async fn etat_ciba(
    State(s): State<AppState>,
    AdresseClient(adresse): AdresseClient,
    Path(demande): Path<String>,
) -> Result<Json<EtatConnexionPsc>, ApiError> {
    Ok(Json(s.psc_ciba_etat(&demande, adresse).await?))
}

pub(crate) async fn annuler_ciba(
    State(s): State<AppState>,
    Path(demande): Path<String>,
) -> Result<StatusCode, ApiError> {
    s.psc_ciba_annuler(&demande).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn choisir(
    State(s): State<AppState>,
    AdresseClient(adresse): AdresseClient,
    body: Result<Json<ChoixPsc>, JsonRejection>,
) -> Result<Json<Session>, ApiError> {
    let Json(c) = body?;
    Ok(Json(s.psc_choisir(&c, adresse).await?))
}
