//! Frame times of the real window (eframe, glow on Mesa under the X
//! server `DISPLAY` names: `cargo xtask bench-ui` starts one), as a user
//! feels them: scrolling a day of 40 appointments, then a chart of 500
//! encounters while the INSi takes 3 s to answer. Each frame's time is
//! eframe's own measure (the app's frame and its rendering, vsync
//! excluded); the percentiles are printed, with their ratio to the 16 ms
//! budget of a 60 Hz screen, and written to
//! `$CARGO_TARGET_DIR/bench-ui.json`. Nothing is asserted: a benchmark
//! reports, the reader judges.

#[path = "../tests/hote/mod.rs"]
mod hote;

use esculape_api_types::domaine::agenda::NewAppointment;
use esculape_api_types::dossier::NouvelleConsultation;
use esculape_domain::calendar::{LocalDateTime, paris_local};
use esculape_domain::record::NewEncounter;
use esculape_ui::EsculapeApp;
use esculape_ui::api::{Api, Pending};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Frames measured in each scene.
const IMAGES: usize = 400;
/// The budget of one frame at 60 Hz.
const BUDGET_MS: f64 = 16.0;

fn attendre<T>(p: Pending<T>) -> T {
    for _ in 0..20_000 {
        if let Some(r) = p.poll() {
            return r.expect("réponse de l'hôte");
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    panic!("l'hôte n'a pas répondu");
}

fn maintenant_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Today's 40 appointments and the patient's 500 encounters.
fn remplir(h: &hote::Hote) {
    let api = Api::new(&h.url).unwrap();
    attendre(api.login(hote::MEDECIN.0, hote::MEDECIN.1));
    let jour = paris_local(maintenant_ms()).day();
    let praticien = attendre(api.practitioners()).remove(0).id;
    let site = attendre(api.sites()).remove(0).id;
    for i in 0..40 {
        let start = LocalDateTime::at(jour, 8 * 60 + i * 15);
        attendre(api.book(&NewAppointment {
            practitioner_id: praticien.clone(),
            site_id: site.clone(),
            patient_id: (i % 3 == 0).then(|| h.patient.clone()),
            start,
            end: start.plus_minutes(15),
            reason: Some(format!("Consultation {i}")),
        }));
    }
    for i in 0..500i64 {
        attendre(
            api.add_encounter(
                &h.patient,
                &NouvelleConsultation {
                    episode_id: None,
                    encounter: NewEncounter {
                        date: esculape_domain::calendar::Day::from_days(jour.days() - 3 * i),
                        reason: Some(format!("Motif {i}")),
                        note: "Examen clinique sans particularité. Poursuite du traitement, \
                           revoir dans trois mois."
                            .into(),
                    },
                },
            ),
        );
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Scene {
    Connexion,
    Agenda,
    Dossier,
    Fin,
}

/// The window driving itself: it scrolls each scene and keeps each
/// frame's time.
struct Banc {
    app: EsculapeApp,
    scene: Scene,
    images: usize,
    mesures: Arc<Mutex<Vec<(Scene, f64)>>>,
    debut: Instant,
}

impl eframe::App for Banc {
    fn raw_input_hook(&mut self, _ctx: &egui::Context, raw: &mut egui::RawInput) {
        if matches!(self.scene, Scene::Agenda | Scene::Dossier) {
            // The pointer over the scrolled area, the wheel turning one way
            // then the other.
            let pos = egui::pos2(800.0, 500.0);
            raw.events.push(egui::Event::PointerMoved(pos));
            let sens = if (self.images / 60) % 2 == 0 {
                -1.0
            } else {
                1.0
            };
            raw.events.push(egui::Event::MouseWheel {
                unit: egui::MouseWheelUnit::Point,
                delta: egui::vec2(0.0, 40.0 * sens),
                modifiers: egui::Modifiers::NONE,
                phase: egui::TouchPhase::Move,
            });
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        let ctx = ui.ctx().clone();
        self.app.show(ui);
        ctx.request_repaint();
        let cpu = frame.info().cpu_usage.map(f64::from);
        match self.scene {
            Scene::Connexion => {
                if self.app.connected() && !self.app.searching_started() {
                    self.app.capture_search("mart ana");
                }
                if self.app.has_results() && !self.app.file_open() && !self.app.busy() {
                    self.app.capture_open_first();
                }
                if self.app.file_open() && !self.app.busy() {
                    self.app.capture_screen("agenda");
                    self.scene = Scene::Agenda;
                    self.images = 0;
                }
            }
            Scene::Agenda | Scene::Dossier => {
                self.images += 1;
                // The first frames of a scene load it; then it is measured.
                if self.images > 30
                    && let Some(s) = cpu
                    && let Ok(mut m) = self.mesures.lock()
                {
                    m.push((self.scene, s * 1000.0));
                }
                if self.images == 30 && self.scene == Scene::Dossier {
                    // The INSi asked (3 s to answer) while the chart scrolls.
                    self.app.capture_compare_insi();
                }
                if self.images >= IMAGES + 30 {
                    self.images = 0;
                    self.scene = if self.scene == Scene::Agenda {
                        self.app.capture_screen("dossier");
                        Scene::Dossier
                    } else {
                        Scene::Fin
                    };
                }
            }
            Scene::Fin => ctx.send_viewport_cmd(egui::ViewportCommand::Close),
        }
        if self.debut.elapsed() > Duration::from_secs(600) {
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
    }
}

fn centile(v: &[f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let i = ((p / 100.0) * (v.len() - 1) as f64).round() as usize;
    v[i.min(v.len() - 1)]
}

fn main() {
    // `cargo test --all-targets` runs bench targets too, without
    // `--bench`: nothing to measure then.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    if std::env::var_os("DISPLAY").is_none() {
        eprintln!("bench-ui : pas de serveur X (DISPLAY) ; lancez `cargo xtask bench-ui`");
        return;
    }
    let h = hote::demarrer();
    remplir(&h);
    h.latence_insi(3000);
    let api = Api::new(&h.url).unwrap();
    let mut app = EsculapeApp::new(api);
    app.capture_login(hote::MEDECIN.0, hote::MEDECIN.1);
    let mesures = Arc::new(Mutex::new(vec![]));
    let banc = Banc {
        app,
        scene: Scene::Connexion,
        images: 0,
        mesures: mesures.clone(),
        debut: Instant::now(),
    };
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default().with_inner_size([1280.0, 860.0]),
        ..Default::default()
    };
    eframe::run_native(
        "Esculape — mesure",
        options,
        Box::new(move |_| Ok(Box::new(banc))),
    )
    .expect("fenêtre");
    let mesures = mesures.lock().map(|m| m.clone()).unwrap_or_default();
    let mut rapport = serde_json::Map::new();
    println!("scène               images    p50     p95     p99     max   (ms; p99 / 16 ms)");
    for (scene, nom) in [
        (Scene::Agenda, "agenda-40-rendez-vous"),
        (Scene::Dossier, "dossier-500-consultations-insi-3s"),
    ] {
        let mut v: Vec<f64> = mesures
            .iter()
            .filter(|(s, _)| *s == scene)
            .map(|(_, t)| *t)
            .collect();
        v.sort_by(f64::total_cmp);
        let (p50, p95, p99) = (centile(&v, 50.0), centile(&v, 95.0), centile(&v, 99.0));
        let max = v.last().copied().unwrap_or(f64::NAN);
        println!(
            "{nom:<34} {:>4} {p50:>7.2} {p95:>7.2} {p99:>7.2} {max:>7.2}   ×{:.2}",
            v.len(),
            p99 / BUDGET_MS
        );
        rapport.insert(
            nom.into(),
            serde_json::json!({
                "images": v.len(), "p50_ms": p50, "p95_ms": p95, "p99_ms": p99,
                "max_ms": max, "p99_sur_budget": p99 / BUDGET_MS,
            }),
        );
    }
    let dir = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
    let f = std::path::Path::new(&dir).join("bench-ui.json");
    if let Err(e) = std::fs::write(&f, serde_json::to_vec_pretty(&rapport).unwrap_or_default()) {
        eprintln!("{}: {e}", f.display());
    }
}
