//! Backup while the practice keeps writing, restore into an empty database:
//! identical counts and content hash, on SQLite and PostgreSQL and across
//! them. A wrong passphrase, a changed byte or a cut file restore nothing.

use esculape_domain::document::{DocumentFormat, NewDocument, Provenance, Visibility};
use esculape_domain::record::{EntryData, MeasureKind, NewEncounter};
use esculape_domain::{Day, Sex};
use esculape_store::Acteur as _;
use esculape_store::documents::FormulaireSigne;
use esculape_store::{Actor, Store, testing};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

const PASS: &str = "cheval agrafe correct 2026";

fn identity(i: usize) -> esculape_domain::Identity {
    testing::identity(&format!("PATIENT{i}"), &["JEAN"], "1970-01-01", Sex::Male)
}

async fn fill(store: &Store) {
    let practice = testing::practice(store).await.unwrap();
    let dr = practice.medecin.actor();
    for i in 0..20 {
        let p = store.create_patient(&dr, identity(i)).await.unwrap();
        let e = store
            .create_encounter(
                &dr,
                &p.id,
                None,
                NewEncounter {
                    date: Day::parse("2026-11-20").unwrap(),
                    reason: Some("Suivi".into()),
                    note: "Note libre — accents é à ü".into(),
                },
            )
            .await
            .unwrap();
        store
            .add_entry(
                &dr,
                &p.id,
                Some(&e.id),
                EntryData::Mesure {
                    measure: MeasureKind::Poids,
                    value: 70.5 + i as f64,
                    date: Day::parse("2026-11-20").unwrap(),
                    heure: None,
                },
            )
            .await
            .unwrap();
        store
            .add_document(
                &dr,
                &p.id,
                NewDocument {
                    title: "Scan".into(),
                    type_code: "11490-0".into(),
                    type_display: None,
                    format: DocumentFormat::Image,
                    act_date: Day::parse("2026-11-20").unwrap(),
                    provenance: Provenance::Importe,
                    visibility: Visibility::default(),
                    cda_id: None,
                    cda_set_id: None,
                },
                // Binary content with every byte value.
                [0xFFu8, 0xD8]
                    .into_iter()
                    .chain((0..=255u8).cycle().take(5000))
                    .collect(),
            )
            .await
            .unwrap();
    }
    // A document signed from a plugin's form keeps that form.
    let p = store.create_patient(&dr, identity(99)).await.unwrap();
    store
        .add_signed_document(
            &dr,
            &p.id,
            courrier(),
            b"<ClinicalDocument/>".to_vec(),
            Some(&formulaire()),
            &[],
        )
        .await
        .unwrap();
    store
        .add_availability(
            &dr,
            esculape_domain::agenda::Availability {
                practitioner_id: practice.medecin.id.clone(),
                site_id: practice.site.id.clone(),
                weekday: 1,
                start: "08:00".into(),
                end: "12:00".into(),
                slot_minutes: 15,
                valid_from: None,
                valid_until: None,
            },
        )
        .await
        .unwrap();
    store.enqueue("dmp.envoi", "{}").await.unwrap();
}

fn courrier() -> NewDocument {
    NewDocument {
        title: "Courrier".into(),
        type_code: "11490-0".into(),
        type_display: None,
        format: DocumentFormat::CdaN1,
        act_date: Day::parse("2026-11-20").unwrap(),
        provenance: Provenance::Produit,
        visibility: Visibility::default(),
        cda_id: None,
        cda_set_id: None,
    }
}

fn formulaire() -> FormulaireSigne {
    FormulaireSigne {
        plugin: "fr.esculape.doc.generique".into(),
        valeurs: serde_json::json!({"titre": "Courrier", "corps": "Cher confrère, é à ü"})
            .as_object()
            .unwrap()
            .clone(),
    }
}

