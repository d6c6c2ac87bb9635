//! `esculape plugins install|list` as an administrator uses them.

mod common;

use esculape_registry::SigningKey;
use esculape_sdk_testing::Harness;

fn esculape(home: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    common::esculape_cli(home, &[], args)
}

#[test]
fn install_then_list_and_refusals_with_reason() {
    let home = tempfile::tempdir().unwrap();
    // A publisher key the host trusts.
    let builder = Harness::new();
    std::fs::create_dir_all(home.path().join("trusted-keys")).unwrap();
    std::fs::write(
        home.path().join("trusted-keys/dev.pub"),
        builder.key.public_hex(),
    )
    .unwrap();

    let pkgs = tempfile::tempdir().unwrap();
    let good = pkgs.path().join("ins.escpkg");
    builder
        .package("esculape-plugin-ins", |_| {})
        .write(&good)
        .unwrap();
    let (ok, out, err) = esculape(home.path(), &["plugins", "install", good.to_str().unwrap()]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("fr.esculape.ins"), "{out}");

    let (ok, out, _) = esculape(home.path(), &["plugins", "list"]);
    assert!(ok);
    let line = out
        .lines()
        .find(|l| l.starts_with("fr.esculape.ins"))
        .unwrap();
    assert!(line.contains("0.1.0") && line.contains("identity") && line.contains("log"));
    assert!(line.ends_with("actif"), "{line}");

    // Tampered byte.
    let mut pkg = builder.package("esculape-plugin-sonde", |_| {});
    pkg.component_mut()[100] ^= 0x20;
    let bad = pkgs.path().join("tampered.escpkg");
    pkg.write(&bad).unwrap();
    let (ok, _, err) = esculape(home.path(), &["plugins", "install", bad.to_str().unwrap()]);
    assert!(!ok);
    assert!(err.contains("composant modifié"), "{err}");

    // Unknown publisher.
    let stranger = SigningKey::generate().unwrap();
    let pkg = esculape_registry::Package::build(
        builder
            .package("esculape-plugin-sonde", |_| {})
            .manifest()
            .clone(),
        esculape_sdk_testing::plugin_wasm("esculape-plugin-sonde").unwrap(),
        &stranger,
    )
    .unwrap();
    let unknown = pkgs.path().join("unknown.escpkg");
    pkg.write(&unknown).unwrap();
    let (ok, _, err) = esculape(
        home.path(),
        &["plugins", "install", unknown.to_str().unwrap()],
    );
    assert!(!ok);
    assert!(err.contains("clé non reconnue"), "{err}");

    // Unsupported API.
    let api = pkgs.path().join("api.escpkg");
    builder
        .package("esculape-plugin-sonde", |m| {
            m.api = ">=1.0".parse().unwrap()
        })
        .write(&api)
        .unwrap();
    let (ok, _, err) = esculape(home.path(), &["plugins", "install", api.to_str().unwrap()]);
    assert!(!ok);
    assert!(err.contains("version d'API >=1.0 non acceptée"), "{err}");

    // Not a package at all.
    let junk = pkgs.path().join("junk.escpkg");
    std::fs::write(&junk, b"junk").unwrap();
    let (ok, _, err) = esculape(home.path(), &["plugins", "install", junk.to_str().unwrap()]);
    assert!(!ok);
    assert!(err.contains("paquet illisible"), "{err}");

    // Only the good one is installed.
    let (_, out, _) = esculape(home.path(), &["plugins", "list", "--json"]);
    let list: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn audit_verify_detects_a_modified_line() {
    use esculape_domain::{BirthDate, Identity, NewIdentity, Sex};
    let home = tempfile::tempdir().unwrap();
    let store = esculape_host::home::store(home.path()).await.unwrap();
    let new = NewIdentity {
        birth_name: "Verif".into(),
        used_name: None,
        birth_first_names: vec!["Audit".into()],
        used_first_name: None,
        sex: Sex::Male,
        birth_date: BirthDate::parse("1970-01-01").unwrap(),
        birth_place_cog: None,
        ins: None,
        high_trust_document: false,
        justificatif: None,
        from_insi: false,
        attributes: Default::default(),
    };
    let id = Identity::validate(new, BirthDate::parse("2026-01-01").unwrap()).unwrap();
    let p = store
        .create_patient(&esculape_store::Actor::user("dr"), id)
        .await
        .unwrap();
    store
        .patient(&esculape_store::Actor::user("dr"), &p.id)
        .await
        .unwrap();

    let (ok, out, err) = esculape(home.path(), &["audit", "verify"]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("intact: 2 événements"), "{out}");

    sqlx::query("DROP TRIGGER audit_event_no_update")
        .execute(store.pool())
        .await
        .unwrap();
    sqlx::query("UPDATE audit_event SET detail = 'rien' WHERE seq = 1")
        .execute(store.pool())
        .await
        .unwrap();
    let (ok, _, err) = esculape(home.path(), &["audit", "verify"]);
    assert!(!ok);
    assert!(err.contains("altéré à l'événement 1"), "{err}");
}

/// `esculape doc read`: a received CDA (or its IHE_XDM.ZIP) read without a
/// home, as text and as JSON; a bad file refused in French with a
/// non-zero exit.
#[test]
fn doc_read_shows_a_received_document_and_refuses_bad_input() {
    let home = tempfile::tempdir().unwrap();
    let kit =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/testdata/ans");
    let ips = kit.join("cda-examples/IPS-FR_2024.01.xml");
    let (ok, out, err) = esculape(home.path(), &["doc", "read", ips.to_str().unwrap()]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("60591-5") && out.contains("N3"), "{out}");
    assert!(out.contains("§ "), "{out}");
    // the typed content
    assert!(
        out.contains("allergie : Paracétamol [XM5DJ7] : Bronchospasme"),
        "{out}"
    );
    assert!(
        out.contains("problème : Thyroïdite auto-immune [E06.3] (actif) depuis le 11/01/2024"),
        "{out}"
    );
    let bio = kit.join("cda-examples/BIO-CR-BIO_2024.01_TSH_1.xml");
    let (ok, out, err) = esculape(home.path(), &["doc", "read", bio.to_str().unwrap()]);
    assert!(ok, "{out}{err}");
    assert!(
        out.contains("[3024-7] = 7.67 pg/mL (référence 9.3 - 17 pg/mL) L"),
        "{out}"
    );
    let (ok, out, err) = esculape(
        home.path(),
        &["doc", "read", "--json", ips.to_str().unwrap()],
    );
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["entete"]["code"]["code"], "60591-5");
    assert!(v["sections"].as_array().unwrap().len() > 3);
    assert_eq!(v["contenu"]["allergies"][0]["substance"]["code"], "XM5DJ7");
    // an official IHE_XDM.ZIP: the document inside it
    let zip = std::fs::read_dir(kit.join("xdm"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "zip"))
        .unwrap();
    let (ok, out, err) = esculape(home.path(), &["doc", "read", zip.to_str().unwrap()]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("identifiant : "), "{out}");
    // bad input
    let faux = home.path().join("faux.xml");
    std::fs::write(&faux, "<ClinicalDocument><title>x</tit").unwrap();
    let (ok, _, err) = esculape(home.path(), &["doc", "read", faux.to_str().unwrap()]);
    assert!(!ok);
    assert!(err.contains("document illisible"), "{err}");
}

