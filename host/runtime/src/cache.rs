//! On-disk cache of precompiled components.
//!
//! Keyed by the engine's compatibility hash (wasmtime version, target,
//! compiler settings) and the component's sha256: an engine change lands in
//! a new folder and everything recompiles. Each artefact carries a sha256
//! sidecar, checked before it is deserialised (deserialising is trusting
//! native code).

pub use esculape_api_types::modules::Origin;
use sha2::{Digest, Sha256};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use wasmtime::Engine;
use wasmtime::component::Component;

pub struct ComponentCache {
    dir: PathBuf,
}

/// A short, stable digest of the engine's compatibility hash.
pub fn engine_key(engine: &Engine) -> String {
    // `DefaultHasher::new()` has fixed keys: stable across processes of the
    // same build, which is all the cache needs.
    let mut h = std::hash::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut h);
    format!("{:016x}", h.finish())
}

impl ComponentCache {
    pub fn new(root: &Path, engine: &Engine) -> std::io::Result<Self> {
        let dir = root.join(engine_key(engine));
        std::fs::create_dir_all(&dir)?;
        Ok(Self { dir })
    }

    pub fn path_of(&self, sha256: &str) -> PathBuf {
        self.dir.join(format!("{sha256}.cwasm"))
    }

    /// Compile and store; returns the component.
    pub fn compile(
        &self,
        engine: &Engine,
        sha256: &str,
        wasm: &[u8],
    ) -> wasmtime::Result<Component> {
        let bytes = engine.precompile_component(wasm)?;
        let path = self.path_of(sha256);
        let tmp = path.with_extension("cwasm.tmp");
        std::fs::write(&tmp, &bytes)?;
        std::fs::write(
            path.with_extension("cwasm.sha256"),
            hex::encode(Sha256::digest(&bytes)),
        )?;
        std::fs::rename(&tmp, &path)?;
        // SAFETY: these bytes were produced by this engine just now.
        unsafe { Component::deserialize(engine, &bytes) }
    }

    /// Load from the cache if a sound artefact is there, else compile.
    pub fn load_or_compile(
        &self,
        engine: &Engine,
        sha256: &str,
        wasm: &[u8],
    ) -> wasmtime::Result<(Component, Origin)> {
        let path = self.path_of(sha256);
        if let (Ok(bytes), Ok(sum)) = (
            std::fs::read(&path),
            std::fs::read_to_string(path.with_extension("cwasm.sha256")),
        ) && hex::encode(Sha256::digest(&bytes)) == sum.trim()
        {
            // SAFETY: the artefact is in this engine's own folder and its
            // checksum matches what this host wrote.
            if let Ok(c) = unsafe { Component::deserialize(engine, &bytes) } {
                return Ok((c, Origin::Cache));
            }
        }
        Ok((self.compile(engine, sha256, wasm)?, Origin::Compiled))
    }
}
