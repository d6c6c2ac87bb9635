//! Stores for tests: a fresh SQLite file and a fresh PostgreSQL database.
//!
//! PostgreSQL is reached at `$ESCULAPE_TEST_POSTGRES` (default
//! `postgres://postgres@127.0.0.1:5432/test`). It is required: set
//! `ESCULAPE_SKIP_POSTGRES=1` to run the SQLite half alone on a machine
//! without it (CI never does).

use crate::{Result, Store};

pub struct TestStore {
    pub name: &'static str,
    pub store: Store,
    _dir: Option<tempfile::TempDir>,
}

pub async fn sqlite() -> Result<TestStore> {
    let dir = tempfile::tempdir().map_err(|e| crate::StoreError::Corrupt(e.to_string()))?;
    let url = format!("sqlite:{}", dir.path().join("esculape.db").display());
    Ok(TestStore {
        name: "sqlite",
        store: Store::connect(&url).await?,
        _dir: Some(dir),
    })
}

fn admin_url() -> String {
    std::env::var("ESCULAPE_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A new database on the test server, named after this process; databases
/// left by finished test processes are dropped first.
pub async fn postgres() -> Result<TestStore> {
    use sqlx::{Connection, Row};
    sqlx::any::install_default_drivers();
    let admin = admin_url();
    let mut conn = sqlx::AnyConnection::connect(&admin).await?;
    let pid = std::process::id();
    let rows =
        sqlx::query("SELECT datname::text FROM pg_database WHERE datname LIKE 'esculape_test_%'")
            .fetch_all(&mut conn)
            .await?;
    for row in rows {
        let name: String = row.try_get(0)?;
        let owner_pid = name.split('_').nth(2).and_then(|p| p.parse::<u32>().ok());
        let alive = owner_pid.is_some_and(|p| std::path::Path::new(&format!("/proc/{p}")).exists());
        if !alive {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .execute(&mut conn)
                .await;
        }
    }
    let name = format!("esculape_test_{pid}_{}", crate::new_id());
    sqlx::query(&format!("CREATE DATABASE \"{name}\""))
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
    Ok(TestStore {
        name: "postgres",
        store: Store::connect(&format!("{base}/{name}")).await?,
        _dir: None,
    })
}

/// Both backends (PostgreSQL unless explicitly skipped).
pub async fn both() -> Vec<TestStore> {
    let mut out = vec![sqlite().await.expect("sqlite test store")];
    if std::env::var_os("ESCULAPE_SKIP_POSTGRES").is_none() {
        out.push(
            postgres().await.unwrap_or_else(|e| {
                panic!("PostgreSQL de test injoignable ({}): {e}", admin_url())
            }),
        );
    }
    out
}
