//! What the host's capabilities draw on. The runtime does not know the
//! storage or the PDF engine: the host hands it these services.

use crate::bindings::v0_1_0::{pdf, record_read, types};
use std::sync::Arc;

/// Read access to the record of one patient: the one a call is about.
/// Implemented by the host's storage; tests use an in-memory one.
pub trait RecordSource: Send + Sync {
    fn patient(&self) -> Result<record_read::Patient, types::Error>;
    fn problems(&self) -> Result<Vec<record_read::Problem>, types::Error>;
    fn allergies(&self) -> Result<Vec<record_read::Allergy>, types::Error>;
    fn treatments(&self) -> Result<Vec<record_read::Treatment>, types::Error>;
    fn vaccinations(&self) -> Result<Vec<record_read::Vaccination>, types::Error>;
    fn measures(&self, limit: u32) -> Result<Vec<record_read::Measure>, types::Error>;
}

/// Value sets and terminologies.
pub trait Terminology: Send + Sync {
    fn lookup(&self, value_set: &str, code: &str) -> Result<Option<types::Coded>, types::Error>;
    fn expand(&self, value_set: &str) -> Result<Vec<types::Coded>, types::Error>;
}

/// Layout to PDF/A-1b.
pub trait PdfRenderer: Send + Sync {
    fn render(&self, layout: &pdf::Layout) -> Result<Vec<u8>, types::Error>;
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
