//! The manifest: identity of a plugin and everything it asks of the host.

use std::collections::BTreeSet;
use std::fmt;

#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("JSON invalide: {0}")]
    Json(#[from] serde_json::Error),
    #[error("identifiant de module invalide «{0}» (lettres minuscules, chiffres, '.', '-')")]
    BadId(String),
    #[error("empreinte sha256 invalide «{0}»")]
    BadSha256(String),
}

/// The world a plugin implements; the host instantiates it with that world's
/// bindings.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum World {
    Identity,
    Document,
}

impl fmt::Display for World {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            World::Identity => "identity",
            World::Document => "document",
        })
    }
}

/// A host interface a plugin may call. Unknown names are kept (so that the
/// host can refuse them by name) rather than failing the parse.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(from = "String", into = "String")]
pub enum Capability {
    Log,
    Clock,
    Terminology,
    RecordRead,
    Pdf,
    Unknown(String),
}

impl Capability {
    pub const ALL: [Capability; 5] = [
        Capability::Log,
        Capability::Clock,
        Capability::Terminology,
        Capability::RecordRead,
        Capability::Pdf,
    ];

    pub fn as_str(&self) -> &str {
        match self {
            Capability::Log => "log",
            Capability::Clock => "clock",
            Capability::Terminology => "terminology",
            Capability::RecordRead => "record-read",
            Capability::Pdf => "pdf",
            Capability::Unknown(s) => s,
        }
    }
}

impl From<String> for Capability {
    fn from(s: String) -> Self {
        match s.as_str() {
            "log" => Capability::Log,
            "clock" => Capability::Clock,
            "terminology" => Capability::Terminology,
            "record-read" => Capability::RecordRead,
            "pdf" => Capability::Pdf,
            _ => Capability::Unknown(s),
        }
    }
}

impl From<Capability> for String {
    fn from(c: Capability) -> String {
        c.as_str().to_owned()
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Resource limits a plugin asks for; the host caps them with its policy.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Limits {
    /// Wall-clock deadline of one call, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline_ms: Option<u64>,
    /// Linear memory cap, in MiB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_mib: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Manifest {
    /// Reverse-domain id, e.g. `fr.esculape.ins`.
    pub id: String,
    pub version: semver::Version,
    /// One line in French for the plugin list.
    #[serde(default)]
    pub description: String,
    pub world: World,
    /// The API versions (of the `wit/since_vX.Y.Z` folders) the plugin
    /// accepts, e.g. `^0.1`.
    pub api: semver::VersionReq,
    #[serde(default)]
    pub capabilities: BTreeSet<Capability>,
    /// Ségur profiles the plugin belongs to, e.g. `MDV-LGC-Va2`.
    #[serde(default)]
    pub profiles: Vec<String>,
    #[serde(default)]
    pub limits: Limits,
    /// Lower-case hex sha256 of the component.
    #[serde(default)]
    pub sha256: String,
}

impl Manifest {
    pub fn from_json(bytes: &[u8]) -> Result<Self, ManifestError> {
        let m: Manifest = serde_json::from_slice(bytes)?;
        m.validate()?;
        Ok(m)
    }

    pub fn validate(&self) -> Result<(), ManifestError> {
        let id_ok = !self.id.is_empty()
            && self.id.len() <= 128
            && self
                .id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
            && !self.id.starts_with('.')
            && !self.id.contains("..");
        if !id_ok {
            return Err(ManifestError::BadId(self.id.clone()));
        }
        if self.sha256.len() != 64 || !self.sha256.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(ManifestError::BadSha256(self.sha256.clone()));
        }
        Ok(())
    }
}

/// The `[package.metadata.esculape]` table of a plugin crate, as
/// `cargo metadata` gives it. The version comes from the crate itself.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct CrateMetadata {
    pub id: String,
    pub world: World,
    pub api: semver::VersionReq,
    #[serde(default)]
    pub capabilities: BTreeSet<Capability>,
    #[serde(default)]
    pub profiles: Vec<String>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub limits: Limits,
    /// Test plugins are built and tested but never installed by `run`.
    #[serde(default)]
    pub testing: bool,
}

impl CrateMetadata {
    /// Read it from the `metadata` value of a `cargo metadata` package;
    /// `None` when the crate is not a plugin.
    pub fn from_package_metadata(
        metadata: &serde_json::Value,
    ) -> Option<Result<Self, ManifestError>> {
        let table = metadata.get("esculape")?;
        Some(serde_json::from_value(table.clone()).map_err(ManifestError::Json))
    }

    /// The manifest of this crate at this version (sha256 still empty: the
    /// package builder fills it).
    pub fn manifest(&self, version: semver::Version) -> Manifest {
        Manifest {
            id: self.id.clone(),
            version,
            description: self.description.clone(),
            world: self.world,
            api: self.api.clone(),
            capabilities: self.capabilities.clone(),
            profiles: self.profiles.clone(),
            limits: self.limits.clone(),
            sha256: String::new(),
        }
    }
}
