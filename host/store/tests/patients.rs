//! Patients and the audit trail, on SQLite and on PostgreSQL.

use esculape_domain::{
    BirthDate, Identity, IdentityAttributes, IdentityStatus, Ins, InsOid, NewIdentity, Sex,
};
use esculape_store::testing::both;
use esculape_store::{Actor, StoreError};

fn today() -> BirthDate {
    BirthDate::parse("2026-11-26").unwrap()
}

fn identity(name: &str, first: &[&str], date: &str) -> Identity {
    Identity::validate(
        NewIdentity {
            birth_name: name.into(),
            used_name: None,
            birth_first_names: first.iter().map(|s| s.to_string()).collect(),
            used_first_name: None,
            sex: Sex::Female,
            birth_date: BirthDate::parse(date).unwrap(),
            birth_place_cog: Some("75056".into()),
            ins: None,
            high_trust_document: false,
            justificatif: None,
            from_insi: false,
            attributes: IdentityAttributes::default(),
        },
        today(),
    )
    .unwrap()
}

#[tokio::test]
async fn create_read_update_with_audit_on_both_backends() {
    let doc = Actor::user("dr-martin");
    for t in both().await {
        let s = &t.store;
        let p = s
            .create_patient(&doc, identity("Hélène", &["Marie", "Jeanne"], "1980-03-15"))
            .await
            .unwrap();
        assert_eq!(p.identity.birth_name, "HELENE");
        let read = s.patient(&doc, &p.id).await.unwrap();
        assert_eq!(read, p, "{}", t.name);

        // Qualify it from an INSi answer checked on a high-trust document.
        let mut n = identity("Hélène", &["Marie", "Jeanne"], "1980-03-15");
        n.ins = Some(Ins::new("280037505600182", InsOid::NirTest.oid()).unwrap());
        n.from_insi = true;
        n.high_trust_document = true;
        n.status = IdentityStatus::Qualifiee;
        let updated = s.update_identity(&doc, &p.id, 1, n.clone()).await.unwrap();
        assert_eq!(updated.version, 2);
        // A stale writer is refused and writes nothing.
        let err = s.update_identity(&doc, &p.id, 1, n).await.unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Conflict {
                    expected: 1,
                    found: 2
                }
            ),
            "{}: {err}",
            t.name
        );
        let now = s.patient(&doc, &p.id).await.unwrap();
        assert_eq!(now.identity.status, IdentityStatus::Qualifiee, "{}", t.name);

        let trail = s.audit_of_patient(&p.id, 10).await.unwrap();
        let actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            [
                "patient.read",
                "patient.update",
                "patient.read",
                "patient.create"
            ],
            "{}",
            t.name
        );
        assert!(trail.iter().all(|e| e.actor == "dr-martin"));
        assert_eq!(trail[1].detail, "statut provisoire→qualifiee");
        let report = s.verify_audit().await.unwrap();
        assert!(report.is_intact(), "{}: {report:?}", t.name);
        assert_eq!(report.events, 4, "the refused update wrote no audit line");

        assert!(matches!(
            s.patient(&doc, "inconnu").await,
            Err(StoreError::NotFound(_))
        ));
    }
}

#[tokio::test]
async fn database_refuses_doubtful_identities_with_an_ins() {
    for t in both().await {
        // The domain never builds such an identity; the schema refuses it too.
        let mut bad = identity("X", &["Y"], "1990-01-01");
        bad.attributes.douteuse = true;
        bad.status = IdentityStatus::Qualifiee;
        let err = t
            .store
            .create_patient(&Actor::system(), bad)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Db(_)), "{}: {err}", t.name);
        // Nothing was written, not even an audit line.
        assert_eq!(
            t.store.verify_audit().await.unwrap().events,
            0,
            "{}",
            t.name
        );
    }
}

#[tokio::test]
async fn two_identities_cannot_share_an_ins() {
    for t in both().await {
        let mut a = identity("A", &["B"], "1990-01-01");
        a.ins = Some(Ins::new("297022A02077878", InsOid::NirTest.oid()).unwrap());
        a.from_insi = true;
        a.status = IdentityStatus::Recuperee;
        t.store
            .create_patient(&Actor::system(), a.clone())
            .await
            .unwrap();
        let err = t
            .store
            .create_patient(&Actor::system(), a)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Duplicate(_)), "{}: {err}", t.name);
    }
}

