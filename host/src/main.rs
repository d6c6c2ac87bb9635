//! `esculape`: the host's command line.

use anyhow::Context;
use clap::{Parser, Subcommand};
use esculape_domain::Role;
use esculape_host::{api, demo, export, home};
use esculape_store::{Actor, NewUser};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Parser)]
#[command(
    name = "esculape",
    version,
    about = "Esculape, logiciel de gestion de cabinet"
)]
struct Cli {
    /// Home folder (plugins, cache, keys); default $ESCULAPE_HOME.
    #[arg(long, global = true)]
    home: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP API.
    Serve {
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: String,
    },
    /// Manage plugins.
    Plugins {
        #[command(subcommand)]
        command: PluginsCommand,
    },
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Fill the database with a synthetic practice (accounts if none yet,
    /// patients with encounters, measures, documents, today's agenda).
    DemoData {
        #[arg(long, default_value_t = 200)]
        patients: usize,
        #[arg(long, default_value_t = 2026)]
        seed: u64,
    },
    /// Encrypted, consistent backup of the whole database (the host may be
    /// serving). Passphrase: --passphrase-file or $ESCULAPE_BACKUP_PASSPHRASE.
    Backup {
        file: PathBuf,
        #[arg(long)]
        passphrase_file: Option<PathBuf>,
    },
    /// Restore a backup into an empty database.
    Restore {
        file: PathBuf,
        #[arg(long)]
        passphrase_file: Option<PathBuf>,
    },
    /// Export patient files (all, or one with --patient) as a zip of JSON
    /// and original documents (format: docs/export-format.md).
    Export {
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        patient: Option<String>,
    },
    /// Import an export zip (ids kept; a patient already present is refused).
    Import { file: PathBuf },
    /// Accounts.
    Users {
        #[command(subcommand)]
        command: UsersCommand,
    },
}

#[derive(Subcommand)]
enum UsersCommand {
    /// Create an account; the password comes from $ESCULAPE_PASSWORD or the
    /// first line of standard input.
    Add {
        #[arg(long)]
        login: String,
        #[arg(long)]
        name: String,
        /// medecin, secretaire or administrateur
        #[arg(long)]
        role: String,
        #[arg(long)]
        rpps: Option<String>,
    },
    /// List accounts.
    List,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the hash chain of the whole trail; non-zero exit if broken.
    Verify,
}

#[derive(Subcommand)]
enum PluginsCommand {
    /// List installed plugins: id, version, API, capabilities, status.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Install a signed package (.escpkg); refused with the reason otherwise.
    Install { path: PathBuf },
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "esculape=info,esculape_runtime=info,warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let home = cli.home.unwrap_or_else(home::default_home);
    match cli.command {
        Command::Serve { addr } => serve(home, addr),
        Command::Plugins { command } => plugins(home, command),
        Command::Audit {
            command: AuditCommand::Verify,
        } => audit_verify(home),
        Command::DemoData { patients, seed } => with_store(&home, |store| async move {
            let today = esculape_domain::calendar::paris_local(store.now()).day();
            let r = demo::populate(&store, patients, seed, today, |n| {
                if n % 50 == 0 || n == patients {
                    eprint!("\r{n}/{patients} patients");
                }
            })
            .await?;
            eprintln!();
            println!(
                "{} patients, {} consultations, {} éléments de dossier, {} documents, {} rendez-vous aujourd'hui",
                r.patients, r.encounters, r.entries, r.documents, r.appointments
            );
            println!("comptes de démonstration (identifiant / mot de passe):");
            for (login, _, role, password) in demo::ACCOUNTS {
                println!("  {login:<10} {password:<22} {}", role.code());
            }
            Ok(())
        }),
        Command::Backup {
            file,
            passphrase_file,
        } => {
            let pass = passphrase(passphrase_file)?;
            with_store(&home, |store| async move {
                let tmp = file.with_extension("partiel");
                let out = std::fs::File::create(&tmp)
                    .with_context(|| format!("création de {}", tmp.display()))?;
                let (out, summary) = store
                    .backup_with_progress(std::io::BufWriter::new(out), &pass, |n| {
                        eprint!("\r{n} lignes sauvegardées")
                    })
                    .await?;
                eprintln!();
                out.into_inner()
                    .map_err(|e| anyhow::anyhow!("écriture: {e}"))?
                    .sync_all()?;
                std::fs::rename(&tmp, &file)?;
                let rows: i64 = summary.counts.values().sum();
                println!(
                    "sauvegarde chiffrée écrite: {} ({rows} lignes, empreinte {})",
                    file.display(),
                    summary.content_hash
                );
                Ok(())
            })
        }
        Command::Restore {
            file,
            passphrase_file,
        } => {
            let pass = passphrase(passphrase_file)?;
            with_store(&home, |store| async move {
                let input = std::fs::File::open(&file)
                    .with_context(|| format!("ouverture de {}", file.display()))?;
                let summary = store
                    .restore_with_progress(std::io::BufReader::new(input), &pass, |n| {
                        eprint!("\r{n} lignes restaurées")
                    })
                    .await?;
                eprintln!();
                println!(
                    "restauration terminée: {} patients, {} documents, empreinte {} vérifiée",
                    summary.counts["patient"], summary.counts["document"], summary.content_hash
                );
                Ok(())
            })
        }
        Command::Export { out, patient } => with_store(&home, |store| async move {
            let n = export::export_zip(
                &store,
                &Actor::user("export-cli"),
                patient.map(|p| vec![p]),
                &out,
                |i, total| {
                    if i % 100 == 0 || i == total {
                        eprint!("\r{i}/{total} dossiers");
                    }
                },
            )
            .await?;
            eprintln!();
            println!("{n} dossier(s) exporté(s) dans {}", out.display());
            Ok(())
        }),
        Command::Import { file } => with_store(&home, |store| async move {
            let n = export::import_zip(&store, &Actor::user("import-cli"), &file).await?;
            println!("{n} dossier(s) importé(s)");
            Ok(())
        }),
        Command::Users { command } => with_store(&home, |store| async move {
            match command {
                UsersCommand::Add {
                    login,
                    name,
                    role,
                    rpps,
                } => {
                    let role = Role::from_code(&role).ok_or_else(|| {
                        anyhow::anyhow!(
                            "rôle inconnu «{role}» (medecin, secretaire, administrateur)"
                        )
                    })?;
                    let password = match std::env::var("ESCULAPE_PASSWORD") {
                        Ok(p) => p,
                        Err(_) => {
                            let mut line = String::new();
                            std::io::stdin().read_line(&mut line)?;
                            line.trim_end_matches(['\r', '\n']).to_string()
                        }
                    };
                    let u = store
                        .create_user(
                            &Actor::user("cli"),
                            NewUser {
                                login,
                                display_name: name,
                                rpps,
                                profession: None,
                                role,
                                structure_id: None,
                                password,
                            },
                        )
                        .await?;
                    println!("compte créé: {} ({})", u.login, u.role.code());
                }
                UsersCommand::List => {
                    for u in store.users().await? {
                        println!(
                            "{:<20} {:<15} {:<30} {}",
                            u.login,
                            u.role.code(),
                            u.display_name,
                            if u.active { "actif" } else { "désactivé" }
                        );
                    }
                }
            }
            Ok(())
        }),
    }
}

/// Run `f` on the home's store in a fresh tokio runtime.
fn with_store<F, Fut>(home: &std::path::Path, f: F) -> anyhow::Result<()>
where
    F: FnOnce(Arc<esculape_store::Store>) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let tokio = tokio::runtime::Runtime::new()?;
    tokio.block_on(async {
        let store = Arc::new(home::store(home).await?);
        f(store).await
    })
}

