//! The host's home folder: installed plugins, compiled cache, trusted
//! publisher keys and policy.
//!
//! ```text
//! $ESCULAPE_HOME/
//!   plugins/<id>/package.escpkg   installed packages (re-verified at start)
//!   cache/<engine>/<sha256>.cwasm precompiled components
//!   trusted-keys/*.pub            publisher keys (hex ed25519)
//!   policy.json                   host policy (optional; defaults apply)
//!   esculape.db                   embedded SQLite (unless $ESCULAPE_DATABASE_URL)
//!   cog.tsv                       COG referential imported from the INSEE files
//!                                 (`esculape cog import DIR`; else the bundled one)
//!   jdv-circuit-biologie.xlsx     JDV Circuit de la biologie loaded by the practice
//!                                 (`esculape biologie jdv FILE`; else the bundled extract)
//!   tls/serveur.crt, serveur.key  the host's certificate when it serves a LAN
//!                                 (generated self-signed at the first `serve`; key 0600)
//! ```

use esculape_registry::TrustedKeys;
use esculape_runtime::terminology::ValueSets;
use esculape_runtime::{HostServices, Policy, Runtime, RuntimeConfig};
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum HomeError {
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
    #[error("{0}")]
    Runtime(String),
}

/// The host's TLS certificate kept in the home (`tls/`), generated
/// self-signed for `noms` the first time: the clients of a practice's LAN
/// pin its fingerprint. The private key is readable by the host's account
/// only.
pub fn certificat_serveur(
    home: &Path,
    noms: &[String],
) -> Result<esculape_transport::serveur::CertificatServeur, HomeError> {
    use esculape_transport::serveur::CertificatServeur;
    let dossier = home.join("tls");
    let (crt, key) = (dossier.join("serveur.crt"), dossier.join("serveur.key"));
    let err = |path: &Path| {
        let path = path.to_path_buf();
        move |e: std::io::Error| HomeError::File {
            path,
            message: e.to_string(),
        }
    };
    if !crt.exists() || !key.exists() {
        let g =
            CertificatServeur::auto_signe(noms).map_err(|e| HomeError::Runtime(e.to_string()))?;
        esculape_store::prive::dossier(&dossier).map_err(err(&dossier))?;
        esculape_store::prive::ecrire(&key, g.cle_pem.as_bytes()).map_err(err(&key))?;
        std::fs::write(&crt, g.certificat_pem.as_bytes()).map_err(err(&crt))?;
        tracing::info!("certificat du serveur créé: {}", crt.display());
    }
    lire_certificat(&crt, &key)
}

/// A certificate and its key from PEM files (`--tls-cert`, `--tls-key`).
pub fn lire_certificat(
    crt: &Path,
    key: &Path,
) -> Result<esculape_transport::serveur::CertificatServeur, HomeError> {
    let lire = |p: &Path| {
        std::fs::read(p).map_err(|e| HomeError::File {
            path: p.to_path_buf(),
            message: e.to_string(),
        })
    };
    esculape_transport::serveur::CertificatServeur::depuis_pem(
        &lire(crt)?,
        &lire(key)?,
        &crt.display().to_string(),
    )
    .map_err(|e| HomeError::Runtime(e.to_string()))
}

/// The default home: `$ESCULAPE_HOME`, else `$XDG_DATA_HOME/esculape`, else
/// `~/.local/share/esculape`.
pub fn default_home() -> PathBuf {
    if let Some(h) = std::env::var_os("ESCULAPE_HOME") {
        return PathBuf::from(h);
    }
    if let Some(x) = std::env::var_os("XDG_DATA_HOME") {
        return PathBuf::from(x).join("esculape");
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| ".".into());
    home.join(".local/share/esculape")
}

pub fn load_policy(home: &Path) -> Result<Policy, HomeError> {
    let path = home.join("policy.json");
    if !path.exists() {
        return Ok(Policy::default());
    }
    let text = std::fs::read_to_string(&path).map_err(|e| HomeError::File {
        path: path.clone(),
        message: e.to_string(),
    })?;
    serde_json::from_str(&text).map_err(|e| HomeError::File {
        path,
        message: format!("politique illisible: {e}"),
    })
}

