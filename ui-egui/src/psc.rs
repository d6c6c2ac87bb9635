//! Signing in with Pro Santé Connect on the login screen (offered first,
//! SC.PSC.15): in the system browser, or by validating on the CPS card or
//! the e-CPS application (CIBA) with the two digits shown here; then, at
//! the first sign-in, the link to the local account confirmed, and the
//! activity chosen. Every step runs in the background: the window says
//! what it waits for and never freezes.

use crate::api::{
    Api, CanalPsc, ChoixPsc, CibaPsc, EtatConnexionPsc, PscDisponible, Session, Slot,
};
use crate::theme::{self, espace, icone, palette};
use egui::RichText;
use esculape_api_types::psc::{ActivitePsc, ComptePsc, ProfessionnelPsc};
use std::time::{Duration, Instant};

/// Between two questions to the host about a CIBA request.
const SONDAGE: Duration = Duration::from_secs(1);

/// What the professional has to choose once PSC signed them in.
struct AChoisir {
    ticket: String,
    professionnel: ProfessionnelPsc,
    comptes: Vec<ComptePsc>,
    activites: Vec<ActivitePsc>,
    compte: usize,
    activite: usize,
}

#[derive(Default)]
pub struct ConnexionPsc {
    disponible: Slot<PscDisponible>,
    demande: bool,
    redirection: Option<String>,
    navigateur: Slot<EtatConnexionPsc>,
    annuler: Option<tokio::sync::oneshot::Sender<()>>,
    ciba_ouvert: bool,
    id_national: String,
    canal: Option<CanalPsc>,
    ciba: Slot<CibaPsc>,
    en_cours: Option<CibaPsc>,
    sondage: Slot<EtatConnexionPsc>,
    prochain: Option<Instant>,
    choix: Option<AChoisir>,
    envoi_choix: Slot<Session>,
    erreur: Option<String>,
}

impl ConnexionPsc {
    /// Whether a call is in flight (the window keeps drawing).
    pub fn occupe(&self) -> bool {
        self.disponible.busy()
            || self.navigateur.busy()
            || self.ciba.busy()
            || self.sondage.busy()
            || self.envoi_choix.busy()
            || self.en_cours.is_some()
    }

    /// Whether the host signs in with PSC (known once it answered).
    pub fn disponible(&self) -> bool {
        self.redirection.is_some()
    }

    /// Starts a browser sign-in (from the main screen: a doctor signed in
    /// by password switching to PSC).
    pub fn demarrer_navigateur(&mut self, api: &Api) {
        let Some(redirection) = self.redirection.clone() else {
            return;
        };
        if self.navigateur.busy() {
            return;
        }
        self.erreur = None;
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.annuler = Some(tx);
        self.navigateur.set(api.psc_navigateur(redirection, rx));
    }

    /// A browser sign-in under way; the error of the last attempt.
    pub fn en_cours(&self) -> (bool, Option<&str>) {
        (
            self.navigateur.busy() || self.choix.is_some(),
            self.erreur.as_deref(),
        )
    }

    /// The account and activity to choose, shown in a window over the
    /// main screen (a sign-in started from there).
    pub fn fenetre_choix(&mut self, ctx: &egui::Context, api: &Api) {
        if self.choix.is_none() {
            return;
        }
        egui::Window::new("Connexion Pro Santé Connect")
            .collapsible(false)
            .resizable(false)
            .anchor(egui::Align2::CENTER_CENTER, egui::Vec2::ZERO)
            .show(ctx, |ui| {
                ui.set_width(380.0);
                self.afficher_choix(ui, api);
            });
    }

    /// Whether the choice of account is shown (instead of the password).
    pub fn choix_en_cours(&self) -> bool {
        self.choix.is_some()
    }

