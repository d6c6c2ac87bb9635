//! First start of a one-doctor install (`/api/installation`): open only on
//! an embedded host with no account, to its own window (the start's
//! one-time code, a loopback `Host` and `Origin`), all or nothing, traced,
//! and closed for good once the doctor's account exists.

mod common;

use common::{call, sandbox_insi};
use esculape_host::api::{AppState, router};
use std::sync::Arc;

/// The practice, as the window of the embedded host sends it (with the
/// start's code, `CODE` in these tests).
const CABINET: &str = r#"{"structure":"Cabinet du Parc","site":"Cabinet du Parc","adresse":"3 rue des Tilleuls, 69003 Lyon",
 "compte":{"login":"dr.dupont","display_name":"Dr Claire Dupont","rpps":"10101010101","role":"medecin","password":"Tilleul-Argenté-42"},"code":"CODE"}"#;

async fn app(
    t: esculape_store::testing::TestStore,
    embarque: bool,
) -> (axum::Router, Arc<esculape_store::Store>, String, impl Sized) {
    let home = tempfile::tempdir().unwrap();
    let rt = esculape_host::home::runtime(home.path()).unwrap();
    let (store, keep) = t.split();
    let store = Arc::new(store);
    let mut state = AppState::new(Arc::new(rt), store.clone(), sandbox_insi().await);
    let code = esculape_host::api::CodeInstallation::nouveau().unwrap();
    let cabinet = CABINET.replace("CODE", code.texte());
    if embarque {
        state.premier_demarrage = Some(code);
    }
    (router(state), store, cabinet, (keep, home))
}

#[tokio::test]
async fn first_start_creates_the_practice_once() {
    for t in esculape_store::testing::both().await {
        let name = t.name;
        let (app, store, cabinet, _keep) = app(t, true).await;
        let (s, v) = call(&app, "GET", "/api/installation", None, None).await;
        assert_eq!(
            (s.as_u16(), v["a_creer"].as_bool()),
            (200, Some(true)),
            "{name}"
        );

        // A weak password, a wrong RPPS or another role: refused, nothing
        // written (no structure is left behind the refused account).
        let faible = cabinet.replace("Tilleul-Argenté-42", "court");
        let (s, v) = call(&app, "POST", "/api/installation", Some(&faible), None).await;
        assert_eq!(s.as_u16(), 422, "{name}: {v}");
        assert!(
            v["erreur"].as_str().unwrap().contains("caractères"),
            "{name}: {v}"
        );
        let rpps = cabinet.replace("10101010101", "1234");
        let (s, _) = call(&app, "POST", "/api/installation", Some(&rpps), None).await;
        assert_eq!(s.as_u16(), 422, "{name}");
        let secretaire = cabinet.replace(r#""role":"medecin""#, r#""role":"secretaire""#);
        let (s, _) = call(&app, "POST", "/api/installation", Some(&secretaire), None).await;
        assert_eq!(s.as_u16(), 422, "{name}");
        let (s, _) = call(&app, "POST", "/api/installation", Some("[1]"), None).await;
        assert!(s.is_client_error(), "{name}");
        assert!(store.structures().await.unwrap().is_empty(), "{name}");
        assert!(store.sites().await.unwrap().is_empty(), "{name}");
        assert!(store.sans_compte().await.unwrap(), "{name}");

        let (s, v) = call(&app, "POST", "/api/installation", Some(&cabinet), None).await;
        assert_eq!(s.as_u16(), 201, "{name}: {v}");
        assert_eq!(v["user"]["role"], "medecin", "{name}");
        assert_eq!(v["site"]["name"], "Cabinet du Parc", "{name}");
        assert_eq!(v["user"]["structure_id"], v["structure"]["id"], "{name}");
        assert_eq!(v["structure"]["kind"], "cabinet", "{name}");

        // The doctor signs in and sees the site of work.
        let login = r#"{"login":"dr.dupont","password":"Tilleul-Argenté-42"}"#;
        let (s, sess) = call(&app, "POST", "/api/session", Some(login), None).await;
        assert_eq!(s.as_u16(), 200, "{name}: {sess}");
        let token = sess["token"].as_str().unwrap();
        let (s, sites) = call(&app, "GET", "/api/sites", None, Some(token)).await;
        assert_eq!(s.as_u16(), 200, "{name}");
        assert_eq!(
            sites[0]["address"], "3 rue des Tilleuls, 69003 Lyon",
            "{name}"
        );

        // Closed for good: no second account through this door.
        let (_, v) = call(&app, "GET", "/api/installation", None, None).await;
        assert_eq!(v["a_creer"], false, "{name}");
        let autre = cabinet.replace("dr.dupont", "intrus");
        let (s, v) = call(&app, "POST", "/api/installation", Some(&autre), None).await;
        assert_eq!(
            (s.as_u16(), v["code"].as_str()),
            (409, Some("deja_installe")),
            "{name}"
        );
        assert_eq!(store.users().await.unwrap().len(), 1, "{name}");
        assert_eq!(store.structures().await.unwrap().len(), 1, "{name}");

        // Traced: the three creations, by the new doctor.
        let trail = store.audit_since(0).await.unwrap();
        let actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
        for a in ["structure.creation", "site.creation", "compte.creation"] {
            assert!(actions.contains(&a), "{name}: {actions:?}");
        }
        assert!(store.verify_audit().await.unwrap().is_intact(), "{name}");
    }
}

#[tokio::test]
async fn a_served_host_never_creates_a_practice() {
    for t in esculape_store::testing::both().await {
        let name = t.name;
        let (app, store, cabinet, _keep) = app(t, false).await;
        let (_, v) = call(&app, "GET", "/api/installation", None, None).await;
        assert_eq!(v["a_creer"], false, "{name}");
        let (s, v) = call(&app, "POST", "/api/installation", Some(&cabinet), None).await;
        assert_eq!(
            (s.as_u16(), v["code"].as_str()),
            (403, Some("interdit")),
            "{name}"
        );
        assert!(store.sans_compte().await.unwrap(), "{name}");
    }
}

/// `POST /api/installation` with these headers.
async fn installer(
    app: &axum::Router,
    body: &str,
    headers: &[(&str, &str)],
) -> (u16, serde_json::Value) {
    use tower::ServiceExt;
    let mut req = axum::http::Request::builder()
        .method("POST")
        .uri("/api/installation")
        .header("content-type", "application/json");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = app
        .clone()
        .oneshot(req.body(axum::body::Body::from(body.to_string())).unwrap())
        .await
        .unwrap();
    let status = res.status().as_u16();
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, serde_json::from_slice(&bytes).unwrap_or_default())
}

