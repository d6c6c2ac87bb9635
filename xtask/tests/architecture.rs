//! The invariants ARCHITECTURE.md states about the crate graph, checked on
//! `cargo metadata` (normal dependencies, transitively: a crate that pulls
//! axum through another breaks the rule as surely as one that names it).

use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

struct Graph {
    /// package id → its name
    names: HashMap<String, String>,
    /// package id → ids of its normal (not dev, not build) dependencies
    normal: HashMap<String, Vec<String>>,
    /// workspace member name → (id, manifest folder)
    members: HashMap<String, (String, PathBuf)>,
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lies in the workspace")
        .to_path_buf()
}

/// The machine's target triple: the graph is the one that builds here
/// (the other platforms' crates need not even be downloaded).
fn host_triple() -> String {
    let out = std::process::Command::new(std::env::var("RUSTC").unwrap_or("rustc".into()))
        .arg("-vV")
        .output()
        .expect("rustc -vV runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .expect("rustc names its host")
        .to_string()
}

fn graph() -> Graph {
    let out = std::process::Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--offline",
            "--filter-platform",
        ])
        .arg(host_triple())
        .current_dir(workspace_root())
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let m: Value = serde_json::from_slice(&out.stdout).expect("metadata is JSON");
    let mut names = HashMap::new();
    let mut members = HashMap::new();
    let ws: BTreeSet<&str> = m["workspace_members"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for p in m["packages"].as_array().unwrap() {
        let id = p["id"].as_str().unwrap().to_string();
        let name = p["name"].as_str().unwrap().to_string();
        if ws.contains(id.as_str()) {
            let dir = Path::new(p["manifest_path"].as_str().unwrap())
                .parent()
                .unwrap()
                .to_path_buf();
            members.insert(name.clone(), (id.clone(), dir));
        }
        names.insert(id, name);
    }
    let mut normal = HashMap::new();
    for n in m["resolve"]["nodes"].as_array().unwrap() {
        let deps = n["deps"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| {
                d["dep_kinds"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|k| k["kind"].is_null())
            })
            .map(|d| d["pkg"].as_str().unwrap().to_string())
            .collect();
        normal.insert(n["id"].as_str().unwrap().to_string(), deps);
    }
    Graph {
        names,
        normal,
        members,
    }
}

impl Graph {
    /// Names of every crate `member` depends on at run time.
    fn closure(&self, member: &str) -> BTreeSet<String> {
        let (id, _) = &self.members[member];
        let mut seen = BTreeSet::new();
        let mut todo = vec![id.clone()];
        while let Some(id) = todo.pop() {
            for d in self.normal.get(&id).into_iter().flatten() {
                if seen.insert(d.clone()) {
                    todo.push(d.clone());
                }
            }
        }
        seen.into_iter().map(|id| self.names[&id].clone()).collect()
    }

    fn forbid(&self, member: &str, forbidden: &[&str]) {
        let deps = self.closure(member);
        let found: Vec<&&str> = forbidden.iter().filter(|f| deps.contains(**f)).collect();
        assert!(
            found.is_empty(),
            "{member} must not depend on {found:?} (ARCHITECTURE.md, invariants)"
        );
    }

    fn dir(&self, member: &str) -> &Path {
        &self.members[member].1
    }
}

/// Every `.rs` file under `dir`, with its text.
fn sources(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = vec![];
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&p).unwrap();
                out.push((p, text));
            }
        }
    }
    out
}

#[test]
fn the_application_layer_knows_neither_http_nor_the_command_line() {
    let g = graph();
    g.forbid(
        "esculape-app",
        &["axum", "axum-core", "clap", "esculape-host"],
    );
}

