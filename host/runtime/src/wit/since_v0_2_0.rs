//! API 0.2.0 (`wit/since_v0.2.0`), the latest: its types are the host's
//! model, so its host functions call the capabilities as they are.

use super::{Instance, Prepared, WorldLinkers, wrong_world};
use crate::capacites;
use crate::model as m;
use crate::state::HostState;
use esculape_registry::{Capability, World};
use wasmtime::Store;
use wasmtime::component::{Component, HasSelf, Linker};

/// The `identity` world; also generates the host interfaces it imports.
pub mod identity {
    wasmtime::component::bindgen!({
        path: "../../wit/since_v0.2.0",
        world: "esculape:plugin/identity@0.2.0",
    });
}

/// The `document` world; shares the host interfaces of `identity`.
pub mod document {
    wasmtime::component::bindgen!({
        path: "../../wit/since_v0.2.0",
        world: "esculape:plugin/document@0.2.0",
        with: {
            "esculape:host/types@0.2.0": super::identity::esculape::host::types,
            "esculape:host/log@0.2.0": super::identity::esculape::host::log,
            "esculape:host/clock@0.2.0": super::identity::esculape::host::clock,
            "esculape:host/terminology@0.2.0": super::identity::esculape::host::terminology,
        },
    });
}

use document::esculape::host::{pdf, record_read};
use identity::esculape::host::{clock, log, terminology, types};

/// Link one capability's interface of this version.
pub(crate) fn link(linker: &mut Linker<HostState>, cap: &Capability) -> wasmtime::Result<()> {
    type D = HasSelf<HostState>;
    match cap {
        Capability::Log => log::add_to_linker::<HostState, D>(linker, |s| s),
        Capability::Clock => clock::add_to_linker::<HostState, D>(linker, |s| s),
        Capability::Terminology => terminology::add_to_linker::<HostState, D>(linker, |s| s),
        Capability::RecordRead => record_read::add_to_linker::<HostState, D>(linker, |s| s),
        Capability::Pdf => pdf::add_to_linker::<HostState, D>(linker, |s| s),
        Capability::Unknown(_) => Ok(()),
    }
}

/// Link the shared types of this version.
pub(crate) fn link_types(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    types::add_to_linker::<HostState, HasSelf<HostState>>(linker, |s| s)
}

/// Resolve a component against this version's linker of its world.
pub(crate) fn prepare(
    linkers: &WorldLinkers,
    world: World,
    component: &Component,
) -> wasmtime::Result<Box<dyn Prepared>> {
    Ok(match world {
        World::Identity => Box::new(Pre::Identity(identity::IdentityPre::new(
            linkers.identity.instantiate_pre(component)?,
        )?)),
        World::Document => Box::new(Pre::Document(document::DocumentPre::new(
            linkers.document.instantiate_pre(component)?,
        )?)),
    })
}

enum Pre {
    Identity(identity::IdentityPre<HostState>),
    Document(document::DocumentPre<HostState>),
}

impl Prepared for Pre {
    fn instantiate(&self, store: &mut Store<HostState>) -> wasmtime::Result<Box<dyn Instance>> {
        Ok(match self {
            Pre::Identity(p) => Box::new(Bindings::Identity(p.instantiate(store)?)),
            Pre::Document(p) => Box::new(Bindings::Document(p.instantiate(store)?)),
        })
    }
}

enum Bindings {
    Identity(identity::Identity),
    Document(document::Document),
}

impl Bindings {
    fn ir(&self) -> wasmtime::Result<&identity::exports::esculape::plugin::identity_rules::Guest> {
        match self {
            Bindings::Identity(i) => Ok(i.esculape_plugin_identity_rules()),
            Bindings::Document(_) => wrong_world("identity"),
        }
    }
    fn dt(&self) -> wasmtime::Result<&document::exports::esculape::plugin::document_type::Guest> {
        match self {
            Bindings::Document(d) => Ok(d.esculape_plugin_document_type()),
            Bindings::Identity(_) => wrong_world("document"),
        }
    }
}

