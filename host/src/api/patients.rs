//! Identity, contacts and care team routes (médecins and secrétaires).

use super::{ApiError, AppState, Me, today};
use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use esculape_domain::record::{CareTeamMember, Contact};
use esculape_domain::{BirthDate, Identity, NewIdentity};
use esculape_store::record::CareTeamEntry;
use esculape_store::{PatientRecord, PatientSummary, StoreError};

#[derive(serde::Deserialize)]
pub(crate) struct SearchParams {
    q: String,
    #[serde(default = "default_limit")]
    limit: i64,
}

fn default_limit() -> i64 {
    20
}

fn birth_today(s: &AppState) -> BirthDate {
    BirthDate::from(today(&s.store))
}

pub(crate) async fn search(
    State(s): State<AppState>,
    me: Me,
    params: Result<Query<SearchParams>, QueryRejection>,
) -> Result<Json<Vec<PatientSummary>>, ApiError> {
    let Query(p) = params?;
    Ok(Json(
        s.store
            .search_patients(&me.0.actor(), &p.q, p.limit)
            .await?,
    ))
}

pub(crate) async fn create(
    State(s): State<AppState>,
    me: Me,
    body: Result<Json<NewIdentity>, JsonRejection>,
) -> Result<(StatusCode, Json<PatientRecord>), ApiError> {
    let Json(new) = body?;
    let identity = Identity::validate(new, birth_today(&s))?;
    let rec = s.store.create_patient(&me.0.actor(), identity).await?;
    Ok((StatusCode::CREATED, Json(rec)))
}

pub(crate) async fn read(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
) -> Result<Json<PatientRecord>, ApiError> {
    Ok(Json(s.store.patient(&me.0.actor(), &id).await?))
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
    params: Result<Query<CogParams>, QueryRejection>,
) -> Result<Json<Vec<esculape_domain::cog::Lieu>>, ApiError> {
    let Query(p) = params?;
    let r = esculape_domain::cog::Referentiel::bundled();
    match (p.code, p.nom) {
        (Some(c), _) => Ok(Json(r.code(&c).into_iter().collect())),
        (None, Some(n)) => Ok(Json(r.nom(&n, p.limit.clamp(1, 100) as usize))),
        (None, None) => Err(ApiError::invalid(
            "indiquez un code (?code=) ou un début de nom (?nom=)",
        )),
    }
}

/// The INS plugin the comparison is asked of.
const INS_PLUGIN: &str = "fr.esculape.ins";

/// Query the INSi for a patient's identity: by traits without the birth
/// place, then with it on 02. Traced as `insi.recherche` (or `insi.echec`
/// with the reason). On 00 the answer comes with the INS plugin's
/// trait-by-trait comparison, for a one-click validation; on 01/02 with
/// advice. A service that fails or is slow is a 502/504 with a French
/// message; nothing is changed in the record.
pub(crate) async fn insi(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let actor = me.0.actor();
    let rec = s.store.patient(&actor, &id).await?;
    let answer = s.insi.rechercher_identite(&rec.identity).await;
    let (r, how) = match answer {
        Ok(x) => x,
        Err(e) => {
            s.store
                .trace(&actor, "insi.echec", Some(&id), &e.to_string())
                .await?;
            return Err(insi_error(e));
        }
    };
    let detail = match how {
        crate::insi::Methode::Traits => format!("code {}", r.code.code()),
        crate::insi::Methode::TraitsEtLieu => {
            format!("code {}, avec le lieu de naissance", r.code.code())
        }
        crate::insi::Methode::CarteVitale => {
            format!("code {}, par la carte Vitale", r.code.code())
        }
    };
    s.store
        .trace(&actor, "insi.recherche", Some(&id), &detail)
        .await?;
    let comparison = r.individu.as_ref().map(|i| compare(&s, &rec.identity, i));
    // Every trait the rules name matches: the INS is recovered at once.
    let automatic = comparison
        .as_ref()
        .is_some_and(|c| c["recuperation_automatique"] == true);
    let recovered = match (&r.individu, automatic) {
        (Some(i), true) => Some(recover(&s, &actor, &rec, i, "automatique").await?),
        _ => None,
    };
    Ok(Json(serde_json::json!({
        "code": r.code.code(),
        "libelle": r.libelle,
        "conseil": crate::insi::conseil(r.code),
        "methode": how,
        "avec_lieu_naissance": how == crate::insi::Methode::TraitsEtLieu,
        "individu": r.individu,
        "comparaison": comparison,
        "recuperee": recovered.is_some(),
        "identite": recovered,
    })))
}

