//! The practice's own commands as an administrator runs them:
//! `demo-data`, `backup` while `serve` is answering and writing, `restore`
//! into an empty home, `audit verify`, `export` and `import` without loss.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

const PASS: &str = "une phrase de passe assez longue";

fn esculape(home: &Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_esculape"))
        .arg("--home")
        .arg(home)
        .args(args)
        .env("ESCULAPE_BACKUP_PASSPHRASE", PASS)
        .env_remove("ESCULAPE_DATABASE_URL")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A bare HTTP/1.1 exchange (no client library needed for two routes).
fn http(addr: &str, method: &str, path: &str, token: Option<&str>, body: &str) -> (u16, String) {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n{auth}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let status = out[9..12].parse().unwrap();
    let body = out
        .split_once("\r\n\r\n")
        .map(|x| x.1.to_string())
        .unwrap_or_default();
    (status, body)
}

/// The actions of a home's audit trail, oldest first.
fn actions(home: &Path) -> Vec<String> {
    let url = format!("sqlite:{}", home.join("esculape.db").display());
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let store = esculape_store::Store::connect(&url).await.unwrap();
        store
            .audit_since(0)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect()
    })
}

fn files_of(zip_path: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut z = zip::ZipArchive::new(std::fs::File::open(zip_path).unwrap()).unwrap();
    let mut out = std::collections::BTreeMap::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let mut b = vec![];
        f.read_to_end(&mut b).unwrap();
        out.insert(f.name().to_string(), b);
    }
    out
}

#[test]
fn demo_backup_while_serving_restore_export_import() {
    let home = tempfile::tempdir().unwrap();
    let (ok, out, err) = esculape(home.path(), &["demo-data", "--patients", "40"]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("40 patients"), "{out}");
    assert!(
        out.contains("dr.martin"),
        "the demo accounts are printed: {out}"
    );

    // Serve, and keep writing through the API during the backup.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let mut server = Command::new(env!("CARGO_BIN_EXE_esculape"))
        .arg("--home")
        .arg(home.path())
        .args(["serve", "--addr", &addr])
        .env_remove("ESCULAPE_DATABASE_URL")
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut up = false;
    for _ in 0..100 {
        if std::net::TcpStream::connect(&addr).is_ok() {
            up = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(up, "serve did not start");
    let (status, session) = http(
        &addr,
        "POST",
        "/api/session",
        None,
        r#"{"login":"dr.martin","password":"Stethoscope-2026!"}"#,
    );
    assert_eq!(status, 200, "{session}");
    let token: serde_json::Value = serde_json::from_str(&session).unwrap();
    let token = token["token"].as_str().unwrap().to_string();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (addr, token, stop) = (addr.clone(), token.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                let body = format!(
                    r#"{{"birth_name":"Charge{n}","birth_first_names":["Test"],"sex":"M","birth_date":"1990-01-01","birth_place_cog":"75056"}}"#
                );
                let (status, b) = http(&addr, "POST", "/api/patients", Some(&token), &body);
                assert_eq!(status, 201, "{b}");
                n += 1;
            }
            n
        })
    };
    std::thread::sleep(std::time::Duration::from_millis(200));
    let backup = home.path().join("cabinet.sauvegarde");
    let (ok, out, err) = esculape(home.path(), &["backup", backup.to_str().unwrap()]);
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let written = writer.join().unwrap();
    let _ = server.kill();
    let _ = server.wait();
    assert!(ok, "{out}{err}");
    assert!(written > 0, "the API wrote during the backup");
    let hash: String = out
        .split("empreinte ")
        .nth(1)
        .unwrap()
        .chars()
        .take(64)
        .collect();

    // Restore into an empty home: the same content hash, an intact audit
    // trail, the accounts.
    let restored = tempfile::tempdir().unwrap();
    let (ok, out, err) = esculape(restored.path(), &["restore", backup.to_str().unwrap()]);
    assert!(ok, "{out}{err}");
    assert!(out.contains(&hash), "{out} / {hash}");
    let (ok, out, err) = esculape(restored.path(), &["audit", "verify"]);
    assert!(ok, "{out}{err}");
    // The restored trail was anchored (signed, outside the database).
    assert!(out.contains("1 ancres signées vérifiées"), "{out}");
    // Both are in the trail: the backup in the practice's, the restore
    // after the restored one.
    let sauvegarde = actions(home.path());
    assert!(
        sauvegarde.contains(&"sauvegarde.creation".to_string()),
        "{sauvegarde:?}"
    );
    let restauration = actions(restored.path());
    assert_eq!(
        restauration.last().map(String::as_str),
        Some("sauvegarde.restauration")
    );
    let (ok, out, _) = esculape(restored.path(), &["users", "list"]);
    assert!(
        ok && out.contains("dr.martin") && out.contains("accueil"),
        "{out}"
    );
    // Not into a database that holds data; not with a wrong passphrase.
    let (ok, _, err) = esculape(restored.path(), &["restore", backup.to_str().unwrap()]);
    assert!(!ok && err.contains("pas vide"), "{err}");
    let other = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_esculape"))
        .arg("--home")
        .arg(other.path())
        .args(["restore", backup.to_str().unwrap()])
        .env("ESCULAPE_BACKUP_PASSPHRASE", "pas la bonne phrase")
        .env_remove("ESCULAPE_DATABASE_URL")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("phrase de passe incorrecte"));

    // Export the practice, import it elsewhere, export again: same files.
    let x1 = home.path().join("export1.zip");
    let (ok, out, err) = esculape(home.path(), &["export", "--out", x1.to_str().unwrap()]);
    assert!(ok, "{out}{err}");
    let fresh = tempfile::tempdir().unwrap();
    let (ok, out, err) = esculape(fresh.path(), &["import", x1.to_str().unwrap()]);
    assert!(ok, "{out}{err}");
    assert!(
        out.contains(&format!("{} dossier(s) importé(s)", 40 + written)),
        "{out}"
    );
    let x2 = fresh.path().join("export2.zip");
    let (ok, out, err) = esculape(fresh.path(), &["export", "--out", x2.to_str().unwrap()]);
    assert!(ok, "{out}{err}");
    let (a, b) = (files_of(&x1), files_of(&x2));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (name, content) in &a {
        if name != "esculape-export.json" {
            assert!(b[name] == *content, "{name} differs after the round trip");
        }
    }
    assert!(
        a.keys().any(|k| k.ends_with(".txt")),
        "documents travel as files"
    );
    // Importing twice is refused, naming the patient.
    let (ok, _, err) = esculape(fresh.path(), &["import", x1.to_str().unwrap()]);
    assert!(!ok && err.contains("déjà présent"), "{err}");
    // One patient alone.
    let first = a.keys().find(|k| k.ends_with("dossier.json")).unwrap();
    let id = first.split('/').nth(1).unwrap();
    let x3 = home.path().join("un.zip");
    let (ok, out, err) = esculape(
        home.path(),
        &["export", "--out", x3.to_str().unwrap(), "--patient", id],
    );
    assert!(ok, "{out}{err}");
    assert!(out.contains("1 dossier(s)"));
}
