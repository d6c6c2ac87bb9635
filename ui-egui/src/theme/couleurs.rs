//! The colours of both themes, by meaning, and the egui style made of
//! them.

use super::{Theme, espace};
use egui::{Color32, CornerRadius, FontFamily, FontId, Margin, Stroke, TextStyle, vec2};

const fn hex(rgb: u32) -> Color32 {
    Color32::from_rgb((rgb >> 16) as u8, (rgb >> 8) as u8, rgb as u8)
}

/// A meaning a colour says (with an icon and words beside it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ton {
    Neutre,
    /// Done, confirmed, qualified.
    Succes,
    /// Known, planned, in hand.
    Info,
    /// To look at: incomplete, waiting, retried.
    Attention,
    /// Wrong, refused, dangerous (allergies).
    Danger,
    /// The product's own colour: the current choice.
    Primaire,
}

/// The colours of one theme.
#[derive(Debug, Clone, Copy)]
pub struct Palette {
    /// Behind everything.
    pub fond: Color32,
    /// Cards, windows, the banner.
    pub surface: Color32,
    /// Sunken areas: table stripes, the agenda's off hours.
    pub surface_basse: Color32,
    /// Inside text fields.
    pub champ: Color32,
    pub bordure: Color32,
    pub texte: Color32,
    /// Secondary text: dates, hints, counts.
    pub texte_discret: Color32,
    pub primaire: Color32,
    /// Text on the primary colour.
    pub sur_primaire: Color32,
    pub selection: Color32,
    pub bouton: Color32,
    pub bouton_survol: Color32,
    pub bouton_appui: Color32,
    /// Each tone: its text and its tint.
    tons: [(Color32, Color32); 6],
}

impl Palette {
    /// A tone's text colour and the tint behind it.
    pub fn ton(&self, t: Ton) -> (Color32, Color32) {
        self.tons[t as usize]
    }
    pub fn de(t: Theme) -> &'static Palette {
        match t {
            Theme::Clair => &CLAIRE,
            Theme::Sombre => &SOMBRE,
        }
    }
}

// Okabe–Ito hues (bluish green, blue, orange, vermillion), darkened on
// light backgrounds and lightened on dark ones to keep the text contrast
// at 4.5:1 or more on their tint. On light backgrounds the danger is a
// crimson: a darkened vermillion reads as the same brown as the darkened
// orange to protanopes and deuteranopes (the test below measures it).
static CLAIRE: Palette = Palette {
    fond: hex(0xF3F5F8),
    surface: hex(0xFFFFFF),
    surface_basse: hex(0xEEF1F5),
    champ: hex(0xFFFFFF),
    bordure: hex(0xD3DAE3),
    texte: hex(0x1B2330),
    texte_discret: hex(0x586474),
    primaire: hex(0x1D5EA8),
    sur_primaire: hex(0xFFFFFF),
    selection: hex(0xCFE0F5),
    bouton: hex(0xE8EDF3),
    bouton_survol: hex(0xDCE5EF),
    bouton_appui: hex(0xC8D6E7),
    tons: [
        (hex(0x455263), hex(0xE7EBF0)),
        (hex(0x006B4E), hex(0xD6F1E7)),
        (hex(0x00598F), hex(0xDAEAF6)),
        (hex(0x8A5300), hex(0xFCEDCF)),
        (hex(0xB8003F), hex(0xFADDE3)),
        (hex(0x1D5EA8), hex(0xDCE7F6)),
    ],
};

static SOMBRE: Palette = Palette {
    fond: hex(0x15191F),
    surface: hex(0x1E242C),
    surface_basse: hex(0x252C35),
    champ: hex(0x11151A),
    bordure: hex(0x36404C),
    texte: hex(0xE5E9EF),
    texte_discret: hex(0x9CA7B5),
    primaire: hex(0x62A6EF),
    sur_primaire: hex(0x0A1220),
    selection: hex(0x264566),
    bouton: hex(0x2A323C),
    bouton_survol: hex(0x333D49),
    bouton_appui: hex(0x3F4B59),
    tons: [
        (hex(0xB6C0CC), hex(0x2B323C)),
        (hex(0x4BD2A8), hex(0x123C32)),
        (hex(0x72B9EE), hex(0x13344E)),
        (hex(0xF2B54C), hex(0x43310E)),
        (hex(0xFF9168), hex(0x4D2415)),
        (hex(0x62A6EF), hex(0x1C3452)),
    ],
};

