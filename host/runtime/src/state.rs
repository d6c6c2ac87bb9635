//! Per-store state: what a plugin's calls may reach, and the grant check
//! every capability (`crate::capacites`) makes first: a plugin that calls
//! what it did not declare gets a typed `denied` error, not a trap.

use crate::model::Error;
use crate::services::{CallContext, HostServices};
use esculape_registry::Capability;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

/// What the runtime knows of a loaded plugin, shared by its stores.
#[derive(Debug)]
pub struct PluginIdentity {
    pub id: String,
    pub version: semver::Version,
    pub grants: BTreeSet<Capability>,
    /// Log lines dropped because a call went over its log budget.
    pub log_dropped: AtomicU64,
    /// Log bytes written, all calls together.
    pub log_bytes: AtomicU64,
}

/// Memory cap of one store. Remembers that it refused a growth, so that the
/// trap that follows is reported as memory exhaustion.
pub struct MemoryCap {
    pub max_bytes: usize,
    pub refused: bool,
    /// Counts of core instances, linear memories and tables (the byte cap
    /// is per memory).
    pub max_instances: usize,
    pub max_memories: usize,
    pub max_tables: usize,
}

impl wasmtime::ResourceLimiter for MemoryCap {
    fn instances(&self) -> usize {
        self.max_instances
    }

    fn memories(&self) -> usize {
        self.max_memories
    }

    fn tables(&self) -> usize {
        self.max_tables
    }

    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.max_bytes {
            self.refused = true;
            return Ok(false);
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 100_000)
    }
}

pub struct HostState {
    wasi: WasiCtx,
    table: ResourceTable,
    pub(crate) memory: MemoryCap,
    pub(crate) plugin: Arc<PluginIdentity>,
    pub(crate) services: HostServices,
    /// Set for each call.
    pub(crate) call: CallContext,
    /// Log bytes left for the current call.
    pub(crate) log_budget: usize,
}

/// A wall clock stuck at the epoch: plugins read time through the `clock`
/// capability only, which keeps them deterministic and auditable.
struct FrozenWallClock;

impl wasmtime_wasi::HostWallClock for FrozenWallClock {
    fn resolution(&self) -> std::time::Duration {
        std::time::Duration::from_secs(1)
    }
    fn now(&self) -> std::time::Duration {
        std::time::Duration::ZERO
    }
}

impl HostState {
    pub(crate) fn new(
        plugin: Arc<PluginIdentity>,
        services: HostServices,
        limits: &crate::policy::EffectiveLimits,
    ) -> Self {
        // No preopened directory, no environment, no arguments, no network,
        // stdin closed and stdout/stderr discarded: WASI is linked only
        // because Rust's std imports it.
        let wasi = wasmtime_wasi::WasiCtxBuilder::new()
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .socket_addr_check(|_, _| Box::pin(async { false }))
            .wall_clock(FrozenWallClock)
            .build();
        Self {
            wasi,
            table: ResourceTable::new(),
            memory: MemoryCap {
                max_bytes: limits.memory_bytes,
                refused: false,
                max_instances: limits.instances,
                max_memories: limits.memories,
                max_tables: limits.tables,
            },
            plugin,
            services,
            call: CallContext::default(),
            log_budget: 0,
        }
    }

    pub(crate) fn grant(&self, cap: Capability) -> Result<(), Error> {
        if self.plugin.grants.contains(&cap) {
            Ok(())
        } else {
            tracing::warn!(plugin = %self.plugin.id, version = %self.plugin.version, capability = %cap, "capacité refusée");
            Err(Error::Denied(cap.as_str().to_owned()))
        }
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}