/// The form a document was signed from goes out with the patient's file
/// and comes back with it, on both databases.
#[tokio::test]
async fn export_import_keeps_the_signed_forms() {
    for src in testing::both().await {
        let n = src.name;
        let practice = testing::practice(&src.store).await.unwrap();
        let dr = practice.medecin.actor();
        let p = src.store.create_patient(&dr, identity(1)).await.unwrap();
        let signed = src
            .store
            .add_signed_document(
                &dr,
                &p.id,
                courrier(),
                b"<ClinicalDocument>a</ClinicalDocument>".to_vec(),
                Some(&formulaire()),
                &[],
            )
            .await
            .unwrap();
        let plain = src
            .store
            .add_document(
                &dr,
                &p.id,
                courrier(),
                b"<ClinicalDocument>b</ClinicalDocument>".to_vec(),
            )
            .await
            .unwrap();
        let export = src.store.export_patient(&dr, &p.id).await.unwrap();
        assert_eq!(export.formulaires.len(), 1, "{n}");
        for target in testing::both().await {
            // imported by a médecin of the target's structure
            let dr = testing::practice(&target.store)
                .await
                .unwrap()
                .medecin
                .actor();
            target.store.import_patient(&dr, &export).await.unwrap();
            let (_, f) = target.store.document_form(&dr, &signed.id).await.unwrap();
            assert_eq!(f, Some(formulaire()), "{n} → {}", target.name);
            let (_, f) = target.store.document_form(&dr, &plain.id).await.unwrap();
            assert_eq!(f, None, "{n} → {}", target.name);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn backup_under_load_restores_identically() {
    let sources = testing::both().await;
    for src in sources {
        let n = src.name;
        let (store, _keep) = src.split();
        let store = Arc::new(store);
        fill(&store).await;

        // Quiet backup: the restored database equals the source.
        let before = store.content_summary().await.unwrap();
        let (bytes, summary) = store.backup(Vec::new(), PASS).await.unwrap();
        assert_eq!(summary, before, "{n}");
        assert!(
            summary.counts["document_content"] == 21
                && summary.counts["document_form"] == 1
                && summary.counts["audit_event"] > 60,
            "{n}: {:?}",
            summary.counts
        );
        // Not readable in clear.
        assert!(
            !bytes.windows(8).any(|w| w == b"PATIENT1"),
            "{n}: encrypted"
        );

        for target in testing::both().await {
            let restored = target.store.restore(bytes.as_slice(), PASS).await.unwrap();
            assert_eq!(restored, summary, "{n} → {}", target.name);
            assert_eq!(
                target.store.content_summary().await.unwrap(),
                summary,
                "{n} → {}",
                target.name
            );
            assert!(target.store.verify_audit().await.unwrap().is_intact());
            // Accounts survive with their password.
            let id = target.store.identifiants("dr.martin").await.unwrap();
            assert_eq!(
                id.map(|i| i.password_hash).as_deref(),
                Some(testing::MEDECIN_PASSWORD_HASH),
                "{n}"
            );
            // Not twice into the same base.
            let again = target.store.restore(bytes.as_slice(), PASS).await;
            assert!(again.unwrap_err().to_string().contains("pas vide"), "{n}");
        }

        // Under load: writers keep creating patients and reading charts
        // while the backup runs; the snapshot is consistent.
        let stop = Arc::new(AtomicBool::new(false));
        let mut writers = vec![];
        for w in 0..3 {
            let s = store.clone();
            let stop = stop.clone();
            writers.push(tokio::spawn(async move {
                let actor = Actor::user("dr.martin");
                let mut i = 1000 * (w + 1);
                let mut written = 0;
                while !stop.load(Ordering::SeqCst) {
                    let p = s.create_patient(&actor, identity(i)).await.unwrap();
                    s.chart(&actor, &p.id).await.unwrap();
                    i += 1;
                    written += 1;
                }
                written
            }));
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let (bytes, summary) = store.backup(Vec::new(), PASS).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        stop.store(true, Ordering::SeqCst);
        let mut written = 0;
        for w in writers {
            written += w.await.unwrap();
        }
        assert!(written > 0, "{n}: the writers wrote during the backup");
        let after = store.content_summary().await.unwrap();
        assert!(
            after.counts["patient"] > summary.counts["patient"],
            "{n}: writes went on after the snapshot"
        );
        let target = testing::sqlite().await.unwrap();
        let restored = target.store.restore(bytes.as_slice(), PASS).await.unwrap();
        assert_eq!(restored, summary, "{n}: under load");
        assert_eq!(target.store.content_summary().await.unwrap(), summary);
        let report = target.store.verify_audit().await.unwrap();
        assert!(
            report.is_intact(),
            "{n}: the snapshot holds a whole audit chain: {report:?}"
        );

        // Wrong passphrase, changed byte, cut file: refused, nothing written.
        for (what, data, pass) in [
            ("passphrase", bytes.clone(), "une autre phrase de passe"),
            (
                "octet modifié",
                {
                    let mut b = bytes.clone();
                    let i = b.len() / 2;
                    b[i] ^= 1;
                    b
                },
                PASS,
            ),
            ("fichier tronqué", bytes[..bytes.len() - 100].to_vec(), PASS),
        ] {
            let t = testing::sqlite().await.unwrap();
            let err = t.store.restore(data.as_slice(), pass).await.unwrap_err();
            assert!(err.to_string().contains("altéré"), "{n}: {what}: {err}");
            assert_eq!(
                t.store.content_summary().await.unwrap().counts["patient"],
                0,
                "{what}"
            );
        }
        let short = store.backup(Vec::new(), "court").await;
        assert!(short.is_err());
    }
}

/// The key derivation travels with the backup (envelope version 2: magic,
/// then argon2id's memory, passes and lanes): a file whose parameters were
/// changed decrypts to nothing, a header asking for absurd or weakened costs
/// is refused before any key is derived, and a passphrase an attacker would
/// guess makes no backup.
#[tokio::test]
async fn the_key_derivation_travels_with_the_backup() {
    let t = testing::sqlite().await.unwrap();
    testing::practice(&t.store).await.unwrap();
    let (bytes, _) = t.store.backup(Vec::new(), PASS).await.unwrap();
    assert_eq!(&bytes[..22], b"ESCULAPE-SAUVEGARDE-2\n");
    let header = |m: u32, t: u32, p: u32| {
        let mut h = vec![1u8];
        for w in [m, t, p] {
            h.extend(w.to_be_bytes());
        }
        h
    };
    assert_eq!(
        bytes[22..35],
        header(64 * 1024, 3, 1)[..],
        "64 MiB, 3 passes"
    );
    let fresh = testing::sqlite().await.unwrap();
    fresh.store.restore(&bytes[..], PASS).await.unwrap();

    let forged = |h: Vec<u8>| {
        let mut b = bytes.clone();
        b[22..35].copy_from_slice(&h);
        b
    };
    // One more pass than written: another key, nothing restores.
    let fresh = testing::sqlite().await.unwrap();
    let e = fresh
        .store
        .restore(&forged(header(64 * 1024, 4, 1))[..], PASS)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("phrase de passe incorrecte"), "{e}");
    // Weakened (8 KiB, 1 pass), or 4 TiB of memory: refused as such.
    for h in [header(8, 1, 1), header(u32::MAX, 3, 1)] {
        let fresh = testing::sqlite().await.unwrap();
        let e = fresh.store.restore(&forged(h)[..], PASS).await.unwrap_err();
        assert!(e.to_string().contains("paramètres de dérivation"), "{e}");
        assert_eq!(fresh.store.verify_audit().await.unwrap().events, 0);
    }
    for weak in ["motdepasse", "motdepasse123456", "esculape sauvegarde"] {
        let Err(e) = t.store.backup(Vec::new(), weak).await else {
            panic!("«{weak}»: sauvegarde faite avec une phrase de passe faible");
        };
        assert!(
            e.to_string().contains("phrase de passe trop"),
            "{weak}: {e}"
        );
    }
}
