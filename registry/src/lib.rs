//! Signed plugin packages.
//!
//! A package (`.escpkg`) is a zip archive holding three entries:
//! - `manifest.json`: who the plugin is and what it asks for ([`Manifest`]),
//!   including the sha256 of the component;
//! - `signature.json`: an ed25519 signature of the exact `manifest.json` bytes
//!   and the id of the key that made it ([`Signature`]);
//! - `plugin.wasm`: the WebAssembly component.
//!
//! Verification ([`Package::verify`]) checks, in this order, that the key is
//! trusted, that the signature matches the manifest bytes and that the
//! component's sha256 is the one the manifest names. Whether the host accepts
//! the API range and the capabilities is the host's decision (its policy), not
//! the package's.

mod keys;
mod manifest;

pub use keys::{KeyId, SigningKey, TrustedKeys};
pub use manifest::{Capability, CrateMetadata, Limits, Manifest, ManifestError, World};

use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::Path;

/// Largest component accepted in a package (a zip bomb guard as well).
pub const MAX_COMPONENT_BYTES: u64 = 64 * 1024 * 1024;
const MAX_SMALL_ENTRY_BYTES: u64 = 256 * 1024;

/// Why a package was refused or could not be read.
#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    #[error("paquet illisible: {0}")]
    Unreadable(String),
    #[error("paquet incomplet: l'entrée {0} manque")]
    MissingEntry(&'static str),
    #[error("paquet trop gros: l'entrée {entry} dépasse {limit} octets")]
    TooLarge { entry: &'static str, limit: u64 },
    #[error("manifeste invalide: {0}")]
    Manifest(#[from] ManifestError),
    #[error("signature illisible: {0}")]
    SignatureFormat(String),
    #[error("paquet signé par une clé non reconnue ({0})")]
    UntrustedKey(KeyId),
    #[error("signature invalide: le manifeste a été modifié ou la signature forgée (clé {0})")]
    BadSignature(KeyId),
    #[error(
        "empreinte sha256 du composant différente du manifeste (attendue {expected}, trouvée {found}): composant modifié"
    )]
    HashMismatch { expected: String, found: String },
    #[error("entrée/sortie: {0}")]
    Io(#[from] std::io::Error),
}

/// The signature entry of a package.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct Signature {
    pub algorithm: String,
    pub key_id: KeyId,
    /// Hex of the 64 signature bytes.
    pub signature: String,
}

/// A plugin package, read into memory.
#[derive(Debug, Clone)]
pub struct Package {
    manifest_bytes: Vec<u8>,
    manifest: Manifest,
    signature: Signature,
    component: Vec<u8>,
}

