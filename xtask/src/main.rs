//! `cargo xtask`: how Esculape is built, run and tested.
//!
//! | command | what it does |
//! |---|---|
//! | `setup` | installs what the build and tests need (wasm target) |
//! | `build-plugins [--all]` | builds plugins to wasm32-wasip2 components, packages and signs them with the development key |
//! | `run [--addr A]` | the product: builds, installs the plugins in `.esculape/`, serves the host (headless) |
//! | `test` | every test: setup, plugin packages, `cargo test --workspace`, traceability check, scaffold check, mutation check |
//! | `new-plugin NAME [--world document|identity]` | scaffolds `plugins/NAME` |
//! | `requirements [--check]` | requirements coverage from `docs/traceability.tsv` |
//! | `mutants` | breaks runtime checks one at a time and expects the tests to go red |
//! | `bench` | plugin runtime benchmarks |
//! | `screenshots` | every screen of the desktop client, light and dark, as PNG files (real window under Xvfb) |
//! | `bench-ui` | the desktop client's frame times (p50/p95/p99) scrolling a full day and a long chart, real window under Xvfb |
//! | `fuzz [--minutes N] [--cible NOM]` | fuzzes every parser of outside input for N minutes in all (1 by default) |
//! | `chaos [--kills N]` | the DMP feeding crash test with N random `kill -9` of the host (200 by default; CI runs 20) |

mod cog;
mod mutants;
mod requirements;
mod scaffold;

use anyhow::{Context, bail};
use esculape_registry::{CrateMetadata, Package, SigningKey};
use std::path::{Path, PathBuf};
use std::process::Command;

pub const WASM_TARGET: &str = "wasm32-wasip2";

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let flag = |name: &str| args.iter().any(|a| a == name);
    match args.first().map(String::as_str) {
        Some("setup") => setup(),
        Some("build-plugins") => build_plugins(&root, flag("--all")).map(|_| ()),
        Some("run") => run(
            &root,
            arg("--addr").unwrap_or_else(|| "127.0.0.1:8080".into()),
        ),
        Some("test") => test(&root, flag("--quick")),
        Some("screenshots") => screenshots(&root),
        Some("new-plugin") => {
            let Some(name) = args.get(1) else {
                bail!("usage: cargo xtask new-plugin NAME [--world document|identity]")
            };
            let world = arg("--world").unwrap_or_else(|| "document".into());
            let dir = scaffold::new_plugin(&root, name, &world)?;
            println!("module créé dans {}", dir.display());
            println!("essayez: cargo test -p esculape-plugin-{name}");
            Ok(())
        }
        Some("requirements") => requirements::command(&root, flag("--check")),
        Some("cog-default") => cog::rebuild(&root),
        Some("mutants") => mutants::run(&root).map(|n| println!("{n} mutants tués")),
        Some("bench") => cargo(
            &root,
            &["bench", "-p", "esculape-runtime", "--bench", "plugin_calls"],
        ),
        Some("bench-ui") => bench_ui(&root),
        Some("chaos") => {
            let kills = arg("--kills").unwrap_or_else(|| "200".into());
            let status = Command::new(cargo_bin())
                .args(["test", "-p", "esculape-host", "--test", "dmp"])
                .arg("killed_at_every_step_of_feeding")
                .env("ESCULAPE_CHAOS_KILLS", &kills)
                .current_dir(&root)
                .status()?;
            if !status.success() {
                bail!("chaos ({kills} kills) : {status}");
            }
            Ok(())
        }
        Some("fuzz") => {
            // the test profile's build (dependencies optimised) is reused
            let mut a = vec!["run", "-q", "-p", "esculape-fuzz", "--"];
            let minutes = arg("--minutes").unwrap_or_else(|| "1".into());
            a.extend(["--minutes", minutes.as_str()]);
            let cible = arg("--cible");
            if let Some(c) = &cible {
                a.extend(["--cible", c.as_str()]);
            }
            cargo(&root, &a)
        }
        _ => {
            eprintln!(
                "usage: cargo xtask <setup|build-plugins [--all]|run|test [--quick]|screenshots|bench-ui|new-plugin NAME|requirements [--check]|mutants|bench|fuzz [--minutes N]|chaos [--kills N]>"
            );
            std::process::exit(2)
        }
    }
}

