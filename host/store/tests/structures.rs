//! Patients belong to a structure (issue 17, finding 3): a database of
//! before is migrated (each patient to the structure of the account that
//! created it, from the audit trail, else to the first; accounts without
//! one to the first), and a scoped actor reaches only its own. On SQLite
//! and PostgreSQL.

use esculape_store::portee::Cible;
use esculape_store::{Actor, Portee, Store, StoreError};
use sqlx::Connection;

/// The migrations before structures were given to patients.
async fn schema_d_avant(url: &str, dossier: &str) {
    let chemin = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../migrations")
        .join(dossier);
    let mut m = sqlx::migrate::Migrator::new(chemin).await.unwrap();
    m.migrations = m
        .migrations
        .iter()
        .filter(|m| m.version <= 12)
        .cloned()
        .collect::<Vec<_>>()
        .into();
    let mut c = sqlx::AnyConnection::connect(url).await.unwrap();
    m.run(&mut c).await.unwrap();
    // Two structures, an account in each and one in none; three
    // patients: one created by each account, one imported by the host.
    for sql in [
        "INSERT INTO structure (id, finess, name, kind, created_at) VALUES ('s1', NULL, 'Cabinet du Parc', 'cabinet', 1)",
        "INSERT INTO structure (id, finess, name, kind, created_at) VALUES ('s2', NULL, 'Centre des Lilas', 'centre-de-sante', 2)",
        "INSERT INTO app_user (id, login, display_name, rpps, profession, role, structure_id, password_hash, password_changed_at, failed_logins, locked_until, active, created_at, version) VALUES ('u1', 'dr.a', 'Dr A', NULL, NULL, 'medecin', 's1', 'x', 0, 0, NULL, 1, 0, 1)",
        "INSERT INTO app_user (id, login, display_name, rpps, profession, role, structure_id, password_hash, password_changed_at, failed_logins, locked_until, active, created_at, version) VALUES ('u2', 'dr.b', 'Dr B', NULL, NULL, 'medecin', 's2', 'x', 0, 0, NULL, 1, 0, 1)",
        "INSERT INTO app_user (id, login, display_name, rpps, profession, role, structure_id, password_hash, password_changed_at, failed_logins, locked_until, active, created_at, version) VALUES ('u3', 'sans', 'Sans structure', NULL, NULL, 'secretaire', NULL, 'x', 0, 0, NULL, 1, 0, 1)",
    ] {
        sqlx::query(sql).execute(&mut c).await.unwrap();
    }
    for (id, nom, seq) in [
        ("p1", "DUPONT", 1),
        ("p2", "DUPONT", 2),
        ("p3", "DURAND", 3),
    ] {
        sqlx::query("INSERT INTO patient (id, birth_name, used_name, birth_first_names, used_first_name, sex, birth_date, birth_place_cog, ins_matricule, ins_oid, high_trust_document, from_insi, homonyme, douteuse, fictive, status, version, created_at, updated_at, changed_seq) VALUES ($1, $2, NULL, '[\"JEAN\"]', NULL, 'M', '1980-05-02', '75056', NULL, NULL, 0, 0, 0, 0, 0, 'provisoire', 1, 0, 0, $3)")
            .bind(id)
            .bind(nom)
            .bind(seq as i64)
            .execute(&mut c)
            .await
            .unwrap();
    }
    for (seq, acteur, action, patient) in [
        (1i64, "dr.a", "patient.create", Some("p1")),
        (2, "dr.b", "patient.create", Some("p2")),
        (3, "import-cli", "patient.import", None),
    ] {
        sqlx::query("INSERT INTO audit_event (seq, at, actor, action, patient_id, detail, prev_hash, hash) VALUES ($1, 0, $2, $3, $4, '', '', '')")
            .bind(seq)
            .bind(acteur)
            .bind(action)
            .bind(patient)
            .execute(&mut c)
            .await
            .unwrap();
    }
    c.close().await.unwrap();
}

fn de(structure: &str) -> Actor {
    Actor {
        user_id: format!("dr.{structure}"),
        portee: Portee::Structure(structure.into()),
    }
}

async fn ids(store: &Store, actor: &Actor) -> Vec<String> {
    let mut v: Vec<String> = store
        .search_patients(actor, "jean", 20)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn a_database_of_before_is_split_between_its_structures() {
    let dir = tempfile::tempdir().unwrap();
    let mut bases = vec![(
        format!("sqlite:{}?mode=rwc", dir.path().join("avant.db").display()),
        "sqlite",
    )];
    if std::env::var_os("ESCULAPE_SKIP_POSTGRES").is_none() {
        bases.push((
            esculape_store::testing::postgres_vide().await.unwrap(),
            "postgres",
        ));
    }
    sqlx::any::install_default_drivers();
    for (url, dossier) in bases {
        schema_d_avant(&url, dossier).await;
        let store = Store::connect(&url).await.unwrap();
        assert_eq!(ids(&store, &de("s1")).await, ["p1", "p3"], "{dossier}");
        assert_eq!(ids(&store, &de("s2")).await, ["p2"], "{dossier}");
        assert_eq!(
            ids(&store, &Actor::user("cli")).await,
            ["p1", "p2", "p3"],
            "{dossier}"
        );
        // The account without a structure joined the first.
        let u = store.user("u3").await.unwrap();
        assert_eq!(u.structure_id.as_deref(), Some("s1"), "{dossier}");

        // The other structure's patient answers like an unknown one, and
        // the attempt is traced on that patient.
        let inconnu = store.patient(&de("s1"), "p9").await.unwrap_err();
        let ailleurs = store.patient(&de("s1"), "p2").await.unwrap_err();
        assert!(matches!(ailleurs, StoreError::NotFound(_)), "{dossier}");
        assert_eq!(
            inconnu.to_string().replace("p9", "?"),
            ailleurs.to_string().replace("p2", "?")
        );
        let trace = store.audit_of_patient("p2", 5).await.unwrap();
        assert_eq!(trace[0].action, "acces.refuse", "{dossier}: {trace:?}");
        assert_eq!(trace[0].actor, "dr.s1");
        store
            .verifier_portee(&de("s2"), Cible::Patient("p2"))
            .await
            .unwrap();

        // Each structure may hold the same person once: the INS is unique
        // within a structure, not across.
        let mut avec_ins = esculape_store::testing::identity(
            "MARTIN",
            &["PAUL"],
            "1975-01-01",
            esculape_domain::Sex::Male,
        );
        avec_ins.ins = Some(esculape_domain::Ins {
            matricule: "175013110012345".into(),
            oid: esculape_domain::InsOid::Nir,
        });
        store
            .create_patient(&de("s1"), avec_ins.clone())
            .await
            .unwrap();
        store
            .create_patient(&de("s2"), avec_ins.clone())
            .await
            .unwrap();
        let e = store.create_patient(&de("s2"), avec_ins).await.unwrap_err();
        assert!(matches!(e, StoreError::Duplicate(_)), "{dossier}: {e}");
    }
}
