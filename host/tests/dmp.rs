//! The DMP from the chart (issue 21), against the sandbox DMP over HTTP:
//! TD0.2 sent only for a qualified INS and recorded consent (or bris de
//! glace, flagged in the trace), the VIHF checked by the sandbox, every
//! answer the DICA needs (open, none, closed, authorised, blocked), a
//! service down said in French.

mod common;

use common::TestApp;
use esculape_sandbox::dmp::Dossier;
use esculape_store::testing;
use std::sync::Arc;

/// Dominique ADRTROIS (an open DMP in the sandbox), Toussaint ADRTROIS
/// (none), Catarina TCHITCHI (closed): their identities as the INSi
/// returned them.
const DOMINIQUE: &str = r#"{"birth_name":"Adrtrois","birth_first_names":["Dominique"],"sex":"F","birth_date":"1997-02-26","birth_place_cog":"2A020","ins":{"matricule":"297022A02077878","oid":"1.2.250.1.213.1.4.8"},"from_insi":true,"justificatif":"procedure_transitoire"}"#;
const TOUSSAINT: &str = r#"{"birth_name":"Adrtrois","birth_first_names":["Toussaint"],"sex":"M","birth_date":"1960-01-01","birth_place_cog":"2B020","ins":{"matricule":"160012B02077713","oid":"1.2.250.1.213.1.4.8"},"from_insi":true,"justificatif":"procedure_transitoire"}"#;
const CATARINA: &str = r#"{"birth_name":"Tchitchi","birth_first_names":["Catarina","Bella"],"sex":"F","birth_date":"1936-06-21","birth_place_cog":"63220","ins":{"matricule":"236066322083656","oid":"1.2.250.1.213.1.4.8"},"from_insi":true,"justificatif":"procedure_transitoire"}"#;
/// The test médecin's national identifier (8 + RPPS).
const PROFESSIONNEL: &str = "810001234567";

async fn bac() -> (Arc<esculape_sandbox::Sandbox>, String) {
    let sandbox = Arc::new(esculape_sandbox::Sandbox::default());
    let ecoute = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let adresse = ecoute.local_addr().unwrap();
    let routes = esculape_sandbox::router(sandbox.clone());
    tokio::spawn(async move { axum::serve(ecoute, routes).await });
    (sandbox, format!("http://{adresse}"))
}

/// The application's DMP client towards the sandbox at `url`.
fn vers_le_bac(app: &mut esculape_app::App, url: String) {
    let mut c = esculape_app::dmp::DmpConfig::from_env();
    c.url = url;
    app.dmp = Arc::new(esculape_app::dmp::DmpClient::new(c));
}

