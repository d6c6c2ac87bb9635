//! `esculape`: the host's command line.

use anyhow::Context;
use clap::{Parser, Subcommand};
use esculape_host::{api, home};
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
    }
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
        let state = api::AppState {
            runtime: Arc::new(rt),
            store: Arc::new(store),
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
