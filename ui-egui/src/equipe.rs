//! The patient's care team (DSR §4.1: the professionals who take care of
//! them): who they are, their MSSanté address, and new correspondents
//! found in the Annuaire Santé and kept with the address chosen.

use crate::annuaire::Annuaire;
use crate::api::{Api, Slot};
use crate::theme::{self, icone};
use esculape_api_types::domaine::record::CareTeamMember;
use esculape_api_types::dossier::CareTeamEntry;

#[derive(Default)]
pub struct Equipe {
    /// The directory's search, while open.
    annuaire: Option<Annuaire>,
    /// The relation written for the next one added.
    relation: String,
    ajout: Slot<CareTeamEntry>,
    erreur: Option<String>,
    /// The directory's search just opened: brought into view once.
    defiler: bool,
}

/// What an answer changes in the chart.
pub enum Suite {
    Rien,
    /// Added: the chart is read again, this said.
    Ajoute(String),
}

impl Equipe {
    /// Opens the Annuaire Santé's search in the card.
    pub fn ouvrir_annuaire(&mut self) {
        self.annuaire = Some(Annuaire::default());
        self.defiler = true;
    }

    pub fn occupe(&self) -> bool {
        self.ajout.busy() || self.annuaire.as_ref().is_some_and(Annuaire::occupe)
    }

    pub fn recevoir(&mut self) -> Suite {
        match self.ajout.take() {
            Some(Ok(m)) => {
                self.erreur = None;
                self.annuaire = None;
                self.relation.clear();
                Suite::Ajoute(format!(
                    "{} fait partie de l'équipe de soins{}.",
                    m.member.name,
                    m.member
                        .mssante
                        .as_ref()
                        .map(|a| format!(" (MSSanté : {a})"))
                        .unwrap_or_default()
                ))
            }
            Some(Err(e)) => {
                self.erreur = Some(format!("Ajout à l'équipe de soins refusé : {e}"));
                Suite::Rien
            }
            None => Suite::Rien,
        }
    }

    pub fn show(&mut self, ui: &mut egui::Ui, api: &Api, patient: &str, equipe: &[CareTeamEntry]) {
        let titre = format!("Équipe de soins ({})", equipe.len());
        theme::carte(ui, icone::USERS_THREE, &titre, |ui| {
            if equipe.is_empty() {
                theme::discret(ui, "Aucun professionnel enregistré pour ce patient.");
            }
            for e in equipe {
                let m = &e.member;
                ui.horizontal_wrapped(|ui| {
                    ui.label(egui::RichText::new(&m.name).strong());
                    for x in [&m.relation, &m.profession].into_iter().flatten() {
                        theme::discret(ui, x.as_str());
                    }
                    if let Some(r) = &m.rpps {
                        theme::discret(ui, format!("RPPS {r}"));
                    }
                    match &m.mssante {
                        Some(a) => {
                            ui.label(format!("{} {a}", icone::ENVELOPE_SIMPLE));
                        }
                        None => {
                            theme::discret(ui, "sans adresse MSSanté");
                        }
                    }
                });
            }
            if let Some(e) = &self.erreur {
                theme::bandeau_erreur(ui, e);
            }
            match &mut self.annuaire {
                None => {
                    if theme::bouton(ui, true, icone::ADDRESS_BOOK, "Chercher un correspondant")
                        .on_hover_text(
                            "Dans l'Annuaire Santé : ses adresses MSSanté et où il exerce",
                        )
                        .clicked()
                    {
                        self.ouvrir_annuaire();
                    }
                }
                Some(a) => {
                    theme::separateur(ui);
                    if std::mem::take(&mut self.defiler) {
                        ui.scroll_to_cursor(Some(egui::Align::Min));
                    }
                    ui.horizontal(|ui| {
                        let l = ui.label("Relation avec le patient");
                        ui.add(
                            egui::TextEdit::singleline(&mut self.relation)
                                .hint_text("correspondant, cardiologue, pharmacien…")
                                .desired_width(220.0),
                        )
                        .labelled_by(l.id);
                    });
                    let choix = a.show(ui, api, "Ajouter à l'équipe de soins");
                    if theme::bouton(ui, true, icone::X, "Fermer l'annuaire").clicked() {
                        self.annuaire = None;
                    }
                    if let Some((r, b)) = choix
                        && !self.ajout.busy()
                    {
                        let relation =
                            Some(self.relation.trim().to_string()).filter(|r| !r.is_empty());
                        let profession = r.specialites.first().or(r.profession.as_ref()).cloned();
                        let membre = CareTeamMember {
                            name: if r.structure {
                                b.description
                                    .as_ref()
                                    .map_or(r.nom.clone(), |d| format!("{} — {d}", r.nom))
                            } else {
                                r.nom_affiche()
                            },
                            profession,
                            rpps: r.rpps.clone(),
                            mssante: Some(b.adresse.clone()),
                            relation,
                        };
                        self.ajout.set(api.ajouter_a_l_equipe(patient, &membre));
                    }
                }
            }
            if self.ajout.busy() {
                theme::ligne_progression(ui, "Ajout à l'équipe de soins…", self.ajout.started());
            }
        });
    }
}
