//! Document production over HTTP: the types on offer, a type's form
//! prefilled from the record, preview (nothing stored), sign-off (stored,
//! with its XDS metadata and IHE_XDM package), a stored document's PDF.

use super::{ApiError, AppState, Me};
use crate::documents::{self, DemandeDocument, DocError, Formulaire, Produit, TypeDocument};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use esculape_api_types::documents::{
    ApercuIntegration, DemandeIntegration, DocumentARecevoir, DocumentLu, DocumentProduit,
    ImageBoite, IntegrationFaite, TexteLu,
};
use esculape_app::reception::ErreurIntegration;
use esculape_store::Acteur;

impl From<DocError> for ApiError {
    fn from(e: DocError) -> Self {
        match e {
            DocError::Store(s) => s.into(),
            DocError::Plugin(esculape_runtime::CallError::NotInstalled(id)) => ApiError::new(
                StatusCode::NOT_FOUND,
                "introuvable",
                format!("aucun module de document «{id}» n'est installé"),
            ),
            DocError::Plugin(esculape_runtime::CallError::Plugin { error, .. }) => {
                ApiError::invalid(error.to_string())
            }
            DocError::Plugin(p) => ApiError::new(
                StatusCode::BAD_GATEWAY,
                "module",
                format!("le module de document a échoué: {p}"),
            ),
            DocError::Xds(x) => ApiError::invalid(x.to_string()),
            DocError::Refuse(m) => ApiError::invalid(m),
            DocError::Formulaire(e) => ApiError::invalid(format!("formulaire : {e}")),
        }
    }
}

pub(crate) async fn types(State(s): State<AppState>, _me: Me) -> Json<Vec<TypeDocument>> {
    Json(documents::types(&s))
}

pub(crate) async fn formulaire(
    State(s): State<AppState>,
    me: Me,
    Path((id, plugin)): Path<(String, String)>,
) -> Result<Json<Formulaire>, ApiError> {
    Ok(Json(
        documents::formulaire(&s, &me.0.actor(), &id, &plugin).await?,
    ))
}

fn response(p: Produit) -> DocumentProduit {
    DocumentProduit {
        metadonnees: serde_json::to_value(&p.entry).unwrap_or_default(),
        pdf: B64.encode(&p.pdf),
        cda: B64.encode(&p.cda),
        xdm: B64.encode(&p.xdm),
        document: p.meta,
        format: p.level,
        avis: p.notices,
    }
}

pub(crate) async fn apercu(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
    body: Result<Json<DemandeDocument>, JsonRejection>,
) -> Result<Json<DocumentProduit>, ApiError> {
    let Json(d) = body?;
    let p = documents::produire(&s, &me.0.actor(), &id, d, false).await?;
    Ok(Json(response(p)))
}

pub(crate) async fn produire(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
    body: Result<Json<DemandeDocument>, JsonRejection>,
) -> Result<(StatusCode, Json<DocumentProduit>), ApiError> {
    let Json(d) = body?;
    let p = documents::produire(&s, &me.0.actor(), &id, d, true).await?;
    Ok((StatusCode::CREATED, Json(response(p))))
}

/// The form a produced document was signed from, to correct it (a new
/// version from the same values).
pub(crate) async fn formulaire_signe(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
) -> Result<Json<esculape_store::documents::FormulaireSigne>, ApiError> {
    Ok(Json(s.formulaire_signe(&me.0.actor(), &id).await?))
}

/// The PDF of a stored document: an N1's embedded PDF/A, an N3's PDF
/// copy, or a PDF itself.
pub(crate) async fn pdf(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let pdf = s.pdf_du_document(&me.0.actor(), &id).await?;
    Ok(([(header::CONTENT_TYPE, "application/pdf")], pdf))
}

