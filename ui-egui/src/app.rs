//! The window: login, patient search, the patient file (identity status,
//! INSi comparison, medical record, documents). Everything the host is
//! asked goes through [`Api`] and is polled each frame; a spinner and the
//! time already waited show while a call is out.

use crate::api::{self, Api, ApiError, Chart, DocumentMeta, PatientSummary, Session, Slot};
use crate::libelles;
use egui::{Color32, RichText};
use esculape_api_types::documents::DocumentAvecContenu;
use esculape_api_types::dossier;
use esculape_api_types::insi::{CodeCr, Comparaison, ReponseInsi, ValidationInsi};
use esculape_domain::calendar::{Day, paris_local};
use esculape_domain::document::{DocumentFormat, DocumentStatus, Provenance};
use esculape_domain::identity::IdentityStatus;
use esculape_domain::record::EntryData;
use esculape_domain::record::NewEncounter;
use esculape_domain::{DmpDecision, Role};

/// The ANS "météo des services" (SC.STAPP.01): the state of the national
/// services.
pub const METEO_DES_SERVICES: &str = "https://esante.gouv.fr/services/meteo-des-services";

#[derive(Default)]
struct Connexion {
    identifiant: String,
    mot_de_passe: String,
    envoi: Slot<Session>,
    erreur: Option<String>,
}

#[derive(Default)]
struct Recherche {
    texte: String,
    /// The result the arrow keys point at (Enter opens it).
    selection: usize,
    /// The text of the query in flight or last answered.
    envoyee: String,
    envoi: Slot<Vec<PatientSummary>>,
    resultats: Vec<PatientSummary>,
    erreur: Option<String>,
}

/// The document list's filter and order (SC.CDA/INT.04).
#[derive(Default)]
struct FiltreDocuments {
    type_code: Option<String>,
    du: String,
    au: String,
    plus_anciens_d_abord: bool,
}

#[derive(Default)]
struct NouvelleConsultation {
    motif: String,
    note: String,
    envoi: Slot<api::Encounter>,
    erreur: Option<String>,
}

struct Dossier {
    chart: Chart,
    /// A DMP decision or a new episode on its way.
    episode: Slot<api::Episode>,
    episode_erreur: Option<String>,
    insi: Slot<ReponseInsi>,
    comparaison: Option<ReponseInsi>,
    validation: Slot<api::PatientRecord>,
    message: Option<String>,
    filtre: FiltreDocuments,
    consultation: NouvelleConsultation,
    editeur: crate::document::Editeur,
    lecture: Lecture,
    entree: crate::entree::FormulaireEntree,
    /// The birth place's name, asked of the COG referential for the code
    /// shown (the code alone says little to a secretary).
    lieu: Slot<Vec<esculape_domain::cog::Lieu>>,
    lieu_demande: Option<String>,
    lieu_nom: Option<String>,
    travaux: Travaux,
    historique: Historique,
}

/// The versions of an entry, asked from its row and shown in a window
/// (every change is kept: who, when, what, why).
#[derive(Default)]
struct Historique {
    /// What the window is about (the entry as the chart shows it).
    titre: String,
    envoi: Slot<Vec<api::Version<EntryData>>>,
    versions: Option<Vec<api::Version<EntryData>>>,
    erreur: Option<String>,
    ouvert: bool,
}

impl Historique {
    fn demander(&mut self, api: &Api, e: &api::Entry) {
        self.titre = libelles::entree(&e.data);
        self.versions = None;
        self.erreur = None;
        self.ouvert = true;
        self.envoi.set(api.entry_versions(&e.id));
    }

    fn show(&mut self, ctx: &egui::Context) {
        if let Some(r) = self.envoi.take() {
            match r {
                Ok(v) => self.versions = Some(v),
                Err(e) => self.erreur = Some(e.to_string()),
            }
        }
        if !self.ouvert {
            return;
        }
        let mut ouvert = true;
        egui::Window::new("Historique de l'entrée")
            .open(&mut ouvert)
            .default_width(520.0)
            .show(ctx, |ui| {
                ui.label(RichText::new(&self.titre).strong());
                if self.envoi.busy() {
                    ui.spinner();
                }
                if let Some(m) = &self.erreur {
                    ui.colored_label(Color32::from_rgb(200, 40, 40), m);
                }
                match &self.versions {
                    Some(v) if v.is_empty() => {
                        ui.label("Pas encore modifiée depuis la mise en place de l'historique.");
                    }
                    Some(v) => {
                        egui::Grid::new("versions-entree")
                            .striped(true)
                            .show(ui, |ui| {
                                for x in v.iter().rev() {
                                    ui.label(format!("v{}", x.version));
                                    ui.label(libelles::moment(x.fait_le));
                                    ui.label(libelles::operation_version(x.operation));
                                    ui.label(x.auteur_nom.as_deref().unwrap_or(&x.auteur));
                                    ui.label(libelles::entree(&x.contenu));
                                    ui.label(x.motif.as_deref().unwrap_or(""));
                                    ui.end_row();
                                }
                            });
                    }
                    None => {}
                }
                if ui.button("Fermer l'historique").clicked() {
                    self.ouvert = false;
                }
            });
        self.ouvert &= ouvert;
    }
}

/// The patient's background jobs, asked when the file opens and again
/// every few seconds while one waits or runs.
#[derive(Default)]
struct Travaux {
    liste: Vec<esculape_domain::travail::Travail>,
    envoi: Slot<Vec<esculape_domain::travail::Travail>>,
    annulation: Slot<esculape_domain::travail::Travail>,
    demande_le: Option<std::time::Instant>,
    erreur: Option<String>,
    /// The list is shown (the user opened it).
    ouverts: bool,
}

/// A stored document opened from the list: its PDF first, the structured
/// rendering of its CDA on demand (SC.CDA/VISU.01/03).
#[derive(Default)]
struct Lecture {
    contenu: Slot<DocumentAvecContenu>,
    pdf_envoi: Slot<Vec<u8>>,
    titre: String,
    format: Option<DocumentFormat>,
    /// A text document's text.
    texte: Option<String>,
    pdf: Option<Vec<u8>>,
    /// The PDF drawn in the window.
    vue: crate::pdf::VuePdf,
    rendu: Vec<(String, String)>,
    erreur: Option<String>,
}

