//! The Annuaire Santé (SC.MSS/CONF.20, UX.41): a correspondent searched
//! through the host's API against the sandbox's stand-in of the FHIR API
//! (over HTTP, with its API key), then kept in a patient's care team, on
//! both databases.

mod common;

use common::{HELENE, TestApp, start_sandbox};
use esculape_app::annuaire::{AnnuaireClient, AnnuaireConfig};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

fn annuaire(url: &str, cle: &str) -> Arc<AnnuaireClient> {
    Arc::new(AnnuaireClient::new(AnnuaireConfig {
        url: url.into(),
        cle: Some(cle.into()),
        autorites: None,
        timeout: Duration::from_secs(5),
    }))
}

async fn chercher(a: &TestApp, requete: &str) -> Vec<Value> {
    let (s, r) = a
        .call(
            "GET",
            &format!("/api/annuaire?{requete}"),
            None,
            &a.secretaire,
        )
        .await;
    assert_eq!(s, 200, "{}: {requete}: {r}", a.name);
    r["resultats"].as_array().unwrap().clone()
}

fn adresses(r: &Value) -> Vec<&str> {
    r["boites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["adresse"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn a_secretary_finds_the_right_correspondent_and_keeps_the_address_chosen_in_the_care_team() {
    let bac = start_sandbox().await;
    let base = format!("http://{bac}/fhir/v2");
    for t in esculape_store::testing::both().await {
        let a = TestApp::avec_app(t, |app| {
            app.annuaire = annuaire(&base, esculape_sandbox::annuaire::CLE)
        })
        .await;
        let n = a.name;

        // Two doctors of the same name, told apart by every field.
        let sophies = chercher(&a, "nom=martin&prenom=sophie").await;
        assert_eq!(sophies.len(), 2, "{n}: {sophies:?}");
        let lyon = sophies.iter().find(|r| r["rpps"] == "10003456789").unwrap();
        let bordeaux = sophies.iter().find(|r| r["rpps"] == "10004567891").unwrap();
        assert_eq!(lyon["civilite"], "DR");
        assert_eq!(lyon["profession"], "Médecin");
        assert_eq!(lyon["specialites"][0], "Médecine générale (SM)");
        assert_eq!(
            bordeaux["specialites"][0],
            "Cardiologie et Maladies vasculaires (SM)"
        );
        let communes = |r: &Value| -> Vec<String> {
            r["lieux"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l["commune"].as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(communes(lyon), ["LYON", "VILLEURBANNE"], "{n}");
        assert_eq!(communes(bordeaux), ["BORDEAUX"], "{n}");
        // Three addresses: her own, her practice's, and the one bound to
        // the health centre where she also works. The practice's plain
        // contact email is not an MSSanté address.
        assert_eq!(
            adresses(lyon),
            [
                "sophie.martin@medecin.mssante.fr",
                "cabinet.terreaux@medecin.mssante.fr",
                "s.martin@cds-gratte-ciel.mssante.fr"
            ],
            "{n}"
        );
        assert_eq!(lyon["boites"][1]["type_bal"], "cabinet");
        assert_eq!(
            lyon["boites"][1]["description"],
            "Cabinet médical des Terreaux"
        );
        assert_eq!(
            lyon["boites"][2]["structure"],
            "CENTRE DE SANTE GRATTE-CIEL"
        );
        assert_eq!(
            adresses(bordeaux),
            ["sophie.martin@chu-bordeaux.mssante.fr"]
        );

        // Case and accents do not matter; a specialty or an RPPS narrows.
        let etienne = chercher(&a, "nom=LEFEBVRE&prenom=etienne").await;
        assert_eq!(etienne.len(), 1, "{n}");
        assert_eq!(etienne[0]["prenom"], "Étienne");
        let cardio = chercher(&a, "nom=martin&specialite=SM04").await;
        assert_eq!(cardio.len(), 1, "{n}");
        assert_eq!(cardio[0]["rpps"], "10004567891");
        let par_rpps = chercher(&a, "rpps=10003456789").await;
        assert_eq!(par_rpps.len(), 1, "{n}");
        // A national id (8 + RPPS) finds the same person.
        assert_eq!(chercher(&a, "rpps=810003456789").await, par_rpps, "{n}");
        // A professional's town is where they practise.
        let a_lyon = chercher(&a, "nom=martin&commune=villeurb").await;
        assert_eq!(a_lyon.len(), 1, "{n}: {a_lyon:?}");
        // A closed practice is said.
        let henri = chercher(&a, "nom=martin&prenom=henri").await;
        assert_eq!(henri[0]["inactif"], true, "{n}");
        // A professional without a mailbox is still shown (no address).
        let kine = chercher(&a, "profession=70").await;
        assert_eq!(kine[0]["nom"], "LEROY");
        assert!(adresses(&kine[0]).is_empty());

        // Structures: their organisational and applicative addresses, and
        // the professionals practising there.
        let labo = chercher(&a, "commune=lyon&type_bal=applicative").await;
        assert_eq!(labo.len(), 1, "{n}: {labo:?}");
        assert_eq!(labo[0]["structure"], true);
        assert_eq!(labo[0]["nom"], "LABORATOIRE BIOLYON");
        assert_eq!(adresses(&labo[0]), ["resultats@biolyon.mssante.fr"]);
        let centre = chercher(&a, "structure=gratte-ciel").await;
        let noms: Vec<&str> = centre.iter().map(|r| r["nom"].as_str().unwrap()).collect();
        assert_eq!(
            noms,
            ["BERNARD", "MARTIN", "CENTRE DE SANTE GRATTE-CIEL"],
            "{n}"
        );

        // Refusals in French, nothing asked of the directory.
        let (s, e) = a.call("GET", "/api/annuaire", None, &a.secretaire).await;
        assert_eq!(s, 422, "{n}: {e}");
        assert!(e["erreur"].as_str().unwrap().contains("au moins un"), "{e}");
        let (s, e) = a
            .call("GET", "/api/annuaire?rpps=12ab", None, &a.secretaire)
            .await;
        assert_eq!(s, 422, "{n}: {e}");
        assert!(e["erreur"].as_str().unwrap().contains("11 chiffres"), "{e}");

        // The address chosen kept in Hélène's care team.
        let (s, p) = a
            .call("POST", "/api/patients", Some(HELENE), &a.secretaire)
            .await;
        assert_eq!(s, 201, "{p}");
        let patient = p["id"].as_str().unwrap();
        let membre = serde_json::json!({
            "name": "DR Sophie MARTIN",
            "profession": lyon["specialites"][0],
            "rpps": lyon["rpps"],
            "mssante": lyon["boites"][2]["adresse"],
            "relation": "médecin du centre de santé",
        });
        let (s, m) = a
            .call(
                "POST",
                &format!("/api/patients/{patient}/care-team"),
                Some(&membre.to_string()),
                &a.secretaire,
            )
            .await;
        assert_eq!(s, 201, "{n}: {m}");
        let (_, equipe) = a
            .call(
                "GET",
                &format!("/api/patients/{patient}/care-team"),
                None,
                &a.medecin,
            )
            .await;
        assert_eq!(
            equipe[0]["mssante"], "s.martin@cds-gratte-ciel.mssante.fr",
            "{n}"
        );

        // Every search is traced, what was asked and how many answered.
        let recherches: Vec<_> = a
            .store
            .audit_since(0)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "annuaire.recherche")
            .collect();
        assert_eq!(recherches.len(), 12, "{n}");
        assert!(
            recherches[0].detail.contains("\"nom\":\"martin\"")
                && recherches[0].detail.contains("2 résultat"),
            "{}",
            recherches[0].detail
        );
        assert!(
            recherches
                .iter()
                .all(|e| !e.detail.contains(esculape_sandbox::annuaire::CLE))
        );
    }
}

#[tokio::test]
async fn a_refused_key_or_an_unreachable_directory_is_said_in_french() {
    let bac = start_sandbox().await;
    let t = esculape_store::testing::sqlite().await.unwrap();
    let base = format!("http://{bac}/fhir/v2");
    let a = TestApp::avec_app(t, |app| app.annuaire = annuaire(&base, "mauvaise-cle")).await;
    let (s, e) = a
        .call("GET", "/api/annuaire?nom=martin", None, &a.medecin)
        .await;
    assert_eq!(s, 502, "{e}");
    assert!(
        e["erreur"]
            .as_str()
            .unwrap()
            .contains("refuse la clé d'API"),
        "{e}"
    );

    let ferme = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let adresse = ferme.local_addr().unwrap();
    drop(ferme);
    let t = esculape_store::testing::sqlite().await.unwrap();
    let a = TestApp::avec_app(t, |app| {
        app.annuaire = annuaire(&format!("http://{adresse}/fhir/v2"), "x")
    })
    .await;
    let (s, e) = a
        .call("GET", "/api/annuaire?nom=martin", None, &a.medecin)
        .await;
    assert_eq!(s, 502, "{e}");
    assert!(
        e["erreur"].as_str().unwrap().contains("ne répond pas"),
        "{e}"
    );
    let echec = a.store.audit_since(0).await.unwrap();
    assert!(
        echec
            .iter()
            .any(|e| e.action == "annuaire.recherche" && e.detail.contains("échec"))
    );
}
