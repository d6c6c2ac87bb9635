//! The agenda: a practitioner's day or week at a site, booking (the host
//! refuses a double booking, in French), moving and cancelling
//! appointments, marking arrivals, and the site's waiting room.

use crate::api::{Api, Slot};
use crate::libelles;
use egui::{Color32, RichText};
use esculape_api_types::comptes::{Praticien, SiteRec as Site};
use esculape_api_types::domaine::agenda::NewAppointment;
use esculape_domain::agenda::{Appointment, AppointmentStatus};
use esculape_domain::calendar::{Day, LocalDateTime, format_time, parse_time};
use std::collections::BTreeMap;

#[derive(Default)]
struct NouveauRdv {
    jour: String,
    heure: String,
    duree: String,
    motif: String,
}

/// The agenda screen's state.
pub struct Agenda {
    praticiens: Slot<Vec<Praticien>>,
    sites: Slot<Vec<Site>>,
    liste_praticiens: Vec<Praticien>,
    liste_sites: Vec<Site>,
    praticien: Option<String>,
    site: Option<String>,
    jour: Day,
    semaine: bool,
    rdv: Slot<Vec<Appointment>>,
    rendez_vous: Vec<Appointment>,
    salle: Slot<Vec<Appointment>>,
    salle_attente: Vec<Appointment>,
    action: Slot<Appointment>,
    nouveau: NouveauRdv,
    /// Names of the patients seen in the agenda.
    noms: BTreeMap<String, String>,
    noms_en_cours: Vec<(String, Slot<crate::api::PatientRecord>)>,
    erreur: Option<String>,
    message: Option<String>,
    charge: bool,
    a_recharger: bool,
}