/// The palette of the theme `ui` is drawn in.
pub fn palette(ui: &egui::Ui) -> &'static Palette {
    if ui.visuals().dark_mode {
        &SOMBRE
    } else {
        &CLAIRE
    }
}

/// The egui style of a theme: its colours, the type scale, the spacing.
pub(super) fn style(t: Theme) -> egui::Style {
    let p = Palette::de(t);
    let mut s = egui::Style::default();
    s.text_styles = [
        (
            TextStyle::Small,
            FontId::new(12.0, FontFamily::Proportional),
        ),
        (TextStyle::Body, FontId::new(14.5, FontFamily::Proportional)),
        (
            TextStyle::Button,
            FontId::new(14.5, FontFamily::Proportional),
        ),
        (
            TextStyle::Heading,
            FontId::new(21.0, FontFamily::Proportional),
        ),
        (
            TextStyle::Monospace,
            FontId::new(13.0, FontFamily::Monospace),
        ),
        (
            super::texte::titre(),
            FontId::new(16.5, FontFamily::Proportional),
        ),
        (
            super::texte::grand(),
            FontId::new(24.0, FontFamily::Proportional),
        ),
    ]
    .into();
    s.spacing.item_spacing = vec2(espace::S, 6.0);
    s.spacing.button_padding = vec2(10.0, 5.0);
    s.spacing.interact_size.y = 26.0;
    s.spacing.window_margin = Margin::same(espace::L as i8);
    s.spacing.menu_margin = Margin::same(espace::S as i8);
    // A status's advice comes after a second of hovering, not at once.
    s.interaction.tooltip_delay = 1.0;

    let mut v = match t {
        Theme::Clair => egui::Visuals::light(),
        Theme::Sombre => egui::Visuals::dark(),
    };
    let r = CornerRadius::same(6);
    v.panel_fill = p.fond;
    v.window_fill = p.surface;
    v.window_stroke = Stroke::new(1.0, p.bordure);
    v.window_corner_radius = CornerRadius::same(espace::ARRONDI);
    v.menu_corner_radius = CornerRadius::same(8);
    v.extreme_bg_color = p.champ;
    v.text_edit_bg_color = Some(p.champ);
    v.faint_bg_color = p.surface_basse;
    v.code_bg_color = p.surface_basse;
    v.hyperlink_color = p.primaire;
    v.warn_fg_color = p.ton(Ton::Attention).0;
    v.error_fg_color = p.ton(Ton::Danger).0;
    v.selection.bg_fill = p.selection;
    v.selection.stroke = Stroke::new(1.0, p.primaire);
    let w = &mut v.widgets;
    w.noninteractive.bg_fill = p.surface;
    w.noninteractive.weak_bg_fill = p.surface;
    w.noninteractive.bg_stroke = Stroke::new(1.0, p.bordure);
    w.noninteractive.fg_stroke = Stroke::new(1.0, p.texte);
    w.noninteractive.corner_radius = r;
    for (etat, fond, bord) in [
        (&mut w.inactive, p.bouton, p.bordure),
        (&mut w.hovered, p.bouton_survol, p.primaire),
        (&mut w.active, p.bouton_appui, p.primaire),
        (&mut w.open, p.bouton_survol, p.bordure),
    ] {
        etat.bg_fill = fond;
        etat.weak_bg_fill = fond;
        etat.bg_stroke = Stroke::new(1.0, bord);
        etat.fg_stroke = Stroke::new(1.0, p.texte);
        etat.corner_radius = r;
    }
    // Unchecked boxes and empty fields stand out from the card.
    w.inactive.bg_fill = p.champ;
    s.visuals = v;
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// WCAG relative luminance.
    fn luminance(c: Color32) -> f32 {
        let f = |x: u8| {
            let x = f32::from(x) / 255.0;
            if x <= 0.03928 {
                x / 12.92
            } else {
                ((x + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * f(c.r()) + 0.7152 * f(c.g()) + 0.0722 * f(c.b())
    }

    fn contraste(a: Color32, b: Color32) -> f32 {
        let (x, y) = (luminance(a), luminance(b));
        (x.max(y) + 0.05) / (x.min(y) + 0.05)
    }

    #[test]
    fn every_meaning_is_readable_on_its_tint_and_on_cards_in_both_themes() {
        for p in [&CLAIRE, &SOMBRE] {
            for (texte, teinte) in p.tons {
                assert!(contraste(texte, teinte) >= 4.5, "{texte:?} sur {teinte:?}");
                assert!(contraste(texte, p.surface) >= 4.5, "{texte:?} sur la carte");
            }
            assert!(contraste(p.texte, p.fond) >= 7.0);
            assert!(contraste(p.texte_discret, p.surface) >= 4.5);
            assert!(contraste(p.sur_primaire, p.primaire) >= 4.5);
        }
    }

    /// CIELAB of a colour seen through a colour-vision deficiency
    /// (Machado, Oliveira & Fernandes 2009, severity 1, in linear RGB).
    fn lab_vu(c: Color32, m: &[[f32; 3]; 3]) -> [f32; 3] {
        let lin = |x: u8| {
            let x = f32::from(x) / 255.0;
            if x <= 0.04045 {
                x / 12.92
            } else {
                ((x + 0.055) / 1.055).powf(2.4)
            }
        };
        let rgb = [lin(c.r()), lin(c.g()), lin(c.b())];
        let v: Vec<f32> = m
            .iter()
            .map(|l| (l[0] * rgb[0] + l[1] * rgb[1] + l[2] * rgb[2]).clamp(0.0, 1.0))
            .collect();
        let x = 0.4124 * v[0] + 0.3576 * v[1] + 0.1805 * v[2];
        let y = 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2];
        let z = 0.0193 * v[0] + 0.1192 * v[1] + 0.9505 * v[2];
        let f = |t: f32| {
            if t > 0.008856 {
                t.cbrt()
            } else {
                7.787 * t + 16.0 / 116.0
            }
        };
        [
            116.0 * f(y) - 16.0,
            500.0 * (f(x / 0.95047) - f(y)),
            200.0 * (f(y) - f(z / 1.08883)),
        ]
    }

    #[test]
    fn the_meanings_stay_apart_for_colour_blind_users() {
        const VISIONS: [(&str, [[f32; 3]; 3]); 4] = [
            (
                "normale",
                [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
            ),
            (
                "protanopie",
                [
                    [0.152286, 1.052583, -0.204868],
                    [0.114503, 0.786281, 0.099216],
                    [-0.003882, -0.048116, 1.051998],
                ],
            ),
            (
                "deutéranopie",
                [
                    [0.367322, 0.860646, -0.227968],
                    [0.280085, 0.672501, 0.047413],
                    [-0.011820, 0.042940, 0.968881],
                ],
            ),
            (
                "tritanopie",
                [
                    [1.255528, -0.076749, -0.178779],
                    [-0.078411, 0.930809, 0.147602],
                    [0.004733, 0.691367, 0.303900],
                ],
            ),
        ];
        let sens = [Ton::Succes, Ton::Info, Ton::Attention, Ton::Danger];
        for p in [&CLAIRE, &SOMBRE] {
            for (vision, m) in &VISIONS {
                for (i, a) in sens.iter().enumerate() {
                    for b in &sens[i + 1..] {
                        let (x, y) = (lab_vu(p.ton(*a).0, m), lab_vu(p.ton(*b).0, m));
                        let ecart = x
                            .iter()
                            .zip(y)
                            .map(|(u, v)| (u - v).powi(2))
                            .sum::<f32>()
                            .sqrt();
                        assert!(ecart >= 10.0, "{a:?} et {b:?} en {vision} : ΔE {ecart:.1}");
                    }
                }
            }
        }
    }
}
