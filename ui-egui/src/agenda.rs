//! The agenda as a time grid: a site's day with its practitioners as
//! columns, or a practitioner's week with the days as columns;
//! appointments as blocks sized by their duration and coloured by their
//! state; a click on a free slot books it, a drag moves a block (to
//! another time, day or practitioner) or changes its length by its lower
//! edge. The host refuses a double booking, in French; the grid then
//! shows what the host holds. Beside it: a mini-calendar to jump, the
//! booking form and the waiting room with arrival times.

use crate::api::{Api, Slot};
use crate::libelles;
use crate::theme::{self, Ton, espace, icone, palette};
use egui::{Pos2, Rect, RichText, Sense, Stroke, vec2};
use esculape_api_types::comptes::{Praticien, SiteRec as Site};
use esculape_api_types::domaine::agenda::NewAppointment;
use esculape_domain::agenda::{Appointment, AppointmentStatus};
use esculape_domain::calendar::{Day, LocalDateTime, format_time, parse_time};
use std::collections::BTreeMap;

/// The hours the grid shows (a booking outside is typed in the form).
pub const HEURE_DEBUT: u32 = 7;
pub const HEURE_FIN: u32 = 21;
/// Height of an hour, in points.
pub const HAUTEUR_HEURE: f32 = 84.0;
/// A drag moves by this many minutes.
pub const PAS_MINUTES: i64 = 5;
/// A click on a free slot books from the quarter hour it falls in.
pub const PAS_CRENEAU: u32 = 15;

#[derive(Default)]
struct NouveauRdv {
    jour: String,
    heure: String,
    duree: String,
    motif: String,
}

/// A block being dragged: which one, how, from where.
#[derive(Debug, Clone)]
struct Glisse {
    id: String,
    duree: bool,
    depart: Pos2,
}

/// One column of the grid: a practitioner on a day.
#[derive(Debug, Clone, PartialEq)]
struct Colonne {
    jour: Day,
    praticien: String,
    titre: String,
}

/// The agenda screen's state.
pub struct Agenda {
    praticiens: Slot<Vec<Praticien>>,
    sites: Slot<Vec<Site>>,
    liste_praticiens: Vec<Praticien>,
    liste_sites: Vec<Site>,
    /// The week view's practitioner, and the form's.
    praticien: Option<String>,
    site: Option<String>,
    jour: Day,
    /// The month the mini-calendar shows.
    mois: (i32, u32),
    semaine: bool,
    rdv: Slot<Vec<Appointment>>,
    rendez_vous: Vec<Appointment>,
    salle: Slot<Vec<Appointment>>,
    salle_attente: Vec<Appointment>,
    action: Slot<Appointment>,
    nouveau: NouveauRdv,
    /// The appointment whose actions are shown.
    selection: Option<String>,
    glisse: Option<Glisse>,
    /// Names of the patients seen in the agenda.
    noms: BTreeMap<String, String>,
    noms_en_cours: Vec<(String, Slot<crate::api::PatientRecord>)>,
    erreur: Option<String>,
    charge: bool,
    a_recharger: bool,
    /// The grid scrolled to the morning once.
    defile: bool,
    /// An appointment changed since [`Agenda::modifie`] was asked.
    modifie: bool,
    /// A block chosen from the keyboard: its first action takes the focus.
    focus_actions: bool,
}

impl Agenda {
    /// The agenda of today at the user's site of work, if chosen.
    pub fn new(maintenant: LocalDateTime, site: Option<String>) -> Self {
        let today = maintenant.day();
        Self {
            praticiens: Slot::default(),
            sites: Slot::default(),
            liste_praticiens: vec![],
            liste_sites: vec![],
            praticien: None,
            site,
            jour: today,
            mois: (today.year, today.month),
            semaine: false,
            rdv: Slot::default(),
            rendez_vous: vec![],
            salle: Slot::default(),
            salle_attente: vec![],
            action: Slot::default(),
            nouveau: NouveauRdv {
                jour: today.to_string(),
                heure: "09:00".into(),
                duree: "15".into(),
                motif: String::new(),
            },
            selection: None,
            glisse: None,
            noms: BTreeMap::new(),
            noms_en_cours: vec![],
            erreur: None,
            charge: false,
            a_recharger: false,
            defile: false,
            modifie: false,
            focus_actions: false,
        }
    }

    pub fn occupe(&self) -> bool {
        self.praticiens.busy()
            || self.sites.busy()
            || self.rdv.busy()
            || self.salle.busy()
            || self.action.busy()
            || !self.noms_en_cours.is_empty()
    }

    /// Whether an appointment changed since the last time this was asked
    /// (the patient banner's next appointment).
    pub fn modifie(&mut self) -> bool {
        std::mem::take(&mut self.modifie)
    }

    /// The week view (or the day view).
    pub fn semaine(&mut self, semaine: bool) {
        if self.semaine != semaine {
            self.semaine = semaine;
            self.a_recharger = true;
        }
    }

    fn periode(&self) -> (Day, Day) {
        if self.semaine {
            let lundi = lundi(self.jour);
            (lundi, Day::from_days(lundi.days() + 6))
        } else {
            (self.jour, self.jour)
        }
    }