/// The checkout `cargo xtask` was run in: found from the current folder at
/// run time, because a target folder shared by several checkouts (CI's) may
/// hand `cargo run` an xtask binary linked in another one; the build-time
/// path is only the fallback.
pub fn workspace_root() -> PathBuf {
    if let Ok(mut dir) = std::env::current_dir() {
        loop {
            if dir.join("xtask/Cargo.toml").is_file() && dir.join("Cargo.toml").is_file() {
                return dir;
            }
            if !dir.pop() {
                break;
            }
        }
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| ".".into())
}

fn cargo_bin() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// Run cargo in the workspace, failing on a non-zero exit.
pub fn cargo(root: &Path, args: &[&str]) -> anyhow::Result<()> {
    let status = Command::new(cargo_bin())
        .args(args)
        .current_dir(root)
        .status()
        .with_context(|| format!("cargo {}", args.join(" ")))?;
    if !status.success() {
        bail!("cargo {} a échoué ({status})", args.join(" "));
    }
    Ok(())
}

/// Install the wasm target when missing.
fn setup() -> anyhow::Result<()> {
    python_modules()?;
    debian_packages()?;
    npm_packages()?;
    postgres_tls()?;
    let sysroot = Command::new("rustc")
        .args(["--print", "sysroot"])
        .output()?;
    let sysroot = PathBuf::from(String::from_utf8_lossy(&sysroot.stdout).trim());
    if sysroot.join("lib/rustlib").join(WASM_TARGET).exists() {
        return Ok(());
    }
    println!("installation de la cible {WASM_TARGET}…");
    let status = Command::new("rustup")
        .args(["target", "add", WASM_TARGET])
        .status()
        .context("rustup introuvable: installez la cible wasm32-wasip2 de votre chaîne Rust")?;
    if !status.success() {
        bail!("rustup target add {WASM_TARGET} a échoué");
    }
    Ok(())
}

/// Where the test PostgreSQL's certificate and its authority are kept
/// (`ca.crt` is what the tests of `sslmode=verify-full` trust).
pub const POSTGRES_TLS: &str = "/var/lib/postgresql/esculape-tls";

