//! Host policy: which capabilities the host grants, and the limits within
//! which plugins run.

use esculape_registry::{Capability, Manifest};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Policy {
    /// Capabilities any plugin may be granted.
    pub grant: BTreeSet<Capability>,
    /// Capabilities withheld from one plugin id, on top of `grant`.
    pub deny: BTreeMap<String, BTreeSet<Capability>>,
    /// Deadline of a call when the manifest asks for none, in ms.
    pub default_deadline_ms: u64,
    /// Longest deadline a manifest may ask for, in ms.
    pub max_deadline_ms: u64,
    pub default_memory_mib: u32,
    pub max_memory_mib: u32,
    /// Largest result a call may return (document bytes), in bytes.
    pub max_output_bytes: usize,
    /// Log bytes a plugin may write in one call.
    pub max_log_bytes_per_call: usize,
    /// Core instances, linear memories and tables one call may create: the
    /// memory cap is per linear memory, so their count is capped too (a
    /// Rust component has a handful of instances, one or two memories).
    pub max_instances: usize,
    pub max_memories: usize,
    pub max_tables: usize,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            grant: Capability::ALL.into_iter().collect(),
            deny: BTreeMap::new(),
            default_deadline_ms: 2_000,
            max_deadline_ms: 30_000,
            default_memory_mib: 64,
            max_memory_mib: 512,
            max_output_bytes: 32 * 1024 * 1024,
            max_log_bytes_per_call: 64 * 1024,
            max_instances: 32,
            max_memories: 4,
            max_tables: 32,
        }
    }
}

/// The limits a plugin actually runs under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct EffectiveLimits {
    pub deadline: Duration,
    pub memory_bytes: usize,
    pub instances: usize,
    pub memories: usize,
    pub tables: usize,
}

impl Policy {
    /// The first requested capability the host does not grant this plugin.
    pub fn refused_capability(&self, manifest: &Manifest) -> Option<Capability> {
        let denied = self.deny.get(&manifest.id);
        manifest
            .capabilities
            .iter()
            .find(|c| !self.grant.contains(c) || denied.is_some_and(|d| d.contains(c)))
            .cloned()
    }

    /// Grants = what the manifest asks ∧ what the policy allows.
    pub fn grants(&self, manifest: &Manifest) -> BTreeSet<Capability> {
        let denied = self.deny.get(&manifest.id);
        manifest
            .capabilities
            .iter()
            .filter(|c| self.grant.contains(c) && !denied.is_some_and(|d| d.contains(c)))
            .cloned()
            .collect()
    }

    pub fn limits(&self, manifest: &Manifest) -> EffectiveLimits {
        let ms = manifest
            .limits
            .deadline_ms
            .unwrap_or(self.default_deadline_ms)
            .clamp(1, self.max_deadline_ms);
        let mib = manifest
            .limits
            .memory_mib
            .unwrap_or(self.default_memory_mib)
            .clamp(1, self.max_memory_mib);
        EffectiveLimits {
            deadline: Duration::from_millis(ms),
            memory_bytes: mib as usize * 1024 * 1024,
            instances: self.max_instances,
            memories: self.max_memories,
            tables: self.max_tables,
        }
    }
}
