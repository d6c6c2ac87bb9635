//! API 0.1.0 (`wit/since_v0.1.0`): its plugins keep working, adapted to the
//! latest. Host functions convert their arguments and answers around the
//! capabilities; exports convert the host's model into this version's types
//! and the plugin's answers back. What 0.1.0 could not say is filled in:
//! form values were one JSON text per field (typed here with the plugin's
//! own schema), a produced document had no sharing information (normal
//! confidentiality, may feed the DMP) and no record updates (the measures
//! of the form's `poids`, `taille`, `perimetre_cranien` keys, taken on its
//! `date_examen` or `date`, as the host used to read them).

use super::{Instance, Prepared, WorldLinkers, wrong_world};
use crate::capacites;
use crate::formulaire;
use crate::model as m;
use crate::state::HostState;
use esculape_registry::{Capability, World};
use wasmtime::Store;
use wasmtime::component::{Component, HasSelf, Linker};

/// The `identity` world; also generates the host interfaces it imports.
pub mod identity {
    wasmtime::component::bindgen!({
        path: "../../wit/since_v0.1.0",
        world: "esculape:plugin/identity@0.1.0",
    });
}

/// The `document` world; shares the host interfaces of `identity`.
pub mod document {
    wasmtime::component::bindgen!({
        path: "../../wit/since_v0.1.0",
        world: "esculape:plugin/document@0.1.0",
        with: {
            "esculape:host/types@0.1.0": super::identity::esculape::host::types,
            "esculape:host/log@0.1.0": super::identity::esculape::host::log,
            "esculape:host/clock@0.1.0": super::identity::esculape::host::clock,
            "esculape:host/terminology@0.1.0": super::identity::esculape::host::terminology,
        },
    });
}

use document::esculape::host::{pdf, record_read as rr};
use document::exports::esculape::plugin::document_type as dt;
use identity::esculape::host::{clock, log, terminology, types as t};
use identity::exports::esculape::plugin::identity_rules as ir;

/// A conversion between this version's types and the model's.
trait Conv<T> {
    fn conv(self) -> T;
}

macro_rules! same {
    ($($ty:ty),*) => { $(impl Conv<$ty> for $ty { fn conv(self) -> $ty { self } })* };
}
same!(String, bool, u8, u16, u32, i16, i64, f64);

impl<A: Conv<B>, B> Conv<Option<B>> for Option<A> {
    fn conv(self) -> Option<B> {
        self.map(Conv::conv)
    }
}
impl<A: Conv<B>, B> Conv<Vec<B>> for Vec<A> {
    fn conv(self) -> Vec<B> {
        self.into_iter().map(Conv::conv).collect()
    }
}
impl<A: Conv<B>, B, C: Conv<D>, D> Conv<(B, D)> for (A, C) {
    fn conv(self) -> (B, D) {
        (self.0.conv(), self.1.conv())
    }
}

macro_rules! both {
    ($a:path, $b:path { $($f:ident),* }) => {
        impl Conv<$b> for $a { fn conv(self) -> $b { let x = self; $b { $($f: x.$f.conv()),* } } }
        impl Conv<$a> for $b { fn conv(self) -> $a { let x = self; $a { $($f: x.$f.conv()),* } } }
    };
}
/// This version's record into the model's (`up`), or the model's into
/// this version's (`down`).
macro_rules! one_way {
    ($a:path => $b:path { $($f:ident),* }) => {
        impl Conv<$b> for $a { fn conv(self) -> $b { let x = self; $b { $($f: x.$f.conv()),* } } }
    };
}
macro_rules! enums {
    ($a:ident :: *, $b:ident :: * { $($v:ident),* }) => {
        impl Conv<$b> for $a { fn conv(self) -> $b { match self { $($a::$v => $b::$v),* } } }
        impl Conv<$a> for $b { fn conv(self) -> $a { match self { $($b::$v => $a::$v),* } } }
    };
}

