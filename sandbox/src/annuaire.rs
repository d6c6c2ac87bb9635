//! A stand-in of the Annuaire Santé's FHIR API (v2, as its public
//! documentation describes it: `ansforge/annuaire-sante-fhir-documentation`)
//! over test data (`data/annuaire.json`: two doctors of the same name, a
//! doctor with three addresses, structures with organisational and
//! applicative mailboxes, a closed practice, a professional without one).
//!
//! - `GET /fhir/v2/Practitioner|PractitionerRole|Organization?...`: a
//!   `searchset` Bundle, the matches then what `_include`/`_revinclude`
//!   bring; the first `_count` only, with a `next` link when more matched.
//! - The API key in `ESANTE-API-KEY` ([`CLE`]); without it, the gateway's
//!   401. A search parameter the API does not publish is refused (400,
//!   `OperationOutcome`), so that a client's mistake shows here.
//! - Strings match from their start, without case or accents; `:contains`
//!   anywhere; `:exact` exactly. Tokens (`identifier`, `qualification-code`:
//!   `system|code` or `code`) exactly; a comma means "or", a repeated
//!   parameter "and".

use crate::Sandbox;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use esculape_annuaire::normaliser;
use serde_json::{Value, json};
use std::sync::Arc;

/// The API key the stand-in accepts.
pub use esculape_annuaire::CLE_BAC_A_SABLE as CLE;

/// The test data: FHIR resources as the directory publishes them.
pub struct Annuaire {
    ressources: Vec<Value>,
}

impl Default for Annuaire {
    fn default() -> Self {
        let ressources = serde_json::from_str(include_str!("../data/annuaire.json"))
            .unwrap_or_else(|e| panic!("data/annuaire.json : {e}"));
        Self { ressources }
    }
}

pub fn routes() -> Router<Arc<Sandbox>> {
    Router::new().route("/fhir/v2/{ressource}", get(rechercher))
}

fn issue(statut: StatusCode, texte: &str) -> Response {
    (
        statut,
        Json(json!({
            "resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": "invalid", "diagnostics": texte}]
        })),
    )
        .into_response()
}

/// The parameters each resource takes (and `_count`, `_include`,
/// `_revinclude`), as the documentation lists them.
fn publies(ressource: &str) -> Option<&'static [&'static str]> {
    Some(match ressource {
        "Practitioner" => &[
            "_id",
            "active",
            "family",
            "given",
            "name",
            "identifier",
            "mailbox-mss",
            "qualification-code",
        ],
        "PractitionerRole" => &[
            "_id",
            "active",
            "identifier",
            "mailbox-mss",
            "organization",
            "practitioner",
            "role",
        ],
        "Organization" => &[
            "_id",
            "active",
            "address",
            "address-city",
            "address-postalcode",
            "identifier",
            "mailbox-mss",
            "name",
            "type",
        ],
        _ => return None,
    })
}

async fn rechercher(
    State(sb): State<Arc<Sandbox>>,
    Path(ressource): Path<String>,
    entetes: HeaderMap,
    RawQuery(requete): RawQuery,
) -> Response {
    if entetes.get("ESANTE-API-KEY").and_then(|v| v.to_str().ok()) != Some(CLE) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"message": "Unauthorized", "http_status_code": 401})),
        )
            .into_response();
    }
    let Some(publies) = publies(&ressource) else {
        return issue(
            StatusCode::NOT_FOUND,
            &format!("ressource inconnue : {ressource}"),
        );
    };
    let mut count = 50usize;
    let mut filtres: Vec<(String, Option<String>, String)> = Vec::new();
    let mut inclure: Vec<String> = Vec::new();
    let mut revinclure: Vec<String> = Vec::new();
    for (cle, valeur) in url::form_urlencoded::parse(requete.unwrap_or_default().as_bytes()) {
        let (cle, valeur) = (cle.into_owned(), valeur.into_owned());
        let (nom, modif) = match cle.split_once(':') {
            Some((n, m)) => (n.to_string(), Some(m.to_string())),
            None => (cle.clone(), None),
        };
        match nom.as_str() {
            "_count" => match valeur.parse::<usize>() {
                Ok(n) if n > 0 => count = n.min(1000),
                _ => return issue(StatusCode::BAD_REQUEST, "_count invalide"),
            },
            "_include" => inclure.push(valeur),
            "_revinclude" => revinclure.push(valeur),
            n if publies.contains(&n) => {
                if modif
                    .as_deref()
                    .is_some_and(|m| m != "contains" && m != "exact")
                {
                    return issue(
                        StatusCode::BAD_REQUEST,
                        &format!("modificateur inconnu : {cle}"),
                    );
                }
                filtres.push((nom, modif, valeur))
            }
            _ => {
                return issue(
                    StatusCode::BAD_REQUEST,
                    &format!("paramètre de recherche inconnu pour {ressource} : {cle}"),
                );
            }
        }
    }
    let donnees = &sb.annuaire.ressources;
    let trouves: Vec<&Value> = donnees
        .iter()
        .filter(|r| r["resourceType"] == ressource.as_str())
        .filter(|r| {
            filtres
                .iter()
                .all(|(n, m, v)| correspond(r, n, m.as_deref(), v))
        })
        .collect();
    let total = trouves.len();
    let page: Vec<&Value> = trouves.into_iter().take(count).collect();
    let mut inclus: Vec<&Value> = Vec::new();
    for i in &inclure {
        let champ = match i.as_str() {
            "PractitionerRole:organization" => "organization",
            "PractitionerRole:practitioner" => "practitioner",
            autre => {
                return issue(
                    StatusCode::BAD_REQUEST,
                    &format!("_include inconnu : {autre}"),
                );
            }
        };
        for r in &page {
            let cible = r[champ]["reference"].as_str().unwrap_or_default();
            inclus.extend(donnees.iter().filter(|d| reference(d) == cible));
        }
    }
    for i in &revinclure {
        let (source, champ) = match i.split_once(':') {
            Some(("PractitionerRole", c @ ("organization" | "practitioner"))) => {
                ("PractitionerRole", c)
            }
            _ => {
                return issue(
                    StatusCode::BAD_REQUEST,
                    &format!("_revinclude inconnu : {i}"),
                );
            }
        };
        for r in &page {
            let cible = reference(r);
            inclus.extend(donnees.iter().filter(|d| {
                d["resourceType"] == source
                    && d[champ]["reference"].as_str() == Some(cible.as_str())
            }));
        }
    }
    let mut entrees: Vec<Value> = page
        .iter()
        .map(|r| json!({"fullUrl": reference(r), "resource": r, "search": {"mode": "match"}}))
        .collect();
    let mut vus: Vec<String> = page.iter().map(|r| reference(r)).collect();
    for r in inclus {
        if !vus.contains(&reference(r)) {
            vus.push(reference(r));
            entrees.push(
                json!({"fullUrl": reference(r), "resource": r, "search": {"mode": "include"}}),
            );
        }
    }
    let mut liens = vec![json!({"relation": "self", "url": format!("/fhir/v2/{ressource}")})];
    if total > count {
        liens.push(json!({"relation": "next", "url": format!("/fhir/v2/{ressource}?_page=2")}));
    }
    (
        [("content-type", "application/fhir+json;charset=utf-8")],
        Json(json!({
            "resourceType": "Bundle",
            "type": "searchset",
            "total": total,
            "link": liens,
            "entry": entrees,
        })),
    )
        .into_response()
}

