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
    /// To open more connections (a second host on the same database).
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

/// Keeps a test store's files alive.
pub struct KeepAlive(#[allow(dead_code)] Option<tempfile::TempDir>);

impl TestStore {
    /// The store, and what must live as long as it.
    pub fn split(self) -> (Store, KeepAlive) {
        (self.store, KeepAlive(self._dir))
    }
}

pub async fn sqlite() -> Result<TestStore> {
    let dir = tempfile::tempdir().map_err(|e| crate::StoreError::Corrupt(e.to_string()))?;
    let url = format!("sqlite:{}", dir.path().join("esculape.db").display());
    Ok(TestStore {
        name: "sqlite",
        store: Store::connect(&url).await?,
        url,
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
    let url = postgres_vide().await?;
    Ok(TestStore {
        name: "postgres",
        store: Store::connect(&url).await?,
        url,
        _dir: None,
    })
}

/// The URL of a new, empty database on the test server (no schema yet:
/// for tests of the migrations themselves).
pub async fn postgres_vide() -> Result<String> {
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
    Ok(format!("{base}/{name}"))
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

/// Passwords of the accounts [`practice`] creates.
pub const MEDECIN_PASSWORD: &str = "Stethoscope-2026!";
pub const SECRETAIRE_PASSWORD: &str = "Rendez-Vous-2026";
pub const ADMIN_PASSWORD: &str = "Gestion-Comptes-2026!";
/// Their argon2id hashes, computed once (the login provider checks them:
/// `host/app/tests/auth.rs` proves they match).
pub const MEDECIN_PASSWORD_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$ZXNjdWxhcGUtbWVkZWNpbg$et0WOvtTMgNxh6TIpKRXBLEKvSekeUZIBVDJ0ZQWWWc";
pub const SECRETAIRE_PASSWORD_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$ZXNjdWxhcGUtYWNjdWVpbA$xsMJVku8cPM2Bdxg11B1agx5cHn28ru5dmC7hGOt/HY";
pub const ADMIN_PASSWORD_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$ZXNjdWxhcGUtZ2VzdGlvbg$AJKpGK8fjJ5M61RjlKlUqva59ojvVebUfIUuZneBEi4";

/// A small practice: one structure, one site, a médecin, a secrétaire and
/// an administrator.
pub struct Practice {
    pub structure: crate::accounts::StructureRec,
    pub site: crate::accounts::SiteRec,
    pub medecin: crate::User,
    pub secretaire: crate::User,
    pub admin: crate::User,
}

pub async fn practice(store: &Store) -> Result<Practice> {
    structure_de_test(store, "Cabinet du Parc", "750000001", "").await
}

/// Another structure sharing the database (a hosted deployment): the
/// same accounts as [`practice`], logins prefixed by `prefixe`, same
/// passwords.
pub async fn structure_de_test(
    store: &Store,
    nom: &str,
    finess: &str,
    prefixe: &str,
) -> Result<Practice> {
    use esculape_domain::{Role, StructureKind};
    let system = crate::Actor::system();
    let structure = store
        .create_structure(&system, nom, StructureKind::Cabinet, Some(finess))
        .await?;
    let site = store
        .create_site(
            &system,
            &structure.id,
            "Site principal",
            Some("1 rue du Parc, 75011 Paris"),
            None,
        )
        .await?;
    let user = |login: &str, name: &str, role: Role, rpps: Option<&str>| crate::NewUser {
        login: format!("{prefixe}{login}"),
        display_name: name.into(),
        rpps: rpps.map(Into::into),
        profession: (role == Role::Medecin).then(|| "médecin généraliste".into()),
        role,
        structure_id: Some(structure.id.clone()),
    };
    let medecin = store
        .create_user(
            &system,
            &user(
                "dr.martin",
                "Dr Claire Martin",
                Role::Medecin,
                Some("10001234567"),
            ),
            MEDECIN_PASSWORD_HASH.into(),
        )
        .await?;
    let secretaire = store
        .create_user(
            &system,
            &user("accueil", "Sophie Accueil", Role::Secretaire, None),
            SECRETAIRE_PASSWORD_HASH.into(),
        )
        .await?;
    let admin = store
        .create_user(
            &system,
            &user("admin", "Administrateur", Role::Administrateur, None),
            ADMIN_PASSWORD_HASH.into(),
        )
        .await?;
    Ok(Practice {
        structure,
        site,
        medecin,
        secretaire,
        admin,
    })
}

/// A valid provisional identity born in Paris.
pub fn identity(
    birth_name: &str,
    first_names: &[&str],
    birth_date: &str,
    sex: esculape_domain::Sex,
) -> esculape_domain::Identity {
    use esculape_domain::{BirthDate, Identity, IdentityAttributes, NewIdentity};
    let today = BirthDate {
        year: 2026,
        month: 11,
        day: 26,
    };
    Identity::validate(
        NewIdentity {
            birth_name: birth_name.into(),
            used_name: None,
            birth_first_names: first_names.iter().map(|s| s.to_string()).collect(),
            used_first_name: None,
            sex,
            birth_date: BirthDate::parse(birth_date).expect("date de naissance de test"),
            birth_place_cog: Some("75056".into()),
            ins: None,
            high_trust_document: false,
            justificatif: None,
            from_insi: false,
            attributes: IdentityAttributes::default(),
        },
        today,
    )
    .expect("identité de test")
}
