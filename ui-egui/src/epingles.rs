//! The hosts this workstation trusts over HTTPS, by the fingerprint of
//! their certificate: pinned at the first connection, once the user has
//! compared it with the one the host shows (`esculape serve` prints it).
//! A practice's host has no certificate a public authority signed; its
//! fingerprint is what proves the workstation talks to it.

use crate::api::{Api, ApiError};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The file of pinned fingerprints: `$ESCULAPE_EPINGLES`, else
/// `$XDG_CONFIG_HOME/esculape/serveurs.json`, else
/// `~/.config/esculape/serveurs.json`.
pub fn fichier() -> PathBuf {
    if let Some(f) = std::env::var_os("ESCULAPE_EPINGLES") {
        return PathBuf::from(f);
    }
    dossier_config().join("serveurs.json")
}

/// The client's configuration folder on this workstation:
/// `$XDG_CONFIG_HOME/esculape`, else `~/.config/esculape`.
pub fn dossier_config() -> PathBuf {
    std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
        .unwrap_or_else(|| ".".into())
        .join("esculape")
}

fn lues() -> BTreeMap<String, String> {
    std::fs::read(fichier())
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// The fingerprint pinned for the host at `url`, if any.
pub fn epingle(url: &str) -> Option<String> {
    lues().get(url.trim_end_matches('/')).cloned()
}

/// Pins `empreinte` for the host at `url` (the file readable by this
/// account only).
pub fn epingler(url: &str, empreinte: &str) -> std::io::Result<()> {
    let f = fichier();
    if let Some(d) = f.parent() {
        std::fs::create_dir_all(d)?;
    }
    let mut toutes = lues();
    toutes.insert(url.trim_end_matches('/').to_string(), empreinte.to_string());
    let json = serde_json::to_vec_pretty(&toutes).map_err(std::io::Error::other)?;
    std::fs::write(&f, json)?;
    #[cfg(unix)]
    std::fs::set_permissions(&f, std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    Ok(())
}

/// The first connection to a host over HTTPS: its fingerprint read, shown
/// to compare, then pinned at the user's word.
pub struct PremiereConnexion {
    pub url: String,
    releve: std::sync::mpsc::Receiver<Result<String, ApiError>>,
    pub empreinte: Option<Result<String, String>>,
}

/// What the user decided.
pub enum Decision {
    Confiance(Api),
    Abandon,
}

impl PremiereConnexion {
    /// Starts reading the host's fingerprint (off the window's thread).
    pub fn new(url: String) -> Self {
        let (tx, releve) = std::sync::mpsc::channel();
        let u = url.clone();
        std::thread::spawn(move || {
            let _ = tx.send(crate::api::empreinte_presentee(&u));
        });
        Self {
            url,
            releve,
            empreinte: None,
        }
    }

    pub fn show(&mut self, ui: &mut egui::Ui) -> Option<Decision> {
        if self.empreinte.is_none()
            && let Ok(r) = self.releve.try_recv()
        {
            self.empreinte = Some(r.map_err(|e| e.to_string()));
        }
        let mut decision = None;
        let mut refus = None;
        use crate::theme::{self, Ton, icone};
        egui::CentralPanel::default().show(ui, |ui| {
            ui.vertical_centered(|ui| {
                ui.add_space(theme::espace::XL * 3.0);
                ui.set_max_width(620.0);
                theme::carte(ui, icone::SHIELD_CHECK, "Première connexion à ce serveur", |ui| {
                  ui.with_layout(egui::Layout::top_down(egui::Align::Min), |ui| {
                    theme::discret(ui, &self.url);
                    ui.add_space(theme::espace::S);
                    match &self.empreinte {
                        None => {
                            theme::ligne_progression(ui, "Lecture du certificat du serveur…", None);
                            ui.ctx()
                                .request_repaint_after(std::time::Duration::from_millis(100));
                        }
                        Some(Err(e)) => {
                            theme::bandeau_erreur(ui, e);
                            if theme::bouton(ui, true, icone::X, "Fermer").clicked() {
                                decision = Some(Decision::Abandon);
                            }
                        }
                        Some(Ok(e)) => {
                            ui.label("Empreinte SHA-256 du certificat présenté :");
                            ui.add(egui::Label::new(egui::RichText::new(e).monospace()).wrap());
                            ui.add_space(theme::espace::S);
                            theme::bandeau(
                                ui,
                                Ton::Attention,
                                icone::WARNING,
                                "Comparez-la avec celle qu'affiche le serveur à son démarrage. \
                                 Si elles diffèrent, ne continuez pas : quelqu'un se fait passer pour lui.",
                            );
                            ui.add_space(theme::espace::S);
                            ui.horizontal_wrapped(|ui| {
                                if theme::bouton_principal(
                                    ui,
                                    true,
                                    icone::SEAL_CHECK,
                                    "Les empreintes sont identiques : faire confiance",
                                )
                                .clicked()
                                {
                                    match epingler(&self.url, e)
                                        .map_err(|x| x.to_string())
                                        .and_then(|()| {
                                            Api::avec_empreinte(&self.url, Some(e))
                                                .map_err(|x| x.to_string())
                                        }) {
                                        Ok(api) => decision = Some(Decision::Confiance(api)),
                                        Err(x) => refus = Some(x),
                                    }
                                }
                                if theme::bouton(ui, true, icone::X, "Annuler").clicked() {
                                    decision = Some(Decision::Abandon);
                                }
                            });
                        }
                    }
                  });
                });
            });
        });
        if let Some(x) = refus {
            self.empreinte = Some(Err(x));
        }
        decision
    }
}
