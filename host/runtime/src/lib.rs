//! The Esculape plugin runtime.
//!
//! Regulatory modules are WebAssembly components. This crate installs them
//! (signature, hash, API range and capability checks, then precompilation
//! into an on-disk cache), loads them at start (from the cache when the
//! engine has not changed) and calls them under a wall-clock deadline (epoch
//! interruption) and a memory cap (`ResourceLimiter`). A trap, a timeout or
//! memory exhaustion fails that one call with a [`CallError`] naming the
//! plugin; the host and the other plugins keep working.

// Install errors are rare and carry every detail the administrator must read;
// their size does not matter on this path.
#![allow(clippy::result_large_err)]

pub mod cache;
pub mod capacites;
pub mod clock;
mod error;
pub mod formulaire;
pub mod model;
mod plugin;
pub mod policy;
pub mod services;
mod state;
pub mod terminology;
pub mod wit;

pub use cache::Origin;
pub use capacites::log::MAX_LOG_LINE;
pub use error::{CallError, InstallError, PluginError};
pub use plugin::{DocumentClient, IdentityClient, Plugin, PluginInfo};
pub use policy::{EffectiveLimits, Policy};
pub use services::{CallContext, Clock, HostServices, PdfRenderer, RecordSource, Terminology};

use cache::ComponentCache;
use esculape_registry::{Manifest, Package, TrustedKeys, World};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;
use wasmtime::{Config, Engine};
use wit::Linkers;

/// Granularity of deadlines.
pub const EPOCH_TICK: Duration = Duration::from_millis(5);

/// What an installation may do beyond the default.
#[derive(Debug, Clone, Copy, Default)]
pub struct Autorisations {
    /// Install an older version than the one installed (a deliberate
    /// rollback).
    pub retrograder: bool,
}

/// Where the runtime keeps its files, and what it trusts.
pub struct RuntimeConfig {
    /// `plugins/` (installed packages) and `cache/` (precompiled code) live here.
    pub home: PathBuf,
    pub policy: Policy,
    pub trusted: TrustedKeys,
    pub services: HostServices,
}