fn reference(r: &Value) -> String {
    format!(
        "{}/{}",
        r["resourceType"].as_str().unwrap_or_default(),
        r["id"].as_str().unwrap_or_default()
    )
}

fn textes(v: &Value) -> impl Iterator<Item = &str> {
    v.as_array().into_iter().flatten().filter_map(Value::as_str)
}

/// The MSSanté addresses of a resource.
fn boites(r: &Value) -> Vec<&str> {
    r["telecom"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| {
            t["extension"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|e| e["valueCoding"]["code"] == "MSSANTE")
        })
        .filter_map(|t| t["value"].as_str())
        .collect()
}

/// Whether `r` passes one parameter (a comma: any of the values).
fn correspond(r: &Value, nom: &str, modif: Option<&str>, valeurs: &str) -> bool {
    valeurs.split(',').any(|v| un(r, nom, modif, v))
}

fn un(r: &Value, nom: &str, modif: Option<&str>, v: &str) -> bool {
    let chaine = |champ: &str| {
        let (c, v) = (normaliser(champ), normaliser(v));
        match modif {
            Some("contains") => c.contains(&v),
            Some("exact") => champ == v,
            _ => c.starts_with(&v),
        }
    };
    let noms = &r["name"];
    match nom {
        "_id" => r["id"].as_str() == Some(v),
        "active" => r["active"].as_bool().map(|a| a.to_string()).as_deref() == Some(v),
        "family" => noms
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|n| n["family"].as_str())
            .any(chaine),
        "given" => noms
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|n| textes(&n["given"]))
            .any(chaine),
        "name" if r["resourceType"] == "Organization" => r["name"].as_str().is_some_and(chaine),
        "name" => noms.as_array().into_iter().flatten().any(|n| {
            n["family"].as_str().is_some_and(chaine)
                || textes(&n["given"])
                    .chain(textes(&n["prefix"]))
                    .chain(textes(&n["suffix"]))
                    .any(chaine)
        }),
        "identifier" => r["identifier"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|i| i["value"].as_str() == Some(v.rsplit('|').next().unwrap_or(v))),
        "qualification-code" => {
            let (systeme, code) = match v.rsplit_once('|') {
                Some((s, c)) => (Some(s), c),
                None => (None, v),
            };
            r["qualification"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|q| {
                    q["code"]["coding"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .any(|c| {
                            c["code"].as_str() == Some(code)
                                && systeme.is_none_or(|s| c["system"].as_str() == Some(s))
                        })
                })
        }
        "mailbox-mss" => boites(r).into_iter().any(chaine),
        "address-city" => r["address"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|a| a["city"].as_str())
            .any(chaine),
        "address-postalcode" => r["address"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|a| a["postalCode"].as_str())
            .any(chaine),
        "address" => r["address"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|a| {
                textes(&a["line"])
                    .chain(a["city"].as_str())
                    .chain(a["postalCode"].as_str())
            })
            .any(chaine),
        "practitioner" | "organization" => {
            let cible = r[nom]["reference"].as_str().unwrap_or_default();
            cible == v || cible.rsplit('/').next() == Some(v)
        }
        // Published but without data here: nothing matches.
        _ => false,
    }
}