/// Another local process (no code, or a guessed one) or a web page that
/// reaches 127.0.0.1 by DNS rebinding (its own `Host`, its `Origin`)
/// cannot claim the practice; the window of the process can, from
/// 127.0.0.1 or localhost.
#[tokio::test]
async fn only_the_hosts_own_window_creates_the_practice() {
    for t in esculape_store::testing::both().await {
        let name = t.name;
        let (app, store, cabinet, _keep) = app(t, true).await;
        let sans_code = cabinet.replace(r#","code":""#, r#","autre":""#);
        let faux_code = CABINET.replace("CODE", "00000000000000000000000000000000");
        let local = [("host", "127.0.0.1:49152")];
        let refus: [(&str, &str, &[(&str, &str)]); 5] = [
            ("no code", &sans_code, &local),
            ("a guessed code", &faux_code, &local),
            (
                "a rebinding page's Host",
                &cabinet,
                &[("host", "evil.example:49152")],
            ),
            (
                "a page's Origin",
                &cabinet,
                &[
                    ("host", "127.0.0.1:49152"),
                    ("origin", "http://evil.example"),
                ],
            ),
            (
                "a lookalike Host",
                &cabinet,
                &[("host", "127.0.0.1.evil.example")],
            ),
        ];
        for (what, body, headers) in refus {
            let (s, v) = installer(&app, body, headers).await;
            assert_eq!(
                (s, v["code"].as_str()),
                (403, Some("interdit")),
                "{name}: {what}: {v}"
            );
            assert!(
                v["erreur"].as_str().unwrap().contains("fenêtre d'Esculape"),
                "{name}: {what}: {v}"
            );
        }
        assert!(store.sans_compte().await.unwrap(), "{name}");
        assert!(store.structures().await.unwrap().is_empty(), "{name}");
        let (s, v) = installer(
            &app,
            &cabinet,
            &[
                ("host", "localhost:49152"),
                ("origin", "http://localhost:49152"),
            ],
        )
        .await;
        assert_eq!(s, 201, "{name}: {v}");
        assert!(!store.sans_compte().await.unwrap(), "{name}");
    }
}
