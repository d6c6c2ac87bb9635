//! DSR §3.2.7 on the API: roles enforced server-side on every route (walked
//! from the OpenAPI document), account life cycle and password policy, all
//! traced in the audit trail. On SQLite and PostgreSQL.

mod common;

use axum::http::StatusCode;
use common::{HELENE, TestApp, call};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// Ids of one of each thing, to fill path parameters.
struct Ids {
    patient: String,
    episode: String,
    encounter: String,
    entry: String,
    document: String,
    appointment: String,
    member: String,
    /// A received MSSanté message waiting for a patient.
    message: String,
}

async fn populate(a: &TestApp) -> Ids {
    let m = &a.medecin;
    let (_, p) = a.call("POST", "/api/patients", Some(HELENE), m).await;
    let patient = p["id"].as_str().unwrap().to_string();
    let (_, ep) = a
        .call(
            "POST",
            &format!("/api/patients/{patient}/episodes"),
            Some(r#"{"label":"Suivi"}"#),
            m,
        )
        .await;
    let (_, enc) = a
        .call(
            "POST",
            &format!("/api/patients/{patient}/encounters"),
            Some(r#"{"date":"2026-11-20","note":"RAS"}"#),
            m,
        )
        .await;
    let (_, entry) = a
        .call(
            "POST",
            &format!("/api/patients/{patient}/entries"),
            Some(r#"{"kind":"allergie","label":"Pénicilline"}"#),
            m,
        )
        .await;
    let (s, doc) = a
        .call(
            "POST",
            &format!("/api/patients/{patient}/documents"),
            Some(r#"{"title":"Courrier","type_code":"11490-0","format":"texte","act_date":"2026-11-20","provenance":"produit","content":"Q2hlciBjb25mcsOocmU="}"#),
            m,
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{doc}");
    let (_, member) = a
        .call(
            "POST",
            &format!("/api/patients/{patient}/care-team"),
            Some(r#"{"name":"Dr Paul Cardio","rpps":"10009876543"}"#),
            m,
        )
        .await;
    let body = format!(
        r#"{{"practitioner_id":"{}","site_id":"{}","patient_id":"{patient}","start":"2026-11-27T09:00","end":"2026-11-27T09:20"}}"#,
        a.practice.medecin.id, a.practice.site.id
    );
    let (s, rdv) = a.call("POST", "/api/appointments", Some(&body), m).await;
    assert_eq!(s, StatusCode::CREATED, "{rdv}");
    let id = |v: &serde_json::Value| {
        v["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{v}"))
            .to_string()
    };
    use esculape_store::Acteur as _;
    let message = a
        .store
        .noter_message_mss(
            &a.practice.medecin.actor(),
            &esculape_store::mss::NouveauMessage {
                adresse: "claire.martin@mss.esculape.test".into(),
                uidvalidity: 1,
                uid: 1,
                de: Some("labo@mss.exemple.fr".into()),
                objet: "Résultats".into(),
                provenance: esculape_api_types::documents::ProvenanceMessage::Professionnel,
                etat: esculape_api_types::documents::EtatMessage::SuppressionDemandee,
                raison: "à confirmer".into(),
                patient_id: Some(patient.clone()),
                document_id: None,
                cible_id: Some(id(&doc)),
                cda: None,
            },
        )
        .await
        .unwrap()
        .unwrap();
    Ids {
        message,
        patient,
        episode: id(&ep),
        encounter: id(&enc),
        entry: id(&entry),
        document: id(&doc),
        appointment: id(&rdv),
        member: id(&member),
    }
}

fn concrete(a: &TestApp, ids: &Ids, path: &str, op: &serde_json::Value) -> String {
    let id = if path.starts_with("/api/patients/") {
        &ids.patient
    } else if path.starts_with("/api/episodes/") {
        &ids.episode
    } else if path.starts_with("/api/encounters/") {
        &ids.encounter
    } else if path.starts_with("/api/entries/") {
        &ids.entry
    } else if path.starts_with("/api/documents/") {
        &ids.document
    } else if path.starts_with("/api/appointments/") {
        &ids.appointment
    } else if path.starts_with("/api/mss/messages/") {
        &ids.message
    } else {
        &a.practice.secretaire.id
    };
    let mut uri = path.replace("{id}", id).replace("{member}", &ids.member);
    let query: Vec<String> = op["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["in"] == "query" && p["required"] == true)
        .map(|p| {
            let name = p["name"].as_str().unwrap();
            let v = match name {
                "q" => "dup".to_string(),
                "from" | "to" | "day" => "2026-11-27".to_string(),
                "mois" => "2026-11".to_string(),
                "practitioner" => a.practice.medecin.id.clone(),
                "site" => a.practice.site.id.clone(),
                other => panic!("paramètre de requête inconnu du test: {other}"),
            };
            format!("{name}={v}")
        })
        .collect();
    if !query.is_empty() {
        uri = format!("{uri}?{}", query.join("&"));
    }
    uri
}

/// The roles an operation of the OpenAPI document admits.
fn roles(op: &serde_json::Value) -> Vec<&str> {
    op["x-esculape-roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn every_route_enforces_its_roles() {
    for t in esculape_store::testing::both().await {
        let a = TestApp::new(t).await;
        let ids = populate(&a).await;
        let (status, doc) = call(&a.app, "GET", "/api/openapi.json", None, None).await;
        assert_eq!(status, 200);
        let paths = doc["paths"].as_object().unwrap();
        assert!(paths.len() >= 30, "{} chemins", paths.len());
        let mut walked = 0;
        for (who, token, role) in [
            ("secrétaire", a.secretaire.clone(), "secretaire"),
            ("administrateur", a.admin.clone(), "administrateur"),
            ("anonyme", String::new(), ""),
        ] {
            for (path, ops) in paths {
                for (method, op) in ops.as_object().unwrap() {
                    let method = method.to_uppercase();
                    if path == "/api/session" && method == "DELETE" {
                        continue; // would end the walker's own session
                    }
                    let roles = roles(op);
                    let public = op["security"].as_array().is_some_and(|s| s.is_empty());
                    let uri = concrete(&a, &ids, path, op);
                    let body = op.get("requestBody").map(|_| "{}");
                    let before = a.store.verify_audit().await.unwrap().events;
                    let tok = (!token.is_empty()).then_some(token.as_str());
                    let (status, v) = call(&a.app, &method, &uri, body, tok).await;
                    walked += 1;
                    let ctx = format!("{}: {who} {method} {uri} → {status} {v}", a.name);
                    let new = a.store.audit_since(before).await.unwrap();
                    if public {
                        assert_ne!(status, StatusCode::FORBIDDEN, "{ctx}");
                        continue;
                    }
                    if token.is_empty() {
                        assert_eq!(status, StatusCode::UNAUTHORIZED, "{ctx}");
                        assert!(new.is_empty(), "{ctx}: {new:?}");
                    } else if roles.contains(&role) {
                        assert!(
                            status != StatusCode::FORBIDDEN && status != StatusCode::UNAUTHORIZED,
                            "{ctx}"
                        );
                    } else {
                        assert_eq!(status, StatusCode::FORBIDDEN, "{ctx}");
                        assert_eq!(v["code"], "interdit", "{ctx}");
                        // The refusal is traced, and nothing else: no
                        // patient data was read or written.
                        assert_eq!(new.len(), 1, "{ctx}: {new:?}");
                        assert_eq!(new[0].action, "acces.refuse", "{ctx}");
                        assert_eq!(new[0].patient_id, None, "{ctx}");
                    }
                }
            }
        }
        assert!(walked > 100, "{walked}");
        // The secrétaire never reached the record nor documents.
        let medical = [
            "/api/patients/{id}/chart",
            "/api/patients/{id}/documents",
            "/api/documents/{id}",
            "/api/patients/{id}/entries",
            "/api/patients/{id}/encounters",
        ];
        for p in medical {
            let op = paths[p].as_object().unwrap().values().next().unwrap();
            assert_eq!(
                op["x-esculape-roles"],
                serde_json::json!(["medecin"]),
                "{p}"
            );
        }
        let report = a.store.verify_audit().await.unwrap();
        assert!(report.is_intact());
    }
}

async fn admin_session(a: &TestApp) -> String {
    let body = format!(
        r#"{{"login":"admin","password":"{}"}}"#,
        esculape_store::testing::ADMIN_PASSWORD
    );
    let (_, sess) = call(&a.app, "POST", "/api/session", Some(&body), None).await;
    sess["token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn account_life_cycle_is_policed_and_traced() {
    for t in esculape_store::testing::both().await {
        let offset = Arc::new(AtomicI64::new(0));
        let o = offset.clone();
        let a = TestApp::with(t, move |s| {
            s.set_clock(Arc::new(move || {
                esculape_store::now_millis() + o.load(Ordering::SeqCst)
            }))
        })
        .await;
        let advance = |minutes: i64| offset.fetch_add(minutes * 60_000, Ordering::SeqCst);
        let start = a.events().await;
        let n = a.name;

        // Creation follows the password policy of the role.
        let weak = r#"{"login":"dr.weak","display_name":"Dr Faible","role":"medecin","rpps":"10001111111","password":"court"}"#;
        let (s, e) = a.call("POST", "/api/users", Some(weak), &a.admin).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{n}: {e}");
        assert!(e["erreur"].as_str().unwrap().contains("trop court"), "{e}");
        let good = r#"{"login":"dr.durand","display_name":"Dr Luc Durand","role":"medecin","rpps":"10001111111","password":"Pomme-Verte-Soleil-7"}"#;
        let (s, u) = a.call("POST", "/api/users", Some(good), &a.admin).await;
        assert_eq!(s, StatusCode::CREATED, "{n}: {u}");
        let uid = u["id"].as_str().unwrap().to_string();
        let (s, _) = a.call("POST", "/api/users", Some(good), &a.admin).await;
        assert_eq!(s, StatusCode::CONFLICT, "{n}: same login twice");
        let login = |p: &str| format!(r#"{{"login":"dr.durand","password":"{p}"}}"#);

        // Lockout after 5 failures, even with the right password, until
        // the lockout ends.
        for i in 1..=5 {
            let (s, e) = call(
                &a.app,
                "POST",
                "/api/session",
                Some(&login("mauvais")),
                None,
            )
            .await;
            // Locked or not, the answer is the same.
            assert_eq!(s, StatusCode::UNAUTHORIZED, "{n}: échec {i}: {e}");
        }
        let (s, e) = call(
            &a.app,
            "POST",
            "/api/session",
            Some(&login("Pomme-Verte-Soleil-7")),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{n}: {e}");
        assert_eq!(e["code"], "authentification", "{n}: locked");
        advance(16);
        let (s, sess) = call(
            &a.app,
            "POST",
            "/api/session",
            Some(&login("Pomme-Verte-Soleil-7")),
            None,
        )
        .await;
        assert_eq!(s, 200, "{n}: {sess}");
        let tok = sess["token"].as_str().unwrap().to_string();
        assert_eq!(sess["password_expired"], false);
        // An unknown login answers like a wrong password.
        let (s, e) = call(
            &a.app,
            "POST",
            "/api/session",
            Some(r#"{"login":"personne","password":"x"}"#),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        assert_eq!(
            e["erreur"],
            "connexion refusée : identifiant ou mot de passe incorrect, ou compte verrouillé après trop d'échecs, ou désactivé"
        );

        // Sessions expire after 30 minutes idle.
        let (s, _) = a.call("GET", "/api/session", None, &tok).await;
        assert_eq!(s, 200);
        advance(31);
        let (s, e) = a.call("GET", "/api/session", None, &tok).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{n}: {e}");

        // An administrator's reset makes the password expire: the user must
        // change it before anything else.
        let (s, _) = a
            .call(
                "POST",
                &format!("/api/users/{uid}/password"),
                Some(r#"{"password":"Remis-A-Zero-2026"}"#),
                &admin_session(&a).await,
            )
            .await;
        assert_eq!(s, 200, "{n}");
        let (_, sess) = call(
            &a.app,
            "POST",
            "/api/session",
            Some(&login("Remis-A-Zero-2026")),
            None,
        )
        .await;
        assert_eq!(sess["password_expired"], true, "{n}: {sess}");
        let tok = sess["token"].as_str().unwrap().to_string();
        let (s, e) = a.call("GET", "/api/patients?q=x", None, &tok).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{n}: {e}");
        assert_eq!(e["code"], "mot_de_passe_expire");
        let (s, _) = a
            .call(
                "POST",
                "/api/session/password",
                Some(r#"{"old":"mauvais","new":"Nouveau-Secret-2026"}"#),
                &tok,
            )
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{n}");
        let (s, e) = a
            .call(
                "POST",
                "/api/session/password",
                Some(r#"{"old":"Remis-A-Zero-2026","new":"simple"}"#),
                &tok,
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{n}: {e}");
        let (s, e) = a
            .call(
                "POST",
                "/api/session/password",
                Some(r#"{"old":"Remis-A-Zero-2026","new":"Nouveau-Secret-2026"}"#),
                &tok,
            )
            .await;
        assert_eq!(s, 200, "{n}: {e}");
        let (s, _) = a.call("GET", "/api/patients?q=x", None, &tok).await;
        assert_eq!(s, 200, "{n}");
        // Rights change: effective at once (sessions end), traced.
        let admin = admin_session(&a).await;
        let (s, u) = a
            .call(
                "PUT",
                &format!("/api/users/{uid}"),
                Some(r#"{"role":"secretaire","display_name":"Luc Durand"}"#),
                &admin,
            )
            .await;
        assert_eq!(s, 200, "{n}: {u}");
        assert_eq!(u["role"], "secretaire");
        let (s, _) = a.call("GET", "/api/session", None, &tok).await;
        assert_eq!(
            s,
            StatusCode::UNAUTHORIZED,
            "{n}: the old session ended with the rights change"
        );
        let (_, sess) = call(
            &a.app,
            "POST",
            "/api/session",
            Some(&login("Nouveau-Secret-2026")),
            None,
        )
        .await;
        let tok = sess["token"].as_str().unwrap().to_string();
        let (s, _) = a.call("DELETE", "/api/session", None, &tok).await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        let (s, _) = a.call("GET", "/api/session", None, &tok).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);

        // A year later a privileged password has expired; a secrétaire's
        // does not.
        advance(366 * 24 * 60);
        let body = format!(
            r#"{{"login":"admin","password":"{}"}}"#,
            esculape_store::testing::ADMIN_PASSWORD
        );
        let (_, sess) = call(&a.app, "POST", "/api/session", Some(&body), None).await;
        assert_eq!(sess["password_expired"], true, "{n}: {sess}");
        let (_, sess) = call(
            &a.app,
            "POST",
            "/api/session",
            Some(&login("Nouveau-Secret-2026")),
            None,
        )
        .await;
        assert_eq!(sess["password_expired"], false, "{n}: {sess}");

        // Every account event is in the hash-chained trail.
        let events = a.store.audit_since(start).await.unwrap();
        let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
        for expected in [
            "compte.creation",
            "connexion.echec",
            "compte.verrouillage",
            "connexion.succes",
            "mot_de_passe.reinitialisation",
            "mot_de_passe.echec",
            "mot_de_passe.changement",
            "compte.modification",
            "compte.droits",
            "deconnexion",
        ] {
            assert!(
                actions.contains(&expected),
                "{n}: {expected} absent de {actions:?}"
            );
        }
        assert_eq!(
            actions.iter().filter(|a| **a == "connexion.echec").count(),
            7,
            "{n}: 5 wrong passwords, 1 while locked, 1 unknown login: {actions:?}"
        );
        assert!(a.store.verify_audit().await.unwrap().is_intact());
    }
}

/// 1,000 logins at once over real HTTP from one address: the surplus is
/// told 429 in French at once, no more hashes run at once than the host
/// has slots (each takes 19 MiB), and the host keeps answering.
#[tokio::test]
async fn a_login_storm_is_turned_away_and_the_host_keeps_answering() {
    let t = esculape_store::testing::sqlite().await.unwrap();
    esculape_store::testing::practice(&t.store).await.unwrap();
    let (store, _keep) = t.split();
    let home = tempfile::tempdir().unwrap();
    let rt = esculape_host::home::runtime(home.path()).unwrap();
    let state = esculape_host::api::AppState::new(
        Arc::new(rt),
        Arc::new(store),
        common::sandbox_insi().await,
    );
    let auth = state.auth.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(esculape_host::serveur::servir(state, listener, async {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .unwrap();
    let mut set = tokio::task::JoinSet::new();
    for i in 0..1000 {
        let (client, base) = (client.clone(), base.clone());
        set.spawn(async move {
            let r = client
                .post(format!("{base}/api/session"))
                .header("content-type", "application/json")
                .body(format!(r#"{{"login":"compte{i}","password":"x"}}"#))
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            (status, r.text().await.unwrap())
        });
    }
    // Meanwhile the host answers.
    let health = client
        .get(format!("{base}/api/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status().as_u16(), 200);
    let (mut refused, mut limited) = (0, 0);
    while let Some(r) = set.join_next().await {
        let (status, body) = r.unwrap();
        match status {
            401 => refused += 1,
            429 => {
                limited += 1;
                assert!(body.contains("réessayez"), "{body}");
            }
            s => panic!("{s}: {body}"),
        }
    }
    assert_eq!(refused + limited, 1000);
    assert!(limited >= 900, "{limited} turned away");
    assert!(auth.limites.pic_hachages() <= auth.limites.creneaux());
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}

/// Only the host's own INSi path gives an identity its INS: a body with
/// an INS, `from_insi` or an ApCV justification is refused for médecin
/// and secrétaire alike; a change keeps the stored INS, a change of a
/// strict trait unlinks it, and a changed INS forgets its verification
/// date. On SQLite and PostgreSQL.
#[tokio::test]
async fn an_identity_is_qualified_only_through_the_insi() {
    for t in esculape_store::testing::both().await {
        let a = TestApp::new(t).await;
        let n = a.name;
        let ins = r#""ins":{"matricule":"209076322083439","oid":"1.2.250.1.213.1.4.8"}"#;
        let base = r#""birth_name":"Ecetinsi","birth_first_names":["Pierre-Alain"],"sex":"M","birth_date":"2009-07-14","birth_place_cog":"63220""#;
        for (who, token) in [("médecin", &a.medecin), ("secrétaire", &a.secretaire)] {
            for extra in [
                format!("{ins},\"from_insi\":true"),
                ins.to_string(),
                r#""from_insi":true"#.to_string(),
                r#""justificatif":"apcv""#.to_string(),
            ] {
                let body = format!("{{{base},{extra}}}");
                let (s, e) = a.call("POST", "/api/patients", Some(&body), token).await;
                assert_eq!(
                    s,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "{n} {who}: {extra}: {e}"
                );
            }
        }
        // Stored by the INSi path, verified.
        let id =
            common::patient_insi(&a.store, &format!("{{{base},{ins},\"from_insi\":true}}")).await;
        a.store.insi_verifie(&id).await.unwrap();
        let (s, p) = a
            .call("GET", &format!("/api/patients/{id}"), None, &a.secretaire)
            .await;
        assert_eq!(s, 200, "{p}");
        assert_eq!(p["identity"]["status"], "recuperee", "{n}: {p}");
        let put = |version: &serde_json::Value, identity: String| {
            format!(r#"{{"version":{version},"identity":{identity}}}"#)
        };
        // Someone else's INS: refused, nothing written.
        let other =
            r#""ins":{"matricule":"297022A02077878","oid":"1.2.250.1.213.1.4.8"},"from_insi":true"#;
        let (s, e) = a
            .call(
                "PUT",
                &format!("/api/patients/{id}"),
                Some(&put(&p["version"], format!("{{{base},{other}}}"))),
                &a.secretaire,
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{n}: {e}");
        // A used name added: the INS and its verification stay.
        let (s, q) = a
            .call(
                "PUT",
                &format!("/api/patients/{id}"),
                Some(&put(
                    &p["version"],
                    format!(r#"{{{base},"used_name":"Martin"}}"#),
                )),
                &a.secretaire,
            )
            .await;
        assert_eq!(s, 200, "{n}: {q}");
        assert_eq!(
            q["identity"]["ins"]["matricule"], "209076322083439",
            "{n}: {q}"
        );
        assert_eq!(q["identity"]["status"], "recuperee", "{n}");
        assert!(q["insi_verifie_le"].is_i64(), "{n}: {q}");
        // A strict trait typed differently: the INS goes, and its date.
        let changed = base.replace("Ecetinsi", "Ecetinsy");
        let (s, r) = a
            .call(
                "PUT",
                &format!("/api/patients/{id}"),
                Some(&put(
                    &q["version"],
                    format!("{{{changed},{ins},\"from_insi\":true}}"),
                )),
                &a.secretaire,
            )
            .await;
        assert_eq!(s, 200, "{n}: {r}");
        assert!(r["identity"]["ins"].is_null(), "{n}: {r}");
        assert_eq!(r["identity"]["status"], "provisoire", "{n}: {r}");
        assert!(r["insi_verifie_le"].is_null(), "{n}: {r}");
    }
}

/// A patient of structure B.
const LILAS: &str = r#"{"birth_name":"Lilas","birth_first_names":["Rose"],"sex":"F","birth_date":"1990-01-01","birth_place_cog":"75056"}"#;

/// A valid body for each route that takes one, naming structure A's
/// things, so that what answers is the structure check, not the body's.
fn corps(a: &TestApp, ids: &Ids, method: &str, path: &str) -> Option<String> {
    let medecin = &a.practice.medecin.id;
    let site = &a.practice.site.id;
    let patient = &ids.patient;
    let b = match (method, path) {
        ("POST", "/api/users") => format!(
            r#"{{"login":"intrus","display_name":"Intrus","role":"secretaire","password":"Pomme-Verte-Soleil-7","structure_id":"{}"}}"#,
            a.practice.structure.id
        ),
        ("PUT", "/api/users/{id}") => r#"{"display_name":"Renommé"}"#.into(),
        ("POST", "/api/users/{id}/password") => r#"{"password":"Pomme-Verte-Soleil-7"}"#.into(),
        ("POST", "/api/structures") => r#"{"name":"Annexe","kind":"cabinet"}"#.into(),
        ("POST", "/api/sites") => format!(
            r#"{{"structure_id":"{}","name":"Annexe"}}"#,
            a.practice.structure.id
        ),
        ("POST", "/api/patients") => LILAS.into(),
        ("PUT", "/api/patients/{id}") => format!(
            r#"{{"version":1,"identity":{HELENE},"motif":"correction"}}"#
        ),
        ("POST", "/api/patients/{id}/insi/validation") => r#"{"version":1}"#.into(),
        ("PUT", "/api/patients/{id}/contact") => r#"{"version":0,"city":"Lyon"}"#.into(),
        ("POST", "/api/patients/{id}/care-team") => r#"{"name":"Dr Intrus"}"#.into(),
        ("POST", "/api/availability") => format!(
            r#"{{"practitioner_id":"{medecin}","site_id":"{site}","weekday":1,"start":"08:00","end":"12:00","slot_minutes":20}}"#
        ),
        ("POST", "/api/appointments") => format!(
            r#"{{"practitioner_id":"{medecin}","site_id":"{site}","patient_id":"{patient}","start":"2026-11-27T10:00","end":"2026-11-27T10:20"}}"#
        ),
        ("PUT", "/api/appointments/{id}") => {
            r#"{"version":1,"start":"2026-11-27T11:00","end":"2026-11-27T11:20"}"#.into()
        }
        ("POST", "/api/appointments/{id}/status") => r#"{"status":"arrive"}"#.into(),
        ("POST", "/api/patients/{id}/episodes") => r#"{"label":"Intrusion"}"#.into(),
        ("POST", "/api/patients/{id}/dmp/documents") => {
            r#"{"unique_id":"1.2.250.1.999.1","repository":"1.2.250.1.213.4.1.1.1.2"}"#.into()
        }
        ("POST", "/api/episodes/{id}/dmp-decisions") => {
            r#"{"kind":"alimentation","value":"opposition"}"#.into()
        }
        ("POST", "/api/patients/{id}/encounters") => {
            r#"{"date":"2026-11-20","note":"intrus"}"#.into()
        }
        ("PUT", "/api/encounters/{id}") => {
            r#"{"version":1,"date":"2026-11-20","note":"intrus"}"#.into()
        }
        ("POST", "/api/patients/{id}/entries") => {
            r#"{"kind":"allergie","label":"Arachide"}"#.into()
        }
        ("PUT", "/api/entries/{id}") => {
            r#"{"version":1,"data":{"kind":"allergie","label":"Arachide"}}"#.into()
        }
        ("POST", "/api/patients/{id}/documents") | ("POST", "/api/documents/{id}/versions") => {
            r#"{"title":"Courrier","type_code":"11490-0","format":"texte","act_date":"2026-11-20","provenance":"produit","content":"aW50cnVz"}"#.into()
        }
        ("POST", "/api/patients/{id}/documents/preview")
        | ("POST", "/api/patients/{id}/documents/sign") => {
            r#"{"plugin":"fr.esculape.cda.cr-consultation","valeurs":{}}"#.into()
        }
        ("POST", "/api/patients/{id}/documents/integration/apercu")
        | ("POST", "/api/patients/{id}/documents/recus") => {
            r#"{"contenu":"aW50cnVz"}"#.into()
        }
        ("POST", "/api/patients/{id}/documents/integration") => {
            r#"{"contenu":"aW50cnVz","choix":[0]}"#.into()
        }
        ("PUT", "/api/documents/{id}/sending") => r#"{"channel":"dmp","state":"envoye"}"#.into(),
        ("POST", "/api/documents/{id}/mss") => r#"{"destinataires":["intrus@mss.exemple.fr"]}"#.into(),
        ("PUT", "/api/moi/mss") => r#"{"adresse":"intrus@mss.exemple.fr"}"#.into(),
        ("POST", "/api/mss/messages/{id}/rapprocher") => format!(r#"{{"patient_id":"{patient}"}}"#),
        ("PUT", "/api/documents/{id}/visibility") => r#"{"invisible_au_patient":true}"#.into(),
        _ => return None,
    };
    Some(b)
}

/// Issue 17, finding 3: a user of another structure sharing the database
/// walks every route of the OpenAPI document on structure A's things and
/// gets what an unknown id gets (404, or 403 where the structure may not
/// act at all), nothing of A in any answer, the refusal traced; lists
/// show only B's own.
#[tokio::test]
async fn another_structure_reaches_nothing_of_this_one() {
    for t in esculape_store::testing::both().await {
        let a = TestApp::new(t).await;
        let ids = populate(&a).await;
        let travail = a
            .store
            .enqueue_travail(&esculape_store::outbox::NouveauTravail {
                kind: "essai.structure".into(),
                payload: "{}".into(),
                label: "Essai".into(),
                patient_id: Some(ids.patient.clone()),
                ..Default::default()
            })
            .await
            .unwrap();
        let b = esculape_store::testing::structure_de_test(
            &a.store,
            "Centre de santé des Lilas",
            "750000019",
            "lilas.",
        )
        .await
        .unwrap();
        let session = |login: String, password: &str| {
            let body = format!(r#"{{"login":"{login}","password":"{password}"}}"#);
            let app = a.app.clone();
            async move {
                let (s, v) = call(&app, "POST", "/api/session", Some(&body), None).await;
                assert_eq!(s, 200, "{v}");
                v["token"].as_str().unwrap().to_string()
            }
        };
        use esculape_store::testing::{ADMIN_PASSWORD, MEDECIN_PASSWORD, SECRETAIRE_PASSWORD};
        let walkers = [
            (
                "medecin",
                session(b.medecin.login.clone(), MEDECIN_PASSWORD).await,
            ),
            (
                "secretaire",
                session(b.secretaire.login.clone(), SECRETAIRE_PASSWORD).await,
            ),
            (
                "administrateur",
                session(b.admin.login.clone(), ADMIN_PASSWORD).await,
            ),
        ];
        // What B must never see of A.
        let secrets: Vec<String> = vec![
            ids.patient.clone(),
            ids.episode.clone(),
            ids.encounter.clone(),
            ids.entry.clone(),
            ids.document.clone(),
            ids.appointment.clone(),
            ids.member.clone(),
            ids.message.clone(),
            travail.clone(),
            a.practice.structure.id.clone(),
            a.practice.site.id.clone(),
            a.practice.medecin.id.clone(),
            a.practice.secretaire.id.clone(),
            a.practice.admin.id.clone(),
            "Cabinet du Parc".into(),
            "Pénicilline".into(),
            "Cardio".into(),
            "DUPONT".into(),
        ];
        let (_, doc) = call(&a.app, "GET", "/api/openapi.json", None, None).await;
        let paths = doc["paths"].as_object().unwrap();
        let mut refused = 0;
        for (path, ops) in paths {
            for (method, op) in ops.as_object().unwrap() {
                let method = method.to_uppercase();
                let public = op["security"].as_array().is_some_and(|s| s.is_empty());
                if public || path.starts_with("/api/session") {
                    continue; // no structure's data; one's own session
                }
                let roles = roles(op);
                let Some((_, token)) = walkers.iter().find(|(r, _)| roles.contains(r)) else {
                    continue;
                };
                let mut uri = concrete(&a, &ids, path, op);
                if path.starts_with("/api/travaux/") {
                    uri = uri.replace(&a.practice.secretaire.id, &travail);
                }
                let body = corps(&a, &ids, &method, path);
                let sent = format!("{uri} {}", body.as_deref().unwrap_or(""));
                let names_a = secrets[..14].iter().any(|s| sent.contains(s.as_str()));
                let before = a.store.verify_audit().await.unwrap().events;
                let (status, v) = call(&a.app, &method, &uri, body.as_deref(), Some(token)).await;
                let ctx = format!("{}: {method} {uri} → {status} {v}", a.name);
                let new = a.store.audit_since(before).await.unwrap();
                let shown = v.to_string();
                for s in &secrets {
                    assert!(
                        !shown.contains(s.as_str()) || sent.contains(s.as_str()),
                        "{ctx}: «{s}» de la structure A"
                    );
                }
                // Nothing of A's patient traced but the refusal.
                for e in &new {
                    assert!(
                        e.patient_id.as_deref() != Some(ids.patient.as_str())
                            || e.action == "acces.refuse",
                        "{ctx}: {e:?}"
                    );
                }
                if names_a || (method == "POST" && path == "/api/structures") {
                    assert!(
                        status == StatusCode::NOT_FOUND || status == StatusCode::FORBIDDEN,
                        "{ctx}"
                    );
                    assert!(
                        new.iter().any(|e| e.action == "acces.refuse"),
                        "{ctx}: refus non tracé {new:?}"
                    );
                    refused += 1;
                    // An unknown id gets the same answer: nothing says A's
                    // exists.
                    if status == StatusCode::NOT_FOUND {
                        let inconnu = "0123456789abcdef0123456789abcdef";
                        let swap = |s: &str| {
                            secrets[..14]
                                .iter()
                                .fold(s.to_string(), |s, x| s.replace(x.as_str(), inconnu))
                        };
                        let (s2, v2) = call(
                            &a.app,
                            &method,
                            &swap(&uri),
                            body.as_deref().map(swap).as_deref(),
                            Some(token),
                        )
                        .await;
                        assert_eq!(s2, status, "{ctx}: inconnu → {v2}");
                        assert_eq!(swap(&v.to_string()), v2.to_string(), "{ctx}");
                    }
                } else {
                    assert!(status.is_success() || status.is_client_error(), "{ctx}");
                }
            }
        }
        assert!(refused >= 40, "{}: {refused} refus", a.name);
        // B's own lists: its practitioners, sites and accounts only; a
        // search finds its own Dupont, not A's.
        let (_, mine) = a
            .call("POST", "/api/patients", Some(HELENE), &walkers[0].1)
            .await;
        let (s, found) = a
            .call("GET", "/api/patients?q=dupont", None, &walkers[1].1)
            .await;
        assert_eq!(s, 200);
        assert_eq!(found.as_array().map(Vec::len), Some(1), "{found}");
        assert_eq!(found[0]["id"], mine["id"]);
        let (_, users) = a.call("GET", "/api/users", None, &walkers[2].1).await;
        assert_eq!(users.as_array().map(Vec::len), Some(3), "{users}");
        // A's consultation of November is not counted in B's dashboard.
        let (s, tbb) = a
            .call(
                "GET",
                "/api/indicateurs/ins?mois=2026-11",
                None,
                &walkers[0].1,
            )
            .await;
        assert_eq!(s, 200, "{tbb}");
        assert_eq!(tbb[0]["patients_vus"], 0, "{tbb}");
        let (_, tbb) = a
            .call("GET", "/api/indicateurs/ins?mois=2026-11", None, &a.medecin)
            .await;
        assert_eq!(tbb[0]["patients_vus"], 1, "{tbb}");
        // A still sees only its own: the same name twice, two structures.
        let (_, found) = a
            .call("GET", "/api/patients?q=dupont", None, &a.medecin)
            .await;
        assert_eq!(found.as_array().map(Vec::len), Some(1), "{found}");
        assert_eq!(found[0]["id"], ids.patient.as_str());
        assert!(a.store.verify_audit().await.unwrap().is_intact());
    }
}
