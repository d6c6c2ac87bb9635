//! A document's PDF drawn in the window (SC.CDA/VISU.01: the PDF first),
//! rasterized on the CPU by hayro, off the UI thread; the system viewer
//! stays one click away for printing.

/// One page as straight RGBA pixels.
#[derive(Debug, Clone, PartialEq)]
pub struct PagePdf {
    pub largeur: usize,
    pub hauteur: usize,
    pub rgba: Vec<u8>,
}

/// A PDF refused by the rasterizer (damaged, encrypted…).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("PDF illisible : {0}")]
pub struct PdfIllisible(String);

/// At most this many pages are drawn in the window (a long document is
/// read in the system viewer).
pub const PAGES_MAX: usize = 20;

/// Rasterizes the pages of `pdf`, each `largeur_px` pixels wide.
pub fn pages(pdf: &[u8], largeur_px: u32) -> Result<Vec<PagePdf>, PdfIllisible> {
    use hayro::hayro_interpret::InterpreterSettings;
    use hayro::hayro_syntax::Pdf;
    use hayro::vello_cpu::color::palette::css::WHITE;
    use hayro::{RenderCache, RenderSettings, render};

    let doc = Pdf::new(pdf.to_vec()).map_err(|e| PdfIllisible(format!("{e:?}")))?;
    let cache = RenderCache::new();
    let settings = InterpreterSettings::default();
    let pages = doc.pages();
    if pages.is_empty() {
        return Err(PdfIllisible("aucune page".into()));
    }
    let mut out = vec![];
    for page in pages.iter().take(PAGES_MAX) {
        let (w, _) = page.render_dimensions();
        let echelle = largeur_px as f32 / w.max(1.0);
        let pixmap = render(
            page,
            &cache,
            &settings,
            &RenderSettings {
                x_scale: echelle,
                y_scale: echelle,
                bg_color: WHITE,
                ..Default::default()
            },
        );
        let (largeur, hauteur) = (pixmap.width() as usize, pixmap.height() as usize);
        let rgba = pixmap
            .take_unpremultiplied()
            .into_iter()
            .flat_map(|p| [p.r, p.g, p.b, p.a])
            .collect();
        out.push(PagePdf {
            largeur,
            hauteur,
            rgba,
        });
    }
    Ok(out)
}

/// A PDF shown in the window: drawn in the background, then its pages
/// one under the other in a scrolled area.
#[derive(Default)]
pub struct VuePdf {
    dessin: crate::api::Slot<Result<Vec<PagePdf>, PdfIllisible>>,
    pages: Vec<PagePdf>,
    textures: Vec<egui::TextureHandle>,
    pub erreur: Option<String>,
    /// The large viewer's page (from 0) and zoom (1.0: the page fits the
    /// width).
    page: usize,
    zoom: f32,
}

/// The zoom steps of the large viewer.
const ZOOMS: [f32; 7] = [0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0];

/// Width in pixels a page is drawn at.
const LARGEUR_PX: u32 = 1000;

impl VuePdf {
    /// Starts drawing `pdf` off the UI thread.
    pub fn charger(&mut self, api: &crate::api::Api, pdf: &[u8]) {
        let copie = pdf.to_vec();
        *self = VuePdf::default();
        self.dessin
            .set(api.en_fond(move || pages(&copie, LARGEUR_PX)));
    }

    pub fn occupe(&self) -> bool {
        self.dessin.busy()
    }

