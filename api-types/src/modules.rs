//! The installed plugins as the host reports them.

/// How a component was obtained.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    Cache,
    Compiled,
}

/// A line of `esculape plugins list` and of `GET /api/plugins`.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct PluginInfo {
    pub id: String,
    pub version: String,
    pub world: String,
    pub api: String,
    pub description: String,
    pub capabilities: Vec<String>,
    pub profiles: Vec<String>,
    /// `actif`, or `refusé: <raison>`.
    pub status: String,
    pub origin: Option<Origin>,
    pub deadline_ms: u64,
    pub memory_mib: usize,
    pub calls: u64,
    pub failures: u64,
    pub log_dropped: u64,
}
