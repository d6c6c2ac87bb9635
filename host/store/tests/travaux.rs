//! The job runner's queue: every state a user sees (waiting, running,
//! waiting again with the error and the next try, done, given up,
//! cancelled), cancellation only before a job runs, and nothing cancelled
//! or given up ever claimed again. SQLite and PostgreSQL.

use esculape_store::Acteur as _;
use esculape_store::outbox::{EtatTravail, NouveauTravail};
use esculape_store::testing;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

#[tokio::test]
async fn jobs_show_their_state_and_cancel_only_while_waiting() {
    for t in testing::both().await {
        let name = t.name;
        let (mut store, _keep) = t.split();
        let offset = Arc::new(AtomicI64::new(0));
        let o = offset.clone();
        store.set_clock(Arc::new(move || {
            esculape_store::now_millis() + o.load(Ordering::SeqCst)
        }));
        let practice = testing::practice(&store).await.unwrap();
        let dr = practice.medecin.actor();
        let p = store
            .create_patient(
                &dr,
                testing::identity(
                    "TRAVAIL",
                    &["JEAN"],
                    "1970-01-01",
                    esculape_domain::Sex::Male,
                ),
            )
            .await
            .unwrap();
        let job = |label: &str| NouveauTravail {
            kind: "dmp.alimentation".into(),
            payload: "{}".into(),
            label: label.into(),
            patient_id: Some(p.id.clone()),
            ..Default::default()
        };
        let mut ids = vec![];
        for label in ["Envoi au DMP A", "Envoi au DMP B", "Envoi au DMP C"] {
            ids.push(store.enqueue_travail(&job(label)).await.unwrap());
            offset.fetch_add(1, Ordering::SeqCst);
        }
        let [a, b, c] = [ids[0].clone(), ids[1].clone(), ids[2].clone()];
        let listed = store.travaux(Some(&p.id), 10).await.unwrap();
        assert_eq!(listed.len(), 3, "{name}");
        assert!(
            listed.iter().all(|t| t.etat == EtatTravail::EnAttente),
            "{name}: {listed:?}"
        );
        assert_eq!(listed[0].label, "Envoi au DMP C", "{name}: newest first");

        // Claimed: running, and no longer cancellable.
        let claimed = store.claim_kind("w1", "dmp.", 2, 60_000).await.unwrap();
        let mut ids: Vec<&str> = claimed.iter().map(|i| i.id.as_str()).collect();
        ids.sort();
        let mut oldest = [a.as_str(), b.as_str()];
        oldest.sort();
        assert_eq!(ids, oldest, "{name}: the two oldest");
        assert_eq!(
            store.travail(&a).await.unwrap().etat,
            EtatTravail::EnCours,
            "{name}"
        );
        assert!(!store.annuler_travail(&dr, &a).await.unwrap(), "{name}");
        assert_eq!(
            store.travail(&a).await.unwrap().etat,
            EtatTravail::EnCours,
            "{name}"
        );

        // A failed try waits again, with its error and next try.
        assert!(
            store
                .fail("w1", &a, "service indisponible", 60_000)
                .await
                .unwrap()
        );
        let ta = store.travail(&a).await.unwrap();
        assert_eq!(ta.etat, EtatTravail::EnAttente, "{name}");
        assert_eq!(ta.erreur.as_deref(), Some("service indisponible"), "{name}");
        assert!(ta.prochain_essai.unwrap() > store.now(), "{name}: {ta:?}");
        assert_eq!(ta.essais, 1, "{name}");
        // Given up: failed for good, the reason kept, never claimed again.
        assert!(
            store
                .abandon("w1", &b, "patient introuvable")
                .await
                .unwrap()
        );
        let tb = store.travail(&b).await.unwrap();
        assert_eq!(tb.etat, EtatTravail::Echec, "{name}");
        assert_eq!(tb.erreur.as_deref(), Some("patient introuvable"), "{name}");
        // Another worker cannot give up or complete what it does not hold.
        assert!(!store.abandon("w2", &a, "x").await.unwrap(), "{name}");

        // Cancelled while waiting: traced, never claimed.
        assert!(store.annuler_travail(&dr, &c).await.unwrap(), "{name}");
        assert_eq!(
            store.travail(&c).await.unwrap().etat,
            EtatTravail::Annule,
            "{name}"
        );
        assert!(
            !store.annuler_travail(&dr, &c).await.unwrap(),
            "{name}: once"
        );
        let trail = store.audit_of_patient(&p.id, 10).await.unwrap();
        assert!(
            trail
                .iter()
                .any(|e| e.action == "travail.annulation" && e.detail == c),
            "{name}: {trail:?}"
        );
        let again = store.claim_kind("w3", "dmp.", 10, 60_000).await.unwrap();
        assert!(
            again.is_empty(),
            "{name}: a waits for its retry; b, c are over"
        );

        // Done.
        offset.fetch_add(120_000, Ordering::SeqCst);
        let retried = store.claim_kind("w3", "dmp.", 10, 60_000).await.unwrap();
        assert_eq!(retried.len(), 1, "{name}");
        assert_eq!(retried[0].id, a, "{name}");
        assert!(store.complete("w3", &a).await.unwrap());
        let ta = store.travail(&a).await.unwrap();
        assert_eq!(ta.etat, EtatTravail::Termine, "{name}");
        assert_eq!(ta.prochain_essai, None, "{name}");
    }
}
