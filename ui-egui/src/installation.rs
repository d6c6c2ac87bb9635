//! First start of a one-doctor install: the embedded host has no account
//! yet, so the window asks for the practice, its site and the doctor's
//! account, then signs the doctor in.

use crate::api::{Api, Slot};
use esculape_api_types::comptes::{
    Installation, NewUser, NouveauCabinet, NouveauCompte, PremiereInstallation,
};
use esculape_domain::account::{check_finess, check_login, check_rpps};
use esculape_domain::{PasswordPolicy, Role, StructureKind};

/// Width of the labels column, the same in both cards.
const LIBELLES: f32 = 200.0;

#[derive(Default)]
pub struct PremierDemarrage {
    pub cabinet: String,
    pub adresse: String,
    pub finess: String,
    pub nom: String,
    pub rpps: String,
    pub identifiant: String,
    pub mot_de_passe: String,
    pub confirmation: String,
    envoi: Slot<Installation>,
    pub erreur: Option<String>,
}

impl PremierDemarrage {
    pub fn occupe(&self) -> bool {
        self.envoi.busy()
    }

    /// The request, checked here first so that the doctor reads what to
    /// fix before anything is sent.
    pub fn demande(&self) -> Result<PremiereInstallation, String> {
        let cabinet = self.cabinet.trim();
        if cabinet.is_empty() {
            return Err("le nom du cabinet est obligatoire".into());
        }
        if self.nom.trim().is_empty() {
            return Err("votre nom est obligatoire (il signe les documents)".into());
        }
        // The domain's own rules, as the host applies them.
        let rpps = self.rpps.trim();
        check_rpps(rpps).map_err(|e| e.to_string())?;
        let finess = self.finess.trim();
        if !finess.is_empty() {
            check_finess(finess).map_err(|e| e.to_string())?;
        }
        let identifiant = self.identifiant.trim();
        check_login(identifiant).map_err(|e| e.to_string())?;
        PasswordPolicy::for_role(Role::Medecin)
            .check(identifiant, &self.mot_de_passe)
            .map_err(|e| format!("mot de passe : {e}"))?;
        if self.mot_de_passe != self.confirmation {
            return Err("les deux mots de passe diffèrent".into());
        }
        let option = |s: &str| (!s.is_empty()).then(|| s.to_string());
        Ok(PremiereInstallation {
            cabinet: NouveauCabinet {
                structure: cabinet.to_string(),
                kind: StructureKind::Cabinet,
                finess: option(finess),
                site: cabinet.to_string(),
                adresse: option(self.adresse.trim()),
            },
            compte: NouveauCompte {
                compte: NewUser {
                    login: identifiant.to_string(),
                    display_name: self.nom.trim().to_string(),
                    rpps: Some(rpps.to_string()),
                    profession: Some("Médecin".into()),
                    role: Role::Medecin,
                    structure_id: None,
                },
                password: self.mot_de_passe.clone(),
            },
            // Filled in by the client of the embedded host.
            code: String::new(),
        })
    }

    /// True once the practice is created: the caller signs in with the
    /// typed identifiant and password.
    pub fn recevoir(&mut self) -> bool {
        match self.envoi.take() {
            Some(Ok(_)) => true,
            Some(Err(e)) => {
                // What was typed stays, the doctor fixes and sends again.
                self.erreur = Some(e.to_string());
                false
            }
            None => false,
        }
    }