impl Lecture {
    /// Asks for a stored document: its content, and its PDF when it may
    /// have one.
    fn ouvrir(api: &Api, id: &str, titre: String, format: DocumentFormat) -> Self {
        let mut l = Lecture {
            titre,
            format: Some(format),
            ..Lecture::default()
        };
        l.contenu.set(api.stored_document(id));
        if matches!(
            format,
            DocumentFormat::Pdf | DocumentFormat::CdaN1 | DocumentFormat::CdaN3
        ) {
            l.pdf_envoi.set(api.stored_pdf(id));
        }
        l
    }
}

/// The screen shown beside the search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ecran {
    Dossier,
    Agenda,
    Tableau,
}

/// The desktop client's state.
pub struct EsculapeApp {
    ecran: Ecran,
    /// The site the user works at today (chosen after login).
    sites: Slot<Vec<esculape_api_types::comptes::SiteRec>>,
    liste_sites: Vec<esculape_api_types::comptes::SiteRec>,
    site: Option<String>,
    agenda: Option<crate::agenda::Agenda>,
    tableau: Option<crate::tableau::Tableau>,
    api: Api,
    connexion: Connexion,
    session: Option<Session>,
    recherche: Recherche,
    ouverture: Slot<Chart>,
    dossier: Option<Dossier>,
    erreur: Option<String>,
    a_propos: bool,
    /// A national service that failed (its message), shown with the link
    /// to the météo des services.
    service_en_echec: Option<String>,
    style_applique: bool,
    /// Asked once at start: is the practice still to be created?
    installation: Slot<bool>,
    installation_demandee: bool,
    /// The first-start form (one-doctor install, no account yet).
    premier: Option<crate::installation::PremierDemarrage>,
}

impl EsculapeApp {
    pub fn new(api: Api) -> Self {
        Self {
            ecran: Ecran::Dossier,
            sites: Slot::default(),
            liste_sites: vec![],
            site: None,
            agenda: None,
            tableau: None,
            api,
            connexion: Connexion::default(),
            session: None,
            recherche: Recherche::default(),
            ouverture: Slot::default(),
            dossier: None,
            erreur: None,
            a_propos: false,
            service_en_echec: None,
            style_applique: false,
            installation: Slot::default(),
            installation_demandee: false,
            premier: None,
        }
    }

