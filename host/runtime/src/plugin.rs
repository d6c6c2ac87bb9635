//! A loaded plugin: its prepared component, the instance of the call under
//! way (one at a time, a new one for each call), and the typed
//! clients through which the host calls it.

use crate::cache::Origin;
use crate::error::{CallError, PluginError};
use crate::model::{self as types, Block as PdfBlock, Layout as PdfLayout};
use crate::policy::EffectiveLimits;
use crate::services::CallContext;
use crate::state::{HostState, PluginIdentity};
use crate::wit::{Instance, Prepared};
use crate::{EPOCH_TICK, Runtime};
use esculape_registry::{Manifest, World};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use wasmtime::component::Component;
use wasmtime::{Store, Trap};

/// An instance and its store, for one call.
struct Live {
    store: Store<HostState>,
    instance: Box<dyn Instance>,
}

pub struct Plugin {
    pub manifest: Manifest,
    /// The API version the host runs this plugin with.
    pub api: semver::Version,
    pub limits: EffectiveLimits,
    pub origin: Origin,
    identity: Arc<PluginIdentity>,
    pre: Box<dyn Prepared>,
    live: Mutex<Option<Live>>,
    calls: AtomicU64,
    failures: AtomicU64,
}

/// The line of a plugin that could not be loaded.
pub(crate) fn refuse(id: &str, reason: &str) -> PluginInfo {
    PluginInfo {
        id: id.to_string(),
        version: String::new(),
        world: String::new(),
        api: String::new(),
        description: String::new(),
        capabilities: vec![],
        profiles: vec![],
        status: format!("refusé: {reason}"),
        origin: None,
        deadline_ms: 0,
        memory_mib: 0,
        calls: 0,
        failures: 0,
        log_dropped: 0,
    }
}

impl Plugin {
    pub(crate) fn prepare(
        rt: &Runtime,
        manifest: Manifest,
        api: semver::Version,
        component: Component,
        origin: Origin,
    ) -> wasmtime::Result<Self> {
        // Resolving imports (against the linker of this version's world
        // only) and exports here refuses a component that is not what its
        // manifest says.
        let pre = rt.linkers().prepare(&api, manifest.world, &component)?;
        let identity = Arc::new(PluginIdentity {
            id: manifest.id.clone(),
            version: manifest.version.clone(),
            grants: rt.policy().grants(&manifest),
            log_dropped: AtomicU64::new(0),
            log_bytes: AtomicU64::new(0),
        });
        Ok(Self {
            limits: rt.policy().limits(&manifest),
            manifest,
            api,
            origin,
            identity,
            pre,
            live: Mutex::new(None),
            calls: AtomicU64::new(0),
            failures: AtomicU64::new(0),
        })
    }

    pub fn info(&self) -> PluginInfo {
        PluginInfo {
            id: self.manifest.id.clone(),
            version: self.manifest.version.to_string(),
            world: self.manifest.world.to_string(),
            api: self.api.to_string(),
            description: self.manifest.description.clone(),
            capabilities: self.identity.grants.iter().map(|c| c.to_string()).collect(),
            profiles: self.manifest.profiles.clone(),
            status: "actif".into(),
            origin: Some(self.origin),
            deadline_ms: self.limits.deadline.as_millis() as u64,
            memory_mib: self.limits.memory_bytes / (1024 * 1024),
            calls: self.calls.load(Ordering::Relaxed),
            failures: self.failures.load(Ordering::Relaxed),
            log_dropped: self.identity.log_dropped.load(Ordering::Relaxed),
        }
    }

    /// Log bytes written by this plugin so far.
    pub fn log_bytes(&self) -> u64 {
        self.identity.log_bytes.load(Ordering::Relaxed)
    }

    fn deadline_ticks(&self) -> u64 {
        let tick = EPOCH_TICK.as_micros().max(1);
        // One extra tick: the current one may be about to end.
        (self.limits.deadline.as_micros().div_ceil(tick) as u64) + 1
    }

    fn instantiate(&self, rt: &Runtime) -> Result<Live, CallError> {
        let state = HostState::new(self.identity.clone(), rt.services().clone(), &self.limits);
        let mut store = Store::new(rt.engine(), state);
        store.limiter(|s| &mut s.memory);
        store.epoch_deadline_trap();
        store.set_epoch_deadline(self.deadline_ticks());
        match self.pre.instantiate(&mut store) {
            Ok(instance) => Ok(Live { store, instance }),
            Err(e) => Err(self.classify(e, &store)),
        }
    }