    /// Collects the host's answers; the session once signed in.
    pub fn recevoir(&mut self, api: &Api) -> Option<Session> {
        if !self.demande {
            self.demande = true;
            self.disponible.set(api.psc_disponible());
        }
        if let Some(Ok(d)) = self.disponible.take() {
            self.redirection = d.disponible.then_some(d.redirection).flatten();
        }
        let mut etat = None;
        if let Some(r) = self.navigateur.take() {
            self.annuler = None;
            etat = Some(r);
        }
        if let Some(r) = self.ciba.take() {
            match r {
                Ok(c) => {
                    self.en_cours = Some(c);
                    self.prochain = Some(Instant::now() + SONDAGE);
                }
                Err(e) => self.erreur = Some(e.to_string()),
            }
        }
        if let (Some(c), Some(t)) = (&self.en_cours, self.prochain)
            && !self.sondage.busy()
            && Instant::now() >= t
        {
            self.prochain = None;
            self.sondage.set(api.psc_ciba_etat(&c.demande));
        }
        if let Some(r) = self.sondage.take() {
            match r {
                Ok(EtatConnexionPsc::EnAttente) => self.prochain = Some(Instant::now() + SONDAGE),
                autre => {
                    self.en_cours = None;
                    etat = Some(autre);
                }
            }
        }
        if let Some(r) = self.envoi_choix.take() {
            match r {
                Ok(s) => {
                    self.choix = None;
                    return Some(s);
                }
                Err(e) => self.erreur = Some(e.to_string()),
            }
        }
        match etat? {
            Ok(EtatConnexionPsc::Connecte { session }) => Some(session),
            Ok(EtatConnexionPsc::AChoisir {
                ticket,
                professionnel,
                comptes,
                activites,
            }) => {
                self.erreur = None;
                self.choix = Some(AChoisir {
                    ticket,
                    professionnel,
                    comptes,
                    activites,
                    compte: 0,
                    activite: 0,
                });
                None
            }
            Ok(EtatConnexionPsc::EnAttente) => None,
            Err(crate::api::ApiError::Interrompue) => {
                self.erreur = Some("connexion par Pro Santé Connect annulée".into());
                None
            }
            Err(e) => {
                self.erreur = Some(e.to_string());
                None
            }
        }
    }

    /// The PSC card of the login screen (nothing when the host does not
    /// sign in with PSC).
    pub fn afficher(&mut self, ui: &mut egui::Ui, api: &Api) {
        // the next CIBA poll is due without any input
        if let Some(t) = self.prochain {
            ui.ctx()
                .request_repaint_after(t.saturating_duration_since(Instant::now()));
        }
        if self.choix.is_some() {
            self.afficher_choix(ui, api);
            return;
        }
        if self.redirection.is_none() {
            return;
        }
        theme::carte(ui, icone::IDENTIFICATION_CARD, "Pro Santé Connect", |ui| {
            theme::discret(
                ui,
                "Avec votre carte CPS ou e-CPS : le DMP, la messagerie sécurisée et l'INSi sans autre connexion.",
            );
            ui.add_space(espace::S);
            let libre = !self.navigateur.busy() && self.en_cours.is_none() && !self.ciba.busy();
            if theme::bouton_principal(
                ui,
                libre,
                icone::SIGN_IN,
                "Se connecter avec Pro Santé Connect",
            )
            .clicked()
            {
                self.demarrer_navigateur(api);
            }
            if self.navigateur.busy() {
                ui.horizontal(|ui| {
                    theme::ligne_progression(
                        ui,
                        "En attente du navigateur : connectez-vous dans la page Pro Santé Connect ouverte",
                        self.navigateur.started(),
                    );
                    if theme::bouton(ui, true, icone::X, "Annuler").clicked()
                        && let Some(a) = self.annuler.take()
                    {
                        let _ = a.send(());
                    }
                });
            }
            ui.add_space(espace::XS);
            if !self.ciba_ouvert {
                if theme::bouton(
                    ui,
                    libre,
                    icone::DEVICE_MOBILE,
                    "Sans navigateur : valider sur ma carte ou mon téléphone",
                )
                .clicked()
                {
                    self.ciba_ouvert = true;
                }
            } else {
                self.afficher_ciba(ui, api, libre);
            }
            if let Some(e) = &self.erreur {
                ui.add_space(espace::S);
                theme::bandeau_erreur(ui, e);
            }
        });
        ui.add_space(espace::S);
    }