    /// Draws one frame in the window's root `ui`.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        if !self.style_applique {
            // The tooltip on the identity status comes after one second.
            ctx.all_styles_mut(|s| s.interaction.tooltip_delay = 1.0);
            self.api.set_repaint(&ctx);
            self.style_applique = true;
        }
        if !self.installation_demandee {
            self.installation_demandee = true;
            self.installation.set(self.api.installation());
        }
        self.recevoir();
        if self.session.is_none()
            && let Some(p) = &mut self.premier
        {
            p.ecran(ui, &self.api);
        } else if self.session.is_none() {
            self.ecran_connexion(ui);
        } else {
            self.ecran_principal(ui);
        }
        // While a call is out, keep drawing (the spinner turns, the time
        // waited is shown).
        if self.occupe() {
            ctx.request_repaint_after(std::time::Duration::from_millis(100));
        }
    }

    fn occupe(&self) -> bool {
        self.connexion.envoi.busy()
            || self.installation.busy()
            || self.premier.as_ref().is_some_and(|p| p.occupe())
            || self.agenda.as_ref().is_some_and(|a| a.occupe())
            || self.tableau.as_ref().is_some_and(|t| t.occupe())
            || self.recherche.envoi.busy()
            || self.ouverture.busy()
            || self.dossier.as_ref().is_some_and(|d| {
                d.insi.busy()
                    || d.validation.busy()
                    || d.consultation.envoi.busy()
                    || d.episode.busy()
                    || d.editeur.occupe()
                    || d.lecture.contenu.busy()
                    || d.entree.envoi.busy()
                    || d.lecture.pdf_envoi.busy()
                    || d.lecture.vue.occupe()
                    || d.lieu.busy()
            })
    }

    /// Collects what the host answered since the last frame.
    fn recevoir(&mut self) {
        if let Some(Ok(true)) = self.installation.take() {
            self.premier = Some(Default::default());
        }
        if let Some(p) = &mut self.premier
            && p.recevoir()
        {
            // The practice exists: sign the doctor in with what was typed.
            self.connexion.identifiant = p.identifiant.trim().to_string();
            self.connexion
                .envoi
                .set(self.api.login(&self.connexion.identifiant, &p.mot_de_passe));
            self.premier = None;
        }
        if let Some(r) = self.connexion.envoi.take() {
            match r {
                Ok(s) => {
                    self.connexion.mot_de_passe.clear();
                    self.connexion.erreur = None;
                    self.session = Some(s);
                    self.sites.set(self.api.sites());
                }
                Err(e) => self.connexion.erreur = Some(e.to_string()),
            }
        }
        if let Some(Ok(list)) = self.sites.take() {
            if self.site.is_none() {
                self.site = list.first().map(|s| s.id.clone());
            }
            self.liste_sites = list;
        }
        if let Some(r) = self.recherche.envoi.take() {
            match r {
                Ok(list) => {
                    self.recherche.resultats = list;
                    self.recherche.selection = 0;
                    self.recherche.erreur = None;
                }
                Err(e) => self.recherche.erreur = Some(e.to_string()),
            }
        }
        // Typing went on while the query ran: ask again with the text
        // as it is now (the newest text wins).
        self.relancer_recherche();
        if let Some(r) = self.ouverture.take() {
            match r {
                Ok(chart) => {
                    let keep = self
                        .dossier
                        .take()
                        .filter(|d| d.chart.patient.id == chart.patient.id);
                    self.dossier = Some(match keep {
                        Some(mut d) => {
                            d.chart = chart;
                            d
                        }
                        None => Dossier {
                            chart,
                            episode: Slot::default(),
                            episode_erreur: None,
                            insi: Slot::default(),
                            comparaison: None,
                            validation: Slot::default(),
                            message: None,
                            filtre: FiltreDocuments::default(),
                            consultation: NouvelleConsultation::default(),
                            editeur: Default::default(),
                            lecture: Lecture::default(),
                            entree: Default::default(),
                            lieu: Slot::default(),
                            lieu_demande: None,
                            lieu_nom: None,
                            travaux: Travaux::default(),
                            historique: Historique::default(),
                        },
                    });
                    self.erreur = None;
                }
                Err(e) => self.erreur = Some(e.to_string()),
            }
        }
        let mut rouvrir = None;
        if let Some(d) = &mut self.dossier {
            if let Some(r) = d.insi.take() {
                // What the INSi did may have ended a job: list them again.
                d.travaux.demande_le = None;
                match r {
                    Ok(v) => {
                        if v.recuperee {
                            d.message =
                                Some("Identité récupérée automatiquement depuis l'INSi.".into());
                            rouvrir = Some(d.chart.patient.id.clone());
                        }
                        d.comparaison = Some(v);
                        self.service_en_echec = None;
                    }
                    Err(e) => {
                        if let ApiError::Refus {
                            status: 502 | 504, ..
                        }
                        | ApiError::Injoignable(_) = e
                        {
                            self.service_en_echec = Some(format!("INSi : {e}"));
                        }
                        d.message = Some(format!("Interrogation de l'INSi impossible : {e}"));
                    }
                }
            }
            if let Some(r) = d.validation.take() {
                d.travaux.demande_le = None;
                match r {
                    Ok(_) => {
                        d.message =
                            Some("Identité mise à jour avec les traits et l'INS de l'INSi.".into());
                        d.comparaison = None;
                        rouvrir = Some(d.chart.patient.id.clone());
                    }
                    Err(e) => d.message = Some(format!("Validation refusée : {e}")),
                }
            }
            if let Some(r) = d.episode.take() {
                match r {
                    Ok(ep) => {
                        d.episode_erreur = None;
                        match d.chart.episodes.iter_mut().find(|e| e.id == ep.id) {
                            Some(e) => *e = ep,
                            None => d.chart.episodes.push(ep),
                        }
                    }
                    Err(e) => d.episode_erreur = Some(e.to_string()),
                }
            }
            if let Some(r) = d.lecture.contenu.take() {
                match r {
                    Ok(v) => {
                        use base64::Engine as _;
                        let bytes = base64::engine::general_purpose::STANDARD
                            .decode(&v.content)
                            .unwrap_or_default();
                        match d.lecture.format {
                            Some(DocumentFormat::Texte) => {
                                d.lecture.texte = Some(String::from_utf8_lossy(&bytes).into_owned())
                            }
                            Some(DocumentFormat::CdaN1 | DocumentFormat::CdaN3) => {
                                d.lecture.rendu = crate::document::rendu_cda(&bytes)
                            }
                            _ => {}
                        }
                    }
                    Err(e) => d.lecture.erreur = Some(e.to_string()),
                }
            }
            if let Some(r) = d.lecture.pdf_envoi.take() {
                match r {
                    Ok(pdf) => {
                        d.lecture.vue.charger(&self.api, &pdf);
                        d.lecture.pdf = Some(pdf);
                    }
                    // An N3 without a PDF copy: its structured rendering
                    // is what there is to read.
                    Err(ApiError::Refus { status: 404, .. })
                        if d.lecture.format == Some(DocumentFormat::CdaN3) => {}
                    Err(e) => d.lecture.erreur = Some(e.to_string()),
                }
            }
            if let Some(r) = d.entree.envoi.take() {
                match r {
                    Ok(_) => {
                        d.entree.vider();
                        rouvrir = Some(d.chart.patient.id.clone());
                    }
                    // What was typed stays.
                    Err(e) => d.entree.erreur = Some(e.to_string()),
                }
            }
            if d.editeur.signe {
                // A new document: the list shows it.
                d.editeur.signe = false;
                rouvrir = Some(d.chart.patient.id.clone());
            }
            if let Some(r) = d.consultation.envoi.take() {
                match r {
                    Ok(_) => {
                        d.consultation = NouvelleConsultation::default();
                        rouvrir = Some(d.chart.patient.id.clone());
                    }
                    // The typed text stays: nothing is lost on a refusal.
                    Err(e) => d.consultation.erreur = Some(e.to_string()),
                }
            }
        }
        if let Some(id) = rouvrir {
            self.ouvrir(&id);
        }
    }

    fn relancer_recherche(&mut self) {
        let texte = self.recherche.texte.trim().to_string();
        if self.recherche.envoi.busy() || texte == self.recherche.envoyee {
            return;
        }
        self.recherche.envoyee = texte.clone();
        if texte.chars().count() < 2 {
            self.recherche.resultats.clear();
            return;
        }
        self.recherche.envoi.set(self.api.search(&texte));
    }

    fn ecran_connexion(&mut self, ui: &mut egui::Ui) {
        egui::CentralPanel::default().show(ui, |ui| {
            ui.vertical_centered(|ui| {
                ui.add_space(60.0);
                ui.heading("Esculape");
                ui.label("Connexion au cabinet");
                ui.add_space(20.0);
            });
            let c = &mut self.connexion;
            let api = &self.api;
            // The form in the middle of the window, under the title.
            ui.horizontal(|ui| {
                ui.add_space(((ui.available_width() - 340.0) / 2.0).max(0.0));
                ui.vertical(|ui| {
                    egui::Grid::new("connexion").num_columns(2).show(ui, |ui| {
                        let l = ui.label("Identifiant");
                        let id = ui
                            .add(
                                egui::TextEdit::singleline(&mut c.identifiant).desired_width(240.0),
                            )
                            .labelled_by(l.id);
                        if c.identifiant.is_empty()
                            && !id.has_focus()
                            && ui.memory(|m| m.focused().is_none())
                        {
                            id.request_focus();
                        }
                        ui.end_row();
                        let l = ui.label("Mot de passe");
                        let mdp = ui
                            .add(
                                egui::TextEdit::singleline(&mut c.mot_de_passe)
                                    .password(true)
                                    .desired_width(240.0),
                            )
                            .labelled_by(l.id);
                        ui.end_row();
                        let entree =
                            mdp.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                        ui.label("");
                        ui.horizontal(|ui| {
                            let pret =
                                !c.identifiant.trim().is_empty() && !c.mot_de_passe.is_empty();
                            let clic = ui
                                .add_enabled(
                                    pret && !c.envoi.busy(),
                                    egui::Button::new("Se connecter"),
                                )
                                .clicked();
                            if (clic || (entree && pret)) && !c.envoi.busy() {
                                c.erreur = None;
                                c.envoi
                                    .set(api.login(c.identifiant.trim(), &c.mot_de_passe));
                            }
                            if c.envoi.busy() {
                                ui.spinner();
                                ui.label("Connexion…");
                            }
                        });
                        ui.end_row();
                    });
                    if let Some(e) = &c.erreur {
                        ui.colored_label(
                            Color32::from_rgb(200, 40, 40),
                            format!("Connexion refusée : {e}"),
                        );
                    }
                });
            });
        });
    }

    fn ecran_principal(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        egui::Panel::top("barre").show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.menu_button("Aide", |ui| {
                    if ui.button("À propos").clicked() {
                        self.a_propos = true;
                        ui.close();
                    }
                    ui.hyperlink_to("Météo des services (ANS)", METEO_DES_SERVICES);
                });
                ui.separator();
                let nom_site = self
                    .liste_sites
                    .iter()
                    .find(|s| Some(&s.id) == self.site.as_ref())
                    .map(|s| s.name.clone())
                    .unwrap_or_default();
                egui::ComboBox::from_label("Site de travail")
                    .selected_text(nom_site)
                    .show_ui(ui, |ui| {
                        for s in &self.liste_sites {
                            ui.selectable_value(&mut self.site, Some(s.id.clone()), &s.name);
                        }
                    });
                ui.separator();
                ui.selectable_value(&mut self.ecran, Ecran::Dossier, "Dossiers");
                ui.selectable_value(&mut self.ecran, Ecran::Agenda, "Agenda");
                // The dashboard: médecins and administrators (the host
                // refuses the others).
                if self
                    .session
                    .as_ref()
                    .is_some_and(|s| s.user.role != Role::Secretaire)
                {
                    ui.selectable_value(&mut self.ecran, Ecran::Tableau, "Tableau de bord");
                }
                ui.separator();
                if let Some(s) = &self.session {
                    ui.label(format!(
                        "{} ({})",
                        s.user.display_name,
                        libelles::role(s.user.role.code())
                    ));
                }
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    if ui.button("Se déconnecter").clicked() {
                        let _ = self.api.logout();
                        self.session = None;
                        self.dossier = None;
                        self.agenda = None;
                        self.tableau = None;
                        self.ecran = Ecran::Dossier;
                        self.recherche = Recherche::default();
                    }
                });
            });
            if let Some(e) = &self.service_en_echec {
                ui.horizontal(|ui| {
                    ui.colored_label(
                        Color32::from_rgb(200, 40, 40),
                        format!("Service national en difficulté — {e}"),
                    );
                    ui.hyperlink_to("Voir la météo des services", METEO_DES_SERVICES);
                });
            }
        });
        if self.a_propos {
            let mut open = true;
            egui::Window::new("À propos d'Esculape")
                .open(&mut open)
                .collapsible(false)
                .show(&ctx, |ui| {
                    ui.label(format!("Esculape — version technique {}", crate::VERSION));
                    ui.label(format!("Serveur : {}", self.api.base()));
                    ui.hyperlink_to("Météo des services (ANS)", METEO_DES_SERVICES);
                });
            self.a_propos = open;
        }
        egui::Panel::left("recherche")
            .default_size(340.0)
            .show(ui, |ui| self.panneau_recherche(ui));
        if self.ecran == Ecran::Tableau {
            let api = self.api.clone();
            let tableau = self.tableau.get_or_insert_with(|| {
                let d = paris_local(now_millis()).day();
                crate::tableau::Tableau::new(format!("{:04}-{:02}", d.year, d.month))
            });
            egui::CentralPanel::default().show(ui, |ui| tableau.show(ui, &api));
            return;
        }
        if self.ecran == Ecran::Agenda {
            let patient = self.dossier.as_ref().map(|d| {
                let id = &d.chart.patient.identity;
                (
                    d.chart.patient.id.clone(),
                    format!(
                        "{} {}",
                        id.used_name.as_deref().unwrap_or(&id.birth_name),
                        id.birth_first_names.join(" ")
                    ),
                )
            });
            let api = self.api.clone();
            let site = self.site.clone();
            let agenda = self.agenda.get_or_insert_with(|| {
                crate::agenda::Agenda::new(paris_local(now_millis()).day(), site)
            });
            egui::CentralPanel::default().show(ui, |ui| agenda.show(ui, &api, patient));
            return;
        }
        egui::CentralPanel::default().show(ui, |ui| {
            if let Some(e) = &self.erreur {
                ui.colored_label(Color32::from_rgb(200, 40, 40), e);
            }
            if self.ouverture.busy() && self.dossier.is_none() {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label("Ouverture du dossier…");
                });
            }
            let role = self
                .session
                .as_ref()
                .map(|s| s.user.role.code())
                .unwrap_or_default();
            match &mut self.dossier {
                Some(d) => dossier(ui, &self.api, d, role),
                None => {
                    ui.label("Recherchez un patient à gauche (nom, prénom, date ou année de naissance, INS).");
                }
            }
        });
    }

    fn panneau_recherche(&mut self, ui: &mut egui::Ui) {
        let l = ui.label("Rechercher un patient");
        let champ = ui
            .add(
                egui::TextEdit::singleline(&mut self.recherche.texte)
                    .hint_text("ex. dup jea 1980")
                    .desired_width(f32::INFINITY),
            )
            .labelled_by(l.id);
        // Ready to type a name on arrival, but never taken from another
        // field (the agenda's form, the dashboard's month...).
        if self.recherche.resultats.is_empty()
            && self.dossier.is_none()
            && ui.memory(|m| m.focused().is_none())
        {
            champ.request_focus();
        }
        let entree = champ.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        if champ.has_focus() {
            let (bas, haut) = ui.input(|i| {
                (
                    i.key_pressed(egui::Key::ArrowDown),
                    i.key_pressed(egui::Key::ArrowUp),
                )
            });
            let n = self.recherche.resultats.len();
            if bas && n > 0 {
                self.recherche.selection = (self.recherche.selection + 1).min(n - 1);
            }
            if haut {
                self.recherche.selection = self.recherche.selection.saturating_sub(1);
            }
        }
        self.relancer_recherche();
        if self.recherche.envoi.busy() {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Recherche…");
            });
        }
        if let Some(e) = &self.recherche.erreur {
            ui.colored_label(Color32::from_rgb(200, 40, 40), e);
        }
        let mut ouvrir = None;
        if entree
            && let Some(p) = self
                .recherche
                .resultats
                .get(self.recherche.selection)
                .or(self.recherche.resultats.first())
        {
            ouvrir = Some(p.id.clone());
        }
        egui::ScrollArea::vertical().show(ui, |ui| {
            for (i, p) in self.recherche.resultats.iter().enumerate() {
                let courant = self
                    .dossier
                    .as_ref()
                    .map_or(i == self.recherche.selection, |d| {
                        d.chart.patient.id == p.id
                    });
                let mut texte = egui::text::LayoutJob::default();
                let style = ui.style();
                let normal = egui::TextFormat::simple(
                    egui::TextStyle::Body.resolve(style),
                    style.visuals.text_color(),
                );
                texte.append(
                    &format!(
                        "{} {}",
                        p.used_name.as_deref().unwrap_or(&p.birth_name),
                        p.first_names
                    ),
                    0.0,
                    normal.clone(),
                );
                texte.append(
                    &format!("\n{} — ", libelles::date_fr(&p.birth_date)),
                    0.0,
                    normal,
                );
                texte.append(
                    p.status.label(),
                    0.0,
                    egui::TextFormat::simple(
                        egui::TextStyle::Body.resolve(style),
                        couleur(p.status),
                    ),
                );
                if ui.selectable_label(courant, texte).clicked() {
                    ouvrir = Some(p.id.clone());
                }
            }
            if !self.recherche.envoi.busy()
                && self.recherche.envoyee.chars().count() >= 2
                && self.recherche.resultats.is_empty()
                && self.recherche.erreur.is_none()
            {
                ui.label("Aucun patient trouvé.");
            }
        });
        if let Some(id) = ouvrir {
            self.ecran = Ecran::Dossier;
            self.ouvrir(&id);
        }
    }

    /// Opens a file: the whole chart for a médecin, the identity for the
    /// others (the host refuses them the medical record anyway).
    fn ouvrir(&mut self, id: &str) {
        let medecin = self
            .session
            .as_ref()
            .is_some_and(|s| s.user.role == Role::Medecin);
        self.ouverture.set(if medecin {
            self.api.chart(id)
        } else {
            self.api.identity_file(id)
        });
    }
}

