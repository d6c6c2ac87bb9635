//! Biology through the API (LGC.MDV.08/09): the official CR-BIO examples'
//! results integrated as typed results, two glycaemias from two
//! laboratories (g/L and mmol/L) on one converted curve with the JDV's
//! warning, the JDV loaded from its spreadsheet.

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use common::TestApp;
use esculape_store::testing;

fn exemple(nom: &str) -> Vec<u8> {
    std::fs::read(
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../shared/testdata/ans/cda-examples")
            .join(nom),
    )
    .unwrap()
}

/// The official « Glycémie mole » report as another laboratory would send
/// it three months later: its glycaemia in g/L, above the range. (The
/// kit's other CR-BIO in g/L, 53049-3, is an auto-presentable one of the
/// same laboratory.)
fn en_grammes(en_moles: &[u8]) -> Vec<u8> {
    String::from_utf8(en_moles.to_vec())
        .unwrap()
        .replace("Laboratoire des charmes", "Laboratoire du Parc")
        .replace(
            "1.2.250.1.213.1.1.1.55.2024.7",
            "1.2.250.1.213.1.1.1.55.2024.9",
        )
        .replace("code=\"40193-5\"", "code=\"53049-3\"")
        .replace(
            "value=\"4.89\" unit=\"mmol/L\"",
            "value=\"1.05\" unit=\"g/L\"",
        )
        .replacen(
            "<interpretationCode code=\"N\"",
            "<interpretationCode code=\"H\"",
            1,
        )
        .replace("20140402", "20140702")
        .into_bytes()
}

/// Stores a received report and integrates every proposal; gives the
/// stored document's id and what the integration said.
async fn recevoir_et_integrer(
    a: &TestApp,
    patient: &str,
    cda: &[u8],
) -> (String, serde_json::Value, serde_json::Value) {
    let nom = a.name;
    let corps = serde_json::json!({ "contenu": B64.encode(cda) }).to_string();
    let (s, doc) = a
        .call(
            "POST",
            &format!("/api/patients/{patient}/documents/recus"),
            Some(&corps),
            &a.medecin,
        )
        .await;
    assert_eq!(s, 201, "{nom}: {doc}");
    let (s, ap) = a
        .call(
            "POST",
            &format!("/api/patients/{patient}/documents/integration/apercu"),
            Some(&corps),
            &a.medecin,
        )
        .await;
    assert_eq!(s, 200, "{nom}: {ap}");
    let n = ap["comparaisons"].as_array().unwrap().len() as u32;
    let tout: Vec<u32> = (0..n).collect();
    let demande = serde_json::json!({ "contenu": B64.encode(cda), "choix": tout }).to_string();
    let (s, faite) = a
        .call(
            "POST",
            &format!("/api/patients/{patient}/documents/integration"),
            Some(&demande),
            &a.medecin,
        )
        .await;
    assert_eq!(s, 200, "{nom}: {faite}");
    (doc["id"].as_str().unwrap().to_string(), ap, faite)
}

