//! The patient's lab results in the chart (LGC.MDV.08/09): one line per
//! analysis (the latest result, abnormal ones in red), and an analysis's
//! curve under the JDV « Circuit de la biologie » rules as the host drew
//! it up (one unit, conversions said, the rules' warnings beside it),
//! each point leading to the report it came from.

use crate::api::{Api, Slot};
use crate::libelles;
use crate::theme::{self, Ton, icone, palette};
use egui::RichText;
use egui_plot::{Line, Plot, PlotPoints, Points};
use esculape_api_types::biologie::{BiologiePatient, TendanceBiologie};
use esculape_domain::LocalDateTime;

#[derive(Default)]
pub struct Biologie {
    envoi: Slot<BiologiePatient>,
    donnees: Option<BiologiePatient>,
    tendance_envoi: Slot<TendanceBiologie>,
    tendance: Option<TendanceBiologie>,
    /// The analysis whose curve is shown (its code).
    choisie: Option<String>,
    erreur: Option<String>,
    /// A curve just came: brought into view once.
    defiler: bool,
}

/// A moment as days since 1970 (the curve's x).
fn jours(t: LocalDateTime) -> f64 {
    t.0 as f64 / 1440.0
}

fn nombre(v: f64) -> String {
    v.to_string().replace('.', ",")
}

impl Biologie {
    /// Asks for the results again (the chart opened or changed), and the
    /// curve shown.
    pub fn charger(&mut self, api: &Api, patient: &str) {
        self.envoi.set(api.biologie(patient));
        if let Some(c) = &self.choisie {
            self.tendance_envoi.set(api.tendance_biologie(patient, c));
        }
    }

    pub fn occupe(&self) -> bool {
        self.envoi.busy() || self.tendance_envoi.busy()
    }

    /// Capture mode: the curve of the first analysis that has one; true
    /// once it is drawn, or when there is none to draw.
    pub fn capture_courbe(&mut self, api: &Api, patient: &str) -> bool {
        if self.tendance.is_some() {
            return true;
        }
        let Some(b) = &self.donnees else {
            return false;
        };
        let Some(a) = b.analyses.iter().find(|a| a.courbe) else {
            return true;
        };
        if !self.tendance_envoi.busy() {
            self.choisie = Some(a.code.clone());
            self.tendance_envoi
                .set(api.tendance_biologie(patient, &a.code));
        }
        false
    }

    pub fn recevoir(&mut self) {
        match self.envoi.take() {
            Some(Ok(b)) => {
                self.donnees = Some(b);
                self.erreur = None;
            }
            Some(Err(e)) => self.erreur = Some(format!("Résultats de biologie non lus : {e}")),
            None => {}
        }
        match self.tendance_envoi.take() {
            Some(Ok(t)) => {
                self.tendance = Some(t);
                self.defiler = true;
            }
            Some(Err(e)) => self.erreur = Some(format!("Courbe non tracée : {e}")),
            None => {}
        }
    }

    /// Draws the card's content; gives the document to open when the
    /// doctor asks for a result's report.
    pub fn show(&mut self, ui: &mut egui::Ui, api: &Api, patient: &str) -> Option<String> {
        let p = palette(ui);
        let mut ouvrir = None;
        if let Some(e) = &self.erreur {
            theme::bandeau_erreur(ui, e);
        }
        let Some(b) = &self.donnees else {
            if self.envoi.busy() {
                theme::ligne_progression(ui, "Lecture des résultats…", None);
            }
            return None;
        };
        if b.analyses.is_empty() {
            theme::etat_vide(
                ui,
                icone::TEST_TUBE,
                "Aucun résultat : importez un compte rendu de biologie (CR-BIO) et intégrez ses résultats.",
            );
            return None;
        }
        let mut demande = None;
        crate::theme::large(ui, "biologie-analyses", |ui| {
            egui::Grid::new("biologie-analyses")
                .striped(true)
                .num_columns(5)
                .show(ui, |ui| {
                    for t in [
                        "Analyse",
                        "Dernier résultat",
                        "Prélevé le",
                        "Laboratoire",
                        "",
                    ] {
                        ui.label(RichText::new(t).strong());
                    }
                    ui.end_row();
                    for a in &b.analyses {
                        let dernier = b.resultats.iter().find(|r| r.id == a.dernier);
                        ui.label(format!("{} ({})", a.nom, a.nombre));
                        match dernier {
                            Some(r) => {
                                let r = &r.resultat;
                                let valeur = match (r.valeur, &r.texte) {
                                    (Some(v), _) => {
                                        format!(
                                            "{} {}",
                                            nombre(v),
                                            r.unite.as_deref().unwrap_or("")
                                        )
                                    }
                                    (None, Some(t)) => t.clone(),
                                    _ => String::new(),
                                };
                                let texte = RichText::new(valeur.trim());
                                ui.label(if r.anormal() {
                                    texte.color(p.ton(Ton::Danger).0).strong()
                                } else {
                                    texte.color(p.texte)
                                });
                                ui.label(libelles::date_fr(&r.preleve_le.day().to_string()));
                                ui.label(r.laboratoire.as_deref().unwrap_or("—"));
                            }
                            None => {
                                ui.label("");
                                ui.label("");
                                ui.label("");
                            }
                        }
                        let choisie = self.choisie.as_deref() == Some(a.code.as_str());
                        if a.courbe
                            && theme::action(
                                ui,
                                !choisie,
                                icone::CHART_LINE,
                                &format!("Courbe : {}", a.nom),
                            )
                            .clicked()
                        {
                            demande = Some(a.code.clone());
                        }
                        ui.end_row();
                    }
                });
        });
        if let Some(code) = demande {
            self.tendance_envoi
                .set(api.tendance_biologie(patient, &code));
            self.choisie = Some(code);
            self.tendance = None;
        }
        if self.tendance_envoi.busy() {
            theme::ligne_progression(ui, "Tracé de la courbe…", None);
        }
        if let Some(t) = &self.tendance {
            theme::separateur(ui);
            if std::mem::take(&mut self.defiler) {
                ui.scroll_to_cursor(Some(egui::Align::Min));
            }
            ouvrir = courbe(ui, t);
        }
        ouvrir
    }
}