/// What the capture mode ([`crate::capture`]) does and reads, as a user
/// would through the screens.
impl EsculapeApp {
    pub fn connected(&self) -> bool {
        self.session.is_some()
    }
    pub fn busy(&self) -> bool {
        self.occupe()
    }
    pub fn has_results(&self) -> bool {
        !self.recherche.resultats.is_empty()
    }
    pub fn searching_started(&self) -> bool {
        !self.recherche.texte.is_empty()
    }
    pub fn file_open(&self) -> bool {
        self.dossier.is_some()
    }
    pub fn capture_login(&mut self, login: &str, password: &str) {
        self.connexion.identifiant = login.into();
        self.connexion.envoi.set(self.api.login(login, password));
    }
    pub fn capture_search(&mut self, text: &str) {
        self.recherche.texte = text.into();
    }
    pub fn capture_open_first(&mut self) {
        if let Some(id) = self.recherche.resultats.first().map(|p| p.id.clone()) {
            self.ouvrir(&id);
        }
    }
    pub fn capture_compare_insi(&mut self) {
        if let Some(d) = &mut self.dossier {
            d.insi.set(self.api.insi(&d.chart.patient.id));
        }
    }
    pub fn capture_about(&mut self) {
        self.a_propos = true;
    }
    /// `agenda` or `tableau` (the about window closed first).
    /// Opens the newest document of the open file (its PDF drawn).
    pub fn capture_open_document(&mut self) {
        self.ecran = Ecran::Dossier;
        if let Some(d) = &mut self.dossier
            && let Some(m) = d.chart.documents.first()
        {
            d.lecture = Lecture::ouvrir(&self.api, &m.id, m.title.clone(), m.format);
        }
    }

