//! Reading received CR-BIO documents, side by side with the baseline
//! (`../shared/tools/lxml-bench`: Python lxml parsing each file and
//! extracting every observation's code, value and unit), on the same files
//! in the same run; the ratio is what counts.
//!
//! `cargo bench -p esculape-cda-lecture --bench lecture` measures two
//! readings: the typed entries alone (the same job as the baseline, and
//! more: templates, ranges, interpretation, dates) and the whole reading
//! (header, PDF, narrative, entries). Under `cargo test` each file is read
//! once and nothing is timed.

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

const MOTIF: &str = "BIO-CR-BIO_2024.01_";

fn fichiers() -> Vec<Vec<u8>> {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/testdata/ans/cda-examples");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("cda-examples")
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let n = p.file_name().unwrap_or_default().to_string_lossy();
            n.starts_with(MOTIF) && n.ends_with(".xml")
        })
        .collect();
    v.sort();
    v.iter()
        .map(|p| std::fs::read(p).expect("lisible"))
        .collect()
}

/// MB/s and documents/s of `passes` passes over the files.
fn mesurer(docs: &[Vec<u8>], passes: usize, f: impl Fn(&[u8]) -> usize) -> (f64, f64, usize) {
    let total: usize = docs.iter().map(Vec::len).sum();
    let mut n = 0;
    let t = Instant::now();
    for _ in 0..passes {
        for d in docs {
            n += f(d);
        }
    }
    let s = t.elapsed().as_secs_f64();
    (
        (total * passes) as f64 / s / 1e6,
        (docs.len() * passes) as f64 / s,
        n / passes,
    )
}

fn entrees(d: &[u8]) -> usize {
    esculape_cda_lecture::entrees::lire(d)
        .map(|c| c.resultats.len())
        .unwrap_or(0)
}

fn tout(d: &[u8]) -> usize {
    esculape_cda_lecture::lire(d)
        .map(|d| d.contenu.resultats.len())
        .unwrap_or(0)
}

fn main() {
    let docs = fichiers();
    assert!(!docs.is_empty(), "aucun exemple {MOTIF}*");
    if !std::env::args().any(|a| a == "--bench") {
        // under `cargo test`: every file read, results found
        assert!(docs.iter().map(|d| tout(d)).sum::<usize>() > 0);
        return;
    }
    let passes = 200;
    let (mb_e, docs_e, n_e) = mesurer(&docs, passes, entrees);
    let (mb_t, docs_t, _) = mesurer(&docs, passes, tout);
    println!(
        "esculape entrées typées : {} fichiers, {passes} passes : {mb_e:.1} MB/s, {docs_e:.0} docs/s, {n_e} résultats/passe",
        docs.len()
    );
    println!(
        "esculape lecture complète (en-tête, PDF, sections, entrées) : {mb_t:.1} MB/s, {docs_t:.0} docs/s"
    );
    let outil = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/tools/lxml-bench");
    match Command::new(&outil)
        .args([
            "--glob",
            &format!("{MOTIF}*.xml"),
            "--passes",
            &passes.to_string(),
        ])
        .output()
    {
        Ok(o) if o.status.success() => {
            let ligne = String::from_utf8_lossy(&o.stdout).trim().to_string();
            println!("{ligne}");
            // "… X MB/s, …"
            let lxml: Option<f64> = ligne
                .split(", ")
                .find_map(|p| p.strip_suffix(" MB/s"))
                .and_then(|p| p.rsplit(' ').next())
                .and_then(|x| x.parse().ok());
            if let Some(l) = lxml {
                println!(
                    "rapport au débit de lxml : entrées typées ×{:.2}, lecture complète ×{:.2}",
                    mb_e / l,
                    mb_t / l
                );
            }
        }
        Ok(o) => println!(
            "lxml-bench a échoué : {}",
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) => println!("lxml-bench introuvable ({}) : {e}", outil.display()),
    }
}
