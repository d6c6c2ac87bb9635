//! Several host processes on one database: the outbox never hands one item
//! to two workers (PostgreSQL `FOR UPDATE SKIP LOCKED`, SQLite's single
//! writer), and two hosts booking the same practitioner at the same time
//! never double-book.

use esculape_domain::LocalDateTime;
use esculape_domain::agenda::NewAppointment;
use esculape_store::{Actor, Store, testing};
use std::collections::HashSet;
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn outbox_items_are_claimed_once_across_hosts() {
    for t in testing::both().await {
        let n = t.name;
        // Two "hosts": two stores (two pools) on the same database.
        let a = Arc::new(Store::connect(&t.url).await.unwrap());
        let b = Arc::new(Store::connect(&t.url).await.unwrap());
        for i in 0..200 {
            a.enqueue("dmp.envoi", &format!("{{\"n\":{i}}}"))
                .await
                .unwrap();
        }
        let mut tasks = vec![];
        for w in 0..8 {
            let store = if w % 2 == 0 { a.clone() } else { b.clone() };
            tasks.push(tokio::spawn(async move {
                let worker = format!("w{w}");
                let mut got = vec![];
                loop {
                    let items = store.claim(&worker, 7, 60_000).await.unwrap();
                    if items.is_empty() {
                        break;
                    }
                    for it in items {
                        assert!(store.complete(&worker, &it.id).await.unwrap());
                        got.push(it.id);
                    }
                }
                got
            }));
        }
        let mut all = vec![];
        for t in tasks {
            all.extend(t.await.unwrap());
        }
        let unique: HashSet<_> = all.iter().collect();
        assert_eq!(
            all.len(),
            200,
            "{n}: every item done once ({} claims)",
            all.len()
        );
        assert_eq!(unique.len(), 200, "{n}");
        assert_eq!(a.outbox_pending().await.unwrap(), 0);

        // A failed item comes back after its delay; another worker cannot
        // complete an item it does not hold.
        let id = a.enqueue("mss.envoi", "{}").await.unwrap();
        let it = a.claim("w1", 10, 60_000).await.unwrap();
        assert_eq!(it.len(), 1);
        assert!(
            b.claim("w2", 10, 60_000).await.unwrap().is_empty(),
            "{n}: leased"
        );
        assert!(!b.complete("w2", &id).await.unwrap(), "{n}: not w2's");
        assert!(a.fail("w1", &id, "service indisponible", 0).await.unwrap());
        let again = b.claim("w2", 10, 60_000).await.unwrap();
        assert_eq!(again.len(), 1, "{n}");
        assert_eq!(again[0].attempts, 2);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hosts_never_double_book_a_practitioner() {
    for t in testing::both().await {
        let n = t.name;
        let practice = testing::practice(&t.store).await.unwrap();
        let a = Arc::new(Store::connect(&t.url).await.unwrap());
        let b = Arc::new(Store::connect(&t.url).await.unwrap());
        // 40 attempts at overlapping times (09:00 + 0..40 minutes, 30
        // minutes long), from both hosts at once.
        let mut tasks = vec![];
        for i in 0..40i64 {
            let store = if i % 2 == 0 { a.clone() } else { b.clone() };
            let doc = practice.medecin.id.clone();
            let site = practice.site.id.clone();
            tasks.push(tokio::spawn(async move {
                let start = LocalDateTime::parse("2026-11-26T09:00")
                    .unwrap()
                    .plus_minutes(i);
                store
                    .book(
                        &Actor::user("accueil"),
                        NewAppointment {
                            practitioner_id: doc,
                            site_id: site,
                            patient_id: None,
                            start,
                            end: start.plus_minutes(30),
                            reason: None,
                        },
                    )
                    .await
            }));
        }
        let mut booked = vec![];
        for t in tasks {
            match t.await.unwrap() {
                Ok(a) => booked.push(a),
                Err(esculape_store::StoreError::Busy(_)) => {}
                Err(e) => panic!("{n}: {e}"),
            }
        }
        assert!(!booked.is_empty());
        booked.sort_by_key(|a| a.start);
        for w in booked.windows(2) {
            assert!(w[0].end <= w[1].start, "{n}: overlap {:?} {:?}", w[0], w[1]);
        }
        let day = esculape_domain::Day::parse("2026-11-26").unwrap();
        let stored = a
            .appointments("", Some(&practice.medecin.id), None, None, day, day)
            .await
            .unwrap();
        assert_eq!(stored.len(), booked.len(), "{n}");
    }
}

/// Reads are traced by one chained statement that may find the head moved
/// by the other host or by a write; writes, failed writes and reads of two
/// hosts still leave one unbroken chain with every committed event.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hosts_keep_one_audit_chain() {
    use esculape_domain::{IdentityStatus, Sex};
    for t in testing::both().await {
        let n = t.name;
        let a = Arc::new(Store::connect(&t.url).await.unwrap());
        let b = Arc::new(Store::connect(&t.url).await.unwrap());
        let mut tasks = vec![];
        for w in 0..4 {
            let store = if w % 2 == 0 { a.clone() } else { b.clone() };
            tasks.push(tokio::spawn(async move {
                let actor = Actor::system();
                let mut written = 0;
                for i in 0..30 {
                    if i % 5 == 0 {
                        let id = testing::identity("CHAINE", &["ALICE"], "1990-01-01", Sex::Female);
                        store.create_patient(&actor, id).await.unwrap();
                        written += 1;
                    } else if i % 7 == 0 {
                        // Appends its event, then the schema refuses the row:
                        // the event is rolled back with it.
                        let mut bad = testing::identity("X", &["Y"], "1990-01-01", Sex::Female);
                        bad.attributes.douteuse = true;
                        bad.status = IdentityStatus::Qualifiee;
                        assert!(store.create_patient(&actor, bad).await.is_err());
                    } else {
                        store
                            .trace(&actor, "test.lecture", None, &format!("{w}-{i}"))
                            .await
                            .unwrap();
                        written += 1;
                    }
                }
                written
            }));
        }
        let mut expected = 0;
        for t in tasks {
            expected += t.await.unwrap();
        }
        let report = t.store.verify_audit().await.unwrap();
        assert!(report.is_intact(), "{n}: {report:?}");
        assert_eq!(report.events, expected, "{n}: every committed event, once");
        // The host that did not write last still appends after the head.
        a.trace(&Actor::system(), "test.lecture", None, "après")
            .await
            .unwrap();
        b.trace(&Actor::system(), "test.lecture", None, "après")
            .await
            .unwrap();
        let report = t.store.verify_audit().await.unwrap();
        assert!(report.is_intact(), "{n}: {report:?}");
        assert_eq!(report.events, expected + 2, "{n}");
    }
}