/// The DataMatrix of a medicine box read from a picture (SC.VACC/NOTE.05):
/// the GS1 string as a 2D reader types it, for the vaccination note's
/// `datamatrix` field. No patient data: nothing to trace.
/// Reads a received document (nothing stored; the reading traced).
pub(crate) async fn lecture(
    State(s): State<AppState>,
    me: Me,
    body: Result<Json<DocumentARecevoir>, JsonRejection>,
) -> Result<Json<DocumentLu>, ApiError> {
    let Json(d) = body?;
    let octets = decoder(&d.contenu)?;
    let lu = s
        .lire_document_recu(&me.0.actor(), octets)
        .await
        .map_err(|e| ApiError::invalid(e.to_string()))?;
    Ok(Json(lu))
}

impl From<ErreurIntegration> for ApiError {
    fn from(e: ErreurIntegration) -> Self {
        match e {
            ErreurIntegration::Store(s) => s.into(),
            ErreurIntegration::Identite(m) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "autre_patient", m)
            }
            e => ApiError::invalid(e.to_string()),
        }
    }
}

fn decoder(contenu: &str) -> Result<Vec<u8>, ApiError> {
    B64.decode(contenu.trim())
        .map_err(|_| ApiError::invalid("contenu : base64 attendu"))
}

/// A received document's proposals beside the patient's record.
pub(crate) async fn integration_apercu(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
    body: Result<Json<DocumentARecevoir>, JsonRejection>,
) -> Result<Json<ApercuIntegration>, ApiError> {
    let Json(d) = body?;
    let octets = decoder(&d.contenu)?;
    Ok(Json(
        s.apercu_integration(&me.0.actor(), &id, octets).await?,
    ))
}

/// Stores an imported received document in a patient's record.
pub(crate) async fn recevoir(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
    body: Result<Json<DocumentARecevoir>, JsonRejection>,
) -> Result<
    (
        StatusCode,
        Json<esculape_api_types::documents::DocumentMeta>,
    ),
    ApiError,
> {
    let Json(d) = body?;
    let octets = decoder(&d.contenu)?;
    let m = s
        .recevoir_document(
            &me.0.actor(),
            &id,
            octets,
            esculape_domain::document::Provenance::Importe,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(m)))
}

/// Integrates the proposals the doctor picked.
pub(crate) async fn integration(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
    body: Result<Json<DemandeIntegration>, JsonRejection>,
) -> Result<Json<IntegrationFaite>, ApiError> {
    let Json(d) = body?;
    let octets = decoder(&d.contenu)?;
    Ok(Json(
        s.integrer_document(&me.0.actor(), &id, octets, &d.choix)
            .await?,
    ))
}

pub(crate) async fn datamatrix(
    _me: Me,
    body: Result<Json<ImageBoite>, JsonRejection>,
) -> Result<Json<TexteLu>, ApiError> {
    let Json(b) = body?;
    let bytes = B64
        .decode(b.image.trim())
        .map_err(|_| ApiError::invalid("image : contenu base64 attendu"))?;
    // Seconds of work on a large photo: off the async threads.
    let texte = tokio::task::spawn_blocking(move || esculape_datamatrix::lire(&bytes))
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "interne",
                "la lecture de l'image a échoué",
            )
        })?
        .map_err(|e| ApiError::invalid(e.to_string()))?;
    Ok(Json(TexteLu { texte }))
}

#[derive(serde::Deserialize)]
pub(crate) struct PatientDuFiltre {
    patient: Option<String>,
}

/// The received documents waiting to be seen.
pub(crate) async fn a_voir(
    State(s): State<AppState>,
    me: Me,
    q: Result<axum::extract::Query<PatientDuFiltre>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<esculape_api_types::documents::AVoir>>, ApiError> {
    let axum::extract::Query(f) = q?;
    Ok(Json(s.a_voir(&me.0.actor(), f.patient.as_deref()).await?))
}

/// Signs a received document off.
pub(crate) async fn marquer_vu(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
) -> Result<Json<esculape_api_types::documents::Vu>, ApiError> {
    Ok(Json(s.marquer_vu(&me.0.actor(), &id).await?))
}

/// Who signed off each of a patient's received documents.
pub(crate) async fn vus(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
) -> Result<Json<Vec<esculape_api_types::documents::Vu>>, ApiError> {
    Ok(Json(s.vus(&me.0.actor(), &id).await?))
}