    /// The large viewer: one page at a time, the pages and the zoom in
    /// its toolbar (arrow keys, + and − too).
    pub fn show_grand(&mut self, ui: &mut egui::Ui) {
        self.recevoir(ui);
        let n = self.textures.len();
        if n == 0 {
            return;
        }
        if self.zoom == 0.0 {
            self.zoom = 1.0;
        }
        use crate::theme::{bouton, icone};
        // The keys turn pages only when no field is being typed in.
        let libre = ui.memory(|m| m.focused().is_none());
        let (avant, apres, plus, moins) = ui.input(|i| {
            let k = |k| libre && i.key_pressed(k);
            (
                k(egui::Key::ArrowLeft) || k(egui::Key::PageUp),
                k(egui::Key::ArrowRight) || k(egui::Key::PageDown),
                k(egui::Key::Plus),
                k(egui::Key::Minus),
            )
        });
        let rang = ZOOMS
            .iter()
            .position(|z| (*z - self.zoom).abs() < 0.01)
            .unwrap_or(2);
        ui.horizontal(|ui| {
            if (bouton(ui, self.page > 0, icone::CARET_LEFT, "Page précédente").clicked() || avant)
                && self.page > 0
            {
                self.page -= 1;
            }
            ui.label(format!("Page {} / {n}", self.page + 1));
            if (bouton(ui, self.page + 1 < n, icone::CARET_RIGHT, "Page suivante").clicked()
                || apres)
                && self.page + 1 < n
            {
                self.page += 1;
            }
            ui.separator();
            if (bouton(ui, rang > 0, icone::MAGNIFYING_GLASS_MINUS, "Réduire").clicked() || moins)
                && rang > 0
            {
                self.zoom = ZOOMS[rang - 1];
            }
            ui.label(format!("{:.0} %", self.zoom * 100.0));
            if (bouton(
                ui,
                rang + 1 < ZOOMS.len(),
                icone::MAGNIFYING_GLASS_PLUS,
                "Agrandir",
            )
            .clicked()
                || plus)
                && rang + 1 < ZOOMS.len()
            {
                self.zoom = ZOOMS[rang + 1];
            }
            if bouton(
                ui,
                true,
                icone::ARROWS_OUT_LINE_HORIZONTAL,
                "Pleine largeur",
            )
            .clicked()
            {
                self.zoom = 1.0;
            }
        });
        self.page = self.page.min(n - 1);
        let t = &self.textures[self.page];
        egui::ScrollArea::both()
            .id_salt("pdf-grand")
            .auto_shrink([false, false])
            .show(ui, |ui| {
                let taille = t.size_vec2();
                let largeur = ui.available_width().min(taille.x.max(600.0)) * self.zoom;
                // The page on the desk, centred when narrower.
                ui.vertical_centered(|ui| {
                    ui.image((t.id(), taille * (largeur / taille.x)));
                });
            });
    }

    fn recevoir(&mut self, ui: &mut egui::Ui) {
        if let Some(r) = self.dessin.take() {
            match r {
                Ok(Ok(p)) => self.pages = p,
                Ok(Err(e)) => self.erreur = Some(e.to_string()),
                Err(e) => self.erreur = Some(e.to_string()),
            }
        }
        if self.dessin.busy() {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Affichage du PDF…");
            });
        }
        if let Some(e) = &self.erreur {
            crate::theme::bandeau_erreur(ui, e);
        }
        if self.textures.len() != self.pages.len() {
            self.textures = self
                .pages
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    ui.ctx().load_texture(
                        format!("pdf-page-{i}"),
                        egui::ColorImage::from_rgba_unmultiplied([p.largeur, p.hauteur], &p.rgba),
                        egui::TextureOptions::LINEAR,
                    )
                })
                .collect();
        }
    }

    pub fn show(&mut self, ui: &mut egui::Ui) {
        self.recevoir(ui);
        if self.textures.is_empty() {
            return;
        }
        let n = self.textures.len();
        egui::ScrollArea::vertical()
            .id_salt(ui.next_auto_id())
            .max_height(640.0)
            .show(ui, |ui| {
                for (i, t) in self.textures.iter().enumerate() {
                    ui.label(format!("Page {} / {n}", i + 1));
                    let taille = t.size_vec2();
                    let largeur = ui.available_width().min(taille.x);
                    ui.image((t.id(), taille * (largeur / taille.x)));
                }
            });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_produced_pdf_a_is_drawn_with_its_text() {
        use esculape_pdfa::{Block, Layout, Moment, Renderer};
        let layout = Layout {
            title: "Compte rendu".into(),
            author: "Dr Test".into(),
            created: Moment {
                year: 2026,
                month: 11,
                day: 26,
                ..Default::default()
            },
            blocks: vec![
                Block::Heading(1, "Compte rendu de consultation".into()),
                Block::Paragraph("Examen clinique normal. Revoir dans trois mois. ".repeat(6)),
            ],
        };
        let pdf = Renderer::new().unwrap().render(&layout).expect("PDF/A");
        let pages = pages(&pdf, 600).expect("rendu");
        assert_eq!(pages.len(), 1);
        let p = &pages[0];
        assert_eq!(p.largeur, 600);
        // A4 portrait: 297/210.
        let ratio = p.hauteur as f32 / p.largeur as f32;
        assert!((ratio - 297.0 / 210.0).abs() < 0.02, "{ratio}");
        assert_eq!(p.rgba.len(), p.largeur * p.hauteur * 4);
        // White paper with dark text on it.
        let sombres = p
            .rgba
            .chunks(4)
            .filter(|px| px[0] < 100 && px[1] < 100 && px[2] < 100)
            .count();
        let blancs = p.rgba.chunks(4).filter(|px| px[0] > 240).count();
        assert!(sombres > 500, "{sombres} pixels sombres");
        assert!(blancs > p.largeur * p.hauteur / 2, "{blancs} pixels blancs");
    }

    #[test]
    fn a_damaged_pdf_is_said_so() {
        let e = pages(b"%PDF-1.4 tronque", 600).unwrap_err();
        assert!(e.to_string().starts_with("PDF illisible"));
    }
}
