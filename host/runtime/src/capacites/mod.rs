//! The host capabilities, one module each (as Spin's factors): each checks
//! its own grant before doing anything, says which worlds offer it (the part
//! of a manifest it validates), and is linked by every API version module
//! into the worlds that import it. The functions here speak the model's
//! types; older API versions convert around them.

pub(crate) mod clock;
pub(crate) mod log;
pub(crate) mod pdf;
pub(crate) mod record_read;
pub(crate) mod terminology;

use esculape_registry::{Capability, Manifest, World};

/// The worlds that import a capability: only their plugins may declare it.
pub fn mondes(cap: &Capability) -> &'static [World] {
    match cap {
        Capability::Log | Capability::Clock | Capability::Terminology => {
            &[World::Identity, World::Document]
        }
        Capability::RecordRead | Capability::Pdf => &[World::Document],
        Capability::Unknown(_) => &[],
    }
}

/// The capabilities a world imports, linked in that order.
pub fn du_monde(world: World) -> Vec<Capability> {
    Capability::ALL
        .into_iter()
        .filter(|c| mondes(c).contains(&world))
        .collect()
}

/// A manifest's capabilities against its world: a capability its world
/// does not import could never be called, and says the manifest is wrong.
pub fn valider(manifest: &Manifest) -> Result<(), String> {
    for cap in &manifest.capabilities {
        if matches!(cap, Capability::Unknown(_)) {
            // Left to the policy, which grants no unknown capability.
            continue;
        }
        if !mondes(cap).contains(&manifest.world) {
            return Err(format!(
                "la capacité «{cap}» n'existe pas dans le monde «{}»",
                manifest.world
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_identity_world_reads_no_record() {
        assert!(!du_monde(World::Identity).contains(&Capability::RecordRead));
        assert!(du_monde(World::Document).contains(&Capability::RecordRead));
        assert_eq!(du_monde(World::Document).len(), 5);
    }
}