both!(
    t::Coded,
    m::Coded {
        code,
        code_system,
        code_system_name,
        display
    }
);
both!(t::Date, m::Date { year, month, day });
both!(
    t::Timestamp,
    m::Timestamp {
        unix_millis,
        utc_offset_minutes
    }
);
both!(t::Ins, m::Ins { matricule, oid });
both!(
    t::IdentityTraits,
    m::IdentityTraits {
        birth_name,
        used_name,
        birth_first_names,
        used_first_name,
        sex,
        birth_date,
        birth_place_cog
    }
);
use m::{CdaLevel as MCdaLevel, IdentityStatus as MStatus, Level as MLevel, Sex as MSex};
use t::{IdentityStatus as TStatus, Sex as TSex};
enums!(TSex::*, MSex::* { Female, Male, Unknown });
enums!(TStatus::*, MStatus::* { Provisoire, Recuperee, Validee, Qualifiee });
use log::Level as TLevel;
enums!(TLevel::*, MLevel::* { Trace, Debug, Info, Warn, Error });
use dt::CdaLevel as TCdaLevel;
enums!(TCdaLevel::*, MCdaLevel::* { N1, N3 });

impl Conv<m::IdentityAttributes> for t::IdentityAttributes {
    fn conv(self) -> m::IdentityAttributes {
        let mut a = m::IdentityAttributes::empty();
        for (from, to) in [
            (
                t::IdentityAttributes::HOMONYME,
                m::IdentityAttributes::HOMONYME,
            ),
            (
                t::IdentityAttributes::DOUTEUSE,
                m::IdentityAttributes::DOUTEUSE,
            ),
            (
                t::IdentityAttributes::FICTIVE,
                m::IdentityAttributes::FICTIVE,
            ),
        ] {
            if self.contains(from) {
                a |= to;
            }
        }
        a
    }
}
impl Conv<t::IdentityAttributes> for m::IdentityAttributes {
    fn conv(self) -> t::IdentityAttributes {
        let mut a = t::IdentityAttributes::empty();
        for (from, to) in [
            (
                m::IdentityAttributes::HOMONYME,
                t::IdentityAttributes::HOMONYME,
            ),
            (
                m::IdentityAttributes::DOUTEUSE,
                t::IdentityAttributes::DOUTEUSE,
            ),
            (
                m::IdentityAttributes::FICTIVE,
                t::IdentityAttributes::FICTIVE,
            ),
        ] {
            if self.contains(from) {
                a |= to;
            }
        }
        a
    }
}

impl Conv<m::Error> for t::Error {
    fn conv(self) -> m::Error {
        match self {
            t::Error::Denied(s) => m::Error::Denied(s),
            t::Error::InvalidInput(s) => m::Error::InvalidInput(s),
            t::Error::NotFound(s) => m::Error::NotFound(s),
            t::Error::Limit(s) => m::Error::Limit(s),
            t::Error::Internal(s) => m::Error::Internal(s),
        }
    }
}
impl Conv<t::Error> for m::Error {
    fn conv(self) -> t::Error {
        match self {
            m::Error::Denied(s) => t::Error::Denied(s),
            m::Error::InvalidInput(s) => t::Error::InvalidInput(s),
            m::Error::NotFound(s) => t::Error::NotFound(s),
            m::Error::Limit(s) => t::Error::Limit(s),
            m::Error::Internal(s) => t::Error::Internal(s),
        }
    }
}
impl<A: Conv<B>, B, E: Conv<F>, F> Conv<Result<B, F>> for Result<A, E> {
    fn conv(self) -> Result<B, F> {
        match self {
            Ok(a) => Ok(a.conv()),
            Err(e) => Err(e.conv()),
        }
    }
}
impl Conv<()> for () {
    fn conv(self) {}
}

// record-read answers, model → 0.1.0 (the address and telecoms of 0.2.0
// have no place here).
impl Conv<rr::Patient> for m::Patient {
    fn conv(self) -> rr::Patient {
        rr::Patient {
            id: self.id,
            traits: self.traits.conv(),
            ins: self.ins.conv(),
            status: self.status.conv(),
            attributes: self.attributes.conv(),
        }
    }
}
one_way!(m::Problem => rr::Problem { code, text, active, onset, end });
one_way!(m::Allergy => rr::Allergy { substance, text, reaction });
one_way!(m::Treatment => rr::Treatment { medication, text, posology, start, end, long_term });
one_way!(m::Vaccination => rr::Vaccination { vaccine, text, date, lot });
one_way!(m::Measure => rr::Measure { code, value, unit, at });