    fn recharger(&mut self, api: &Api) {
        let Some(s) = &self.site else {
            return;
        };
        let (from, to) = self.periode();
        if self.semaine {
            let Some(p) = &self.praticien else {
                return;
            };
            self.rdv.set(api.agenda(from, to, Some(p), s));
        } else {
            self.rdv.set(api.agenda(from, to, None, s));
        }
        self.salle.set(api.waiting_room(s, self.jour));
    }

    fn recevoir(&mut self, api: &Api) {
        if let Some(r) = self.praticiens.take() {
            match r {
                Ok(l) => {
                    self.praticien = self.praticien.clone().or(l.first().map(|p| p.id.clone()));
                    self.liste_praticiens = l;
                    self.a_recharger = true;
                }
                Err(e) => self.erreur = Some(e.to_string()),
            }
        }
        if let Some(r) = self.sites.take() {
            match r {
                Ok(l) => {
                    self.site = self.site.clone().or(l.first().map(|s| s.id.clone()));
                    self.liste_sites = l;
                    self.a_recharger = true;
                }
                Err(e) => self.erreur = Some(e.to_string()),
            }
        }
        if let Some(r) = self.rdv.take() {
            match r {
                Ok(l) => self.rendez_vous = l,
                Err(e) => self.erreur = Some(e.to_string()),
            }
        }
        if let Some(r) = self.salle.take() {
            match r {
                Ok(l) => self.salle_attente = l,
                Err(e) => self.erreur = Some(e.to_string()),
            }
        }
        if let Some(r) = self.action.take() {
            match r {
                Ok(a) => {
                    self.erreur = None;
                    self.selection = Some(a.id);
                    self.modifie = true;
                }
                // The form keeps what was typed; the grid goes back to
                // what the host holds.
                Err(e) => self.erreur = Some(e.to_string()),
            }
            self.a_recharger = true;
        }
        let mut i = 0;
        while i < self.noms_en_cours.len() {
            match self.noms_en_cours[i].1.take() {
                Some(r) => {
                    let (id, _) = self.noms_en_cours.remove(i);
                    let nom = match r {
                        Ok(p) => format!(
                            "{} {}",
                            p.identity
                                .used_name
                                .as_deref()
                                .unwrap_or(&p.identity.birth_name),
                            p.identity.birth_first_names.join(" ")
                        ),
                        Err(_) => "patient".into(),
                    };
                    self.noms.insert(id, nom);
                }
                None => i += 1,
            }
        }
        for r in self.rendez_vous.iter().chain(&self.salle_attente) {
            if let Some(id) = &r.patient_id
                && !self.noms.contains_key(id)
                && !self.noms_en_cours.iter().any(|(x, _)| x == id)
            {
                let mut slot = Slot::default();
                slot.set(api.patient(id));
                self.noms_en_cours.push((id.clone(), slot));
            }
        }
        if self.a_recharger && self.site.is_some() {
            self.a_recharger = false;
            self.recharger(api);
        }
    }

    fn nom(&self, r: &Appointment) -> String {
        match &r.patient_id {
            Some(id) => self.noms.get(id).cloned().unwrap_or_else(|| "…".into()),
            None => "(sans patient)".into(),
        }
    }

    /// What a block says, and its accessible label.
    fn libelle(&self, r: &Appointment) -> String {
        format!(
            "{}–{} {}{} ({})",
            format_time(r.start.minute_of_day()),
            format_time(r.end.minute_of_day()),
            self.nom(r),
            r.reason
                .as_deref()
                .map(|m| format!(" — {m}"))
                .unwrap_or_default(),
            libelles::statut_rdv(r.status)
        )
    }

    fn colonnes(&self) -> Vec<Colonne> {
        if self.semaine {
            let Some(p) = &self.praticien else {
                return vec![];
            };
            let lundi = lundi(self.jour);
            // Monday to Saturday; Sunday when something is booked on it.
            let dimanche = Day::from_days(lundi.days() + 6);
            let jours = if self.rendez_vous.iter().any(|r| r.start.day() == dimanche) {
                7
            } else {
                6
            };
            (0..jours)
                .map(|i| {
                    let jour = Day::from_days(lundi.days() + i);
                    Colonne {
                        jour,
                        praticien: p.clone(),
                        titre: libelles::jour_court(jour),
                    }
                })
                .collect()
        } else {
            self.liste_praticiens
                .iter()
                .map(|p| Colonne {
                    jour: self.jour,
                    praticien: p.id.clone(),
                    titre: p.display_name.clone(),
                })
                .collect()
        }
    }

