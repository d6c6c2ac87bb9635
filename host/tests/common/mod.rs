//! An API on a test store with a seeded practice and signed-in users.
#![allow(dead_code)]

use axum::body::Body;
use axum::http::{Request, StatusCode};
use esculape_host::api::{AppState, router};
use esculape_store::testing::{self, Practice, TestStore};
use esculape_store::{Store, User};
use std::sync::Arc;
use tower::ServiceExt;

pub struct TestApp {
    pub name: &'static str,
    pub app: axum::Router,
    pub store: Arc<Store>,
    pub practice: Practice,
    pub medecin: String,
    pub secretaire: String,
    pub admin: String,
    _keep: testing::KeepAlive,
    _home: tempfile::TempDir,
}

pub async fn call(
    app: &axum::Router,
    method: &str,
    uri: &str,
    body: Option<&str>,
    token: Option<&str>,
) -> (StatusCode, serde_json::Value) {
    let mut req = Request::builder().method(method).uri(uri);
    if body.is_some() {
        req = req.header("content-type", "application/json");
    }
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let req = req
        .body(Body::from(body.unwrap_or("").to_string()))
        .unwrap();
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 26)
        .await
        .unwrap();
    let json = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
    (status, json)
}

impl TestApp {
    pub async fn new(t: TestStore) -> Self {
        Self::with(t, |_| {}).await
    }

    /// `edit` may change the store before it is shared (its clock).
    pub async fn with(t: TestStore, edit: impl FnOnce(&mut Store)) -> Self {
        let home = tempfile::tempdir().unwrap();
        let rt = esculape_host::home::runtime(home.path()).unwrap();
        Self::build(t, edit, rt, home).await
    }

    /// On a runtime with plugins installed (see [`runtime_with`]).
    pub async fn with_runtime(t: TestStore, rt: esculape_runtime::Runtime) -> Self {
        let home = tempfile::tempdir().unwrap();
        Self::build(t, |_| {}, rt, home).await
    }

    async fn build(
        mut t: TestStore,
        edit: impl FnOnce(&mut Store),
        rt: esculape_runtime::Runtime,
        home: tempfile::TempDir,
    ) -> Self {
        edit(&mut t.store);
        let practice = testing::practice(&t.store).await.unwrap();
        let name = t.name;
        let (store, keep) = t.split();
        let store = Arc::new(store);
        let app = router(AppState::new(
            Arc::new(rt),
            store.clone(),
            sandbox_insi().await,
        ));
        let login = |u: &User, p: &str| format!(r#"{{"login":"{}","password":"{p}"}}"#, u.login);
        let mut tokens = vec![];
        for (u, p) in [
            (&practice.medecin, testing::MEDECIN_PASSWORD),
            (&practice.secretaire, testing::SECRETAIRE_PASSWORD),
            (&practice.admin, testing::ADMIN_PASSWORD),
        ] {
            let (status, s) = call(&app, "POST", "/api/session", Some(&login(u, p)), None).await;
            assert_eq!(status, 200, "{name}: login {}: {s}", u.login);
            tokens.push(s["token"].as_str().unwrap().to_string());
        }
        TestApp {
            name,
            app,
            store,
            medecin: tokens[0].clone(),
            secretaire: tokens[1].clone(),
            admin: tokens[2].clone(),
            practice,
            _keep: keep,
            _home: home,
        }
    }

    pub async fn call(
        &self,
        method: &str,
        uri: &str,
        body: Option<&str>,
        token: &str,
    ) -> (StatusCode, serde_json::Value) {
        call(&self.app, method, uri, body, Some(token)).await
    }

    pub async fn events(&self) -> i64 {
        self.store.verify_audit().await.unwrap().events
    }
}

pub const HELENE: &str = r#"{"birth_name":"Dupont","birth_first_names":["Hélène","Marie"],"sex":"F","birth_date":"1980-03-15","birth_place_cog":"75056"}"#;

/// An INSi client talking to a sandbox started in this process.
pub async fn sandbox_insi() -> Arc<esculape_host::insi::InsiClient> {
    sandbox().await.0
}

/// The same, with the sandbox's address (to insert cards, set failures).
pub async fn sandbox() -> (Arc<esculape_host::insi::InsiClient>, String) {
    sandbox_with(|_| {}).await
}

/// A sandbox of the national services served in this process: its
/// address.
pub async fn start_sandbox() -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            esculape_sandbox::router(Arc::new(Default::default())),
        )
        .await;
    });
    addr
}

/// The `esculape` binary on `home` with `env` set: (success, stdout, stderr).
pub fn esculape_cli(
    home: &std::path::Path,
    env: &[(&str, &str)],
    args: &[&str],
) -> (bool, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_esculape"))
        .arg("--home")
        .arg(home)
        .args(args)
        .env_remove("ESCULAPE_DATABASE_URL")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// [`sandbox`], the client's configuration changed by `edit`.
pub async fn sandbox_with(
    edit: impl FnOnce(&mut esculape_host::insi::InsiConfig),
) -> (Arc<esculape_host::insi::InsiClient>, String) {
    let addr = start_sandbox().await;
    let mut config = esculape_host::insi::InsiConfig::from_env();
    config.url = format!("http://{addr}/insi");
    config.lecteur = Some(format!("http://{addr}/vitale"));
    edit(&mut config);
    (
        Arc::new(esculape_host::insi::InsiClient::new(config)),
        format!("http://{addr}"),
    )
}

/// A host runtime with the INS plugin installed as `serve` loads it (the
/// harness keeps its folder alive).
pub fn runtime_with_ins() -> (esculape_sdk_testing::Harness, esculape_runtime::Runtime) {
    runtime_with(&["esculape-plugin-ins"])
}

/// A host runtime (as `serve` builds it: PDF service, value sets) with
/// these plugin crates installed.
pub fn runtime_with(crates: &[&str]) -> (esculape_sdk_testing::Harness, esculape_runtime::Runtime) {
    let h = esculape_sdk_testing::Harness::new();
    for c in crates {
        h.install_crate(c).unwrap();
    }
    let home = h.home().to_path_buf();
    std::fs::create_dir_all(home.join("trusted-keys")).unwrap();
    std::fs::write(home.join("trusted-keys/k.pub"), h.key.public_hex()).unwrap();
    let rt = esculape_host::home::runtime(&home).unwrap();
    for (id, r) in rt.load_installed() {
        assert!(r.is_ok(), "module {id} non chargé: {r:?}");
    }
    (h, rt)
}

/// A session token for `login` on `store`, through the login provider.
#[allow(dead_code)]
pub async fn jeton(store: &esculape_store::Store, login: &str, password: &str) -> String {
    use esculape_app::auth::{Authentification, Identifiant, MotDePasseLocal};
    let preuve = Identifiant {
        login: login.into(),
        password: password.into(),
    };
    Authentification::default()
        .connexion(store, &MotDePasseLocal, login, None, preuve)
        .await
        .expect("connexion")
        .token
}

/// A patient whose identity came from the INSi (INS, `from_insi`), as the
/// host's own INSi path stores it: the API refuses such a body.
#[allow(dead_code)]
pub async fn patient_insi(store: &Store, json: &str) -> String {
    let new: esculape_domain::NewIdentity = serde_json::from_str(json).unwrap();
    let today = esculape_domain::BirthDate::parse("2026-11-26").unwrap();
    let identity = esculape_domain::Identity::validate(new, today).unwrap();
    store
        .create_patient(&esculape_store::Actor::system(), identity)
        .await
        .unwrap()
        .id
}
