//! The patient banner, on every screen while a file is open: who the
//! patient is at a glance (the identity as the INS rules display it, age,
//! sex, identity status with its advice), the DMP slot, allergies in the
//! danger colour, long-term treatments, the care team and the next
//! appointment.

use crate::api::{Api, Chart, Slot};
use crate::libelles;
use crate::theme::{self, Ton, espace, icone, palette};
use egui::{RichText, Ui};
use esculape_api_types::dmp::Dica;
use esculape_domain::agenda::{Appointment, AppointmentStatus};
use esculape_domain::calendar::{Day, LocalDateTime, format_time};
use esculape_domain::record::{Activity, EntryData};

/// How far ahead the next appointment is looked for (the host answers
/// two months at most).
const HORIZON_JOURS: i64 = 60;

/// The banner's own state: the patient's next appointment, asked once
/// the file is open and again when the agenda changed.
#[derive(Default)]
pub struct Bandeau {
    patient: String,
    envoi: Slot<Vec<Appointment>>,
    prochain: Option<Option<Appointment>>,
    /// The DICA of the patient: asked when the file opens and after a
    /// consent decision; the host asks the DMP in the background.
    patient_dica: String,
    envoi_dica: Slot<Dica>,
    dica: Option<Result<Dica, String>>,
}

impl Bandeau {
    pub fn occupe(&self) -> bool {
        self.envoi.busy() || self.envoi_dica.busy()
    }

    /// Asks the DICA again (after a consent decision).
    pub fn rafraichir_dmp(&mut self) {
        self.patient_dica.clear();
    }

    /// Asks again for the next appointment (after a booking).
    pub fn rafraichir(&mut self) {
        self.patient.clear();
    }

    fn recevoir(&mut self, api: &Api, patient: &str, maintenant: LocalDateTime) {
        if self.patient != patient && !self.envoi.busy() {
            self.patient = patient.to_string();
            let jour = maintenant.day();
            self.envoi.set(api.rendez_vous_patient(
                patient,
                jour,
                Day::from_days(jour.days() + HORIZON_JOURS),
            ));
        }
        if self.patient_dica != patient && !self.envoi_dica.busy() {
            self.patient_dica = patient.to_string();
            self.envoi_dica.set(api.dica(patient));
        }
        if let Some(r) = self.envoi_dica.take() {
            self.dica = Some(r.map_err(|e| e.to_string()));
        }
        if let Some(r) = self.envoi.take() {
            // Unknown stays unknown: the banner says nothing wrong.
            self.prochain = r.ok().map(|l| {
                l.into_iter()
                    .filter(|a| a.patient_id.as_deref() == Some(patient))
                    .filter(|a| a.status == AppointmentStatus::Prevu && a.end > maintenant)
                    .min_by_key(|a| a.start)
            });
        }
    }

    pub fn show(&mut self, ui: &mut Ui, api: &Api, chart: &Chart, maintenant: LocalDateTime) {
        self.recevoir(api, &chart.patient.id, maintenant);
        let p = palette(ui);
        let id = &chart.patient.identity;
        let premier = id.birth_first_names.first().cloned().unwrap_or_default();
        let naissance = Day::parse(&id.birth_date.to_string()).ok();
        ui.horizontal(|ui| {
            initiales(ui, &id.birth_name, &premier);
            ui.vertical(|ui| {
                ui.horizontal_wrapped(|ui| {
                    // The strict traits first (INS rules): birth name,
                    // first birth first name; the used ones after.
                    ui.label(
                        RichText::new(format!("{} {}", id.birth_name, premier))
                            .text_style(theme::texte::grand())
                            .strong()
                            .color(p.texte),
                    );
                    let utilise = [
                        id.used_name
                            .as_ref()
                            .filter(|n| **n != id.birth_name)
                            .map(|n| format!("nom utilisé {n}")),
                        id.used_first_name
                            .as_ref()
                            .filter(|n| **n != premier)
                            .map(|n| format!("prénom utilisé {n}")),
                    ];
                    let utilise: Vec<String> = utilise.into_iter().flatten().collect();
                    if !utilise.is_empty() {
                        theme::discret(ui, format!("({})", utilise.join(", ")));
                    }
                    ui.add_space(espace::S);
                    theme::badge_identite(ui, id.status);
                    self.badge_dmp(ui);
                    for a in libelles::attributs(&id.attributes) {
                        theme::badge(ui, Ton::Attention, icone::WARNING, a);
                    }
                });
                let age = naissance
                    .map(|n| format!(" ({})", libelles::age(n, maintenant.day())))
                    .unwrap_or_default();
                theme::discret(
                    ui,
                    format!(
                        "Nom de naissance : {} · Prénoms de naissance : {} · né(e) le {}{age} · sexe {}",
                        id.birth_name,
                        id.birth_first_names.join(" "),
                        libelles::date_fr(&id.birth_date.to_string()),
                        libelles::sexe(&id.sex),
                    ),
                );
                ui.horizontal_wrapped(|ui| self.faits(ui, chart));
            });
        });
        ui.add_space(espace::XS);
    }

