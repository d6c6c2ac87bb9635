//! The medical record, documents and agenda through the API, on SQLite and
//! PostgreSQL: what a doctor and a secretary do all day.

mod common;

use axum::http::StatusCode;
use base64::Engine as _;
use common::{HELENE, TestApp};

#[tokio::test]
async fn record_documents_and_chart() {
    for t in esculape_store::testing::both().await {
        let a = TestApp::new(t).await;
        let n = a.name;
        let m = a.medecin.clone();
        let (_, p) = a.call("POST", "/api/patients", Some(HELENE), &m).await;
        let pid = p["id"].as_str().unwrap().to_string();
        let uri = |s: &str| format!("/api/patients/{pid}/{s}");

        // Contacts and care team (the secretary may do it).
        let s_tok = a.secretaire.clone();
        let (s, c) = a
            .call("PUT", &uri("contact"), Some(r#"{"version":0,"address":"3 rue des Lilas","postal_code":"75011","city":"Paris","mobile":"06 12 34 56 78","email":"helene.dupont@example.fr"}"#), &s_tok)
            .await;
        assert_eq!(s, 200, "{n}: {c}");
        assert_eq!(c["version"], 1, "{n}: {c}");
        // A screen that read the details before this change: refused,
        // nothing overwritten (finding 5 of issue 17).
        let (s, e) = a
            .call(
                "PUT",
                &uri("contact"),
                Some(r#"{"version":0,"city":"Lyon"}"#),
                &s_tok,
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{n}: {e}");
        let (_, c) = a.call("GET", &uri("contact"), None, &s_tok).await;
        assert_eq!(
            (c["city"].as_str(), c["version"].as_i64()),
            (Some("Paris"), Some(1)),
            "{n}: {c}"
        );
        let (s, e) = a
            .call(
                "PUT",
                &uri("contact"),
                Some(r#"{"version":1,"email":"pas-une-adresse"}"#),
                &s_tok,
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{n}: {e}");
        let (s, _) = a
            .call("POST", &uri("care-team"), Some(r#"{"name":"Dr Paul Cardio","profession":"cardiologue","rpps":"10009876543","mssante":"paul.cardio@medecin.mssante.fr","relation":"correspondant"}"#), &s_tok)
            .await;
        assert_eq!(s, StatusCode::CREATED);
        let (s, e) = a
            .call(
                "POST",
                &uri("care-team"),
                Some(r#"{"name":"X","rpps":"123"}"#),
                &s_tok,
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{n}: {e}");

        // An encounter with its structured observations.
        let (s, enc) = a
            .call("POST", &uri("encounters"), Some(r#"{"date":"2026-11-20","reason":"Suivi diabète","note":"Patiente en forme. Poursuite du traitement."}"#), &m)
            .await;
        assert_eq!(s, StatusCode::CREATED, "{n}: {enc}");
        let enc_id = enc["id"].as_str().unwrap().to_string();
        let entries = [
            r#"{"kind":"probleme","label":"Diabète de type 2","code":{"system":"CIM-10","code":"E11.9"},"onset":"2019-05-01"}"#.to_string(),
            r#"{"kind":"antecedent","label":"Appendicectomie","antecedent":"chirurgical","onset":"1995-06-01"}"#.to_string(),
            r#"{"kind":"probleme","label":"Entorse cheville","code":{"system":"CISP-2","code":"L77"},"status":"passe"}"#.to_string(),
            r#"{"kind":"allergie","label":"Pénicilline","reaction":"urticaire"}"#.to_string(),
            r#"{"kind":"traitement","label":"METFORMINE 1000 mg cp","code":{"system":"ATC","code":"A10BA02"},"posology":"1 cp matin et soir","start":"2019-05-01","long_term":true}"#.to_string(),
            r#"{"kind":"vaccination","label":"Boostrixtetra","date":"2025-10-02","lot":"AB123","dose":1}"#.to_string(),
            format!(r#"{{"kind":"mesure","measure":"taille","value":165,"date":"2026-11-20","encounter_id":"{enc_id}"}}"#),
            format!(r#"{{"kind":"mesure","measure":"poids","value":68.5,"date":"2026-11-20","encounter_id":"{enc_id}"}}"#),
            format!(r#"{{"kind":"observation","label":"Examen des pieds","value":"sans lésion","date":"2026-11-20","encounter_id":"{enc_id}"}}"#),
        ];
        let mut entry_ids = vec![];
        for e in &entries {
            let (s, v) = a.call("POST", &uri("entries"), Some(e), &m).await;
            assert_eq!(s, StatusCode::CREATED, "{n}: {e} → {v}");
            entry_ids.push(v["id"].as_str().unwrap().to_string());
        }
        let before = a.events().await;
        for bad in [
            r#"{"kind":"mesure","measure":"poids","value":680,"date":"2026-11-20"}"#,
            r#"{"kind":"probleme","label":"X","code":{"system":"CIM-10","code":"12"}}"#,
            r#"{"kind":"probleme","label":"X","code":{"system":"CIM-11","code":"E11"}}"#,
            r#"{"kind":"inconnu","label":"X"}"#,
            r#"{"kind":"traitement","label":"X","posology":"","start":"2026-01-01"}"#,
            r#"{"kind":"vaccination","label":"X","date":"2026-02-30"}"#,
        ] {
            let (s, v) = a.call("POST", &uri("entries"), Some(bad), &m).await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{n}: {bad} → {v}");
            assert!(v["erreur"].as_str().is_some_and(|e| !e.is_empty()));
        }
        assert_eq!(a.events().await, before, "{n}: refusals write nothing");

        // Edit with version, conflict on a stale one; delete keeps it out
        // of the chart.
        let upd = r#"{"version":1,"data":{"kind":"allergie","label":"Pénicilline G","reaction":"urticaire géante"},"motif":"précision"}"#;
        let (s, v) = a
            .call(
                "PUT",
                &format!("/api/entries/{}", entry_ids[3]),
                Some(upd),
                &m,
            )
            .await;
        assert_eq!(s, 200, "{n}: {v}");
        assert_eq!(v["version"], 2);
        let (s, _) = a
            .call(
                "PUT",
                &format!("/api/entries/{}", entry_ids[3]),
                Some(upd),
                &m,
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT);
        let (s, _) = a
            .call(
                "DELETE",
                &format!("/api/entries/{}?motif=doublon", entry_ids[2]),
                None,
                &m,
            )
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        // Every version stays readable, who, when and why (the deleted
        // entry's too); the medical history is not the secretary's.
        let (s, v) = a
            .call(
                "GET",
                &format!("/api/entries/{}/versions", entry_ids[3]),
                None,
                &m,
            )
            .await;
        assert_eq!(s, 200, "{n}: {v}");
        assert_eq!(v.as_array().map(Vec::len), Some(2), "{n}: {v}");
        assert_eq!(v[0]["contenu"]["label"], "Pénicilline", "{n}: {v}");
        assert_eq!(v[1]["motif"], "précision", "{n}: {v}");
        let (s, v) = a
            .call(
                "GET",
                &format!("/api/entries/{}/versions", entry_ids[2]),
                None,
                &m,
            )
            .await;
        assert_eq!(s, 200, "{n}: {v}");
        assert_eq!(v[1]["operation"], "suppression", "{n}: {v}");
        assert_eq!(v[1]["motif"], "doublon", "{n}: {v}");
        let (s, _) = a
            .call(
                "GET",
                &format!("/api/entries/{}/versions", entry_ids[3]),
                None,
                &s_tok,
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{n}");
        let (s, v) = a
            .call(
                "GET",
                &format!("/api/encounters/{enc_id}/versions"),
                None,
                &m,
            )
            .await;
        assert_eq!(
            (s.as_u16(), v[0]["operation"].as_str()),
            (200, Some("creation")),
            "{n}: {v}"
        );
        let (s, v) = a.call("GET", &uri("contact/versions"), None, &s_tok).await;
        assert_eq!(
            (s.as_u16(), v[0]["contenu"]["city"].as_str()),
            (200, Some("Paris")),
            "{n}: {v}"
        );
        let (s, v) = a.call("GET", &uri("versions"), None, &s_tok).await;
        assert_eq!(
            (s.as_u16(), v[0]["operation"].as_str()),
            (200, Some("creation")),
            "{n}: {v}"
        );

        // Documents: a version supersedes the previous one; delete marks.
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        let doc = |title: &str, text: &str| {
            format!(
                r#"{{"title":"{title}","type_code":"11490-0","type_display":"Courrier de sortie","format":"texte","act_date":"2026-11-20","provenance":"produit","content":"{}"}}"#,
                b64(text)
            )
        };
        let (s, d1) = a
            .call(
                "POST",
                &uri("documents"),
                Some(&doc("Courrier", "Cher confrère, ...")),
                &m,
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{n}: {d1}");
        let d1_id = d1["id"].as_str().unwrap().to_string();
        assert_eq!(d1["version_number"], 1);
        assert_eq!(d1["dmp_state"], "non-envoye");
        let (s, d2) = a
            .call(
                "POST",
                &format!("/api/documents/{d1_id}/versions"),
                Some(&doc("Courrier corrigé", "Cher confrère, (corrigé)")),
                &m,
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{n}: {d2}");
        assert_eq!(d2["set_id"], d1["set_id"]);
        assert_eq!(d2["version_number"], 2);
        assert_ne!(d2["id"], d1["id"]);
        let (s, _) = a
            .call(
                "POST",
                &format!("/api/documents/{d1_id}/versions"),
                Some(&doc("Encore", "x")),
                &m,
            )
            .await;
        assert_eq!(
            s,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{n}: only the current version can be replaced"
        );
        let d2_id = d2["id"].as_str().unwrap().to_string();
        let (s, v) = a
            .call(
                "PUT",
                &format!("/api/documents/{d2_id}/sending"),
                Some(r#"{"channel":"dmp","state":"envoye"}"#),
                &m,
            )
            .await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(v["dmp_state"], "envoye");
        let (s, v) = a
            .call(
                "PUT",
                &format!("/api/documents/{d2_id}/visibility"),
                Some(r#"{"invisible_au_patient":true}"#),
                &m,
            )
            .await;
        assert_eq!(s, 200);
        assert_eq!(v["visibility"]["invisible_au_patient"], true);
        let (s, v) = a
            .call("GET", &format!("/api/documents/{d2_id}"), None, &m)
            .await;
        assert_eq!(s, 200);
        assert_eq!(v["content"], b64("Cher confrère, (corrigé)"));
        let (s, e) = a
            .call("POST", &uri("documents"), Some(r#"{"title":"PDF","type_code":"11490-0","format":"pdf","act_date":"2026-11-20","provenance":"importe","content":"PGh0bWw+"}"#), &m)
            .await;
        assert_eq!(
            s,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{n}: html is not a PDF: {e}"
        );
        let (s, note) = a
            .call(
                "POST",
                &uri("documents"),
                Some(&doc("Note", "à supprimer")),
                &m,
            )
            .await;
        assert_eq!(s, StatusCode::CREATED);
        let (s, _) = a
            .call(
                "DELETE",
                &format!("/api/documents/{}", note["id"].as_str().unwrap()),
                None,
                &m,
            )
            .await;
        assert_eq!(s, 200);
        let (s, scan) = a
            .call("POST", &uri("documents"), Some(r#"{"title":"Ancien compte rendu","type_code":"11526-1","format":"pdf","act_date":"2019-03-01","provenance":"dmp","content":"JVBERi0xLjQK"}"#), &m)
            .await;
        assert_eq!(s, StatusCode::CREATED, "{scan}");

        // The list: filter by type and act date, sort, page (SC.CDA/INT.04);
        // deleted documents only on request.
        let list = |q: &str| {
            let uri = format!("/api/patients/{pid}/documents?{q}");
            let (a, m) = (&a, m.clone());
            async move { a.call("GET", &uri, None, &m).await }
        };
        let (s, l) = list("").await;
        assert_eq!(s, 200, "{l}");
        assert_eq!(
            l["total"], 3,
            "{n}: 2 versions of the letter and the report; the deleted note is hidden"
        );
        assert_eq!(
            l["items"][2]["title"], "Ancien compte rendu",
            "{n}: newest act first"
        );
        let (_, l) = list("include_deleted=true").await;
        assert_eq!(l["total"], 4);
        let (_, l) = list("type=11526-1").await;
        assert_eq!(l["total"], 1);
        assert_eq!(l["items"][0]["provenance"], "dmp");
        let (_, l) = list("from=2026-01-01&to=2026-12-31").await;
        assert_eq!(l["total"], 2);
        let (_, l) = list("sort=title&ascending=true&limit=1&offset=1").await;
        assert_eq!(l["total"], 3);
        assert_eq!(l["items"].as_array().unwrap().len(), 1);
        assert_eq!(l["items"][0]["title"], "Courrier");
        let (s, _) = list("from=hier").await;
        assert_eq!(s, StatusCode::BAD_REQUEST);

        // The chart: everything the client draws, in one read.
        let (s, chart) = a.call("GET", &uri("chart"), None, &m).await;
        assert_eq!(s, 200, "{n}: {chart}");
        assert_eq!(chart["contact"]["city"], "Paris");
        assert_eq!(
            chart["care_team"][0]["mssante"],
            "paul.cardio@medecin.mssante.fr"
        );
        assert_eq!(chart["encounters"][0]["reason"], "Suivi diabète");
        let kinds: Vec<&str> = chart["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["data"]["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds.len(), 8, "{n}: the deleted entry is gone: {kinds:?}");
        assert_eq!(chart["bmi"][0]["value"], 25.2, "{n}: 68.5 kg, 1.65 m");
        let docs = chart["documents"].as_array().unwrap();
        assert_eq!(docs.len(), 4);
        assert_eq!(chart["documents_total"], 4);
        assert_eq!(chart["encounters_total"], 1);
        let superseded = docs.iter().find(|d| d["id"] == d1["id"]).unwrap();
        assert_eq!(superseded["status"], "remplace");
        assert_eq!(superseded["superseded_by"], d2["id"]);

        // Who accessed the file.
        let (_, log) = a.call("GET", &uri("access-log"), None, &m).await;
        let actions: Vec<&str> = log
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        for expected in [
            "dossier.read",
            "document.lecture",
            "document.version",
            "dossier.ajout",
            "consultation.creation",
            "contact.update",
            "equipe.ajout",
        ] {
            assert!(
                actions.contains(&expected),
                "{n}: {expected} in {actions:?}"
            );
        }
        assert!(log[0]["actor"] == "dr.martin");
        // Reading who accessed the file is an access too: traced, and seen
        // at the next reading; an unknown patient is a 404.
        let (_, again) = a.call("GET", &uri("access-log"), None, &m).await;
        assert_eq!(again[0]["action"], "journal.lecture", "{n}: {again}");
        assert_eq!(again[0]["actor"], "dr.martin");
        let (s, _) = a
            .call("GET", "/api/patients/inconnu/access-log", None, &m)
            .await;
        assert_eq!(s, 404, "{n}");
    }
}

#[tokio::test]
async fn agenda_without_double_booking_and_waiting_room() {
    for t in esculape_store::testing::both().await {
        let a = TestApp::new(t).await;
        let n = a.name;
        let sec = a.secretaire.clone();
        let doc = a.practice.medecin.id.clone();
        let site = a.practice.site.id.clone();
        let (_, p) = a.call("POST", "/api/patients", Some(HELENE), &sec).await;
        let pid = p["id"].as_str().unwrap().to_string();

        // Thursdays 08:30-10:00 in 20-minute slots.
        let av = format!(
            r#"{{"practitioner_id":"{doc}","site_id":"{site}","weekday":4,"start":"08:30","end":"10:00","slot_minutes":20}}"#
        );
        let (s, v) = a.call("POST", "/api/availability", Some(&av), &sec).await;
        assert_eq!(s, StatusCode::CREATED, "{n}: {v}");
        let (s, v) = a
            .call(
                "POST",
                "/api/availability",
                Some(&av.replace("\"weekday\":4", "\"weekday\":9")),
                &sec,
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{n}: {v}");
        let slots_uri = format!("/api/agenda/free-slots?practitioner={doc}&day=2026-11-26");
        let (_, slots) = a.call("GET", &slots_uri, None, &sec).await;
        assert_eq!(slots.as_array().unwrap().len(), 4, "{n}: {slots}");

        let book = |start: &str, end: &str| {
            format!(
                r#"{{"practitioner_id":"{doc}","site_id":"{site}","patient_id":"{pid}","start":"2026-11-26T{start}","end":"2026-11-26T{end}","reason":"Renouvellement"}}"#
            )
        };
        let (s, r1) = a
            .call(
                "POST",
                "/api/appointments",
                Some(&book("08:30", "08:50")),
                &sec,
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{n}: {r1}");
        let before = a.events().await;
        let (s, e) = a
            .call(
                "POST",
                "/api/appointments",
                Some(&book("08:40", "09:00")),
                &sec,
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{n}: double booking: {e}");
        assert_eq!(e["code"], "occupe");
        assert!(e["erreur"].as_str().unwrap().contains("08:30"), "{e}");
        let (s, _) = a
            .call(
                "POST",
                "/api/appointments",
                Some(&book("09:00", "08:50")),
                &sec,
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(a.events().await, before, "{n}: refusals write nothing");
        let (s, r2) = a
            .call(
                "POST",
                "/api/appointments",
                Some(&book("08:50", "09:10")),
                &sec,
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{n}: back to back is fine: {r2}");
        let (_, slots) = a.call("GET", &slots_uri, None, &sec).await;
        assert_eq!(slots.as_array().unwrap().len(), 2, "{n}: {slots}");

        // Move onto a taken slot: refused; onto a free one: done.
        let r2_id = r2["id"].as_str().unwrap().to_string();
        let (s, _) = a
            .call(
                "PUT",
                &format!("/api/appointments/{r2_id}"),
                Some(r#"{"version":1,"start":"2026-11-26T08:30","end":"2026-11-26T08:50"}"#),
                &sec,
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT);
        let (s, moved) = a
            .call(
                "PUT",
                &format!("/api/appointments/{r2_id}"),
                Some(r#"{"version":1,"start":"2026-11-26T09:30","end":"2026-11-26T09:50"}"#),
                &sec,
            )
            .await;
        assert_eq!(s, 200, "{n}: {moved}");

        // Cancel frees the time; the waiting room lists arrivals in order.
        let r1_id = r1["id"].as_str().unwrap().to_string();
        let status = |id: &str, st: &str| {
            (
                format!("/api/appointments/{id}/status"),
                format!(r#"{{"status":"{st}"}}"#),
            )
        };
        let (u, b) = status(&r2_id, "arrive");
        let (s, v) = a.call("POST", &u, Some(&b), &sec).await;
        assert_eq!(s, 200, "{n}: {v}");
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        let (u, b) = status(&r1_id, "arrive");
        a.call("POST", &u, Some(&b), &sec).await;
        let room = format!("/api/waiting-room?site={site}&day=2026-11-26");
        let (_, w) = a.call("GET", &room, None, &sec).await;
        let order: Vec<&str> = w
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["id"].as_str().unwrap())
            .collect();
        assert_eq!(
            order,
            vec![r2_id.as_str(), r1_id.as_str()],
            "{n}: first come, first listed"
        );
        let (u, b) = status(&r2_id, "en-consultation");
        a.call("POST", &u, Some(&b), &a.medecin).await;
        let (_, w) = a.call("GET", &room, None, &sec).await;
        assert_eq!(w.as_array().unwrap().len(), 1);
        let (u, b) = status(&r2_id, "prevu");
        let (s, _) = a.call("POST", &u, Some(&b), &sec).await;
        assert_eq!(
            s,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{n}: no going back from consultation"
        );
        let (u, b) = status(&r1_id, "annule");
        a.call("POST", &u, Some(&b), &sec).await;
        let (s, _) = a
            .call(
                "POST",
                "/api/appointments",
                Some(&book("08:40", "09:00")),
                &sec,
            )
            .await;
        assert_eq!(
            s,
            StatusCode::CREATED,
            "{n}: a cancelled appointment frees its time"
        );

        let (s, list) = a
            .call(
                "GET",
                &format!("/api/agenda?from=2026-11-23&to=2026-11-29&practitioner={doc}"),
                None,
                &sec,
            )
            .await;
        assert_eq!(s, 200);
        assert_eq!(list.as_array().unwrap().len(), 3);
        // One patient's appointments (the client's banner: her next one);
        // an unknown patient is refused like any other read of her.
        let (s, list) = a
            .call(
                "GET",
                &format!("/api/agenda?from=2026-11-23&to=2026-11-29&patient={pid}"),
                None,
                &sec,
            )
            .await;
        assert_eq!(s, 200, "{n}: {list}");
        assert_eq!(list.as_array().unwrap().len(), 3, "{n}");
        let (s, _) = a
            .call(
                "GET",
                "/api/agenda?from=2026-11-23&to=2026-11-29&patient=personne",
                None,
                &sec,
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{n}");
        // Only a médecin can be booked.
        let other = book("11:00", "11:20").replace(&doc, &a.practice.secretaire.id);
        let (s, _) = a
            .call("POST", "/api/appointments", Some(&other), &sec)
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    }
}