fn passphrase(file: Option<PathBuf>) -> anyhow::Result<String> {
    let p = match file {
        Some(f) => std::fs::read_to_string(&f)
            .with_context(|| format!("lecture de {}", f.display()))?
            .trim_end_matches(['\r', '\n'])
            .to_string(),
        None => std::env::var("ESCULAPE_BACKUP_PASSPHRASE").map_err(|_| {
            anyhow::anyhow!(
                "phrase de passe requise: --passphrase-file FICHIER ou $ESCULAPE_BACKUP_PASSPHRASE"
            )
        })?,
    };
    Ok(p)
}

fn plugins(home: PathBuf, command: PluginsCommand) -> anyhow::Result<()> {
    let rt = home::runtime(&home)?;
    match command {
        PluginsCommand::Install { path } => {
            let info = rt
                .install(&path)
                .map_err(|e| anyhow::anyhow!("installation refusée: {e}"))?;
            println!("installé: {} {} (API {})", info.id, info.version, info.api);
            Ok(())
        }
        PluginsCommand::List { json } => {
            rt.load_installed();
            let list = rt.list();
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
                return Ok(());
            }
            if list.is_empty() {
                println!("aucun module installé dans {}", home.display());
            }
            println!(
                "{:<28} {:<8} {:<9} {:<5} {:<44} STATUT",
                "ID", "VERSION", "MONDE", "API", "CAPACITÉS"
            );
            for p in list {
                println!(
                    "{:<28} {:<8} {:<9} {:<5} {:<44} {}",
                    p.id,
                    p.version,
                    p.world,
                    p.api,
                    p.capabilities.join(","),
                    p.status
                );
            }
            Ok(())
        }
    }
}

fn audit_verify(home: PathBuf) -> anyhow::Result<()> {
    let tokio = tokio::runtime::Runtime::new()?;
    let report = tokio.block_on(async {
        let store = home::store(&home).await?;
        anyhow::Ok(store.verify_audit().await?)
    })?;
    match report.broken {
        None => {
            println!(
                "journal d'audit intact: {} événements, empreinte de tête {}",
                report.events, report.head
            );
            Ok(())
        }
        Some((seq, what)) => {
            anyhow::bail!("journal d'audit altéré à l'événement {seq}: {what}")
        }
    }
}

fn serve(home: PathBuf, addr: String) -> anyhow::Result<()> {
    let rt = home::runtime(&home)?;
    for (id, result) in rt.load_installed() {
        match result {
            Ok(p) => tracing::info!("module {id} {} chargé ({:?})", p.version, p.origin),
            Err(e) => tracing::error!("module {id} non chargé: {e}"),
        }
    }
    let tokio = tokio::runtime::Runtime::new()?;
    tokio.block_on(async move {
        let store = home::store(&home).await?;
        let store = Arc::new(store);
        // Load the search index while the first user logs in.
        let warming = store.clone();
        tokio::spawn(async move {
            let t = std::time::Instant::now();
            match warming.warm_search().await {
                Ok(n) => tracing::info!(
                    "index de recherche: {n} patients en {:.1} s",
                    t.elapsed().as_secs_f64()
                ),
                Err(e) => tracing::error!("index de recherche non chargé: {e}"),
            }
        });
        let state = api::AppState {
            runtime: Arc::new(rt),
            store,
            insi: Arc::new(esculape_host::insi::InsiClient::new(
                esculape_host::insi::InsiConfig::from_env(),
            )),
        };
        let listener = tokio::net::TcpListener::bind(&addr)
            .await
            .with_context(|| format!("écoute sur {addr}"))?;
        tracing::info!("Esculape à l'écoute sur http://{addr}");
        axum::serve(listener, api::router(state))
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await?;
        anyhow::Ok(())
    })
}
