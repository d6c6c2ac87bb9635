//! The Esculape desktop client. It connects to the host at
//! `ESCULAPE_URL` (default `http://127.0.0.1:8080`, what `esculape serve`
//! listens on). With `ESCULAPE_CAPTURE=DIR` it drives itself through the
//! main screens and saves them as PNG files (see `capture`).

use esculape_ui::EsculapeApp;
use esculape_ui::api::Api;
use esculape_ui::capture::Capture;
use std::sync::{Arc, Mutex};

/// The window: the app, and in capture mode the capture driving it.
struct Fenetre {
    app: EsculapeApp,
    capture: Option<Capture>,
    issue: Arc<Mutex<Option<Result<usize, String>>>>,
}

impl eframe::App for Fenetre {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.app.show(ui);
        if let Some(c) = &mut self.capture {
            let ctx = ui.ctx().clone();
            c.frame(&ctx, &mut self.app);
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

fn main() -> anyhow::Result<()> {
    let url = std::env::var("ESCULAPE_URL").unwrap_or_else(|_| "http://127.0.0.1:8080".into());
    let api = Api::new(&url)?;
    let capture = Capture::from_env();
    let capturing = capture.is_some();
    let issue = Arc::new(Mutex::new(None));
    let fenetre = Fenetre {
        app: EsculapeApp::new(api),
        capture,
        issue: issue.clone(),
    };
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Esculape")
            .with_inner_size([1280.0, 860.0]),
        ..Default::default()
    };
    eframe::run_native(
        "Esculape",
        options,
        Box::new(move |_cc| Ok(Box::new(fenetre))),
    )
    .map_err(|e| anyhow::anyhow!("fenêtre Esculape: {e}"))?;
    if capturing {
        match issue.lock().ok().and_then(|i| i.clone()) {
            Some(Ok(n)) => println!("{n} captures d'écran enregistrées"),
            Some(Err(e)) => anyhow::bail!("capture interrompue : {e}"),
            None => anyhow::bail!("capture interrompue : fenêtre fermée avant la fin"),
        }
    }
    Ok(())
}
