//! The OpenAPI 3.1 document, written from the route table (so it cannot
//! drift from what is served) and from the types of `esculape-api-types`
//! (so every body and answer has its JSON schema, under
//! `components/schemas`). Each operation carries `x-esculape-roles`: the
//! roles the server admits.

use super::routes::{Reponse, Route, table};
use super::{Access, AppState};
use axum::Json;
use axum::extract::State;
use esculape_api_types::erreur::Erreur;
use schemars::generate::SchemaSettings;
use serde_json::{Value, json};

pub fn document(routes: &[Route]) -> Value {
    let mut g = SchemaSettings::draft2020_12()
        .with(|s| {
            s.definitions_path = "/components/schemas".into();
            s.meta_schema = None;
        })
        .into_generator();
    let erreur = g.subschema_for::<Erreur>();
    let refus = |description: &str| json!({"description": description, "content": {"application/json": {"schema": erreur}}});
    let mut paths = serde_json::Map::new();
    for r in routes {
        let d = &r.doc;
        let mut params: Vec<Value> = d
            .path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        params.extend(d.query.iter().map(|(name, required)| {
            json!({"name": name, "in": "query", "required": required, "schema": {"type": "string"}})
        }));
        let roles: Vec<&str> = d.access.roles().iter().map(|r| r.code()).collect();
        let (status, succes) = match d.answer {
            Reponse::Json(status, schema) => (
                status,
                json!({"description": "Succès", "content": {"application/json": {"schema": schema(&mut g)}}}),
            ),
            Reponse::Octets(media) => (
                200,
                json!({"description": "Contenu", "content": {media.unwrap_or("application/octet-stream"): {"schema": {"type": "string", "format": "binary"}}}}),
            ),
            Reponse::Vide => (204, json!({"description": "Fait"})),
        };
        let mut responses = serde_json::Map::new();
        responses.insert(status.to_string(), succes);
        responses.insert("4XX".into(), refus("Requête refusée (message en français)"));
        responses.insert(
            "5XX".into(),
            refus("Erreur du serveur ou d'un service national"),
        );
        let mut op = json!({
            "summary": d.summary,
            "operationId": format!("{} {}", d.method, d.path),
            "parameters": params,
            "x-esculape-roles": roles,
            "responses": responses,
        });
        if d.access == Access::Public {
            op["security"] = json!([]);
        }
        if let Some(body) = d.body {
            op["requestBody"] = json!({
                "required": true,
                "content": {"application/json": {"schema": body(&mut g)}}
            });
        }
        let entry = paths.entry(d.path.to_string()).or_insert_with(|| json!({}));
        entry[d.method.to_lowercase()] = op;
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Esculape",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "API du logiciel de gestion de cabinet Esculape. Authentification: POST /api/session puis en-tête «Authorization: Bearer <jeton>»."
        },
        "security": [{"session": []}],
        "components": {
            "securitySchemes": {"session": {"type": "http", "scheme": "bearer"}},
            "schemas": g.take_definitions(true),
        },
        "paths": paths
    })
}

pub(crate) async fn serve(State(_): State<AppState>) -> Json<Value> {
    Json(document(&table()))
}
