//! Identity, contacts and care team routes (médecins and secrétaires).

use super::{ApiError, AppState, Me};
use crate::qualification;
use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use esculape_api_types::dossier::{
    Coordonnees, ModificationContact, ModificationIdentite, Version,
};
use esculape_api_types::insi::{ReponseInsi, SuiviInsi, ValidationInsi};
use esculape_domain::record::{CareTeamMember, Contact};
use esculape_domain::{Identity, NewIdentity};
use esculape_store::record::CareTeamEntry;
use esculape_store::{Acteur, PatientRecord, PatientSummary};

#[derive(serde::Deserialize)]
pub(crate) struct SearchParams {
    q: String,
    #[serde(default = "default_limit")]
    limit: i64,
}

fn default_limit() -> i64 {
    20
}

pub(crate) async fn search(
    State(s): State<AppState>,
    me: Me,
    params: Result<Query<SearchParams>, QueryRejection>,
) -> Result<Json<Vec<PatientSummary>>, ApiError> {
    let Query(p) = params?;
    Ok(Json(
        s.rechercher_patients(&me.0.actor(), &p.q, p.limit).await?,
    ))
}

pub(crate) async fn create(
    State(s): State<AppState>,
    me: Me,
    body: Result<Json<NewIdentity>, JsonRejection>,
) -> Result<(StatusCode, Json<PatientRecord>), ApiError> {
    let Json(new) = body?;
    let rec = s.creer_patient(&me.0.actor(), new).await?;
    Ok((StatusCode::CREATED, Json(rec)))
}

/// Read an identity: opening the patient's file, which asks the INSi in
/// the background when the identity is not yet récupérée or qualifiée.
pub(crate) async fn read(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
) -> Result<Json<PatientRecord>, ApiError> {
    Ok(Json(s.ouvrir_identite(&me.0.actor(), &id).await?))
}

#[derive(serde::Deserialize)]
pub(crate) struct CogParams {
    code: Option<String>,
    nom: Option<String>,
    #[serde(default = "default_limit")]
    limit: i64,
}

/// Birth places from the COG referential: what a code designates (a
/// former code leads to the commune that took it over; 99999 is
/// "INCONNU"), or the places whose name starts with `nom`.
pub(crate) async fn cog(
    State(s): State<AppState>,
    params: Result<Query<CogParams>, QueryRejection>,
) -> Result<Json<Vec<esculape_domain::cog::Lieu>>, ApiError> {
    let Query(p) = params?;
    let r = s.cog;
    match (p.code, p.nom) {
        (Some(c), _) => Ok(Json(r.code(&c).into_iter().collect())),
        (None, Some(n)) => Ok(Json(r.nom(&n, p.limit.clamp(1, 100) as usize))),
        (None, None) => Err(ApiError::invalid(
            "indiquez un code (?code=) ou un début de nom (?nom=)",
        )),
    }
}

/// Query the INSi for a patient's identity now (the user asked): by the
/// carte Vitale in the reader, else by traits without the birth place,
/// then with it on 02. Traced as `insi.recherche` (or `insi.echec` with the
/// reason). On 00 the answer comes with the INS plugin's trait-by-trait
/// comparison, for a one-click validation, and the INS is recovered at
/// once when every trait matches; on 01/02 with advice. A service that
/// fails or is slow is a 502/504 with a French message; nothing is
/// changed in the record.
pub(crate) async fn insi(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
) -> Result<Json<ReponseInsi>, ApiError> {
    Ok(Json(s.interroger_insi(&me.0.actor(), &id).await?))
}

/// The last background query of a patient (asked at the opening of the
/// file or at a card's insertion): pending, done with its answer, or
/// failed with the reason and when it is tried again.
pub(crate) async fn insi_suivi(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
) -> Result<Json<SuiviInsi>, ApiError> {
    Ok(Json(s.suivi_insi(&me.0.actor(), &id).await?))
}