pub fn load_trusted(home: &Path) -> Result<TrustedKeys, HomeError> {
    let dir = home.join("trusted-keys");
    TrustedKeys::load_dir(&dir).map_err(|e| HomeError::File {
        path: dir,
        message: e.to_string(),
    })
}

/// Value sets: `$ESCULAPE_VALUE_SETS` or `<home>/value-sets`, when present.
pub fn load_value_sets(home: &Path) -> ValueSets {
    let dir = std::env::var_os("ESCULAPE_VALUE_SETS")
        .map(PathBuf::from)
        .unwrap_or_else(|| home.join("value-sets"));
    if !dir.is_dir() {
        return ValueSets::default();
    }
    match ValueSets::load_dir(&dir) {
        Ok((sets, skipped)) => {
            for s in skipped {
                tracing::warn!("jeu de valeurs ignoré: {s}");
            }
            sets
        }
        Err(e) => {
            tracing::warn!("jeux de valeurs non chargés ({}): {e}", dir.display());
            ValueSets::default()
        }
    }
}

/// The database: `$ESCULAPE_DATABASE_URL` (PostgreSQL or SQLite), else the
/// embedded SQLite file `<home>/esculape.db`.
pub fn database_url(home: &Path) -> String {
    std::env::var("ESCULAPE_DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite:{}", home.join("esculape.db").display()))
}

pub async fn store(home: &Path) -> Result<esculape_store::Store, HomeError> {
    esculape_store::prive::dossier(home).map_err(|e| HomeError::File {
        path: home.to_path_buf(),
        message: e.to_string(),
    })?;
    esculape_store::Store::connect(&database_url(home))
        .await
        .map_err(|e| HomeError::Runtime(e.to_string()))
}

/// Where `esculape cog import` writes the referential.
pub fn cog_path(home: &Path) -> PathBuf {
    home.join("cog.tsv")
}

/// The COG referential: the one imported from the INSEE files into this
/// home, else the bundled one. Loaded once per process.
pub fn cog(home: &Path) -> Result<&'static esculape_domain::cog::Referentiel, HomeError> {
    let path = cog_path(home);
    if !path.exists() {
        return Ok(esculape_domain::cog::Referentiel::bundled());
    }
    let text = std::fs::read_to_string(&path).map_err(|e| HomeError::File {
        path: path.clone(),
        message: e.to_string(),
    })?;
    let r = esculape_domain::cog::Referentiel::parse(&text).map_err(|e| HomeError::File {
        path,
        message: e.to_string(),
    })?;
    Ok(Box::leak(Box::new(r)))
}

/// A runtime on this home, without loading the installed plugins.
pub fn runtime(home: &Path) -> Result<Runtime, HomeError> {
    let mut services = HostServices {
        terminology: Arc::new(load_value_sets(home)),
        ..HostServices::default()
    };
    let pdf = esculape_pdfa::capability::PdfCapability::new(services.clock.clone())
        .map_err(|e| HomeError::Runtime(e.to_string()))?;
    services.pdf = Some(Arc::new(pdf));
    Runtime::new(RuntimeConfig {
        home: home.to_path_buf(),
        policy: load_policy(home)?,
        trusted: load_trusted(home)?,
        services,
    })
    .map_err(|e| HomeError::Runtime(e.to_string()))
}

/// The application on this home: its store (migrated), a runtime without
/// the installed plugins (`app.runtime.load_installed()` where a command
/// needs them), the INSi client of the environment, the home's COG. No
/// background work is started.
pub async fn app(home: &Path) -> Result<crate::App, HomeError> {
    let runtime = Arc::new(runtime(home)?);
    let store = Arc::new(store(home).await?);
    let insi = Arc::new(crate::insi::InsiClient::new(
        crate::insi::InsiConfig::from_env(),
    ));
    if let Some(c) = insi.certificat() {
        tracing::info!("INSi : {c}");
    }
    let mut app = crate::App::new(runtime, store, insi);
    app.cog = cog(home)?;
    app.biologie = Arc::new(crate::biologie::Referentiel::du_dossier(home));
    app.ancrage = Some(crate::ancrage::Ancrage::dans(home));
    Ok(app)
}
