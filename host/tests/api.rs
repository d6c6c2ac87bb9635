//! The HTTP API as a client sees it, on both databases.

mod common;

use axum::http::StatusCode;
use common::{HELENE, TestApp, call};
use esculape_host::api::{AppState, router};
use esculape_sdk_testing::Harness;
use std::sync::Arc;

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
    esculape_store::testing::practice(&store.store)
        .await
        .unwrap();
    let token = store
        .store
        .login("accueil", esculape_store::testing::SECRETAIRE_PASSWORD)
        .await
        .unwrap()
        .token;
    let app = router(AppState {
        runtime: Arc::new(rt),
        store: Arc::new(store.store),
    });

    let (status, v) = call(&app, "GET", "/api/health", None, None).await;
    assert_eq!(status, 200);
    assert_eq!(v["api"][0], "0.1.0");
    let (status, _) = call(&app, "GET", "/api/plugins", None, None).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the plugin list needs a session"
    );
    let (_, v) = call(&app, "GET", "/api/plugins", None, Some(&token)).await;
    assert_eq!(v[0]["id"], "fr.esculape.ins");
    assert_eq!(v[0]["status"], "actif");
}

#[tokio::test]
async fn patients_crud_errors_write_nothing() {
    for t in esculape_store::testing::both().await {
        let a = TestApp::new(t).await;
        let store = a.store.clone();
        let tok = a.medecin.clone();
        let app = a.app.clone();
        let t = &a;

        let (status, p) = call(&app, "POST", "/api/patients", Some(HELENE), Some(&tok)).await;
        assert_eq!(status, StatusCode::CREATED, "{}: {p}", t.name);
        assert_eq!(p["identity"]["birth_first_names"][0], "HELENE");
        assert_eq!(p["identity"]["status"], "provisoire");
        let id = p["id"].as_str().unwrap().to_string();

        let (status, found) = call(
            &app,
            "GET",
            "/api/patients?q=dup%20hel%201980",
            None,
            Some(&tok),
        )
        .await;
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
            let (status, err) = call(&app, "POST", "/api/patients", Some(body), Some(&tok)).await;
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
        let (status, err) = call(&app, "POST", "/api/patients", Some(&huge), Some(&tok)).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{err}");
        assert!(err["erreur"].as_str().unwrap().contains("trop volumineuse"));
        let (status, _) = call(&app, "GET", "/api/patients/nope", None, Some(&tok)).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = call(&app, "GET", "/api/patients?limit=3", None, Some(&tok)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let (status, _) = call(&app, "GET", "/api/nowhere", None, Some(&tok)).await;
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
        let (status, p2) = call(
            &app,
            "PUT",
            &format!("/api/patients/{id}"),
            Some(&upd),
            Some(&tok),
        )
        .await;
        assert_eq!(status, 200, "{p2}");
        assert_eq!(p2["identity"]["birth_name"], "DUPOND");
        let (status, err) = call(
            &app,
            "PUT",
            &format!("/api/patients/{id}"),
            Some(&upd),
            Some(&tok),
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT, "{err}");

        // Episode and DMP decisions, changeable at any time.
        let (status, ep) = call(
            &app,
            "POST",
            &format!("/api/patients/{id}/episodes"),
            Some(r#"{"label":"Grossesse"}"#),
            Some(&tok),
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
            Some(&tok),
        )
        .await;
        assert_eq!(status, 200, "{ep}");
        assert_eq!(ep["feeding"], "opposition");
        let (status, _) = call(
            &app,
            "POST",
            &uri,
            Some(r#"{"kind":"alimentation","value":"peut-etre"}"#),
            Some(&tok),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let (status, _) = call(
            &app,
            "POST",
            "/api/patients/nope/episodes",
            Some(r#"{"label":"x"}"#),
            Some(&tok),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (_, ep) = call(
            &app,
            "GET",
            &format!("/api/episodes/{ep_id}"),
            None,
            Some(&tok),
        )
        .await;
        assert_eq!(ep["history"].as_array().unwrap().len(), 1);

        let (status, report) = call(&app, "GET", "/api/audit/verify", None, Some(&a.admin)).await;
        assert_eq!(status, 200);
        assert_eq!(report["broken"], serde_json::Value::Null);
    }
}