    fn classify(&self, e: wasmtime::Error, store: &Store<HostState>) -> CallError {
        let id = self.manifest.id.clone();
        let version = self.manifest.version.clone();
        let err = match e.downcast_ref::<Trap>() {
            Some(Trap::Interrupt) => CallError::Timeout {
                id,
                version,
                ms: self.limits.deadline.as_millis(),
            },
            Some(Trap::StackOverflow) => CallError::StackOverflow { id, version },
            _ if store.data().memory.refused => CallError::MemoryExhausted {
                id,
                version,
                limit_mib: self.limits.memory_bytes / (1024 * 1024),
            },
            Some(trap) => CallError::Trap {
                id,
                version,
                message: trap.to_string(),
            },
            None => CallError::Trap {
                id,
                version,
                message: format!("{e:#}"),
            },
        };
        tracing::warn!(plugin = %self.manifest.id, "appel en échec: {err}");
        err
    }

    /// Run one call in a new instance (from the prepared component: no
    /// compiling), thrown away after it, so that neither a poisoned
    /// instance nor one patient's data serves again.
    fn call<R>(
        &self,
        rt: &Runtime,
        ctx: CallContext,
        f: impl FnOnce(&mut Store<HostState>, &dyn Instance) -> wasmtime::Result<R>,
    ) -> Result<R, CallError> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        let mut slot = self.live.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_none() {
            match self.instantiate(rt) {
                Ok(live) => *slot = Some(live),
                Err(e) => {
                    self.failures.fetch_add(1, Ordering::Relaxed);
                    return Err(e);
                }
            }
        }
        let Some(live) = slot.as_mut() else {
            unreachable!("the slot was filled just above")
        };
        {
            let state = live.store.data_mut();
            state.call = ctx;
            state.log_budget = rt.policy().max_log_bytes_per_call;
            state.memory.refused = false;
        }
        live.store.set_epoch_deadline(self.deadline_ticks());
        let result = f(&mut live.store, live.instance.as_ref());
        // The patient's record must not outlive the call.
        live.store.data_mut().call = CallContext::default();
        let outcome = match result {
            Ok(v) => Ok(v),
            Err(e) => {
                self.failures.fetch_add(1, Ordering::Relaxed);
                Err(self.classify(e, &live.store))
            }
        };
        // Thrown away after every call: whatever a plugin kept in its
        // memory from one call (one patient's record) never reaches the
        // next, and a poisoned instance never serves again.
        drop(slot.take());
        outcome
    }

    fn plugin_err(&self, e: types::Error) -> CallError {
        CallError::Plugin {
            id: self.manifest.id.clone(),
            version: self.manifest.version.clone(),
            error: PluginError::from(e),
        }
    }

    fn wrong_world(&self, expected: &'static str) -> CallError {
        CallError::WrongWorld {
            id: self.manifest.id.clone(),
            version: self.manifest.version.clone(),
            expected,
            actual: self.manifest.world.to_string(),
        }
    }
}

pub use esculape_api_types::modules::PluginInfo;

/// Calls into an `identity` plugin.
pub struct IdentityClient<'a> {
    rt: &'a Runtime,
    plugin: Arc<Plugin>,
}

impl<'a> IdentityClient<'a> {
    pub(crate) fn new(rt: &'a Runtime, plugin: Arc<Plugin>) -> Result<Self, CallError> {
        if plugin.manifest.world != World::Identity {
            return Err(plugin.wrong_world("identity"));
        }
        Ok(Self { rt, plugin })
    }

    fn run<R>(
        &self,
        f: impl FnOnce(&mut Store<HostState>, &dyn Instance) -> wasmtime::Result<R>,
    ) -> Result<R, CallError> {
        self.plugin.call(self.rt, CallContext::default(), f)
    }

    fn flat<R>(&self, r: Result<Result<R, types::Error>, CallError>) -> Result<R, CallError> {
        r?.map_err(|e| self.plugin.plugin_err(e))
    }

    pub fn normalize_traits(
        &self,
        traits: &types::IdentityTraits,
    ) -> Result<types::IdentityTraits, CallError> {
        self.flat(self.run(|s, g| g.normalize_traits(s, traits)))
    }