    /// `patient`: the file open now (id, name), booked by default.
    pub fn show(&mut self, ui: &mut egui::Ui, api: &Api, patient: Option<(String, String)>) {
        if !self.charge {
            self.charge = true;
            self.praticiens.set(api.practitioners());
            self.sites.set(api.sites());
        }
        self.recevoir(api);
        let avant = (
            self.praticien.clone(),
            self.site.clone(),
            self.jour,
            self.semaine,
        );
        self.barre(ui);
        if let Some(e) = &self.erreur {
            theme::bandeau_erreur(ui, e);
        }
        ui.add_space(espace::S);
        let hauteur = ui.available_height();
        ui.horizontal_top(|ui| {
            ui.vertical(|ui| {
                ui.set_width(270.0);
                egui::ScrollArea::vertical()
                    .id_salt("agenda-cote")
                    .max_height(hauteur)
                    .show(ui, |ui| {
                        theme::carte(
                            ui,
                            icone::CALENDAR_BLANK,
                            &libelles::mois_annee(self.mois.0, self.mois.1),
                            |ui| self.mini_calendrier(ui),
                        );
                        ui.add_space(espace::M);
                        self.formulaire(ui, api, patient);
                        ui.add_space(espace::M);
                        self.actions(ui, api);
                        ui.add_space(espace::M);
                        self.salle_attente(ui);
                    });
            });
            ui.add_space(espace::S);
            ui.vertical(|ui| self.grille(ui, api, hauteur));
        });
        if avant
            != (
                self.praticien.clone(),
                self.site.clone(),
                self.jour,
                self.semaine,
            )
        {
            self.mois = (self.jour.year, self.jour.month);
            self.recharger(api);
        }
    }

    fn barre(&mut self, ui: &mut egui::Ui) {
        ui.horizontal_wrapped(|ui| {
            let pas = if self.semaine { 7 } else { 1 };
            if theme::bouton(ui, true, icone::CALENDAR_CHECK, "Aujourd'hui").clicked() {
                self.jour = crate::app::aujourdhui();
            }
            if theme::bouton_icone(ui, true, icone::CARET_LEFT, "Précédent").clicked() {
                self.jour = Day::from_days(self.jour.days() - pas);
            }
            if theme::bouton_icone(ui, true, icone::CARET_RIGHT, "Suivant").clicked() {
                self.jour = Day::from_days(self.jour.days() + pas);
            }
            let titre = if self.semaine {
                let (du, au) = self.periode();
                format!(
                    "Semaine du {} au {}",
                    libelles::jour_court(du),
                    libelles::jour_court(au)
                )
            } else {
                libelles::jour_long(self.jour)
            };
            ui.label(
                RichText::new(titre)
                    .text_style(theme::texte::titre())
                    .strong(),
            );
            ui.add_space(espace::S);
            if theme::onglet(ui, !self.semaine, icone::CALENDAR_BLANK, "Jour").clicked() {
                self.semaine = false;
            }
            if theme::onglet(ui, self.semaine, icone::CALENDAR_DOTS, "Semaine").clicked() {
                self.semaine = true;
            }
            // Who and where on a line of their own (the window may be
            // narrow, the text large).
            ui.end_row();
            theme::liste_deroulante(
                ui,
                "Praticien",
                self.liste_praticiens
                    .iter()
                    .find(|p| Some(&p.id) == self.praticien.as_ref())
                    .map(|p| p.display_name.clone())
                    .unwrap_or_default(),
                |ui| {
                    for p in &self.liste_praticiens {
                        ui.selectable_value(
                            &mut self.praticien,
                            Some(p.id.clone()),
                            &p.display_name,
                        );
                    }
                },
            );
            theme::liste_deroulante(
                ui,
                "Site",
                self.liste_sites
                    .iter()
                    .find(|s| Some(&s.id) == self.site.as_ref())
                    .map(|s| s.name.clone())
                    .unwrap_or_default(),
                |ui| {
                    for s in &self.liste_sites {
                        ui.selectable_value(&mut self.site, Some(s.id.clone()), &s.name);
                    }
                },
            );
            if self.occupe() {
                ui.spinner();
            }
        });
    }

    /// A month to jump from: a click on a day shows it.
    fn mini_calendrier(&mut self, ui: &mut egui::Ui) {
        let p = palette(ui);
        let (annee, mois) = self.mois;
        ui.horizontal(|ui| {
            if theme::action(ui, true, icone::CARET_LEFT, "Mois précédent").clicked() {
                self.mois = if mois == 1 {
                    (annee - 1, 12)
                } else {
                    (annee, mois - 1)
                };
            }
            if theme::action(ui, true, icone::CARET_RIGHT, "Mois suivant").clicked() {
                self.mois = if mois == 12 {
                    (annee + 1, 1)
                } else {
                    (annee, mois + 1)
                };
            }
        });
        let premier = Day {
            year: annee,
            month: mois,
            day: 1,
        };
        let aujourdhui = crate::app::aujourdhui();
        let (du, au) = self.periode();
        egui::Grid::new("mini-calendrier")
            .spacing(vec2(2.0, 2.0))
            .show(ui, |ui| {
                for j in ["L", "M", "M", "J", "V", "S", "D"] {
                    ui.label(RichText::new(j).small().color(p.texte_discret));
                }
                ui.end_row();
                let debut = lundi(premier);
                for semaine in 0..6 {
                    for j in 0..7 {
                        let d = Day::from_days(debut.days() + semaine * 7 + j);
                        let dans_le_mois = d.month == mois;
                        let choisi = d >= du && d <= au;
                        let mut texte = RichText::new(d.day.to_string());
                        if !dans_le_mois {
                            texte = texte.color(p.texte_discret);
                        }
                        if d == aujourdhui {
                            texte = texte.strong().color(p.primaire);
                        }
                        let r = ui.add(
                            egui::Button::selectable(choisi, texte)
                                .min_size(vec2(30.0, 24.0))
                                .frame_when_inactive(false),
                        );
                        let nom = libelles::jour_long(d);
                        r.widget_info(|| {
                            egui::WidgetInfo::selected(
                                egui::WidgetType::SelectableLabel,
                                true,
                                choisi,
                                &nom,
                            )
                        });
                        if r.clicked() {
                            self.jour = d;
                        }
                    }
                    ui.end_row();
                }
            });
    }