/// Increments the engine's epoch every [`EPOCH_TICK`] until dropped.
struct EpochTicker {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl EpochTicker {
    fn start(engine: Engine) -> std::io::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("esculape-epoch".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(EPOCH_TICK);
                    engine.increment_epoch();
                }
            })?;
        Ok(Self {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

pub struct Runtime {
    engine: Engine,
    linkers: Linkers,
    cache: ComponentCache,
    plugins_dir: PathBuf,
    policy: Policy,
    trusted: TrustedKeys,
    services: HostServices,
    plugins: RwLock<BTreeMap<String, Arc<Plugin>>>,
    /// Installed packages that could not be loaded, with the reason.
    failed: RwLock<BTreeMap<String, String>>,
    _ticker: EpochTicker,
}

/// An error of the runtime's own set-up (engine, folders).
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("moteur WebAssembly: {0}")]
    Engine(String),
    #[error("entrée/sortie: {0}")]
    Io(#[from] std::io::Error),
}

impl Runtime {
    pub fn new(config: RuntimeConfig) -> Result<Self, SetupError> {
        let mut wasm = Config::new();
        wasm.epoch_interruption(true)
            .wasm_component_model(true)
            .max_wasm_stack(512 * 1024);
        let engine = Engine::new(&wasm).map_err(|e| SetupError::Engine(format!("{e:#}")))?;
        let linkers = Linkers::new(&engine).map_err(|e| SetupError::Engine(format!("{e:#}")))?;
        let cache = ComponentCache::new(&config.home.join("cache"), &engine)?;
        let plugins_dir = config.home.join("plugins");
        std::fs::create_dir_all(&plugins_dir)?;
        let ticker = EpochTicker::start(engine.clone())?;
        Ok(Self {
            engine,
            linkers,
            cache,
            plugins_dir,
            policy: config.policy,
            trusted: config.trusted,
            services: config.services,
            plugins: RwLock::new(BTreeMap::new()),
            failed: RwLock::new(BTreeMap::new()),
            _ticker: ticker,
        })
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Checks that do not need compiling: signature, hash, API, capabilities.
    fn admit(&self, pkg: &Package) -> Result<&'static semver::Version, InstallError> {
        pkg.verify(&self.trusted)?;
        let m = pkg.manifest();
        let api = wit::select(&m.api).ok_or_else(|| InstallError::UnsupportedApi {
            id: m.id.clone(),
            version: m.version.clone(),
            requested: m.api.clone(),
            supported: wit::SUPPORTED
                .iter()
                .map(|v| v.to_string())
                .collect::<Vec<_>>()
                .join(", "),
        })?;
        capacites::valider(m).map_err(|message| InstallError::Incompatible {
            id: m.id.clone(),
            version: m.version.clone(),
            world: m.world.to_string(),
            api: api.clone(),
            message,
        })?;
        if let Some(capability) = self.policy.refused_capability(m) {
            return Err(InstallError::CapabilityRefused {
                id: m.id.clone(),
                version: m.version.clone(),
                capability,
            });
        }
        Ok(api)
    }

    fn incompatible(
        m: &Manifest,
        api: &semver::Version,
        e: impl std::fmt::Display,
    ) -> InstallError {
        InstallError::Incompatible {
            id: m.id.clone(),
            version: m.version.clone(),
            world: m.world.to_string(),
            api: api.clone(),
            message: e.to_string(),
        }
    }

    /// The API version the component itself speaks (read from its
    /// imports and exports), which its manifest's range must accept.
    fn spoken(
        &self,
        m: &Manifest,
        selected: &semver::Version,
        component: &wasmtime::component::Component,
    ) -> Result<semver::Version, InstallError> {
        let version = wit::version_of(&self.engine, component)
            .map_err(|e| Self::incompatible(m, selected, e))?;
        if !m.api.matches(&version) {
            return Err(Self::incompatible(
                m,
                selected,
                format!(
                    "le composant parle l'API {version}, son manifeste annonce {}",
                    m.api
                ),
            ));
        }
        Ok(version)
    }

    /// Install a package file: verify, check, precompile, keep, load. An
    /// older version than the one installed is refused
    /// ([`Runtime::install_avec`] allows it).
    pub fn install(&self, path: &Path) -> Result<PluginInfo, InstallError> {
        self.install_avec(path, Autorisations::default())
    }

    pub fn install_avec(&self, path: &Path, a: Autorisations) -> Result<PluginInfo, InstallError> {
        self.install_package_avec(Package::read(path)?, a)
    }

    pub fn install_package(&self, pkg: Package) -> Result<PluginInfo, InstallError> {
        self.install_package_avec(pkg, Autorisations::default())
    }

    /// The version of a plugin installed in this home (its kept package,
    /// loaded or not), if it can be read.
    fn version_installee(&self, id: &str) -> Option<semver::Version> {
        let path = self.plugins_dir.join(id).join("package.escpkg");
        if !path.exists() {
            return None;
        }
        Package::read(&path)
            .ok()
            .map(|p| p.manifest().version.clone())
    }

    pub fn install_package_avec(
        &self,
        pkg: Package,
        a: Autorisations,
    ) -> Result<PluginInfo, InstallError> {
        let api = self.admit(&pkg)?;
        let m = pkg.manifest().clone();
        // A downgrade can bring back what a fix removed: only on purpose.
        if let Some(installee) = self.version_installee(&m.id)
            && m.version < installee
            && !a.retrograder
        {
            return Err(InstallError::Retrogradation {
                id: m.id.clone(),
                installee,
                proposee: m.version.clone(),
            });
        }
        let component = self
            .cache
            .compile(&self.engine, &m.sha256, pkg.component())
            .map_err(|e| Self::incompatible(&m, api, format!("{e:#}")))?;
        let api = self.spoken(&m, api, &component)?;
        let plugin = Plugin::prepare(self, m.clone(), api.clone(), component, Origin::Compiled)
            .map_err(|e| Self::incompatible(&m, &api, format!("{e:#}")))?;
        // Keep the package itself: it is re-verified at each start.
        let dir = self.plugins_dir.join(&m.id);
        std::fs::create_dir_all(&dir)?;
        let tmp = dir.join("package.escpkg.tmp");
        pkg.write(&tmp)?;
        std::fs::rename(&tmp, dir.join("package.escpkg"))?;
        tracing::info!(plugin = %m.id, version = %m.version, "module installé");
        let plugin = Arc::new(plugin);
        let info = plugin.info();
        self.failed
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&m.id);
        self.plugins
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(m.id.clone(), plugin);
        Ok(info)
    }

    /// Load every installed package (at start). A package that fails is
    /// reported and skipped; the others load.
    pub fn load_installed(&self) -> Vec<(String, Result<PluginInfo, InstallError>)> {
        let mut out = Vec::new();
        let Ok(entries) = std::fs::read_dir(&self.plugins_dir) else {
            return out;
        };
        let mut dirs: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        dirs.sort();
        for dir in dirs {
            let path = dir.join("package.escpkg");
            if !path.exists() {
                continue;
            }
            let name = dir
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .to_string();
            let result = self.load_one(&path);
            match &result {
                Ok(info) => {
                    self.failed
                        .write()
                        .unwrap_or_else(|p| p.into_inner())
                        .remove(&info.id);
                }
                Err(e) => {
                    tracing::error!(plugin = %name, "module non chargé: {e}");
                    self.failed
                        .write()
                        .unwrap_or_else(|p| p.into_inner())
                        .insert(name.clone(), e.to_string());
                }
            }
            out.push((name, result));
        }
        out
    }

    fn load_one(&self, path: &Path) -> Result<PluginInfo, InstallError> {
        let pkg = Package::read(path)?;
        let api = self.admit(&pkg)?;
        let m = pkg.manifest().clone();
        let (component, origin) = self
            .cache
            .load_or_compile(&self.engine, &m.sha256, pkg.component())
            .map_err(|e| Self::incompatible(&m, api, format!("{e:#}")))?;
        let api = self.spoken(&m, api, &component)?;
        let plugin = Arc::new(
            Plugin::prepare(self, m.clone(), api.clone(), component, origin)
                .map_err(|e| Self::incompatible(&m, &api, format!("{e:#}")))?,
        );
        let info = plugin.info();
        self.plugins
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(m.id, plugin);
        Ok(info)
    }

    /// Every plugin, loaded or not.
    pub fn list(&self) -> Vec<PluginInfo> {
        let mut out: Vec<PluginInfo> = self
            .plugins
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .map(|p| p.info())
            .collect();
        for (id, reason) in self.failed.read().unwrap_or_else(|p| p.into_inner()).iter() {
            out.push(plugin::refuse(id, reason));
        }
        out.sort_by(|a, b| a.id.cmp(&b.id));
        out
    }

    pub fn plugin(&self, id: &str) -> Result<Arc<Plugin>, CallError> {
        self.plugins
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
            .cloned()
            .ok_or_else(|| CallError::NotInstalled(id.to_string()))
    }

    /// A client for an `identity` plugin.
    pub fn identity(&self, id: &str) -> Result<IdentityClient<'_>, CallError> {
        IdentityClient::new(self, self.plugin(id)?)
    }

    /// A client for a `document` plugin.
    pub fn document(&self, id: &str) -> Result<DocumentClient<'_>, CallError> {
        DocumentClient::new(self, self.plugin(id)?)
    }

    /// Plugins of one world, e.g. every document type.
    pub fn by_world(&self, world: World) -> Vec<Arc<Plugin>> {
        self.plugins
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .filter(|p| p.manifest.world == world)
            .cloned()
            .collect()
    }

    /// Render a layout with the host's `pdf` service (the one plugins
    /// reach through the capability), e.g. an N3 document's PDF.
    pub fn render_pdf(&self, layout: &model::Layout) -> Result<Vec<u8>, model::Error> {
        capacites::pdf::borner(layout)?;
        match &self.services.pdf {
            Some(r) => r.render(layout),
            None => Err(model::Error::Internal(
                "aucun moteur PDF n'est configuré".into(),
            )),
        }
    }

    pub(crate) fn engine(&self) -> &Engine {
        &self.engine
    }
    pub(crate) fn linkers(&self) -> &Linkers {
        &self.linkers
    }
    pub(crate) fn services(&self) -> &HostServices {
        &self.services
    }
}
