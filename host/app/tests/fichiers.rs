//! Patient data on disk is this account's only: the home 0700, the
//! SQLite database and its `-wal`/`-shm` 0600, exports 0600, whatever the
//! umask.

#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .permissions()
        .mode()
        & 0o777
}

#[tokio::test]
async fn the_home_the_database_and_exports_are_private() {
    // A permissive umask, as on a shared machine.
    let old = unsafe { libc_umask(0o002) };
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let app = esculape_app::home::app(&home).await.unwrap();
    esculape_store::testing::practice(&app.store).await.unwrap();
    let actor = esculape_store::Actor::system();
    let export = dir.path().join("export.zip");
    app.exporter(&actor, None, &export, |_, _| {})
        .await
        .unwrap();
    assert_eq!(mode(&home), 0o700);
    for f in ["esculape.db", "esculape.db-wal", "esculape.db-shm"] {
        assert_eq!(mode(&home.join(f)), 0o600, "{f}");
    }
    assert_eq!(mode(&export), 0o600);
    unsafe { libc_umask(old) };
}

unsafe extern "C" {
    #[link_name = "umask"]
    fn libc_umask(mask: u32) -> u32;
}
