//! The HTTP API as a client sees it.

use axum::body::Body;
use axum::http::Request;
use esculape_host::api::{AppState, router};
use esculape_sdk_testing::Harness;
use std::sync::Arc;
use tower::ServiceExt;

#[tokio::test]
async fn health_and_plugin_list() {
    let h = Harness::new();
    h.install_crate("esculape-plugin-ins").unwrap();
    let home = h.home().to_path_buf();
    let key = h.key.public_hex();
    // The harness owns the temporary home: keep it alive.
    std::fs::create_dir_all(home.join("trusted-keys")).unwrap();
    std::fs::write(home.join("trusted-keys/k.pub"), key).unwrap();
    let rt = esculape_host::home::runtime(&home).unwrap();
    rt.load_installed();
    let app = router(AppState {
        runtime: Arc::new(rt),
    });

    let res = app
        .clone()
        .oneshot(Request::get("/api/health").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body = axum::body::to_bytes(res.into_body(), 1 << 20)
        .await
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["api"][0], "0.1.0");

    let res = app
        .oneshot(Request::get("/api/plugins").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let body = axum::body::to_bytes(res.into_body(), 1 << 20)
        .await
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v[0]["id"], "fr.esculape.ins");
    assert_eq!(v[0]["status"], "actif");
}
