//! The INS qualification workflow in the background, as a serving host
//! runs it (worker, verification scan, carte Vitale reader), against the
//! INSi sandbox, on both databases.

mod common;

use axum::http::StatusCode;
use common::{call, runtime_with_ins};
use esculape_host::api::{AppState, router};
use esculape_host::qualification;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

const DAY_MS: i64 = 24 * 3600 * 1000;

struct Host {
    app: axum::Router,
    state: AppState,
    token: std::sync::Mutex<String>,
    sandbox: String,
    offset: Arc<AtomicI64>,
    http: reqwest::Client,
}

impl Host {
    fn token(&self) -> String {
        self.token.lock().unwrap().clone()
    }

    /// Sign in again (after the clock moved past the session's end).
    async fn relogin(&self) {
        let s = self
            .state
            .connexion(
                "accueil",
                esculape_store::testing::SECRETAIRE_PASSWORD,
                None,
            )
            .await
            .unwrap();
        *self.token.lock().unwrap() = s.token;
    }
    async fn create(&self, json: &str) -> String {
        let (status, p) = call(
            &self.app,
            "POST",
            "/api/patients",
            Some(json),
            Some(&self.token()),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{p}");
        p["id"].as_str().unwrap().to_string()
    }

    async fn get(&self, uri: &str) -> serde_json::Value {
        let (status, v) = call(&self.app, "GET", uri, None, Some(&self.token())).await;
        assert_eq!(status, 200, "{uri}: {v}");
        v
    }

    /// Open the file, as the client does.
    async fn open(&self, id: &str) -> serde_json::Value {
        self.get(&format!("/api/patients/{id}")).await
    }

    /// The background query's state once it is no longer pending (or the
    /// motif changed to `motif`).
    async fn settled(&self, id: &str, motif: &str) -> serde_json::Value {
        for _ in 0..400 {
            let v = self.get(&format!("/api/patients/{id}/insi")).await;
            if v["etat"] != "en_attente" && v["etat"] != "aucun" && v["motif"] == motif {
                return v;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("la demande INSi de {id} ({motif}) n'aboutit pas");
    }

    async fn reglages(&self, json: &str) {
        let r = self
            .http
            .put(format!("{}/insi/reglages", self.sandbox))
            .header("content-type", "application/json")
            .body(json.to_string())
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{}", r.status());
    }
}

async fn host(t: esculape_store::testing::TestStore) -> (Host, impl Sized) {
    // The periodic verification counts whole days in Paris time: a run
    // started in the hour before midnight starts two hours on, so that
    // the minutes the scenario adds never carry it into the next day.
    let now = esculape_store::now_millis();
    let local = now + esculape_domain::calendar::paris_offset_minutes(now) as i64 * 60_000;
    let avant_minuit = local.rem_euclid(DAY_MS) > DAY_MS - 3_600_000;
    let offset = Arc::new(AtomicI64::new(if avant_minuit { 2 * 3_600_000 } else { 0 }));
    let o = offset.clone();
    let mut t = t;
    t.store.set_clock(Arc::new(move || {
        esculape_store::now_millis() + o.load(Ordering::SeqCst)
    }));
    esculape_store::testing::practice(&t.store).await.unwrap();
    let (h, rt) = runtime_with_ins();
    let (store, keep) = t.split();
    let store = Arc::new(store);
    let token = common::jeton(
        &store,
        "accueil",
        esculape_store::testing::SECRETAIRE_PASSWORD,
    )
    .await;
    // A short client timeout, for the case of a service that never answers.
    let (insi, sandbox) = common::sandbox_with(|c| c.timeout = Duration::from_secs(1)).await;
    let state = AppState::new(Arc::new(rt), store, insi);
    qualification::demarrer(&state);
    let app = router(state.clone());
    (
        Host {
            app,
            state,
            token: std::sync::Mutex::new(token),
            sandbox,
            offset,
            http: reqwest::Client::new(),
        },
        (h, keep),
    )
}

#[tokio::test]
async fn opening_a_file_qualifies_in_the_background() {
    for t in esculape_store::testing::both().await {
        let name = t.name;
        let (h, _keep) = host(t).await;

        // Single match, every trait equal: recovered without a click.
        let id = h.create(r#"{"birth_name":"Adrtrois","birth_first_names":["Dominique"],"sex":"F","birth_date":"1997-02-26","birth_place_cog":"2A020"}"#).await;
        let opened = h.open(&id).await;
        assert_eq!(
            opened["identity"]["status"], "provisoire",
            "{name}: the opening does not wait"
        );
        let v = h.settled(&id, "ouverture du dossier").await;
        assert_eq!(v["etat"], "termine", "{name}: {v}");
        assert_eq!(v["reponse"]["code"], "00", "{name}: {v}");
        assert_eq!(v["reponse"]["recuperee"], true, "{name}: {v}");
        let p = h.open(&id).await;
        assert_eq!(p["identity"]["status"], "recuperee", "{name}");
        assert_eq!(p["identity"]["ins"]["matricule"], "297022A02077878");
        let verified = p["insi_verifie_le"].as_i64().expect("date de vérification");
        // The request went on behalf of the practice (FINESS of the
        // secrétaire's structure; she has no RPPS), as the service logs it.
        let journal: serde_json::Value = serde_json::from_str(
            &h.http
                .get(format!("{}/insi/journal", h.sandbox))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
        )
        .unwrap();
        let last = journal.as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["emetteur"], "750000001", "{name}: {journal}");
        assert_eq!(last["identifiant"], "1750000001", "{name}: {journal}");
        assert_eq!(
            h.state.store.appelant("dr.martin").await.unwrap(),
            (Some("10001234567".into()), Some("750000001".into()))
        );
        // Opening it again asks nothing more.
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(
            h.get(&format!("/api/patients/{id}/insi")).await["demande_le"],
            v["demande_le"]
        );

        // Homonyms: 02, then 00 with the birth place, unseen by the user.
        let dupont = h.create(r#"{"birth_name":"Dupont","birth_first_names":["Jean"],"sex":"M","birth_date":"1980-05-02","birth_place_cog":"69123"}"#).await;
        h.open(&dupont).await;
        let v = h.settled(&dupont, "ouverture du dossier").await;
        assert_eq!(v["reponse"]["code"], "00", "{name}: {v}");
        assert_eq!(v["reponse"]["avec_lieu_naissance"], true, "{name}: {v}");

        // The INSi does not answer: a clear message, tried again later;
        // nothing lost.
        h.reglages(r#"{"panne":"delai"}"#).await;
        let tchitchi = h.create(r#"{"birth_name":"Tchitchi","birth_first_names":["Catarina"],"sex":"F","birth_date":"1936-06-21","birth_place_cog":"63220"}"#).await;
        h.open(&tchitchi).await;
        let v = h.settled(&tchitchi, "ouverture du dossier").await;
        assert_eq!(v["etat"], "echec", "{name}: {v}");
        let message = v["erreur"].as_str().unwrap();
        assert!(
            message.contains("n'a pas répondu à temps"),
            "{name}: {message}"
        );
        assert!(
            message.contains("Nouvel essai automatique"),
            "{name}: {message}"
        );
        assert!(v["prochain_essai"].as_i64().unwrap() > v["demande_le"].as_i64().unwrap());
        let trail = h.state.store.audit_of_patient(&tchitchi, 20).await.unwrap();
        assert!(
            trail.iter().any(|e| e.action == "insi.echec"),
            "{name}: {trail:?}"
        );
        // The same failure is a visible job: waiting, with the error and
        // the next try.
        let jobs = h.get(&format!("/api/patients/{tchitchi}/travaux")).await;
        let job = &jobs[0];
        assert_eq!(job["etat"], "en_attente", "{name}: {jobs}");
        assert!(
            job["label"].as_str().unwrap().contains("INSi"),
            "{name}: {job}"
        );
        assert!(
            job["erreur"]
                .as_str()
                .unwrap()
                .contains("n'a pas répondu à temps"),
            "{name}: {job}"
        );
        assert!(job["prochain_essai"].is_i64(), "{name}: {job}");
        let job_id = job["id"].as_str().unwrap().to_string();
        // The service is back; the retry comes due.
        h.reglages(r#"{}"#).await;
        h.offset.fetch_add(2 * 60_000, Ordering::SeqCst);
        h.state.reveil.notify_one();
        let mut v = serde_json::Value::Null;
        for _ in 0..400 {
            v = h.get(&format!("/api/patients/{tchitchi}/insi")).await;
            if v["etat"] == "termine" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(v["etat"], "termine", "{name}: {v}");
        // One differing trait (the other birth first names) is shown; the
        // traits the rules name all match, so the INS is recovered.
        assert_eq!(v["reponse"]["recuperee"], true, "{name}: {v}");
        let differing: Vec<_> = v["reponse"]["comparaison"]["traits"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["identique"] == false)
            .map(|t| t["trait"].clone())
            .collect();
        assert_eq!(differing, ["birth-first-names"], "{name}: {v}");
        // Done: listed as such, and no longer cancellable.
        let jobs = h.get(&format!("/api/patients/{tchitchi}/travaux")).await;
        assert_eq!(jobs[0]["id"], job_id.as_str(), "{name}: {jobs}");
        assert_eq!(jobs[0]["etat"], "termine", "{name}: {jobs}");
        let (status, e) = call(
            &h.app,
            "POST",
            &format!("/api/travaux/{job_id}/annulation"),
            None,
            Some(&h.token()),
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT, "{name}: {e}");
        assert!(
            e["erreur"].as_str().unwrap().contains("terminé"),
            "{name}: {e}"
        );

        // A query waiting for its retry is cancelled by the user: never
        // tried again, the INS workflow says so, the cancellation traced.
        h.reglages(r#"{"panne":"indisponible"}"#).await;
        let adrdeux = h.create(r#"{"birth_name":"Annulation","birth_first_names":["Paul"],"sex":"M","birth_date":"1961-01-01","birth_place_cog":"75056"}"#).await;
        h.open(&adrdeux).await;
        let v = h.settled(&adrdeux, "ouverture du dossier").await;
        assert_eq!(v["etat"], "echec", "{name}: {v}");
        let jobs = h.get(&format!("/api/patients/{adrdeux}/travaux")).await;
        assert_eq!(jobs[0]["etat"], "en_attente", "{name}: {jobs}");
        let cancel_id = jobs[0]["id"].as_str().unwrap().to_string();
        let (status, c) = call(
            &h.app,
            "POST",
            &format!("/api/travaux/{cancel_id}/annulation"),
            None,
            Some(&h.token()),
        )
        .await;
        assert_eq!(status, 200, "{name}: {c}");
        assert_eq!(c["etat"], "annule", "{name}: {c}");
        h.reglages(r#"{}"#).await;
        h.offset.fetch_add(2 * 60_000, Ordering::SeqCst);
        h.state.reveil.notify_one();
        tokio::time::sleep(Duration::from_millis(300)).await;
        let jobs = h.get(&format!("/api/patients/{adrdeux}/travaux")).await;
        assert_eq!(jobs.as_array().unwrap().len(), 1, "{name}: {jobs}");
        assert_eq!(jobs[0]["etat"], "annule", "{name}: {jobs}");
        let v = h.get(&format!("/api/patients/{adrdeux}/insi")).await;
        assert_eq!(v["etat"], "echec", "{name}: {v}");
        assert!(
            v["erreur"].as_str().unwrap().contains("annulée"),
            "{name}: {v}"
        );
        assert!(v["prochain_essai"].is_null(), "{name}: {v}");
        let trail = h.state.store.audit_of_patient(&adrdeux, 20).await.unwrap();
        assert!(
            trail.iter().any(|e| e.action == "travail.annulation"),
            "{name}: {trail:?}"
        );

        // An INS-NIA: recovered, then verified at each new opening.
        let nia = h.create(r#"{"birth_name":"Provisoire","birth_first_names":["Matricule"],"sex":"M","birth_date":"2009-07-01","birth_place_cog":"63220"}"#).await;
        h.open(&nia).await;
        let v = h.settled(&nia, "ouverture du dossier").await;
        assert_eq!(v["reponse"]["recuperee"], true, "{name}: {v}");
        let p = h.open(&nia).await;
        assert_eq!(
            p["identity"]["ins"]["oid"], "1.2.250.1.213.1.4.9",
            "{name}: {p}"
        );
        let v = h
            .settled(&nia, "vérification de l'INS-NIA à l'ouverture du dossier")
            .await;
        assert_eq!(v["reponse"]["verification"], "confirmee", "{name}: {v}");
        let trail = h.state.store.audit_of_patient(&nia, 30).await.unwrap();
        assert!(
            trail
                .iter()
                .any(|e| e.action == "insi.verification" && e.detail.contains("INS confirmée")),
            "{name}: {trail:?}"
        );

        // Born abroad (99134), a code the bundled referential lacks and
        // the user did not type (unknown place): no automatic recovery;
        // the user accepts the place explicitly.
        let martinez = h.create(r#"{"birth_name":"Martinez","birth_first_names":["Ana"],"sex":"F","birth_date":"1975-08-19","birth_place_cog":"INCONNU"}"#).await;
        h.open(&martinez).await;
        let v = h.settled(&martinez, "ouverture du dossier").await;
        assert_eq!(v["reponse"]["code"], "00", "{name}: {v}");
        assert_eq!(
            v["reponse"]["lieu_naissance_hors_referentiel"], "99134",
            "{name}: {v}"
        );
        assert_eq!(v["reponse"]["recuperee"], false, "{name}: {v}");
        let uri = format!("/api/patients/{martinez}/insi/validation");
        let (status, e) = call(
            &h.app,
            "POST",
            &uri,
            Some(r#"{"version":1}"#),
            Some(&h.token()),
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT, "{name}: {e}");
        assert!(
            e["erreur"]
                .as_str()
                .unwrap()
                .contains("absent du référentiel"),
            "{e}"
        );
        let (status, p) = call(
            &h.app,
            "POST",
            &uri,
            Some(r#"{"version":1,"accepter_lieu_naissance":true}"#),
            Some(&h.token()),
        )
        .await;
        assert_eq!(status, 200, "{name}: {p}");
        assert_eq!(p["identity"]["status"], "recuperee");
        assert_eq!(p["identity"]["birth_place_cog"], "99134");
        assert!(p["insi_verifie_le"].is_i64(), "{name}: {p}");

        // 1,460 days on (every four years hold a 29 February, so four
        // calendar years are 1,461 days): the store names it a candidate,
        // the INS plugin says it is not due yet, nothing is asked.
        h.offset.fetch_add(1460 * DAY_MS + 60_000, Ordering::SeqCst);
        h.relogin().await;
        let candidats = h.state.store.a_verifier(500).await.unwrap();
        assert!(candidats.iter().any(|c| c.patient_id == id), "{name}");
        qualification::planifier_verifications(&h.state)
            .await
            .unwrap();
        let v = h.get(&format!("/api/patients/{id}/insi")).await;
        assert_ne!(
            v["motif"], "vérification périodique de l'INS",
            "{name}: {v}"
        );
        // Four years on, the INS recovered first is verified again.
        h.offset
            .fetch_add((4 * 366 - 1460) * DAY_MS, Ordering::SeqCst);
        h.relogin().await;
        let planned = qualification::planifier_verifications(&h.state)
            .await
            .unwrap();
        assert!(planned >= 1, "{name}: {planned}");
        let v = h.settled(&id, "vérification périodique de l'INS").await;
        assert_eq!(v["etat"], "termine", "{name}: {v}");
        assert_eq!(v["reponse"]["verification"], "confirmee", "{name}: {v}");
        let p = h.open(&id).await;
        assert!(p["insi_verifie_le"].as_i64().unwrap() > verified + 4 * 365 * DAY_MS);
        // Then it is not due again.
        let again = h.state.store.a_verifier(500).await.unwrap();
        assert!(!again.iter().any(|c| c.patient_id == id), "{name}");
    }
}

#[tokio::test]
async fn a_card_inserted_in_the_reader_qualifies_its_patients() {
    for t in esculape_store::testing::both().await {
        let name = t.name;
        let (h, _keep) = host(t).await;
        // Known to the practice, not yet qualified, not opened.
        let lea = h.create(r#"{"birth_name":"Dupont","birth_first_names":["Léa"],"sex":"F","birth_date":"2015-03-10","birth_place_cog":"75056"}"#).await;
        let r = h
            .http
            .post(format!("{}/vitale/inserer/famille-dupont", h.sandbox))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let v = h.settled(&lea, "carte Vitale insérée").await;
        assert_eq!(v["etat"], "termine", "{name}: {v}");
        assert_eq!(v["reponse"]["methode"], "carte Vitale", "{name}: {v}");
        assert_eq!(v["reponse"]["recuperee"], true, "{name}: {v}");
        let p = h.open(&lea).await;
        assert_eq!(p["identity"]["status"], "recuperee", "{name}");
        assert_eq!(p["identity"]["ins"]["matricule"], "215037505621051");
    }
}

#[tokio::test]
async fn the_ins_dashboard_counts_statuses_of_the_patients_seen() {
    for t in esculape_store::testing::both().await {
        let a = &common::TestApp::new(t).await;
        let n = a.name;
        let patient = |json: &'static str| async move {
            let (s, p) = a
                .call("POST", "/api/patients", Some(json), &a.medecin)
                .await;
            assert_eq!(s, StatusCode::CREATED, "{n}: {p}");
            p["id"].as_str().unwrap().to_string()
        };
        let seen = |id: String, date: &'static str| async move {
            let body = format!(r#"{{"date":"{date}","note":"consultation"}}"#);
            let (s, e) = a
                .call(
                    "POST",
                    &format!("/api/patients/{id}/encounters"),
                    Some(&body),
                    &a.medecin,
                )
                .await;
            assert_eq!(s, StatusCode::CREATED, "{n}: {e}");
        };
        let provisoire = patient(
            r#"{"birth_name":"Un","birth_first_names":["A"],"sex":"F","birth_date":"1990-01-01"}"#,
        )
        .await;
        let validee = patient(r#"{"birth_name":"Deux","birth_first_names":["B"],"sex":"M","birth_date":"1991-01-01","high_trust_document":true}"#).await;
        let pst = common::patient_insi(&a.store, r#"{"birth_name":"Adrtrois","birth_first_names":["Dominique"],"sex":"F","birth_date":"1997-02-26","birth_place_cog":"2A020","ins":{"matricule":"297022A02077878","oid":"1.2.250.1.213.1.4.8"},"from_insi":true,"justificatif":"procedure_transitoire"}"#).await;
        let octobre = patient(r#"{"birth_name":"Trois","birth_first_names":["C"],"sex":"M","birth_date":"1992-01-01"}"#).await;
        seen(provisoire.clone(), "2026-11-03").await;
        seen(provisoire, "2026-11-20").await;
        seen(validee, "2026-11-04").await;
        seen(pst, "2026-11-30").await;
        seen(octobre, "2026-10-31").await;

        let (s, v) = a
            .call("GET", "/api/indicateurs/ins?mois=2026-11", None, &a.medecin)
            .await;
        assert_eq!(s, 200, "{n}: {v}");
        let all = v
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["tout_le_cabinet"] == true)
            .unwrap();
        assert_eq!(all["patients_vus"], 3, "{n}: {v}");
        assert_eq!(all["provisoire"]["nombre"], 1);
        assert_eq!(all["validee"]["nombre"], 1);
        assert_eq!(all["qualifiee"]["nombre"], 1);
        assert_eq!(all["recuperee"]["nombre"], 0);
        assert_eq!(all["qualifiee"]["taux"], 33.3);
        assert_eq!(all["qualifiee_procedure_transitoire"]["nombre"], 1);
        assert_eq!(all["qualifiee_procedure_transitoire"]["taux"], 100.0);
        // Per practitioner and structure.
        let doctor = v
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["rpps"] == "10001234567")
            .unwrap_or_else(|| panic!("{n}: {v}"));
        assert_eq!(doctor["finess"], "750000001", "{n}: {v}");
        assert_eq!(doctor["patients_vus"], 3);
        // Filters, a bad month, and who may see it.
        let (_, v) = a
            .call(
                "GET",
                "/api/indicateurs/ins?mois=2026-11&rpps=19999999999",
                None,
                &a.admin,
            )
            .await;
        assert_eq!(v[0]["patients_vus"], 0, "{n}: {v}");
        let (s, e) = a
            .call(
                "GET",
                "/api/indicateurs/ins?mois=novembre",
                None,
                &a.medecin,
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{n}: {e}");
        assert!(e["erreur"].as_str().unwrap().contains("AAAA-MM"));
        let (s, _) = a
            .call(
                "GET",
                "/api/indicateurs/ins?mois=2026-11",
                None,
                &a.secretaire,
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{n}");
    }
}
