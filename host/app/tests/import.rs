//! An export file is checked like an API write (issue 17, finding 9): a
//! crafted file cannot add a document to another patient, cannot bring an
//! identity qualifiée (its INS does not travel: the INSi is asked again),
//! and an entry that inflates past the bound is refused before it fills
//! the memory; each refusal says in French what was refused and writes
//! nothing. On SQLite and PostgreSQL.

use esculape_app::App;
use esculape_app::export::{ENTREE_MAX, ExportError};
use esculape_domain::document::{DocumentFormat, NewDocument, Provenance, Visibility};
use esculape_domain::{Day, IdentityStatus, Ins, InsOid, Justificatif, Sex};
use esculape_store::testing::{self, identity};
use esculape_store::{Acteur, Store};
use std::io::{Read, Write};
use std::path::Path;
use std::sync::Arc;

fn app(store: Store, home: &Path) -> App {
    let rt = esculape_app::home::runtime(home).unwrap();
    let insi = esculape_app::insi::InsiClient::new(esculape_app::insi::InsiConfig::from_env());
    App::new(Arc::new(rt), Arc::new(store), Arc::new(insi))
}

/// The entries of a zip, by name.
fn lire(path: &Path) -> Vec<(String, Vec<u8>)> {
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let mut b = vec![];
            f.read_to_end(&mut b).unwrap();
            (f.name().to_string(), b)
        })
        .collect()
}

fn ecrire(path: &Path, entries: &[(String, Vec<u8>)]) {
    let mut z = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        z.start_file(name.as_str(), opts).unwrap();
        z.write_all(bytes).unwrap();
    }
    z.finish().unwrap();
}

#[tokio::test]
async fn an_export_file_is_checked_like_an_api_write() {
    for t in testing::both().await {
        let name = t.name;
        let (store, _keep) = t.split();
        let home = tempfile::tempdir().unwrap();
        let app = app(store, home.path());
        let practice = testing::practice(&app.store).await.unwrap();
        let dr = practice.medecin.actor();
        // A qualifiée identity with one document, and another patient.
        let a = app
            .store
            .create_patient(
                &dr,
                identity("ALICE", &["MARIE"], "1980-03-15", Sex::Female),
            )
            .await
            .unwrap();
        let mut q = identity("ALICE", &["MARIE"], "1980-03-15", Sex::Female);
        q.ins = Some(Ins::new("280037505600182", InsOid::NirTest.oid()).unwrap());
        q.from_insi = true;
        q.high_trust_document = true;
        q.justificatif = Some(Justificatif::PieceIdentite);
        q.status = IdentityStatus::Qualifiee;
        app.store.update_identity(&dr, &a.id, 1, q).await.unwrap();
        app.store
            .add_document(
                &dr,
                &a.id,
                NewDocument {
                    title: "Courrier".into(),
                    type_code: "11490-0".into(),
                    type_display: None,
                    format: DocumentFormat::Texte,
                    act_date: Day::parse("2026-11-20").unwrap(),
                    provenance: Provenance::Importe,
                    visibility: Visibility::default(),
                    cda_id: None,
                    cda_set_id: None,
                },
                b"Bonjour".to_vec(),
            )
            .await
            .unwrap();
        let b = app
            .store
            .create_patient(&dr, identity("BERNARD", &["PAUL"], "1975-06-01", Sex::Male))
            .await
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let export = dir.path().join("a.zip");
        app.exporter(&dr, Some(vec![a.id.clone()]), &export, |_, _| {})
            .await
            .unwrap();
        let entries = lire(&export);
        let chart_of = |e: &[(String, Vec<u8>)]| -> serde_json::Value {
            let (_, b) = e.iter().find(|(n, _)| n.ends_with("dossier.json")).unwrap();
            serde_json::from_slice(b).unwrap()
        };
        let doc_id = chart_of(&entries)["documents"][0]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let set_id = chart_of(&entries)["documents"][0]["set_id"]
            .as_str()
            .unwrap()
            .to_string();
        // The same file under new ids (a patient not here yet).
        let renomme = |e: &[(String, Vec<u8>)], x: &str| -> Vec<(String, Vec<u8>)> {
            e.iter()
                .map(|(n, b)| {
                    let s = String::from_utf8_lossy(b)
                        .replace(&a.id, x)
                        .replace(&set_id, &format!("{x}-lot"))
                        .replace(&doc_id, &format!("{x}-doc"));
                    let n = n.replace(&a.id, x).replace(&doc_id, &format!("{x}-doc"));
                    (n, s.into_bytes())
                })
                .collect()
        };
        let events = app.store.verify_audit().await.unwrap().events;
        let b_docs = |app: App, id: String| async move {
            app.store
                .documents(&esculape_store::Actor::system(), &id, &Default::default())
                .await
                .unwrap()
                .total
        };

        // 1. A document of the file filed under another patient (B).
        let mut e = renomme(&entries, "x-patient");
        for (n, bytes) in e.iter_mut() {
            if n.ends_with("dossier.json") {
                let mut c: serde_json::Value = serde_json::from_slice(bytes).unwrap();
                c["documents"][0]["patient_id"] = b.id.clone().into();
                *bytes = serde_json::to_vec(&c).unwrap();
            }
        }
        let crafted = dir.path().join("autre-patient.zip");
        ecrire(&crafted, &e);
        let err = app.importer(&dr, &crafted).await.unwrap_err();
        assert!(
            matches!(err, ExportError::Patient { .. })
                && err
                    .to_string()
                    .contains("n'appartient pas au dossier importé"),
            "{name}: {err}"
        );
        assert_eq!(b_docs(app.clone(), b.id.clone()).await, 0, "{name}");
        assert!(
            app.store.patient(&dr, "x-patient").await.is_err(),
            "{name}: nothing of the refused patient is written"
        );

        // 2. An entry that inflates past the bound (a zip bomb).
        let mut e = renomme(&entries, "y-patient");
        for (n, bytes) in e.iter_mut() {
            if n.ends_with("-doc.txt") {
                // 33 MiB of spaces: 33 kB compressed.
                *bytes = vec![b' '; 33 * 1024 * 1024];
            }
        }
        assert!(33 * 1024 * 1024 > ENTREE_MAX);
        let bomb = dir.path().join("bombe.zip");
        ecrire(&bomb, &e);
        assert!(std::fs::metadata(&bomb).unwrap().len() < 1024 * 1024);
        let err = app.importer(&dr, &bomb).await.unwrap_err();
        assert!(
            matches!(err, ExportError::Refus(_)) && err.to_string().contains("Mio au plus"),
            "{name}: {err}"
        );
        // Only the read of B's documents above was traced.
        assert_eq!(
            app.store.verify_audit().await.unwrap().events,
            events + 1,
            "{name}: refusals write nothing"
        );

        // 3. The file as it is, under new ids: imported, its identity
        // typed anew (not qualifiée, no INS) with its traits.
        let e = renomme(&entries, "z-patient");
        let propre = dir.path().join("propre.zip");
        ecrire(&propre, &e);
        assert_eq!(app.importer(&dr, &propre).await.unwrap(), 1, "{name}");
        let z = app.store.patient(&dr, "z-patient").await.unwrap();
        assert_eq!(z.identity.birth_name, "ALICE", "{name}");
        assert!(z.identity.ins.is_none(), "{name}");
        assert!(!z.identity.from_insi, "{name}");
        assert_ne!(z.identity.status, IdentityStatus::Qualifiee, "{name}");
        assert_eq!(z.insi_verifie_le, None, "{name}");
        assert_eq!(b_docs(app.clone(), "z-patient".into()).await, 1, "{name}");
    }
}
