//! `terminology`: lookups in the value sets the host holds.

use crate::model::{Coded, Error};
use crate::state::HostState;
use esculape_registry::Capability;

pub(crate) fn lookup(
    s: &mut HostState,
    value_set: &str,
    code: &str,
) -> Result<Option<Coded>, Error> {
    s.grant(Capability::Terminology)?;
    s.services.terminology.lookup(value_set, code)
}

pub(crate) fn expand(s: &mut HostState, value_set: &str) -> Result<Vec<Coded>, Error> {
    s.grant(Capability::Terminology)?;
    s.services.terminology.expand(value_set)
}
