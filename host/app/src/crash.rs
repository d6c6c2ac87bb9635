//! Crash points for the crash tests: `ESCULAPE_POINT_DE_CRASH=<name>`
//! makes the process abort (no unwinding, no destructors, no flush: as
//! `kill -9`) when it reaches that point, right after a persisted step.
//! Unset, a point costs one comparison.

use std::sync::OnceLock;

/// Die here if this point was named.
pub fn point(nom: &str) {
    static CHOISI: OnceLock<Option<String>> = OnceLock::new();
    let choisi = CHOISI.get_or_init(|| std::env::var("ESCULAPE_POINT_DE_CRASH").ok());
    if choisi.as_deref() == Some(nom) {
        eprintln!("point de crash atteint : {nom}");
        std::process::abort();
    }
}
