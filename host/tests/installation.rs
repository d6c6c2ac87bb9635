//! First start of a one-doctor install (`/api/installation`): open only on
//! an embedded host with no account, all or nothing, traced, and closed
//! for good once the doctor's account exists.

mod common;

use common::{call, sandbox_insi};
use esculape_host::api::{AppState, router};
use std::sync::Arc;

const CABINET: &str = r#"{"structure":"Cabinet du Parc","site":"Cabinet du Parc","adresse":"3 rue des Tilleuls, 69003 Lyon",
 "compte":{"login":"dr.dupont","display_name":"Dr Claire Dupont","rpps":"10101010101","role":"medecin","password":"Tilleul-Argenté-42"}}"#;

async fn app(
    t: esculape_store::testing::TestStore,
    embarque: bool,
) -> (axum::Router, Arc<esculape_store::Store>, impl Sized) {
    let home = tempfile::tempdir().unwrap();
    let rt = esculape_host::home::runtime(home.path()).unwrap();
    let (store, keep) = t.split();
    let store = Arc::new(store);
    let mut state = AppState::new(Arc::new(rt), store.clone(), sandbox_insi().await);
    state.premier_demarrage = embarque;
    (router(state), store, (keep, home))
}

#[tokio::test]
async fn first_start_creates_the_practice_once() {
    for t in esculape_store::testing::both().await {
        let name = t.name;
        let (app, store, _keep) = app(t, true).await;
        let (s, v) = call(&app, "GET", "/api/installation", None, None).await;
        assert_eq!(
            (s.as_u16(), v["a_creer"].as_bool()),
            (200, Some(true)),
            "{name}"
        );

        // A weak password, a wrong RPPS or another role: refused, nothing
        // written (no structure is left behind the refused account).
        let faible = CABINET.replace("Tilleul-Argenté-42", "court");
        let (s, v) = call(&app, "POST", "/api/installation", Some(&faible), None).await;
        assert_eq!(s.as_u16(), 422, "{name}: {v}");
        assert!(
            v["erreur"].as_str().unwrap().contains("caractères"),
            "{name}: {v}"
        );
        let rpps = CABINET.replace("10101010101", "1234");
        let (s, _) = call(&app, "POST", "/api/installation", Some(&rpps), None).await;
        assert_eq!(s.as_u16(), 422, "{name}");
        let secretaire = CABINET.replace(r#""role":"medecin""#, r#""role":"secretaire""#);
        let (s, _) = call(&app, "POST", "/api/installation", Some(&secretaire), None).await;
        assert_eq!(s.as_u16(), 422, "{name}");
        let (s, _) = call(&app, "POST", "/api/installation", Some("[1]"), None).await;
        assert!(s.is_client_error(), "{name}");
        assert!(store.structures().await.unwrap().is_empty(), "{name}");
        assert!(store.sites().await.unwrap().is_empty(), "{name}");
        assert!(store.sans_compte().await.unwrap(), "{name}");

        let (s, v) = call(&app, "POST", "/api/installation", Some(CABINET), None).await;
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
        let autre = CABINET.replace("dr.dupont", "intrus");
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
        let (app, store, _keep) = app(t, false).await;
        let (_, v) = call(&app, "GET", "/api/installation", None, None).await;
        assert_eq!(v["a_creer"], false, "{name}");
        let (s, v) = call(&app, "POST", "/api/installation", Some(CABINET), None).await;
        assert_eq!(
            (s.as_u16(), v["code"].as_str()),
            (403, Some("interdit")),
            "{name}"
        );
        assert!(store.sans_compte().await.unwrap(), "{name}");
    }
}