    pub fn check_matricule(&self, matricule: &str) -> Result<types::MatriculeCheck, CallError> {
        self.flat(self.run(|s, g| g.check_matricule(s, matricule)))
    }

    pub fn compute_status(
        &self,
        high_trust_document: bool,
        from_insi: bool,
        attributes: types::IdentityAttributes,
    ) -> Result<types::IdentityStatus, CallError> {
        self.run(|s, g| g.compute_status(s, high_trust_document, from_insi, attributes))
    }

    pub fn compare(
        &self,
        local: &types::IdentityTraits,
        local_ins: Option<&types::Ins>,
        insi: &types::IdentityTraits,
        insi_ins: &types::Ins,
    ) -> Result<types::Comparison, CallError> {
        self.flat(self.run(|s, g| g.compare(s, local, local_ins, insi, insi_ins)))
    }

    pub fn verification_due(
        &self,
        status: types::IdentityStatus,
        ins: Option<&types::Ins>,
        last_checked: Option<types::Date>,
        today: types::Date,
    ) -> Result<bool, CallError> {
        self.run(|s, g| g.verification_due(s, status, ins, last_checked, today))
    }
}

/// Calls into a `document` plugin.
pub struct DocumentClient<'a> {
    rt: &'a Runtime,
    plugin: Arc<Plugin>,
}

fn layout_bytes(layout: &PdfLayout) -> usize {
    layout.title.len()
        + layout.author.len()
        + layout
            .blocks
            .iter()
            .map(|b| match b {
                PdfBlock::Heading((_, s)) | PdfBlock::Paragraph(s) => s.len(),
                PdfBlock::Table((h, rows)) => {
                    h.iter().map(String::len).sum::<usize>()
                        + rows.iter().flatten().map(String::len).sum::<usize>()
                }
                PdfBlock::Datamatrix((d, c)) => d.len() + c.len(),
                PdfBlock::PageBreak => 0,
            })
            .sum::<usize>()
}

impl<'a> DocumentClient<'a> {
    pub(crate) fn new(rt: &'a Runtime, plugin: Arc<Plugin>) -> Result<Self, CallError> {
        if plugin.manifest.world != World::Document {
            return Err(plugin.wrong_world("document"));
        }
        Ok(Self { rt, plugin })
    }

    fn run<R>(
        &self,
        ctx: CallContext,
        f: impl FnOnce(&mut Store<HostState>, &dyn Instance) -> wasmtime::Result<R>,
    ) -> Result<R, CallError> {
        self.plugin.call(self.rt, ctx, f)
    }

    fn flat<R>(&self, r: Result<Result<R, types::Error>, CallError>) -> Result<R, CallError> {
        r?.map_err(|e| self.plugin.plugin_err(e))
    }

    fn check_size(&self, bytes: usize) -> Result<(), CallError> {
        let limit = self.rt.policy().max_output_bytes;
        if bytes > limit {
            return Err(CallError::OutputTooLarge {
                id: self.plugin.manifest.id.clone(),
                version: self.plugin.manifest.version.clone(),
                bytes,
                limit,
            });
        }
        Ok(())
    }

    pub fn describe(&self) -> Result<types::Description, CallError> {
        self.run(CallContext::default(), |s, g| g.describe(s))
    }

    pub fn form_schema(&self) -> Result<Vec<types::Field>, CallError> {
        self.run(CallContext::default(), |s, g| g.form_schema(s))
    }

    pub fn prefill(&self, ctx: CallContext) -> Result<Vec<types::FormValue>, CallError> {
        self.flat(self.run(ctx, |s, g| g.prefill(s)))
    }

    pub fn produce(
        &self,
        ctx: CallContext,
        context: &types::Context,
        values: &[types::FormValue],
    ) -> Result<types::Produced, CallError> {
        let produced = self.flat(self.run(ctx, |s, g| g.produce(s, context, values)))?;
        self.check_size(produced.cda.len() + layout_bytes(&produced.layout))?;
        Ok(produced)
    }

    /// Read a received document: its header and what it proposes for the
    /// record.
    pub fn read(&self, cda: &[u8]) -> Result<types::Received, CallError> {
        self.check_size(cda.len())?;
        self.flat(self.run(CallContext::default(), |s, g| g.read(s, cda)))
    }
}
