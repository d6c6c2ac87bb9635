//! `esculape ins check|search`, `esculape cog import|lieu`, `esculape
//! indicators ins` as a user runs them.

mod common;

use common::esculape_cli as esculape;

#[test]
fn ins_check_gives_validity_and_key() {
    let home = tempfile::tempdir().unwrap();
    let (ok, out, _) = esculape(home.path(), &[], &["ins", "check", "2 97 02 2A 020 778 78"]);
    assert!(ok, "{out}");
    assert!(out.contains("297022A02077878: valide"), "{out}");
    let (ok, _, err) = esculape(home.path(), &[], &["ins", "check", "297022A02077879"]);
    assert!(!ok);
    assert!(err.contains("invalide, clé attendue 78"), "{err}");
    let (ok, out, _) = esculape(home.path(), &[], &["ins", "check", "2360663220836"]);
    assert!(ok);
    assert!(out.contains("clé 56"), "{out}");
    let (ok, _, err) = esculape(home.path(), &[], &["ins", "check", "12"]);
    assert!(!ok);
    assert!(err.contains("13 ou 15 caractères"), "{err}");
}

#[test]
fn cog_import_of_the_insee_files() {
    let home = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    // Nothing to import: said so, nothing written.
    let (ok, _, err) = esculape(
        home.path(),
        &[],
        &["cog", "import", dir.path().to_str().unwrap()],
    );
    assert!(!ok);
    assert!(err.contains("v_commune_AAAA.csv"), "{err}");
    assert!(!home.path().join("cog.tsv").exists());
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    write(
        "v_commune_2025.csv",
        "TYPECOM,COM,REG,DEP,CTCD,ARR,TNCC,NCC,NCCENR,LIBELLE,CAN,COMPARENT\nCOM,2A004,94,2A,20D,2A1,1,AJACCIO,Ajaccio,Ajaccio,2A98,\n",
    );
    write(
        "v_commune_depuis_1943.csv",
        "COM,TNCC,NCC,NCCENR,LIBELLE,DATE_DEBUT,DATE_FIN\n2A004,1,AJACCIO,Ajaccio,Ajaccio,1976-01-01,\n20004,1,AJACCIO,Ajaccio,Ajaccio,,1976-01-01\n",
    );
    write(
        "v_pays_territoire_2025.csv",
        "COG,ACTUAL,CRPAY,ANI,LIBCOG,LIBENR,CODEISO2,CODEISO3,CODENUM3\n99134,1,,,Espagne,Royaume d'Espagne,ES,ESP,724\n",
    );
    let (ok, out, err) = esculape(
        home.path(),
        &[],
        &["cog", "import", dir.path().to_str().unwrap()],
    );
    assert!(ok, "{out}{err}");
    assert!(
        out.contains("1 communes") && out.contains("1 codes historiques"),
        "{out}"
    );
    assert!(out.contains("mouvements absent"), "{out}");
    let (ok, out, _) = esculape(
        home.path(),
        &[],
        &["cog", "lieu", "20004", "--date", "1960-05-02"],
    );
    assert!(ok, "{out}");
    assert!(out.contains("Ajaccio") && out.contains("ancienne"), "{out}");
    let (ok, out, _) = esculape(home.path(), &[], &["cog", "lieu", "99134"]);
    assert!(
        ok && out.contains("Espagne") && out.contains("pays"),
        "{out}"
    );
    let (ok, _, err) = esculape(
        home.path(),
        &[],
        &["cog", "lieu", "20004", "--date", "1990-01-01"],
    );
    assert!(!ok, "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn ins_search_asks_the_configured_insi_and_indicators_print() {
    let addr = common::start_sandbox().await;
    let home = tempfile::tempdir().unwrap();
    let url = format!("http://{addr}/insi");
    let h = home.path().to_path_buf();
    let run = move |args: &'static [&'static str]| {
        let h = h.clone();
        let url = url.clone();
        tokio::task::spawn_blocking(move || {
            esculape(&h, &[("ESCULAPE_INSI_URL", url.as_str())], args)
        })
    };
    let (ok, out, err) = run(&[
        "ins",
        "search",
        "--nom",
        "Adrtrois",
        "--prenom",
        "Dominique",
        "--sexe",
        "F",
        "--naissance",
        "1997-02-26",
    ])
    .await
    .unwrap();
    assert!(ok, "{out}{err}");
    assert!(out.starts_with("00 "), "{out}");
    assert!(out.contains("297022A020778"), "{out}");
    // Homonyms without the birth place: 02 and the advice.
    let (ok, out, _) = run(&[
        "ins",
        "search",
        "--nom",
        "Dupont",
        "--prenom",
        "Jean",
        "--sexe",
        "M",
        "--naissance",
        "1980-05-02",
    ])
    .await
    .unwrap();
    assert!(ok);
    assert!(
        out.starts_with("02 ") && out.contains("lieu de naissance"),
        "{out}"
    );
    // Both calls are in the trail, which still verifies.
    let (ok, out, _) = run(&["audit", "verify"]).await.unwrap();
    assert!(ok, "{out}");
    // The dashboard of an empty practice, and a bad month.
    let (ok, out, err) = run(&["indicators", "ins", "--month", "2026-11"])
        .await
        .unwrap();
    assert!(ok, "{out}{err}");
    assert!(
        out.contains("TBB.INS.02, 2026-11") && out.contains("tout le cabinet"),
        "{out}"
    );
    let (ok, _, err) = run(&["indicators", "ins", "--month", "11-2026"])
        .await
        .unwrap();
    assert!(!ok);
    assert!(err.contains("AAAA-MM"), "{err}");
    let store = esculape_store::Store::connect(&format!(
        "sqlite://{}",
        home.path().join("esculape.db").display()
    ))
    .await
    .unwrap();
    let report = store.verify_audit().await.unwrap();
    // Two INSi queries and one dashboard.
    assert_eq!(report.events, 3, "{report:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn annuaire_search_prints_every_address_and_the_places_of_practice() {
    let addr = common::start_sandbox().await;
    let home = tempfile::tempdir().unwrap();
    let url = format!("http://{addr}/fhir/v2");
    let h = home.path().to_path_buf();
    let run = move |args: &'static [&'static str]| {
        let h = h.clone();
        let url = url.clone();
        tokio::task::spawn_blocking(move || {
            esculape(
                &h,
                &[
                    ("ESCULAPE_ANNUAIRE_URL", url.as_str()),
                    ("ESCULAPE_ANNUAIRE_CLE", esculape_sandbox::annuaire::CLE),
                ],
                args,
            )
        })
    };
    let (ok, out, err) = run(&[
        "annuaire", "search", "--nom", "martin", "--prenom", "sophie", "--auteur", "support",
    ])
    .await
    .unwrap();
    assert!(ok, "{out}{err}");
    assert!(out.contains("DR Sophie MARTIN  RPPS 10003456789"), "{out}");
    assert!(out.contains("DR Sophie MARTIN  RPPS 10004567891"), "{out}");
    assert!(
        out.contains(
            "✉ cabinet.terreaux@medecin.mssante.fr [cabinet] Cabinet médical des Terreaux"
        ),
        "{out}"
    );
    assert!(
        out.contains("CENTRE DE SANTE GRATTE-CIEL — 69100 VILLEURBANNE"),
        "{out}"
    );
    let (ok, out, err) = run(&[
        "annuaire",
        "search",
        "--structure",
        "biolyon",
        "--type-bal",
        "applicative",
        "--json",
        "--auteur",
        "support",
    ])
    .await
    .unwrap();
    assert!(ok, "{out}{err}");
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        r["resultats"][0]["boites"][0]["adresse"],
        "resultats@biolyon.mssante.fr"
    );
    // No criterion: refused in French.
    let (ok, _, err) = run(&["annuaire", "search", "--auteur", "support"])
        .await
        .unwrap();
    assert!(!ok);
    assert!(err.contains("au moins un"), "{err}");
}