/// `esculape mss messages`: the work list as the support reads it (text,
/// JSON, only what waits); `esculape mss send` refuses in French what it
/// cannot queue.
#[tokio::test(flavor = "multi_thread")]
async fn mss_messages_lists_the_work_list_and_send_refuses_an_unknown_document() {
    use esculape_api_types::documents::{EtatMessage, ProvenanceMessage};
    let home = tempfile::tempdir().unwrap();
    let store = esculape_host::home::store(home.path()).await.unwrap();
    let dr = esculape_store::Actor::user("dr");
    for (uid, objet, etat, raison) in [
        (
            1,
            "Synthèse de Mme Dupont",
            EtatMessage::ARapprocher,
            "le document ne porte pas d'INS : patient à rapprocher par ses traits",
        ),
        (
            2,
            "Bonjour",
            EtatMessage::SansDocument,
            "message sans document CDA",
        ),
    ] {
        store
            .noter_message_mss(
                &dr,
                &esculape_store::mss::NouveauMessage {
                    adresse: "dr@mss.exemple.fr".into(),
                    uidvalidity: 7,
                    uid,
                    de: Some("urgences@chu.mssante.fr".into()),
                    objet: objet.into(),
                    provenance: ProvenanceMessage::Professionnel,
                    etat,
                    raison: raison.into(),
                    patient_id: None,
                    document_id: None,
                    cible_id: None,
                    cda: None,
                },
            )
            .await
            .unwrap()
            .unwrap();
    }
    drop(store);
    let h = home.path().to_path_buf();
    let run = move |args: &'static [&'static str]| {
        let h = h.clone();
        tokio::task::spawn_blocking(move || esculape(&h, args))
    };
    let (ok, out, err) = run(&["mss", "messages", "--auteur", "dr"]).await.unwrap();
    assert!(ok, "{out}{err}");
    assert!(
        out.contains("« Synthèse de Mme Dupont » de urgences@chu.mssante.fr  [a_rapprocher]"),
        "{out}"
    );
    assert!(out.contains("patient à rapprocher par ses traits"), "{out}");
    assert!(out.contains("[sans_document]"), "{out}");
    let (ok, out, err) = run(&["mss", "messages", "--a-traiter", "--json", "--auteur", "dr"])
        .await
        .unwrap();
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v[0]["etat"], "a_rapprocher");
    let (ok, _, err) = run(&[
        "mss",
        "send",
        "--to",
        "anne@mss.exemple.fr",
        "--document",
        "inconnu",
        "--auteur",
        "dr",
    ])
    .await
    .unwrap();
    assert!(!ok);
    assert!(err.contains("introuvable"), "{err}");
    // the reading of the list is traced
    let store = esculape_host::home::store(home.path()).await.unwrap();
    let audit = store.audit_since(0).await.unwrap();
    assert!(
        audit.iter().any(|e| e.action == "mss.messages"),
        "{audit:?}"
    );
}