/// One analysis's curve, its warnings and its points.
pub fn courbe(ui: &mut egui::Ui, t: &TendanceBiologie) -> Option<String> {
    let p = palette(ui);
    let mut ouvrir = None;
    ui.label(
        RichText::new(format!("{} ({}) — JDV : {}", t.nom, t.unite, t.jdv))
            .strong()
            .color(p.texte),
    );
    for a in &t.avertissements {
        theme::bandeau(ui, Ton::Attention, icone::WARNING, a);
    }
    let directs: Vec<[f64; 2]> = t
        .points
        .iter()
        .filter(|x| x.conversion.is_none())
        .map(|x| [jours(x.quand), x.valeur])
        .collect();
    let convertis: Vec<[f64; 2]> = t
        .points
        .iter()
        .filter(|x| x.conversion.is_some())
        .map(|x| [jours(x.quand), x.valeur])
        .collect();
    let tous: PlotPoints = t
        .points
        .iter()
        .map(|x| [jours(x.quand), x.valeur])
        .collect();
    let reponse = Plot::new(format!("biologie-{}", t.code))
        .height(200.0)
        .allow_scroll(false)
        .x_axis_formatter(|m, _| {
            let jour = esculape_domain::calendar::Day::from_days(m.value.round() as i64);
            libelles::date_fr(&jour.to_string())
        })
        .y_axis_label(t.unite.clone())
        .show(ui, |plot| {
            plot.line(Line::new(t.nom.clone(), tous).color(p.texte_discret));
            if !directs.is_empty() {
                plot.points(
                    Points::new("résultat", directs)
                        .radius(5.0)
                        .color(p.primaire),
                );
            }
            if !convertis.is_empty() {
                plot.points(
                    Points::new("converti (JDV)", convertis)
                        .radius(5.0)
                        .color(p.ton(Ton::Attention).0),
                );
            }
            // a click near a point opens its report
            if plot.response().clicked()
                && let Some(c) = plot.pointer_coordinate()
            {
                let b = plot.plot_bounds();
                let (lx, ly) = (b.width().max(1e-9), b.height().max(1e-9));
                return t
                    .points
                    .iter()
                    .min_by(|a, z| {
                        let d = |x: &esculape_api_types::biologie::PointBiologie| {
                            ((jours(x.quand) - c.x) / lx).powi(2) + ((x.valeur - c.y) / ly).powi(2)
                        };
                        d(a).total_cmp(&d(z))
                    })
                    .and_then(|x| x.document.clone());
            }
            None
        });
    if let Some(d) = reponse.inner {
        ouvrir = Some(d);
    }
    crate::theme::large(ui, "biologie-points", |ui| {
        egui::Grid::new(format!("biologie-points-{}", t.code))
            .striped(true)
            .num_columns(5)
            .show(ui, |ui| {
                for x in t.points.iter().rev() {
                    ui.label(libelles::date_fr(&x.quand.day().to_string()));
                    let v = RichText::new(format!("{} {}", nombre(x.valeur), t.unite));
                    ui.label(if x.anormal {
                        v.color(p.ton(Ton::Danger).0).strong()
                    } else {
                        v
                    });
                    ui.label(x.laboratoire.as_deref().unwrap_or("—"));
                    ui.label(
                        RichText::new(x.conversion.as_deref().unwrap_or("")).color(p.texte_discret),
                    );
                    if let Some(doc) = &x.document
                        && theme::action(ui, true, icone::FILE_PDF, "Ouvrir le compte rendu")
                            .clicked()
                    {
                        ouvrir = Some(doc.clone());
                    }
                    ui.end_row();
                }
            });
    });
    for e in &t.ecartes {
        ui.label(RichText::new(format!("Hors courbe : {}", e.raison)).color(p.texte_discret));
    }
    ouvrir
}
