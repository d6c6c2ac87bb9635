//! Session, accounts, structure and administration routes.

use super::{AdresseClient, ApiError, AppState, Me, bearer};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use esculape_api_types::comptes::{
    Caller, ChangementMotDePasse, Connexion, EtatInstallation, EtatServeur, NouveauCompte,
    NouveauMotDePasse, NouveauSite, NouvelleStructure, Praticien, PremiereInstallation, Session,
};
use esculape_domain::Role;
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
        a_creer: s.premier_demarrage && s.store.sans_compte().await?,
    }))
}

pub(crate) async fn installer(
    State(s): State<AppState>,
    body: Result<Json<PremiereInstallation>, JsonRejection>,
) -> Result<(StatusCode, Json<Installation>), ApiError> {
    let Json(i) = body?;
    if !s.premier_demarrage {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "interdit",
            "ce serveur ne crée pas de cabinet au premier démarrage : comptes par « esculape users add »",
        ));
    }
    Ok((
        StatusCode::CREATED,
        Json(s.auth.premiere_installation(&s.store, &i).await?),
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
    s.auth
        .deconnexion(&s.store, &me.0, bearer(&headers))
        .await?;
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
        s.auth
            .changer_mot_de_passe(&s.store, &me.0, bearer(&headers), &p.old, &p.new)
            .await?,
    ))
}

pub(crate) async fn plugins(State(s): State<AppState>) -> Json<Vec<PluginInfo>> {
    Json(s.runtime.list())
}

pub(crate) async fn sites(State(s): State<AppState>) -> Result<Json<Vec<SiteRec>>, ApiError> {
    Ok(Json(s.store.sites().await?))
}

pub(crate) async fn practitioners(
    State(s): State<AppState>,
) -> Result<Json<Vec<Praticien>>, ApiError> {
    Ok(Json(
        s.store
            .users()
            .await?
            .into_iter()
            .filter(|u| u.role == Role::Medecin && u.active)
            .map(|u| Praticien {
                id: u.id,
                display_name: u.display_name,
                rpps: u.rpps,
                profession: u.profession,
            })
            .collect(),
    ))
}

pub(crate) async fn users(State(s): State<AppState>) -> Result<Json<Vec<User>>, ApiError> {
    Ok(Json(s.store.users().await?))
}

pub(crate) async fn create_user(
    State(s): State<AppState>,
    me: Me,
    body: Result<Json<NouveauCompte>, JsonRejection>,
) -> Result<(StatusCode, Json<User>), ApiError> {
    let Json(u) = body?;
    let user = s.auth.creer_compte(&s.store, &me.0.actor(), &u).await?;
    Ok((StatusCode::CREATED, Json(user)))
}

pub(crate) async fn update_user(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
    body: Result<Json<UserChanges>, JsonRejection>,
) -> Result<Json<User>, ApiError> {
    let Json(c) = body?;
    if id == me.0.user.id && c.role.is_some_and(|r| r != Role::Administrateur) {
        return Err(ApiError::invalid(
            "un administrateur ne peut pas retirer ses propres droits",
        ));
    }
    Ok(Json(s.store.update_user(&me.0.actor(), &id, c).await?))
}

pub(crate) async fn reset_password(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
    body: Result<Json<NouveauMotDePasse>, JsonRejection>,
) -> Result<Json<User>, ApiError> {
    let Json(p) = body?;
    Ok(Json(
        s.auth
            .reinitialiser_mot_de_passe(&s.store, &me.0.actor(), &id, &p.password)
            .await?,
    ))
}

pub(crate) async fn structures(
    State(s): State<AppState>,
) -> Result<Json<Vec<StructureRec>>, ApiError> {
    Ok(Json(s.store.structures().await?))
}

pub(crate) async fn create_structure(
    State(s): State<AppState>,
    me: Me,
    body: Result<Json<NouvelleStructure>, JsonRejection>,
) -> Result<(StatusCode, Json<StructureRec>), ApiError> {
    let Json(n) = body?;
    let r = s
        .store
        .create_structure(&me.0.actor(), &n.name, n.kind, n.finess.as_deref())
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
        .store
        .create_site(
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
    Ok(Json(s.store.verify_audit().await?))
}
