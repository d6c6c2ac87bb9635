//! Medical record and document routes (médecins).

use super::{ApiError, AppState, Me};
use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use esculape_api_types::documents::{DocumentAvecContenu, EtatEnvoi, NouveauDocument};
use esculape_api_types::dossier::{
    EntreeDossier, ModificationConsultation, ModificationEntree, NouvelEpisode,
    NouvelleConsultation, SuppressionEntree, Version,
};
use esculape_domain::DmpDecision;
use esculape_domain::document::Visibility;
use esculape_domain::record::{EntryData, NewEncounter};
use esculape_store::Acteur;
use esculape_store::documents::{DocumentMeta, DocumentQuery};
use esculape_store::record::{Chart, Encounter, Entry, Page};
use esculape_store::{AuditEvent, Episode};

pub(crate) async fn chart(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
) -> Result<Json<Chart>, ApiError> {
    Ok(Json(s.ouvrir_dossier(&me.0.actor(), &id).await?))
}

#[derive(serde::Deserialize)]
pub(crate) struct Limit {
    #[serde(default)]
    limit: Option<i64>,
}

pub(crate) async fn access_log(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
    q: Result<Query<Limit>, QueryRejection>,
) -> Result<Json<Vec<AuditEvent>>, ApiError> {
    let Query(q) = q?;
    Ok(Json(
        s.journal_du_patient(&me.0.actor(), &id, q.limit).await?,
    ))
}

pub(crate) async fn open_episode(
    State(s): State<AppState>,
    me: Me,
    Path(patient_id): Path<String>,
    body: Result<Json<NouvelEpisode>, JsonRejection>,
) -> Result<(StatusCode, Json<Episode>), ApiError> {
    let Json(e) = body?;
    let ep = s
        .ouvrir_episode(&me.0.actor(), &patient_id, &e.label)
        .await?;
    Ok((StatusCode::CREATED, Json(ep)))
}

pub(crate) async fn episode(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
) -> Result<Json<Episode>, ApiError> {
    Ok(Json(s.episode(&me.0.actor(), &id).await?))
}

/// Body: `{"kind": "alimentation"|"consultation", "value": "..."}`.
pub(crate) async fn record_decision(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
    body: Result<Json<DmpDecision>, JsonRejection>,
) -> Result<Json<Episode>, ApiError> {
    let Json(d) = body?;
    Ok(Json(s.decision_dmp(&me.0.actor(), &id, d).await?))
}

pub(crate) async fn create_encounter(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
    body: Result<Json<NouvelleConsultation>, JsonRejection>,
) -> Result<(StatusCode, Json<Encounter>), ApiError> {
    let Json(b) = body?;
    let e = s
        .creer_consultation(&me.0.actor(), &id, b.episode_id.as_deref(), b.encounter)
        .await?;
    Ok((StatusCode::CREATED, Json(e)))
}

pub(crate) async fn update_encounter(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
    body: Result<Json<ModificationConsultation>, JsonRejection>,
) -> Result<Json<Encounter>, ApiError> {
    let Json(b) = body?;
    Ok(Json(
        s.modifier_consultation(
            &me.0.actor(),
            &id,
            b.version,
            b.encounter,
            b.motif.as_deref(),
        )
        .await?,
    ))
}

pub(crate) async fn encounter_versions(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
) -> Result<Json<Vec<Version<NewEncounter>>>, ApiError> {
    Ok(Json(s.historique_consultation(&me.0.actor(), &id).await?))
}

pub(crate) async fn entry_versions(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
) -> Result<Json<Vec<Version<EntryData>>>, ApiError> {
    Ok(Json(s.historique_entree(&me.0.actor(), &id).await?))
}

pub(crate) async fn add_entry(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
    body: Result<Json<EntreeDossier>, JsonRejection>,
) -> Result<(StatusCode, Json<Entry>), ApiError> {
    let Json(b) = body?;
    let e = s
        .ajouter_entree(&me.0.actor(), &id, b.encounter_id.as_deref(), b.data)
        .await?;
    Ok((StatusCode::CREATED, Json(e)))
}

