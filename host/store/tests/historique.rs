//! Clinical edits keep what was there (issue 17, finding 5): every
//! version of an encounter, an entry, the contact details and the
//! identity is kept (who, when, what, why), a change is attributed to the
//! one who made it, deleting an entry erases nothing, contact details get
//! the optimistic version check, and the database refuses to rewrite the
//! history. On SQLite and PostgreSQL.

use esculape_domain::record::{Activity, Contact, EntryData, NewEncounter};
use esculape_domain::{BirthDate, Day, NewIdentity, Sex};
use esculape_store::historique::{ObjetHistorise, OperationVersion, Version};
use esculape_store::testing::{self, both};
use esculape_store::{Acteur, NewUser, StoreError};

fn probleme(label: &str) -> EntryData {
    EntryData::Probleme {
        label: label.into(),
        code: None,
        status: Activity::Actif,
        onset: None,
    }
}

fn consultation(note: &str) -> NewEncounter {
    NewEncounter {
        date: Day::parse("2026-12-01").unwrap(),
        reason: Some("toux".into()),
        note: note.into(),
    }
}

/// A practice, its doctor and a patient.
async fn cabinet_et_patient(
    s: &esculape_store::Store,
    nom: &str,
    sexe: Sex,
) -> (esculape_store::Actor, esculape_store::PatientRecord) {
    let martin = testing::practice(s).await.unwrap().medecin.actor();
    let p = s
        .create_patient(
            &martin,
            testing::identity(nom, &["ANNE"], "1980-01-01", sexe),
        )
        .await
        .unwrap();
    (martin, p)
}

