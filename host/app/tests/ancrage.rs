//! The audit trail anchored outside the database (issue 17, finding 6):
//! whoever can write the database can change an event and recompute the
//! chain after it, cut its tail or empty it, and the chain alone still
//! reads intact; the signed anchors in the home find each. On SQLite and
//! PostgreSQL.

use esculape_app::App;
use esculape_store::audit::event_hash;
use esculape_store::testing::{self, TestStore};
use esculape_store::{Actor, Store};
use sqlx::Row;
use std::sync::Arc;

struct Cas {
    app: App,
    name: &'static str,
    _keep: (testing::KeepAlive, tempfile::TempDir),
}

async fn cas(t: TestStore) -> Cas {
    let name = t.name;
    let (store, keep) = t.split();
    let home = tempfile::tempdir().unwrap();
    let rt = esculape_app::home::runtime(home.path()).unwrap();
    let insi = esculape_app::insi::InsiClient::new(esculape_app::insi::InsiConfig::from_env());
    let mut app = App::new(Arc::new(rt), Arc::new(store), Arc::new(insi));
    app.ancrage = Some(esculape_app::ancrage::Ancrage::dans(home.path()));
    let dr = Actor::user("dr");
    for i in 0..6 {
        app.store
            .trace(&dr, "dossier.lecture", Some("p1"), &format!("lecture {i}"))
            .await
            .unwrap();
        if i == 3 {
            assert!(app.ancrer_journal().await.unwrap().is_some(), "{name}");
        }
    }
    let a = app.ancrer_journal().await.unwrap().expect("the head moved");
    assert_eq!(a.seq, 6, "{name}");
    assert!(
        app.ancrer_journal().await.unwrap().is_none(),
        "{name}: unmoved"
    );
    let v = app.verifier_ancres().await.unwrap();
    assert_eq!(
        (v.ancres, v.derniere, v.rupture),
        (2, Some(6), None),
        "{name}"
    );
    // The key and the anchors are this account's only.
    #[cfg(unix)]
    for f in ["audit-ancrage.key", "audit-ancres.jsonl"] {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(home.path().join(f))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{name}: {f}");
    }
    Cas {
        app,
        name,
        _keep: (keep, home),
    }
}

/// The database owner's way around the append-only guard.
async fn sans_garde(s: &Store, name: &str) {
    let sql: &[&str] = match name {
        "sqlite" => &[
            "DROP TRIGGER audit_event_no_update",
            "DROP TRIGGER audit_event_no_delete",
        ],
        _ => &[
            "ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_change",
            "ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_truncate",
        ],
    };
    for q in sql {
        sqlx::query(q).execute(s.pool()).await.unwrap();
    }
}

fn rupture(v: &esculape_app::ancrage::VerificationAncres) -> String {
    v.rupture.clone().unwrap_or_default()
}

#[tokio::test]
async fn a_recomputed_chain_is_found_by_the_anchors() {
    for t in testing::both().await {
        let c = cas(t).await;
        let (s, name) = (&c.app.store, c.name);
        sans_garde(s, name).await;
        // Event 2 says someone else read; every hash after it recomputed.
        sqlx::query("UPDATE audit_event SET actor = 'personne' WHERE seq = 2")
            .execute(s.pool())
            .await
            .unwrap();
        let rows = sqlx::query(
            "SELECT seq, at, actor, action, patient_id, detail FROM audit_event ORDER BY seq",
        )
        .fetch_all(s.pool())
        .await
        .unwrap();
        let mut prev = esculape_store::audit::GENESIS.to_string();
        for r in rows {
            let seq: i64 = r.get(0);
            let patient: Option<String> = r.get(4);
            let h = event_hash(
                seq,
                r.get(1),
                &r.get::<String, _>(2),
                &r.get::<String, _>(3),
                patient.as_deref(),
                &r.get::<String, _>(5),
                &prev,
            );
            sqlx::query("UPDATE audit_event SET prev_hash = $1, hash = $2 WHERE seq = $3")
                .bind(prev.clone())
                .bind(h.clone())
                .bind(seq)
                .execute(s.pool())
                .await
                .unwrap();
            prev = h;
        }
        assert!(
            s.verify_audit().await.unwrap().broken.is_none(),
            "{name}: the chain alone reads intact"
        );
        let v = c.app.verifier_ancres().await.unwrap();
        assert!(rupture(&v).contains("journal recalculé"), "{name}: {v:?}");
        // A broken trail is not anchored.
        assert_eq!(v.derniere, None, "{name}");
    }
}

#[tokio::test]
async fn a_cut_tail_or_an_emptied_trail_is_found_by_the_anchors() {
    for t in testing::both().await {
        let c = cas(t).await;
        let (s, name) = (&c.app.store, c.name);
        sans_garde(s, name).await;
        sqlx::query("DELETE FROM audit_event WHERE seq > 4")
            .execute(s.pool())
            .await
            .unwrap();
        assert!(s.verify_audit().await.unwrap().broken.is_none(), "{name}");
        let v = c.app.verifier_ancres().await.unwrap();
        assert!(
            rupture(&v).contains("l'événement 6 ancré n'existe plus"),
            "{name}: {v:?}"
        );
        sqlx::query("DELETE FROM audit_event")
            .execute(s.pool())
            .await
            .unwrap();
        assert_eq!(s.verify_audit().await.unwrap().events, 0, "{name}");
        let v = c.app.verifier_ancres().await.unwrap();
        assert!(rupture(&v).contains("n'existe plus"), "{name}: {v:?}");
    }
}

#[tokio::test]
async fn a_forged_anchor_is_refused() {
    for t in testing::both().await {
        let c = cas(t).await;
        let name = c.name;
        let fichier = c._keep.1.path().join("audit-ancres.jsonl");
        let texte = std::fs::read_to_string(&fichier).unwrap();
        // Whoever rewrote the trail rewrites the anchor's hash too: the
        // signature no longer matches.
        let mut lignes: Vec<serde_json::Value> = texte
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        lignes[1]["hash"] = "0".repeat(64).into();
        let faux: String = lignes.iter().map(|l| format!("{l}\n")).collect();
        std::fs::write(&fichier, faux).unwrap();
        let v = c.app.verifier_ancres().await.unwrap();
        assert!(rupture(&v).contains("signature invalide"), "{name}: {v:?}");
    }
}
