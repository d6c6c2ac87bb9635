//! Capture mode (`ESCULAPE_CAPTURE=DIR`): the real window drives itself
//! through the screens of [`ECRANS`] (login, search, patient file, INSi
//! comparison, about, agenda by day and by week, dashboard, the new
//! document's editor, an entry's history, the Annuaire Santé's search, the
//! home screen, a biology curve, a document, sending it by MSSanté),
//! in the light theme then in the dark one, and saves each as a PNG in
//! DIR (`6-agenda-clair.png`, `6-agenda-sombre.png`…), then closes. It is
//! what `cargo xtask screenshots` and the Xvfb smoke test run, so that
//! anyone can look at the screens without clicking through them.

use crate::EsculapeApp;
use std::path::PathBuf;

pub struct Capture {
    dir: PathBuf,
    login: String,
    password: String,
    search: String,
    step: usize,
    /// Frames drawn in the current step (the screen settles first).
    frames: u32,
    /// When the current step started.
    debut: Option<std::time::Instant>,
    /// The screenshot asked for, by file name.
    asked: Option<String>,
    pub saved: Vec<PathBuf>,
    pub error: Option<String>,
}

/// The screens captured, in order (a PNG each, per theme).
pub const ECRANS: &[&str] = &[
    "1-connexion",
    "2-recherche",
    "3-dossier",
    "4-comparaison-insi",
    "5-a-propos",
    "6-agenda",
    "7-tableau-de-bord",
    "8-agenda-semaine",
    "9-nouveau-document",
    "10-historique",
    "11-annuaire",
    "12-accueil",
    "13-biologie",
    "14-document",
    "15-envoi-mss",
];

/// The themes captured, in order, and their files' suffix.
const THEMES: [(crate::theme::Theme, &str); 2] = [
    (crate::theme::Theme::Clair, "clair"),
    (crate::theme::Theme::Sombre, "sombre"),
];

impl Capture {
    /// From `ESCULAPE_CAPTURE` (the folder), `ESCULAPE_CAPTURE_LOGIN`
    /// (`login:password`) and `ESCULAPE_CAPTURE_RECHERCHE` (the search).
    pub fn from_env() -> Option<Self> {
        let dir = PathBuf::from(std::env::var_os("ESCULAPE_CAPTURE")?);
        let creds = std::env::var("ESCULAPE_CAPTURE_LOGIN").unwrap_or_default();
        let (login, password) = creds.split_once(':').unwrap_or(("", ""));
        Some(Self {
            dir,
            login: login.into(),
            password: password.into(),
            search: std::env::var("ESCULAPE_CAPTURE_RECHERCHE").unwrap_or_else(|_| "ma".into()),
            step: 0,
            frames: 0,
            debut: None,
            asked: None,
            saved: vec![],
            error: None,
        })
    }

    pub fn done(&self) -> bool {
        self.step >= ECRANS.len() * THEMES.len() || self.error.is_some()
    }

