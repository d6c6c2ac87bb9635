//! An INSi answer is read within a size and a nesting depth: a message
//! over either is refused with a French error, never read into memory or
//! walked deep enough to overflow the stack. The official answers fit.

use esculape_insi::{InsiError, PROFONDEUR_MAX, TAILLE_MAX, response};
use std::path::Path;

fn officielle() -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata/insi/responses/TEST_2.05.xml");
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The official answer with `inside` placed in its RESULTAT element.
fn avec(inside: &str) -> String {
    let xml = officielle();
    let at = xml.find("</").expect("an element closes");
    // Right before the first closing tag: inside the deepest open element.
    format!("{}{inside}{}", &xml[..at], &xml[at..])
}

#[test]
fn the_official_answer_fits_the_limits() {
    let xml = officielle();
    assert!(xml.len() < TAILLE_MAX / 10);
    response::parse(&xml).expect("the official answer reads");
    // A few more levels than the answer has still read.
    let nested = "<x>".repeat(8) + &"</x>".repeat(8);
    response::parse(&avec(&nested)).expect("eight more levels read");
}

#[test]
fn a_deep_answer_is_refused_without_overflowing_the_stack() {
    // 30,000 levels in 210 kB: under the size bound; walking or dropping
    // such a tree recursively overflows a test thread's stack.
    let n = 30_000;
    let deep = "<x>".repeat(n) + &"</x>".repeat(n);
    let xml = avec(&deep);
    assert!(xml.len() < TAILLE_MAX);
    match response::parse(&xml) {
        Err(e @ InsiError::Limite(_)) => {
            assert!(
                e.to_string().contains(&format!("{PROFONDEUR_MAX} niveaux")),
                "{e}"
            )
        }
        other => panic!("deep answer: {other:?}"),
    }
}

#[test]
fn an_oversize_answer_is_refused_before_it_is_read() {
    let xml = avec(&format!("<!-- {} -->", "a".repeat(TAILLE_MAX)));
    match response::parse(&xml) {
        Err(e @ InsiError::Limite(_)) => {
            assert!(e.to_string().contains("hors limites"), "{e}")
        }
        other => panic!("oversize answer: {other:?}"),
    }
}