    fn formulaire(&mut self, ui: &mut egui::Ui, api: &Api, patient: Option<(String, String)>) {
        theme::carte(ui, icone::PLUS_CIRCLE, "Nouveau rendez-vous", |ui| {
            let n = &mut self.nouveau;
            egui::Grid::new("nouveau-rdv")
                .num_columns(2)
                .show(ui, |ui| {
                    for (label, buf, hint) in [
                        ("Jour du rendez-vous", &mut n.jour, "AAAA-MM-JJ"),
                        ("Heure", &mut n.heure, "HH:MM"),
                        ("Durée (minutes)", &mut n.duree, "15"),
                        ("Motif du rendez-vous", &mut n.motif, ""),
                    ] {
                        let l = ui.label(label);
                        ui.add(
                            egui::TextEdit::singleline(buf)
                                .hint_text(hint)
                                .desired_width(130.0),
                        )
                        .labelled_by(l.id);
                        ui.end_row();
                    }
                });
            match &patient {
                Some((_, nom)) => ui.label(format!("Patient : {nom}")),
                None => theme::discret(ui, "Sans patient (ouvrez un dossier pour le lui réserver)"),
            };
            if theme::bouton_principal(
                ui,
                !self.action.busy() && self.praticien.is_some() && self.site.is_some(),
                icone::CALENDAR_PLUS,
                "Réserver",
            )
            .clicked()
            {
                match self.demande(patient.map(|p| p.0)) {
                    Ok(body) => self.action.set(api.book(&body)),
                    Err(e) => self.erreur = Some(e),
                }
            }
        });
    }

    /// The chosen appointment: what it is and what can be done with it.
    fn actions(&mut self, ui: &mut egui::Ui, api: &Api) {
        let Some(r) = self
            .selection
            .as_ref()
            .and_then(|id| self.rendez_vous.iter().find(|r| &r.id == id))
            .cloned()
        else {
            return;
        };
        theme::carte(ui, icone::CALENDAR_CHECK, "Rendez-vous choisi", |ui| {
            let (ton, i) = theme::ton_rdv(r.status);
            ui.add(egui::Label::new(self.libelle(&r)).wrap());
            theme::badge(ui, ton, i, libelles::statut_rdv(r.status));
            if r.status == AppointmentStatus::Annule || self.action.busy() {
                return;
            }
            ui.horizontal_wrapped(|ui| {
                let mut premier = std::mem::take(&mut self.focus_actions);
                let mut focus = |b: egui::Response| {
                    if std::mem::take(&mut premier) {
                        b.request_focus();
                    }
                    b
                };
                if r.status == AppointmentStatus::Prevu
                    && focus(theme::bouton(ui, true, icone::ARMCHAIR, "Arrivé")).clicked()
                {
                    self.action
                        .set(api.appointment_status(&r.id, AppointmentStatus::Arrive));
                }
                if r.status == AppointmentStatus::Prevu
                    && theme::bouton(ui, true, icone::CLOCK_CLOCKWISE, "+15 min")
                        .on_hover_text("Déplacer d'un quart d'heure (Alt+↓, ou glisser le bloc)")
                        .clicked()
                {
                    self.action.set(api.move_appointment(
                        &r.id,
                        r.version,
                        r.start.plus_minutes(15),
                        r.end.plus_minutes(15),
                        None,
                    ));
                }
                if focus(theme::bouton(ui, true, icone::X_CIRCLE, "Annuler")).clicked() {
                    self.action
                        .set(api.appointment_status(&r.id, AppointmentStatus::Annule));
                }
            });
        });
    }

    fn salle_attente(&self, ui: &mut egui::Ui) {
        let titre = format!("Salle d'attente ({})", self.salle_attente.len());
        theme::carte(ui, icone::ARMCHAIR, &titre, |ui| {
            if self.salle_attente.is_empty() {
                theme::etat_vide(ui, icone::ARMCHAIR, "Personne en salle d'attente.");
            }
            let maintenant = crate::app::maintenant_ms();
            for r in &self.salle_attente {
                ui.label(format!(
                    "{} — {} (arrivé)",
                    format_time(r.start.minute_of_day()),
                    self.nom(r)
                ));
                if let Some(a) = r.arrived_at {
                    let minutes = ((maintenant - a) / 60_000).max(0);
                    let heure = esculape_domain::calendar::paris_local(a);
                    theme::discret(
                        ui,
                        format!(
                            "arrivé à {}, attend depuis {minutes} min",
                            format_time(heure.minute_of_day())
                        ),
                    );
                }
            }
        });
    }