/// The machine's PostgreSQL given a certificate of a test authority and
/// `ssl = on` (taken on reload), so that the tests connect over TLS with
/// `sslmode=require` and `verify-full`. Once: nothing is done when the
/// server already speaks TLS with this authority.
fn postgres_tls() -> anyhow::Result<()> {
    if std::env::var_os("ESCULAPE_SKIP_POSTGRES").is_some() {
        return Ok(());
    }
    let url = std::env::var("ESCULAPE_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let psql = |sql: &str| -> anyhow::Result<String> {
        let out = Command::new("psql")
            .args([url.as_str(), "-tAc", sql])
            .output()
            .context("psql introuvable: il faut le client PostgreSQL")?;
        if !out.status.success() {
            bail!(
                "psql «{sql}»: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    let dir = Path::new(POSTGRES_TLS);
    if psql("SHOW ssl")? == "on" && dir.join("ca.crt").exists() {
        return Ok(());
    }
    println!("PostgreSQL de test: certificat d'une autorité de test, ssl = on…");
    let ca = esculape_transport::essai::AutoriteDeTest::nouvelle(
        "Autorité de test Esculape (PostgreSQL)",
    )?;
    let serveur = ca.emettre(&["localhost".into(), "127.0.0.1".into()])?;
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("ca.crt"), ca.certificat_pem())?;
    std::fs::write(dir.join("server.crt"), &serveur.certificat_pem)?;
    std::fs::write(dir.join("server.key"), &serveur.cle_pem)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            dir.join("server.key"),
            std::fs::Permissions::from_mode(0o600),
        )?;
    }
    // the server reads its key as its own account
    let chown = Command::new("chown")
        .args(["-R", "postgres:postgres", POSTGRES_TLS])
        .status()?;
    if !chown.success() {
        bail!("chown postgres {POSTGRES_TLS} a échoué");
    }
    psql(&format!(
        "ALTER SYSTEM SET ssl_cert_file = '{POSTGRES_TLS}/server.crt'"
    ))?;
    psql(&format!(
        "ALTER SYSTEM SET ssl_key_file = '{POSTGRES_TLS}/server.key'"
    ))?;
    psql("ALTER SYSTEM SET ssl = on")?;
    psql("SELECT pg_reload_conf()")?;
    for _ in 0..50 {
        if psql("SHOW ssl")? == "on" {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    bail!("PostgreSQL n'a pas pris ssl = on (voir son journal)")
}

/// What the tests need from Debian. The desktop client's window tests: a virtual X server,
/// Mesa's software OpenGL (eframe draws with glow on X11) and its
/// software Vulkan, lavapipe (the look's snapshots render with wgpu on it:
/// ui-egui/tests/apparence.rs).
const DEBIAN_PACKAGES: &[&str] = &[
    "xvfb",
    "libgl1-mesa-dri",
    "libegl1",
    "libxkbcommon-x11-0",
    "mesa-vulkan-drivers",
    "libvulkan1",
    // the independent verifier of our XML signatures (VIHF, XAdES):
    // host/dmp/tests/contrat.rs
    "xmlsec1",
    // test RSA keys like the IGC-Santé's (rcgen makes ECDSA only)
    "openssl",
    // the MSSanté tests' real IMAP server and SMTP submission, both
    // authenticating by the PSC token (host/mss/tests)
    "dovecot-imapd",
    "dovecot-submissiond",
];

fn debian_packages() -> anyhow::Result<()> {
    let missing: Vec<&str> = DEBIAN_PACKAGES
        .iter()
        .copied()
        .filter(|p| {
            !Command::new("dpkg")
                .args(["-s", p])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    println!("installation des paquets Debian {}…", missing.join(" "));
    let update = Command::new("apt-get").args(["update", "-qq"]).status();
    if !update.is_ok_and(|s| s.success()) {
        bail!(
            "apt-get update a échoué: installez {} à la main",
            missing.join(" ")
        );
    }
    let status = Command::new("apt-get")
        .args(["install", "-y", "-qq", "--no-install-recommends"])
        .args(&missing)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status()
        .context("apt-get introuvable")?;
    if !status.success() {
        bail!("apt-get install {} a échoué", missing.join(" "));
    }
    Ok(())
}

/// The npm packages of the tests' real peers, in a cache outside the
/// clone (`ESCULAPE_NPM_CACHE`, or `~/.cache/esculape/npm`): the OpenID
/// provider that host/psc's tests configure like Pro Santé Connect.
const NPM_PACKAGES: &[(&str, &str)] = &[("oidc-provider", "9.13.3")];

pub fn npm_cache() -> PathBuf {
    std::env::var_os("ESCULAPE_NPM_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/esculape/npm")
        })
}

fn npm_packages() -> anyhow::Result<()> {
    let cache = npm_cache();
    for (package, version) in NPM_PACKAGES {
        let manifest = cache
            .join("node_modules")
            .join(package)
            .join("package.json");
        let installed = std::fs::read_to_string(&manifest)
            .ok()
            .and_then(|m| serde_json::from_str::<serde_json::Value>(&m).ok())
            .is_some_and(|m| m["version"] == *version);
        if installed {
            continue;
        }
        println!(
            "installation du paquet npm {package}@{version} dans {}…",
            cache.display()
        );
        std::fs::create_dir_all(&cache)?;
        let status = Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--silent", "--prefix"])
            .arg(&cache)
            .arg(format!("{package}@{version}"))
            .status()
            .context("npm introuvable: il faut Node.js et npm (paquets Debian nodejs npm)")?;
        if !status.success() {
            bail!("npm install {package}@{version} a échoué");
        }
    }
    Ok(())
}

/// The Python modules the official validators need: lxml checks INSi
/// messages against the published XSDs (and, with saxonche, runs the ANS
/// schematrons through `../shared/tools/cda-validate`).
const PYTHON_MODULES: &[(&str, &str)] = &[("lxml", "lxml"), ("saxonche", "saxonche")];

fn python_modules() -> anyhow::Result<()> {
    for (module, package) in PYTHON_MODULES {
        let present = Command::new("python3")
            .args(["-c", &format!("import {module}")])
            .stderr(std::process::Stdio::null())
            .status()
            .context("python3 introuvable: il faut Python 3 pour les validateurs officiels")?
            .success();
        if present {
            continue;
        }
        println!("installation du module Python {package}…");
        let status = Command::new("python3")
            .args(["-m", "pip", "install", "--quiet", package])
            .status()?;
        if !status.success() {
            bail!("pip install {package} a échoué");
        }
    }
    Ok(())
}

/// The workspace's plugin crates, from `cargo metadata`.
pub fn plugin_crates(root: &Path) -> anyhow::Result<Vec<(String, semver::Version, CrateMetadata)>> {
    let out = Command::new(cargo_bin())
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .current_dir(root)
        .output()?;
    if !out.status.success() {
        bail!("cargo metadata: {}", String::from_utf8_lossy(&out.stderr));
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let mut plugins = Vec::new();
    for p in v["packages"].as_array().into_iter().flatten() {
        let Some(meta) = CrateMetadata::from_package_metadata(&p["metadata"]) else {
            continue;
        };
        let name = p["name"].as_str().unwrap_or_default().to_string();
        let meta = meta.with_context(|| format!("[package.metadata.esculape] de {name}"))?;
        let version = p["version"].as_str().unwrap_or_default().parse()?;
        plugins.push((name, version, meta));
    }
    plugins.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(plugins)
}

pub fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}

/// The development signing key: generated on first use, never committed.
fn dev_key(root: &Path) -> anyhow::Result<SigningKey> {
    let path = std::env::var_os("ESCULAPE_DEV_KEY")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join(".esculape/keys/dev.key"));
    Ok(SigningKey::load_or_create(&path)?)
}

/// Build, package and sign the plugins; returns the package paths.
/// Each plugin builds in its own cargo invocation: the SDK's world features
/// must not be unified across plugins.
fn build_plugins(root: &Path, with_testing: bool) -> anyhow::Result<Vec<PathBuf>> {
    setup()?;
    let key = dev_key(root)?;
    let out_dir = target_dir(root).join("plugins");
    std::fs::create_dir_all(&out_dir)?;
    let mut packages = Vec::new();
    for (name, version, meta) in plugin_crates(root)? {
        if meta.testing && !with_testing {
            continue;
        }
        cargo(
            root,
            &[
                "build",
                "--profile",
                "plugin",
                "--target",
                WASM_TARGET,
                "-p",
                &name,
            ],
        )?;
        let wasm_path = target_dir(root)
            .join(WASM_TARGET)
            .join("plugin")
            .join(format!("{}.wasm", name.replace('-', "_")));
        let wasm = std::fs::read(&wasm_path).with_context(|| wasm_path.display().to_string())?;
        let manifest = meta.manifest(version.clone());
        let pkg = Package::build(manifest, wasm, &key)?;
        let path = out_dir.join(format!("{}-{}.escpkg", meta.id, version));
        pkg.write(&path)?;
        println!(
            "paquet {} ({} octets)",
            path.display(),
            pkg.component().len()
        );
        packages.push(path);
    }
    Ok(packages)
}

fn esculape_bin(root: &Path) -> PathBuf {
    target_dir(root).join("debug").join("esculape")
}

/// The product: plugins installed into `.esculape/` (trusting the dev key),
/// the host serving its API, and the desktop client when there is a
/// display (the host runs headless otherwise).
fn run(root: &Path, addr: String) -> anyhow::Result<()> {
    let home = std::env::var_os("ESCULAPE_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join(".esculape"));
    let sandbox_addr =
        std::env::var("ESCULAPE_SANDBOX_ADDR").unwrap_or_else(|_| "127.0.0.1:8090".into());
    let proxy_addr =
        std::env::var("ESCULAPE_PROXY_ADDR").unwrap_or_else(|_| "127.0.0.1:8091".into());
    let mut product = Product::start(root, &home, &addr, &sandbox_addr, &proxy_addr, 200)?;
    let display =
        std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some();
    if display {
        println!("Esculape: client de bureau sur le serveur http://{addr}");
        let status = Command::new(target_dir(root).join("debug").join("esculape-ui"))
            .env("ESCULAPE_URL", format!("http://{addr}"))
            .status();
        product.stop();
        let status = status?;
        if !status.success() {
            bail!("le client s'est arrêté ({status})");
        }
        return Ok(());
    }
    println!(
        "Esculape: API sur http://{addr} (description: http://{addr}/api/openapi.json; pas d'écran: mode serveur, sans client de bureau); services nationaux simulés sur http://{sandbox_addr}"
    );
    let status = product.host.wait();
    product.stop();
    let status = status?;
    if !status.success() {
        bail!("le serveur s'est arrêté ({status})");
    }
    Ok(())
}

/// The host, the national services' stand-ins and the proxy e-santé
/// (signing in with the sandbox's Pro Santé Connect), running.
struct Product {
    host: std::process::Child,
    sandbox: std::process::Child,
    proxy: std::process::Child,
}

/// The client the sandbox's PSC registers (`esculape_sandbox::psc`;
/// checked by a test, not linked: xtask stays light to build).
const PSC_CLIENT_BAC_A_SABLE: (&str, &str) = ("esculape-bac-a-sable", "secret-du-bac-a-sable");

/// Waits (30 s at most) until something listens on `addr`.
fn attendre_port(addr: &str) {
    for _ in 0..300 {
        if std::net::TcpStream::connect(addr).is_ok() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// The sandbox's mutual-TLS address: its HTTP port + 353 (8090 → 8443).
fn mtls_addr(http: &str) -> anyhow::Result<String> {
    let port = port_de(http)?;
    let (hote, _) = http.rsplit_once(':').unwrap_or((http, ""));
    Ok(format!("{hote}:{}", port.checked_add(353).context("port")?))
}

fn port_de(addr: &str) -> anyhow::Result<u16> {
    addr.rsplit_once(':')
        .and_then(|(_, p)| p.parse().ok())
        .with_context(|| format!("adresse sans port : {addr}"))
}

impl Product {
    /// Builds and installs the plugins into `home`, fills a new home with
    /// demo data (`patients` patients), starts the sandbox, the proxy
    /// e-santé and the host.
    fn start(
        root: &Path,
        home: &Path,
        addr: &str,
        sandbox_addr: &str,
        proxy_addr: &str,
        patients: u32,
    ) -> anyhow::Result<Self> {
        let packages = build_plugins(root, false)?;
        cargo(
            root,
            &[
                "build",
                "-p",
                "esculape-host",
                "-p",
                "esculape-sandbox",
                "-p",
                "esculape-proxy",
                "-p",
                "esculape-ui",
            ],
        )?;
        install_and_seed(root, home, &packages, patients)?;
        // The national services over mutual TLS too, as reached live: the
        // proxy holds the structure's certificate the sandbox issues.
        let pki = home.join("bac-a-sable-igc");
        let _ = std::fs::remove_file(pki.join("ca.pem"));
        let sandbox_mtls = mtls_addr(sandbox_addr)?;
        let sandbox = Command::new(esculape_bin(root).with_file_name("esculape-sandbox"))
            .args(["--addr", sandbox_addr, "--mtls", &sandbox_mtls, "--pki"])
            .arg(&pki)
            .spawn()
            .context("bac à sable des services nationaux")?;
        // The proxy reads PSC's discovery at start: the sandbox first. Its
        // key is this run's, given to the host only.
        attendre_port(sandbox_addr);
        attendre_port(&sandbox_mtls);
        let mut cle = [0u8; 16];
        getrandom::fill(&mut cle).map_err(|e| anyhow::anyhow!("aléa du système : {e}"))?;
        let cle_proxy = hex::encode(cle);
        let proxy = Command::new(esculape_bin(root).with_file_name("esculape-proxy"))
            .args(["--addr", proxy_addr])
            .env(
                "ESCULAPE_PSC_EMETTEUR",
                format!("http://{sandbox_addr}/psc"),
            )
            .env("ESCULAPE_PSC_CLIENT_ID", PSC_CLIENT_BAC_A_SABLE.0)
            .env("ESCULAPE_PSC_SECRET", PSC_CLIENT_BAC_A_SABLE.1)
            .env("ESCULAPE_PROXY_CLE", &cle_proxy)
            .env("ESCULAPE_PSC_CA", pki.join("ca.pem"))
            .env("ESCULAPE_PSC_CERT", pki.join("structure.pem"))
            .env(
                "ESCULAPE_PROXY_SERVICES",
                format!(
                    "insi=https://localhost:{p}/insi,dmp=https://localhost:{p}/dmp",
                    p = port_de(&sandbox_mtls)?
                ),
            )
            .spawn()
            .context("proxy e-santé")?;
        attendre_port(proxy_addr);
        let host = Command::new(esculape_bin(root))
            .arg("--home")
            .arg(home)
            .args(["serve", "--addr", addr])
            .env("ESCULAPE_INSI_URL", format!("http://{sandbox_addr}/insi"))
            .env(
                "ESCULAPE_ANNUAIRE_URL",
                format!("http://{sandbox_addr}/fhir/v2"),
            )
            .env("ESCULAPE_ANNUAIRE_CLE", esculape_annuaire::CLE_BAC_A_SABLE)
            .env(
                "ESCULAPE_VITALE_URL",
                format!("http://{sandbox_addr}/vitale"),
            )
            .env("ESCULAPE_PROXY_URL", format!("http://{proxy_addr}"))
            .env("ESCULAPE_PROXY_CLE", &cle_proxy)
            .spawn()
            .context("serveur Esculape")?;
        // Ready when the API answers.
        attendre_port(addr);
        Ok(Self {
            host,
            sandbox,
            proxy,
        })
    }

    fn stop(&mut self) {
        for p in [&mut self.host, &mut self.proxy, &mut self.sandbox] {
            let _ = p.kill();
            let _ = p.wait();
        }
    }
}

/// PNGs of the main screens: the real client under Xvfb drives itself
/// (capture mode) against a host with demo data.
/// The desktop client's frame times (ui-egui/benches/images.rs) in a
/// real window on a virtual X server.
fn bench_ui(root: &Path) -> anyhow::Result<()> {
    setup()?;
    let display = ":58";
    let mut xvfb = Command::new("Xvfb")
        .args([display, "-screen", "0", "1280x860x24", "-nolisten", "tcp"])
        .spawn()
        .context("Xvfb introuvable (cargo xtask setup l'installe)")?;
    std::thread::sleep(std::time::Duration::from_millis(800));
    let status = Command::new(cargo_bin())
        .current_dir(root)
        .args(["bench", "-p", "esculape-ui", "--bench", "images"])
        .env("DISPLAY", display)
        .status();
    let _ = xvfb.kill();
    let _ = xvfb.wait();
    if !status?.success() {
        bail!("mesure des images non faite");
    }
    Ok(())
}

fn screenshots(root: &Path) -> anyhow::Result<()> {
    setup()?;
    let out = target_dir(root).join("screenshots");
    // Only this run's pictures (a screen renamed leaves no stale one).
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out)?;
    let home = tempfile_dir("esculape-captures")?;
    let addr = "127.0.0.1:18080";
    let sandbox_addr = "127.0.0.1:18090";
    let mut product = Product::start(root, &home, addr, sandbox_addr, "127.0.0.1:18091", 60)?;
    let display = ":57";
    let mut xvfb = Command::new("Xvfb")
        .args([display, "-screen", "0", "1280x860x24", "-nolisten", "tcp"])
        .spawn()
        .context("Xvfb introuvable (cargo xtask setup l'installe)")?;
    std::thread::sleep(std::time::Duration::from_millis(800));
    let status = Command::new(target_dir(root).join("debug").join("esculape-ui"))
        .env("DISPLAY", display)
        .env("ESCULAPE_URL", format!("http://{addr}"))
        .env("ESCULAPE_CAPTURE", &out)
        .env(
            "ESCULAPE_CAPTURE_LOGIN",
            format!("dr.martin:{}", DEMO_MEDECIN_PASSWORD),
        )
        .status();
    let _ = xvfb.kill();
    let _ = xvfb.wait();
    product.stop();
    let _ = std::fs::remove_dir_all(&home);
    if !status?.success() {
        bail!("captures d'écran non faites");
    }
    println!("captures d'écran dans {}", out.display());
    Ok(())
}

/// The password of the demo médecin (`esculape demo-data`).
const DEMO_MEDECIN_PASSWORD: &str = "Stethoscope-2026!";

fn tempfile_dir(prefix: &str) -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("{prefix}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// Plugins installed into `home` (trusting the dev key); a new home gets
/// a demo practice.
fn install_and_seed(
    root: &Path,
    home: &Path,
    packages: &[PathBuf],
    patients: u32,
) -> anyhow::Result<()> {
    let trusted = home.join("trusted-keys");
    std::fs::create_dir_all(&trusted)?;
    std::fs::write(trusted.join("dev.pub"), dev_key(root)?.public_hex())?;
    for pkg in packages {
        let status = Command::new(esculape_bin(root))
            .arg("--home")
            .arg(home)
            .args(["plugins", "install"])
            .arg(pkg)
            .status()?;
        if !status.success() {
            bail!("installation de {} refusée", pkg.display());
        }
    }
    // A first run gets a demo practice to look at (accounts printed).
    if !home.join("esculape.db").exists() && std::env::var_os("ESCULAPE_DATABASE_URL").is_none() {
        let status = Command::new(esculape_bin(root))
            .arg("--home")
            .arg(home)
            .args(["demo-data", "--patients", &patients.to_string()])
            .status()?;
        if !status.success() {
            bail!("données de démonstration non créées ({status})");
        }
    }
    Ok(())
}

/// Test counts read from cargo test's "test result:" lines.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub passed: u64,
    pub failed: u64,
}

impl Counts {
    /// Add one "test result: ok. 3 passed; 1 failed; ..." line.
    pub fn add_line(&mut self, line: &str) {
        let Some(rest) = line.trim().strip_prefix("test result: ") else {
            return;
        };
        for part in rest.split(';') {
            let words: Vec<&str> = part.split_whitespace().collect();
            let n = words
                .iter()
                .rev()
                .nth(1)
                .and_then(|w| w.parse::<u64>().ok());
            match (n, words.last()) {
                (Some(n), Some(&"passed")) => self.passed += n,
                (Some(n), Some(&"failed")) => self.failed += n,
                _ => {}
            }
        }
    }
}

/// Run cargo test, echoing its output and counting its results.
pub fn cargo_test(root: &Path, args: &[&str]) -> anyhow::Result<(Counts, bool)> {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(cargo_bin())
        .args(args)
        .current_dir(root)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .with_context(|| format!("cargo {}", args.join(" ")))?;
    let mut counts = Counts::default();
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out).lines() {
            let line = line?;
            counts.add_line(&line);
            println!("{line}");
        }
    }
    Ok((counts, child.wait()?.success()))
}

/// Every test, in the order that fails fastest on a broken tree.
fn test(root: &Path, quick: bool) -> anyhow::Result<()> {
    // A mutants run cut short leaves its copy of the tree, whose files the
    // shared target folder's fingerprints then name: without it, cargo
    // rebuilds from this tree rather than trusting the copy's crates.
    mutants::oublier_copie(root);
    setup()?;
    requirements::command(root, true)?;
    build_plugins(root, true)?;
    let (mut total, mut ok) = cargo_test(
        root,
        &["test", "--workspace", "--all-targets", "--no-fail-fast"],
    )?;
    if !quick {
        match scaffold::check(root) {
            Ok(c) => {
                total.passed += c.passed;
                total.failed += c.failed;
            }
            Err(e) => {
                eprintln!("gabarit de module: {e:#}");
                total.failed += 1;
                ok = false;
            }
        }
        match mutants::run(root) {
            Ok(killed) => total.passed += killed,
            Err(e) => {
                eprintln!("mutants: {e:#}");
                total.failed += 1;
                ok = false;
            }
        }
    }
    println!("{} passed, {} failed", total.passed, total.failed);
    if !ok || total.failed > 0 {
        bail!("des tests ont échoué");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_demo_proxy_uses_the_client_the_sandbox_registers() {
        assert_eq!(
            super::PSC_CLIENT_BAC_A_SABLE,
            (esculape_sandbox::psc::CLIENT, esculape_sandbox::psc::SECRET)
        );
    }

    use super::Counts;

    #[test]
    fn counts_cargo_test_lines() {
        let mut c = Counts::default();
        c.add_line("test result: ok. 15 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 7.24s");
        c.add_line("test result: FAILED. 12 passed; 3 failed; 0 ignored");
        c.add_line("running 3 tests");
        assert_eq!(
            c,
            Counts {
                passed: 27,
                failed: 3
            }
        );
    }
}
