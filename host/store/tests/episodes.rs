//! DMP decisions per episode, with history, on SQLite and PostgreSQL.

use esculape_domain::{
    BirthDate, DmpConsultation, DmpDecision, DmpFeeding, Identity, NewIdentity, Sex,
};
use esculape_store::testing::both;
use esculape_store::{Actor, StoreError};

fn identity() -> Identity {
    Identity::validate(
        NewIdentity {
            birth_name: "Episode".into(),
            used_name: None,
            birth_first_names: vec!["Test".into()],
            used_first_name: None,
            sex: Sex::Unknown,
            birth_date: BirthDate::parse("2000-01-01").unwrap(),
            birth_place_cog: None,
            ins: None,
            high_trust_document: false,
            justificatif: None,
            from_insi: false,
            attributes: Default::default(),
        },
        BirthDate::parse("2026-11-26").unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn decisions_default_change_and_keep_their_history() {
    let doc = Actor::user("dr-a");
    let other = Actor::user("dr-b");
    for t in both().await {
        let s = &t.store;
        let p = s.create_patient(&doc, identity()).await.unwrap();
        let ep = s.open_episode(&doc, &p.id, "Suivi diabète").await.unwrap();
        // Defaults: feeding allowed, consultation not without consent.
        assert_eq!(ep.feeding, DmpFeeding::Autorisee, "{}", t.name);
        assert_eq!(ep.consultation, DmpConsultation::NonAutorisee);
        assert!(ep.history.is_empty());

        s.record_dmp_decision(
            &doc,
            &ep.id,
            DmpDecision::Consultation(DmpConsultation::Consentie),
        )
        .await
        .unwrap();
        s.record_dmp_decision(
            &other,
            &ep.id,
            DmpDecision::Alimentation(DmpFeeding::Opposition),
        )
        .await
        .unwrap();
        let ep = s
            .record_dmp_decision(
                &doc,
                &ep.id,
                DmpDecision::Consultation(DmpConsultation::Refusee),
            )
            .await
            .unwrap();
        assert_eq!(ep.feeding, DmpFeeding::Opposition, "{}", t.name);
        assert_eq!(ep.consultation, DmpConsultation::Refusee);
        assert_eq!(ep.history.len(), 3);
        assert_eq!(ep.history[1].actor, "dr-b");
        // The whole care team reads the same decisions.
        let seen = s.episode(&other, &ep.id).await.unwrap();
        assert_eq!(seen, ep);

        let actions: Vec<String> = s
            .audit_of_patient(&p.id, 20)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert_eq!(
            actions.iter().filter(|a| *a == "dmp.decision").count(),
            3,
            "{}",
            t.name
        );
        assert!(s.verify_audit().await.unwrap().is_intact());

        assert!(matches!(
            s.open_episode(&doc, "inconnu", "x").await,
            Err(StoreError::NotFound(_))
        ));
        assert!(matches!(
            s.record_dmp_decision(
                &doc,
                "inconnu",
                DmpDecision::Alimentation(DmpFeeding::Autorisee)
            )
            .await,
            Err(StoreError::NotFound(_))
        ));
    }
}
