//! Signing keys (publishers) and the set of keys a host trusts.

use crate::{PackageError, Signature};
use ed25519_dalek::{Signer, VerifyingKey};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

/// Short id of a public key: the first 16 hex digits of its sha256.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct KeyId(pub String);

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl KeyId {
    pub fn of(key: &VerifyingKey) -> Self {
        KeyId(hex::encode(&Sha256::digest(key.as_bytes())[..8]))
    }
}

/// A publisher's private key.
pub struct SigningKey(ed25519_dalek::SigningKey);

impl SigningKey {
    /// A fresh random key.
    pub fn generate() -> Result<Self, PackageError> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| PackageError::Unreadable(e.to_string()))?;
        Ok(Self(ed25519_dalek::SigningKey::from_bytes(&seed)))
    }

    pub fn verifying_key(&self) -> VerifyingKey {
        self.0.verifying_key()
    }

    pub fn key_id(&self) -> KeyId {
        KeyId::of(&self.verifying_key())
    }

    pub fn sign(&self, bytes: &[u8]) -> Signature {
        Signature {
            algorithm: "ed25519".into(),
            key_id: self.key_id(),
            signature: hex::encode(self.0.sign(bytes).to_bytes()),
        }
    }

    /// Load a key file (64 hex digits of the seed), or create it (mode 0600)
    /// when it does not exist.
    pub fn load_or_create(path: &Path) -> Result<Self, PackageError> {
        if path.exists() {
            let text = std::fs::read_to_string(path)?;
            let raw = hex::decode(text.trim())
                .map_err(|e| PackageError::SignatureFormat(format!("clé {path:?}: {e}")))?;
            let seed: [u8; 32] = raw.try_into().map_err(|_| {
                PackageError::SignatureFormat(format!("clé {path:?}: longueur incorrecte"))
            })?;
            return Ok(Self(ed25519_dalek::SigningKey::from_bytes(&seed)));
        }
        let key = Self::generate()?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        write_private(path, &hex::encode(key.0.to_bytes()))?;
        Ok(key)
    }

    /// Whether `signature_hex` is this key's signature of `bytes`.
    pub fn verifie(&self, bytes: &[u8], signature_hex: &str) -> bool {
        let Ok(raw) = hex::decode(signature_hex) else {
            return false;
        };
        let Ok(sig) = ed25519_dalek::Signature::from_slice(&raw) else {
            return false;
        };
        self.verifying_key().verify_strict(bytes, &sig).is_ok()
    }

    /// Hex of the public key, as a trusted-keys file holds it.
    pub fn public_hex(&self) -> String {
        hex::encode(self.verifying_key().as_bytes())
    }
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

/// The publisher keys a host accepts packages from.
#[derive(Debug, Clone, Default)]
pub struct TrustedKeys {
    keys: BTreeMap<KeyId, VerifyingKey>,
}

impl TrustedKeys {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, key: VerifyingKey) -> KeyId {
        let id = KeyId::of(&key);
        self.keys.insert(id.clone(), key);
        id
    }

    /// Add a key given as 64 hex digits.
    pub fn add_hex(&mut self, text: &str) -> Result<KeyId, PackageError> {
        let raw =
            hex::decode(text.trim()).map_err(|e| PackageError::SignatureFormat(e.to_string()))?;
        let bytes: [u8; 32] = raw.try_into().map_err(|_| {
            PackageError::SignatureFormat("clé publique: longueur incorrecte".into())
        })?;
        let key = VerifyingKey::from_bytes(&bytes)
            .map_err(|e| PackageError::SignatureFormat(e.to_string()))?;
        Ok(self.add(key))
    }

    /// Load every `*.pub` file of a folder (a missing folder is an empty set).
    pub fn load_dir(dir: &Path) -> Result<Self, PackageError> {
        let mut keys = Self::new();
        if !dir.exists() {
            return Ok(keys);
        }
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "pub") {
                keys.add_hex(&std::fs::read_to_string(&path)?)?;
            }
        }
        Ok(keys)
    }

    pub fn get(&self, id: &KeyId) -> Option<&VerifyingKey> {
        self.keys.get(id)
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}
