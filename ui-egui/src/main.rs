//! The Esculape desktop client (egui). It arrives with the desktop client
//! issue; until then this binary says so instead of pretending.

fn main() {
    eprintln!(
        "Le client de bureau Esculape n'est pas encore disponible: utilisez `cargo xtask run` (API HTTP)."
    );
    std::process::exit(2);
}
