//! The practice's domain, as pure types and rules (no I/O): what a valid
//! patient identity is under the RNIV and INS rules, the patient's DMP
//! decisions, the medical record, documents, the agenda and accounts. The
//! store persists these; the API speaks them.

pub mod account;
pub mod agenda;
pub mod biologie;
pub mod calendar;
pub mod cog;
pub mod document;
pub mod episode;
pub mod identity;
pub mod indicateurs;
pub mod record;
pub mod travail;

pub use account::{AccountError, PasswordPolicy, Role, StructureKind};
pub use calendar::{Day, LocalDateTime};
pub use episode::{DmpConsultation, DmpDecision, DmpFeeding};

pub use identity::{
    BirthDate, Identity, IdentityAttributes, IdentityError, IdentityStatus, Ins, InsOid,
    Justificatif, NewIdentity, Sex,
};
