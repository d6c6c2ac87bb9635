//! The patient's DMP in the chart: its documents (TD3.1), asked on
//! demand in the professional's name (a traced access to the national
//! record, not a side effect of opening the chart), and each one imported
//! into the record in one click (TD3.2), once.

use crate::api::{Api, Slot};
use crate::libelles;
use crate::theme::{self, Ton, icone, palette};
use egui::RichText;
use esculape_api_types::dmp::{DocumentDuDmp, ImportDmp};
use esculape_api_types::documents::DocumentMeta;

#[derive(Default)]
pub struct DocumentsDmp {
    liste_envoi: Slot<Vec<DocumentDuDmp>>,
    liste: Option<Vec<DocumentDuDmp>>,
    import_envoi: Slot<DocumentMeta>,
    /// The uniqueId of the document being imported.
    en_import: Option<String>,
    erreur: Option<String>,
}

/// What an answer changes in the chart.
pub enum Suite {
    Rien,
    /// A document was imported: the chart is read again, this said.
    Importe(String),
}

impl DocumentsDmp {
    pub fn occupe(&self) -> bool {
        self.liste_envoi.busy() || self.import_envoi.busy()
    }

    /// Collects the answers (every frame).
    pub fn recevoir(&mut self) -> Suite {
        match self.liste_envoi.take() {
            Some(Ok(l)) => {
                self.liste = Some(l);
                self.erreur = None;
            }
            Some(Err(e)) => self.erreur = Some(format!("DMP non consulté : {e}")),
            None => {}
        }
        match self.import_envoi.take() {
            Some(Ok(m)) => {
                if let (Some(uid), Some(l)) = (self.en_import.take(), self.liste.as_mut())
                    && let Some(d) = l.iter_mut().find(|d| d.unique_id == uid)
                {
                    d.dans_le_dossier = Some(m.id.clone());
                }
                self.erreur = None;
                return Suite::Importe(format!(
                    "Document du DMP ajouté au dossier : « {} »",
                    m.title
                ));
            }
            Some(Err(e)) => {
                self.en_import = None;
                self.erreur = Some(format!("Import refusé : {e}"));
            }
            None => {}
        }
        Suite::Rien
    }

    /// `manquantes`: the DICA's conditions still missing, when it says so
    /// (the button is then off, and why is said: no click for a refusal).
    pub fn show(
        &mut self,
        ui: &mut egui::Ui,
        api: &Api,
        patient: &str,
        manquantes: Option<&[&'static str]>,
    ) {
        let p = palette(ui);
        if let Some(e) = &self.erreur {
            theme::bandeau_erreur(ui, e);
        }
        if let Some(m) = manquantes {
            ui.label(
                egui::RichText::new(format!(
                    "Consultation impossible pour l'instant : {}.",
                    m.join(", ")
                ))
                .color(p.texte_discret),
            );
        }
        ui.horizontal(|ui| {
            let libelle = if self.liste.is_some() {
                "Consulter à nouveau"
            } else {
                "Consulter le DMP"
            };
            let possible = !self.liste_envoi.busy() && manquantes.is_none();
            if theme::bouton(ui, possible, icone::CLOUD_ARROW_DOWN, libelle)
                .on_hover_text(
                    "Liste les documents du DMP du patient, en votre nom (Pro Santé Connect) ; l'accès est tracé",
                )
                .clicked()
            {
                self.liste_envoi.set(api.documents_dmp(patient));
            }
        });
        if self.liste_envoi.busy() {
            theme::ligne_progression(ui, "Consultation du DMP…", self.liste_envoi.started());
        }
        let Some(liste) = &self.liste else {
            return;
        };
        if liste.is_empty() {
            theme::etat_vide(ui, icone::CLOUD, "Aucun document dans le DMP du patient.");
            return;
        }
        let mut importer = None;
        crate::theme::large(ui, "documents-dmp", |ui| {
            egui::Grid::new("documents-dmp")
                .striped(true)
                .num_columns(4)
                .show(ui, |ui| {
                    for d in liste {
                        ui.vertical(|ui| {
                            ui.label(RichText::new(&d.titre).strong().color(p.texte));
                            theme::discret(ui, &d.type_libelle);
                        });
                        ui.vertical(|ui| {
                            ui.label(jour(&d.cree));
                            theme::discret(ui, auteur(d));
                        });
                        ui.horizontal(|ui| {
                            match d.statut.as_str() {
                                "archive" => {
                                    theme::badge(ui, Ton::Neutre, icone::ARCHIVE, "Archivé");
                                }
                                "obsolete" => {
                                    theme::badge(
                                        ui,
                                        Ton::Neutre,
                                        icone::CLOCK_COUNTER_CLOCKWISE,
                                        "Remplacé",
                                    );
                                }
                                _ => {}
                            }
                            if d.masque_ps {
                                theme::badge(ui, Ton::Attention, icone::EYE_SLASH, "Masqué aux PS");
                            }
                            if d.invisible_patient {
                                theme::badge(
                                    ui,
                                    Ton::Info,
                                    icone::EYE_SLASH,
                                    "Invisible au patient",
                                );
                            }
                        });
                        if d.dans_le_dossier.is_some() {
                            theme::badge(ui, Ton::Succes, icone::CHECK, "Déjà au dossier");
                        } else {
                            let libre = !self.import_envoi.busy();
                            if theme::bouton(
                                ui,
                                libre,
                                icone::DOWNLOAD_SIMPLE,
                                "Importer dans le dossier",
                            )
                            .on_hover_text(format!("Importer « {} » dans le dossier", d.titre))
                            .clicked()
                            {
                                importer = Some(d.clone());
                            }
                        }
                        ui.end_row();
                    }
                });
        });
        if self.import_envoi.busy() {
            theme::ligne_progression(ui, "Import du document…", self.import_envoi.started());
        }
        if let Some(d) = importer {
            self.en_import = Some(d.unique_id.clone());
            self.import_envoi.set(api.importer_du_dmp(
                patient,
                ImportDmp {
                    unique_id: d.unique_id,
                    repository: d.repository,
                },
            ));
        }
    }
}

/// `AAAAMMJJ…` as the user reads a date.
fn jour(cree: &str) -> String {
    match (cree.get(0..4), cree.get(4..6), cree.get(6..8)) {
        (Some(a), Some(m), Some(j)) => libelles::date_fr(&format!("{a}-{m}-{j}")),
        _ => cree.to_string(),
    }
}

fn auteur(d: &DocumentDuDmp) -> String {
    [&d.auteur, &d.auteur_specialite, &d.auteur_structure]
        .into_iter()
        .filter(|s| !s.trim().is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join(" · ")
}