    pub fn ecran(&mut self, ui: &mut egui::Ui, api: &Api) {
        use crate::theme::{self, espace, icone, palette};
        egui::CentralPanel::default().show(ui, |ui| {
            let p = palette(ui);
            egui::ScrollArea::vertical().show(ui, |ui| {
                ui.vertical_centered(|ui| {
                    ui.add_space(espace::XL);
                    ui.label(egui::RichText::new(icone::FIRST_AID_KIT).size(40.0).color(p.primaire));
                    ui.heading("Bienvenue dans Esculape");
                    theme::discret(
                        ui,
                        "Premier démarrage : créez votre cabinet et votre compte de médecin.",
                    );
                    ui.add_space(espace::L);
                });
                ui.horizontal(|ui| {
                    ui.add_space(((ui.available_width() - 560.0) / 2.0).max(0.0));
                    ui.vertical(|ui| {
                        ui.set_width(560.0);
                        let champ = |ui: &mut egui::Ui, libelle: &str, texte: &mut String, secret: bool| {
                            let l = ui.label(libelle);
                            ui.add(
                                egui::TextEdit::singleline(texte)
                                    .password(secret)
                                    .desired_width(320.0),
                            )
                            .labelled_by(l.id);
                            ui.end_row();
                        };
                        theme::carte(ui, icone::HOUSE, "Le cabinet", |ui| {
                            egui::Grid::new("installation-cabinet")
                                .num_columns(2)
                                // the two cards' fields in one column
                                .min_col_width(LIBELLES)
                                .spacing([12.0, 8.0])
                                .show(ui, |ui| {
                                    champ(ui, "Nom du cabinet", &mut self.cabinet, false);
                                    champ(ui, "Adresse", &mut self.adresse, false);
                                    champ(ui, "FINESS (facultatif)", &mut self.finess, false);
                                });
                        });
                        ui.add_space(espace::M);
                        theme::carte(ui, icone::USER_CIRCLE, "Votre compte de médecin", |ui| {
                            egui::Grid::new("installation-compte")
                                .num_columns(2)
                                // the two cards' fields in one column
                                .min_col_width(LIBELLES)
                                .spacing([12.0, 8.0])
                                .show(ui, |ui| {
                                    champ(ui, "Votre nom (Dr …)", &mut self.nom, false);
                                    champ(ui, "RPPS", &mut self.rpps, false);
                                    champ(ui, "Identifiant", &mut self.identifiant, false);
                                    champ(ui, "Mot de passe", &mut self.mot_de_passe, true);
                                    champ(
                                        ui,
                                        "Confirmation du mot de passe",
                                        &mut self.confirmation,
                                        true,
                                    );
                                });
                            theme::discret(ui, "Mot de passe : 12 caractères au moins, de 3 sortes (minuscules, majuscules, chiffres, autres), sans l'identifiant.");
                        });
                        ui.add_space(espace::M);
                        ui.horizontal(|ui| {
                            let clic = theme::bouton_principal(
                                ui,
                                !self.envoi.busy(),
                                icone::CHECK_CIRCLE,
                                "Créer le cabinet",
                            )
                            .clicked();
                            if clic {
                                match self.demande() {
                                    Ok(body) => {
                                        self.erreur = None;
                                        self.envoi.set(api.installer(&body));
                                    }
                                    Err(e) => self.erreur = Some(e),
                                }
                            }
                            if self.envoi.busy() {
                                theme::ligne_progression(ui, "Création du cabinet…", self.envoi.started());
                            }
                        });
                        if let Some(e) = &self.erreur {
                            theme::bandeau_erreur(ui, &format!("Impossible de créer le cabinet : {e}"));
                        }
                    });
                });
            });
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rempli() -> PremierDemarrage {
        PremierDemarrage {
            cabinet: "Cabinet du Parc".into(),
            nom: "Dr Claire Dupont".into(),
            rpps: "10101010101".into(),
            identifiant: "dr.dupont".into(),
            mot_de_passe: "Tilleul-Argenté-42".into(),
            confirmation: "Tilleul-Argenté-42".into(),
            ..Default::default()
        }
    }

    #[test]
    fn checks_before_sending() {
        let d = rempli().demande().expect("complet");
        assert_eq!(d.compte.compte.role, Role::Medecin);
        assert_eq!(d.cabinet.site, "Cabinet du Parc");
        assert_eq!(d.cabinet.finess, None);
        let mut court = rempli();
        court.mot_de_passe = "Court1!".into();
        court.confirmation = court.mot_de_passe.clone();
        assert!(court.demande().unwrap_err().contains("mot de passe"));
        let mut differe = rempli();
        differe.confirmation.push('x');
        assert_eq!(
            differe.demande().unwrap_err(),
            "les deux mots de passe diffèrent"
        );
        let mut rpps = rempli();
        rpps.rpps = "123".into();
        assert!(rpps.demande().unwrap_err().contains("RPPS"));
    }
}
