//! Session, accounts, structure and administration routes.

use super::{AdresseClient, ApiError, AppState, Me, bearer};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use esculape_api_types::comptes::{
    Caller, ChangementMotDePasse, Connexion, EtatInstallation, EtatServeur, NouveauCompte,
    NouveauMotDePasse, NouveauSite, NouvelleStructure, Praticien, PremiereInstallation, Session,
};
use esculape_runtime::PluginInfo;
use esculape_store::AuditReport;
use esculape_store::accounts::{Installation, SiteRec, StructureRec, UserChanges};
use esculape_store::{Acteur, User};

pub(crate) async fn health() -> Json<EtatServeur> {
    Json(EtatServeur {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        api: esculape_runtime::wit::SUPPORTED
            .iter()
            .map(|v| v.to_string())
            .collect(),
    })
}

pub(crate) async fn installation(
    State(s): State<AppState>,
) -> Result<Json<EtatInstallation>, ApiError> {
    Ok(Json(EtatInstallation {
        a_creer: s.premier_demarrage.is_some() && s.sans_compte().await?,
    }))
}

/// Whether a `Host` or `Origin` value names this machine's loopback (a
/// page of another site reaching 127.0.0.1 by DNS rebinding names its
/// own).
fn boucle_locale(v: &str) -> bool {
    let hote = v
        .strip_prefix("http://")
        .or_else(|| v.strip_prefix("https://"))
        .unwrap_or(v);
    let hote = match hote.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => hote.split(':').next().unwrap_or(""),
    };
    matches!(hote, "127.0.0.1" | "localhost" | "::1")
}

pub(crate) async fn installer(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Result<Json<PremiereInstallation>, JsonRejection>,
) -> Result<(StatusCode, Json<Installation>), ApiError> {
    let Json(i) = body?;
    let interdit = |m: &str| ApiError::new(StatusCode::FORBIDDEN, "interdit", m);
    let Some(code) = &s.premier_demarrage else {
        return Err(interdit(
            "ce serveur ne crée pas de cabinet au premier démarrage : comptes par « esculape users add »",
        ));
    };
    let ailleurs = [header::HOST, header::ORIGIN].iter().any(|h| {
        headers
            .get(h)
            .is_some_and(|v| !v.to_str().is_ok_and(boucle_locale))
    });
    if ailleurs || !code.accepte(&i.code) {
        tracing::warn!("premier démarrage refusé: demande hors de la fenêtre d'Esculape");
        return Err(interdit(
            "le cabinet se crée depuis la fenêtre d'Esculape de ce poste uniquement",
        ));
    }
    Ok((
        StatusCode::CREATED,
        Json(s.premiere_installation(&i).await?),
    ))
}

pub(crate) async fn login(
    State(s): State<AppState>,
    AdresseClient(adresse): AdresseClient,
    body: Result<Json<Connexion>, JsonRejection>,
) -> Result<Json<Session>, ApiError> {
    let Json(l) = body?;
    Ok(Json(s.connexion(&l.login, &l.password, adresse).await?))
}

pub(crate) async fn me(me: Me) -> Json<Caller> {
    Json(me.0)
}

pub(crate) async fn logout(
    State(s): State<AppState>,
    me: Me,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    s.deconnexion(&me.0, bearer(&headers)).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn change_password(
    State(s): State<AppState>,
    me: Me,
    headers: HeaderMap,
    body: Result<Json<ChangementMotDePasse>, JsonRejection>,
) -> Result<Json<User>, ApiError> {
    let Json(p) = body?;
    Ok(Json(
        s.changer_mot_de_passe(&me.0, bearer(&headers), &p.old, &p.new)
            .await?,
    ))
}

pub(crate) async fn plugins(State(s): State<AppState>) -> Json<Vec<PluginInfo>> {
    Json(s.runtime.list())
}

pub(crate) async fn sites(
    State(s): State<AppState>,
    me: Me,
) -> Result<Json<Vec<SiteRec>>, ApiError> {
    Ok(Json(s.sites(&me.0.actor()).await?))
}

pub(crate) async fn practitioners(
    State(s): State<AppState>,
    me: Me,
) -> Result<Json<Vec<Praticien>>, ApiError> {
    Ok(Json(s.praticiens(&me.0.actor()).await?))
}

pub(crate) async fn users(State(s): State<AppState>, me: Me) -> Result<Json<Vec<User>>, ApiError> {
    Ok(Json(s.comptes(&me.0.actor()).await?))
}

pub(crate) async fn create_user(
    State(s): State<AppState>,
    me: Me,
    body: Result<Json<NouveauCompte>, JsonRejection>,
) -> Result<(StatusCode, Json<User>), ApiError> {
    let Json(u) = body?;
    let user = s.creer_compte(&me.0.actor(), &u).await?;
    Ok((StatusCode::CREATED, Json(user)))
}

pub(crate) async fn update_user(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
    body: Result<Json<UserChanges>, JsonRejection>,
) -> Result<Json<User>, ApiError> {
    let Json(c) = body?;
    Ok(Json(s.modifier_compte(&me.0, &id, c).await?))
}

pub(crate) async fn reset_password(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
    body: Result<Json<NouveauMotDePasse>, JsonRejection>,
) -> Result<Json<User>, ApiError> {
    let Json(p) = body?;
    Ok(Json(
        s.reinitialiser_mot_de_passe(&me.0.actor(), &id, &p.password)
            .await?,
    ))
}

pub(crate) async fn structures(
    State(s): State<AppState>,
    me: Me,
) -> Result<Json<Vec<StructureRec>>, ApiError> {
    Ok(Json(s.structures(&me.0.actor()).await?))
}

pub(crate) async fn create_structure(
    State(s): State<AppState>,
    me: Me,
    body: Result<Json<NouvelleStructure>, JsonRejection>,
) -> Result<(StatusCode, Json<StructureRec>), ApiError> {
    let Json(n) = body?;
    let r = s
        .creer_structure(&me.0.actor(), &n.name, n.kind, n.finess.as_deref())
        .await?;
    Ok((StatusCode::CREATED, Json(r)))
}

pub(crate) async fn create_site(
    State(s): State<AppState>,
    me: Me,
    body: Result<Json<NouveauSite>, JsonRejection>,
) -> Result<(StatusCode, Json<SiteRec>), ApiError> {
    let Json(n) = body?;
    let r = s
        .creer_site(
            &me.0.actor(),
            &n.structure_id,
            &n.name,
            n.address.as_deref(),
            n.finess.as_deref(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(r)))
}

pub(crate) async fn verify_audit(State(s): State<AppState>) -> Result<Json<AuditReport>, ApiError> {
    Ok(Json(s.verifier_journal().await?))
}