/// A failing INSi as the client sees it: 504 when slow, 502 otherwise.
fn insi_error(e: crate::insi::InsiFailure) -> ApiError {
    let status = match e {
        crate::insi::InsiFailure::Delai(_) => StatusCode::GATEWAY_TIMEOUT,
        _ => StatusCode::BAD_GATEWAY,
    };
    ApiError::new(status, "insi", e.to_string())
}

#[derive(serde::Deserialize)]
pub(crate) struct InsiValidation {
    /// The version of the identity the user compared.
    version: i64,
}

/// The user's one-click validation of an INSi comparison: the INSi is
/// asked again (its answer is not taken from the client), and on 00 the
/// identity takes the INSi traits and INS. Traced as `insi.recuperation`.
pub(crate) async fn insi_validation(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
    body: Result<Json<InsiValidation>, JsonRejection>,
) -> Result<Json<PatientRecord>, ApiError> {
    let Json(v) = body?;
    let actor = me.0.actor();
    let rec = s.store.patient(&actor, &id).await?;
    if rec.version != v.version {
        return Err(StoreError::Conflict {
            expected: v.version,
            found: rec.version,
        }
        .into());
    }
    let (r, _) = s
        .insi
        .rechercher_identite(&rec.identity)
        .await
        .map_err(insi_error)?;
    let Some(i) = r.individu else {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "insi",
            format!(
                "le téléservice INSi ne renvoie plus une seule identité ({}): {}",
                r.code.code(),
                crate::insi::conseil(r.code).unwrap_or_default()
            ),
        ));
    };
    Ok(Json(
        recover(&s, &actor, &rec, &i, "validée par l'utilisateur").await?,
    ))
}

/// Give the identity the INSi's traits and INS (`from_insi`), keeping the
/// used names, the high-trust document fact and the attributes; the status
/// follows from the domain rules (récupérée, or qualifiée after a
/// high-trust document).
async fn recover(
    s: &AppState,
    actor: &esculape_store::Actor,
    rec: &PatientRecord,
    i: &esculape_insi::Individu,
    how: &str,
) -> Result<PatientRecord, ApiError> {
    let local = &rec.identity;
    let bad = |what: &str| ApiError::new(StatusCode::BAD_GATEWAY, "insi", what.to_string());
    let new = NewIdentity {
        birth_name: i.traits.nom_naissance.clone(),
        used_name: local.used_name.clone(),
        birth_first_names: i.traits.prenoms.clone(),
        used_first_name: local.used_first_name.clone(),
        sex: esculape_domain::Sex::from_code(&i.traits.sexe)
            .ok_or_else(|| bad("sexe INSi illisible"))?,
        birth_date: BirthDate::parse(&i.traits.date_naissance)
            .map_err(|_| bad("date de naissance INSi illisible"))?,
        birth_place_cog: i.traits.lieu_naissance.clone(),
        ins: Some(esculape_domain::Ins::new(&i.ins.matricule(), &i.ins.oid)?),
        high_trust_document: local.high_trust_document,
        from_insi: true,
        attributes: local.attributes,
    };
    let identity = Identity::validate(new, birth_today(s))?;
    let updated = s
        .store
        .update_identity(actor, &rec.id, rec.version, identity)
        .await?;
    s.store
        .trace(
            actor,
            "insi.recuperation",
            Some(&rec.id),
            &format!("{how}, statut {}", updated.identity.status.code()),
        )
        .await?;
    Ok(updated)
}

