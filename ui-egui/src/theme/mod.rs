//! The design system: how the client looks, in one place. Screens take
//! their colours, text sizes, spacing, icons and widgets from here and
//! never style themselves.
//!
//! Colours carry meanings (identity statuses, alerts, sending states,
//! appointment states) and come from the Okabe–Ito palette, whose hues
//! stay apart under the common colour-vision deficiencies; a meaning is
//! never said by colour alone: every badge has its icon and its words.

mod couleurs;
mod widgets;

pub use couleurs::{Palette, Ton, palette};
/// The icons (Phosphor, regular), drawn by the icon font [`installer`]
/// adds beside the text font.
pub use egui_phosphor::regular as icone;
pub use widgets::*;

use std::path::{Path, PathBuf};

/// Light (the default: a consulting room in daylight) or dark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Theme {
    #[default]
    Clair,
    Sombre,
}

impl Theme {
    pub fn libelle(self) -> &'static str {
        match self {
            Theme::Clair => "Thème clair",
            Theme::Sombre => "Thème sombre",
        }
    }
}

/// What the user chose for the display, kept on the workstation (a
/// small JSON file of this client's own, read field by field: no wire
/// type is declared in the client).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Affichage {
    pub theme: Theme,
    /// The text size (1.0 = 100 %). The whole window scales with it, so
    /// that 150 % keeps every screen laid out as designed.
    pub taille: f32,
}

impl Default for Affichage {
    fn default() -> Self {
        Self {
            theme: Theme::Clair,
            taille: 1.0,
        }
    }
}

/// The text sizes offered in the display menu.
pub const TAILLES: [f32; 5] = [0.9, 1.0, 1.25, 1.5, 1.75];

impl Affichage {
    /// `$ESCULAPE_AFFICHAGE`, else `affichage.json` in the client's
    /// configuration folder.
    pub fn fichier() -> PathBuf {
        std::env::var_os("ESCULAPE_AFFICHAGE")
            .map(PathBuf::from)
            .unwrap_or_else(|| crate::epingles::dossier_config().join("affichage.json"))
    }

    /// The saved choice; the default when there is none or it is
    /// unreadable (a display setting is not worth refusing to start).
    pub fn charger(fichier: &Path) -> Self {
        let Some(v) = std::fs::read(fichier)
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        else {
            return Affichage::default();
        };
        let theme = match v.get("theme").and_then(|t| t.as_str()) {
            Some("sombre") => Theme::Sombre,
            _ => Theme::Clair,
        };
        let taille = v.get("taille").and_then(|t| t.as_f64()).unwrap_or(1.0) as f32;
        Affichage { theme, taille }.borne()
    }

    pub fn enregistrer(&self, fichier: &Path) -> std::io::Result<()> {
        if let Some(d) = fichier.parent() {
            std::fs::create_dir_all(d)?;
        }
        let theme = match self.theme {
            Theme::Clair => "clair",
            Theme::Sombre => "sombre",
        };
        let json = serde_json::json!({ "theme": theme, "taille": self.taille });
        let octets = serde_json::to_vec_pretty(&json).map_err(std::io::Error::other)?;
        std::fs::write(fichier, octets)
    }

    /// A size the window can still be used at.
    pub fn borne(self) -> Self {
        let taille = if self.taille.is_finite() {
            self.taille.clamp(0.75, 2.0)
        } else {
            1.0
        };
        Self { taille, ..self }
    }
}

/// Installs the icon font and both themes' styles in `ctx`, then the
/// user's choice. Called once, at the window's first frame.
pub fn installer(ctx: &egui::Context, a: Affichage) {
    let mut fonts = egui::FontDefinitions::default();
    egui_phosphor::add_to_fonts(&mut fonts, egui_phosphor::Variant::Regular);
    ctx.set_fonts(fonts);
    ctx.set_style_of(egui::Theme::Light, couleurs::style(Theme::Clair));
    ctx.set_style_of(egui::Theme::Dark, couleurs::style(Theme::Sombre));
    appliquer(ctx, a);
}

/// egui's theme of ours.
pub fn egui_theme(t: Theme) -> egui::Theme {
    match t {
        Theme::Clair => egui::Theme::Light,
        Theme::Sombre => egui::Theme::Dark,
    }
}

/// The user's theme and text size, at once.
pub fn appliquer(ctx: &egui::Context, a: Affichage) {
    ctx.set_theme(egui_theme(a.theme));
    ctx.set_zoom_factor(a.borne().taille);
}

/// The type scale, by name, beyond egui's own (small, body, button,
/// heading, monospace).
pub mod texte {
    /// A card's or a panel's title.
    pub const TITRE: &str = "titre";
    /// The patient's name in the banner, the screen's big figure.
    pub const GRAND: &str = "grand";

    pub fn titre() -> egui::TextStyle {
        egui::TextStyle::Name(TITRE.into())
    }
    pub fn grand() -> egui::TextStyle {
        egui::TextStyle::Name(GRAND.into())
    }
}

/// Spacing, in points (multiples of 4).
pub mod espace {
    pub const XS: f32 = 4.0;
    pub const S: f32 = 8.0;
    pub const M: f32 = 12.0;
    pub const L: f32 = 16.0;
    pub const XL: f32 = 24.0;
    /// Corner radius of cards and panels.
    pub const ARRONDI: u8 = 10;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_display_choice_survives_a_restart_and_a_bad_file_gives_the_default() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("sous/affichage.json");
        assert_eq!(Affichage::charger(&f), Affichage::default());
        let a = Affichage {
            theme: Theme::Sombre,
            taille: 1.5,
        };
        a.enregistrer(&f).unwrap();
        assert_eq!(Affichage::charger(&f), a);
        std::fs::write(&f, br#"{"theme":"sombre","taille":40}"#).unwrap();
        assert_eq!(Affichage::charger(&f).taille, 2.0, "borne haute");
        std::fs::write(&f, b"pas du json").unwrap();
        assert_eq!(Affichage::charger(&f), Affichage::default());
    }
}
