//! Fuzzing of every parser of outside input, on stable Rust.
//!
//! Each [`Cible`] is a parser the host runs on bytes it did not make (a
//! received CDA, an IHE_XDM package, an INSi answer, an export or a backup
//! file, a medicine box's DataMatrix, a plugin package). The engine starts
//! from real inputs (the official ANS and INSi material, files the host
//! writes), mutates them ([`mutation`]) and runs the parser on each,
//! catching panics. There is no coverage instrumentation (that needs a
//! nightly compiler); as a cheap stand-in, an input whose outcome is new
//! (an error or a result not seen yet) joins the corpus, so that mutation
//! goes on from inputs that went somewhere else in the parser.
//!
//! `cargo test -p esculape-fuzz` runs every target for a few seconds (CI);
//! `cargo xtask fuzz --minutes N` runs them longer. Later parsers (MIME,
//! SOAP/MTOM, tokens) add their target to [`cibles`].

pub mod cibles;
pub mod mutation;

pub use cibles::{Cible, cibles};

use mutation::{Hasard, muter};
use std::cell::RefCell;
use std::collections::HashSet;
use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant};

/// Largest corpus of one target (seeds plus inputs with a new outcome).
const CORPUS_MAX: usize = 512;

/// An input that made the parser panic.
#[derive(Debug, Clone)]
pub struct Panique {
    pub message: String,
    pub entree: Vec<u8>,
}

/// What a run of one target did.
#[derive(Debug, Clone)]
pub struct Rapport {
    pub cible: &'static str,
    pub graine: u64,
    pub executions: u64,
    /// Distinct outcomes seen (errors and results).
    pub issues: usize,
    pub corpus: usize,
    pub plus_lente: Duration,
    /// The input that took longest (kept to look at a slow parse).
    pub entree_lente: Vec<u8>,
    pub paniques: Vec<Panique>,
}

impl std::fmt::Display for Rapport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:<12} {:>9} exécutions, {:>4} issues distinctes, corpus {:>3}, plus lente {:>6.1} ms, {} panique(s) (graine {})",
            self.cible,
            self.executions,
            self.issues,
            self.corpus,
            self.plus_lente.as_secs_f64() * 1000.0,
            self.paniques.len(),
            self.graine
        )
    }
}

thread_local! {
    /// The message of the panic being caught on this thread, if fuzzing.
    static PANIQUE: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Panics on a fuzzing thread are recorded, not printed; any other
/// thread keeps the default hook (a failing assertion still shows).
fn installer_le_crochet() {
    static UNE_FOIS: std::sync::Once = std::sync::Once::new();
    UNE_FOIS.call_once(|| {
        let defaut = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let pris = PANIQUE.with(|p| {
                let mut p = p.borrow_mut();
                match p.as_mut() {
                    Some(m) => {
                        *m = format!("{info}");
                        true
                    }
                    None => false,
                }
            });
            if !pris {
                defaut(info);
            }
        }));
    });
}

/// Runs `cible` once on `entree`: its outcome, or the panic's message.
pub fn executer(cible: &Cible, entree: &[u8]) -> Result<String, String> {
    installer_le_crochet();
    PANIQUE.with(|p| *p.borrow_mut() = Some(String::new()));
    let r = std::panic::catch_unwind(AssertUnwindSafe(|| (cible.executer)(entree)));
    let message = PANIQUE.with(|p| p.borrow_mut().take()).unwrap_or_default();
    r.map_err(|_| message)
}

/// Mutates and runs `cible` for `duree`, from `graine`.
pub fn fuzzer(cible: &Cible, duree: Duration, graine: u64) -> Rapport {
    let mut h = Hasard::new(graine);
    let mut corpus = (cible.graines)();
    let mut issues = HashSet::new();
    let mut rapport = Rapport {
        cible: cible.nom,
        graine,
        executions: 0,
        issues: 0,
        corpus: corpus.len(),
        plus_lente: Duration::ZERO,
        entree_lente: vec![],
        paniques: vec![],
    };
    let mut essayer = |entree: Vec<u8>, corpus: &mut Vec<Vec<u8>>, rapport: &mut Rapport| {
        let debut = Instant::now();
        let r = executer(cible, &entree);
        if debut.elapsed() > rapport.plus_lente {
            rapport.plus_lente = debut.elapsed();
            rapport.entree_lente = entree.clone();
        }
        rapport.executions += 1;
        match r {
            Ok(issue) => {
                if issues.insert(issue) && corpus.len() < CORPUS_MAX {
                    corpus.push(entree);
                }
            }
            Err(message) => {
                // one example of each panic is enough
                if !rapport.paniques.iter().any(|p| p.message == message) {
                    rapport.paniques.push(Panique { message, entree });
                }
            }
        }
    };
    // the seeds themselves first: they must go through
    for s in corpus.clone() {
        essayer(s, &mut corpus, &mut rapport);
    }
    let fin = Instant::now() + duree;
    while Instant::now() < fin {
        let i = h.sous(corpus.len());
        let entree = muter(&mut h, &corpus[i], &corpus, cible.jetons);
        essayer(entree, &mut corpus, &mut rapport);
    }
    rapport.issues = issues.len();
    rapport.corpus = corpus.len();
    rapport
}

/// An outcome as a short signature: the text with its digits dropped
/// (an error naming a byte offset is the same error), cut to 80 chars.
pub fn signature(texte: &str) -> String {
    texte
        .chars()
        .filter(|c| !c.is_ascii_digit())
        .take(80)
        .collect()
}

/// Where an input that panicked is kept, to replay it
/// (`esculape-fuzz --rejouer FICHIER --cible NOM`).
pub fn garder(cible: &str, entree: &[u8]) -> std::io::Result<std::path::PathBuf> {
    use std::hash::{Hash, Hasher};
    let dir = std::env::temp_dir().join("esculape-fuzz").join(cible);
    std::fs::create_dir_all(&dir)?;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    entree.hash(&mut h);
    let chemin = dir.join(format!("{:016x}.bin", h.finish()));
    std::fs::write(&chemin, entree)?;
    Ok(chemin)
}