    /// The time grid: the hours down the side, a column per practitioner
    /// (day) or per day (week), the blocks.
    fn grille(&mut self, ui: &mut egui::Ui, api: &Api, hauteur: f32) {
        let p = palette(ui);
        let colonnes = self.colonnes();
        if colonnes.is_empty() {
            theme::etat_vide(ui, icone::CALENDAR_BLANK, "Aucun praticien à afficher.");
            return;
        }
        let marge_heures = 52.0;
        let entete = 28.0;
        let largeur = ui.available_width() - espace::S;
        let largeur_col = ((largeur - marge_heures) / colonnes.len() as f32).max(90.0);
        // Column titles, above the scrolled hours.
        let (bande, _) = ui.allocate_exact_size(vec2(largeur, entete), Sense::hover());
        for (i, c) in colonnes.iter().enumerate() {
            let x = bande.left() + marge_heures + i as f32 * largeur_col;
            let aujourdhui = c.jour == crate::app::aujourdhui();
            ui.painter().text(
                Pos2::new(x + largeur_col / 2.0, bande.center().y),
                egui::Align2::CENTER_CENTER,
                &c.titre,
                egui::TextStyle::Body.resolve(ui.style()),
                if aujourdhui && self.semaine {
                    p.primaire
                } else {
                    p.texte
                },
            );
        }
        let hauteur_grille = (HEURE_FIN - HEURE_DEBUT) as f32 * HAUTEUR_HEURE;
        let mut defiler = None;
        if !self.defile {
            self.defile = true;
            defiler = Some((8 - HEURE_DEBUT) as f32 * HAUTEUR_HEURE);
        }
        let mut zone = egui::ScrollArea::vertical()
            .id_salt("agenda-grille")
            .max_height((hauteur - entete).max(200.0))
            .auto_shrink([false, false]);
        if let Some(y) = defiler {
            zone = zone.vertical_scroll_offset(y);
        }
        zone.show(ui, |ui| {
            let (cadre, fond) = ui.allocate_exact_size(
                vec2(
                    marge_heures + largeur_col * colonnes.len() as f32,
                    hauteur_grille,
                ),
                Sense::click(),
            );
            fond.widget_info(|| {
                egui::WidgetInfo::labeled(egui::WidgetType::Other, true, "Grille de l'agenda")
            });
            let grille = Grille {
                origine: cadre.left_top() + vec2(marge_heures, 0.0),
                largeur_col,
            };
            self.fond(ui, cadre, &grille, colonnes.len());
            // A click on a free slot: the form takes its practitioner,
            // day and time.
            if fond.clicked()
                && let Some(pos) = fond.interact_pointer_pos()
                && let Some((i, minute)) = grille.case(pos, colonnes.len())
            {
                let c = &colonnes[i];
                let minute = minute - minute % PAS_CRENEAU;
                self.praticien = Some(c.praticien.clone());
                self.nouveau.jour = c.jour.to_string();
                self.nouveau.heure = format_time(minute);
                self.selection = None;
            }
            self.blocs(ui, api, &grille, &colonnes);
        });
    }

    /// Hour lines, the hours, the column separators and now.
    fn fond(&self, ui: &egui::Ui, cadre: Rect, g: &Grille, n: usize) {
        let p = palette(ui);
        let peintre = ui.painter_at(cadre);
        peintre.rect_filled(
            Rect::from_min_max(g.origine, cadre.right_bottom()),
            0.0,
            p.surface,
        );
        for h in HEURE_DEBUT..HEURE_FIN {
            let y = g.y((h - HEURE_DEBUT) * 60 + HEURE_DEBUT * 60);
            peintre.hline(g.origine.x..=cadre.right(), y, Stroke::new(1.0, p.bordure));
            peintre.hline(
                g.origine.x..=cadre.right(),
                y + HAUTEUR_HEURE / 2.0,
                Stroke::new(0.5, p.surface_basse),
            );
            peintre.text(
                Pos2::new(g.origine.x - 8.0, y + 2.0),
                egui::Align2::RIGHT_TOP,
                format!("{h:02}:00"),
                egui::TextStyle::Small.resolve(ui.style()),
                p.texte_discret,
            );
        }
        for i in 0..=n {
            let x = g.origine.x + i as f32 * g.largeur_col;
            peintre.vline(x, cadre.y_range(), Stroke::new(1.0, p.bordure));
        }
        // Now, across today.
        let maintenant = esculape_domain::calendar::paris_local(crate::app::maintenant_ms());
        let minute = maintenant.minute_of_day();
        if (HEURE_DEBUT * 60..HEURE_FIN * 60).contains(&minute) {
            let colonnes = self.colonnes();
            for (i, c) in colonnes.iter().enumerate() {
                if c.jour == maintenant.day() {
                    let x = g.origine.x + i as f32 * g.largeur_col;
                    let y = g.y(minute);
                    let rouge = p.ton(Ton::Danger).0;
                    peintre.hline(x..=x + g.largeur_col, y, Stroke::new(2.0, rouge));
                    peintre.circle_filled(Pos2::new(x, y), 4.0, rouge);
                }
            }
        }
    }