impl Instance for Bindings {
    fn normalize_traits(
        &self,
        s: &mut Store<HostState>,
        traits: &m::IdentityTraits,
    ) -> wasmtime::Result<Result<m::IdentityTraits, m::Error>> {
        self.ir()?.call_normalize_traits(s, traits)
    }
    fn check_matricule(
        &self,
        s: &mut Store<HostState>,
        matricule: &str,
    ) -> wasmtime::Result<Result<m::MatriculeCheck, m::Error>> {
        self.ir()?.call_check_matricule(s, matricule)
    }
    fn compute_status(
        &self,
        s: &mut Store<HostState>,
        high_trust_document: bool,
        from_insi: bool,
        attributes: m::IdentityAttributes,
    ) -> wasmtime::Result<m::IdentityStatus> {
        self.ir()?
            .call_compute_status(s, high_trust_document, from_insi, attributes)
    }
    fn compare(
        &self,
        s: &mut Store<HostState>,
        local: &m::IdentityTraits,
        local_ins: Option<&m::Ins>,
        insi: &m::IdentityTraits,
        insi_ins: &m::Ins,
    ) -> wasmtime::Result<Result<m::Comparison, m::Error>> {
        self.ir()?.call_compare(s, local, local_ins, insi, insi_ins)
    }
    fn verification_due(
        &self,
        s: &mut Store<HostState>,
        status: m::IdentityStatus,
        ins: Option<&m::Ins>,
        last_checked: Option<m::Date>,
        today: m::Date,
    ) -> wasmtime::Result<bool> {
        self.ir()?
            .call_verification_due(s, status, ins, last_checked, today)
    }
    fn describe(&self, s: &mut Store<HostState>) -> wasmtime::Result<m::Description> {
        self.dt()?.call_describe(s)
    }
    fn form_schema(&self, s: &mut Store<HostState>) -> wasmtime::Result<Vec<m::Field>> {
        self.dt()?.call_form_schema(s)
    }
    fn prefill(
        &self,
        s: &mut Store<HostState>,
    ) -> wasmtime::Result<Result<Vec<m::FormValue>, m::Error>> {
        self.dt()?.call_prefill(s)
    }
    fn produce(
        &self,
        s: &mut Store<HostState>,
        ctx: &m::Context,
        values: &[m::FormValue],
    ) -> wasmtime::Result<Result<m::Produced, m::Error>> {
        self.dt()?.call_produce(s, ctx, values)
    }
    fn read(
        &self,
        s: &mut Store<HostState>,
        cda: &[u8],
    ) -> wasmtime::Result<Result<m::Received, m::Error>> {
        self.dt()?.call_read(s, cda)
    }
}

impl types::Host for HostState {}

impl log::Host for HostState {
    fn write(&mut self, level: log::Level, message: String) -> Result<(), m::Error> {
        capacites::log::write(self, level, message)
    }
}

impl clock::Host for HostState {
    fn now(&mut self) -> Result<m::Timestamp, m::Error> {
        capacites::clock::now(self)
    }
    fn today(&mut self) -> Result<m::Date, m::Error> {
        capacites::clock::today(self)
    }
    fn local_time(&mut self, day: m::Date, minutes: u16) -> Result<m::Timestamp, m::Error> {
        capacites::clock::local_time(self, &day, minutes)
    }
}

impl terminology::Host for HostState {
    fn lookup(&mut self, value_set: String, code: String) -> Result<Option<m::Coded>, m::Error> {
        capacites::terminology::lookup(self, &value_set, &code)
    }
    fn expand(&mut self, value_set: String) -> Result<Vec<m::Coded>, m::Error> {
        capacites::terminology::expand(self, &value_set)
    }
}

impl record_read::Host for HostState {
    fn current_patient(&mut self) -> Result<m::Patient, m::Error> {
        capacites::record_read::patient(self)
    }
    fn problems(&mut self) -> Result<Vec<m::Problem>, m::Error> {
        capacites::record_read::problems(self)
    }
    fn allergies(&mut self) -> Result<Vec<m::Allergy>, m::Error> {
        capacites::record_read::allergies(self)
    }
    fn treatments(&mut self) -> Result<Vec<m::Treatment>, m::Error> {
        capacites::record_read::treatments(self)
    }
    fn vaccinations(&mut self) -> Result<Vec<m::Vaccination>, m::Error> {
        capacites::record_read::vaccinations(self)
    }
    fn measures(&mut self, limit: u32) -> Result<Vec<m::Measure>, m::Error> {
        capacites::record_read::measures(self, limit)
    }
    fn care_team(&mut self) -> Result<Vec<m::CareTeamMember>, m::Error> {
        capacites::record_read::care_team(self)
    }
    fn encounters(&mut self, limit: u32) -> Result<Vec<m::Encounter>, m::Error> {
        capacites::record_read::encounters(self, limit)
    }
    fn documents(&mut self) -> Result<Vec<m::DocumentSummary>, m::Error> {
        capacites::record_read::documents(self)
    }
    fn signed_form(&mut self, document_id: String) -> Result<Option<Vec<m::FormValue>>, m::Error> {
        capacites::record_read::signed_form(self, &document_id)
    }
    fn lab_results(&mut self, limit: u32) -> Result<Vec<m::LabResult>, m::Error> {
        capacites::record_read::lab_results(self, limit)
    }
}

impl pdf::Host for HostState {
    fn render(&mut self, layout: m::Layout) -> Result<Vec<u8>, m::Error> {
        capacites::pdf::render(self, &layout)
    }
}
