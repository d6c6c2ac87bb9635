//! Run a plugin in the real Esculape runtime from a plain `cargo test`.
//!
//! ```ignore
//! let h = esculape_sdk_testing::Harness::new();
//! h.install_crate("esculape-plugin-ins").unwrap();
//! let ins = h.runtime.identity("fr.esculape.ins").unwrap();
//! assert!(ins.check_matricule("297022A02077878").unwrap().key_valid);
//! ```
//!
//! The harness builds the plugin crate for `wasm32-wasip2` (profile
//! `plugin`, as `cargo xtask build-plugins` does), packages it with its
//! manifest from `[package.metadata.esculape]`, signs it with a throwaway key
//! that only this harness trusts and installs it into a runtime living in a
//! temporary folder.

#![allow(clippy::result_large_err)] // mirrors the runtime's install errors

use esculape_registry::{CrateMetadata, Manifest, Package, SigningKey, TrustedKeys};
use esculape_runtime::{HostServices, InstallError, PluginInfo, Policy, Runtime, RuntimeConfig};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

/// The wasm target plugins are built for.
pub const TARGET: &str = "wasm32-wasip2";

#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    #[error("cargo: {0}")]
    Cargo(String),
    #[error("{0} n'est pas un module Esculape (pas de [package.metadata.esculape])")]
    NotAPlugin(String),
    #[error("{0}")]
    Other(String),
}

/// What `cargo metadata` says of the workspace.
pub struct Workspace {
    pub root: PathBuf,
    pub target_dir: PathBuf,
    packages: Vec<serde_json::Value>,
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

impl Workspace {
    /// The workspace of the crate under test (or of the current folder).
    pub fn current() -> Result<&'static Workspace, HarnessError> {
        static WS: OnceLock<Result<Workspace, String>> = OnceLock::new();
        WS.get_or_init(|| Self::load().map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|e| HarnessError::Cargo(e.clone()))
    }

    fn load() -> Result<Workspace, HarnessError> {
        let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
        let out = cargo()
            .args(["metadata", "--format-version", "1", "--no-deps"])
            .current_dir(&dir)
            .output()
            .map_err(|e| HarnessError::Cargo(e.to_string()))?;
        if !out.status.success() {
            return Err(HarnessError::Cargo(
                String::from_utf8_lossy(&out.stderr).into(),
            ));
        }
        let v: serde_json::Value =
            serde_json::from_slice(&out.stdout).map_err(|e| HarnessError::Cargo(e.to_string()))?;
        let s = |k: &str| PathBuf::from(v[k].as_str().unwrap_or_default());
        Ok(Workspace {
            root: s("workspace_root"),
            target_dir: s("target_directory"),
            packages: v["packages"].as_array().cloned().unwrap_or_default(),
        })
    }

    /// Every plugin crate: (crate name, version, metadata).
    pub fn plugins(&self) -> Vec<(String, semver::Version, CrateMetadata)> {
        self.packages
            .iter()
            .filter_map(|p| {
                let meta = CrateMetadata::from_package_metadata(&p["metadata"])?.ok()?;
                let version = p["version"].as_str()?.parse().ok()?;
                Some((p["name"].as_str()?.to_string(), version, meta))
            })
            .collect()
    }

    pub fn plugin(
        &self,
        crate_name: &str,
    ) -> Result<(semver::Version, CrateMetadata), HarnessError> {
        self.plugins()
            .into_iter()
            .find(|(n, _, _)| n == crate_name)
            .map(|(_, v, m)| (v, m))
            .ok_or_else(|| HarnessError::NotAPlugin(crate_name.into()))
    }

    /// Where `cargo build --profile plugin --target wasm32-wasip2` puts it.
    pub fn wasm_path(&self, crate_name: &str) -> PathBuf {
        self.target_dir
            .join(TARGET)
            .join("plugin")
            .join(format!("{}.wasm", crate_name.replace('-', "_")))
    }

    /// Build one plugin crate into a component.
    pub fn build_plugin(&self, crate_name: &str) -> Result<PathBuf, HarnessError> {
        let out = cargo()
            .args([
                "build",
                "--profile",
                "plugin",
                "--target",
                TARGET,
                "-p",
                crate_name,
            ])
            .current_dir(&self.root)
            .output()
            .map_err(|e| HarnessError::Cargo(e.to_string()))?;
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let hint = if stderr.contains("target may not be installed") {
                "\n(la cible wasm32-wasip2 manque: `cargo xtask setup` l'installe)"
            } else {
                ""
            };
            return Err(HarnessError::Cargo(format!("{stderr}{hint}")));
        }
        Ok(self.wasm_path(crate_name))
    }
}

