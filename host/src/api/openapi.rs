//! The OpenAPI 3.1 document, written from the route table (so it cannot
//! drift from what is served). Each operation carries
//! `x-esculape-roles`: the roles the server admits.

use super::routes::{Route, table};
use super::{Access, AppState};
use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

pub fn document(routes: &[Route]) -> Value {
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
        let mut op = json!({
            "summary": d.summary,
            "operationId": format!("{} {}", d.method, d.path),
            "parameters": params,
            "x-esculape-roles": roles,
            "responses": {
                "200": {"description": "Succès", "content": {"application/json": {}}},
                "4XX": {"description": "Requête refusée", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Erreur"}}}}
            }
        });
        if d.access == Access::Public {
            op["security"] = json!([]);
        }
        if let Some(body) = d.body {
            op["requestBody"] = json!({
                "required": true,
                "content": {"application/json": {"schema": {"type": "object", "title": body}}}
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
            "schemas": {
                "Erreur": {
                    "type": "object",
                    "required": ["erreur", "code"],
                    "properties": {"erreur": {"type": "string"}, "code": {"type": "string"}}
                }
            }
        },
        "paths": paths
    })
}

pub(crate) async fn serve(State(_): State<AppState>) -> Json<Value> {
    Json(document(&table()))
}