// Layouts, 0.1.0 → model (a 0.1.0 plugin's produced layout or render call).
impl Conv<m::Block> for pdf::Block {
    fn conv(self) -> m::Block {
        match self {
            pdf::Block::Heading(h) => m::Block::Heading(h.conv()),
            pdf::Block::Paragraph(p) => m::Block::Paragraph(p),
            pdf::Block::Table(x) => m::Block::Table(x.conv()),
            pdf::Block::Datamatrix(x) => m::Block::Datamatrix(x.conv()),
            pdf::Block::PageBreak => m::Block::PageBreak,
        }
    }
}
one_way!(pdf::Layout => m::Layout { title, author, blocks });

// The exports' types.
one_way!(dt::Description => m::Description {
    type_code, class_code, format_code, template_ids, level, volet, title
});
one_way!(m::Context => dt::Context {
    author_rpps, author_given, author_family, author_profession, author_specialty,
    organization_id, organization_name, facility_type, practice_setting,
    document_id, set_id, version_number, effective_time
});
one_way!(ir::MatriculeCheck => m::MatriculeCheck { well_formed, key_valid, expected_key, nia });
one_way!(ir::TraitComparison => m::TraitComparison { name, local_value, insi_value, matches });
one_way!(ir::Comparison => m::Comparison { traits, automatic_recovery });

/// 0.1.0 fields: a repeated field named only its sub-fields' keys; they
/// become sub-fields of no declared kind (text, which keeps numbers as given).
impl Conv<m::Field> for dt::Field {
    fn conv(self) -> m::Field {
        let scalar = |k| m::FieldKind::Scalar(k);
        let kind = match self.kind {
            dt::FieldKind::Text => scalar(m::ScalarKind::Text),
            dt::FieldKind::LongText => scalar(m::ScalarKind::LongText),
            dt::FieldKind::Date => scalar(m::ScalarKind::Date),
            dt::FieldKind::Number => scalar(m::ScalarKind::Number),
            dt::FieldKind::Boolean => scalar(m::ScalarKind::Boolean),
            dt::FieldKind::Coded(vs) => scalar(m::ScalarKind::Coded(vs)),
            dt::FieldKind::Repeated(keys) => m::FieldKind::Repeated(
                keys.into_iter()
                    .map(|key| m::SubField {
                        label: key.clone(),
                        key,
                        kind: m::ScalarKind::Text,
                        required: false,
                    })
                    .collect(),
            ),
        };
        m::Field {
            key: self.key,
            label: self.label,
            kind,
            required: self.required,
            help: self.help,
        }
    }
}

fn json_values(values: &[m::FormValue]) -> Vec<dt::FormValue> {
    values
        .iter()
        .map(|v| dt::FormValue {
            key: v.key.clone(),
            json: formulaire::valeur_json(&v.value).to_string(),
        })
        .collect()
}

fn typed_values(schema: &[m::Field], values: Vec<dt::FormValue>) -> Vec<m::FormValue> {
    let map: serde_json::Map<String, serde_json::Value> = values
        .into_iter()
        .filter_map(|v| Some((v.key, serde_json::from_str(&v.json).ok()?)))
        .collect();
    formulaire::depuis_json_souple(schema, &map)
}

/// The measures a 0.1.0 form carried by key convention, as record updates.
fn measures_of_form(values: &[m::FormValue]) -> Vec<m::RecordUpdate> {
    use esculape_domain::record::MeasureKind;
    let scalar = |key: &str| {
        values.iter().find_map(|v| match &v.value {
            m::FieldValue::Scalar(s) if v.key == key => Some(s.clone()),
            _ => None,
        })
    };
    let Some(day) = ["date_examen", "date"]
        .iter()
        .find_map(|k| match scalar(k)? {
            m::Scalar::Date(d) => Some(d),
            m::Scalar::Text(s) => esculape_domain::Day::parse(&s).ok().map(|d| m::Date {
                year: d.year as u16,
                month: d.month as u8,
                day: d.day as u8,
            }),
            _ => None,
        })
    else {
        return vec![];
    };
    let Some(at) = crate::clock::noon(&day) else {
        return vec![];
    };
    [
        ("poids", MeasureKind::Poids),
        ("taille", MeasureKind::Taille),
        ("perimetre_cranien", MeasureKind::PerimetreCranien),
    ]
    .into_iter()
    .filter_map(|(key, kind)| {
        let value = match scalar(key)? {
            m::Scalar::Number(n) => n,
            m::Scalar::Text(s) => s.trim().replace(',', ".").parse().ok()?,
            _ => return None,
        };
        Some(m::RecordUpdate::Measure(m::Measure {
            code: m::Coded {
                code: kind.loinc().into(),
                code_system: esculape_identifiants::oid::LOINC.into(),
                code_system_name: Some("LOINC".into()),
                display: Some(kind.code().into()),
            },
            value,
            unit: kind.unit().into(),
            at,
        }))
    })
    .collect()
}

