//! Per-store state and the host side of every capability.
//!
//! Each host function first checks the grant (manifest ∧ policy) and answers
//! a typed `denied` error when it is missing: a plugin that calls what it did
//! not declare gets an error value, not a trap.

use crate::bindings::v0_1_0::{clock, log, pdf, record_read, terminology, types};
use crate::services::{CallContext, HostServices};
use esculape_registry::Capability;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

/// Longest log line kept; longer ones are cut.
pub const MAX_LOG_LINE: usize = 4 * 1024;

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
}

impl wasmtime::ResourceLimiter for MemoryCap {
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
        max_memory_bytes: usize,
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
                max_bytes: max_memory_bytes,
                refused: false,
            },
            plugin,
            services,
            call: CallContext::default(),
            log_budget: 0,
        }
    }

    fn grant(&self, cap: Capability) -> Result<(), types::Error> {
        if self.plugin.grants.contains(&cap) {
            Ok(())
        } else {
            tracing::warn!(plugin = %self.plugin.id, version = %self.plugin.version, capability = %cap, "capacité refusée");
            Err(types::Error::Denied(cap.as_str().to_owned()))
        }
    }

    fn record(&self) -> Result<&dyn crate::services::RecordSource, types::Error> {
        self.grant(Capability::RecordRead)?;
        self.call
            .record
            .as_deref()
            .ok_or_else(|| types::Error::NotFound("aucun patient n'est associé à cet appel".into()))
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

impl types::Host for HostState {}

impl log::Host for HostState {
    fn write(&mut self, level: log::Level, message: String) -> Result<(), types::Error> {
        self.grant(Capability::Log)?;
        let mut message = message;
        if message.len() > MAX_LOG_LINE {
            let mut cut = MAX_LOG_LINE;
            while !message.is_char_boundary(cut) {
                cut -= 1;
            }
            message.truncate(cut);
            message.push('…');
        }
        if message.len() > self.log_budget {
            self.plugin.log_dropped.fetch_add(1, Ordering::Relaxed);
            return Err(types::Error::Limit(
                "journal: quota de cet appel atteint".into(),
            ));
        }
        self.log_budget -= message.len();
        self.plugin
            .log_bytes
            .fetch_add(message.len() as u64, Ordering::Relaxed);
        let id = &self.plugin.id;
        match level {
            log::Level::Trace => tracing::trace!(plugin = %id, "{message}"),
            log::Level::Debug => tracing::debug!(plugin = %id, "{message}"),
            log::Level::Info => tracing::info!(plugin = %id, "{message}"),
            log::Level::Warn => tracing::warn!(plugin = %id, "{message}"),
            log::Level::Error => tracing::error!(plugin = %id, "{message}"),
        }
        Ok(())
    }
}

impl clock::Host for HostState {
    fn now(&mut self) -> Result<types::Timestamp, types::Error> {
        self.grant(Capability::Clock)?;
        Ok(self.services.clock.now())
    }

    fn today(&mut self) -> Result<types::Date, types::Error> {
        self.grant(Capability::Clock)?;
        Ok(crate::clock::local_date(&self.services.clock.now()))
    }
}

impl terminology::Host for HostState {
    fn lookup(
        &mut self,
        value_set: String,
        code: String,
    ) -> Result<Option<types::Coded>, types::Error> {
        self.grant(Capability::Terminology)?;
        self.services.terminology.lookup(&value_set, &code)
    }

    fn expand(&mut self, value_set: String) -> Result<Vec<types::Coded>, types::Error> {
        self.grant(Capability::Terminology)?;
        self.services.terminology.expand(&value_set)
    }
}

impl record_read::Host for HostState {
    fn current_patient(&mut self) -> Result<record_read::Patient, types::Error> {
        self.record()?.patient()
    }
    fn problems(&mut self) -> Result<Vec<record_read::Problem>, types::Error> {
        self.record()?.problems()
    }
    fn allergies(&mut self) -> Result<Vec<record_read::Allergy>, types::Error> {
        self.record()?.allergies()
    }
    fn treatments(&mut self) -> Result<Vec<record_read::Treatment>, types::Error> {
        self.record()?.treatments()
    }
    fn vaccinations(&mut self) -> Result<Vec<record_read::Vaccination>, types::Error> {
        self.record()?.vaccinations()
    }
    fn measures(&mut self, limit: u32) -> Result<Vec<record_read::Measure>, types::Error> {
        self.record()?.measures(limit)
    }
}

impl pdf::Host for HostState {
    fn render(&mut self, layout: pdf::Layout) -> Result<Vec<u8>, types::Error> {
        self.grant(Capability::Pdf)?;
        match &self.services.pdf {
            Some(renderer) => renderer.render(&layout),
            None => Err(types::Error::Internal(
                "aucun moteur PDF n'est configuré dans cet hôte".into(),
            )),
        }
    }
}