    /// The appointments as blocks; a drag moves one or changes its length.
    fn blocs(&mut self, ui: &mut egui::Ui, api: &Api, g: &Grille, colonnes: &[Colonne]) {
        let mut rdvs: Vec<Appointment> = self.rendez_vous.clone();
        rdvs.sort_by_key(|r| (r.start, r.id.clone()));
        for (i, c) in colonnes.iter().enumerate() {
            let dans: Vec<&Appointment> = rdvs
                .iter()
                .filter(|r| r.start.day() == c.jour && r.practitioner_id == c.praticien)
                .collect();
            let couloirs = couloirs(&dans.iter().map(|r| (r.start, r.end)).collect::<Vec<_>>());
            for (r, (couloir, nb)) in dans.iter().zip(couloirs) {
                let x0 = g.origine.x + i as f32 * g.largeur_col + 3.0;
                let l = (g.largeur_col - 6.0) / nb as f32;
                let debut = r.start.minute_of_day().max(HEURE_DEBUT * 60);
                let fin = r.end.minute_of_day().min(HEURE_FIN * 60).max(debut + 10);
                let rect = Rect::from_min_max(
                    Pos2::new(x0 + couloir as f32 * l, g.y(debut) + 1.0),
                    Pos2::new(x0 + (couloir + 1) as f32 * l - 2.0, g.y(fin) - 1.0),
                );
                let id = egui::Id::new(("rdv", &r.id));
                let reponse = ui.interact(rect, id, Sense::click_and_drag());
                let libelle = self.libelle(r);
                reponse.widget_info(|| {
                    egui::WidgetInfo::selected(
                        egui::WidgetType::Button,
                        true,
                        self.selection.as_deref() == Some(&r.id),
                        &libelle,
                    )
                });
                let mobile = r.status == AppointmentStatus::Prevu;
                if reponse.hovered() {
                    let bas = reponse
                        .hover_pos()
                        .is_some_and(|pos| rect.bottom() - pos.y < 6.0);
                    ui.ctx().set_cursor_icon(if !mobile {
                        egui::CursorIcon::PointingHand
                    } else if bas {
                        egui::CursorIcon::ResizeVertical
                    } else {
                        egui::CursorIcon::Grab
                    });
                }
                if reponse.clicked() {
                    self.selection = Some(r.id.clone());
                    // Chosen with Entrée or Espace: the keyboard goes on to
                    // what can be done with it.
                    self.focus_actions = reponse.has_focus()
                        && ui.input(|i| {
                            i.key_pressed(egui::Key::Enter) || i.key_pressed(egui::Key::Space)
                        });
                }
                // The keyboard's drag: Alt+↑/↓ a quarter hour earlier or
                // later, Alt+Maj+↑/↓ five minutes shorter or longer,
                // Alt+←/→ the column beside (practitioner or day).
                if mobile
                    && reponse.has_focus()
                    && !self.action.busy()
                    && let Some(t) = ui.input_mut(touche_de_deplacement)
                {
                    let col = (i as i64 + t.colonne).clamp(0, colonnes.len() as i64 - 1) as usize;
                    let decalage = colonnes[col].jour.days() - c.jour.days();
                    let debut = r.start.plus_minutes(t.debut + decalage * 1440);
                    let fin = r
                        .end
                        .plus_minutes(t.fin + decalage * 1440)
                        .max(debut.plus_minutes(PAS_MINUTES));
                    let praticien = &colonnes[col].praticien;
                    let autre = (praticien != &r.practitioner_id).then_some(praticien.as_str());
                    if debut != r.start || fin != r.end || autre.is_some() {
                        self.selection = Some(r.id.clone());
                        self.action
                            .set(api.move_appointment(&r.id, r.version, debut, fin, autre));
                    }
                }
                // Where the button went down, not where the drag was
                // recognised (a few points further).
                if mobile
                    && reponse.drag_started()
                    && let Some(pos) = ui
                        .input(|i| i.pointer.press_origin())
                        .or(reponse.interact_pointer_pos())
                {
                    self.glisse = Some(Glisse {
                        id: r.id.clone(),
                        duree: rect.bottom() - pos.y < 6.0,
                        depart: pos,
                    });
                    self.selection = Some(r.id.clone());
                }
                let mut dessin = rect;
                let mut cible = None;
                if let Some(gl) = &self.glisse
                    && gl.id == r.id
                    && let Some(pos) = ui.ctx().pointer_interact_pos()
                {
                    let delta = arrondi((pos.y - gl.depart.y) / HAUTEUR_HEURE * 60.0);
                    let (debut, fin, col) = if gl.duree {
                        let fin = r
                            .end
                            .plus_minutes(delta)
                            .max(r.start.plus_minutes(PAS_MINUTES));
                        (r.start, fin, i)
                    } else {
                        let col = g.colonne(pos, colonnes.len()).unwrap_or(i);
                        let decalage = colonnes[col].jour.days() - c.jour.days();
                        (
                            r.start.plus_minutes(delta + decalage * 1440),
                            r.end.plus_minutes(delta + decalage * 1440),
                            col,
                        )
                    };
                    let x = g.origine.x + col as f32 * g.largeur_col + 3.0;
                    dessin = Rect::from_min_max(
                        Pos2::new(x, g.y(debut.minute_of_day())),
                        Pos2::new(x + g.largeur_col - 8.0, g.y(fin.minute_of_day())),
                    );
                    cible = Some((debut, fin, col));
                }
                self.dessiner(ui, dessin, r, cible.is_some());
                if reponse.drag_stopped()
                    && let Some((debut, fin, col)) = cible
                {
                    self.glisse = None;
                    let praticien = &colonnes[col].praticien;
                    let autre = (praticien != &r.practitioner_id).then_some(praticien.as_str());
                    if debut != r.start || fin != r.end || autre.is_some() {
                        self.action
                            .set(api.move_appointment(&r.id, r.version, debut, fin, autre));
                    }
                }
            }
        }
        if self.glisse.is_some() && !ui.ctx().input(|i| i.pointer.any_down()) {
            self.glisse = None;
        }
    }

