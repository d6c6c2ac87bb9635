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
        common::consentir(a, &dominique).await;
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
        common::consentir(a, &catarina).await;
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
    let doc = signer_avec(a, patient, titre, serde_json::json!({})).await;
    doc["id"].as_str().unwrap().to_string()
}

/// [`signer`] with more of the request (`remplace`, `retenir_dmp`): the
/// stored document.
async fn signer_avec(
    a: &TestApp,
    patient: &str,
    titre: &str,
    plus: serde_json::Value,
) -> serde_json::Value {
    let mut demande = serde_json::json!({
        "plugin": "fr.esculape.doc.generique",
        "valeurs": {"type": "11488-4", "titre": titre, "corps": "Examen clinique normal."},
    });
    if let (Some(d), Some(p)) = (demande.as_object_mut(), plus.as_object()) {
        d.extend(p.clone());
    }
    let (s, doc) = a
        .call(
            "POST",
            &format!("/api/patients/{patient}/documents/sign"),
            Some(&demande.to_string()),
            &a.medecin,
        )
        .await;
    assert_eq!(s, 201, "{}: {doc}", a.name);
    doc["document"].clone()
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

        // a correction of a fed document replaces it in the DMP (RPLC):
        // the first version Deprecated there, the new one current
        let correction = signer_avec(
            a,
            &dominique,
            "Compte rendu de consultation (corrigé)",
            serde_json::json!({"remplace": doc}),
        )
        .await;
        let (s, m) = envoyer(correction["id"].as_str().unwrap().to_string()).await;
        assert_eq!(s, 200, "{nom}: {m}");
        let fed = bac.dmp.documents("297022A02077878");
        assert_eq!(fed.len(), 2, "{nom}: {fed:?}");
        assert_eq!(
            fed[0].remplace_par.as_deref(),
            Some(fed[1].unique_id.as_str()),
            "{nom}: {fed:?}"
        );
        assert_eq!(fed[1].remplace_par, None, "{nom}");
        assert_eq!(fed[1].titre, "Compte rendu de consultation (corrigé)");
        let traces = a.store.audit_of_patient(&dominique, 50).await.unwrap();
        assert!(
            traces
                .iter()
                .any(|e| e.action == "dmp.alimentation" && e.detail.contains("remplace")),
            "{nom}: {traces:?}"
        );

        // sent invisible to the patient (chosen before signing, until the
        // announcement consultation): the DMP receives the visibility code
        let annonce = signer_avec(
            a,
            &dominique,
            "Résultat à annoncer",
            serde_json::json!({"invisible_au_patient": true}),
        )
        .await;
        assert_eq!(annonce["visibility"]["invisible_au_patient"], true, "{nom}");
        let annonce = annonce["id"].as_str().unwrap().to_string();
        let (s, m) = envoyer(annonce.clone()).await;
        assert_eq!(s, 200, "{nom}: {m}");
        let fed = bac.dmp.documents("297022A02077878");
        let recu = fed
            .iter()
            .find(|d| d.titre == "Résultat à annoncer")
            .unwrap();
        assert!(
            recu.confidentialite
                .iter()
                .any(|c| c == "INVISIBLE_PATIENT"),
            "{nom}: {recu:?}"
        );
        assert!(
            fed[0]
                .confidentialite
                .iter()
                .all(|c| c != "INVISIBLE_PATIENT"),
            "{nom}: {fed:?}"
        );

        // deleted from the DMP (an error, the patient's request): Deleted
        // there, « retiré » here, traced; not twice
        let retirer = |doc: &str| {
            let uri = format!("/api/documents/{doc}/dmp");
            async move { a.call("DELETE", &uri, None, &a.medecin).await }
        };
        let (s, m) = retirer(&annonce).await;
        assert_eq!(s, 200, "{nom}: {m}");
        assert_eq!(m["dmp_state"], "retire", "{nom}: {m}");
        let fed = bac.dmp.documents("297022A02077878");
        let recu = fed
            .iter()
            .find(|d| d.titre == "Résultat à annoncer")
            .unwrap();
        assert_eq!(
            recu.statut,
            esculape_xds::STATUT_SUPPRIME,
            "{nom}: {recu:?}"
        );
        assert_eq!(
            fed[0].statut,
            esculape_xds::STATUT_APPROUVE,
            "{nom}: only that one"
        );
        assert_eq!(
            bac.dmp.journal().last().unwrap().transaction,
            "TD3.3",
            "{nom}"
        );
        let (s, r) = retirer(&annonce).await;
        assert_eq!(s, 409, "{nom}: {r}");
        let traces = a.store.audit_of_patient(&dominique, 80).await.unwrap();
        assert!(
            traces
                .iter()
                .any(|e| e.action == "dmp.suppression" && e.detail.contains("fait")),
            "{nom}: {traces:?}"
        );

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
        assert_eq!(bac.dmp.documents("297022A02077878").len(), 3, "{nom}");
    }
}