impl Agenda {
    /// The agenda of `today` at the user's site of work, if chosen.
    pub fn new(today: Day, site: Option<String>) -> Self {
        Self {
            praticiens: Slot::default(),
            sites: Slot::default(),
            liste_praticiens: vec![],
            liste_sites: vec![],
            praticien: None,
            site,
            jour: today,
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
            noms: BTreeMap::new(),
            noms_en_cours: vec![],
            erreur: None,
            message: None,
            charge: false,
            a_recharger: false,
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

    fn periode(&self) -> (Day, Day) {
        if self.semaine {
            // weekday: 1 = Monday.
            let lundi = Day::from_days(self.jour.days() - i64::from(self.jour.weekday()) + 1);
            (lundi, Day::from_days(lundi.days() + 6))
        } else {
            (self.jour, self.jour)
        }
    }

    fn recharger(&mut self, api: &Api) {
        let (Some(p), Some(s)) = (&self.praticien, &self.site) else {
            return;
        };
        let (from, to) = self.periode();
        self.rdv.set(api.agenda(from, to, p, s));
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
                Ok(_) => {
                    self.erreur = None;
                    self.a_recharger = true;
                }
                // The form keeps what was typed.
                Err(e) => self.erreur = Some(e.to_string()),
            }
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
        if self.a_recharger && self.praticien.is_some() && self.site.is_some() {
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

    /// `patient`: the file open now (id, name), booked by default.
    pub fn show(&mut self, ui: &mut egui::Ui, api: &Api, patient: Option<(String, String)>) {
        if !self.charge {
            self.charge = true;
            self.praticiens.set(api.practitioners());
            self.sites.set(api.sites());
        }
        self.recevoir(api);
        ui.horizontal_wrapped(|ui| {
            let avant = (
                self.praticien.clone(),
                self.site.clone(),
                self.jour,
                self.semaine,
            );
            egui::ComboBox::from_label("Praticien")
                .selected_text(
                    self.liste_praticiens
                        .iter()
                        .find(|p| Some(&p.id) == self.praticien.as_ref())
                        .map(|p| p.display_name.clone())
                        .unwrap_or_default(),
                )
                .show_ui(ui, |ui| {
                    for p in &self.liste_praticiens {
                        ui.selectable_value(
                            &mut self.praticien,
                            Some(p.id.clone()),
                            &p.display_name,
                        );
                    }
                });
            egui::ComboBox::from_label("Site")
                .selected_text(
                    self.liste_sites
                        .iter()
                        .find(|s| Some(&s.id) == self.site.as_ref())
                        .map(|s| s.name.clone())
                        .unwrap_or_default(),
                )
                .show_ui(ui, |ui| {
                    for s in &self.liste_sites {
                        ui.selectable_value(&mut self.site, Some(s.id.clone()), &s.name);
                    }
                });
            ui.separator();
            if ui.button("◀").on_hover_text("Précédent").clicked() {
                let pas = if self.semaine { 7 } else { 1 };
                self.jour = Day::from_days(self.jour.days() - pas);
            }
            ui.label(RichText::new(libelles::date_fr(&self.jour.to_string())).strong());
            if ui.button("▶").on_hover_text("Suivant").clicked() {
                let pas = if self.semaine { 7 } else { 1 };
                self.jour = Day::from_days(self.jour.days() + pas);
            }
            ui.selectable_value(&mut self.semaine, false, "Jour");
            ui.selectable_value(&mut self.semaine, true, "Semaine");
            if self.occupe() {
                ui.spinner();
            }
            if avant
                != (
                    self.praticien.clone(),
                    self.site.clone(),
                    self.jour,
                    self.semaine,
                )
            {
                self.recharger(api);
            }
        });
        if let Some(e) = &self.erreur {
            ui.colored_label(Color32::from_rgb(200, 40, 40), e);
        }
        ui.separator();
        ui.columns(2, |cols| {
            self.liste(&mut cols[0], api);
            self.formulaire(&mut cols[1], api, patient);
            cols[1].separator();
            cols[1].label(RichText::new("Salle d'attente").strong());
            if self.salle_attente.is_empty() {
                cols[1].label("Personne en salle d'attente.");
            }
            for r in &self.salle_attente {
                cols[1].label(format!(
                    "{} — {} (arrivé)",
                    format_time(r.start.minute_of_day()),
                    self.nom(r)
                ));
            }
        });
    }

    fn liste(&mut self, ui: &mut egui::Ui, api: &Api) {
        let mut par_jour: BTreeMap<Day, Vec<Appointment>> = BTreeMap::new();
        for r in &self.rendez_vous {
            par_jour.entry(r.start.day()).or_default().push(r.clone());
        }
        if par_jour.is_empty() {
            ui.label("Aucun rendez-vous sur la période.");
        }
        for (jour, mut rdvs) in par_jour {
            rdvs.sort_by_key(|r| r.start);
            ui.label(RichText::new(libelles::date_fr(&jour.to_string())).strong());
            // One row per appointment: its text wraps in its column, the
            // actions stay together on the right.
            let largeur = (ui.available_width() - 200.0).max(160.0);
            egui::Grid::new(("rendez-vous", jour.to_string()))
                .num_columns(2)
                .striped(true)
                .show(ui, |ui| {
                    for r in rdvs {
                        let annule = r.status == AppointmentStatus::Annule;
                        let texte = format!(
                            "{}–{} {}{} ({})",
                            format_time(r.start.minute_of_day()),
                            format_time(r.end.minute_of_day()),
                            self.nom(&r),
                            r.reason
                                .as_deref()
                                .map(|m| format!(" — {m}"))
                                .unwrap_or_default(),
                            libelles::statut_rdv(r.status)
                        );
                        ui.scope(|ui| {
                            ui.set_max_width(largeur);
                            ui.add(
                                egui::Label::new(if annule {
                                    RichText::new(texte).strikethrough()
                                } else {
                                    RichText::new(texte)
                                })
                                .wrap(),
                            );
                        });
                        ui.horizontal(|ui| {
                            if annule || self.action.busy() {
                                return;
                            }
                            if r.status == AppointmentStatus::Prevu
                                && ui.small_button("Arrivé").clicked()
                            {
                                self.action
                                    .set(api.appointment_status(&r.id, AppointmentStatus::Arrive));
                            }
                            if r.status == AppointmentStatus::Prevu
                                && ui
                                    .small_button("+15 min")
                                    .on_hover_text("Déplacer d'un quart d'heure")
                                    .clicked()
                            {
                                self.action.set(api.move_appointment(
                                    &r.id,
                                    r.version,
                                    r.start.plus_minutes(15),
                                    r.end.plus_minutes(15),
                                ));
                            }
                            if ui.small_button("Annuler").clicked() {
                                self.action
                                    .set(api.appointment_status(&r.id, AppointmentStatus::Annule));
                            }
                        });
                        ui.end_row();
                    }
                });
        }
    }

    fn formulaire(&mut self, ui: &mut egui::Ui, api: &Api, patient: Option<(String, String)>) {
        ui.label(RichText::new("Nouveau rendez-vous").strong());
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
                            .desired_width(160.0),
                    )
                    .labelled_by(l.id);
                    ui.end_row();
                }
            });
        ui.label(match &patient {
            Some((_, nom)) => format!("Patient : {nom}"),
            None => "Sans patient (ouvrez un dossier pour le lui réserver)".into(),
        });
        if ui
            .add_enabled(
                !self.action.busy() && self.praticien.is_some() && self.site.is_some(),
                egui::Button::new("Réserver"),
            )
            .clicked()
        {
            match self.demande(patient.map(|p| p.0)) {
                Ok(body) => self.action.set(api.book(&body)),
                Err(e) => self.erreur = Some(e),
            }
        }
        if let Some(m) = &self.message {
            ui.label(m);
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
