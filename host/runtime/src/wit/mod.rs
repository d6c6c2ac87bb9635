//! The WIT API versions this host serves, side by side, the way Zed serves
//! `extension_api/wit/since_v0.*`: one module per frozen `wit/since_vX.Y.Z`
//! folder, `latest` the newest. Only these modules name a WIT version: the
//! rest of the host works on [`crate::model`] (the latest's types), and each
//! older version adapts its plugins' calls to it.
//!
//! A new API version adds a module here, an entry in [`SUPPORTED`] and a
//! branch in [`Api`]; the old ones stay as long as the host accepts plugins
//! built against them.

pub mod since_v0_1_0;
pub mod since_v0_2_0;

pub use since_v0_2_0 as latest;

use crate::model::Date;
use crate::model::{
    Comparison, Context, Description, Error, Field, FormValue, IdentityAttributes, IdentityStatus,
    IdentityTraits, Ins, MatriculeCheck, Produced, Received,
};
use crate::state::HostState;
use esculape_registry::{Capability, World};
use wasmtime::component::{Component, Linker};
use wasmtime::{Engine, Store};

/// API versions this host accepts, oldest first.
pub const SUPPORTED: &[semver::Version] =
    &[semver::Version::new(0, 1, 0), semver::Version::new(0, 2, 0)];

/// Pick the newest supported API version that a plugin's range accepts.
pub fn select(range: &semver::VersionReq) -> Option<&'static semver::Version> {
    SUPPORTED.iter().rev().find(|v| range.matches(v))
}

/// One served API version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Api {
    V0_1_0,
    V0_2_0,
}

impl Api {
    fn of(version: &semver::Version) -> Option<Api> {
        match (version.major, version.minor, version.patch) {
            (0, 1, 0) => Some(Api::V0_1_0),
            (0, 2, 0) => Some(Api::V0_2_0),
            _ => None,
        }
    }
}

/// The API version a component was built against, read from the
/// `esculape:` interfaces it imports and exports (`esculape:host/log@0.2.0`,
/// `esculape:plugin/document-type@0.2.0`): the component, not its manifest,
/// says which contract it speaks. A component naming two versions, or none,
/// or one this host does not serve, is refused.
pub fn version_of(engine: &Engine, component: &Component) -> Result<semver::Version, String> {
    let ty = component.component_type();
    let names = ty
        .imports(engine)
        .map(|(name, _)| name.to_string())
        .chain(ty.exports(engine).map(|(name, _)| name.to_string()));
    let mut found: Option<semver::Version> = None;
    for name in names {
        let Some(rest) = name.strip_prefix("esculape:") else {
            continue;
        };
        let Some((_, v)) = rest.rsplit_once('@') else {
            return Err(format!("l'interface {name} ne dit pas sa version"));
        };
        let v = semver::Version::parse(v)
            .map_err(|e| format!("l'interface {name}: version illisible ({e})"))?;
        match &found {
            Some(f) if *f != v => {
                return Err(format!(
                    "le composant mêle deux versions de l'API ({f} et {v})"
                ));
            }
            _ => found = Some(v),
        }
    }
    let v = found
        .ok_or_else(|| "le composant n'importe ni n'exporte d'interface esculape".to_string())?;
    if Api::of(&v).is_none() {
        return Err(format!("version d'API {v} non servie par cet hôte"));
    }
    Ok(v)
}

/// The linkers of every served version, one per world: a component may
/// import only what its version's world offers.
pub(crate) struct Linkers {
    v0_1_0: WorldLinkers,
    v0_2_0: WorldLinkers,
}

impl Linkers {
    pub(crate) fn new(engine: &Engine) -> wasmtime::Result<Self> {
        Ok(Self {
            v0_1_0: WorldLinkers::new(engine, since_v0_1_0::link_types, since_v0_1_0::link)?,
            v0_2_0: WorldLinkers::new(engine, since_v0_2_0::link_types, since_v0_2_0::link)?,
        })
    }