/// A test host whose clock can be moved on, its DMP client towards the
/// sandbox with a 10-minute feeding delay.
async fn hote_differe(
    t: testing::TestStore,
) -> (
    TestApp,
    Arc<esculape_sandbox::Sandbox>,
    Arc<std::sync::atomic::AtomicI64>,
    esculape_sdk_testing::Harness,
) {
    use std::sync::atomic::{AtomicI64, Ordering};
    let (bac, base) = bac().await;
    let url = format!("{base}/dmp");
    let decalage = Arc::new(AtomicI64::new(0));
    let d = decalage.clone();
    let mut t = t;
    t.store.set_clock(Arc::new(move || {
        esculape_store::now_millis() + d.load(Ordering::SeqCst)
    }));
    let (h, rt) = common::runtime_with(&["esculape-plugin-doc-generique"]);
    let a = TestApp::avec_runtime_et_app(t, rt, |app| {
        let mut c = esculape_app::dmp::DmpConfig::from_env();
        c.url = url;
        c.delai_alimentation = std::time::Duration::from_secs(600);
        app.dmp = Arc::new(esculape_app::dmp::DmpClient::new(c));
    })
    .await;
    (a, bac, decalage, h)
}

/// The document's DMP state as the store keeps it.
async fn etat_dmp(a: &TestApp, doc: &str) -> esculape_domain::document::SendingState {
    a.store
        .document(&esculape_store::Actor::system(), doc)
        .await
        .unwrap()
        .0
        .dmp_state
}

/// The patient's DMP feeding orders, newest first.
async fn ordres(a: &TestApp, patient: &str) -> Vec<esculape_store::outbox::Travail> {
    a.state
        .app
        .ordres_dmp(&esculape_store::Actor::system(), Some(patient))
        .await
        .unwrap()
}