    pub fn capture_screen(&mut self, screen: &str) {
        self.a_propos = false;
        self.ecran = match screen {
            "agenda" => Ecran::Agenda,
            "tableau" => Ecran::Tableau,
            _ => Ecran::Dossier,
        };
    }
}

impl eframe::App for EsculapeApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
    }
}

/// The colour of an identity status badge.
fn couleur(status: IdentityStatus) -> Color32 {
    match status {
        IdentityStatus::Qualifiee => Color32::from_rgb(20, 130, 60),
        IdentityStatus::Validee => Color32::from_rgb(30, 100, 170),
        IdentityStatus::Recuperee => Color32::from_rgb(190, 120, 0),
        IdentityStatus::Provisoire => Color32::from_rgb(200, 40, 40),
    }
}

fn dossier(ui: &mut egui::Ui, api: &Api, d: &mut Dossier, role: &str) {
    let p = &d.chart.patient;
    let id = &p.identity;
    // The header: identity, status and attributes, without any click
    // (SC.DMP/UX.11).
    ui.horizontal_wrapped(|ui| {
        ui.heading(format!(
            "{} {}",
            id.used_name.as_deref().unwrap_or(&id.birth_name),
            id.used_first_name
                .clone()
                .unwrap_or_else(|| id.birth_first_names.join(" "))
        ));
        ui.label(
            RichText::new(id.status.label())
                .strong()
                .color(couleur(id.status)),
        )
        .on_hover_text(libelles::vers_qualifiee(id.status));
        for a in libelles::attributs(&id.attributes) {
            ui.label(RichText::new(a).italics());
        }
    });
    if let Some(Ok(lieux)) = d.lieu.take() {
        d.lieu_nom = lieux.first().map(|l| l.nom.clone());
    }
    if id.birth_place_cog != d.lieu_demande && !d.lieu.busy() {
        d.lieu_demande = id.birth_place_cog.clone();
        d.lieu_nom = None;
        if let Some(code) = &id.birth_place_cog {
            d.lieu.set(api.lieu(code));
        }
    }
    let lieu = match (&id.birth_place_cog, &d.lieu_nom) {
        (None, _) => "non renseigné".to_string(),
        (Some(code), Some(nom)) => format!("{nom} ({code})"),
        (Some(code), None) => code.clone(),
    };
    ui.label(format!(
        "Nom de naissance : {} — Prénoms de naissance : {} — né(e) le {} — sexe {} — lieu de naissance {lieu}",
        id.birth_name,
        id.birth_first_names.join(" "),
        libelles::date_fr(&id.birth_date.to_string()),
        libelles::sexe(&id.sex),
    ));
    if let Some(ins) = &id.ins {
        ui.label(format!("INS : {}", libelles::ins(ins)));
    }
    ui.horizontal(|ui| {
        let insi = ui.add_enabled(!d.insi.busy(), egui::Button::new("Comparer avec l'INSi"));
        if insi.clicked() {
            d.message = None;
            d.comparaison = None;
            d.insi.set(api.insi(&d.chart.patient.id));
        }
        if let Some(waited) = d.insi_started() {
            ui.spinner();
            ui.label(format!("Interrogation de l'INSi… {waited} s"));
        }
        travaux(ui, api, d);
    });
    liste_travaux(ui, api, d);
    if let Some(m) = &d.message {
        ui.label(m);
    }
    if let Some(c) = d.comparaison.clone() {
        comparaison_insi(ui, api, d, &c);
    }
    ui.separator();
    if role != "medecin" {
        ui.label("Le dossier médical et les documents sont réservés aux professionnels de santé.");
        return;
    }
    decisions_dmp(ui, api, d);
    ui.separator();
    egui::ScrollArea::vertical().show(ui, |ui| {
        dossier_medical(ui, api, d);
        ui.separator();
        documents(ui, api, d);
        let patient = d.chart.patient.id.clone();
        d.editeur.show(ui, api, &patient);
    });
}

