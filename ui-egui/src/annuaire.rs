//! Searching the Annuaire Santé (SC.MSS/CONF.20, UX.41): any of a
//! correspondent's traits, every field the directory holds shown (two
//! doctors of the same name told apart by their RPPS, specialty, places
//! and addresses), and one address chosen.

use crate::api::{Api, Slot};
use crate::theme::{self, Ton, icone, palette};
use esculape_api_types::annuaire::{
    BoiteAnnuaire, PROFESSIONS, RechercheAnnuaire, ReponseAnnuaire, ResultatAnnuaire, SPECIALITES,
    TypeBal,
};

#[derive(Default)]
pub struct Annuaire {
    criteres: RechercheAnnuaire,
    recherche: Slot<ReponseAnnuaire>,
    reponse: Option<ReponseAnnuaire>,
    erreur: Option<String>,
}

/// A criterion; true when Enter was pressed in it (the search starts).
fn champ(ui: &mut egui::Ui, libelle: &str, v: &mut Option<String>, largeur: f32) -> bool {
    let l = ui.label(libelle);
    let mut t = v.clone().unwrap_or_default();
    let r = ui
        .add(egui::TextEdit::singleline(&mut t).desired_width(largeur))
        .labelled_by(l.id);
    if r.changed() {
        *v = Some(t).filter(|t| !t.trim().is_empty());
    }
    r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter))
}

fn liste(ui: &mut egui::Ui, libelle: &str, v: &mut Option<String>, table: &[(&str, &str)]) {
    let choisi = v
        .as_deref()
        .and_then(|c| table.iter().find(|(k, _)| *k == c))
        .map_or("Toutes", |(_, l)| l);
    theme::liste_deroulante(ui, libelle, choisi, |ui| {
        ui.selectable_value(v, None, "Toutes");
        for (k, l) in table {
            ui.selectable_value(v, Some(k.to_string()), *l);
        }
    });
}

impl Annuaire {
    pub fn occupe(&self) -> bool {
        self.recherche.busy()
    }

    fn recevoir(&mut self) {
        match self.recherche.take() {
            Some(Ok(r)) => {
                self.reponse = Some(r);
                self.erreur = None;
            }
            Some(Err(e)) => self.erreur = Some(format!("Recherche dans l'Annuaire Santé : {e}")),
            None => {}
        }
    }

    /// The search form and its results; `choisir` names the action on an
    /// address. Returns the professional and the address chosen.
    pub fn show(
        &mut self,
        ui: &mut egui::Ui,
        api: &Api,
        choisir: &str,
    ) -> Option<(ResultatAnnuaire, BoiteAnnuaire)> {
        self.recevoir();
        let c = &mut self.criteres;
        let mut lancer = false;
        ui.horizontal_wrapped(|ui| {
            lancer |= champ(ui, "Nom", &mut c.nom, 140.0);
            lancer |= champ(ui, "Prénom", &mut c.prenom, 120.0);
            lancer |= champ(ui, "RPPS", &mut c.rpps, 110.0);
        });
        ui.horizontal_wrapped(|ui| {
            liste(ui, "Profession", &mut c.profession, PROFESSIONS);
            liste(ui, "Spécialité", &mut c.specialite, SPECIALITES);
        });
        ui.horizontal_wrapped(|ui| {
            lancer |= champ(ui, "Structure", &mut c.structure, 160.0);
            lancer |= champ(ui, "Commune", &mut c.commune, 120.0);
        });
        theme::liste_deroulante(
            ui,
            "Type d'adresse",
            c.type_bal.map_or("Toutes", |t| t.libelle()),
            |ui| {
                ui.selectable_value(&mut c.type_bal, None, "Toutes");
                for t in TypeBal::TOUS {
                    ui.selectable_value(&mut c.type_bal, Some(t), t.libelle());
                }
            },
        );
        let vide = c
            == &RechercheAnnuaire {
                type_bal: c.type_bal,
                ..Default::default()
            };
        ui.horizontal(|ui| {
            if theme::bouton_principal(
                ui,
                !vide && !self.recherche.busy(),
                icone::MAGNIFYING_GLASS,
                "Rechercher dans l'annuaire",
            )
            .on_hover_text("Annuaire Santé : au moins un critère")
            .clicked()
            {
                lancer = true;
            }
            if self.recherche.busy() {
                theme::ligne_progression(
                    ui,
                    "Interrogation de l'Annuaire Santé…",
                    self.recherche.started(),
                );
            }
        });
        if lancer && !vide && !self.recherche.busy() {
            self.recherche.set(api.annuaire(&self.criteres));
        }
        if let Some(e) = &self.erreur {
            theme::bandeau_erreur(ui, e);
        }
        let reponse = self.reponse.as_ref()?;
        if reponse.resultats.is_empty() {
            theme::etat_vide(
                ui,
                icone::ADDRESS_BOOK,
                "Personne ne répond à ces critères.",
            );
            return None;
        }
        if reponse.tronque {
            theme::bandeau(
                ui,
                Ton::Attention,
                icone::WARNING,
                "D'autres résultats existent : affinez la recherche (prénom, commune, spécialité).",
            );
        }
        let mut choix = None;
        let p = palette(ui);
        egui::ScrollArea::vertical()
            .id_salt("resultats-annuaire")
            .max_height(360.0)
            .show(ui, |ui| {
                for (i, r) in reponse.resultats.iter().enumerate() {
                    ui.push_id(("annuaire", i), |ui| {
                        theme::separateur(ui);
                        ui.horizontal_wrapped(|ui| {
                            let i = if r.structure {
                                icone::BUILDINGS
                            } else {
                                icone::USER
                            };
                            ui.label(
                                egui::RichText::new(format!("{i} {}", r.nom_affiche())).strong(),
                            );
                            if let Some(rpps) = &r.rpps {
                                theme::discret(ui, format!("RPPS {rpps}"));
                            }
                            if r.inactif {
                                theme::badge(ui, Ton::Danger, icone::PROHIBIT, "exercice fermé");
                            }
                        });
                        let mut quoi: Vec<&str> = r.profession.iter().map(String::as_str).collect();
                        quoi.extend(r.specialites.iter().map(String::as_str));
                        if !quoi.is_empty() {
                            ui.label(quoi.join(" · "));
                        }
                        for l in &r.lieux {
                            let mut t = l.structure.clone();
                            for x in [&l.adresse, &l.code_postal, &l.commune]
                                .into_iter()
                                .flatten()
                            {
                                t.push_str(", ");
                                t.push_str(x);
                            }
                            ui.label(
                                egui::RichText::new(format!("{} {t}", icone::MAP_PIN))
                                    .color(p.texte_discret),
                            );
                        }
                        if r.boites.is_empty() {
                            theme::discret(ui, "Aucune adresse MSSanté publiée.");
                        }
                        for b in &r.boites {
                            ui.horizontal_wrapped(|ui| {
                                ui.label(format!("{} {}", icone::ENVELOPE_SIMPLE, b.adresse));
                                theme::badge(
                                    ui,
                                    Ton::Info,
                                    icone::TAG,
                                    b.type_bal.map_or("type non publié", |t| t.libelle()),
                                );
                                for x in [&b.description, &b.structure].into_iter().flatten() {
                                    theme::discret(ui, x.as_str());
                                }
                                if theme::action_sur(ui, true, icone::PLUS, choisir, &b.adresse)
                                    .on_hover_text(format!("{} — {}", r.nom_affiche(), b.adresse))
                                    .clicked()
                                {
                                    choix = Some((r.clone(), b.clone()));
                                }
                            });
                        }
                    });
                }
            });
        choix
    }
}