    /// After each frame of the app: act, wait for the screen to settle,
    /// take the screenshot, go on.
    pub fn frame(&mut self, ctx: &egui::Context, app: &mut EsculapeApp) {
        ctx.request_repaint();
        // Where the X pointer happens to rest, no tooltip in the pictures.
        ctx.all_styles_mut(|s| s.interaction.tooltip_delay = 3600.0);
        if self.done() {
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            return;
        }
        // A screenshot asked for earlier has come back.
        let shot = ctx.input(|i| {
            i.events.iter().find_map(|e| match e {
                egui::Event::Screenshot { image, .. } => Some(image.clone()),
                _ => None,
            })
        });
        if let (Some(name), Some(image)) = (self.asked.clone(), shot) {
            match save_png(&self.dir.join(format!("{name}.png")), &image) {
                Ok(p) => self.saved.push(p),
                Err(e) => self.error = Some(e),
            }
            self.asked = None;
            self.step += 1;
            self.frames = 0;
            self.debut = None;
            return;
        }
        if self.asked.is_some() {
            return;
        }
        self.frames += 1;
        let (etape, (theme, suffixe)) = (
            self.step % ECRANS.len(),
            THEMES[(self.step / ECRANS.len()).min(THEMES.len() - 1)],
        );
        if self.frames > 600 {
            self.error = Some(format!("écran « {} » jamais prêt", ECRANS[etape]));
            return;
        }
        let premiere = self.frames == 1;
        // By name: the order is ECRANS's (the home's first received
        // document's patient, opened by the biology step, has documents
        // for the viewer and the sending).
        let ready = match ECRANS[etape].split_once('-').map_or("", |(_, n)| n) {
            "connexion" => {
                if premiere {
                    // Each theme's pass starts signed out.
                    app.capture_logout();
                    app.capture_theme(ctx, theme);
                }
                self.frames > 5
            }
            "recherche" => {
                if premiere {
                    app.capture_login(&self.login, &self.password);
                }
                if app.connected() && !app.searching_started() {
                    app.capture_search(&self.search);
                }
                app.connected() && app.has_results() && !app.busy()
            }
            "dossier" => {
                if premiere {
                    app.capture_open_first();
                }
                app.file_open() && !app.busy()
            }
            "comparaison-insi" => {
                if premiere {
                    app.capture_compare_insi();
                }
                self.frames > 3 && !app.busy()
            }
            "a-propos" => {
                if premiere {
                    app.capture_about();
                }
                self.frames > 5
            }
            "agenda" | "tableau-de-bord" | "agenda-semaine" => {
                if premiere {
                    app.capture_screen(match ECRANS[etape] {
                        e if e.ends_with("tableau-de-bord") => "tableau",
                        e if e.ends_with("semaine") => "agenda-semaine",
                        _ => "agenda",
                    });
                }
                self.frames > 5 && !app.busy()
            }
            "nouveau-document" => {
                if premiere {
                    app.capture_screen("dossier");
                }
                app.capture_nouveau_document() && self.frames > 5 && !app.busy()
            }
            "historique" => {
                if premiere {
                    app.capture_historique();
                }
                self.frames > 5 && !app.busy()
            }
            "annuaire" => {
                if premiere {
                    app.capture_annuaire();
                }
                self.frames > 5 && !app.busy()
            }
            "accueil" => {
                if premiere {
                    app.capture_accueil();
                }
                self.frames > 5 && !app.busy()
            }
            "biologie" => app.capture_biologie() && self.frames > 5 && !app.busy(),
            "document" => {
                if premiere {
                    app.capture_open_document();
                }
                self.frames > 5 && !app.busy()
            }
            _ => {
                if premiere {
                    app.capture_close_document();
                    app.capture_envoi_mss();
                }
                self.frames > 5 && !app.busy()
            }
        };
        // A few more frames once ready, for layout and fonts, and the time
        // for windows to fade in.
        let debut = *self.debut.get_or_insert_with(std::time::Instant::now);
        if ready && self.frames > 3 && debut.elapsed() > std::time::Duration::from_millis(600) {
            self.asked = Some(format!("{}-{suffixe}", ECRANS[etape]));
            ctx.send_viewport_cmd(egui::ViewportCommand::Screenshot(Default::default()));
        }
    }
}

fn save_png(path: &std::path::Path, image: &egui::ColorImage) -> Result<PathBuf, String> {
    let file = std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let [w, h] = image.size;
    let mut enc = png::Encoder::new(std::io::BufWriter::new(file), w as u32, h as u32);
    enc.set_color(png::ColorType::Rgba);
    enc.set_depth(png::BitDepth::Eight);
    let mut writer = enc.write_header().map_err(|e| e.to_string())?;
    let bytes: Vec<u8> = image.pixels.iter().flat_map(|c| c.to_array()).collect();
    writer.write_image_data(&bytes).map_err(|e| e.to_string())?;
    Ok(path.to_path_buf())
}