/// The patient's background jobs, kept fresh; the toggle that shows them
/// (what each is, where it stands, the error and next try of a failed one,
/// "Annuler" while it waits).
fn travaux(ui: &mut egui::Ui, api: &Api, d: &mut Dossier) {
    use esculape_domain::travail::EtatTravail;
    let t = &mut d.travaux;
    if let Some(r) = t.envoi.take() {
        match r {
            Ok(l) => {
                t.liste = l;
                t.erreur = None;
            }
            Err(e) => t.erreur = Some(format!("Travaux en arrière-plan indisponibles : {e}")),
        }
    }
    if let Some(r) = t.annulation.take() {
        match r {
            Ok(_) => t.demande_le = None,
            Err(e) => t.erreur = Some(format!("Annulation impossible : {e}")),
        }
    }
    let actifs = t
        .liste
        .iter()
        .any(|j| matches!(j.etat, EtatTravail::EnAttente | EtatTravail::EnCours));
    let du = match t.demande_le {
        None => true,
        Some(at) => actifs && at.elapsed() >= std::time::Duration::from_secs(3),
    };
    if du && !t.envoi.busy() {
        t.envoi.set(api.travaux(&d.chart.patient.id));
        t.demande_le = Some(std::time::Instant::now());
    }
    if actifs {
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_secs(1));
    }
    if let Some(e) = &t.erreur {
        ui.label(RichText::new(e).color(ui.visuals().error_fg_color));
    }
    // A toggle in the INSi row (no line of its own while closed): what is
    // under way, else how many jobs.
    let en_cours = t
        .liste
        .iter()
        .filter(|j| matches!(j.etat, EtatTravail::EnAttente | EtatTravail::EnCours))
        .count();
    let titre = match en_cours {
        0 => format!("Travaux en arrière-plan ({})", t.liste.len()),
        n => format!("Travaux en arrière-plan : {n} en attente ou en cours"),
    };
    ui.toggle_value(&mut t.ouverts, titre);
}

/// The jobs, when the user opened the list.
fn liste_travaux(ui: &mut egui::Ui, api: &Api, d: &mut Dossier) {
    use esculape_domain::travail::EtatTravail;
    let t = &mut d.travaux;
    if !t.ouverts {
        return;
    }
    ui.group(|ui| {
        if t.liste.is_empty() {
            ui.label("Aucun travail en arrière-plan pour ce patient.");
        }
        for j in t.liste.clone() {
            ui.horizontal(|ui| {
                ui.label(format!("{} — {}", j.label, j.etat.libelle()));
                if let Some(p) = j.prochain_essai {
                    ui.label(format!(
                        "(prochain essai à {})",
                        &esculape_domain::calendar::paris_local(p).to_string()[11..]
                    ));
                }
                if j.etat == EtatTravail::EnAttente
                    && ui
                        .add_enabled(!t.annulation.busy(), egui::Button::new("Annuler"))
                        .clicked()
                {
                    t.annulation.set(api.annuler_travail(&j.id));
                }
            });
            if let Some(e) = &j.erreur {
                ui.label(RichText::new(e).small());
            }
        }
    });
}

impl Dossier {
    fn insi_started(&self) -> Option<u64> {
        self.insi.busy().then(|| {
            self.insi
                .started()
                .map(|s| s.elapsed().as_secs())
                .unwrap_or(0)
        })
    }
}

/// The INSi comparison: local and INSi traits side by side, differences
/// marked, the one-click validation; the 01/02 answers with their advice.
fn comparaison_insi(ui: &mut egui::Ui, api: &Api, d: &mut Dossier, c: &ReponseInsi) {
    ui.group(|ui| {
        ui.label(RichText::new("Comparaison avec l'INSi").strong());
        let code = c.code.map(|c| c.code()).unwrap_or_default();
        ui.label(format!("Réponse {code} : {}", c.libelle));
        if let Some(conseil) = &c.conseil {
            ui.label(RichText::new(conseil).italics());
        }
        if let Some(Comparaison::Impossible { erreur }) = &c.comparaison {
            ui.label(RichText::new(erreur).italics());
        }
        let traits = c
            .comparaison
            .as_ref()
            .map(Comparaison::traits)
            .unwrap_or_default();
        if traits.is_empty() {
            return;
        }
        egui::Grid::new("comparaison").striped(true).show(ui, |ui| {
            ui.label(RichText::new("Trait").strong());
            ui.label(RichText::new("Dossier").strong());
            ui.label(RichText::new("INSi").strong());
            ui.label("");
            ui.end_row();
            for t in traits {
                let same = t.identique;
                let color = if same {
                    Color32::from_rgb(20, 130, 60)
                } else {
                    Color32::from_rgb(200, 40, 40)
                };
                let ou_tiret = |v: &str| {
                    if v.is_empty() {
                        "—".to_string()
                    } else {
                        v.to_string()
                    }
                };
                ui.label(&t.nom);
                ui.label(RichText::new(ou_tiret(&t.local)).color(color));
                ui.label(RichText::new(ou_tiret(&t.insi)).color(color));
                ui.label(RichText::new(if same { "identique" } else { "différent" }).color(color));
                ui.end_row();
            }
        });
        if !c.recuperee && c.code == Some(CodeCr::Trouve) {
            let clic = ui
                .add_enabled(
                    !d.validation.busy(),
                    egui::Button::new("Valider l'identité INSi"),
                )
                .on_hover_text("L'identité prend les traits et l'INS renvoyés par l'INSi.")
                .clicked();
            if clic {
                let hors = c.lieu_naissance_hors_referentiel.is_some();
                d.validation.set(api.insi_validate(
                    &d.chart.patient.id,
                    ValidationInsi {
                        version: d.chart.patient.version,
                        accepter_lieu_naissance: hors,
                    },
                ));
            }
            if d.validation.busy() {
                ui.spinner();
            }
        }
    });
}