pub(crate) async fn update_entry(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
    body: Result<Json<ModificationEntree>, JsonRejection>,
) -> Result<Json<Entry>, ApiError> {
    let Json(b) = body?;
    Ok(Json(
        s.modifier_entree(&me.0.actor(), &id, b.version, b.data, b.motif.as_deref())
            .await?,
    ))
}

pub(crate) async fn delete_entry(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
    q: Result<Query<SuppressionEntree>, QueryRejection>,
) -> Result<StatusCode, ApiError> {
    let Query(q) = q?;
    s.supprimer_entree(&me.0.actor(), &id, q.motif.as_deref())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn documents(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
    q: Result<Query<DocumentQuery>, QueryRejection>,
) -> Result<Json<Page<DocumentMeta>>, ApiError> {
    let Query(q) = q?;
    Ok(Json(s.documents(&me.0.actor(), &id, &q).await?))
}

#[derive(serde::Deserialize)]
pub(crate) struct PageQuery {
    #[serde(default)]
    offset: i64,
    #[serde(default = "default_page")]
    limit: i64,
}

fn default_page() -> i64 {
    50
}

pub(crate) async fn encounters(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Json<Page<Encounter>>, ApiError> {
    let Query(q) = q?;
    Ok(Json(
        s.consultations(&me.0.actor(), &id, q.offset, q.limit)
            .await?,
    ))
}

fn decode(content: &str) -> Result<Vec<u8>, ApiError> {
    B64.decode(content.trim())
        .map_err(|e| ApiError::invalid(format!("contenu base64 invalide: {e}")))
}

pub(crate) async fn add_document(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
    body: Result<Json<NouveauDocument>, JsonRejection>,
) -> Result<(StatusCode, Json<DocumentMeta>), ApiError> {
    let Json(b) = body?;
    let bytes = decode(&b.content)?;
    let m = s
        .ajouter_document(&me.0.actor(), &id, b.meta, bytes)
        .await?;
    Ok((StatusCode::CREATED, Json(m)))
}

pub(crate) async fn replace_document(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
    body: Result<Json<NouveauDocument>, JsonRejection>,
) -> Result<(StatusCode, Json<DocumentMeta>), ApiError> {
    let Json(b) = body?;
    let bytes = decode(&b.content)?;
    let m = s
        .remplacer_document(&me.0.actor(), &id, b.meta, bytes)
        .await?;
    Ok((StatusCode::CREATED, Json(m)))
}

pub(crate) async fn document(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
) -> Result<Json<DocumentAvecContenu>, ApiError> {
    let (meta, bytes) = s.document(&me.0.actor(), &id).await?;
    Ok(Json(DocumentAvecContenu {
        meta,
        content: B64.encode(bytes),
    }))
}

pub(crate) async fn document_content(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let (meta, bytes) = s.document(&me.0.actor(), &id).await?;
    Ok(([(header::CONTENT_TYPE, meta.format.mime())], bytes))
}

pub(crate) async fn delete_document(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
) -> Result<Json<DocumentMeta>, ApiError> {
    Ok(Json(s.supprimer_document(&me.0.actor(), &id).await?))
}

pub(crate) async fn set_sending(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
    body: Result<Json<EtatEnvoi>, JsonRejection>,
) -> Result<Json<DocumentMeta>, ApiError> {
    let Json(b) = body?;
    Ok(Json(
        s.etat_envoi(&me.0.actor(), &id, b.channel, b.state).await?,
    ))
}

pub(crate) async fn set_visibility(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
    body: Result<Json<Visibility>, JsonRejection>,
) -> Result<Json<DocumentMeta>, ApiError> {
    let Json(v) = body?;
    Ok(Json(s.visibilite(&me.0.actor(), &id, v).await?))
}