/// The component bytes of a plugin crate, built once per test process.
pub fn plugin_wasm(crate_name: &str) -> Result<Vec<u8>, HarnessError> {
    static BUILT: OnceLock<Mutex<HashMap<String, Vec<u8>>>> = OnceLock::new();
    let map = BUILT.get_or_init(Default::default);
    let mut map = map.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(bytes) = map.get(crate_name) {
        return Ok(bytes.clone());
    }
    let ws = Workspace::current()?;
    let path = ws.build_plugin(crate_name)?;
    let bytes = std::fs::read(&path).map_err(|e| HarnessError::Other(format!("{path:?}: {e}")))?;
    map.insert(crate_name.to_string(), bytes.clone());
    Ok(bytes)
}

/// The manifest a plugin crate declares (sha256 not yet set).
pub fn plugin_manifest(crate_name: &str) -> Result<Manifest, HarnessError> {
    let (version, meta) = Workspace::current()?.plugin(crate_name)?;
    Ok(meta.manifest(version))
}

/// A runtime in a temporary folder that trusts one throwaway key.
pub struct Harness {
    pub runtime: Runtime,
    pub key: SigningKey,
    home: tempfile::TempDir,
}

impl Default for Harness {
    fn default() -> Self {
        Self::new()
    }
}

impl Harness {
    pub fn new() -> Self {
        Self::with(Policy::default(), HostServices::default())
    }

    /// A harness whose runtime renders PDF/A-1b (the `pdf` capability), as
    /// document plugins need.
    pub fn for_documents() -> Self {
        let mut services = HostServices::default();
        // The CI-SIS value sets of the ANS test kit, read in place.
        if let Ok(ws) = Workspace::current() {
            let dir = ws.root.join("../shared/testdata/ans/jeuxDeValeurs");
            if let Ok((sets, _)) = esculape_runtime::terminology::ValueSets::load_dir(&dir) {
                services.terminology = std::sync::Arc::new(sets);
            }
        }
        let pdf = esculape_pdfa::capability::PdfCapability::new(services.clock.clone())
            .unwrap_or_else(|e| panic!("harness: {e}"));
        services.pdf = Some(std::sync::Arc::new(pdf));
        Self::with(Policy::default(), services)
    }

    /// [`Harness::for_documents`] with this document plugin crate installed.
    pub fn with_document_plugin(crate_name: &str) -> Self {
        let h = Self::for_documents();
        h.install_crate(crate_name)
            .unwrap_or_else(|e| panic!("installation de {crate_name}: {e}"));
        h
    }

    pub fn with(policy: Policy, services: HostServices) -> Self {
        Self::try_with(policy, services).unwrap_or_else(|e| panic!("harness: {e}"))
    }

    fn try_with(policy: Policy, services: HostServices) -> Result<Self, HarnessError> {
        let home = tempfile::tempdir().map_err(|e| HarnessError::Other(e.to_string()))?;
        let key = SigningKey::generate().map_err(|e| HarnessError::Other(e.to_string()))?;
        let mut trusted = TrustedKeys::new();
        trusted.add(key.verifying_key());
        let runtime = Runtime::new(RuntimeConfig {
            home: home.path().to_path_buf(),
            policy,
            trusted,
            services,
        })
        .map_err(|e| HarnessError::Other(e.to_string()))?;
        Ok(Self { runtime, key, home })
    }

    pub fn home(&self) -> &Path {
        self.home.path()
    }

    /// A signed package of a plugin crate, with its declared manifest
    /// (changed by `edit` first, e.g. to test refusals).
    pub fn package(&self, crate_name: &str, edit: impl FnOnce(&mut Manifest)) -> Package {
        let wasm = plugin_wasm(crate_name).unwrap_or_else(|e| panic!("build of {crate_name}: {e}"));
        let mut manifest =
            plugin_manifest(crate_name).unwrap_or_else(|e| panic!("manifest of {crate_name}: {e}"));
        edit(&mut manifest);
        Package::build(manifest, wasm, &self.key).unwrap_or_else(|e| panic!("package: {e}"))
    }

    /// Build, sign and install a plugin crate as it declares itself.
    pub fn install_crate(&self, crate_name: &str) -> Result<PluginInfo, InstallError> {
        self.runtime
            .install_package(self.package(crate_name, |_| {}))
    }
}

pub mod fixtures;