    fn dessiner(&self, ui: &egui::Ui, rect: Rect, r: &Appointment, en_cours: bool) {
        let p = palette(ui);
        let (ton, i) = theme::ton_rdv(r.status);
        let (encre, teinte) = p.ton(ton);
        let choisi = self.selection.as_deref() == Some(&r.id);
        let peintre = ui.painter_at(rect.expand(2.0));
        peintre.rect(
            rect,
            egui::CornerRadius::same(6),
            if en_cours {
                teinte.gamma_multiply(0.7)
            } else {
                teinte
            },
            Stroke::new(
                if choisi { 2.0 } else { 1.0 },
                if choisi {
                    p.primaire
                } else {
                    encre.gamma_multiply(0.5)
                },
            ),
            egui::StrokeKind::Inside,
        );
        // The state's stripe on the left edge.
        peintre.rect_filled(
            Rect::from_min_max(rect.left_top(), Pos2::new(rect.left() + 4.0, rect.bottom())),
            egui::CornerRadius {
                nw: 6,
                sw: 6,
                ne: 0,
                se: 0,
            },
            encre,
        );
        let texte = format!(
            "{} {}  {}",
            i,
            format_time(r.start.minute_of_day()),
            self.nom(r)
        );
        let police = egui::TextStyle::Small.resolve(ui.style());
        let interieur = rect.shrink2(vec2(8.0, 2.0));
        let peintre = ui.painter_at(interieur);
        let ligne = peintre.layout_no_wrap(texte, police.clone(), encre);
        let hauteur_ligne = ligne.size().y;
        peintre.galley(interieur.left_top(), ligne, encre);
        if let Some(m) = &r.reason
            && interieur.height() > hauteur_ligne * 2.0
        {
            peintre.text(
                interieur.left_top() + vec2(0.0, hauteur_ligne),
                egui::Align2::LEFT_TOP,
                m,
                police,
                p.texte,
            );
        }
        if r.status == AppointmentStatus::Annule {
            peintre.line_segment(
                [
                    Pos2::new(interieur.left(), interieur.top() + hauteur_ligne / 2.0),
                    Pos2::new(interieur.right(), interieur.top() + hauteur_ligne / 2.0),
                ],
                Stroke::new(1.0, encre),
            );
        }
    }

    /// The booking from the form, checked before it leaves.
    fn demande(&self, patient: Option<String>) -> Result<NewAppointment, String> {
        let n = &self.nouveau;
        let (Some(p), Some(s)) = (&self.praticien, &self.site) else {
            return Err("choisissez un praticien et un site".into());
        };
        let jour = Day::parse(n.jour.trim())
            .map_err(|_| format!("jour «{}» : attendu AAAA-MM-JJ", n.jour))?;
        let debut = parse_time(n.heure.trim())
            .map_err(|_| format!("heure «{}» : attendu HH:MM", n.heure))?;
        let duree: i64 = n
            .duree
            .trim()
            .parse()
            .ok()
            .filter(|d| (5..=240).contains(d))
            .ok_or_else(|| format!("durée «{}» : de 5 à 240 minutes", n.duree))?;
        let start = LocalDateTime::at(jour, debut);
        let motif = n.motif.trim();
        Ok(NewAppointment {
            practitioner_id: p.clone(),
            site_id: s.clone(),
            patient_id: patient,
            start,
            end: start.plus_minutes(duree),
            reason: (!motif.is_empty()).then(|| motif.to_string()),
        })
    }
}

/// Where the grid's columns and minutes are on the screen.
struct Grille {
    /// The top left corner of the first column, at [`HEURE_DEBUT`].
    origine: Pos2,
    largeur_col: f32,
}

impl Grille {
    /// The y of a minute of the day.
    fn y(&self, minute: u32) -> f32 {
        self.origine.y + (minute as f32 - (HEURE_DEBUT * 60) as f32) / 60.0 * HAUTEUR_HEURE
    }

    fn colonne(&self, pos: Pos2, n: usize) -> Option<usize> {
        let x = pos.x - self.origine.x;
        (x >= 0.0)
            .then(|| (x / self.largeur_col) as usize)
            .filter(|i| *i < n)
    }

    /// The column and minute of the day under `pos`.
    fn case(&self, pos: Pos2, n: usize) -> Option<(usize, u32)> {
        let i = self.colonne(pos, n)?;
        let minute = HEURE_DEBUT as f32 * 60.0 + (pos.y - self.origine.y) / HAUTEUR_HEURE * 60.0;
        (minute >= 0.0 && minute < (HEURE_FIN * 60) as f32).then_some((i, minute as u32))
    }
}

