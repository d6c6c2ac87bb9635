//! `record-read`: the record of the one patient the current call is about
//! (the host scopes and traces it; a plugin cannot name another patient).

use crate::model::{
    Allergy, CareTeamMember, DocumentSummary, Encounter, Error, FormValue, LabResult, Measure,
    Patient, Problem, Treatment, Vaccination,
};
use crate::services::RecordSource;
use crate::state::HostState;
use esculape_registry::Capability;

/// Longest list a plugin may ask for in one call.
const MAX_LIMIT: u32 = 10_000;

fn record(s: &HostState) -> Result<&dyn RecordSource, Error> {
    s.grant(Capability::RecordRead)?;
    s.call
        .record
        .as_deref()
        .ok_or_else(|| Error::NotFound("aucun patient n'est associé à cet appel".into()))
}

pub(crate) fn patient(s: &HostState) -> Result<Patient, Error> {
    record(s)?.patient()
}
pub(crate) fn problems(s: &HostState) -> Result<Vec<Problem>, Error> {
    record(s)?.problems()
}
pub(crate) fn allergies(s: &HostState) -> Result<Vec<Allergy>, Error> {
    record(s)?.allergies()
}
pub(crate) fn treatments(s: &HostState) -> Result<Vec<Treatment>, Error> {
    record(s)?.treatments()
}
pub(crate) fn vaccinations(s: &HostState) -> Result<Vec<Vaccination>, Error> {
    record(s)?.vaccinations()
}
pub(crate) fn measures(s: &HostState, limit: u32) -> Result<Vec<Measure>, Error> {
    record(s)?.measures(limit.min(MAX_LIMIT))
}
pub(crate) fn care_team(s: &HostState) -> Result<Vec<CareTeamMember>, Error> {
    record(s)?.care_team()
}
pub(crate) fn encounters(s: &HostState, limit: u32) -> Result<Vec<Encounter>, Error> {
    record(s)?.encounters(limit.min(MAX_LIMIT))
}
pub(crate) fn documents(s: &HostState) -> Result<Vec<DocumentSummary>, Error> {
    record(s)?.documents()
}
pub(crate) fn signed_form(
    s: &HostState,
    document_id: &str,
) -> Result<Option<Vec<FormValue>>, Error> {
    if document_id.len() > 256 {
        return Err(Error::InvalidInput(
            "identifiant de document trop long".into(),
        ));
    }
    record(s)?.signed_form(document_id)
}
pub(crate) fn lab_results(s: &HostState, limit: u32) -> Result<Vec<LabResult>, Error> {
    record(s)?.lab_results(limit.min(MAX_LIMIT))
}