/// The INS plugin's comparison of the local identity with the INSi's, or
/// why it could not be made.
fn compare(s: &AppState, local: &Identity, insi: &esculape_insi::Individu) -> serde_json::Value {
    use esculape_runtime::api::types as t;
    let sex = |c: &str| match c {
        "F" => t::Sex::Female,
        "M" => t::Sex::Male,
        _ => t::Sex::Unknown,
    };
    let local_traits = t::IdentityTraits {
        birth_name: local.birth_name.clone(),
        used_name: local.used_name.clone(),
        birth_first_names: local.birth_first_names.clone(),
        used_first_name: local.used_first_name.clone(),
        sex: sex(local.sex.code()),
        birth_date: t::Date {
            year: local.birth_date.year,
            month: local.birth_date.month,
            day: local.birth_date.day,
        },
        birth_place_cog: local.birth_place_cog.clone(),
    };
    let Ok(date) = BirthDate::parse(&insi.traits.date_naissance) else {
        return serde_json::json!({ "erreur": "date de naissance INSi illisible" });
    };
    let insi_traits = t::IdentityTraits {
        birth_name: insi.traits.nom_naissance.clone(),
        used_name: None,
        birth_first_names: insi.traits.prenoms.clone(),
        used_first_name: None,
        sex: sex(&insi.traits.sexe),
        birth_date: t::Date {
            year: date.year,
            month: date.month,
            day: date.day,
        },
        birth_place_cog: insi.traits.lieu_naissance.clone(),
    };
    let local_ins = local.ins.as_ref().map(|i| t::Ins {
        matricule: i.matricule.clone(),
        oid: i.oid.oid().to_string(),
    });
    let insi_ins = t::Ins {
        matricule: insi.ins.matricule(),
        oid: insi.ins.oid.clone(),
    };
    let result = s
        .runtime
        .identity(INS_PLUGIN)
        .and_then(|c| c.compare(&local_traits, local_ins.as_ref(), &insi_traits, &insi_ins));
    match result {
        Ok(c) => serde_json::json!({
            "traits": c.traits.iter().map(|t| serde_json::json!({
                "trait": t.name,
                "local": t.local_value,
                "insi": t.insi_value,
                "identique": t.matches,
            })).collect::<Vec<_>>(),
            "recuperation_automatique": c.automatic_recovery,
        }),
        Err(e) => serde_json::json!({ "erreur": format!("comparaison impossible: {e}") }),
    }
}

#[derive(serde::Deserialize)]
pub(crate) struct UpdateIdentity {
    /// The version the client read: a concurrent change is a 409.
    version: i64,
    identity: NewIdentity,
}

pub(crate) async fn update(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
    body: Result<Json<UpdateIdentity>, JsonRejection>,
) -> Result<Json<PatientRecord>, ApiError> {
    let Json(u) = body?;
    let identity = Identity::validate(u.identity, birth_today(&s))?;
    Ok(Json(
        s.store
            .update_identity(&me.0.actor(), &id, u.version, identity)
            .await?,
    ))
}

pub(crate) async fn contact(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
) -> Result<Json<Contact>, ApiError> {
    Ok(Json(s.store.contact(&me.0.actor(), &id).await?))
}

pub(crate) async fn set_contact(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
    body: Result<Json<Contact>, JsonRejection>,
) -> Result<Json<Contact>, ApiError> {
    let Json(c) = body?;
    Ok(Json(s.store.set_contact(&me.0.actor(), &id, c).await?))
}

pub(crate) async fn care_team(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
) -> Result<Json<Vec<CareTeamEntry>>, ApiError> {
    Ok(Json(s.store.care_team(&me.0.actor(), &id).await?))
}

pub(crate) async fn add_care_team_member(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<String>,
    body: Result<Json<CareTeamMember>, JsonRejection>,
) -> Result<(StatusCode, Json<CareTeamEntry>), ApiError> {
    let Json(m) = body?;
    let e = s.store.add_care_team_member(&me.0.actor(), &id, m).await?;
    Ok((StatusCode::CREATED, Json(e)))
}

pub(crate) async fn remove_care_team_member(
    State(s): State<AppState>,
    me: Me,
    Path((id, member)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    s.store
        .remove_care_team_member(&me.0.actor(), &id, &member)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