/// Whether `text` reaches the store: a `.store` field, a `store` handle
/// used (`store.`), or the `Store` type's functions (`Store::`); spacing
/// and line breaks do not hide it.
fn reaches_the_store(text: &str) -> Option<String> {
    let code: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        // A call split over lines (`s\n    .store\n    .users()`).
        .replace(" .", ".");
    let ident = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    for (i, _) in code.match_indices("store") {
        let before = code[..i].chars().next_back();
        let after = code[i + 5..].chars().next();
        let field = before == Some('.') && !ident(after);
        let handle = !ident(before) && before != Some(':') && after == Some('.');
        if field || handle {
            return Some(code[i.saturating_sub(20)..(i + 30).min(code.len())].to_string());
        }
    }
    code.find("Store::")
        .map(|i| code[i.saturating_sub(20)..(i + 30).min(code.len())].to_string())
}

#[test]
fn http_and_the_command_line_go_through_the_application() {
    assert!(reaches_the_store("Ok(Json(s.store.users().await?))").is_some());
    assert!(reaches_the_store("s\n    .store\n    .search(&q)").is_some());
    assert!(reaches_the_store("auth.creer(&s.store, &u)").is_some());
    assert!(reaches_the_store("for u in store.users().await? {").is_some());
    assert!(reaches_the_store("let s = esculape_store::Store::connect(u);").is_some());
    assert!(reaches_the_store("use esculape_store::{Acteur, User};").is_none());
    assert!(reaches_the_store("esculape_store::prive::ecrire(&p, b)").is_none());
    assert!(reaches_the_store("// reads the store.").is_none());
    assert!(reaches_the_store("Ok(Json(s.comptes().await?))").is_none());
    let g = graph();
    let src = g.dir("esculape-host").join("src");
    let files = sources(&src);
    assert!(files.len() >= 10, "the host's sources: {}", files.len());
    for (path, text) in files {
        if let Some(at) = reaches_the_store(&text) {
            panic!(
                "{}: «{at}»: the HTTP API and the CLI call the application (esculape_app::App), never the store",
                path.display()
            );
        }
    }
}

#[test]
fn storage_is_rows_and_queries() {
    let g = graph();
    g.forbid(
        "esculape-store",
        &[
            "axum",
            "clap",
            "reqwest",
            "wasmtime",
            "esculape-app",
            "esculape-runtime",
        ],
    );
}

#[test]
fn the_domain_does_no_io() {
    let g = graph();
    g.forbid(
        "esculape-domain",
        &[
            "tokio", "sqlx", "reqwest", "hyper", "axum", "wasmtime", "mio",
        ],
    );
    for (path, text) in sources(&g.dir("esculape-domain").join("src")) {
        for io in ["std::fs", "std::net", "std::process", "std::env", "File::"] {
            assert!(
                !text.contains(io),
                "{} uses {io}: esculape-domain does no I/O",
                path.display()
            );
        }
    }
}

#[test]
fn plugins_link_only_the_sdk() {
    let g = graph();
    let host_side = [
        "esculape-host",
        "esculape-app",
        "esculape-store",
        "esculape-runtime",
        "esculape-domain",
        "esculape-xds",
        "wasmtime",
        "tokio",
        "sqlx",
    ];
    let plugins: Vec<&String> = g
        .members
        .iter()
        .filter(|(_, (_, dir))| dir.parent().is_some_and(|p| p.ends_with("plugins")))
        .map(|(n, _)| n)
        .collect();
    assert!(plugins.len() >= 10, "plugins found: {plugins:?}");
    for p in plugins {
        g.forbid(p, &host_side);
    }
}

#[test]
fn the_api_vocabulary_is_plain_data() {
    let g = graph();
    g.forbid(
        "esculape-api-types",
        &[
            "tokio",
            "sqlx",
            "reqwest",
            "axum",
            "wasmtime",
            "esculape-store",
            "esculape-app",
            "esculape-runtime",
            "esculape-host",
        ],
    );
}