#[tokio::test]
async fn two_glycaemias_from_two_laboratories_share_one_converted_curve() {
    let en_moles = exemple("BIO-CR-BIO_2024.01_Glycémie mole.xml");
    let en_grammes = en_grammes(&en_moles);
    for t in testing::both().await {
        let a = TestApp::new(t).await;
        let nom = a.name;
        let (s, p) = a
            .call("POST", "/api/patients", Some(common::HELENE), &a.medecin)
            .await;
        assert_eq!(s, 201, "{nom}: {p}");
        let id = p["id"].as_str().unwrap().to_string();

        let (doc_g, ap, faite) = recevoir_et_integrer(&a, &id, &en_grammes).await;
        // each lab result is proposed as a typed result, not refused
        let comparaisons = ap["comparaisons"].as_array().unwrap();
        let glycemie = comparaisons
            .iter()
            .find(|c| c["resultat"]["code"] == "53049-3")
            .unwrap_or_else(|| panic!("{nom}: {ap}"));
        assert_eq!(glycemie["resultat"]["unite"], "g/L", "{nom}");
        assert_eq!(glycemie["resultat"]["document"], doc_g.as_str(), "{nom}");
        assert!(
            glycemie["resultat"]["laboratoire"].is_string(),
            "{nom}: {glycemie}"
        );
        assert!(glycemie["deja_present"].is_null());
        let resultats_g = comparaisons
            .iter()
            .filter(|c| c["resultat"].is_object())
            .count();
        assert!(resultats_g >= 1, "{nom}: {resultats_g}");
        assert!(
            faite["ajoutees"].as_array().unwrap().len() >= resultats_g,
            "{nom}: {faite}"
        );

        let (doc_m, _, _) = recevoir_et_integrer(&a, &id, &en_moles).await;

        // the same report integrated again adds no result
        let corps = serde_json::json!({ "contenu": B64.encode(&en_moles) }).to_string();
        let (_, ap) = a
            .call(
                "POST",
                &format!("/api/patients/{id}/documents/integration/apercu"),
                Some(&corps),
                &a.medecin,
            )
            .await;
        let c = ap["comparaisons"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["resultat"]["code"] == "40193-5")
            .unwrap();
        assert!(c["deja_present"].is_string(), "{nom}: {c}");

        // one line for the analyte, both units together
        let (s, bio) = a
            .call(
                "GET",
                &format!("/api/patients/{id}/biologie"),
                None,
                &a.medecin,
            )
            .await;
        assert_eq!(s, 200, "{nom}: {bio}");
        let ligne = bio["analyses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["nom"] == "Glycémie à jeun")
            .unwrap_or_else(|| panic!("{nom}: {}", bio["analyses"]));
        assert_eq!(ligne["nombre"], 2, "{nom}: {ligne}");
        assert_eq!(ligne["code"], "53049-3", "the latest result's LOINC");
        assert_eq!(ligne["courbe"], true);

        // one curve in mmol/L, the g/L result converted by the JDV factor,
        // each point leading to its report, the JDV's warning beside it
        let (s, t) = a
            .call(
                "GET",
                &format!("/api/patients/{id}/biologie/tendance/40193-5"),
                None,
                &a.medecin,
            )
            .await;
        assert_eq!(s, 200, "{nom}: {t}");
        assert_eq!(t["unite"], "mmol/L", "{nom}");
        let points = t["points"].as_array().unwrap();
        assert_eq!(points.len(), 2, "{nom}: {t}");
        let converti = points
            .iter()
            .find(|p| p["document"] == doc_g.as_str())
            .unwrap();
        assert!(
            converti["conversion"]
                .as_str()
                .unwrap()
                .contains("facteur du JDV"),
            "{nom}: {converti}"
        );
        let direct = points
            .iter()
            .find(|p| p["document"] == doc_m.as_str())
            .unwrap();
        assert_eq!(direct["valeur"], 4.89, "{nom}");
        assert!(direct["conversion"].is_null());
        assert_ne!(
            converti["laboratoire"], direct["laboratoire"],
            "{nom}: two laboratories"
        );
        assert_eq!(t["comparabilite"], 9, "{nom}");
        assert!(
            t["avertissements"][0]
                .as_str()
                .unwrap()
                .contains("n'a pas été évaluée"),
            "{nom}: {t}"
        );
        assert_eq!(t["jdv"], "extrait embarqué");
        // the point opens its report
        let (s, _) = a
            .call("GET", &format!("/api/documents/{doc_g}"), None, &a.medecin)
            .await;
        assert_eq!(s, 200, "{nom}");

        // usual names find the analysis
        let (_, bio) = a
            .call(
                "GET",
                &format!("/api/patients/{id}/biologie?q=glyc%C3%A9mie"),
                None,
                &a.medecin,
            )
            .await;
        assert!(
            bio["analyses"]
                .as_array()
                .unwrap()
                .iter()
                .any(|l| l["nom"] == "Glycémie à jeun"),
            "{nom}: {bio}"
        );
        let (_, bio) = a
            .call(
                "GET",
                &format!("/api/patients/{id}/biologie?q=kali%C3%A9mie"),
                None,
                &a.medecin,
            )
            .await;
        assert!(
            bio["analyses"].as_array().unwrap().is_empty(),
            "{nom}: {bio}"
        );

        // the practice's spreadsheet: an administrator loads it, then its
        // rules apply (40193-5 is not in it: said, and the curve keeps to
        // one unit)
        let fichier = serde_json::json!({
            "nom": "jdv-disposition-1.1.22.xlsx",
            "contenu": B64.encode(include_bytes!("../../biologie/tests/jdv/jdv-disposition-1.1.22.xlsx")),
        })
        .to_string();
        let (s, _) = a
            .call("POST", "/api/biologie/jdv", Some(&fichier), &a.medecin)
            .await;
        assert_eq!(
            s, 403,
            "{nom}: a doctor does not replace the practice's JDV"
        );
        let pas_jdv =
            serde_json::json!({ "nom": "x.xlsx", "contenu": B64.encode(b"pas un classeur") })
                .to_string();
        let (s, e) = a
            .call("POST", "/api/biologie/jdv", Some(&pas_jdv), &a.admin)
            .await;
        assert_eq!(s, 422, "{nom}: {e}");
        let (s, j) = a
            .call("POST", "/api/biologie/jdv", Some(&fichier), &a.admin)
            .await;
        assert_eq!(s, 200, "{nom}: {j}");
        assert_eq!(j["analyses"], 7, "{nom}: {j}");
        let (_, j) = a.call("GET", "/api/biologie/jdv", None, &a.medecin).await;
        assert_eq!(j["origine"], "jdv-disposition-1.1.22.xlsx", "{nom}");
        let (_, t) = a
            .call(
                "GET",
                &format!("/api/patients/{id}/biologie/tendance/40193-5"),
                None,
                &a.medecin,
            )
            .await;
        assert_eq!(t["points"].as_array().unwrap().len(), 1, "{nom}: {t}");
        assert!(
            t["avertissements"][0]
                .as_str()
                .unwrap()
                .contains("absente du JDV"),
            "{nom}: {t}"
        );

        // a secretary reads no results
        let (s, _) = a
            .call(
                "GET",
                &format!("/api/patients/{id}/biologie"),
                None,
                &a.secretaire,
            )
            .await;
        assert_eq!(s, 403, "{nom}: a secretary does not read results");
    }
}

#[tokio::test]
async fn received_reports_wait_to_be_seen_until_a_doctor_signs_them_off() {
    let en_moles = exemple("BIO-CR-BIO_2024.01_Glycémie mole.xml");
    let en_grammes = en_grammes(&en_moles);
    for t in testing::both().await {
        let a = TestApp::new(t).await;
        let nom = a.name;
        let (_, p) = a
            .call("POST", "/api/patients", Some(common::HELENE), &a.medecin)
            .await;
        let id = p["id"].as_str().unwrap().to_string();
        let (doc_m, _, _) = recevoir_et_integrer(&a, &id, &en_moles).await;
        let (doc_g, _, _) = recevoir_et_integrer(&a, &id, &en_grammes).await;
        // a document written here is not « à voir »
        let courrier = r#"{"title":"Courrier","type_code":"11490-0","format":"texte","act_date":"2026-11-20","provenance":"produit","content":"Ym9uam91cg=="}"#;
        let (s, produit) = a
            .call(
                "POST",
                &format!("/api/patients/{id}/documents"),
                Some(courrier),
                &a.medecin,
            )
            .await;
        assert_eq!(s, 201, "{nom}: {produit}");

        let (s, liste) = a.call("GET", "/api/a-voir", None, &a.medecin).await;
        assert_eq!(s, 200, "{nom}: {liste}");
        let liste = liste.as_array().unwrap();
        assert_eq!(liste.len(), 2, "{nom}: {liste:?}");
        assert_eq!(liste[0]["document"]["id"], doc_g.as_str(), "newest first");
        assert_eq!(
            liste[0]["anormaux"], 1,
            "{nom}: the glycaemia above the range"
        );
        assert_eq!(liste[1]["anormaux"], 0, "{nom}");
        assert_eq!(liste[0]["patient"], "DUPONT HELENE", "{nom}");

        // signed off: « vu par Dr X le … », once
        let (s, vu) = a
            .call(
                "POST",
                &format!("/api/documents/{doc_g}/vu"),
                None,
                &a.medecin,
            )
            .await;
        assert_eq!(s, 200, "{nom}: {vu}");
        assert_eq!(vu["par"], a.practice.medecin.login.as_str(), "{nom}");
        assert_eq!(vu["nom"], a.practice.medecin.display_name.as_str(), "{nom}");
        let (_, encore) = a
            .call(
                "POST",
                &format!("/api/documents/{doc_g}/vu"),
                None,
                &a.medecin,
            )
            .await;
        assert_eq!(encore["le"], vu["le"], "{nom}: the first sign-off stays");
        let (_, liste) = a
            .call(
                "GET",
                &format!("/api/a-voir?patient={id}"),
                None,
                &a.medecin,
            )
            .await;
        let liste = liste.as_array().unwrap();
        assert_eq!(liste.len(), 1, "{nom}");
        assert_eq!(liste[0]["document"]["id"], doc_m.as_str());
        let (_, vus) = a
            .call("GET", &format!("/api/patients/{id}/vus"), None, &a.medecin)
            .await;
        assert_eq!(vus.as_array().unwrap().len(), 1, "{nom}: {vus}");
        assert_eq!(vus[0]["document_id"], doc_g.as_str());

        // what was produced here is not signed off; a secretary sees no list
        let (s, e) = a
            .call(
                "POST",
                &format!("/api/documents/{}/vu", produit["id"].as_str().unwrap()),
                None,
                &a.medecin,
            )
            .await;
        assert_eq!(s, 422, "{nom}: {e}");
        let (s, _) = a.call("GET", "/api/a-voir", None, &a.secretaire).await;
        assert_eq!(s, 403, "{nom}");
        // the sign-off is traced
        let (_, journal) = a
            .call(
                "GET",
                &format!("/api/patients/{id}/access-log"),
                None,
                &a.medecin,
            )
            .await;
        assert!(
            journal
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["action"] == "document.vu"),
            "{nom}: {journal}"
        );
    }
}
