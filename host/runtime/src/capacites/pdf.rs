//! `pdf`: a layout rendered into PDF/A-1b by the host.

use crate::model::{Error, Layout};
use crate::state::HostState;
use esculape_registry::Capability;

pub(crate) fn render(s: &mut HostState, layout: &Layout) -> Result<Vec<u8>, Error> {
    s.grant(Capability::Pdf)?;
    match &s.services.pdf {
        Some(renderer) => renderer.render(layout),
        None => Err(Error::Internal(
            "aucun moteur PDF n'est configuré dans cet hôte".into(),
        )),
    }
}
