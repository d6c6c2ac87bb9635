//! Requirements traceability: `docs/traceability.tsv` lists every
//! requirement id of the DSR with where it is implemented and which tests
//! show it. This prints coverage and, with `--check`, verifies the file
//! against the seed and the code.

use anyhow::{Context, bail};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

pub const FILE: &str = "docs/traceability.tsv";
const STATUSES: [&str; 3] = ["à faire", "partiel", "fait"];

#[derive(Debug, Clone)]
pub struct Row {
    pub id: String,
    pub chapter: String,
    pub status: String,
    pub implementation: Vec<String>,
    pub tests: Vec<String>,
}

pub fn parse(text: &str) -> anyhow::Result<Vec<Row>> {
    let mut rows = Vec::new();
    let mut header_seen = false;
    for (n, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        if !header_seen {
            header_seen = true;
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() != 7 {
            bail!(
                "{FILE}:{}: 7 colonnes attendues, {} trouvées",
                n + 1,
                cols.len()
            );
        }
        let list = |s: &str| {
            s.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect::<Vec<_>>()
        };
        rows.push(Row {
            id: cols[0].to_string(),
            chapter: cols[1].to_string(),
            status: cols[4].to_string(),
            implementation: list(cols[5]),
            tests: list(cols[6]),
        });
    }
    Ok(rows)
}

/// Problems of the file: unknown status, duplicated or missing ids, paths
/// that do not exist, tests that are not in the named file.
pub fn problems(root: &Path, rows: &[Row], seed_ids: Option<&BTreeSet<String>>) -> Vec<String> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for r in rows {
        if !seen.insert(r.id.clone()) {
            out.push(format!("{}: en double", r.id));
        }
        if !STATUSES.contains(&r.status.as_str()) {
            out.push(format!("{}: statut «{}» inconnu", r.id, r.status));
        }
        if r.status == "fait" && r.tests.is_empty() {
            out.push(format!("{}: «fait» sans test", r.id));
        }
        for p in &r.implementation {
            if !root.join(p).exists() {
                out.push(format!("{}: {p} n'existe pas", r.id));
            }
        }
        for t in &r.tests {
            let Some((file, name)) = t.rsplit_once("::") else {
                out.push(format!(
                    "{}: test «{t}» sans la forme chemin::fonction",
                    r.id
                ));
                continue;
            };
            match std::fs::read_to_string(root.join(file)) {
                Ok(src) if src.contains(&format!("fn {name}(")) => {}
                Ok(_) => out.push(format!("{}: pas de fn {name} dans {file}", r.id)),
                Err(_) => out.push(format!("{}: {file} introuvable", r.id)),
            }
        }
    }
    if let Some(seed) = seed_ids {
        for id in seed.difference(&seen) {
            out.push(format!("{id}: exigence du DSR absente du fichier"));
        }
        for id in seen.difference(seed) {
            out.push(format!("{id}: absente du DSR"));
        }
    }
    out
}

fn seed_ids(root: &Path) -> Option<BTreeSet<String>> {
    let text = std::fs::read_to_string(root.join("../shared/seed/requirements.tsv")).ok()?;
    Some(
        text.lines()
            .skip(1)
            .filter_map(|l| l.split('\t').next())
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
    )
}

pub fn command(root: &Path, check: bool) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(root.join(FILE)).with_context(|| FILE.to_string())?;
    let rows = parse(&text)?;
    let mut by_chapter: BTreeMap<&str, [usize; 3]> = BTreeMap::new();
    for r in &rows {
        let slot = by_chapter.entry(&r.chapter).or_default();
        if let Some(i) = STATUSES.iter().position(|s| *s == r.status) {
            slot[i] += 1;
        }
    }
    let done = rows.iter().filter(|r| r.status == "fait").count();
    let partial = rows.iter().filter(|r| r.status == "partiel").count();
    let tested = rows.iter().filter(|r| !r.tests.is_empty()).count();
    println!(
        "exigences: {} — faites {done}, partielles {partial}, avec tests {tested} ({:.0} %)",
        rows.len(),
        100.0 * done as f64 / rows.len().max(1) as f64
    );
    for (chapter, [todo, partial, done]) in &by_chapter {
        println!("  §{chapter:<7} à faire {todo:>3}  partiel {partial:>3}  fait {done:>3}");
    }
    if check {
        let seed = seed_ids(root);
        if seed.is_none() {
            println!("(../shared/seed absent: ids non comparés au DSR)");
        }
        let problems = problems(root, &rows, seed.as_ref());
        if !problems.is_empty() {
            for p in &problems {
                eprintln!("{FILE}: {p}");
            }
            bail!("{} problème(s) dans {FILE}", problems.len());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_file_is_sound() {
        let root = crate::workspace_root();
        let rows = parse(&std::fs::read_to_string(root.join(FILE)).unwrap()).unwrap();
        assert_eq!(rows.len(), 202, "the DSR names 202 requirement ids");
        let problems = problems(&root, &rows, seed_ids(&root).as_ref());
        assert!(problems.is_empty(), "{problems:#?}");
    }

    #[test]
    fn problems_are_found() {
        let root = crate::workspace_root();
        let text = "id\tc\tf\tt\tstatus\timpl\ttests\n\
                    A.01\t1\t1\tx\tfait\t\t\n\
                    A.01\t1\t1\tx\tpeut-être\tnowhere/file.rs\txtask/src/requirements.rs::no_such_test\n";
        let rows = parse(text).unwrap();
        let seed: BTreeSet<String> = ["A.01".to_string(), "B.02".to_string()].into();
        let p = problems(&root, &rows, Some(&seed));
        let all = p.join("\n");
        for needle in [
            "en double",
            "sans test",
            "statut",
            "n'existe pas",
            "pas de fn no_such_test",
            "B.02",
        ] {
            assert!(all.contains(needle), "{needle} in {all}");
        }
    }
}