/// The client names the bodies of the HTTP API only through
/// `esculape-api-types`: it declares no wire type of its own (no
/// `Deserialize` derive) and reaches no host crate but the embedded
/// server it starts (`esculape_host::serveur`, on `esculape_host::home`).
#[test]
fn the_client_shares_types_with_the_host_only_through_api_types() {
    let g = graph();
    let client = g.closure("esculape-ui");
    assert!(client.contains("esculape-api-types"));
    let mut checked = 0;
    for (path, text) in sources(&g.dir("esculape-ui").join("src")) {
        checked += 1;
        for line in text.lines() {
            let l = line.trim();
            assert!(
                !(l.starts_with("#[derive(") && l.contains("Deserialize")),
                "{}: «{l}»: a type the host sends belongs in esculape-api-types",
                path.display()
            );
            for host in ["esculape_store", "esculape_app", "esculape_runtime"] {
                assert!(
                    !l.contains(host),
                    "{}: «{l}»: the client reaches the host only over HTTP",
                    path.display()
                );
            }
            assert!(
                !l.contains("esculape_host")
                    || l.contains("esculape_host::serveur")
                    || l.contains("esculape_host::home"),
                "{}: «{l}»: only the embedded server (and its home) comes from esculape-host",
                path.display()
            );
        }
    }
    assert!(checked >= 10, "{checked} fichiers");
}

/// A WIT version named in Rust: a bindings module (`v0_1_0`,
/// `since_v0_2_0`) or a WIT folder (`since_v0.2.0`).
fn names_a_wit_version(line: &str) -> bool {
    let b = line.as_bytes();
    (0..b.len()).filter(|i| line.is_char_boundary(*i)).any(|i| {
        let rest = &line[i..];
        let after_v = if let Some(r) = rest.strip_prefix("since_v") {
            r
        } else if rest.starts_with('v') && (i == 0 || !b[i - 1].is_ascii_alphanumeric()) {
            &rest[1..]
        } else {
            return false;
        };
        let digits: Vec<&str> = after_v.splitn(4, ['_', '.']).collect();
        digits.len() >= 3
            && digits[..3].iter().enumerate().all(|(k, d)| {
                let d = if k == 2 {
                    d.split(|c: char| !c.is_ascii_digit()).next().unwrap_or("")
                } else {
                    d
                };
                !d.is_empty() && d.bytes().all(|c| c.is_ascii_digit())
            })
    })
}

#[test]
fn only_the_runtime_version_modules_name_a_wit_version() {
    assert!(names_a_wit_version("use crate::wit::since_v0_2_0::x;"));
    assert!(names_a_wit_version("path: \"../../wit/since_v0.1.0\","));
    assert!(names_a_wit_version("pub use bindings::v0_1_0 as api;"));
    assert!(!names_a_wit_version(
        "let v = semver::Version::new(0, 1, 0);"
    ));
    assert!(!names_a_wit_version("assert_eq!(info.api, \"0.2.0\");"));
    let g = graph();
    let wit = g.dir("esculape-runtime").join("src").join("wit");
    let mut checked = 0;
    for krate in [
        "esculape-host",
        "esculape-app",
        "esculape-runtime",
        "esculape-domain",
        "esculape-store",
        "esculape-pdfa",
        "esculape-xds",
        "esculape-api-types",
        "esculape-sdk-testing",
        "esculape-ui",
    ] {
        let dir = g.dir(krate);
        for sub in ["src", "tests", "benches"] {
            if !dir.join(sub).is_dir() {
                continue;
            }
            for (path, text) in sources(&dir.join(sub)) {
                if path.starts_with(&wit) {
                    continue;
                }
                checked += 1;
                for line in text.lines() {
                    assert!(
                        !names_a_wit_version(line),
                        "{}: «{}»: only host/runtime/src/wit/ names a WIT version; use esculape_runtime::model",
                        path.display(),
                        line.trim()
                    );
                }
            }
        }
    }
    assert!(checked >= 50, "{checked} fichiers");
}
