//! `esculape`: the host's command line.

use anyhow::Context;
use clap::{Parser, Subcommand};
use esculape_app::auth::NouveauCompte;
use esculape_domain::Role;
use esculape_host::{demo, home, serveur};
use esculape_store::{Actor, NewUser};
use std::path::PathBuf;

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
        /// The server's certificate (PEM, its chain after it); with
        /// `--tls-key`. Without them, a host listening beyond this machine
        /// uses the self-signed one of its home (created at first).
        #[arg(long, requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// The certificate's private key (PEM).
        #[arg(long, requires = "tls_cert")]
        tls_key: Option<PathBuf>,
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
    /// Structures sharing this host (a hosted deployment).
    Structures {
        #[command(subcommand)]
        command: StructuresCommand,
    },
    /// Biology: the JDV « Circuit de la biologie ».
    Biologie {
        #[command(subcommand)]
        command: BiologieCommand,
    },
    /// DMP (Mon espace santé): the state of a patient's DMP, the choices
    /// made without the DMPi guide.
    Dmp {
        #[command(subcommand)]
        command: DmpCommand,
    },
    /// The Annuaire Santé: correspondents' MSSanté addresses.
    Annuaire {
        #[command(subcommand)]
        command: AnnuaireCommand,
    },
    /// MSSanté: the work list of received messages, a document queued for
    /// sending (support and administration).
    Mss {
        #[command(subcommand)]
        command: MssCommand,
    },
    /// The COG referential of birth places.
    Cog {
        #[command(subcommand)]
        command: CogCommand,
    },
    /// INS: NIR/NIA keys, INSi queries.
    Ins {
        #[command(subcommand)]
        command: InsCommand,
    },
    /// Dashboards.
    Indicators {
        #[command(subcommand)]
        command: IndicatorsCommand,
    },
    /// Documents produced by the document plugins.
    Doc {
        #[command(subcommand)]
        command: DocCommand,
    },
    /// Show a client certificate (a structure's, for the national
    /// services): holder, issuer, validity. A `.p12`/`.pfx` takes its
    /// password from $ESCULAPE_CERT_MDP; PEM its key beside it or `--cle`.
    Certificat {
        file: PathBuf,
        #[arg(long)]
        cle: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum DocCommand {
    /// The document types of the installed plugins.
    Types,
    /// Read a received document without storing it: a CDA R2 file or an
    /// IHE_XDM.ZIP; its header, whether a PDF is embedded, its sections
    /// (`--json`: the shape of docs/lecture-document.md).
    Read {
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Store a received document (a CDA R2 file or an IHE_XDM.ZIP) in a
    /// patient's record and integrate what it proposes that the record
    /// does not hold yet (nothing in the record is changed).
    Import {
        file: PathBuf,
        #[arg(long)]
        patient: String,
        /// The médecin it is imported for (default: the only médecin with
        /// an RPPS).
        #[arg(long)]
        auteur: Option<String>,
    },
    /// Produce and sign a document for a patient: writes the CDA
    /// (<id>.xml), its PDF (<id>.pdf) and the IHE_XDM.ZIP package
    /// (<id>-IHE_XDM.ZIP) into --out.
    Produce {
        /// The plugin: its id (fr.esculape.doc.generique) or the end of it
        /// (generique).
        #[arg(long = "type")]
        kind: String,
        #[arg(long)]
        patient: String,
        #[arg(long)]
        out: PathBuf,
        /// The signing médecin's login (default: the only médecin with an
        /// RPPS).
        #[arg(long)]
        auteur: Option<String>,
        /// A form value over the prefilled ones: cle=valeur (JSON, or text).
        #[arg(long = "set")]
        set: Vec<String>,
        /// The document this one corrects (new version, same setId).
        #[arg(long)]
        remplace: Option<String>,
        /// Preview only: write the files, store nothing.
        #[arg(long)]
        apercu: bool,
        /// Hold it back from the DMP: no feeding order at signing.
        #[arg(long)]
        sans_dmp: bool,
    },
}

#[derive(Subcommand)]
enum BiologieCommand {
    /// Load the official spreadsheet of the JDV Circuit de la biologie
    /// (.xlsx; its columns are found by their header names) as this
    /// home's, used instead of the bundled extract.
    Jdv { file: PathBuf },
}

#[derive(Subcommand)]
enum AnnuaireCommand {
    /// Search a correspondent (at least one criterion; names and towns
    /// match from their start, without case or accents).
    Search {
        #[arg(long)]
        nom: Option<String>,
        #[arg(long)]
        prenom: Option<String>,
        #[arg(long)]
        rpps: Option<String>,
        /// Profession code (TRE_G15: 10 médecin, 21 pharmacien, 60 infirmier…).
        #[arg(long)]
        profession: Option<String>,
        /// Specialty code (TRE_R38: SM54 médecine générale, SM04 cardiologie…).
        #[arg(long)]
        specialite: Option<String>,
        #[arg(long)]
        structure: Option<String>,
        #[arg(long)]
        commune: Option<String>,
        /// Only addresses of this kind.
        #[arg(long, value_parser = ["personnelle", "cabinet", "organisationnelle", "applicative"])]
        type_bal: Option<String>,
        /// The answer as JSON (the API's `ReponseAnnuaire`).
        #[arg(long)]
        json: bool,
        /// Who searches (traced; default: the only médecin with an RPPS).
        #[arg(long)]
        auteur: Option<String>,
    },
}

#[derive(Subcommand)]
enum MssCommand {
    /// The messages read from the practice's mailboxes and what became of
    /// each (the mailboxes are read by the serving host, in the name of
    /// each doctor signed in with Pro Santé Connect).
    Messages {
        /// Only those waiting for a doctor.
        #[arg(long)]
        a_traiter: bool,
        /// The answer as JSON (the API's `MessageMss` list).
        #[arg(long)]
        json: bool,
        /// Who reads (traced; default: the only médecin with an RPPS).
        #[arg(long)]
        auteur: Option<String>,
    },
    /// Queue a signed document for sending by MSSanté from the author's
    /// mailbox; the serving host sends it once they are signed in with
    /// Pro Santé Connect.
    Send {
        /// A recipient's MSSanté address (repeat for several).
        #[arg(long = "to", required = true)]
        destinataires: Vec<String>,
        #[arg(long)]
        document: String,
        /// The text above the documents.
        #[arg(long)]
        message: Option<String>,
        #[arg(long)]
        auteur: Option<String>,
    },
}

#[derive(Subcommand)]
enum DmpCommand {
    /// TD0.2: does the patient have an open DMP, is the médecin authorised
    /// (only for a qualified INS and recorded consent; --bris-de-glace for
    /// an emergency, traced).
    Test {
        #[arg(long)]
        patient: String,
        /// The médecin's login (default: the only médecin with an RPPS).
        #[arg(long)]
        auteur: Option<String>,
        #[arg(long)]
        bris_de_glace: bool,
        #[arg(long)]
        json: bool,
    },
    /// The DICA: the four conditions of access to the patient's DMP.
    Dica {
        #[arg(long)]
        patient: String,
        #[arg(long)]
        auteur: Option<String>,
    },
    /// TD2.1: send a document signed here to the patient's DMP (indirect
    /// mode, the structure's certificate; qualified INS, no opposition).
    Send {
        #[arg(long)]
        document: String,
        #[arg(long)]
        auteur: Option<String>,
    },
    /// TD3.3c: delete from the patient's DMP a document sent from here
    /// (error, patient's request); --archiver archives it instead (TD3.3d).
    Delete {
        #[arg(long)]
        document: String,
        #[arg(long)]
        archiver: bool,
        #[arg(long)]
        auteur: Option<String>,
    },
    /// The DMP feeding orders and their state (of one patient, or all).
    Jobs {
        #[arg(long)]
        patient: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Cancel (block) a feeding order that has not run yet.
    Cancel {
        #[arg(long)]
        ordre: String,
    },
    /// The choices made without the DMPi guide, to check against it.
    Hypotheses,
}

#[derive(Subcommand)]
enum CogCommand {
    /// Import the INSEE files of a folder (v_commune_AAAA.csv, and if
    /// present v_commune_depuis_1943.csv, v_mvt_commune_AAAA.csv,
    /// v_pays_territoire_AAAA.csv, v_comer_AAAA.csv) as this home's
    /// referential, used instead of the bundled one from the next start.
    Import { dir: PathBuf },
    /// What a code designates (now, or on --date AAAA-MM-JJ).
    Lieu {
        code: String,
        #[arg(long)]
        date: Option<String>,
    },
}

#[derive(Subcommand)]
enum InsCommand {
    /// Check a NIR/NIA (15 characters), or give the key of 13.
    Check { nir: String },
    /// Ask the configured INSi (the sandbox by default) by traits.
    Search {
        /// Birth name.
        #[arg(long)]
        nom: String,
        /// First birth first name(s).
        #[arg(long)]
        prenom: Vec<String>,
        /// F or M.
        #[arg(long)]
        sexe: String,
        /// Birth date AAAA-MM-JJ.
        #[arg(long)]
        naissance: String,
        /// Birth place COG (used on a 02 answer).
        #[arg(long)]
        lieu: Option<String>,
    },
}

#[derive(Subcommand)]
enum IndicatorsCommand {
    /// TBB.INS.02: patients seen and identity statuses of a month.
    Ins {
        /// AAAA-MM
        #[arg(long)]
        month: String,
        #[arg(long)]
        rpps: Option<String>,
        #[arg(long)]
        finess: Option<String>,
        #[arg(long)]
        json: bool,
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
        /// The account's structure (its id, from `structures list`);
        /// the first structure by default.
        #[arg(long)]
        structure: Option<String>,
    },
    /// List accounts.
    List,
}

#[derive(Subcommand)]
enum StructuresCommand {
    /// Create a structure sharing this host (its accounts then see only
    /// its patients), with its first site.
    Add {
        #[arg(long)]
        name: String,
        /// cabinet, maison-de-sante or centre-de-sante
        #[arg(long)]
        kind: String,
        #[arg(long)]
        finess: Option<String>,
        /// Its first site's name.
        #[arg(long, default_value = "Site principal")]
        site: String,
    },
    /// List structures and their ids.
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
    /// Install a signed package (.escpkg); refused with the reason otherwise
    /// (an older version than the installed one too, unless --retrograder).
    Install {
        path: PathBuf,
        /// Accept an older version than the installed one (a deliberate
        /// rollback).
        #[arg(long)]
        retrograder: bool,
    },
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
        Command::Serve {
            addr,
            tls_cert,
            tls_key,
        } => serve(home, addr, tls_cert.zip(tls_key)),
        Command::Plugins { command } => plugins(home, command),
        Command::Audit {
            command: AuditCommand::Verify,
        } => audit_verify(home),
        Command::DemoData { patients, seed } => with_app(&home, |app| async move {
            let r = app
                .donnees_de_demo(patients, seed, |n| {
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
            with_app(&home, |app| async move {
                let summary = app
                    .sauvegarder(&Actor::user("sauvegarde-cli"), &file, &pass, |n| {
                        eprint!("\r{n} lignes sauvegardées")
                    })
                    .await?;
                eprintln!();
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
            with_app(&home, |app| async move {
                let summary = app
                    .restaurer(&Actor::user("restauration-cli"), &file, &pass, |n| {
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
        Command::Export { out, patient } => with_app(&home, |app| async move {
            let n = app
                .exporter(
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
        Command::Structures { command } => with_app(&home, |app| async move {
            let hote = Actor::user("cli");
            match command {
                StructuresCommand::Add {
                    name,
                    kind,
                    finess,
                    site,
                } => {
                    let kind =
                        esculape_domain::StructureKind::from_code(&kind).ok_or_else(|| {
                            anyhow::anyhow!(
                                "type inconnu «{kind}» (cabinet, maison-de-sante, centre-de-sante)"
                            )
                        })?;
                    let s = app
                        .creer_structure(&hote, &name, kind, finess.as_deref())
                        .await?;
                    app.creer_site(&hote, &s.id, &site, None, None).await?;
                    println!("structure créée: {} ({})", s.name, s.id);
                }
                StructuresCommand::List => {
                    for s in app.structures(&hote).await? {
                        println!("{}  {:<16} {}", s.id, s.kind.code(), s.name);
                    }
                }
            }
            Ok(())
        }),
        Command::Certificat { file, cle } => {
            let i = esculape_transport::identite::Emplacement {
                chemin: file,
                cle,
                mot_de_passe: std::env::var("ESCULAPE_CERT_MDP").ok(),
            }
            .charger()?;
            println!("{}", i.resume(esculape_transport::identite::maintenant()));
            Ok(())
        }
        Command::Import { file } => with_app(&home, |app| async move {
            let n = app.importer(&Actor::user("import-cli"), &file).await?;
            println!("{n} dossier(s) importé(s)");
            Ok(())
        }),
        Command::Dmp {
            command: DmpCommand::Hypotheses,
        } => {
            for (quoi, choix) in esculape_dmp::acces::HYPOTHESES {
                println!("{quoi} : {choix}");
            }
            Ok(())
        }
        Command::Dmp {
            command:
                DmpCommand::Test {
                    patient,
                    auteur,
                    bris_de_glace,
                    json,
                },
        } => with_app(&home, |app| async move {
            let actor = auteur_ou_signataire(&app, auteur).await?;
            let e = app.etat_dmp(&actor, &patient, bris_de_glace).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&e)?);
            } else {
                println!("{} ({})", e.message, e.mode);
                if let Some(a) = &e.autorisation {
                    println!(
                        "autorisation : {a}{}",
                        if e.medecin_traitant {
                            " · médecin traitant"
                        } else {
                            ""
                        }
                    );
                }
                if e.bris_de_glace {
                    println!("accès en BRIS DE GLACE (tracé)");
                }
            }
            Ok(())
        }),
        Command::Dmp {
            command:
                DmpCommand::Delete {
                    document,
                    archiver,
                    auteur,
                },
        } => with_app(&home, |app| async move {
            let actor = auteur_ou_signataire(&app, auteur).await?;
            let m = app.retirer_du_dmp(&actor, &document, archiver).await?;
            println!(
                "« {} » {} du DMP",
                m.title,
                if archiver { "archivé" } else { "supprimé" }
            );
            Ok(())
        }),
        Command::Dmp {
            command: DmpCommand::Jobs { patient, json },
        } => with_app(&home, |app| async move {
            let ordres = app
                .ordres_dmp(&Actor::user("dmp-cli"), patient.as_deref())
                .await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&ordres)?);
                return Ok(());
            }
            if ordres.is_empty() {
                println!("aucun ordre d'envoi au DMP");
            }
            for o in ordres {
                let quand = o
                    .prochain_essai
                    .map(|t| {
                        format!(
                            " · prochain essai {}",
                            esculape_domain::calendar::paris_local(t)
                        )
                    })
                    .unwrap_or_default();
                println!(
                    "{}  {}  {}  (essais : {}){quand}",
                    o.id,
                    o.etat.libelle(),
                    o.label,
                    o.essais
                );
                if let Some(e) = o.erreur {
                    println!("    {e}");
                }
            }
            Ok(())
        }),
        Command::Dmp {
            command: DmpCommand::Cancel { ordre },
        } => with_app(&home, |app| async move {
            match esculape_app::travaux::annuler(&app, &Actor::user("dmp-cli"), &ordre).await? {
                Ok(t) => println!("ordre annulé : {}", t.label),
                Err(t) => anyhow::bail!("ordre non annulable ({}) : {}", t.etat.libelle(), t.label),
            }
            Ok(())
        }),
        Command::Dmp {
            command: DmpCommand::Send { document, auteur },
        } => with_app(&home, |app| async move {
            let actor = auteur_ou_signataire(&app, auteur).await?;
            let m = app.alimenter_dmp(&actor, &document).await?;
            println!("« {} » envoyé au DMP (état : {:?})", m.title, m.dmp_state);
            Ok(())
        }),
        Command::Dmp {
            command: DmpCommand::Dica { patient, auteur },
        } => with_app(&home, |app| async move {
            let actor = auteur_ou_signataire(&app, auteur).await?;
            let d = app.dica(&actor, &patient).await?;
            println!(
                "DMP {}",
                if d.consultable {
                    "consultable"
                } else {
                    "non consultable"
                }
            );
            for c in &d.conditions {
                println!(
                    "  [{}] {:?} : {}{}",
                    if c.remplie { "x" } else { " " },
                    c.condition,
                    c.detail,
                    c.solution
                        .as_ref()
                        .map(|s| format!(" → {s}"))
                        .unwrap_or_default()
                );
            }
            Ok(())
        }),
        Command::Mss {
            command:
                MssCommand::Messages {
                    a_traiter,
                    json,
                    auteur,
                },
        } => with_app(&home, |app| async move {
            let actor = auteur_ou_signataire(&app, auteur).await?;
            let messages = app.messages_mss(&actor, a_traiter).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&messages)?);
                return Ok(());
            }
            if messages.is_empty() {
                println!("aucun message");
            }
            for m in &messages {
                let etat = serde_json::to_value(m.etat)?;
                println!(
                    "{}  « {} »{}  [{}]{}",
                    m.id,
                    m.objet,
                    m.de.as_deref()
                        .map(|d| format!(" de {d}"))
                        .unwrap_or_default(),
                    etat.as_str().unwrap_or_default(),
                    m.patient
                        .as_deref()
                        .map(|p| format!("  patient : {p}"))
                        .unwrap_or_default(),
                );
                println!("    {}", m.raison);
            }
            Ok(())
        }),
        Command::Mss {
            command:
                MssCommand::Send {
                    destinataires,
                    document,
                    message,
                    auteur,
                },
        } => with_app(&home, |app| async move {
            let actor = auteur_ou_signataire(&app, auteur).await?;
            let d = app
                .envoyer_par_mss(
                    &actor,
                    &document,
                    &esculape_app::mss::DemandeEnvoi {
                        destinataires,
                        message,
                        patient: false,
                    },
                )
                .await?;
            println!(
                "« {} » mis en file : il part de la boîte MSSanté de {} dès sa connexion Pro Santé Connect",
                d.title, actor.user_id
            );
            Ok(())
        }),
        Command::Annuaire {
            command:
                AnnuaireCommand::Search {
                    nom,
                    prenom,
                    rpps,
                    profession,
                    specialite,
                    structure,
                    commune,
                    type_bal,
                    json,
                    auteur,
                },
        } => with_app(&home, |app| async move {
            use esculape_api_types::annuaire::{RechercheAnnuaire, TypeBal};
            let actor = auteur_ou_signataire(&app, auteur).await?;
            let recherche = RechercheAnnuaire {
                nom,
                prenom,
                rpps,
                profession,
                specialite,
                structure,
                commune,
                type_bal: type_bal
                    .and_then(|t| TypeBal::TOUS.into_iter().find(|k| k.libelle() == t)),
            };
            let r = app.rechercher_annuaire(&actor, &recherche).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&r)?);
                return Ok(());
            }
            for p in &r.resultats {
                let mut quoi: Vec<String> = p.profession.iter().cloned().collect();
                quoi.extend(p.specialites.iter().cloned());
                println!(
                    "{}{}{}{}",
                    p.nom_affiche(),
                    p.rpps
                        .as_ref()
                        .map(|r| format!("  RPPS {r}"))
                        .unwrap_or_default(),
                    if quoi.is_empty() {
                        String::new()
                    } else {
                        format!("  ({})", quoi.join(", "))
                    },
                    if p.inactif { "  [exercice fermé]" } else { "" }
                );
                for l in &p.lieux {
                    println!(
                        "    {} — {} {}",
                        l.structure,
                        l.code_postal.as_deref().unwrap_or(""),
                        l.commune.as_deref().unwrap_or("")
                    );
                }
                for b in &p.boites {
                    println!(
                        "    ✉ {} [{}]{}",
                        b.adresse,
                        b.type_bal.map_or("type non publié", |t| t.libelle()),
                        b.description
                            .as_ref()
                            .map(|d| format!(" {d}"))
                            .unwrap_or_default()
                    );
                }
                if p.boites.is_empty() {
                    println!("    aucune adresse MSSanté");
                }
            }
            if r.resultats.is_empty() {
                println!("aucun résultat");
            }
            if r.tronque {
                println!("… d'autres résultats : affinez la recherche");
            }
            Ok(())
        }),
        Command::Cog { command } => cog(home, command),
        Command::Biologie {
            command: BiologieCommand::Jdv { file },
        } => with_app(&home, |app| async move {
            let octets =
                std::fs::read(&file).with_context(|| format!("lecture de {}", file.display()))?;
            let nom = file
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("jdv.xlsx")
                .to_string();
            let jdv = app.importer_jdv(&Actor::system(), octets, &nom).await?;
            println!(
                "JDV Circuit de la biologie : {} analyses lues de {}",
                jdv.analyses, jdv.origine
            );
            for r in &jdv.remarques {
                println!("  {r}");
            }
            Ok(())
        }),
        Command::Ins {
            command: InsCommand::Check { nir },
        } => ins_check(&nir),
        Command::Ins { command } => ins_search(home, command),
        Command::Indicators { command } => indicators(home, command),
        Command::Doc { command } => doc(home, command),
        Command::Users { command } => with_app(&home, |app| async move {
            match command {
                UsersCommand::Add {
                    login,
                    name,
                    role,
                    rpps,
                    structure,
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
                    let u = app
                        .creer_compte(
                            &Actor::user("cli"),
                            &NouveauCompte {
                                compte: NewUser {
                                    login,
                                    display_name: name,
                                    rpps,
                                    profession: None,
                                    role,
                                    structure_id: structure,
                                },
                                password,
                            },
                        )
                        .await?;
                    println!("compte créé: {} ({})", u.login, u.role.code());
                }
                UsersCommand::List => {
                    for u in app.comptes(&Actor::system()).await? {
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

/// `esculape ins check`: valid or not, and the expected key.
fn ins_check(nir: &str) -> anyhow::Result<()> {
    let m: String = nir
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    let key = ((m.len() == 13 || m.len() == 15) && m.is_ascii())
        .then(|| esculape_domain::identity::ins_key(&m[..13]))
        .flatten()
        .ok_or_else(|| {
            anyhow::anyhow!("«{nir}»: 13 ou 15 caractères attendus (chiffres, 2A/2B pour la Corse)")
        })?;
    if m.len() == 13 {
        println!("{m}: clé {key:02} ({m}{key:02})");
        return Ok(());
    }
    if m[13..].parse::<u8>().ok() == Some(key) {
        println!("{m}: valide");
        Ok(())
    } else {
        anyhow::bail!("{m}: invalide, clé attendue {key:02}")
    }
}

fn cog(home: PathBuf, command: CogCommand) -> anyhow::Result<()> {
    match command {
        CogCommand::Import { dir } => {
            let mut found: std::collections::BTreeMap<&str, PathBuf> = Default::default();
            for e in
                std::fs::read_dir(&dir).with_context(|| format!("lecture de {}", dir.display()))?
            {
                let path = e?.path();
                let name = path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or("")
                    .to_ascii_lowercase();
                if !name.ends_with(".csv") {
                    continue;
                }
                let kind = if name.starts_with("v_commune_depuis") {
                    "historique"
                } else if name.starts_with("v_commune_") {
                    "communes"
                } else if name.starts_with("v_mvt_commune") {
                    "mouvements"
                } else if name.starts_with("v_pays") {
                    "pays"
                } else if name.starts_with("v_comer") {
                    "outre_mer"
                } else {
                    continue;
                };
                // The latest vintage when several are present.
                if found.get(kind).is_none_or(|p| p < &path) {
                    found.insert(kind, path);
                }
            }
            let read = |k: &str| -> anyhow::Result<Option<String>> {
                found
                    .get(k)
                    .map(|p| {
                        std::fs::read_to_string(p)
                            .with_context(|| format!("lecture de {}", p.display()))
                    })
                    .transpose()
            };
            let communes = read("communes")?.ok_or_else(|| {
                anyhow::anyhow!(
                    "{}: fichier v_commune_AAAA.csv de l'INSEE absent",
                    dir.display()
                )
            })?;
            let (historique, mouvements, pays, outre_mer) = (
                read("historique")?,
                read("mouvements")?,
                read("pays")?,
                read("outre_mer")?,
            );
            let (tsv, bilan) =
                esculape_domain::cog::insee::importer(&esculape_domain::cog::insee::Fichiers {
                    communes: &communes,
                    historique: historique.as_deref(),
                    mouvements: mouvements.as_deref(),
                    pays: pays.as_deref(),
                    outre_mer: outre_mer.as_deref(),
                })?;
            // Check it reads back before replacing anything.
            esculape_domain::cog::Referentiel::parse(&tsv)?;
            esculape_store::prive::dossier(&home)?;
            let dest = home::cog_path(&home);
            let tmp = dest.with_extension("tsv.tmp");
            std::fs::write(&tmp, tsv)?;
            std::fs::rename(&tmp, &dest)?;
            println!(
                "référentiel COG importé dans {}: {} communes, {} communes déléguées, associées et arrondissements, {} codes historiques, {} pays et territoires, {} communes d'outre-mer",
                dest.display(),
                bilan.communes,
                bilan.communes_rattachees,
                bilan.codes_historiques,
                bilan.pays_et_territoires,
                bilan.outre_mer
            );
            for missing in ["historique", "mouvements", "pays", "outre_mer"] {
                if !found.contains_key(missing) {
                    println!("(fichier {missing} absent: non importé)");
                }
            }
            Ok(())
        }
        CogCommand::Lieu { code, date } => {
            let r = home::cog(&home)?;
            let lieu = match &date {
                Some(d) => r.code_le(&code, d),
                None => r.code(&code),
            };
            match lieu {
                Some(l) => {
                    println!("{}", serde_json::to_string_pretty(&l)?);
                    Ok(())
                }
                None => anyhow::bail!("{code}: code inconnu du référentiel"),
            }
        }
    }
}

/// `esculape ins search`: one query by traits, traced.
fn ins_search(home: PathBuf, command: InsCommand) -> anyhow::Result<()> {
    let InsCommand::Search {
        nom,
        prenom,
        sexe,
        naissance,
        lieu,
    } = command
    else {
        return Ok(());
    };
    let today = esculape_domain::BirthDate::from(
        esculape_domain::calendar::paris_local(esculape_store::now_millis()).day(),
    );
    let identity = esculape_domain::Identity::validate(
        esculape_domain::NewIdentity {
            birth_name: nom,
            used_name: None,
            birth_first_names: prenom,
            used_first_name: None,
            sex: esculape_domain::Sex::from_code(&sexe.to_ascii_uppercase())
                .ok_or_else(|| anyhow::anyhow!("sexe «{sexe}»: F ou M"))?,
            birth_date: esculape_domain::BirthDate::parse(&naissance)?,
            birth_place_cog: lieu,
            ins: None,
            high_trust_document: false,
            justificatif: None,
            from_insi: false,
            attributes: Default::default(),
        },
        today,
    )?;
    with_app(&home, |app| async move {
        let (r, how) = app.interroger_insi_par_traits(&identity).await?;
        println!("{} {} ({:?})", r.code.code(), r.libelle, how);
        if let Some(c) = esculape_host::insi::conseil(r.code) {
            println!("{c}");
        }
        if let Some(i) = &r.individu {
            println!("{}", serde_json::to_string_pretty(i)?);
        }
        Ok(())
    })
}

/// `esculape doc`: the application on this home with its installed plugins.
/// `doc read`: nothing stored, no home needed.
/// A received file's bytes, refused above the reader's limit before
/// being read.
fn octets_recus(file: &std::path::Path) -> anyhow::Result<Vec<u8>> {
    use anyhow::Context;
    let taille = std::fs::metadata(file)
        .with_context(|| format!("{}", file.display()))?
        .len();
    if taille > esculape_xds::lecture::TAILLE_MAX as u64 {
        anyhow::bail!(
            "{} : {} Mio, {} Mio au plus : refusé",
            file.display(),
            taille / (1024 * 1024),
            esculape_xds::lecture::TAILLE_MAX / (1024 * 1024)
        );
    }
    std::fs::read(file).with_context(|| format!("{}", file.display()))
}

fn lire_document(file: &std::path::Path, json: bool) -> anyhow::Result<()> {
    use anyhow::Context;
    let octets = octets_recus(file)?;
    let d = esculape_xds::lecture::lire_fichier(&octets)
        .with_context(|| format!("{} : document illisible", file.display()))?;
    if json {
        println!("{}", serde_json::to_string_pretty(&d)?);
        return Ok(());
    }
    let h = &d.entete;
    println!(
        "{} ({} {}, {})",
        h.title, h.code.code, h.code.display, d.niveau
    );
    println!(
        "identifiant : {} {}",
        h.id.0,
        h.id.1.as_deref().unwrap_or("")
    );
    println!(
        "date : {}",
        esculape_xds::lecture::jour_lisible(&h.effective_time)
    );
    println!(
        "patient : {} {} né(e) le {}",
        h.birth_name,
        h.first_birth_first_name,
        esculape_xds::lecture::jour_lisible(&h.birth_time)
    );
    println!(
        "auteur : {} {} ({})",
        h.author.2, h.author.1, h.organization.1
    );
    match d.taille_pdf {
        Some(n) => println!("PDF joint : {n} octets"),
        None => println!("PDF joint : aucun"),
    }
    for s in &d.sections {
        let titre = if s.titre.is_empty() {
            "(sans titre)"
        } else {
            s.titre.as_str()
        };
        println!("{}§ {titre}", "  ".repeat(s.niveau));
    }
    imprimer_contenu(&d.contenu);
    for a in &d.avertissements {
        println!("attention : {a}");
    }
    Ok(())
}

/// The typed content of a received document, one line per item.
fn imprimer_contenu(c: &esculape_xds::lecture::Contenu) {
    use esculape_xds::lecture::jour_lisible as jour;
    let code = |c: &Option<esculape_xds::Code>| match c {
        Some(c) => format!(" [{}]", c.code),
        None => String::new(),
    };
    let depuis = |d: &Option<String>| match d {
        Some(d) => format!(" depuis le {}", jour(d)),
        None => String::new(),
    };
    for p in &c.problemes {
        let etat = if p.actif { "actif" } else { "passé" };
        println!(
            "problème : {}{} ({etat}){}",
            p.texte,
            code(&p.code),
            depuis(&p.debut)
        );
    }
    for a in &c.allergies {
        let reaction = a
            .reaction
            .as_ref()
            .map(|r| format!(" : {r}"))
            .unwrap_or_default();
        println!("allergie : {}{}{reaction}", a.texte, code(&a.substance));
    }
    for t in &c.traitements {
        let poso = t
            .posologie
            .as_ref()
            .map(|p| format!(" — {p}"))
            .unwrap_or_default();
        println!(
            "traitement : {}{}{poso}{}",
            t.texte,
            code(&t.medicament),
            depuis(&t.debut)
        );
    }
    for v in &c.vaccinations {
        let lot = v
            .lot
            .as_ref()
            .map(|l| format!(", lot {l}"))
            .unwrap_or_default();
        let date = v
            .date
            .as_deref()
            .map(jour)
            .unwrap_or("date inconnue".into());
        println!(
            "vaccination : {}{} le {date}{lot}",
            v.texte,
            code(&v.vaccin)
        );
    }
    for m in &c.mesures {
        println!(
            "mesure : {} [{}] {} {}",
            m.code.display, m.code.code, m.valeur, m.unite
        );
    }
    for r in &c.resultats {
        let valeur = match (&r.valeur, &r.unite, &r.texte) {
            (Some(v), Some(u), _) => format!("{v} {u}"),
            (_, _, Some(t)) => t.clone(),
            _ => "?".into(),
        };
        let intervalle = r
            .intervalle
            .as_ref()
            .map(|i| format!(" (référence {i})"))
            .unwrap_or_default();
        let interpretation = r
            .interpretation
            .as_ref()
            .map(|i| format!(" {i}"))
            .unwrap_or_default();
        println!(
            "résultat : {} [{}] = {valeur}{intervalle}{interpretation}",
            r.libelle, r.code.code
        );
    }
}

fn doc(home: PathBuf, command: DocCommand) -> anyhow::Result<()> {
    if let DocCommand::Read { file, json } = &command {
        return lire_document(file, *json);
    }
    with_app(&home, |state| async move {
        for (id, result) in state.runtime.load_installed() {
            if let Err(e) = result {
                eprintln!("module {id} non chargé: {e}");
            }
        }
        let types = esculape_host::documents::types(&state);
        match command {
            DocCommand::Read { .. } => Ok(()),
            DocCommand::Types => {
                for t in types {
                    println!(
                        "{:<32} {:<3} {:<10} {} ({})",
                        t.plugin, t.niveau, t.type_code, t.titre, t.volet
                    );
                }
                Ok(())
            }
            DocCommand::Import {
                file,
                patient,
                auteur,
            } => {
                let octets = octets_recus(&file)?;
                let actor = auteur_ou_signataire(&state, auteur).await?;
                let fait = state
                    .importer_document(
                        &actor,
                        &patient,
                        octets,
                        esculape_domain::document::Provenance::Importe,
                    )
                    .await
                    .map_err(|e| anyhow::anyhow!("{} : {e}", file.display()))?;
                let (m, f) = (&fait.document, fait.integration);
                println!(
                    "document enregistré : {} (id {}, version {})",
                    m.title, m.id, m.version_number
                );
                if let Some(i) = &fait.identite {
                    println!("attention : {i}");
                }
                println!(
                    "intégré au dossier : {} élément(s) ajouté(s), {} déjà présent(s)",
                    f.ajoutees.len(),
                    f.deja_presentes
                );
                for e in f.ecartees {
                    println!("non intégré : {e}");
                }
                Ok(())
            }
            DocCommand::Produce {
                kind,
                patient,
                out,
                auteur,
                set,
                remplace,
                apercu,
                sans_dmp,
            } => {
                let plugin = types
                    .iter()
                    .find(|t| {
                        t.plugin == kind || t.plugin.rsplit('.').next() == Some(kind.as_str())
                    })
                    .map(|t| t.plugin.clone())
                    .ok_or_else(|| {
                        let known: Vec<&str> = types.iter().map(|t| t.plugin.as_str()).collect();
                        anyhow::anyhow!(
                            "type «{kind}» inconnu; types installés: {}",
                            known.join(", ")
                        )
                    })?;
                let actor = auteur_ou_signataire(&state, auteur).await?;
                let form =
                    esculape_host::documents::formulaire(&state, &actor, &patient, &plugin).await?;
                let mut valeurs = form.valeurs;
                for kv in set {
                    let (k, v) = kv
                        .split_once('=')
                        .ok_or_else(|| anyhow::anyhow!("--set «{kv}»: attendu cle=valeur"))?;
                    let v = serde_json::from_str(v)
                        .unwrap_or_else(|_| serde_json::Value::String(v.to_string()));
                    valeurs.insert(k.to_string(), v);
                }
                let demande = esculape_host::documents::DemandeDocument {
                    plugin,
                    valeurs,
                    remplace,
                    retenir_dmp: sans_dmp,
                    invisible_au_patient: false,
                };
                let p =
                    esculape_host::documents::produire(&state, &actor, &patient, demande, !apercu)
                        .await?;
                std::fs::create_dir_all(&out)
                    .with_context(|| format!("dossier {}", out.display()))?;
                let id = p.entry.unique_id.clone();
                let files = [
                    (format!("{id}.xml"), &p.cda),
                    (format!("{id}.pdf"), &p.pdf),
                    (format!("{id}-IHE_XDM.ZIP"), &p.xdm),
                ];
                for (name, bytes) in files {
                    let path = out.join(name);
                    esculape_store::prive::ecrire(&path, bytes)
                        .with_context(|| format!("écriture de {}", path.display()))?;
                    println!("{}", path.display());
                }
                for n in p.notices {
                    eprintln!("{n}");
                }
                if let Some(m) = p.meta {
                    eprintln!(
                        "document {} enregistré (version {}, lot {})",
                        m.id, m.version_number, m.set_id
                    );
                }
                Ok(())
            }
        }
    })
}

fn indicators(home: PathBuf, command: IndicatorsCommand) -> anyhow::Result<()> {
    let IndicatorsCommand::Ins {
        month,
        rpps,
        finess,
        json,
    } = command;
    with_app(&home, |app| async move {
        let cols = app
            .indicateurs_ins(&Actor::system(), &month, rpps.as_deref(), finess.as_deref())
            .await?;
        if json {
            println!("{}", serde_json::to_string_pretty(&cols)?);
            return Ok(());
        }
        println!("TBB.INS.02, {month}");
        for c in cols {
            let who = if c.tout_le_cabinet {
                "tout le cabinet".to_string()
            } else {
                format!("RPPS {}, FINESS {}", c.rpps, c.finess)
            };
            println!("\n{who}");
            println!(
                "  Nombre de patients uniques vus dans le mois  {:>6}",
                c.patients_vus
            );
            for (label, n) in [
                ("Identités au statut provisoire", &c.provisoire),
                ("Identités au statut récupérée", &c.recuperee),
                ("Identités au statut validée", &c.validee),
                ("Identités au statut qualifiée", &c.qualifiee),
                (
                    "  dont par procédure spécifique transitoire",
                    &c.qualifiee_procedure_transitoire,
                ),
            ] {
                println!("  {label:<44} {:>6} {:>6.1} %", n.nombre, n.taux);
            }
        }
        Ok(())
    })
}

/// Run `f` on the home's application in a fresh tokio runtime.
fn with_app<F, Fut>(home: &std::path::Path, f: F) -> anyhow::Result<()>
where
    F: FnOnce(esculape_app::App) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let tokio = tokio::runtime::Runtime::new()?;
    tokio.block_on(async { f(home::app(home).await?).await })
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
        PluginsCommand::Install { path, retrograder } => {
            let info = rt
                .install_avec(&path, esculape_runtime::Autorisations { retrograder })
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
    tokio.block_on(async {
        let app = home::app(&home).await?;
        let report = app.verifier_journal().await?;
        if let Some((seq, what)) = report.broken {
            anyhow::bail!("journal d'audit altéré à l'événement {seq}: {what}");
        }
        // A chain recomputed after a change, a cut tail or an emptied
        // trail reads as intact: the anchors outside the database say.
        let ancres = app.verifier_ancres().await?;
        if let Some(r) = ancres.rupture {
            anyhow::bail!("journal d'audit altéré: {r}");
        }
        println!(
            "journal d'audit intact: {} événements, empreinte de tête {}",
            report.events, report.head
        );
        match ancres.derniere {
            Some(seq) => println!(
                "{} ancres signées vérifiées (dernière: événement {seq})",
                ancres.ancres
            ),
            None => println!("aucune ancre encore (la première est posée maintenant)"),
        }
        app.ancrer_journal().await?;
        Ok(())
    })
}

fn serve(home: PathBuf, addr: String, tls: Option<(PathBuf, PathBuf)>) -> anyhow::Result<()> {
    let tokio = tokio::runtime::Runtime::new()?;
    tokio.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&addr)
            .await
            .with_context(|| format!("écoute sur {addr}"))?;
        let local = listener.local_addr()?;
        let certificat = match tls {
            Some((crt, key)) => Some(home::lire_certificat(&crt, &key)?),
            None if serveur::exige_tls(&local) => {
                let mut noms = vec!["localhost".to_string()];
                if !local.ip().is_unspecified() {
                    noms.push(local.ip().to_string());
                }
                if let Ok(h) = std::env::var("HOSTNAME") {
                    noms.push(h);
                }
                Some(home::certificat_serveur(&home, &noms)?)
            }
            None => None,
        };
        let state = serveur::etat(&home, false).await?;
        let arret = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        match certificat {
            Some(c) => {
                // Shown where the host is started: each workstation compares
                // it at its first connection before pinning it.
                println!("Esculape à l'écoute sur https://{local}");
                println!(
                    "Empreinte SHA-256 du certificat du serveur: {}",
                    c.empreinte()
                );
                serveur::servir_tls(state, listener, c.config()?, arret).await
            }
            None => {
                println!("Esculape à l'écoute sur http://{local} (ce poste seulement)");
                serveur::servir(state, listener, arret).await
            }
        }
    })
}

/// The account a command acts as: the login given, or the only médecin
/// with an RPPS.
async fn auteur_ou_signataire(
    app: &esculape_app::App,
    auteur: Option<String>,
) -> anyhow::Result<Actor> {
    Ok(match auteur {
        Some(l) => Actor::user(l),
        None => app.signataire_par_defaut().await?,
    })
}
