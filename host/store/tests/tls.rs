//! PostgreSQL over TLS (issue 17, finding 4): a store connects with
//! `sslmode=require` and `sslmode=verify-full` (the server's certificate
//! checked against the authority of `sslrootcert`), and its connections
//! are encrypted; a server certified by another authority is refused.
//! The machine's server gets its certificate from `cargo xtask setup`.

use esculape_store::Store;
use esculape_store::testing;

fn ca() -> String {
    std::env::var("ESCULAPE_TEST_POSTGRES_CA")
        .unwrap_or_else(|_| "/var/lib/postgresql/esculape-tls/ca.crt".into())
}

async fn chiffree(s: &Store) -> bool {
    use sqlx::Row;
    sqlx::query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .fetch_one(s.pool())
        .await
        .unwrap()
        .try_get::<bool, _>(0)
        .unwrap()
}

#[tokio::test]
async fn postgres_connections_are_encrypted_and_the_server_checked() {
    if std::env::var_os("ESCULAPE_SKIP_POSTGRES").is_some() {
        return;
    }
    assert!(
        std::path::Path::new(&ca()).exists(),
        "{}: lancez `cargo xtask setup` (PostgreSQL de test en TLS)",
        ca()
    );
    let t = testing::postgres().await.unwrap();
    let url = t.url.replace("@localhost", "@127.0.0.1");
    for mode in [
        "sslmode=require".to_string(),
        format!("sslmode=verify-full&sslrootcert={}", ca()),
    ] {
        let s = Store::connect(&format!("{url}?{mode}"))
            .await
            .unwrap_or_else(|e| panic!("{mode}: {e}"));
        assert!(chiffree(&s).await, "{mode}: connexion en clair");
    }
    // The same server checked against another authority: refused.
    let autre = esculape_transport::essai::AutoriteDeTest::nouvelle("autre").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let faux = dir.path().join("autre.crt");
    std::fs::write(&faux, autre.certificat_pem()).unwrap();
    let r = Store::connect(&format!(
        "{url}?sslmode=verify-full&sslrootcert={}",
        faux.display()
    ))
    .await;
    assert!(r.is_err(), "serveur d'une autre autorité accepté");
}