    fn afficher_ciba(&mut self, ui: &mut egui::Ui, api: &Api, libre: bool) {
        let l = ui.label("Identifiant national (8 suivi du RPPS)");
        ui.add(
            egui::TextEdit::singleline(&mut self.id_national)
                .desired_width(f32::INFINITY)
                .margin(egui::vec2(8.0, 6.0)),
        )
        .labelled_by(l.id);
        let canal = self.canal.get_or_insert(CanalPsc::Mobile);
        ui.horizontal(|ui| {
            ui.radio_value(canal, CanalPsc::Mobile, "Application e-CPS");
            ui.radio_value(canal, CanalPsc::Card, "Carte CPS");
        });
        let canal = *canal;
        let pret = libre && !self.id_national.trim().is_empty();
        if theme::bouton_principal(ui, pret, icone::PAPER_PLANE_TILT, "Demander la validation")
            .clicked()
        {
            self.erreur = None;
            self.ciba.set(api.psc_ciba(&self.id_national, canal));
        }
        if let Some(c) = &self.en_cours {
            ui.add_space(espace::S);
            let p = palette(ui);
            ui.label(
                RichText::new(format!("Code à comparer : {}", c.message))
                    .text_style(theme::texte::grand())
                    .color(p.primaire),
            );
            theme::ligne_progression(
                ui,
                match canal {
                    CanalPsc::Mobile => {
                        "Validez dans l'application e-CPS si elle affiche le même code"
                    }
                    CanalPsc::Card => {
                        "Validez sur le lecteur de la carte CPS s'il affiche le même code"
                    }
                },
                self.ciba.started().or(Some(Instant::now())),
            );
            if theme::bouton(ui, true, icone::X, "Annuler la demande").clicked() {
                // the host stops asking PSC: a validation on the phone
                // afterwards opens nothing (the answer is not awaited)
                drop(api.psc_ciba_annuler(&c.demande));
                self.en_cours = None;
                self.prochain = None;
                self.sondage = Slot::default();
                self.erreur = Some("demande de validation abandonnée".into());
            }
        }
    }

    fn afficher_choix(&mut self, ui: &mut egui::Ui, api: &Api) {
        let mut abandon = false;
        let Some(c) = &mut self.choix else { return };
        let titre = format!(
            "Bienvenue, Dr {} {}",
            c.professionnel.prenom, c.professionnel.nom
        );
        theme::carte(ui, icone::IDENTIFICATION_CARD, &titre, |ui| {
            let premiere = c.comptes.iter().any(|x| !x.lie);
            if premiere {
                theme::discret(
                    ui,
                    "Première connexion avec Pro Santé Connect : confirmez le compte Esculape à lier à votre carte.",
                );
            }
            if c.comptes.len() > 1 || premiere {
                let l = ui.label("Compte Esculape");
                ui.vertical(|ui| {
                    for (i, compte) in c.comptes.iter().enumerate() {
                        ui.radio_value(
                            &mut c.compte,
                            i,
                            format!("{} ({})", compte.display_name, compte.login),
                        )
                        .labelled_by(l.id);
                    }
                });
            }
            if c.activites.len() > 1 {
                ui.add_space(espace::XS);
                let l = ui.label("Activité de cette session");
                ui.vertical(|ui| {
                    for (i, a) in c.activites.iter().enumerate() {
                        ui.radio_value(&mut c.activite, i, &a.raison_sociale)
                            .labelled_by(l.id);
                    }
                });
            }
            ui.add_space(espace::S);
            let libelle = if premiere {
                "Lier et se connecter"
            } else {
                "Se connecter"
            };
            ui.horizontal(|ui| {
                if theme::bouton_principal(ui, !self.envoi_choix.busy(), icone::SIGN_IN, libelle)
                    .clicked()
                    && let Some(compte) = c.comptes.get(c.compte)
                {
                    self.erreur = None;
                    self.envoi_choix.set(api.psc_choix(ChoixPsc {
                        ticket: c.ticket.clone(),
                        compte: compte.id.clone(),
                        activite: c.activites.get(c.activite).map(|a| a.structure.clone()),
                    }));
                }
                if theme::bouton(ui, !self.envoi_choix.busy(), icone::X, "Annuler").clicked() {
                    abandon = true;
                }
            });
            if self.envoi_choix.busy() {
                theme::ligne_progression(ui, "Connexion…", self.envoi_choix.started());
            }
            if let Some(e) = &self.erreur {
                ui.add_space(espace::S);
                theme::bandeau_erreur(ui, e);
            }
        });
        if abandon {
            self.choix = None;
        }
    }
}