impl From<qualification::Echec> for ApiError {
    /// A failing INSi: 504 when slow, 502 otherwise; a validation the
    /// INSi's new answer no longer supports: 409.
    fn from(e: qualification::Echec) -> Self {
        use crate::insi::InsiFailure;
        use qualification::Echec;
        let m = e.to_string();
        match e {
            Echec::Store(e) => e.into(),
            Echec::Service(InsiFailure::Delai(_)) => {
                ApiError::new(StatusCode::GATEWAY_TIMEOUT, "insi", m)
            }
            Echec::PlusUneIdentite(_) => ApiError::new(StatusCode::CONFLICT, "insi", m),
            Echec::LieuHorsReferentiel(_) => {
                ApiError::new(StatusCode::CONFLICT, "lieu_naissance", m)
            }
            Echec::Service(_) | Echec::Reponse(_) => {
                ApiError::new(StatusCode::BAD_GATEWAY, "insi", m)
            }
        }
    }
}

/// The user's one-click validation of an INSi comparison: the INSi is
/// asked again (its answer is not taken from the client), and on 00 the
/// identity takes the INSi traits and INS. Traced as `insi.recuperation`.
pub(crate) async fn insi_validation(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
    body: Result<Json<ValidationInsi>, JsonRejection>,
) -> Result<Json<PatientRecord>, ApiError> {
    let Json(v) = body?;
    Ok(Json(
        s.valider_insi(&me.0.actor(), &id, v.version, v.accepter_lieu_naissance)
            .await?,
    ))
}

pub(crate) async fn update(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
    body: Result<Json<ModificationIdentite>, JsonRejection>,
) -> Result<Json<PatientRecord>, ApiError> {
    let Json(u) = body?;
    Ok(Json(
        s.modifier_identite(
            &me.0.actor(),
            &id,
            u.version,
            u.identity,
            u.motif.as_deref(),
        )
        .await?,
    ))
}

pub(crate) async fn identity_versions(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
) -> Result<Json<Vec<Version<Identity>>>, ApiError> {
    Ok(Json(s.historique_identite(&me.0.actor(), &id).await?))
}

pub(crate) async fn contact(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
) -> Result<Json<Coordonnees>, ApiError> {
    Ok(Json(s.contact(&me.0.actor(), &id).await?))
}

pub(crate) async fn set_contact(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
    body: Result<Json<ModificationContact>, JsonRejection>,
) -> Result<Json<Coordonnees>, ApiError> {
    let Json(m) = body?;
    Ok(Json(
        s.modifier_contact(&me.0.actor(), &id, m.version, m.contact, m.motif.as_deref())
            .await?,
    ))
}

pub(crate) async fn contact_versions(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
) -> Result<Json<Vec<Version<Contact>>>, ApiError> {
    Ok(Json(s.historique_contact(&me.0.actor(), &id).await?))
}

pub(crate) async fn care_team(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
) -> Result<Json<Vec<CareTeamEntry>>, ApiError> {
    Ok(Json(s.equipe_de_soins(&me.0.actor(), &id).await?))
}

pub(crate) async fn add_care_team_member(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
    body: Result<Json<CareTeamMember>, JsonRejection>,
) -> Result<(StatusCode, Json<CareTeamEntry>), ApiError> {
    let Json(m) = body?;
    let e = s.ajouter_soignant(&me.0.actor(), &id, m).await?;
    Ok((StatusCode::CREATED, Json(e)))
}

pub(crate) async fn remove_care_team_member(
    State(s): State<AppState>,
    me: Me,
    Path((id, member)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    s.retirer_soignant(&me.0.actor(), &id, &member).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(serde::Deserialize)]
pub(crate) struct IndicateursParams {
    mois: String,
    rpps: Option<String>,
    finess: Option<String>,
}

/// The TBB.INS.02 dashboard of a month.
pub(crate) async fn indicateurs_ins(
    State(s): State<AppState>,
    me: Me,
    params: Result<Query<IndicateursParams>, QueryRejection>,
) -> Result<Json<Vec<esculape_store::indicateurs::IndicateursIns>>, ApiError> {
    let Query(p) = params?;
    Ok(Json(
        s.indicateurs_ins(
            &me.0.actor(),
            &p.mois,
            p.rpps.as_deref(),
            p.finess.as_deref(),
        )
        .await?,
    ))
}
