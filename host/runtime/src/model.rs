//! The host's model of what crosses the plugin boundary: the latest API
//! version's types under names that carry no version (as Zed's host works
//! on `latest`). Host code uses these; a plugin built against an older
//! version has its calls adapted to them by its version module.

pub use crate::wit::latest::document::esculape::host::pdf::{Block, Layout};
pub use crate::wit::latest::document::esculape::host::record_read::{
    Allergy, CareTeamMember, DocumentSummary, Encounter, LabResult, Measure, Patient, Problem,
    Provenance, Treatment, Vaccination,
};
pub use crate::wit::latest::document::exports::esculape::plugin::document_type::{
    Author, CdaLevel, Context, Description, Field, FieldKind, Identifier, Produced, Proposal,
    Received, ReceivedHeader, RecordUpdate, ScalarKind, Sharing, SubField,
};
pub use crate::wit::latest::identity::esculape::host::log::Level;
pub use crate::wit::latest::identity::esculape::host::types::{
    Address, Coded, Date, Error, FieldValue, FormValue, IdentityAttributes, IdentityStatus,
    IdentityTraits, Ins, ItemValue, Scalar, Sex, Telecom, TelecomKind, Timestamp,
};
pub use crate::wit::latest::identity::exports::esculape::plugin::identity_rules::{
    Comparison, MatriculeCheck, TraitComparison,
};
