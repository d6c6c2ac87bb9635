//! What the host's capabilities draw on. The runtime does not know the
//! storage or the PDF engine: the host hands it these services.

use crate::model::{
    self as types, Allergy, CareTeamMember, DocumentSummary, Encounter, FormValue, LabResult,
    Measure, Patient, Problem, Treatment, Vaccination,
};
use std::sync::Arc;

/// Read access to the record of one patient: the one a call is about.
/// Implemented by the host's storage; tests use an in-memory one (which may
/// leave the lists it has no use for empty).
pub trait RecordSource: Send + Sync {
    fn patient(&self) -> Result<Patient, types::Error>;
    fn problems(&self) -> Result<Vec<Problem>, types::Error>;
    fn allergies(&self) -> Result<Vec<Allergy>, types::Error>;
    fn treatments(&self) -> Result<Vec<Treatment>, types::Error>;
    fn vaccinations(&self) -> Result<Vec<Vaccination>, types::Error>;
    fn measures(&self, limit: u32) -> Result<Vec<Measure>, types::Error>;
    fn care_team(&self) -> Result<Vec<CareTeamMember>, types::Error> {
        Ok(vec![])
    }
    fn encounters(&self, _limit: u32) -> Result<Vec<Encounter>, types::Error> {
        Ok(vec![])
    }
    fn documents(&self) -> Result<Vec<DocumentSummary>, types::Error> {
        Ok(vec![])
    }
    /// The signed form of a document of this patient; `not-found` for any
    /// other document.
    fn signed_form(&self, document_id: &str) -> Result<Option<Vec<FormValue>>, types::Error> {
        Err(types::Error::NotFound(format!(
            "document {document_id} absent du dossier"
        )))
    }
    fn lab_results(&self, _limit: u32) -> Result<Vec<LabResult>, types::Error> {
        Ok(vec![])
    }
}

/// Value sets and terminologies.
pub trait Terminology: Send + Sync {
    fn lookup(&self, value_set: &str, code: &str) -> Result<Option<types::Coded>, types::Error>;
    fn expand(&self, value_set: &str) -> Result<Vec<types::Coded>, types::Error>;
}

/// Layout to PDF/A-1b.
pub trait PdfRenderer: Send + Sync {
    fn render(&self, layout: &types::Layout) -> Result<Vec<u8>, types::Error>;
}

/// The practice's clock.
pub trait Clock: Send + Sync {
    fn now(&self) -> types::Timestamp;
}

/// The services of a runtime. Missing ones answer a clear error.
#[derive(Clone)]
pub struct HostServices {
    pub terminology: Arc<dyn Terminology>,
    pub pdf: Option<Arc<dyn PdfRenderer>>,
    pub clock: Arc<dyn Clock>,
}

impl Default for HostServices {
    fn default() -> Self {
        Self {
            terminology: Arc::new(crate::terminology::ValueSets::default()),
            pdf: None,
            clock: Arc::new(crate::clock::ParisClock),
        }
    }
}

/// Per-call context: what the call is about.
#[derive(Clone, Default)]
pub struct CallContext {
    /// The record of the patient the call is about, if any.
    pub record: Option<Arc<dyn RecordSource>>,
}

impl CallContext {
    pub fn for_patient(record: Arc<dyn RecordSource>) -> Self {
        Self {
            record: Some(record),
        }
    }
}
