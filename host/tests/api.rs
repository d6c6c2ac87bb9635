//! The HTTP API as a client sees it, on both databases.

mod common;

use axum::http::StatusCode;
use common::{HELENE, TestApp, call, runtime_with_ins};
use esculape_host::api::{AppState, router};
use std::sync::Arc;

#[tokio::test]
async fn health_and_plugin_list() {
    let (_h, rt) = runtime_with_ins();
    let store = esculape_store::testing::sqlite().await.unwrap();
    esculape_store::testing::practice(&store.store)
        .await
        .unwrap();
    let token = common::jeton(
        &store.store,
        "accueil",
        esculape_store::testing::SECRETAIRE_PASSWORD,
    )
    .await;
    let app = router(AppState::new(
        Arc::new(rt),
        Arc::new(store.store),
        common::sandbox_insi().await,
    ));

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

/// The INSi query of a patient through the API, against the sandbox: a
/// match compared trait by trait by the INS plugin, a 02 retried with the
/// birth place without the user asking, advice on 01/02, a failing
/// service reported in French, every query traced.
#[tokio::test]
async fn insi_query_compares_and_advises() {
    let (_h, rt) = runtime_with_ins();
    let rt = Arc::new(rt);
    let t = esculape_store::testing::sqlite().await.unwrap();
    esculape_store::testing::practice(&t.store).await.unwrap();
    let store = Arc::new(t.store);
    let token = common::jeton(
        &store,
        "accueil",
        esculape_store::testing::SECRETAIRE_PASSWORD,
    )
    .await;
    let (insi, sandbox) = common::sandbox().await;
    let app = router(AppState::new(rt.clone(), store.clone(), insi));
    let create = |json: &'static str| {
        let app = app.clone();
        let token = token.clone();
        async move {
            let (status, p) = call(&app, "POST", "/api/patients", Some(json), Some(&token)).await;
            assert_eq!(status, StatusCode::CREATED, "{p}");
            p["id"].as_str().unwrap().to_string()
        }
    };
    let ask = |id: String| {
        let app = app.clone();
        let token = token.clone();
        async move {
            call(
                &app,
                "POST",
                &format!("/api/patients/{id}/insi"),
                None,
                Some(&token),
            )
            .await
        }
    };

    // Typed with accents and lower case: the INSi identity all the same.
    let id = create(r#"{"birth_name":"Adrtrois","birth_first_names":["Dominique"],"sex":"F","birth_date":"1997-02-26","birth_place_cog":"2A020"}"#).await;
    let (status, v) = ask(id.clone()).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["code"], "00");
    assert_eq!(v["individu"]["ins"]["numero"], "297022A020778");
    assert_eq!(v["comparaison"]["recuperation_automatique"], true, "{v}");
    let traits = v["comparaison"]["traits"].as_array().unwrap();
    assert!(traits.iter().all(|t| t["identique"] == true), "{v}");
    // Every trait matches: the INS is recovered at once.
    assert_eq!(v["recuperee"], true, "{v}");
    assert_eq!(v["identite"]["identity"]["status"], "recuperee", "{v}");
    assert_eq!(
        v["identite"]["identity"]["ins"]["matricule"],
        "297022A02077878"
    );
    let trail = store.audit_of_patient(&id, 10).await.unwrap();
    assert!(
        trail
            .iter()
            .any(|e| e.action == "insi.recherche" && e.detail == "code 00"),
        "{trail:?}"
    );

    // Homonyms born the same day: 02 without the birth place, then 00
    // with it, in one call.
    let id = create(r#"{"birth_name":"Dupont","birth_first_names":["Jean"],"sex":"M","birth_date":"1980-05-02","birth_place_cog":"69123"}"#).await;
    let (_, v) = ask(id).await;
    assert_eq!(v["code"], "00", "{v}");
    assert_eq!(v["avec_lieu_naissance"], true);
    assert_eq!(v["individu"]["traits"]["lieu_naissance"], "69123");

    // Same person typed with a different first name: a difference shows.
    let id = create(r#"{"birth_name":"Tchitchi","birth_first_names":["Catarina"],"sex":"F","birth_date":"1936-06-21","birth_place_cog":"63220"}"#).await;
    let (_, v) = ask(id).await;
    let names: Vec<_> = v["comparaison"]["traits"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["identique"] == false)
        .map(|t| t["trait"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["birth-first-names"], "{v}");

    // A local INS (recovered years ago) that INSi has since replaced: no
    // automatic recovery;
    // the user validates in one click (INSi asked again), with the version
    // compared.
    let id = common::patient_insi(&store, r#"{"birth_name":"Ecetinsi","birth_first_names":["Pierre-Alain"],"sex":"M","birth_date":"2009-07-14","birth_place_cog":"63220","ins":{"matricule":"209076322083439","oid":"1.2.250.1.213.1.4.8"},"from_insi":true}"#).await;
    let (_, v) = ask(id.clone()).await;
    assert_eq!(v["code"], "00", "{v}");
    assert_eq!(v["comparaison"]["recuperation_automatique"], false, "{v}");
    assert_eq!(v["recuperee"], false);
    let validate = |version: i64| {
        let app = app.clone();
        let token = token.clone();
        let id = id.clone();
        async move {
            call(
                &app,
                "POST",
                &format!("/api/patients/{id}/insi/validation"),
                Some(&format!(r#"{{"version":{version}}}"#)),
                Some(&token),
            )
            .await
        }
    };
    let (status, _) = validate(7).await;
    assert_eq!(status, StatusCode::CONFLICT, "a stale comparison");
    let (status, p) = validate(1).await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(p["identity"]["ins"]["matricule"], "109076322083489");
    assert_eq!(p["identity"]["status"], "recuperee");
    assert_eq!(
        p["identity"]["birth_first_names"],
        serde_json::json!(["PIERRE-ALAIN", "MURIEL", "FLORIANT"])
    );
    let trail = store.audit_of_patient(&id, 10).await.unwrap();
    assert!(
        trail
            .iter()
            .any(|e| e.action == "insi.recuperation" && e.detail.starts_with("validée")),
        "{trail:?}"
    );

    // Birth place unknown ("INCONNU" → 99999): the 02 stays, with advice.
    let id = create(r#"{"birth_name":"Dupont","birth_first_names":["Jean"],"sex":"M","birth_date":"1980-05-02","birth_place_cog":"99999"}"#).await;
    let (_, v) = ask(id).await;
    assert_eq!(v["code"], "02");
    assert_eq!(v["avec_lieu_naissance"], false);
    assert!(v["conseil"].as_str().unwrap().contains("carte Vitale"));
    // Nobody: 01 with advice.
    let id = create(r#"{"birth_name":"Personne","birth_first_names":["Inconnue"],"sex":"F","birth_date":"1990-01-01","birth_place_cog":"75056"}"#).await;
    let (_, v) = ask(id).await;
    assert_eq!(v["code"], "01");
    assert!(v["conseil"].as_str().unwrap().contains("traits"));

    // Birth places for the identity form: by name, by former code.
    let (status, v) = call(&app, "GET", "/api/cog?nom=ajacc", None, Some(&token)).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v[0]["code"], "2A004");
    let (_, v) = call(&app, "GET", "/api/cog?code=01126", None, Some(&token)).await;
    assert_eq!(v[0]["nature"], "ancienne");
    assert_eq!(v[0]["commune_actuelle"], "01033");
    let (status, _) = call(&app, "GET", "/api/cog", None, Some(&token)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // A carte Vitale in the reader: the preferred query, even for a child
    // known only by her father's NIR on the family card.
    let http = reqwest::Client::new();
    let r = http
        .post(format!("{sandbox}/vitale/inserer/famille-dupont"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let id = create(r#"{"birth_name":"Dupont","birth_first_names":["Léa"],"sex":"F","birth_date":"2015-03-10","birth_place_cog":"75056"}"#).await;
    let (_, v) = ask(id.clone()).await;
    assert_eq!(v["methode"], "carte Vitale", "{v}");
    assert_eq!(v["code"], "00");
    assert_eq!(v["recuperee"], true, "{v}");
    let trail = store.audit_of_patient(&id, 10).await.unwrap();
    assert!(
        trail
            .iter()
            .any(|e| e.detail == "code 00, par la carte Vitale"),
        "{trail:?}"
    );
    // A patient who is not on the card in the reader: by traits.
    let id = create(r#"{"birth_name":"Corse","birth_first_names":["Anthony"],"sex":"M","birth_date":"1980-03-02","birth_place_cog":"2B020"}"#).await;
    let (_, v) = ask(id).await;
    assert_eq!(v["methode"], "traits", "{v}");
    http.post(format!("{sandbox}/vitale/retirer"))
        .send()
        .await
        .unwrap();

    // A service that cannot be reached: a 502 in French, traced.
    let mut config = esculape_host::insi::InsiConfig::from_env();
    config.url = "http://127.0.0.1:1/insi".into();
    config.lecteur = Some("http://127.0.0.1:1/vitale".into());
    let down = router(AppState::new(
        rt.clone(),
        store.clone(),
        Arc::new(esculape_host::insi::InsiClient::new(config)),
    ));
    let id2 = create(r#"{"birth_name":"Martin","birth_first_names":["Paul"],"sex":"M","birth_date":"1970-01-01","birth_place_cog":"75056"}"#).await;
    let (status, v) = call(
        &down,
        "POST",
        &format!("/api/patients/{id2}/insi"),
        None,
        Some(&token),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{v}");
    assert!(v["erreur"].as_str().unwrap().contains("injoignable"), "{v}");
    let trail = store.audit_of_patient(&id2, 10).await.unwrap();
    assert!(trail.iter().any(|e| e.action == "insi.echec"), "{trail:?}");
}

/// Every `$ref` of a value, collected.
fn refs<'a>(v: &'a serde_json::Value, out: &mut Vec<&'a str>) {
    match v {
        serde_json::Value::Object(o) => {
            if let Some(r) = o.get("$ref").and_then(|r| r.as_str()) {
                out.push(r);
            }
            o.values().for_each(|x| refs(x, out));
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
        _ => {}
    }
}

/// The OpenAPI document against the route table: one operation per route,
/// a typed answer for each (a schema, bytes, or 204), a schema for every
/// body and for the refusals, every reference resolved; and the check every
/// test runs on every answer ([`common::ecarts`]) does refuse an answer that
/// departs from its schema.
#[tokio::test]
async fn the_openapi_document_types_every_route() {
    use esculape_host::api::routes::{Reponse, table};
    let routes = table();
    let doc = esculape_host::api::openapi::document(&routes);
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    // Types of the API, each under its own name.
    for name in [
        "Chart",
        "PatientRecord",
        "ReponseInsi",
        "SuiviInsi",
        "Session",
        "DocumentProduit",
        "Erreur",
        "Identity",
        "Day",
    ] {
        assert!(schemas.contains_key(name), "schéma {name} absent");
    }
    let mut operations = 0;
    for r in &routes {
        let d = &r.doc;
        let op = &doc["paths"][d.path][d.method.to_lowercase()];
        assert!(op.is_object(), "{} {} absent du document", d.method, d.path);
        operations += 1;
        let responses = op["responses"].as_object().unwrap();
        for refus in ["4XX", "5XX"] {
            assert_eq!(
                responses[refus]["content"]["application/json"]["schema"]["$ref"],
                "#/components/schemas/Erreur",
                "{} {}",
                d.method,
                d.path
            );
        }
        match d.answer {
            Reponse::Json(status, _) => assert!(
                responses[&status.to_string()]["content"]["application/json"]["schema"].is_object()
                    || d.path == "/api/openapi.json",
                "{} {}: réponse sans schéma",
                d.method,
                d.path
            ),
            Reponse::Octets(_) => assert!(responses.contains_key("200")),
            Reponse::Vide => assert!(responses.contains_key("204"), "{} {}", d.method, d.path),
        }
        // A write names its body, except the few that take none.
        let sans_corps = [
            "/api/patients/{id}/insi",
            "/api/travaux/{id}/annulation",
            "/api/psc/navigateur",
            "/api/documents/{id}/vu",
            "/api/documents/{id}/dmp",
            "/api/moi/mss/releve",
            "/api/mss/messages/{id}/appliquer",
            "/api/mss/messages/{id}/ecarter",
        ];
        if matches!(d.method, "POST" | "PUT") && !sans_corps.contains(&d.path) {
            assert!(
                op["requestBody"]["content"]["application/json"]["schema"].is_object(),
                "{} {}: corps sans schéma",
                d.method,
                d.path
            );
        }
    }
    let documented: usize = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|ops| ops.as_object().unwrap().len())
        .sum();
    assert_eq!(
        documented, operations,
        "opérations hors de la table des routes"
    );
    let mut all = vec![];
    refs(&doc, &mut all);
    assert!(all.len() > 100, "{} références", all.len());
    for r in all {
        let name = r
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("référence hors des composants: {r}"));
        assert!(schemas.contains_key(name), "référence non résolue: {r}");
    }
    // The check itself: a session without its user, a day in the wrong
    // shape, an error without its code are caught.
    let bad_session = serde_json::json!({"token": "x", "expires_at": 1, "password_expired": false});
    assert!(!common::ecarts("POST", "/api/session", StatusCode::OK, &bad_session).is_empty());
    let bad_slot = serde_json::json!([{"practitioner_id": "p", "site_id": "s", "start": "27/11/2026 09:00", "end": "2026-11-27T09:20"}]);
    assert!(
        !common::ecarts(
            "GET",
            "/api/agenda/free-slots?practitioner=p&day=2026-11-27",
            StatusCode::OK,
            &bad_slot
        )
        .is_empty()
    );
    let bad_error = serde_json::json!({"erreur": "refusé"});
    assert!(
        !common::ecarts("GET", "/api/patients/x", StatusCode::NOT_FOUND, &bad_error).is_empty()
    );
    // A status the document does not give for the route is an error too.
    assert!(
        !common::ecarts(
            "POST",
            "/api/patients",
            StatusCode::OK,
            &serde_json::json!({})
        )
        .is_empty()
    );
    let good_error = serde_json::json!({"erreur": "refusé", "code": "introuvable"});
    assert!(
        common::ecarts("GET", "/api/patients/x", StatusCode::NOT_FOUND, &good_error).is_empty()
    );
}

/// The rules the application layer keeps (not the HTTP layer): an
/// episode needs a label, an agenda read covers two months at most, an
/// administrator cannot take away their own rights, a document brought
/// from outside has no signed form and a text one no PDF. Each is a
/// French 4xx that writes nothing, on both databases.
#[tokio::test]
async fn the_application_rules_refuse_in_french_and_write_nothing() {
    for t in esculape_store::testing::both().await {
        let a = TestApp::new(t).await;
        let (app, dr, admin) = (a.app.clone(), a.medecin.clone(), a.admin.clone());
        let name = a.name;
        let (_, p) = call(&app, "POST", "/api/patients", Some(HELENE), Some(&dr)).await;
        let id = p["id"].as_str().unwrap().to_string();
        let (status, doc) = call(
            &app,
            "POST",
            &format!("/api/patients/{id}/documents"),
            Some(r#"{"title":"Lettre","type_code":"11490-0","format":"texte","act_date":"2026-11-20","provenance":"importe","content":"Qm9uam91cg=="}"#),
            Some(&dr),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{name}: {doc}");
        let doc = doc["id"].as_str().unwrap().to_string();
        let admin_id = a.practice.admin.id.clone();
        let events = a.store.verify_audit().await.unwrap().events;
        let refus = [
            (
                "POST",
                format!("/api/patients/{id}/episodes"),
                Some(r#"{"label":"   "}"#.to_string()),
                &dr,
                StatusCode::UNPROCESSABLE_ENTITY,
                "libellé de l'épisode",
            ),
            (
                "GET",
                "/api/agenda?from=2026-01-01&to=2026-06-01".to_string(),
                None,
                &dr,
                StatusCode::UNPROCESSABLE_ENTITY,
                "deux mois au plus",
            ),
            (
                "PUT",
                format!("/api/users/{admin_id}"),
                Some(r#"{"role":"medecin"}"#.to_string()),
                &admin,
                StatusCode::UNPROCESSABLE_ENTITY,
                "ses propres droits",
            ),
            (
                "GET",
                format!("/api/documents/{doc}/form"),
                None,
                &dr,
                StatusCode::NOT_FOUND,
                "pas de formulaire à reprendre",
            ),
            (
                "GET",
                format!("/api/documents/{doc}/pdf"),
                None,
                &dr,
                StatusCode::NOT_FOUND,
                "pas de PDF enregistré",
            ),
        ];
        for (method, uri, body, tok, status, message) in refus {
            let (got, err) = call(&app, method, &uri, body.as_deref(), Some(tok)).await;
            assert_eq!(got, status, "{name}: {method} {uri}: {err}");
            assert!(
                err["erreur"].as_str().is_some_and(|m| m.contains(message)),
                "{name}: {method} {uri}: {err}"
            );
        }
        // Reading the document for its form or PDF is a traced access; the
        // refused writes add nothing else.
        let after = a.store.verify_audit().await.unwrap().events;
        assert!(after - events <= 2, "{name}: {events} → {after}");
        let (_, me) = call(&app, "GET", "/api/users", None, Some(&admin)).await;
        let still_admin = me
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["id"] == admin_id.as_str() && u["role"] == "administrateur");
        assert!(still_admin, "{name}: {me}");
    }
}