/// Hex sha256 of some bytes (lower case), as manifests carry it.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl Package {
    /// Build and sign a package. The manifest's `sha256` is set from the
    /// component, so a caller cannot get it wrong.
    pub fn build(
        mut manifest: Manifest,
        component: Vec<u8>,
        key: &SigningKey,
    ) -> Result<Self, PackageError> {
        manifest.sha256 = sha256_hex(&component);
        manifest.validate()?;
        let manifest_bytes = serde_json::to_vec_pretty(&manifest)
            .map_err(|e| PackageError::Unreadable(e.to_string()))?;
        let signature = key.sign(&manifest_bytes);
        Ok(Self {
            manifest_bytes,
            manifest,
            signature,
            component,
        })
    }

    /// Assemble a package from raw parts without signing; for tools and for
    /// tests that forge packages.
    pub fn from_parts(
        manifest_bytes: Vec<u8>,
        signature: Signature,
        component: Vec<u8>,
    ) -> Result<Self, PackageError> {
        let manifest = Manifest::from_json(&manifest_bytes)?;
        Ok(Self {
            manifest_bytes,
            manifest,
            signature,
            component,
        })
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }
    pub fn manifest_bytes(&self) -> &[u8] {
        &self.manifest_bytes
    }
    pub fn signature(&self) -> &Signature {
        &self.signature
    }
    pub fn component(&self) -> &[u8] {
        &self.component
    }
    /// Mutable access to the component bytes (tests tamper with them).
    pub fn component_mut(&mut self) -> &mut Vec<u8> {
        &mut self.component
    }

    /// Check key, signature and component hash. On success the package is
    /// exactly what its publisher signed.
    pub fn verify(&self, trusted: &TrustedKeys) -> Result<(), PackageError> {
        let key = trusted
            .get(&self.signature.key_id)
            .ok_or_else(|| PackageError::UntrustedKey(self.signature.key_id.clone()))?;
        if self.signature.algorithm != "ed25519" {
            return Err(PackageError::SignatureFormat(format!(
                "algorithme {} non pris en charge",
                self.signature.algorithm
            )));
        }
        let raw = hex::decode(&self.signature.signature)
            .map_err(|e| PackageError::SignatureFormat(e.to_string()))?;
        let sig = ed25519_dalek::Signature::from_slice(&raw)
            .map_err(|e| PackageError::SignatureFormat(e.to_string()))?;
        key.verify_strict(&self.manifest_bytes, &sig)
            .map_err(|_| PackageError::BadSignature(self.signature.key_id.clone()))?;
        let found = sha256_hex(&self.component);
        if !found.eq_ignore_ascii_case(&self.manifest.sha256) {
            return Err(PackageError::HashMismatch {
                expected: self.manifest.sha256.clone(),
                found,
            });
        }
        Ok(())
    }

    /// Read a package file. Reading does not verify: call [`Package::verify`].
    pub fn read(path: &Path) -> Result<Self, PackageError> {
        Self::from_reader(std::fs::File::open(path)?)
    }

    /// A package from its bytes (as downloaded); not verified either.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, PackageError> {
        Self::from_reader(std::io::Cursor::new(bytes))
    }

    fn from_reader<R: Read + std::io::Seek>(r: R) -> Result<Self, PackageError> {
        let mut zip =
            zip::ZipArchive::new(r).map_err(|e| PackageError::Unreadable(e.to_string()))?;
        let manifest_bytes = read_entry(&mut zip, "manifest.json", MAX_SMALL_ENTRY_BYTES)?;
        let signature_bytes = read_entry(&mut zip, "signature.json", MAX_SMALL_ENTRY_BYTES)?;
        let component = read_entry(&mut zip, "plugin.wasm", MAX_COMPONENT_BYTES)?;
        let signature: Signature = serde_json::from_slice(&signature_bytes)
            .map_err(|e| PackageError::SignatureFormat(e.to_string()))?;
        Self::from_parts(manifest_bytes, signature, component)
    }

    /// Write the package file.
    pub fn write(&self, path: &Path) -> Result<(), PackageError> {
        self.write_to(std::fs::File::create(path)?).map(|_| ())
    }

    /// The package file's bytes (as a registry serves them).
    pub fn to_bytes(&self) -> Result<Vec<u8>, PackageError> {
        Ok(self
            .write_to(std::io::Cursor::new(Vec::new()))?
            .into_inner())
    }

    fn write_to<W: Write + std::io::Seek>(&self, w: W) -> Result<W, PackageError> {
        let mut zip = zip::ZipWriter::new(w);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        let signature = serde_json::to_vec_pretty(&self.signature)
            .map_err(|e| PackageError::Unreadable(e.to_string()))?;
        for (name, bytes) in [
            ("manifest.json", &self.manifest_bytes[..]),
            ("signature.json", &signature[..]),
            ("plugin.wasm", &self.component[..]),
        ] {
            zip.start_file(name, opts)
                .map_err(|e| PackageError::Unreadable(e.to_string()))?;
            zip.write_all(bytes)?;
        }
        zip.finish()
            .map_err(|e| PackageError::Unreadable(e.to_string()))
    }
}

fn read_entry<R: Read + std::io::Seek>(
    zip: &mut zip::ZipArchive<R>,
    name: &'static str,
    limit: u64,
) -> Result<Vec<u8>, PackageError> {
    let entry = zip.by_name(name).map_err(|e| match e {
        zip::result::ZipError::FileNotFound => PackageError::MissingEntry(name),
        other => PackageError::Unreadable(other.to_string()),
    })?;
    let mut out = Vec::new();
    // Read one byte past the limit to tell "exactly at the limit" from "over".
    entry.take(limit + 1).read_to_end(&mut out)?;
    if out.len() as u64 > limit {
        return Err(PackageError::TooLarge { entry: name, limit });
    }
    Ok(out)
}