/// The DMP decisions of the current episode, changed in one click
/// (opposition to feeding, consent to consultation).
fn decisions_dmp(ui: &mut egui::Ui, api: &Api, d: &mut Dossier) {
    use esculape_domain::episode::{DmpConsultation as C, DmpFeeding as F};
    let courant = d
        .chart
        .episodes
        .iter()
        .rev()
        .find(|e| e.closed_at.is_none())
        .cloned();
    ui.horizontal_wrapped(|ui| {
        let Some(ep) = courant else {
            ui.label("DMP : aucun épisode de soins ouvert.");
            if ui
                .add_enabled(
                    !d.episode.busy(),
                    egui::Button::new("Ouvrir un épisode de soins"),
                )
                .clicked()
            {
                d.episode
                    .set(api.open_episode(&d.chart.patient.id, "Suivi au cabinet"));
            }
            return;
        };
        ui.label(format!("DMP ({}) — alimentation :", ep.label));
        for (v, label) in [
            (F::Autorisee, "autorisée"),
            (F::InformeNonOpposition, "informé, pas d'opposition"),
            (F::Opposition, "opposition"),
        ] {
            if ui.selectable_label(ep.feeding == v, label).clicked() && ep.feeding != v {
                d.episode
                    .set(api.dmp_decision(&ep.id, DmpDecision::Alimentation(v)));
            }
        }
        ui.separator();
        ui.label("consultation :");
        for (v, label) in [
            (C::NonAutorisee, "non autorisée"),
            (C::Consentie, "consentie"),
            (C::Refusee, "refusée"),
        ] {
            if ui.selectable_label(ep.consultation == v, label).clicked() && ep.consultation != v {
                d.episode
                    .set(api.dmp_decision(&ep.id, DmpDecision::Consultation(v)));
            }
        }
        if d.episode.busy() {
            ui.spinner();
        }
    });
    if let Some(e) = &d.episode_erreur {
        ui.colored_label(Color32::from_rgb(200, 40, 40), e);
    }
}

/// Which entries a section of the record shows.
type Garde = fn(&EntryData) -> bool;

fn dossier_medical(ui: &mut egui::Ui, api: &Api, d: &mut Dossier) {
    let chart = &d.chart;
    egui::CollapsingHeader::new(format!("Consultations ({})", chart.encounters_total))
        .default_open(true)
        .show(ui, |ui| {
            let c = &mut d.consultation;
            ui.horizontal(|ui| {
                let l = ui.label("Motif");
                ui.add(egui::TextEdit::singleline(&mut c.motif).desired_width(240.0))
                    .labelled_by(l.id);
            });
            let l = ui.label("Note de consultation");
            ui.add(
                egui::TextEdit::multiline(&mut c.note)
                    .desired_rows(3)
                    .desired_width(f32::INFINITY),
            )
            .labelled_by(l.id);
            ui.horizontal(|ui| {
                let pret = !c.note.trim().is_empty() || !c.motif.trim().is_empty();
                if ui
                    .add_enabled(
                        pret && !c.envoi.busy(),
                        egui::Button::new("Enregistrer la consultation"),
                    )
                    .clicked()
                {
                    c.erreur = None;
                    let today = paris_local(now_millis()).day();
                    let motif = c.motif.trim();
                    c.envoi.set(api.add_encounter(
                        &chart.patient.id,
                        &dossier::NouvelleConsultation {
                            episode_id: None,
                            encounter: NewEncounter {
                                date: today,
                                reason: (!motif.is_empty()).then(|| motif.to_string()),
                                note: c.note.clone(),
                            },
                        },
                    ));
                }
                if c.envoi.busy() {
                    ui.spinner();
                }
            });
            if let Some(e) = &c.erreur {
                ui.colored_label(Color32::from_rgb(200, 40, 40), e);
            }
            for e in &chart.encounters {
                ui.label(format!(
                    "{} — {}{}",
                    libelles::date_fr(&e.date.to_string()),
                    e.reason.as_deref().unwrap_or("consultation"),
                    if e.note.is_empty() {
                        String::new()
                    } else {
                        format!(" : {}", e.note)
                    }
                ));
            }
        });
    let sections: [(&str, Garde); 6] = [
        ("Problèmes et antécédents", |e| {
            matches!(e, EntryData::Probleme { .. } | EntryData::Antecedent { .. })
        }),
        ("Allergies", |e| matches!(e, EntryData::Allergie { .. })),
        ("Traitements", |e| matches!(e, EntryData::Traitement { .. })),
        ("Vaccinations", |e| {
            matches!(e, EntryData::Vaccination { .. })
        }),
        ("Mesures", |e| matches!(e, EntryData::Mesure { .. })),
        ("Observations", |e| {
            matches!(e, EntryData::Observation { .. })
        }),
    ];
    d.entree
        .show(ui, api, &chart.patient.id, paris_local(now_millis()).day());
    // A child under five: the growth charts.
    let id = &chart.patient.identity;
    if let Ok(naissance) = Day::parse(&id.birth_date.to_string()) {
        let age = crate::croissance::age_mois(naissance, paris_local(now_millis()).day());
        if (0.0..61.0).contains(&age) {
            egui::CollapsingHeader::new("Courbes de croissance (OMS)")
                .default_open(true)
                .show(ui, |ui| crate::croissance::show(ui, chart));
        }
    }
    let mut retirer = None;
    let mut modifier = None;
    let mut historique = None;
    for (titre, garde) in sections {
        let lignes: Vec<&crate::api::Entry> =
            chart.entries.iter().filter(|e| garde(&e.data)).collect();
        egui::CollapsingHeader::new(format!("{titre} ({})", lignes.len()))
            .default_open(!lignes.is_empty())
            .show(ui, |ui| {
                if lignes.is_empty() {
                    ui.label("Rien de renseigné.");
                }
                for e in lignes {
                    ui.horizontal(|ui| {
                        ui.label(libelles::entree(&e.data));
                        if ui
                            .add_enabled(
                                !d.entree.envoi.busy(),
                                egui::Button::new("Modifier").small(),
                            )
                            .clicked()
                        {
                            modifier = Some(e.clone());
                        }
                        // Removed entries are kept by the host, marked.
                        if ui
                            .add_enabled(
                                !d.entree.envoi.busy(),
                                egui::Button::new("Retirer").small(),
                            )
                            .on_hover_text("Retirer du dossier (l'entrée est conservée, marquée)")
                            .clicked()
                        {
                            retirer = Some(e.id.clone());
                        }
                        if ui
                            .add(egui::Button::new("Historique").small())
                            .on_hover_text("Chaque version de l'entrée: qui, quand, pourquoi")
                            .clicked()
                        {
                            historique = Some(e.clone());
                        }
                    });
                }
            });
    }
    if let Some(id) = retirer {
        d.entree.envoi.set(api.remove_entry(&id));
    }
    if let Some(e) = modifier {
        d.entree = crate::entree::FormulaireEntree::depuis(&e);
    }
    if let Some(e) = historique {
        d.historique.demander(api, &e);
    }
    d.historique.show(ui.ctx());
}

fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// The documents, filtered by type and act date, sorted by act date,
/// with their provenance and sending states.
fn documents(ui: &mut egui::Ui, api: &Api, d: &mut Dossier) {
    ui.label(RichText::new(format!("Documents ({})", d.chart.documents_total)).strong());
    let f = &mut d.filtre;
    let mut types: Vec<(String, String)> = d
        .chart
        .documents
        .iter()
        .map(|m| {
            (
                m.type_code.clone(),
                m.type_display.clone().unwrap_or_else(|| m.title.clone()),
            )
        })
        .collect();
    types.sort();
    types.dedup_by(|a, b| a.0 == b.0);
    ui.horizontal(|ui| {
        egui::ComboBox::from_label("Type")
            .selected_text(
                f.type_code
                    .as_ref()
                    .and_then(|c| types.iter().find(|t| &t.0 == c))
                    .map(|t| t.1.clone())
                    .unwrap_or_else(|| "Tous".into()),
            )
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut f.type_code, None, "Tous");
                for (code, label) in &types {
                    ui.selectable_value(&mut f.type_code, Some(code.clone()), label);
                }
            });
        let l = ui.label("Acte du");
        ui.add(
            egui::TextEdit::singleline(&mut f.du)
                .hint_text("AAAA-MM-JJ")
                .desired_width(90.0),
        )
        .labelled_by(l.id);
        let l = ui.label("au");
        ui.add(
            egui::TextEdit::singleline(&mut f.au)
                .hint_text("AAAA-MM-JJ")
                .desired_width(90.0),
        )
        .labelled_by(l.id);
        ui.checkbox(&mut f.plus_anciens_d_abord, "Plus anciens d'abord");
    });
    let du = Day::parse(f.du.trim()).ok();
    let au = Day::parse(f.au.trim()).ok();
    if (!f.du.trim().is_empty() && du.is_none()) || (!f.au.trim().is_empty() && au.is_none()) {
        ui.colored_label(
            Color32::from_rgb(200, 40, 40),
            "Date attendue au format AAAA-MM-JJ",
        );
    }
    let mut liste: Vec<&DocumentMeta> = d
        .chart
        .documents
        .iter()
        .filter(|m| f.type_code.as_ref().is_none_or(|c| &m.type_code == c))
        .filter(|m| du.is_none_or(|x| m.act_date >= x) && au.is_none_or(|x| m.act_date <= x))
        .collect();
    liste.sort_by_key(|m| m.act_date);
    if !f.plus_anciens_d_abord {
        liste.reverse();
    }
    let mut ouvrir = None;
    let mut corriger = None;
    egui::Grid::new("documents").striped(true).show(ui, |ui| {
        for h in [
            "Date d'acte",
            "Document",
            "Provenance",
            "DMP",
            "MSSanté",
            "État",
            "",
        ] {
            ui.label(RichText::new(h).strong());
        }
        ui.end_row();
        for m in liste {
            ui.label(libelles::date_fr(&m.act_date.to_string()));
            ui.label(&m.title);
            ui.label(libelles::provenance(m.provenance));
            ui.label(libelles::envoi(m.dmp_state));
            ui.label(libelles::envoi(m.mssante_state));
            ui.label(libelles::statut_document(m.status));
            ui.horizontal(|ui| {
                if ui.small_button("Ouvrir").clicked() {
                    ouvrir = Some((m.id.clone(), m.title.clone(), m.format));
                }
                // Only the version in force of a CDA produced here can be
                // corrected from its form.
                if m.provenance == Provenance::Produit
                    && m.status == DocumentStatus::Actif
                    && matches!(m.format, DocumentFormat::CdaN1 | DocumentFormat::CdaN3)
                    && ui
                        .small_button("Corriger")
                        .on_hover_text("Nouvelle version du document, depuis le formulaire signé")
                        .clicked()
                {
                    corriger = Some((m.id.clone(), m.title.clone()));
                }
            });
            ui.end_row();
        }
    });
    if let Some((id, titre)) = corriger {
        d.editeur.corriger(api, &id, &titre);
    }
    if let Some((id, titre, format)) = ouvrir {
        d.lecture = Lecture::ouvrir(api, &id, titre, format);
    }
    lecture(ui.ctx(), &mut d.lecture);
}

/// A stored document in a window over the file: its PDF first, drawn
/// here, the structured rendering of its CDA on demand.
fn lecture(ctx: &egui::Context, l: &mut Lecture) {
    if l.titre.is_empty() {
        return;
    }
    let mut ouverte = true;
    egui::Window::new(format!("Document : {}", l.titre))
        .id(egui::Id::new("lecture-document"))
        .open(&mut ouverte)
        .default_size([860.0, 760.0])
        .collapsible(false)
        .show(ctx, |ui| {
            ui.horizontal(|ui| {
                if l.contenu.busy() || l.pdf_envoi.busy() {
                    ui.spinner();
                }
                if let Some(pdf) = &l.pdf {
                    ui.label(format!("PDF : {} Ko", pdf.len().div_ceil(1024)));
                    if ui
                        .button("Ouvrir dans le lecteur PDF")
                        .on_hover_text("Pour l'imprimer ou l'enregistrer")
                        .clicked()
                        && let Err(e) = crate::document::ouvrir_pdf(pdf)
                    {
                        l.erreur = Some(e);
                    }
                }
                if ui.small_button("Fermer").clicked() {
                    l.titre.clear();
                }
            });
            if let Some(e) = &l.erreur {
                ui.colored_label(Color32::from_rgb(200, 40, 40), e);
            }
            // The PDF first, in the window.
            l.vue.show(ui);
            if let Some(t) = &l.texte {
                egui::ScrollArea::vertical()
                    .id_salt("texte-document")
                    .max_height(600.0)
                    .show(ui, |ui| ui.label(t));
            }
            if l.format == Some(DocumentFormat::Image) {
                ui.label("Image : à ouvrir avec le lecteur d'images du poste.");
            }
            // Once the PDF is known to be there or not: open at once when
            // there is no PDF to read first.
            if matches!(
                l.format,
                Some(DocumentFormat::CdaN1 | DocumentFormat::CdaN3)
            ) && !l.pdf_envoi.busy()
            {
                egui::CollapsingHeader::new("Contenu structuré du document (CDA)")
                    .default_open(l.pdf.is_none())
                    .show(ui, |ui| crate::document::afficher_rendu(ui, &l.rendu));
            }
        });
    if !ouverte {
        l.titre.clear();
    }
}