/// What 0.1.0 documents share: normal confidentiality, the DMP allowed.
fn default_sharing() -> m::Sharing {
    m::Sharing {
        confidentiality: m::Coded {
            code: "N".into(),
            code_system: "2.16.840.1.113883.5.25".into(),
            code_system_name: Some("Confidentiality".into()),
            display: Some("Normal".into()),
        },
        dmp: true,
        event_codes: vec![],
    }
}

fn identifier(ext_or_root: String) -> m::Identifier {
    m::Identifier {
        root: ext_or_root,
        extension: None,
    }
}

impl Conv<m::Received> for dt::ReadDocument {
    fn conv(self) -> m::Received {
        m::Received {
            header: m::ReceivedHeader {
                type_code: self.type_code.conv(),
                title: self.title,
                document_id: self.document_id.map(identifier),
                set_id: self.set_id.map(identifier),
                version_number: self.version_number,
                effective_time: self.effective_time,
                confidentiality: None,
                authors: vec![],
                patient_ids: vec![],
                patient_name: None,
                patient_birth_date: None,
                service_start: None,
                service_stop: None,
            },
            sections: self.sections,
            proposals: vec![],
            warnings: self.warnings,
        }
    }
}

/// Link one capability's interface of this version.
pub(crate) fn link(linker: &mut Linker<HostState>, cap: &Capability) -> wasmtime::Result<()> {
    type D = HasSelf<HostState>;
    match cap {
        Capability::Log => log::add_to_linker::<HostState, D>(linker, |s| s),
        Capability::Clock => clock::add_to_linker::<HostState, D>(linker, |s| s),
        Capability::Terminology => terminology::add_to_linker::<HostState, D>(linker, |s| s),
        Capability::RecordRead => rr::add_to_linker::<HostState, D>(linker, |s| s),
        Capability::Pdf => pdf::add_to_linker::<HostState, D>(linker, |s| s),
        Capability::Unknown(_) => Ok(()),
    }
}