#[tokio::test]
async fn every_version_is_kept_and_attributed_to_its_author() {
    for t in both().await {
        let n = t.name;
        let s = &t.store;
        let cabinet = testing::practice(s).await.unwrap();
        let martin = cabinet.medecin.actor();
        let remplacant = s
            .create_user(
                &esculape_store::Actor::system(),
                &NewUser {
                    login: "dr.remplacant".into(),
                    display_name: "Dr Paul Remplaçant".into(),
                    rpps: Some("10001234568".into()),
                    profession: Some("médecin généraliste".into()),
                    role: esculape_domain::Role::Medecin,
                    structure_id: Some(cabinet.structure.id.clone()),
                },
                testing::MEDECIN_PASSWORD_HASH.into(),
            )
            .await
            .unwrap()
            .actor();
        let p = s
            .create_patient(
                &martin,
                testing::identity("ALICE", &["MARIE"], "1980-03-15", Sex::Female),
            )
            .await
            .unwrap();

        // An encounter written by one doctor, corrected by another.
        let e = s
            .create_encounter(&martin, &p.id, None, consultation("Toux sèche."))
            .await
            .unwrap();
        let e2 = s
            .update_encounter(
                &remplacant,
                &e.id,
                e.version,
                consultation("Toux grasse."),
                Some("  erreur de saisie  "),
            )
            .await
            .unwrap();
        assert_eq!(e2.author, "dr.martin", "{n}: the author stays");
        assert_eq!(e2.modifie_par.as_deref(), Some("dr.remplacant"), "{n}");
        let v: Vec<Version<NewEncounter>> = s
            .historique(&martin, ObjetHistorise::Consultation, &e.id)
            .await
            .unwrap();
        assert_eq!(v.len(), 2, "{n}: {v:?}");
        assert_eq!(
            (v[0].version, v[0].operation, v[0].auteur.as_str()),
            (1, OperationVersion::Creation, "dr.martin"),
            "{n}"
        );
        assert_eq!(v[0].contenu.note, "Toux sèche.", "{n}: the text before");
        assert_eq!(v[0].auteur_nom.as_deref(), Some("Dr Claire Martin"), "{n}");
        assert_eq!(
            (v[1].version, v[1].operation, v[1].auteur.as_str()),
            (2, OperationVersion::Modification, "dr.remplacant"),
            "{n}"
        );
        assert_eq!(v[1].motif.as_deref(), Some("erreur de saisie"), "{n}");
        assert_eq!(v[1].contenu.note, "Toux grasse.", "{n}");

        // An entry changed, then deleted: nothing of it is lost.
        let a = s
            .add_entry(&martin, &p.id, None, probleme("Asthme"))
            .await
            .unwrap();
        let a2 = s
            .update_entry(
                &remplacant,
                &a.id,
                a.version,
                probleme("Asthme allergique"),
                None,
            )
            .await
            .unwrap();
        assert_eq!(a2.modifie_par.as_deref(), Some("dr.remplacant"), "{n}");
        s.delete_entry(&martin, &a.id, Some("doublon"))
            .await
            .unwrap();
        let chart = s.chart(&martin, &p.id).await.unwrap();
        assert!(chart.entries.iter().all(|x| x.id != a.id), "{n}");
        let v: Vec<Version<EntryData>> = s
            .historique(&martin, ObjetHistorise::Entree, &a.id)
            .await
            .unwrap();
        let ops: Vec<_> = v.iter().map(|x| (x.version, x.operation)).collect();
        assert_eq!(
            ops,
            [
                (1, OperationVersion::Creation),
                (2, OperationVersion::Modification),
                (3, OperationVersion::Suppression)
            ],
            "{n}"
        );
        assert_eq!(v[0].contenu.label(), "Asthme", "{n}");
        assert_eq!(v[2].contenu.label(), "Asthme allergique", "{n}");
        assert_eq!(
            (v[2].auteur.as_str(), v[2].motif.as_deref()),
            ("dr.martin", Some("doublon")),
            "{n}"
        );

        // Contact details: the version read, else a conflict.
        let c1 = Contact {
            city: Some("Paris".into()),
            ..Default::default()
        };
        let lu = s.contact(&martin, &p.id).await.unwrap();
        assert_eq!(lu.version, 0, "{n}: none yet");
        // a version that never was: refused, not created
        let r = s.set_contact(&martin, &p.id, 3, c1.clone(), None).await;
        assert!(
            matches!(
                r,
                Err(StoreError::Conflict {
                    expected: 3,
                    found: 0
                })
            ),
            "{n}: {r:?}"
        );
        let w1 = s
            .set_contact(&martin, &p.id, 0, c1.clone(), None)
            .await
            .unwrap();
        assert_eq!(w1.version, 1, "{n}");
        let c2 = Contact {
            city: Some("Lyon".into()),
            ..Default::default()
        };
        // A second screen that read the details before: refused.
        let stale = s.set_contact(&remplacant, &p.id, 0, c2.clone(), None).await;
        assert!(
            matches!(
                stale,
                Err(StoreError::Conflict {
                    expected: 0,
                    found: 1
                })
            ),
            "{n}: {stale:?}"
        );
        assert_eq!(
            s.contact(&martin, &p.id)
                .await
                .unwrap()
                .contact
                .city
                .as_deref(),
            Some("Paris"),
            "{n}: nothing overwritten"
        );
        s.set_contact(&remplacant, &p.id, 1, c2, Some("déménagement"))
            .await
            .unwrap();
        let v: Vec<Version<Contact>> = s
            .historique(&martin, ObjetHistorise::Contact, &p.id)
            .await
            .unwrap();
        assert_eq!(v.len(), 2, "{n}");
        assert_eq!(v[0].contenu.city.as_deref(), Some("Paris"), "{n}");
        assert_eq!(v[1].auteur, "dr.remplacant", "{n}");
        assert_eq!(
            s.chart(&martin, &p.id).await.unwrap().contact_version,
            2,
            "{n}"
        );

        // The identity: created, then changed with a reason.
        let new = NewIdentity {
            birth_name: "ALICE".into(),
            used_name: Some("DURAND".into()),
            birth_first_names: vec!["MARIE".into()],
            used_first_name: None,
            sex: Sex::Female,
            birth_date: BirthDate::parse("1980-03-15").unwrap(),
            birth_place_cog: Some("75056".into()),
            ins: None,
            high_trust_document: false,
            justificatif: None,
            from_insi: false,
            attributes: Default::default(),
        };
        s.saisir_identite(
            &remplacant,
            &p.id,
            p.version,
            new,
            BirthDate::parse("2026-12-03").unwrap(),
            Some("mariage"),
        )
        .await
        .unwrap();
        let v: Vec<Version<esculape_domain::Identity>> = s
            .historique(&martin, ObjetHistorise::Identite, &p.id)
            .await
            .unwrap();
        assert_eq!(v.len(), 2, "{n}: {v:?}");
        assert_eq!(v[0].contenu.used_name, None, "{n}");
        assert_eq!(v[1].contenu.used_name.as_deref(), Some("DURAND"), "{n}");
        assert_eq!(v[1].motif.as_deref(), Some("mariage"), "{n}");

        // Reading a history is traced.
        let journal = s.journal_du_patient(&martin, &p.id, 100).await.unwrap();
        assert!(journal.iter().any(|e| e.action == "historique.read"), "{n}");
        // A reason too long is refused, nothing written.
        let long = "x".repeat(501);
        let r = s
            .update_encounter(&martin, &e.id, 2, consultation("autre"), Some(&long))
            .await;
        assert!(r.is_err(), "{n}");
        assert_eq!(
            s.historique::<NewEncounter>(&martin, ObjetHistorise::Consultation, &e.id)
                .await
                .unwrap()
                .len(),
            2,
            "{n}"
        );
    }
}

