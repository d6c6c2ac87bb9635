//! The HTTP API as a client sees it, on both databases.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use esculape_host::api::{AppState, router};
use esculape_sdk_testing::Harness;
use std::sync::Arc;
use tower::ServiceExt;

async fn call(
    app: &axum::Router,
    method: &str,
    uri: &str,
    body: Option<&str>,
) -> (StatusCode, serde_json::Value) {
    let mut req = Request::builder().method(method).uri(uri);
    if body.is_some() {
        req = req.header("content-type", "application/json");
    }
    let req = req
        .body(Body::from(body.unwrap_or("").to_string()))
        .unwrap();
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 22)
        .await
        .unwrap();
    let json = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
    (status, json)
}

#[tokio::test]
async fn health_and_plugin_list() {
    let h = Harness::new();
    h.install_crate("esculape-plugin-ins").unwrap();
    let home = h.home().to_path_buf();
    std::fs::create_dir_all(home.join("trusted-keys")).unwrap();
    std::fs::write(home.join("trusted-keys/k.pub"), h.key.public_hex()).unwrap();
    let rt = esculape_host::home::runtime(&home).unwrap();
    rt.load_installed();
    let store = esculape_store::testing::sqlite().await.unwrap();
    let app = router(AppState {
        runtime: Arc::new(rt),
        store: Arc::new(store.store),
    });

    let (status, v) = call(&app, "GET", "/api/health", None).await;
    assert_eq!(status, 200);
    assert_eq!(v["api"][0], "0.1.0");
    let (_, v) = call(&app, "GET", "/api/plugins", None).await;
    assert_eq!(v[0]["id"], "fr.esculape.ins");
    assert_eq!(v[0]["status"], "actif");
}

const HELENE: &str = r#"{"birth_name":"Dupont","birth_first_names":["Hélène","Marie"],"sex":"F","birth_date":"1980-03-15","birth_place_cog":"75056"}"#;

#[tokio::test]
async fn patients_crud_errors_write_nothing() {
    for t in esculape_store::testing::both().await {
        let h = Harness::new();
        let rt = esculape_host::home::runtime(h.home()).unwrap();
        let store = Arc::new(t.store);
        let app = router(AppState {
            runtime: Arc::new(rt),
            store: store.clone(),
        });

        let (status, p) = call(&app, "POST", "/api/patients", Some(HELENE)).await;
        assert_eq!(status, StatusCode::CREATED, "{}: {p}", t.name);
        assert_eq!(p["identity"]["birth_first_names"][0], "HELENE");
        assert_eq!(p["identity"]["status"], "provisoire");
        let id = p["id"].as_str().unwrap().to_string();

        let (status, found) = call(&app, "GET", "/api/patients?q=dup%20hel%201980", None).await;
        assert_eq!(status, 200);
        assert_eq!(found.as_array().unwrap().len(), 1, "{}", t.name);

        let events_before = store.verify_audit().await.unwrap().events;
        // Malformed JSON, wrong types, missing fields, rule violations,
        // oversize bodies: 4xx with a French message, nothing written.
        let bad = [
            ("{not json", StatusCode::BAD_REQUEST),
            (r#"{"birth_name":42}"#, StatusCode::UNPROCESSABLE_ENTITY),
            (
                r#"{"birth_name":"X","birth_first_names":["Y"],"sex":"F","birth_date":"1980-02-30"}"#,
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                r#"{"birth_name":"X","birth_first_names":["Y"],"sex":"F","birth_date":"1980-02-03","attributes":{"douteuse":true,"fictive":true}}"#,
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                r#"{"birth_name":"X","birth_first_names":["Y"],"sex":"F","birth_date":"1980-02-03","birth_place_cog":"ABCDE"}"#,
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
        ];
        for (body, expected) in bad {
            let (status, err) = call(&app, "POST", "/api/patients", Some(body)).await;
            assert_eq!(status, expected, "{}: {body} -> {err}", t.name);
            assert!(
                err["erreur"].as_str().is_some_and(|m| !m.is_empty()),
                "{err}"
            );
        }
        let huge = format!(
            r#"{{"birth_name":"{}","birth_first_names":["Y"],"sex":"F","birth_date":"1980-02-03"}}"#,
            "A".repeat(300_000)
        );
        let (status, err) = call(&app, "POST", "/api/patients", Some(&huge)).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{err}");
        assert!(err["erreur"].as_str().unwrap().contains("trop volumineuse"));
        let (status, _) = call(&app, "GET", "/api/patients/nope", None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = call(&app, "GET", "/api/patients?limit=3", None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let (status, _) = call(&app, "GET", "/api/nowhere", None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(
            store.verify_audit().await.unwrap().events,
            events_before,
            "{}: refusals write nothing",
            t.name
        );

        // Update with the version read; a stale version is a conflict.
        let upd = format!(
            r#"{{"version":1,"identity":{}}}"#,
            HELENE.replace("Dupont", "Dupond")
        );
        let (status, p2) = call(&app, "PUT", &format!("/api/patients/{id}"), Some(&upd)).await;
        assert_eq!(status, 200, "{p2}");
        assert_eq!(p2["identity"]["birth_name"], "DUPOND");
        let (status, err) = call(&app, "PUT", &format!("/api/patients/{id}"), Some(&upd)).await;
        assert_eq!(status, StatusCode::CONFLICT, "{err}");

        // Episode and DMP decisions, changeable at any time.
        let (status, ep) = call(
            &app,
            "POST",
            &format!("/api/patients/{id}/episodes"),
            Some(r#"{"label":"Grossesse"}"#),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{ep}");
        assert_eq!(ep["feeding"], "autorisee");
        assert_eq!(ep["consultation"], "non-autorisee");
        let ep_id = ep["id"].as_str().unwrap().to_string();
        let uri = format!("/api/episodes/{ep_id}/dmp-decisions");
        let (status, ep) = call(
            &app,
            "POST",
            &uri,
            Some(r#"{"kind":"alimentation","value":"opposition"}"#),
        )
        .await;
        assert_eq!(status, 200, "{ep}");
        assert_eq!(ep["feeding"], "opposition");
        let (status, _) = call(
            &app,
            "POST",
            &uri,
            Some(r#"{"kind":"alimentation","value":"peut-etre"}"#),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let (status, _) = call(
            &app,
            "POST",
            "/api/patients/nope/episodes",
            Some(r#"{"label":"x"}"#),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (_, ep) = call(&app, "GET", &format!("/api/episodes/{ep_id}"), None).await;
        assert_eq!(ep["history"].as_array().unwrap().len(), 1);

        let (status, report) = call(&app, "GET", "/api/audit/verify", None).await;
        assert_eq!(status, 200);
        assert_eq!(report["broken"], serde_json::Value::Null);
    }
}
