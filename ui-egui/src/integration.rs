//! Integrating a received document into the record (LGC.MDV.05): each
//! proposal beside what the record holds, the doctor picks all or some;
//! what the record already holds is shown as such and left as it is.

use crate::api::{Api, ApiError, Proposees, Slot};
use crate::libelles;
use crate::theme::{self, Ton, icone, palette};
use egui::RichText;
use esculape_api_types::documents::{ApercuIntegration, Comparaison, IntegrationFaite};

pub struct Integration {
    apercu: ApercuIntegration,
    contenu: String,
    choisis: Vec<bool>,
    pub envoi: Slot<IntegrationFaite>,
}

/// What the panel asks of the chart.
pub enum Suite {
    Rien,
    /// Closed, with what to tell the user; the chart is to be read again.
    Fermee(Option<(Ton, String)>),
}

/// Can enter the record (or the results) and is not there yet.
fn nouvelle(c: &Comparaison) -> bool {
    c.deja_present.is_none() && (c.entree.is_some() || c.resultat.is_some())
}

/// A proposal in words: what it would enter as, else why it cannot.
fn libelle(c: &Comparaison) -> String {
    if let Some(e) = &c.entree {
        return libelles::entree(e);
    }
    if let Some(r) = &c.resultat {
        let valeur = match (r.valeur, &r.texte) {
            (Some(v), _) => format!(
                "{} {}",
                v.to_string().replace('.', ","),
                r.unite.as_deref().unwrap_or("")
            ),
            (None, Some(t)) => t.clone(),
            (None, None) => String::new(),
        };
        return format!(
            "Biologie — {} : {} ({})",
            r.libelle,
            valeur.trim(),
            libelles::date_fr(&r.preleve_le.day().to_string())
        );
    }
    c.remarque.clone().unwrap_or_default()
}

impl Integration {
    /// The panel for a document's proposals; none when it proposes
    /// nothing.
    pub fn depuis(p: Proposees) -> Option<Self> {
        if p.apercu.comparaisons.is_empty() {
            return None;
        }
        let choisis = p.apercu.comparaisons.iter().map(nouvelle).collect();
        Some(Self {
            apercu: p.apercu,
            contenu: p.contenu,
            choisis,
            envoi: Slot::default(),
        })
    }

    /// The answer to the integration, when it has come.
    pub fn recevoir(&mut self) -> Suite {
        match self.envoi.take() {
            None => Suite::Rien,
            Some(Ok(f)) => Suite::Fermee(Some((Ton::Succes, resume(&f)))),
            Some(Err(e)) => Suite::Fermee(Some((Ton::Danger, refus(&e)))),
        }
    }

    pub fn show(&mut self, ui: &mut egui::Ui, api: &Api, patient: &str) -> Suite {
        let p = palette(ui);
        let mut suite = Suite::Rien;
        theme::carte(
            ui,
            icone::TRAY_ARROW_DOWN,
            &format!("Intégrer au dossier : « {} »", self.apercu.document.titre),
            |ui| {
                if let Some(i) = &self.apercu.identite {
                    theme::bandeau(ui, Ton::Attention, icone::IDENTIFICATION_CARD, i);
                }
                let nouvelles = self
                    .apercu
                    .comparaisons
                    .iter()
                    .filter(|c| nouvelle(c))
                    .count();
                ui.label(format!(
                    "{} proposition(s), dont {nouvelles} absente(s) du dossier : cochez ce qui doit y entrer. \
                     Rien de ce que le dossier contient n'est remplacé.",
                    self.apercu.comparaisons.len()
                ));
                egui::ScrollArea::vertical()
                    .id_salt("integration")
                    .max_height(320.0)
                    .show(ui, |ui| {
                        for (i, c) in self.apercu.comparaisons.iter().enumerate() {
                            ui.horizontal_wrapped(|ui| {
                                let texte = libelle(c);
                                if nouvelle(c) {
                                    ui.checkbox(&mut self.choisis[i], texte);
                                } else if c.deja_present.is_some() {
                                    ui.add_enabled(false, egui::Checkbox::new(&mut false, texte));
                                    theme::badge(ui, Ton::Neutre, icone::CHECK, "déjà au dossier");
                                } else {
                                    ui.label(RichText::new(texte).color(p.texte_discret));
                                }
                            });
                        }
                    });
                let n = self.choisis.iter().filter(|c| **c).count();
                ui.horizontal(|ui| {
                    let libre = !self.envoi.busy();
                    if theme::bouton(
                        ui,
                        libre && nouvelles > 0,
                        icone::CHECK_SQUARE,
                        "Tout cocher",
                    )
                    .clicked()
                    {
                        for (i, c) in self.apercu.comparaisons.iter().enumerate() {
                            self.choisis[i] = nouvelle(c);
                        }
                    }
                    if theme::bouton_principal(
                        ui,
                        libre && n > 0,
                        icone::TRAY_ARROW_DOWN,
                        &format!("Intégrer la sélection ({n})"),
                    )
                    .clicked()
                    {
                        let choix = self
                            .choisis
                            .iter()
                            .enumerate()
                            .filter(|(_, c)| **c)
                            .map(|(i, _)| i as u32)
                            .collect();
                        self.envoi
                            .set(api.integrer(patient, self.contenu.clone(), choix));
                    }
                    if theme::bouton(ui, libre, icone::X, "Ne rien intégrer").clicked() {
                        suite = Suite::Fermee(None);
                    }
                    if self.envoi.busy() {
                        ui.spinner();
                        ui.label("Intégration…");
                    }
                });
            },
        );
        suite
    }
}

fn resume(f: &IntegrationFaite) -> String {
    let mut s = format!("{} élément(s) ajouté(s) au dossier", f.ajoutees.len());
    if f.deja_presentes > 0 {
        s.push_str(&format!(
            ", {} déjà présent(s) laissé(s) tel(s) quel(s)",
            f.deja_presentes
        ));
    }
    if !f.ecartees.is_empty() {
        s.push_str(&format!(" ; écarté(s) : {}", f.ecartees.join(" ; ")));
    }
    s
}

fn refus(e: &ApiError) -> String {
    format!("Intégration refusée : {e}")
}
