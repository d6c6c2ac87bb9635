//! Every parser of outside input, fuzzed for a bounded time
//! (`ESCULAPE_FUZZ_SECONDES`, 3 s by default; `cargo xtask fuzz --minutes N`
//! for longer): zero panics. The seeds themselves are parsed first; the
//! report (executions, distinct outcomes) is printed with `--nocapture`.

use esculape_fuzz::{Cible, cibles, fuzzer, garder};
use std::time::Duration;

fn une(nom: &str) {
    let secondes: f64 = std::env::var("ESCULAPE_FUZZ_SECONDES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3.0);
    let graine: u64 = std::env::var("ESCULAPE_FUZZ_GRAINE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| fastrand_graine(nom));
    let toutes = cibles();
    let cible: &Cible = toutes.iter().find(|c| c.nom == nom).expect("cible");
    assert!(
        !(cible.graines)().is_empty(),
        "{nom}: aucune graine (../shared/testdata absent ?)"
    );
    let r = fuzzer(cible, Duration::from_secs_f64(secondes), graine);
    println!("{r}");
    let gardees: Vec<String> = r
        .paniques
        .iter()
        .map(|p| {
            let ou = garder(nom, &p.entree)
                .map(|c| c.display().to_string())
                .unwrap_or_default();
            format!("{}\n  entrée: {ou}", p.message)
        })
        .collect();
    assert!(gardees.is_empty(), "{nom}: {}", gardees.join("\n"));
    // the run went past the seeds: the mutations reached the parser
    assert!(r.executions > (cible.graines)().len() as u64, "{r}");
    assert!(r.issues >= 2, "{nom}: toujours la même issue: {r}");
}

/// A different seed each run (printed in the report, to replay it with
/// `ESCULAPE_FUZZ_GRAINE`).
fn fastrand_graine(nom: &str) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write(nom.as_bytes());
    h.finish()
}

#[test]
fn cda() {
    une("cda")
}
#[test]
fn xdm() {
    une("xdm")
}
#[test]
fn mss() {
    une("mss")
}
#[test]
fn insi() {
    une("insi")
}
#[test]
fn export() {
    une("export")
}
#[test]
fn sauvegarde() {
    une("sauvegarde")
}
#[test]
fn gs1() {
    une("gs1")
}
#[test]
fn datamatrix() {
    une("datamatrix")
}
#[test]
fn paquet() {
    une("paquet")
}

#[test]
fn every_target_has_its_test() {
    let noms: Vec<_> = cibles().iter().map(|c| c.nom).collect();
    let source = include_str!("fuzz.rs");
    for n in noms {
        assert!(source.contains(&format!("une(\"{n}\")")), "{n} sans test");
    }
}
