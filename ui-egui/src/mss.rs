//! Sending a signed document by MSSanté from the chart (LGC.MDV.01): the
//! correspondents chosen from the care team or typed, a word above the
//! documents; the host queues it and the document's MSSanté badge says
//! how it goes. The doctor's own address is asked for once, here.

use crate::api::{Api, Slot};
use crate::theme::{self, icone, palette};
use esculape_api_types::documents::{BoiteMss, DocumentMeta, EnvoiMss as Demande};
use esculape_api_types::dossier::CareTeamEntry;
use std::collections::BTreeSet;

#[derive(Default)]
pub struct EnvoiMss {
    /// The document being sent (id, title), while the panel is open.
    document: Option<(String, String)>,
    boite_envoi: Slot<BoiteMss>,
    /// The doctor's address, once the host said it (`Some(None)`: none).
    boite: Option<Option<String>>,
    adresse: String,
    choisis: BTreeSet<String>,
    /// Also to the patient's Mon espace santé mailbox.
    patient: bool,
    autres: String,
    message: String,
    envoi: Slot<DocumentMeta>,
    erreur: Option<String>,
    /// Just opened: brought into view once.
    defiler: bool,
}

/// What an answer changes in the chart.
pub enum Suite {
    Rien,
    /// Queued: the chart is read again (the badge), this said.
    EnFile(String),
}

/// The addresses typed, separated by commas, semicolons or spaces.
fn adresses(texte: &str) -> impl Iterator<Item = String> + '_ {
    texte
        .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|a| !a.is_empty())
        .map(str::to_string)
}

impl EnvoiMss {
    pub fn ouvrir(&mut self, api: &Api, id: &str, titre: &str) {
        *self = Self {
            document: Some((id.into(), titre.into())),
            defiler: true,
            ..Default::default()
        };
        self.boite_envoi.set(api.boite_mss());
    }

    pub fn ouvert(&self) -> bool {
        self.document.is_some()
    }

    pub fn occupe(&self) -> bool {
        self.boite_envoi.busy() || self.envoi.busy()
    }

    /// Collects the answers (every frame).
    pub fn recevoir(&mut self) -> Suite {
        match self.boite_envoi.take() {
            Some(Ok(b)) => {
                self.adresse = b.adresse.clone().unwrap_or_default();
                self.boite = Some(b.adresse);
                self.erreur = None;
            }
            Some(Err(e)) => self.erreur = Some(format!("Adresse MSSanté : {e}")),
            None => {}
        }
        match self.envoi.take() {
            Some(Ok(m)) => {
                *self = Self::default();
                return Suite::EnFile(format!(
                    "« {} » part par la messagerie sécurisée dès que possible (en votre nom : connexion Pro Santé Connect requise) ; son état est dans la colonne MSSanté.",
                    m.title
                ));
            }
            Some(Err(e)) => self.erreur = Some(format!("Envoi refusé : {e}")),
            None => {}
        }
        Suite::Rien
    }