/// The Monday of `d`'s week.
/// A move asked from the keyboard, in minutes and columns.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Deplacement {
    debut: i64,
    fin: i64,
    colonne: i64,
}

/// The key that moves a focused block, consumed (Alt with the arrows;
/// Maj changes the length instead).
fn touche_de_deplacement(i: &mut egui::InputState) -> Option<Deplacement> {
    use egui::{Key, Modifiers};
    let duree = Modifiers::ALT | Modifiers::SHIFT;
    let quart = PAS_CRENEAU as i64;
    let d = |debut, fin, colonne| {
        Some(Deplacement {
            debut,
            fin,
            colonne,
        })
    };
    if i.consume_key(duree, Key::ArrowDown) {
        d(0, PAS_MINUTES, 0)
    } else if i.consume_key(duree, Key::ArrowUp) {
        d(0, -PAS_MINUTES, 0)
    } else if i.consume_key(Modifiers::ALT, Key::ArrowDown) {
        d(quart, quart, 0)
    } else if i.consume_key(Modifiers::ALT, Key::ArrowUp) {
        d(-quart, -quart, 0)
    } else if i.consume_key(Modifiers::ALT, Key::ArrowRight) {
        d(0, 0, 1)
    } else if i.consume_key(Modifiers::ALT, Key::ArrowLeft) {
        d(0, 0, -1)
    } else {
        None
    }
}

fn lundi(d: Day) -> Day {
    Day::from_days(d.days() - i64::from(d.weekday()) + 1)
}

/// Minutes dragged, to the nearest step.
fn arrondi(minutes: f32) -> i64 {
    ((minutes / PAS_MINUTES as f32).round() as i64) * PAS_MINUTES
}

/// Side-by-side lanes for overlapping blocks (sorted by start): each
/// block's lane and the number of lanes of its group of overlaps.
fn couloirs(blocs: &[(LocalDateTime, LocalDateTime)]) -> Vec<(usize, usize)> {
    let mut out = vec![(0, 1); blocs.len()];
    let mut groupe: Vec<usize> = vec![];
    let mut fins: Vec<LocalDateTime> = vec![];
    let mut fin_groupe: Option<LocalDateTime> = None;
    let fermer =
        |groupe: &mut Vec<usize>, fins: &mut Vec<LocalDateTime>, out: &mut Vec<(usize, usize)>| {
            let n = fins.len().max(1);
            for &i in groupe.iter() {
                out[i].1 = n;
            }
            groupe.clear();
            fins.clear();
        };
    for (i, (debut, fin)) in blocs.iter().enumerate() {
        if fin_groupe.is_some_and(|f| *debut >= f) {
            fermer(&mut groupe, &mut fins, &mut out);
            fin_groupe = None;
        }
        let couloir = match fins.iter().position(|f| f <= debut) {
            Some(c) => {
                fins[c] = *fin;
                c
            }
            None => {
                fins.push(*fin);
                fins.len() - 1
            }
        };
        out[i].0 = couloir;
        groupe.push(i);
        fin_groupe = Some(fin_groupe.map_or(*fin, |f| f.max(*fin)));
    }
    fermer(&mut groupe, &mut fins, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: u32, m: u32) -> LocalDateTime {
        LocalDateTime::at(Day::parse("2026-12-07").unwrap(), h * 60 + m)
    }

    #[test]
    fn overlapping_blocks_share_the_column_and_the_others_take_it_whole() {
        let blocs = [
            (t(9, 0), t(9, 30)),
            (t(9, 15), t(9, 45)),
            (t(9, 30), t(10, 0)),
            (t(10, 0), t(10, 15)),
        ];
        assert_eq!(couloirs(&blocs), vec![(0, 2), (1, 2), (0, 2), (0, 1)]);
        assert_eq!(couloirs(&[]), vec![]);
    }

    #[test]
    fn a_click_falls_in_its_column_and_minute_and_a_drag_moves_by_steps() {
        let g = Grille {
            origine: Pos2::new(50.0, 100.0),
            largeur_col: 100.0,
        };
        assert_eq!(g.y(HEURE_DEBUT * 60), 100.0);
        assert_eq!(g.y(9 * 60 + 30), 100.0 + 2.5 * HAUTEUR_HEURE);
        let (col, minute) = g
            .case(
                Pos2::new(175.0, g.y(10 * 60 + 20) + HAUTEUR_HEURE / 60.0 * 1.5),
                3,
            )
            .unwrap();
        assert_eq!((col, minute), (1, 10 * 60 + 21));
        assert_eq!(g.case(Pos2::new(20.0, 150.0), 3), None, "the hours' margin");
        assert_eq!(
            g.case(Pos2::new(400.0, 150.0), 3),
            None,
            "past the last column"
        );
        assert_eq!(arrondi(7.4), 5);
        assert_eq!(arrondi(-13.0), -15);
        assert_eq!(
            lundi(Day::parse("2026-12-06").unwrap()),
            Day::parse("2026-11-30").unwrap()
        );
    }
}