/// Link the shared types of this version.
pub(crate) fn link_types(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    t::add_to_linker::<HostState, HasSelf<HostState>>(linker, |s| s)
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
    fn ir(&self) -> wasmtime::Result<&ir::Guest> {
        match self {
            Bindings::Identity(i) => Ok(i.esculape_plugin_identity_rules()),
            Bindings::Document(_) => wrong_world("identity"),
        }
    }
    fn dt(&self) -> wasmtime::Result<&dt::Guest> {
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
        let traits: t::IdentityTraits = traits.clone().conv();
        Ok(self.ir()?.call_normalize_traits(s, &traits)?.conv())
    }
    fn check_matricule(
        &self,
        s: &mut Store<HostState>,
        matricule: &str,
    ) -> wasmtime::Result<Result<m::MatriculeCheck, m::Error>> {
        Ok(self.ir()?.call_check_matricule(s, matricule)?.conv())
    }
    fn compute_status(
        &self,
        s: &mut Store<HostState>,
        high_trust_document: bool,
        from_insi: bool,
        attributes: m::IdentityAttributes,
    ) -> wasmtime::Result<m::IdentityStatus> {
        Ok(self
            .ir()?
            .call_compute_status(s, high_trust_document, from_insi, attributes.conv())?
            .conv())
    }
    fn compare(
        &self,
        s: &mut Store<HostState>,
        local: &m::IdentityTraits,
        local_ins: Option<&m::Ins>,
        insi: &m::IdentityTraits,
        insi_ins: &m::Ins,
    ) -> wasmtime::Result<Result<m::Comparison, m::Error>> {
        let local: t::IdentityTraits = local.clone().conv();
        let local_ins: Option<t::Ins> = local_ins.cloned().conv();
        let insi: t::IdentityTraits = insi.clone().conv();
        let insi_ins: t::Ins = insi_ins.clone().conv();
        Ok(self
            .ir()?
            .call_compare(s, &local, local_ins.as_ref(), &insi, &insi_ins)?
            .conv())
    }
    fn verification_due(
        &self,
        s: &mut Store<HostState>,
        status: m::IdentityStatus,
        ins: Option<&m::Ins>,
        last_checked: Option<m::Date>,
        today: m::Date,
    ) -> wasmtime::Result<bool> {
        let ins: Option<t::Ins> = ins.cloned().conv();
        self.ir()?.call_verification_due(
            s,
            status.conv(),
            ins.as_ref(),
            last_checked.conv(),
            today.conv(),
        )
    }
    fn describe(&self, s: &mut Store<HostState>) -> wasmtime::Result<m::Description> {
        Ok(self.dt()?.call_describe(s)?.conv())
    }
    fn form_schema(&self, s: &mut Store<HostState>) -> wasmtime::Result<Vec<m::Field>> {
        Ok(self.dt()?.call_form_schema(s)?.conv())
    }
    fn prefill(
        &self,
        s: &mut Store<HostState>,
    ) -> wasmtime::Result<Result<Vec<m::FormValue>, m::Error>> {
        let schema: Vec<m::Field> = self.dt()?.call_form_schema(&mut *s)?.conv();
        Ok(match self.dt()?.call_prefill(s)? {
            Ok(values) => Ok(typed_values(&schema, values)),
            Err(e) => Err(e.conv()),
        })
    }
    fn produce(
        &self,
        s: &mut Store<HostState>,
        ctx: &m::Context,
        values: &[m::FormValue],
    ) -> wasmtime::Result<Result<m::Produced, m::Error>> {
        let context: dt::Context = ctx.clone().conv();
        Ok(
            match self.dt()?.call_produce(s, &context, &json_values(values))? {
                Ok(p) => Ok(m::Produced {
                    cda: p.cda,
                    layout: p.layout.conv(),
                    notices: p.notices,
                    sharing: default_sharing(),
                    record_updates: measures_of_form(values),
                }),
                Err(e) => Err(e.conv()),
            },
        )
    }
    fn read(
        &self,
        s: &mut Store<HostState>,
        cda: &[u8],
    ) -> wasmtime::Result<Result<m::Received, m::Error>> {
        Ok(self.dt()?.call_read(s, cda)?.conv())
    }
}

impl t::Host for HostState {}

impl log::Host for HostState {
    fn write(&mut self, level: log::Level, message: String) -> Result<(), t::Error> {
        capacites::log::write(self, level.conv(), message).conv()
    }
}

impl clock::Host for HostState {
    fn now(&mut self) -> Result<t::Timestamp, t::Error> {
        capacites::clock::now(self).conv()
    }
    fn today(&mut self) -> Result<t::Date, t::Error> {
        capacites::clock::today(self).conv()
    }
}

impl terminology::Host for HostState {
    fn lookup(&mut self, value_set: String, code: String) -> Result<Option<t::Coded>, t::Error> {
        capacites::terminology::lookup(self, &value_set, &code).conv()
    }
    fn expand(&mut self, value_set: String) -> Result<Vec<t::Coded>, t::Error> {
        capacites::terminology::expand(self, &value_set).conv()
    }
}

impl rr::Host for HostState {
    fn current_patient(&mut self) -> Result<rr::Patient, t::Error> {
        capacites::record_read::patient(self).conv()
    }
    fn problems(&mut self) -> Result<Vec<rr::Problem>, t::Error> {
        capacites::record_read::problems(self).conv()
    }
    fn allergies(&mut self) -> Result<Vec<rr::Allergy>, t::Error> {
        capacites::record_read::allergies(self).conv()
    }
    fn treatments(&mut self) -> Result<Vec<rr::Treatment>, t::Error> {
        capacites::record_read::treatments(self).conv()
    }
    fn vaccinations(&mut self) -> Result<Vec<rr::Vaccination>, t::Error> {
        capacites::record_read::vaccinations(self).conv()
    }
    fn measures(&mut self, limit: u32) -> Result<Vec<rr::Measure>, t::Error> {
        capacites::record_read::measures(self, limit).conv()
    }
}

impl pdf::Host for HostState {
    fn render(&mut self, layout: pdf::Layout) -> Result<Vec<u8>, t::Error> {
        capacites::pdf::render(self, &layout.conv()).conv()
    }
}
