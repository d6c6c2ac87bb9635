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
    /// The host's state behind `app` (its use cases, called directly).
    pub state: AppState,
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
    let is_json = res
        .headers()
        .get("content-type")
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 26)
        .await
        .unwrap();
    let json = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
    if is_json {
        conforme(method, uri, status, &json);
    }
    (status, json)
}

/// The OpenAPI document the host serves, built once per test binary.
fn openapi() -> &'static serde_json::Value {
    static DOC: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();
    DOC.get_or_init(|| esculape_host::api::openapi::document(&esculape_host::api::routes::table()))
}

/// The route template (`/api/patients/{id}`) a concrete path calls: the
/// one with the most literal segments among those that match.
pub fn gabarit(method: &str, uri: &str) -> Option<(String, &'static serde_json::Value)> {
    let path = uri.split('?').next().unwrap_or(uri);
    let segments: Vec<&str> = path.split('/').collect();
    let mut best: Option<(usize, String, &serde_json::Value)> = None;
    for (template, ops) in openapi()["paths"].as_object()? {
        let Some(op) = ops.get(method.to_lowercase()) else {
            continue;
        };
        let t: Vec<&str> = template.split('/').collect();
        if t.len() != segments.len() {
            continue;
        }
        let matches = t
            .iter()
            .zip(&segments)
            .all(|(t, s)| t.starts_with('{') || t == s);
        let literal = t.iter().filter(|t| !t.starts_with('{')).count();
        if matches && best.as_ref().is_none_or(|b| literal > b.0) {
            best = Some((literal, template.clone(), op));
        }
    }
    best.map(|(_, t, op)| (t, op))
}

/// Every JSON answer of every test matches the schema the OpenAPI document
/// gives for its route and status (and a success has the documented
/// status): the document cannot drift from what the handlers send.
fn conforme(method: &str, uri: &str, status: StatusCode, json: &serde_json::Value) {
    let errors = ecarts(method, uri, status, json);
    assert!(
        errors.is_empty(),
        "{method} {uri} → {status}: la réponse ne suit pas son schéma OpenAPI: {errors:?}\n{}",
        serde_json::to_string(json)
            .unwrap_or_default()
            .chars()
            .take(2000)
            .collect::<String>()
    );
}

/// How a JSON answer departs from the schema of its route and status
/// (nothing when it conforms).
pub fn ecarts(
    method: &str,
    uri: &str,
    status: StatusCode,
    json: &serde_json::Value,
) -> Vec<String> {
    let Some((template, op)) = gabarit(method, uri) else {
        return vec![]; // not a route of the table: the router's own 404/405
    };
    let responses = &op["responses"];
    let code = status.as_u16();
    let key = if status.is_success() {
        code.to_string()
    } else {
        format!("{}XX", code / 100)
    };
    let Some(response) = responses.get(&key) else {
        return vec![format!(
            "{method} {template}: statut {code} non décrit par le document OpenAPI ({:?})",
            responses.as_object().map(|o| o.keys().collect::<Vec<_>>())
        )];
    };
    let Some(schema) = response["content"]["application/json"].get("schema") else {
        return vec![]; // raw bytes, or nothing
    };
    if schema == &serde_json::Value::Bool(true) {
        return vec![]; // any JSON (this document itself)
    }
    static VALIDATORS: std::sync::Mutex<
        std::collections::BTreeMap<String, Arc<jsonschema::Validator>>,
    > = std::sync::Mutex::new(std::collections::BTreeMap::new());
    let id = format!("{method} {template} {key}");
    let cached = VALIDATORS.lock().unwrap().get(&id).cloned();
    let validator = cached.unwrap_or_else(|| {
        let mut root = schema.clone();
        root["components"] = openapi()["components"].clone();
        let v = Arc::new(
            jsonschema::draft202012::new(&root)
                .unwrap_or_else(|e| panic!("{method} {template}: schéma invalide: {e}")),
        );
        VALIDATORS.lock().unwrap().insert(id, v.clone());
        v
    });
    validator
        .iter_errors(json)
        .map(|e| {
            let m = format!("{} : {e}", e.instance_path());
            m.chars().take(400).collect()
        })
        .collect()
}

impl TestApp {
    pub async fn new(t: TestStore) -> Self {
        Self::with(t, |_| {}).await
    }

    /// `edit` may change the store before it is shared (its clock).
    pub async fn with(t: TestStore, edit: impl FnOnce(&mut Store)) -> Self {
        let home = tempfile::tempdir().unwrap();
        let rt = esculape_host::home::runtime(home.path()).unwrap();
        Self::build(t, edit, rt, home, |_| {}).await
    }

    /// Signing in with Pro Santé Connect through `psc`'s proxy.
    pub async fn avec_psc(t: TestStore, psc: Arc<esculape_app::psc::ConnexionPsc>) -> Self {
        Self::avec_app(t, |a| a.psc = Some(psc)).await
    }

    /// The application changed by `configurer` before it serves (its DMP
    /// client, its PSC connection).
    #[allow(dead_code)]
    pub async fn avec_app(t: TestStore, configurer: impl FnOnce(&mut esculape_app::App)) -> Self {
        let home = tempfile::tempdir().unwrap();
        let rt = esculape_host::home::runtime(home.path()).unwrap();
        Self::build(t, |_| {}, rt, home, configurer).await
    }

    /// On a runtime with plugins installed, the application changed by
    /// `configurer`.
    #[allow(dead_code)]
    pub async fn avec_runtime_et_app(
        t: TestStore,
        rt: esculape_runtime::Runtime,
        configurer: impl FnOnce(&mut esculape_app::App),
    ) -> Self {
        let home = tempfile::tempdir().unwrap();
        Self::build(t, |_| {}, rt, home, configurer).await
    }

    /// On a runtime with plugins installed (see [`runtime_with`]).
    pub async fn with_runtime(t: TestStore, rt: esculape_runtime::Runtime) -> Self {
        let home = tempfile::tempdir().unwrap();
        Self::build(t, |_| {}, rt, home, |_| {}).await
    }

    async fn build(
        mut t: TestStore,
        edit: impl FnOnce(&mut Store),
        rt: esculape_runtime::Runtime,
        home: tempfile::TempDir,
        configurer: impl FnOnce(&mut esculape_app::App),
    ) -> Self {
        edit(&mut t.store);
        let practice = testing::practice(&t.store).await.unwrap();
        let name = t.name;
        let (store, keep) = t.split();
        let store = Arc::new(store);
        let mut state = AppState::new(Arc::new(rt), store.clone(), sandbox_insi().await);
        configurer(&mut state.app);
        let app = router(state.clone());
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
            state,
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

/// The patient's consent to consulting their DMP, recorded in a new
/// episode by the médecin.
#[allow(dead_code)]
pub async fn consentir(a: &TestApp, patient: &str) {
    let (s, ep) = a
        .call(
            "POST",
            &format!("/api/patients/{patient}/episodes"),
            Some(r#"{"label":"Suivi"}"#),
            &a.medecin,
        )
        .await;
    assert_eq!(s, 201, "{ep}");
    let (s, ep) = a
        .call(
            "POST",
            &format!("/api/episodes/{}/dmp-decisions", ep["id"].as_str().unwrap()),
            Some(r#"{"kind":"consultation","value":"consentie"}"#),
            &a.medecin,
        )
        .await;
    assert_eq!(s, 200, "{ep}");
}
