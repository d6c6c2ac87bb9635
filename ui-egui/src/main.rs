//! The Esculape desktop client. With `ESCULAPE_URL` it connects to that
//! host (a maison de santé's server, `cargo xtask run`'s host). Without
//! it, it is a one-doctor install: it starts its own host in this process
//! on the home `ESCULAPE_HOME` (default `~/.local/share/esculape`, with
//! its SQLite database) and talks to it over HTTP on 127.0.0.1 like any
//! client; the first start asks for the practice and the doctor's
//! account. With `ESCULAPE_CAPTURE=DIR` it drives itself through the main
//! screens and saves them as PNG files (see `capture`).

use esculape_host::serveur::HoteEmbarque;
use esculape_ui::EsculapeApp;
use esculape_ui::api::Api;
use esculape_ui::capture::Capture;
use esculape_ui::theme::Affichage;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

/// What the window shows: the embedded host starting, or the app.
enum Etat {
    Demarrage(mpsc::Receiver<anyhow::Result<HoteEmbarque>>),
    /// A host over HTTPS met for the first time: its fingerprint compared.
    Epinglage(esculape_ui::epingles::PremiereConnexion),
    Echec(String),
    Pret(Box<EsculapeApp>),
}

/// The window: the app, and in capture mode the capture driving it.
struct Fenetre {
    etat: Etat,
    /// The user's display choice, and where it is kept.
    affichage: Affichage,
    /// Kept alive as long as the window: dropping it stops the host once
    /// the requests in flight are answered.
    hote: Option<HoteEmbarque>,
    capture: Option<Capture>,
    issue: Arc<Mutex<Option<Result<usize, String>>>>,
}

impl Fenetre {
    fn app(&self, api: Api) -> EsculapeApp {
        EsculapeApp::new(api).avec_affichage(self.affichage, Some(Affichage::fichier()))
    }
}

impl eframe::App for Fenetre {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        if let Etat::Demarrage(rx) = &self.etat {
            match rx.try_recv() {
                Ok(Ok(hote)) => match Api::new(&hote.url) {
                    Ok(api) => {
                        api.set_code_installation(hote.code_installation.clone());
                        self.etat = Etat::Pret(Box::new(self.app(api)));
                        self.hote = Some(hote);
                    }
                    Err(e) => self.etat = Etat::Echec(e.to_string()),
                },
                Ok(Err(e)) => self.etat = Etat::Echec(format!("{e:#}")),
                Err(mpsc::TryRecvError::Disconnected) => {
                    self.etat = Etat::Echec("démarrage interrompu".into())
                }
                Err(mpsc::TryRecvError::Empty) => {}
            }
        }
        if let Etat::Epinglage(p) = &mut self.etat {
            match p.show(ui) {
                Some(esculape_ui::epingles::Decision::Confiance(api)) => {
                    self.etat = Etat::Pret(Box::new(self.app(api)));
                }
                Some(esculape_ui::epingles::Decision::Abandon) => {
                    ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
                }
                None => {}
            }
            return;
        }
        match &mut self.etat {
            Etat::Epinglage(_) => {}
            Etat::Demarrage(_) => {
                egui::CentralPanel::default().show(ui, |ui| {
                    ui.vertical_centered(|ui| {
                        ui.add_space(120.0);
                        ui.heading("Esculape");
                        ui.spinner();
                        ui.label("Ouverture du cabinet (base de données, modules)…");
                    });
                });
                ui.ctx()
                    .request_repaint_after(std::time::Duration::from_millis(100));
            }
            Etat::Echec(e) => {
                egui::CentralPanel::default().show(ui, |ui| {
                    ui.vertical_centered(|ui| {
                        ui.add_space(120.0);
                        ui.heading("Esculape n'a pas pu démarrer");
                        esculape_ui::theme::bandeau_erreur(ui, e.as_str());
                    });
                });
            }
            Etat::Pret(app) => {
                app.show(ui);
                if let Some(c) = &mut self.capture {
                    let ctx = ui.ctx().clone();
                    c.frame(&ctx, app);
                    if c.done()
                        && let Ok(mut issue) = self.issue.lock()
                    {
                        *issue = Some(match &c.error {
                            Some(e) => Err(e.clone()),
                            None => Ok(c.saved.len()),
                        });
                    }
                }
            }
        }
    }
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "esculape=info,warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let affichage = Affichage::charger(&Affichage::fichier());
    let app =
        |api: Api| EsculapeApp::new(api).avec_affichage(affichage, Some(Affichage::fichier()));
    let etat = match std::env::var("ESCULAPE_URL") {
        Ok(url) if url.starts_with("https://") => {
            // pinned here before, or given (a structure's deployment)
            match std::env::var("ESCULAPE_EMPREINTE")
                .ok()
                .or_else(|| esculape_ui::epingles::epingle(&url))
            {
                Some(e) => Etat::Pret(Box::new(app(Api::avec_empreinte(&url, Some(&e))?))),
                None => Etat::Epinglage(esculape_ui::epingles::PremiereConnexion::new(url)),
            }
        }
        Ok(url) => Etat::Pret(Box::new(app(Api::new(&url)?))),
        Err(_) => {
            let home = esculape_host::home::default_home();
            let (tx, rx) = mpsc::channel();
            std::thread::spawn(move || {
                let _ = tx.send(HoteEmbarque::demarrer(home));
            });
            Etat::Demarrage(rx)
        }
    };
    let capture = Capture::from_env();
    let capturing = capture.is_some();
    let issue = Arc::new(Mutex::new(None));
    let fenetre = Fenetre {
        etat,
        affichage,
        hote: None,
        capture,
        issue: issue.clone(),
    };
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Esculape")
            .with_inner_size([1280.0, 860.0]),
        ..Default::default()
    };
    let fenetre_fermee = eframe::run_native(
        "Esculape",
        options,
        Box::new(move |cc| {
            // The theme from the first frame (the start screen too).
            esculape_ui::theme::installer(&cc.egui_ctx, affichage);
            Ok(Box::new(fenetre))
        }),
    )
    .map_err(|e| anyhow::anyhow!("fenêtre Esculape: {e}"));
    esculape_ui::document::effacer_ouverts();
    fenetre_fermee?;
    if capturing {
        match issue.lock().ok().and_then(|i| i.clone()) {
            Some(Ok(n)) => println!("{n} captures d'écran enregistrées"),
            Some(Err(e)) => anyhow::bail!("capture interrompue : {e}"),
            None => anyhow::bail!("capture interrompue : fenêtre fermée avant la fin"),
        }
    }
    Ok(())
}