    /// Resolve the component's imports against its version's world and
    /// check its exports: a component that is not what its manifest says is
    /// refused here, before any call.
    pub(crate) fn prepare(
        &self,
        version: &semver::Version,
        world: World,
        component: &Component,
    ) -> wasmtime::Result<Box<dyn Prepared>> {
        let api = Api::of(version)
            .ok_or_else(|| wasmtime::Error::msg(format!("version d'API {version} non servie")))?;
        match api {
            Api::V0_1_0 => since_v0_1_0::prepare(&self.v0_1_0, world, component),
            Api::V0_2_0 => since_v0_2_0::prepare(&self.v0_2_0, world, component),
        }
    }
}

/// The linkers of one version, one per world, each linking WASI (Rust's
/// std imports it), the shared types and the capabilities its world
/// imports, each through `link` (the version's interface of it).
pub(crate) struct WorldLinkers {
    pub(crate) identity: Linker<HostState>,
    pub(crate) document: Linker<HostState>,
}

type LinkFn = fn(&mut Linker<HostState>, &Capability) -> wasmtime::Result<()>;
type LinkTypesFn = fn(&mut Linker<HostState>) -> wasmtime::Result<()>;

impl WorldLinkers {
    pub(crate) fn new(engine: &Engine, types: LinkTypesFn, link: LinkFn) -> wasmtime::Result<Self> {
        let world = |w: World| -> wasmtime::Result<Linker<HostState>> {
            let mut linker = Linker::new(engine);
            wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
            types(&mut linker)?;
            for cap in crate::capacites::du_monde(w) {
                link(&mut linker, &cap)?;
            }
            Ok(linker)
        };
        Ok(Self {
            identity: world(World::Identity)?,
            document: world(World::Document)?,
        })
    }
}

/// A component resolved against its linker, ready to instantiate.
pub(crate) trait Prepared: Send + Sync {
    fn instantiate(&self, store: &mut Store<HostState>) -> wasmtime::Result<Box<dyn Instance>>;
}

/// The exports of an instance, in the latest version's types. An older
/// version converts its plugin's answers (and the host's arguments) here.
/// Calling an export of the other world is an error (the typed clients
/// check the world first).
#[allow(clippy::too_many_arguments)]
pub(crate) trait Instance: Send {
    fn normalize_traits(
        &self,
        s: &mut Store<HostState>,
        traits: &IdentityTraits,
    ) -> wasmtime::Result<Result<IdentityTraits, Error>>;
    fn check_matricule(
        &self,
        s: &mut Store<HostState>,
        matricule: &str,
    ) -> wasmtime::Result<Result<MatriculeCheck, Error>>;
    fn compute_status(
        &self,
        s: &mut Store<HostState>,
        high_trust_document: bool,
        from_insi: bool,
        attributes: IdentityAttributes,
    ) -> wasmtime::Result<IdentityStatus>;
    fn compare(
        &self,
        s: &mut Store<HostState>,
        local: &IdentityTraits,
        local_ins: Option<&Ins>,
        insi: &IdentityTraits,
        insi_ins: &Ins,
    ) -> wasmtime::Result<Result<Comparison, Error>>;
    fn verification_due(
        &self,
        s: &mut Store<HostState>,
        status: IdentityStatus,
        ins: Option<&Ins>,
        last_checked: Option<Date>,
        today: Date,
    ) -> wasmtime::Result<bool>;
    fn describe(&self, s: &mut Store<HostState>) -> wasmtime::Result<Description>;
    fn form_schema(&self, s: &mut Store<HostState>) -> wasmtime::Result<Vec<Field>>;
    fn prefill(&self, s: &mut Store<HostState>) -> wasmtime::Result<Result<Vec<FormValue>, Error>>;
    fn produce(
        &self,
        s: &mut Store<HostState>,
        ctx: &Context,
        values: &[FormValue],
    ) -> wasmtime::Result<Result<Produced, Error>>;
    fn read(
        &self,
        s: &mut Store<HostState>,
        cda: &[u8],
    ) -> wasmtime::Result<Result<Received, Error>>;
}

/// The error of an export called on the wrong world.
pub(crate) fn wrong_world<T>(expected: &str) -> wasmtime::Result<T> {
    Err(wasmtime::Error::msg(format!(
        "ce module n'est pas du monde «{expected}»"
    )))
}