    pub fn show(
        &mut self,
        ui: &mut egui::Ui,
        api: &Api,
        equipe: &[CareTeamEntry],
        identite: &esculape_api_types::domaine::identity::Identity,
    ) {
        let Some((id, titre)) = self.document.clone() else {
            return;
        };
        let p = palette(ui);
        theme::carte(
            ui,
            icone::PAPER_PLANE_TILT,
            &format!("Envoyer par MSSanté : {titre}"),
            |ui| {
                // Opened from the documents' list, further down: brought
                // into view once.
                if std::mem::take(&mut self.defiler) {
                    ui.scroll_to_cursor(Some(egui::Align::Min));
                }
                if let Some(e) = &self.erreur {
                    theme::bandeau_erreur(ui, e);
                }
                let Some(boite) = self.boite.clone() else {
                    theme::ligne_progression(
                        ui,
                        "Votre adresse MSSanté…",
                        self.boite_envoi.started(),
                    );
                    return;
                };
                ui.horizontal(|ui| {
                    let l = ui.label("Votre adresse MSSanté");
                    ui.add(
                        egui::TextEdit::singleline(&mut self.adresse)
                            .hint_text("prenom.nom@medecin.mssante.fr")
                            .desired_width(280.0),
                    )
                    .labelled_by(l.id);
                    let changee = boite.as_deref().unwrap_or("") != self.adresse.trim();
                    if changee
                        && theme::bouton(
                            ui,
                            !self.boite_envoi.busy(),
                            icone::CHECK,
                            "Enregistrer l'adresse",
                        )
                        .clicked()
                    {
                        let a = Some(self.adresse.trim().to_string()).filter(|a| !a.is_empty());
                        self.boite_envoi.set(api.definir_boite_mss(a));
                    }
                });
                if boite.is_none() {
                    ui.label(
                        egui::RichText::new(
                            "Indiquez l'adresse de votre boîte aux lettres MSSanté : les envois partent de celle-ci.",
                        )
                        .color(p.texte_discret),
                    );
                    return;
                }
                let connus: Vec<(&str, String)> = equipe
                    .iter()
                    .filter_map(|m| {
                        let a = m.member.mssante.as_deref()?.trim();
                        (!a.is_empty()).then(|| (a, format!("{} — {a}", m.member.name)))
                    })
                    .collect();
                if connus.is_empty() {
                    theme::discret(
                        ui,
                        "Aucun correspondant de l'équipe de soins n'a d'adresse MSSanté.",
                    );
                }
                for (a, libelle) in connus {
                    let mut coche = self.choisis.contains(a);
                    if ui.checkbox(&mut coche, libelle).changed() {
                        if coche {
                            self.choisis.insert(a.to_string());
                        } else {
                            self.choisis.remove(a);
                        }
                    }
                }
                match identite.adresse_mss_citoyenne() {
                    Some(a) => {
                        ui.checkbox(
                            &mut self.patient,
                            format!("Le patient, sur sa messagerie Mon espace santé ({a})"),
                        );
                    }
                    None => {
                        self.patient = false;
                        theme::discret(
                            ui,
                            "Messagerie Mon espace santé du patient : son INS doit être qualifiée.",
                        );
                    }
                }
                ui.horizontal(|ui| {
                    let l = ui.label("Autres destinataires");
                    ui.add(
                        egui::TextEdit::singleline(&mut self.autres)
                            .hint_text("adresses MSSanté, séparées par des virgules")
                            .desired_width(f32::INFINITY),
                    )
                    .labelled_by(l.id);
                });
                let l = ui.label("Message");
                ui.add(
                    egui::TextEdit::multiline(&mut self.message)
                        .desired_rows(3)
                        .desired_width(f32::INFINITY),
                )
                .labelled_by(l.id);
                let destinataires: Vec<String> = self
                    .choisis
                    .iter()
                    .cloned()
                    .chain(adresses(&self.autres))
                    .collect();
                ui.horizontal(|ui| {
                    let pret = (!destinataires.is_empty() || self.patient) && !self.envoi.busy();
                    if theme::bouton_principal(ui, pret, icone::PAPER_PLANE_TILT, "Envoyer")
                        .on_hover_text("Un message pour ce patient : le document en IHE_XDM.ZIP et en PDF, en votre nom")
                        .clicked()
                    {
                        let message = Some(self.message.trim().to_string()).filter(|m| !m.is_empty());
                        self.envoi.set(api.envoyer_mss(
                            &id,
                            Demande {
                                destinataires,
                                message,
                                patient: self.patient,
                            },
                        ));
                    }
                    if theme::bouton(ui, !self.envoi.busy(), icone::X, "Annuler l'envoi").clicked() {
                        *self = Self::default();
                    }
                    if self.envoi.busy() {
                        theme::ligne_progression(ui, "Mise en file…", self.envoi.started());
                    }
                });
            },
        );
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn typed_addresses_are_split_on_commas_semicolons_and_spaces() {
        let a: Vec<String> = super::adresses(" a@x.fr, b@y.fr;c@z.fr  d@w.fr ,").collect();
        assert_eq!(a, ["a@x.fr", "b@y.fr", "c@z.fr", "d@w.fr"]);
    }
}