async fn consentir(a: &TestApp, patient: &str) {
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

#[tokio::test]
async fn the_dmp_is_asked_only_for_a_qualified_ins_with_consent_and_tells_what_the_dica_needs() {
    for t in testing::both().await {
        let (bac, base) = bac().await;
        let url = format!("{base}/dmp");
        let possede = TestApp::avec_app(t, |app| vers_le_bac(app, url)).await;
        let a = &possede;
        let nom = a.name;
        let dominique = common::patient_insi(&a.store, DOMINIQUE).await;
        let etat = |id: &str, bdg: bool| {
            let uri = format!(
                "/api/patients/{id}/dmp{}",
                if bdg { "?bris_de_glace=true" } else { "" }
            );
            async move { a.call("GET", &uri, None, &a.medecin).await }
        };

        // no consent: refused, nothing sent
        let (s, r) = etat(&dominique, false).await;
        assert_eq!(s, 409, "{nom}: {r}");
        assert!(
            r["erreur"].as_str().unwrap().contains("consentement"),
            "{nom}: {r}"
        );
        // an unqualified identity: refused, nothing sent
        let (_, p) = a
            .call("POST", "/api/patients", Some(common::HELENE), &a.medecin)
            .await;
        let (s, r) = etat(p["id"].as_str().unwrap(), true).await;
        assert_eq!(s, 409, "{nom}: {r}");
        assert!(
            r["erreur"].as_str().unwrap().contains("INS non qualifiée"),
            "{nom}: {r}"
        );
        // the secretary has no access to the chart's DMP
        let (s, _) = a
            .call(
                "GET",
                &format!("/api/patients/{dominique}/dmp"),
                None,
                &a.secretaire,
            )
            .await;
        assert_eq!(s, 403, "{nom}");
        // the DICA says what is missing, still without asking the DMP
        let (s, d) = a
            .call(
                "GET",
                &format!("/api/patients/{dominique}/dica"),
                None,
                &a.medecin,
            )
            .await;
        assert_eq!(s, 200, "{nom}: {d}");
        assert_eq!(d["consultable"], false, "{nom}: {d}");
        let remplie = |d: &serde_json::Value, c: &str| {
            d["conditions"]
                .as_array()
                .unwrap()
                .iter()
                .find(|x| x["condition"] == c)
                .map(|x| (x["remplie"].as_bool().unwrap(), x["solution"].clone()))
                .unwrap()
        };
        assert_eq!(remplie(&d, "ins_qualifiee").0, true, "{nom}: {d}");
        let (ok, solution) = remplie(&d, "consentement");
        assert!(
            !ok && solution.as_str().unwrap().contains("consentement"),
            "{nom}: {d}"
        );
        assert_eq!(remplie(&d, "dmp_accessible").0, false, "{nom}: {d}");
        assert_eq!(remplie(&d, "authentification").0, false, "{nom}: {d}");
        assert!(d["etat"].is_null(), "{nom}: {d}");
        assert!(
            bac.dmp.journal().is_empty(),
            "{nom}: {:?}",
            bac.dmp.journal()
        );

        // consent recorded: TD0.2 sent, its VIHF checked by the sandbox
        consentir(a, &dominique).await;
        let (s, r) = etat(&dominique, false).await;
        assert_eq!(s, 200, "{nom}: {r}");
        assert_eq!(r["existe"], true, "{nom}: {r}");
        assert_eq!(r["ouvert"], true, "{nom}: {r}");
        assert_eq!(r["autorisation"], "NON_AUTORISE", "{nom}: {r}");
        assert_eq!(r["bris_de_glace"], false, "{nom}: {r}");
        let j = bac.dmp.journal();
        assert_eq!(j.len(), 1, "{nom}: {j:?}");
        assert_eq!(j[0].professionnel, PROFESSIONNEL, "{nom}");
        assert_eq!(j[0].mode, "INDIRECTE", "{nom}");
        assert_eq!(j[0].patient, "297022A02077878", "{nom}");
        assert_eq!(j[0].resultat, "OK", "{nom}");
        let (_, d) = a
            .call(
                "GET",
                &format!("/api/patients/{dominique}/dica"),
                None,
                &a.medecin,
            )
            .await;
        assert_eq!(remplie(&d, "consentement").0, true, "{nom}: {d}");
        assert_eq!(remplie(&d, "dmp_accessible").0, true, "{nom}: {d}");
        assert_eq!(d["etat"]["ouvert"], true, "{nom}: {d}");
        // signed in with a password, not PSC: not consultable yet
        assert_eq!(d["consultable"], false, "{nom}: {d}");

        // authorised and médecin traitant; then blocked by the patient
        let mut d = Dossier::default();
        d.autorises.insert(PROFESSIONNEL.into());
        d.medecin_traitant = Some(PROFESSIONNEL.into());
        bac.dmp.regler_dossier("297022A02077878", Some(d.clone()));
        let (_, r) = etat(&dominique, false).await;
        assert_eq!(r["autorisation"], "VALIDE", "{nom}: {r}");
        assert_eq!(r["medecin_traitant"], true, "{nom}: {r}");
        assert_eq!(r["message"], "DMP accessible", "{nom}: {r}");
        d.bloques.insert(PROFESSIONNEL.into());
        bac.dmp.regler_dossier("297022A02077878", Some(d));
        let (_, r) = etat(&dominique, false).await;
        assert_eq!(r["autorisation"], "INTERDITE", "{nom}: {r}");
        assert!(
            r["message"].as_str().unwrap().contains("bloqué"),
            "{nom}: {r}"
        );

        // no DMP, in bris de glace (no consent): answered, flagged, traced
        let toussaint = common::patient_insi(&a.store, TOUSSAINT).await;
        let (s, r) = etat(&toussaint, true).await;
        assert_eq!(s, 200, "{nom}: {r}");
        assert_eq!(r["existe"], false, "{nom}: {r}");
        assert_eq!(r["bris_de_glace"], true, "{nom}: {r}");
        assert_eq!(
            bac.dmp.journal().last().unwrap().acces,
            "BrisDeGlace",
            "{nom}"
        );
        let traces = a.store.audit_of_patient(&toussaint, 50).await.unwrap();
        let t = traces
            .iter()
            .find(|e| e.action == "dmp.test_existence")
            .unwrap_or_else(|| panic!("{nom}: {traces:?}"));
        assert!(
            t.detail.contains("BRIS DE GLACE") && t.detail.contains(PROFESSIONNEL),
            "{nom}: {t:?}"
        );

        // a closed DMP
        let catarina = common::patient_insi(&a.store, CATARINA).await;
        consentir(a, &catarina).await;
        let (_, r) = etat(&catarina, false).await;
        assert_eq!(r["existe"], true, "{nom}: {r}");
        assert_eq!(r["ouvert"], false, "{nom}: {r}");
        assert!(
            r["message"].as_str().unwrap().contains("fermé"),
            "{nom}: {r}"
        );

        // the service down: said in French, traced as a failure
        let client = reqwest::Client::new();
        client
            .put(format!("{base}/dmp/reglages"))
            .json(&serde_json::json!({"panne": "indisponible"}))
            .send()
            .await
            .unwrap();
        let (s, r) = etat(&dominique, false).await;
        assert_eq!(s, 502, "{nom}: {r}");
        assert!(
            r["erreur"].as_str().unwrap().contains("indisponible"),
            "{nom}: {r}"
        );
    }
}

/// Signs a free-text report for `patient` with the generic N1 plugin: the
/// stored document's id.
async fn signer(a: &TestApp, patient: &str, titre: &str) -> String {
    let demande = serde_json::json!({
        "plugin": "fr.esculape.doc.generique",
        "valeurs": {"type": "11488-4", "titre": titre, "corps": "Examen clinique normal."},
        "remplace": null,
    })
    .to_string();
    let (s, doc) = a
        .call(
            "POST",
            &format!("/api/patients/{patient}/documents/sign"),
            Some(&demande),
            &a.medecin,
        )
        .await;
    assert_eq!(s, 201, "{}: {doc}", a.name);
    doc["document"]["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_signed_document_feeds_the_dmp_once_with_its_signature_and_its_state_says_how_it_went() {
    for t in testing::both().await {
        let (bac, base) = bac().await;
        let url = format!("{base}/dmp");
        let (_h, rt) = common::runtime_with(&["esculape-plugin-doc-generique"]);
        let possede = TestApp::avec_runtime_et_app(t, rt, |app| vers_le_bac(app, url)).await;
        let a = &possede;
        let nom = a.name;
        let envoyer = |doc: String| async move {
            a.call(
                "POST",
                &format!("/api/documents/{doc}/dmp"),
                None,
                &a.medecin,
            )
            .await
        };

        // fed: the sandbox checked the VIHF, the metadata against the
        // document, the XAdES and its manifest, then kept it
        let dominique = common::patient_insi(&a.store, DOMINIQUE).await;
        let doc = signer(a, &dominique, "Compte rendu de consultation").await;
        let (s, m) = envoyer(doc.clone()).await;
        assert_eq!(s, 200, "{nom}: {m}");
        assert_eq!(m["dmp_state"], "envoye", "{nom}: {m}");
        let fed = bac.dmp.documents("297022A02077878");
        assert_eq!(fed.len(), 1, "{nom}: {fed:?}");
        assert_eq!(fed[0].titre, "Compte rendu de consultation", "{nom}");
        assert_eq!(bac.dmp.soumissions(&fed[0].unique_id), 1, "{nom}");
        let j = bac.dmp.journal();
        assert_eq!(j.last().unwrap().transaction, "TD2.1", "{nom}");
        assert_eq!(j.last().unwrap().mode, "INDIRECTE", "{nom}");

        // never twice
        let (s, r) = envoyer(doc.clone()).await;
        assert_eq!(s, 409, "{nom}: {r}");
        assert!(
            r["erreur"].as_str().unwrap().contains("déjà envoyé"),
            "{nom}: {r}"
        );
        assert_eq!(bac.dmp.soumissions(&fed[0].unique_id), 1, "{nom}");

        // no DMP: refused by the DMP, said, the document's state « échec »
        let toussaint = common::patient_insi(&a.store, TOUSSAINT).await;
        let doc = signer(a, &toussaint, "Compte rendu").await;
        let (s, r) = envoyer(doc.clone()).await;
        assert_eq!(s, 502, "{nom}: {r}");
        assert!(
            r["erreur"]
                .as_str()
                .unwrap()
                .contains("XDSUnknownPatientId"),
            "{nom}: {r}"
        );
        let (_, d) = a
            .call(
                "GET",
                &format!("/api/patients/{toussaint}/documents"),
                None,
                &a.medecin,
            )
            .await;
        assert_eq!(d["items"][0]["dmp_state"], "echec", "{nom}: {d}");
        let traces = a.store.audit_of_patient(&toussaint, 50).await.unwrap();
        assert!(
            traces
                .iter()
                .any(|e| e.action == "dmp.alimentation" && e.detail.contains("échec")),
            "{nom}: {traces:?}"
        );

        // the patient opposed: nothing sent, the document « non concerné »
        let (_, ep) = a
            .call(
                "POST",
                &format!("/api/patients/{dominique}/episodes"),
                Some(r#"{"label":"Suivi"}"#),
                &a.medecin,
            )
            .await;
        let (s, _) = a
            .call(
                "POST",
                &format!("/api/episodes/{}/dmp-decisions", ep["id"].as_str().unwrap()),
                Some(r#"{"kind":"alimentation","value":"opposition"}"#),
                &a.medecin,
            )
            .await;
        assert_eq!(s, 200, "{nom}");
        let doc = signer(a, &dominique, "Certificat").await;
        let avant = bac.dmp.journal().len();
        let (s, r) = envoyer(doc).await;
        assert_eq!(s, 409, "{nom}: {r}");
        assert!(
            r["erreur"].as_str().unwrap().contains("opposé"),
            "{nom}: {r}"
        );
        assert_eq!(bac.dmp.journal().len(), avant, "{nom}: rien envoyé");
        assert_eq!(bac.dmp.documents("297022A02077878").len(), 1, "{nom}");
    }
}