/// A form as the host hands it to a plugin: these JSON values (as the
/// HTTP API carries them) typed and checked against the plugin's own
/// schema, by the host's rules (`esculape_runtime::formulaire`). Panics
/// with the French reason on a value that does not fit.
pub fn form(
    client: &esculape_runtime::DocumentClient<'_>,
    values: serde_json::Value,
) -> Vec<esculape_runtime::model::FormValue> {
    let schema = client
        .form_schema()
        .unwrap_or_else(|e| panic!("form-schema: {e}"));
    let map = values.as_object().cloned().unwrap_or_default();
    esculape_runtime::formulaire::depuis_json(&schema, &map).unwrap_or_else(|e| panic!("{e}"))
}

/// One form value from its JSON text (`"\"2026-11-20\""`, `8.9`,
/// `true`...), typed by its JSON form alone (a date stays text); [`form`]
/// types by the plugin's schema, as the host does.
pub fn form_value(key: &str, json: &str) -> esculape_runtime::model::FormValue {
    let value: serde_json::Value =
        serde_json::from_str(json).unwrap_or_else(|e| panic!("{key}: JSON {json}: {e}"));
    let mut map = serde_json::Map::new();
    map.insert(key.to_string(), value);
    esculape_runtime::formulaire::depuis_json(&[], &map)
        .unwrap_or_else(|e| panic!("{e}"))
        .pop()
        .unwrap_or_else(|| panic!("{key}: valeur vide"))
}

/// The JSON text of a form value, as 0.1.0 plugins wrote it and the HTTP
/// API carries it.
pub trait JsonText {
    fn json(&self) -> String;
}

impl JsonText for esculape_runtime::model::FormValue {
    fn json(&self) -> String {
        esculape_runtime::formulaire::valeur_json(&self.value).to_string()
    }
}

/// One text value.
pub fn text_value(key: &str, text: &str) -> esculape_runtime::model::FormValue {
    use esculape_runtime::model::{FieldValue, FormValue, Scalar};
    FormValue {
        key: key.into(),
        value: FieldValue::Scalar(Scalar::Text(text.into())),
    }
}

/// A production context as the host builds it: a médecin généraliste of
/// a cabinet individuel, document ids under 2.25.
pub fn document_context(n: u32) -> esculape_runtime::model::Context {
    use esculape_runtime::model::{Coded, Context, Timestamp};
    let coded = |code: &str, system: &str, display: &str| Coded {
        code: code.into(),
        code_system: system.into(),
        code_system_name: None,
        display: Some(display.into()),
    };
    Context {
        author_rpps: "810001234567".into(),
        author_given: "Hélène".into(),
        author_family: "DURAND".into(),
        author_profession: coded("10", "1.2.250.1.71.1.2.7", "Médecin"),
        author_specialty: coded(
            "G15_10/SM54",
            "1.2.250.1.213.1.1.4.5",
            "Médecin - Médecine générale (SM)",
        ),
        organization_id: "1750012345".into(),
        organization_name: "Cabinet du Dr Durand".into(),
        facility_type: coded("SA07", "1.2.250.1.71.4.2.4", "Cabinet individuel"),
        practice_setting: coded("AMBULATOIRE", "1.2.250.1.213.1.1.4.9", "Ambulatoire"),
        document_id: format!(
            "2.25.{}",
            329_800_735_698_586_629_295_641_978_511_506_172_000u128 + u128::from(n)
        ),
        set_id: format!(
            "2.25.{}",
            229_800_735_698_586_629_295_641_978_511_506_172_000u128 + u128::from(n)
        ),
        version_number: 1,
        effective_time: Timestamp {
            unix_millis: 1_795_702_162_000,
            utc_offset_minutes: 60,
        },
    }
}

/// Write these CDA documents (name, bytes) to a temporary folder and run
/// the official ANS validator on them; panics with its report otherwise.
pub fn assert_cdas_valid(docs: &[(String, Vec<u8>)]) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let files: Vec<PathBuf> = docs
        .iter()
        .map(|(name, cda)| {
            let file = dir.path().join(format!("{name}.xml"));
            std::fs::write(&file, cda).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            file
        })
        .collect();
    let (ok, report) = cda_validate(&files);
    assert!(ok, "{report}");
}

/// Run the official ANS validator (`../shared/tools/cda-validate`) on these
/// files at once. Calls are serialised: the first run compiles and caches
/// the schematrons, and two first runs at once would race on the cache.
/// Returns whether every file passed, and the validator's report.
pub fn cda_validate(files: &[PathBuf]) -> (bool, String) {
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _g = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let tool = match Workspace::current() {
        Ok(ws) => ws.root.join("../shared/tools/cda-validate"),
        Err(e) => return (false, format!("workspace: {e}")),
    };
    match std::process::Command::new(&tool).args(files).output() {
        Ok(out) => (
            out.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        ),
        Err(e) => (false, format!("{}: {e}", tool.display())),
    }
}