#[tokio::test]
async fn a_signed_document_leaves_for_the_dmp_after_the_delay_in_the_background_once_even_when_the_dmp_was_down()
 {
    use esculape_app::dmp::TravauxDmp;
    use esculape_app::travaux::une_passe;
    use esculape_domain::document::SendingState as E;
    use esculape_domain::travail::EtatTravail;
    use esculape_sandbox::insi::{Panne, Reglages};
    use std::sync::atomic::Ordering;
    for t in testing::both().await {
        let (possede, bac, decalage, _h) = hote_differe(t).await;
        let a = &possede;
        let nom = a.name;
        let app = &a.state.app;
        let avancer = |minutes: i64| decalage.fetch_add(minutes * 60_000, Ordering::SeqCst);
        let passe = || une_passe(app, &TravauxDmp, "essai", 20);
        let dominique = common::patient_insi(&a.store, DOMINIQUE).await;
        let toussaint = common::patient_insi(&a.store, TOUSSAINT).await;
        let (s, p) = a
            .call(
                "POST",
                "/api/patients",
                Some(r#"{"birth_name":"Provisoire","birth_first_names":["Paul"],"sex":"M","birth_date":"1970-03-03","birth_place_cog":"75056"}"#),
                &a.medecin,
            )
            .await;
        assert_eq!(s, 201, "{nom}: {p}");
        let provisoire = p["id"].as_str().unwrap().to_string();

        // signed: an order waits, the document « en attente », nothing
        // leaves during the delay
        let compte_rendu = signer(a, &dominique, "Compte rendu").await;
        assert_eq!(etat_dmp(a, &compte_rendu).await, E::EnAttente, "{nom}");
        let o = ordres(a, &dominique).await;
        assert_eq!(o.len(), 1, "{nom}: {o:?}");
        assert_eq!(o[0].etat, EtatTravail::EnAttente, "{nom}");
        assert!(o[0].label.contains("Compte rendu"), "{nom}: {o:?}");
        assert!(
            o[0].prochain_essai.unwrap() >= a.store.now() + 590_000,
            "{nom}: leaves after the delay: {o:?}"
        );
        assert_eq!(passe().await.unwrap(), 0, "{nom}");

        // blocked during the delay: never leaves, the document « annulé »
        let bloque = signer(a, &dominique, "Certificat bloqué").await;
        let id = ordres(a, &dominique).await[0].id.clone();
        let (s, r) = a
            .call(
                "POST",
                &format!("/api/travaux/{id}/annulation"),
                None,
                &a.medecin,
            )
            .await;
        assert_eq!(s, 200, "{nom}: {r}");
        assert_eq!(etat_dmp(a, &bloque).await, E::Annule, "{nom}");

        // corrected during the delay: only the correction leaves
        let premier = signer(a, &dominique, "Lettre premier jet").await;
        let r = signer_avec(
            a,
            &dominique,
            "Lettre corrigée",
            serde_json::json!({"remplace": premier}),
        )
        .await;
        let corrige = r["id"].as_str().unwrap().to_string();
        assert_eq!(etat_dmp(a, &premier).await, E::Annule, "{nom}");
        assert_eq!(etat_dmp(a, &corrige).await, E::EnAttente, "{nom}");

        // held back at signing: no order at all
        let r = signer_avec(
            a,
            &dominique,
            "Retenu",
            serde_json::json!({"retenir_dmp": true}),
        )
        .await;
        assert_eq!(r["dmp_state"], "non-envoye", "{nom}: {r}");
        let sans_dmp = signer(a, &toussaint, "Compte rendu").await;
        let sans_ins = signer(a, &provisoire, "Compte rendu").await;
        // (two of them cancelled: the blocked one and the first version)
        assert_eq!(ordres(a, &dominique).await.len(), 4, "{nom}");

        // the delay over, the DMP down: nothing lost, tried again, the
        // documents still « en attente », the reason said
        bac.dmp.regler(Reglages {
            panne: Some(Panne::Indisponible),
            ..Reglages::default()
        });
        avancer(11);
        assert_eq!(passe().await.unwrap(), 4, "{nom}");
        assert_eq!(etat_dmp(a, &compte_rendu).await, E::EnAttente, "{nom}");
        let o = ordres(a, &dominique).await;
        let attente = o.iter().find(|o| o.label.contains("Compte rendu")).unwrap();
        assert_eq!(attente.etat, EtatTravail::EnAttente, "{nom}: {o:?}");
        assert!(
            attente.erreur.as_deref().unwrap().contains("indisponible"),
            "{nom}: {o:?}"
        );
        let o = ordres(a, &provisoire).await;
        assert!(
            o[0].erreur
                .as_deref()
                .unwrap()
                .contains("INS non qualifiée"),
            "{nom}: held with the reason: {o:?}"
        );

        // back: everything due leaves once; a patient without a DMP gets
        // « échec » with the DMP's reason; the unqualified INS still waits
        bac.dmp.regler(Reglages::default());
        avancer(2);
        // (the unqualified INS's order is looked at every 15 min)
        assert_eq!(passe().await.unwrap(), 3, "{nom}");
        assert_eq!(etat_dmp(a, &compte_rendu).await, E::Envoye, "{nom}");
        assert_eq!(etat_dmp(a, &corrige).await, E::Envoye, "{nom}");
        assert_eq!(etat_dmp(a, &sans_dmp).await, E::Echec, "{nom}");
        assert_eq!(etat_dmp(a, &sans_ins).await, E::EnAttente, "{nom}");
        let o = ordres(a, &toussaint).await;
        assert_eq!(o[0].etat, EtatTravail::Echec, "{nom}: {o:?}");
        assert!(
            o[0].erreur
                .as_deref()
                .unwrap()
                .contains("XDSUnknownPatientId"),
            "{nom}: {o:?}"
        );
        let titres = |ins: &str| {
            let mut t: Vec<String> = bac
                .dmp
                .documents(ins)
                .into_iter()
                .map(|d| d.titre)
                .collect();
            t.sort();
            t
        };
        assert_eq!(
            titres("297022A02077878"),
            ["Compte rendu", "Lettre corrigée"],
            "{nom}"
        );
        for d in bac.dmp.documents("297022A02077878") {
            assert_eq!(bac.dmp.soumissions(&d.unique_id), 1, "{nom}: {}", d.titre);
        }
        assert_eq!(passe().await.unwrap(), 0, "{nom}: nothing left due");

        // the DMP kept a submission whose answer was lost: tried again,
        // found already there, « envoyé », in the DMP once
        let perdu = signer(a, &dominique, "Réponse perdue").await;
        bac.dmp.regler(Reglages {
            panne: Some(Panne::ReponsePerdue),
            ..Reglages::default()
        });
        avancer(11);
        assert_eq!(passe().await.unwrap(), 1, "{nom}");
        assert_eq!(etat_dmp(a, &perdu).await, E::EnAttente, "{nom}");
        bac.dmp.regler(Reglages::default());
        avancer(2);
        // (with the unqualified INS's order, looked at again, still held)
        assert_eq!(passe().await.unwrap(), 2, "{nom}");
        assert_eq!(etat_dmp(a, &perdu).await, E::Envoye, "{nom}");
        let recu: Vec<_> = bac
            .dmp
            .documents("297022A02077878")
            .into_iter()
            .filter(|d| d.titre == "Réponse perdue")
            .collect();
        assert_eq!(recu.len(), 1, "{nom}: once in the DMP");
        // waiting for the INS is not failing: no try used, never given up
        let o = ordres(a, &provisoire).await;
        assert_eq!(
            (o[0].etat, o[0].essais),
            (EtatTravail::EnAttente, 0),
            "{nom}: {o:?}"
        );
        assert_eq!(etat_dmp(a, &sans_ins).await, E::EnAttente, "{nom}");
        let traces = a.store.audit_of_patient(&dominique, 100).await.unwrap();
        assert!(
            traces.iter().any(|e| e.action == "dmp.alimentation"
                && e.detail.contains("ordre différé")
                && e.detail.contains("déjà présent")),
            "{nom}: {traces:?}"
        );
    }
}

/// A served host (`esculape serve` on `home`, its DMP the sandbox at
/// `dmp`, orders due at once, leases of half a second), killed however
/// the test ends; `point`: the crash point it dies at.
struct Servi(std::process::Child);

impl Drop for Servi {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

const ENV_ORDRES: [(&str, &str); 2] = [
    ("ESCULAPE_DMP_DELAI", "0"),
    ("ESCULAPE_TRAVAUX_BAIL_MS", "500"),
];

fn servir(home: &std::path::Path, dmp: &str, point: Option<&str>) -> Servi {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_esculape"));
    c.arg("--home")
        .arg(home)
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env_remove("ESCULAPE_DATABASE_URL")
        .env_remove("ESCULAPE_POINT_DE_CRASH")
        .env("ESCULAPE_DMP_URL", dmp)
        .envs(ENV_ORDRES)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    if let Some(p) = point {
        c.env("ESCULAPE_POINT_DE_CRASH", p);
    }
    Servi(c.spawn().unwrap())
}

/// The patient's documents and their DMP state, as the home's store has
/// them.
async fn etats(home: &std::path::Path, patient: &str) -> Vec<(String, String)> {
    let store = esculape_host::home::store(home).await.unwrap();
    let q = esculape_store::documents::DocumentQuery {
        limit: 500,
        ..Default::default()
    };
    let page = store
        .documents(&esculape_store::Actor::system(), patient, &q)
        .await
        .unwrap();
    page.items
        .into_iter()
        .map(|m| (m.id, format!("{:?}", m.dmp_state)))
        .collect()
}

/// Nothing lost, nothing twice: the host killed right after each
/// persisted step of feeding (signed with its order; order claimed; the
/// DMP kept the document; its state written), then at random moments
/// (`ESCULAPE_CHAOS_KILLS`, 20 by default; `cargo xtask chaos` runs
/// more), each time restarted: in the end every signed document is in the
/// DMP exactly once, « envoyé ».
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_at_every_step_of_feeding_the_host_sends_every_document_exactly_once() {
    use esculape_sandbox::insi::Reglages;
    let (bac, base) = bac().await;
    let dmp = format!("{base}/dmp");
    let (h, _rt) = common::runtime_with(&["esculape-plugin-doc-generique"]);
    let home = h.home().to_path_buf();
    let cli = |env: Vec<(&'static str, String)>, args: Vec<String>| {
        let home = home.clone();
        tokio::task::spawn_blocking(move || {
            let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            common::esculape_cli(&home, &env, &args)
        })
    };
    let (ok, out, err) = cli(
        vec![],
        vec!["demo-data".into(), "--patients".into(), "1".into()],
    )
    .await
    .unwrap();
    assert!(ok, "{out}{err}");
    let patient = {
        let store = esculape_host::home::store(&home).await.unwrap();
        let id = common::patient_insi(&store, DOMINIQUE).await;
        id
    };
    let sortie = tempfile::tempdir().unwrap();
    let signer_cli = |titre: String, point: Option<&'static str>| {
        let mut env: Vec<(&'static str, String)> = ENV_ORDRES
            .iter()
            .map(|(k, v)| (*k, v.to_string()))
            .collect();
        env.push(("ESCULAPE_DMP_URL", dmp.clone()));
        if let Some(p) = point {
            env.push(("ESCULAPE_POINT_DE_CRASH", p.to_string()));
        }
        let args = [
            "doc",
            "produce",
            "--type",
            "generique",
            "--patient",
            &patient,
            "--auteur",
            "dr.martin",
            "--out",
            &sortie.path().display().to_string(),
            "--set",
            "type=11488-4",
            "--set",
            &format!("titre={titre}"),
            "--set",
            "corps=Examen normal.",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        cli(env, args)
    };

    // killed right after signing: the document and its order are kept
    let (ok, out, err) = signer_cli("Signé puis tué".into(), Some("document.apres_signature"))
        .await
        .unwrap();
    assert!(!ok, "the crash point was reached: {out}{err}");
    assert!(err.contains("document.apres_signature"), "{err}");
    for i in 0..5 {
        let (ok, out, err) = signer_cli(format!("Compte rendu {i}"), None).await.unwrap();
        assert!(ok, "{out}{err}");
    }
    assert_eq!(etats(&home, &patient).await.len(), 6);

    // killed after each persisted step of the order, restarted each time
    for point in [
        "travaux.apres_reclamation",
        "dmp.apres_envoi",
        "dmp.apres_etat",
    ] {
        let mut s = servir(&home, &dmp, Some(point));
        let mut fin = None;
        for _ in 0..600 {
            if let Some(st) = s.0.try_wait().unwrap() {
                fin = Some(st);
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let fin = fin.unwrap_or_else(|| panic!("{point}: the host never reached it"));
        assert!(!fin.success(), "{point}: {fin:?}");
        tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    }

    // then killed at random moments, the DMP answering in 50 ms
    bac.dmp.regler(Reglages {
        latence_ms: 50,
        ..Reglages::default()
    });
    let kills: u64 = std::env::var("ESCULAPE_CHAOS_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let mut graine = 0x9E37_79B9_7F4A_7C15u64;
    for i in 0..kills {
        if i % 4 == 0 {
            let (ok, out, err) = signer_cli(format!("Chaos {i}"), None).await.unwrap();
            assert!(ok, "{out}{err}");
        }
        graine ^= graine << 13;
        graine ^= graine >> 7;
        graine ^= graine << 17;
        let s = servir(&home, &dmp, None);
        tokio::time::sleep(std::time::Duration::from_millis(200 + graine % 1200)).await;
        drop(s); // SIGKILL
    }

    // at last left to run: everything sent, once
    bac.dmp.regler(Reglages::default());
    let _s = servir(&home, &dmp, None);
    let mut docs = vec![];
    for _ in 0..600 {
        docs = etats(&home, &patient).await;
        if docs.iter().all(|(_, e)| e == "Envoye") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        docs.iter().all(|(_, e)| e == "Envoye"),
        "every document sent: {docs:?}"
    );
    let dans_le_dmp = bac.dmp.documents("297022A02077878");
    assert_eq!(dans_le_dmp.len(), docs.len(), "{dans_le_dmp:?}");
    let mut ids: Vec<&str> = dans_le_dmp.iter().map(|d| d.unique_id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), docs.len(), "no document twice: {dans_le_dmp:?}");
}
