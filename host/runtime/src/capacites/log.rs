//! `log`: lines into the host's log, tagged with the plugin, within a
//! per-call budget.

use crate::model::{Error, Level};
use crate::state::HostState;
use esculape_registry::Capability;
use std::sync::atomic::Ordering;

/// Longest log line kept; longer ones are cut.
pub const MAX_LOG_LINE: usize = 4 * 1024;

pub(crate) fn write(s: &mut HostState, level: Level, message: String) -> Result<(), Error> {
    s.grant(Capability::Log)?;
    let mut message = message;
    if message.len() > MAX_LOG_LINE {
        let mut cut = MAX_LOG_LINE;
        while !message.is_char_boundary(cut) {
            cut -= 1;
        }
        message.truncate(cut);
        message.push('…');
    }
    if message.len() > s.log_budget {
        s.plugin.log_dropped.fetch_add(1, Ordering::Relaxed);
        return Err(Error::Limit("journal: quota de cet appel atteint".into()));
    }
    s.log_budget -= message.len();
    s.plugin
        .log_bytes
        .fetch_add(message.len() as u64, Ordering::Relaxed);
    let id = &s.plugin.id;
    match level {
        Level::Trace => tracing::trace!(plugin = %id, "{message}"),
        Level::Debug => tracing::debug!(plugin = %id, "{message}"),
        Level::Info => tracing::info!(plugin = %id, "{message}"),
        Level::Warn => tracing::warn!(plugin = %id, "{message}"),
        Level::Error => tracing::error!(plugin = %id, "{message}"),
    }
    Ok(())
}
