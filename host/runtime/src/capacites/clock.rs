//! `clock`: the practice's time, the plugins' only source of it.

use crate::model::{Date, Error, Timestamp};
use crate::state::HostState;
use esculape_registry::Capability;

pub(crate) fn now(s: &mut HostState) -> Result<Timestamp, Error> {
    s.grant(Capability::Clock)?;
    Ok(s.services.clock.now())
}

pub(crate) fn today(s: &mut HostState) -> Result<Date, Error> {
    s.grant(Capability::Clock)?;
    Ok(crate::clock::local_date(&s.services.clock.now()))
}

pub(crate) fn local_time(s: &mut HostState, day: &Date, minutes: u16) -> Result<Timestamp, Error> {
    s.grant(Capability::Clock)?;
    if minutes >= 24 * 60 {
        return Err(Error::InvalidInput(format!(
            "{minutes} minutes : une heure de la journée va de 0 à 1439"
        )));
    }
    crate::clock::local_time(day, minutes).ok_or_else(|| {
        Error::InvalidInput(format!(
            "{:04}-{:02}-{:02} n'est pas une date",
            day.year, day.month, day.day
        ))
    })
}