#[tokio::test]
async fn prefix_search_in_any_order_case_and_accent_insensitive() {
    let doc = Actor::user("sec");
    for t in both().await {
        let s = &t.store;
        let dupont = s
            .create_patient(&doc, identity("Dupont", &["Jean", "Pierre"], "1980-05-02"))
            .await
            .unwrap();
        s.create_patient(&doc, identity("Dupont", &["Jeanne"], "1975-01-01"))
            .await
            .unwrap();
        s.create_patient(&doc, identity("Durand", &["Hélène"], "1980-07-14"))
            .await
            .unwrap();
        s.create_patient(&doc, identity("Martin-Dupuis", &["Luc"], "2001-12-31"))
            .await
            .unwrap();

        let ids = |r: Vec<esculape_store::PatientSummary>| {
            r.into_iter()
                .map(|p| p.birth_name + " " + &p.first_names)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            ids(s.search_patients(&doc, "dup jea 1980", 20).await.unwrap()),
            ["DUPONT JEAN PIERRE"],
            "{}",
            t.name
        );
        assert_eq!(
            ids(s
                .search_patients(&doc, "1980 jean dupont", 20)
                .await
                .unwrap()),
            ["DUPONT JEAN PIERRE"]
        );
        assert_eq!(
            ids(s.search_patients(&doc, "hélène", 20).await.unwrap()),
            ["DURAND HELENE"]
        );
        assert_eq!(
            ids(s.search_patients(&doc, "HELENE", 20).await.unwrap()),
            ["DURAND HELENE"]
        );
        assert_eq!(
            ids(s.search_patients(&doc, "02/05/1980", 20).await.unwrap()),
            ["DUPONT JEAN PIERRE"]
        );
        assert_eq!(
            ids(s.search_patients(&doc, "dupu", 20).await.unwrap()),
            ["MARTIN-DUPUIS LUC"]
        );
        assert_eq!(s.search_patients(&doc, "dup", 20).await.unwrap().len(), 3);
        // Two words on one name part, two parts of a compound name, a
        // first name before the name.
        assert_eq!(
            s.search_patients(&doc, "dup dupon", 20)
                .await
                .unwrap()
                .len(),
            2
        );
        assert_eq!(
            ids(s.search_patients(&doc, "dupuis martin", 20).await.unwrap()),
            ["MARTIN-DUPUIS LUC"]
        );
        assert_eq!(
            ids(s.search_patients(&doc, "pierre dupont", 20).await.unwrap()),
            ["DUPONT JEAN PIERRE"]
        );
        assert_eq!(
            ids(s.search_patients(&doc, "jean pierre", 20).await.unwrap()),
            ["DUPONT JEAN PIERRE"]
        );
        assert_eq!(
            ids(s.search_patients(&doc, "1975 jeanne", 20).await.unwrap()),
            ["DUPONT JEANNE"]
        );
        assert!(
            s.search_patients(&doc, "1976 jeanne", 20)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(s.search_patients(&doc, "zzz", 20).await.unwrap().is_empty());
        assert!(s.search_patients(&doc, "   ", 20).await.unwrap().is_empty());
        // Renaming updates the search.
        let mut renamed = identity("Dupont", &["Jean", "Pierre"], "1980-05-02");
        renamed.used_name = Some("LEFEVRE".into());
        s.update_identity(&doc, &dupont.id, 1, renamed)
            .await
            .unwrap();
        assert_eq!(
            ids(s.search_patients(&doc, "lefe", 20).await.unwrap()),
            ["DUPONT JEAN PIERRE"]
        );
        // Every search is traced.
        assert!(s.verify_audit().await.unwrap().is_intact());
    }
}

#[tokio::test]
async fn tampering_with_the_audit_trail_is_detected() {
    let doc = Actor::user("dr");
    for t in both().await {
        let s = &t.store;
        let p = s
            .create_patient(&doc, identity("Audit", &["Test"], "1960-01-01"))
            .await
            .unwrap();
        for _ in 0..3 {
            s.patient(&doc, &p.id).await.unwrap();
        }
        assert!(s.verify_audit().await.unwrap().is_intact());
        // The database itself refuses changes.
        let refused = sqlx::query("UPDATE audit_event SET actor = 'x' WHERE seq = 2")
            .execute(s.pool())
            .await;
        assert!(refused.is_err(), "{}", t.name);
        let refused = sqlx::query("DELETE FROM audit_event WHERE seq = 2")
            .execute(s.pool())
            .await;
        assert!(refused.is_err(), "{}", t.name);
        // Emptying it at once too (PostgreSQL's TRUNCATE fires no row
        // trigger; SQLite has none and deletes row by row).
        let vider = match t.name {
            "sqlite" => "DELETE FROM audit_event",
            _ => "TRUNCATE audit_event",
        };
        let refused = sqlx::query(vider).execute(s.pool()).await;
        assert!(refused.is_err(), "{}: {vider}", t.name);
        assert!(s.verify_audit().await.unwrap().events >= 4, "{}", t.name);

        // Someone with the database owner's rights disables the guard...
        let (off, on) = match t.name {
            "sqlite" => ("DROP TRIGGER audit_event_no_update", ""),
            _ => (
                "ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_change",
                "ALTER TABLE audit_event ENABLE TRIGGER audit_event_no_change",
            ),
        };
        sqlx::query(off).execute(s.pool()).await.unwrap();
        sqlx::query("UPDATE audit_event SET actor = 'personne' WHERE seq = 2")
            .execute(s.pool())
            .await
            .unwrap();
        let report = s.verify_audit().await.unwrap();
        assert_eq!(
            report.broken.as_ref().map(|b| b.0),
            Some(2),
            "{}: {report:?}",
            t.name
        );
        assert!(report.broken.unwrap().1.contains("modifié"));

        // ... or deletes a line in the middle.
        if t.name == "sqlite" {
            sqlx::query("DROP TRIGGER audit_event_no_delete")
                .execute(s.pool())
                .await
                .unwrap();
        }
        sqlx::query("DELETE FROM audit_event WHERE seq = 3")
            .execute(s.pool())
            .await
            .unwrap();
        if !on.is_empty() {
            sqlx::query(on).execute(s.pool()).await.unwrap();
        }
        let report = s.verify_audit().await.unwrap();
        assert!(report.broken.is_some(), "{}", t.name);
    }
}

#[tokio::test]
async fn search_sees_what_another_host_process_wrote() {
    let doc = Actor::user("sec");
    for t in both().await {
        let here = &t.store;
        here.create_patient(&doc, identity("Dupont", &["Jean"], "1980-05-02"))
            .await
            .unwrap();
        // This process's index is loaded...
        assert_eq!(
            here.search_patients(&doc, "dup", 20).await.unwrap().len(),
            1
        );
        // ...then another host process on the same database creates a
        // patient and renames the first.
        let there = esculape_store::Store::connect(&t.url).await.unwrap();
        there
            .create_patient(&doc, identity("Dupuis", &["Anne"], "1990-01-01"))
            .await
            .unwrap();
        let first = there.search_patients(&doc, "dupont", 20).await.unwrap();
        let mut renamed = identity("Lefevre", &["Jean"], "1980-05-02");
        renamed.used_name = Some("MARTIN".into());
        there
            .update_identity(&doc, &first[0].id, 1, renamed)
            .await
            .unwrap();
        let names = |r: Vec<esculape_store::PatientSummary>| {
            r.into_iter().map(|p| p.birth_name).collect::<Vec<_>>()
        };
        assert_eq!(
            names(here.search_patients(&doc, "dup", 20).await.unwrap()),
            ["DUPUIS"],
            "{}",
            t.name
        );
        assert_eq!(
            names(here.search_patients(&doc, "jean mart", 20).await.unwrap()),
            ["LEFEVRE"],
            "{}",
            t.name
        );
        // A fresh process loads everything at its first search.
        let third = esculape_store::Store::connect(&t.url).await.unwrap();
        assert_eq!(third.warm_search().await.unwrap(), 2, "{}", t.name);
    }
}