/// A change of content written before the history was kept: the state
/// found is kept first, under its last known author.
#[tokio::test]
async fn a_state_older_than_the_history_is_kept_at_its_first_change() {
    for t in both().await {
        let n = t.name;
        let s = &t.store;
        let (martin, p) = cabinet_et_patient(s, "BERNARD", Sex::Male).await;
        // as a host of before the migration wrote it: no version row
        sqlx::query("INSERT INTO encounter (id, patient_id, episode_id, author, date, reason, note, created_at, updated_at, version) VALUES ('ancienne', $1, NULL, 'dr.martin', '2025-01-10', NULL, 'Texte d''origine.', 1, 2, 3)")
            .bind(p.id.clone())
            .execute(s.pool())
            .await
            .unwrap();
        s.update_encounter(&martin, "ancienne", 3, consultation("Texte corrigé."), None)
            .await
            .unwrap();
        let v: Vec<Version<NewEncounter>> = s
            .historique(&martin, ObjetHistorise::Consultation, "ancienne")
            .await
            .unwrap();
        assert_eq!(v.len(), 2, "{n}");
        assert_eq!(
            (
                v[0].version,
                v[0].operation,
                v[0].auteur.as_str(),
                v[0].fait_le
            ),
            (3, OperationVersion::Reprise, "dr.martin", 2),
            "{n}"
        );
        assert_eq!(v[0].contenu.note, "Texte d'origine.", "{n}");
    }
}

#[tokio::test]
async fn the_database_refuses_to_rewrite_the_history() {
    for t in both().await {
        let n = t.name;
        let s = &t.store;
        let (martin, p) = cabinet_et_patient(s, "CLAIRE", Sex::Female).await;
        s.add_entry(&martin, &p.id, None, probleme("HTA"))
            .await
            .unwrap();
        for sql in [
            "UPDATE version_historique SET contenu = '{}'",
            "DELETE FROM version_historique",
        ] {
            let r = sqlx::query(sql).execute(s.pool()).await;
            assert!(r.is_err(), "{n}: {sql}");
        }
        if n == "postgres" {
            let r = sqlx::query("TRUNCATE version_historique")
                .execute(s.pool())
                .await;
            assert!(r.is_err(), "{n}: TRUNCATE");
        }
    }
}
