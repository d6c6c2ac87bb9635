//! The practice's domain, as pure types and rules (no I/O): what a valid
//! patient identity is under the RNIV and INS rules, and the patient's DMP
//! decisions. The store persists these; the API speaks them.

pub mod episode;
pub mod identity;

pub use episode::{DmpConsultation, DmpDecision, DmpFeeding};

pub use identity::{
    BirthDate, Identity, IdentityAttributes, IdentityError, IdentityStatus, Ins, InsOid,
    NewIdentity, Sex,
};