    /// Whether the DICA lets this user consult the patient's DMP now: `None`
    /// while it is being asked or could not be, and then the conditions
    /// still missing.
    pub fn dmp_consultable(&self) -> Option<Result<(), Vec<&'static str>>> {
        match &self.dica {
            Some(Ok(d)) if d.consultable => Some(Ok(())),
            Some(Ok(d)) => Some(Err(d
                .conditions
                .iter()
                .filter(|c| !c.remplie)
                .map(|c| libelles::condition_dmp(c.condition))
                .collect())),
            _ => None,
        }
    }

    /// The DICA without a click (SC.DMP/UX.14): whether the DMP can be
    /// consulted; on hover, the four conditions, each with its state and
    /// what solves it.
    fn badge_dmp(&self, ui: &mut Ui) {
        let Some(dica) = &self.dica else {
            theme::badge(ui, Ton::Neutre, icone::CLOUD, "DMP…")
                .on_hover_text("Conditions d'accès au DMP en cours de vérification");
            return;
        };
        let dica = match dica {
            Ok(d) => d,
            Err(e) => {
                theme::badge(ui, Ton::Attention, icone::CLOUD, "DMP ?")
                    .on_hover_text(format!("Conditions d'accès au DMP inconnues : {e}"));
                return;
            }
        };
        let manquantes = dica.conditions.iter().filter(|c| !c.remplie).count();
        let (ton, texte) = match (dica.consultable, &dica.etat) {
            (true, _) => (Ton::Succes, "DMP consultable".to_string()),
            (false, Some(e)) if !e.existe => (Ton::Neutre, "Pas de DMP".to_string()),
            (false, Some(e)) if e.autorisation.as_deref() == Some("INTERDITE") => {
                (Ton::Danger, "DMP : accès bloqué par le patient".to_string())
            }
            _ => (
                Ton::Attention,
                format!(
                    "DMP : {manquantes} condition{} manquante{}",
                    if manquantes > 1 { "s" } else { "" },
                    if manquantes > 1 { "s" } else { "" }
                ),
            ),
        };
        let detail: Vec<String> = dica
            .conditions
            .iter()
            .map(|c| {
                format!(
                    "{} {} : {}{}",
                    if c.remplie { "✔" } else { "✘" },
                    libelles::condition_dmp(c.condition),
                    c.detail,
                    c.solution
                        .as_ref()
                        .map(|s| format!("\n    → {s}"))
                        .unwrap_or_default()
                )
            })
            .collect();
        theme::badge(ui, ton, icone::CLOUD, &texte).on_hover_text(detail.join("\n"));
    }

    /// Allergies, long-term treatments, care team, next appointment.
    fn faits(&self, ui: &mut Ui, chart: &Chart) {
        let allergies: Vec<&str> = chart
            .entries
            .iter()
            .filter_map(|e| match &e.data {
                EntryData::Allergie { label, status, .. } if *status == Activity::Actif => {
                    Some(label.as_str())
                }
                _ => None,
            })
            .collect();
        if allergies.is_empty() {
            theme::badge(
                ui,
                Ton::Neutre,
                icone::SHIELD_CHECK,
                "Aucune allergie connue",
            );
        } else {
            theme::badge(
                ui,
                Ton::Danger,
                icone::WARNING_OCTAGON,
                &format!("Allergies : {}", allergies.join(", ")),
            );
        }
        let ald = chart
            .entries
            .iter()
            .filter(|e| {
                matches!(
                    e.data,
                    EntryData::Traitement {
                        long_term: true,
                        ..
                    }
                )
            })
            .count();
        let traitements = match ald {
            0 => "Aucun traitement au long cours".to_string(),
            1 => "1 traitement au long cours".to_string(),
            n => format!("{n} traitements au long cours"),
        };
        theme::badge(ui, Ton::Neutre, icone::PILL, &traitements);
        let equipe = match chart
            .care_team
            .iter()
            .find(|m| m.member.relation.as_deref() == Some("médecin traitant"))
        {
            Some(m) => format!("Médecin traitant : {}", m.member.name),
            None if chart.care_team.is_empty() => "Équipe de soins non renseignée".into(),
            None => format!("Équipe de soins : {}", chart.care_team.len()),
        };
        let noms: Vec<String> = chart
            .care_team
            .iter()
            .map(|m| match &m.member.relation {
                Some(r) => format!("{} ({r})", m.member.name),
                None => m.member.name.clone(),
            })
            .collect();
        let r = theme::badge(ui, Ton::Neutre, icone::USERS, &equipe);
        if !noms.is_empty() {
            r.on_hover_text(noms.join("\n"));
        }
        let rdv = match &self.prochain {
            None => "Prochain rendez-vous : …".to_string(),
            Some(None) => "Aucun rendez-vous prévu".to_string(),
            Some(Some(a)) => format!(
                "Prochain rendez-vous : {} à {}",
                libelles::jour_court(a.start.day()),
                format_time(a.start.minute_of_day())
            ),
        };
        theme::badge(ui, Ton::Info, icone::CALENDAR_CHECK, &rdv);
        if let Some(ins) = &chart.patient.identity.ins {
            theme::discret(ui, format!("INS : {}", libelles::ins(ins)));
        }
    }
}

/// The patient's initials in a disc (who is open, seen from afar).
fn initiales(ui: &mut Ui, nom: &str, prenom: &str) {
    let p = palette(ui);
    let (encre, teinte) = p.ton(Ton::Primaire);
    let texte: String = nom
        .chars()
        .next()
        .into_iter()
        .chain(prenom.chars().next())
        .collect();
    let taille = egui::vec2(52.0, 52.0);
    let (rect, _) = ui.allocate_exact_size(taille, egui::Sense::hover());
    ui.painter().circle_filled(rect.center(), 26.0, teinte);
    ui.painter().text(
        rect.center(),
        egui::Align2::CENTER_CENTER,
        texte,
        egui::FontId::proportional(20.0),
        encre,
    );
}
