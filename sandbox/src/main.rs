//! Local stand-ins of the national services (INSi, DMP, annuaire...). The
//! INSi one arrives with the INS issue.

fn main() {
    eprintln!("Aucun service du bac à sable n'est encore disponible.");
    std::process::exit(2);
}
