//! The HTTP API (axum, JSON). Later issues add the record, documents, INS...

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use esculape_runtime::{PluginInfo, Runtime};
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub runtime: Arc<Runtime>,
}

#[derive(serde::Serialize)]
pub struct Health {
    pub status: &'static str,
    pub version: &'static str,
    pub api: Vec<String>,
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/health", get(health))
        .route("/api/plugins", get(plugins))
        .with_state(state)
}

async fn health() -> Json<Health> {
    Json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
        api: esculape_runtime::bindings::SUPPORTED
            .iter()
            .map(|v| v.to_string())
            .collect(),
    })
}

async fn plugins(State(state): State<AppState>) -> Json<Vec<PluginInfo>> {
    Json(state.runtime.list())
}
