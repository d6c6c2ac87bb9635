//! The MSSanté work list on a doctor's home screen (LGC.MDV.06,
//! SC.MSS/UX.25/28/31, LGC.MSS/UX.05): the received messages waiting for
//! them — a patient to match by traits, a newer version or a deletion to
//! confirm — with who wrote (a professional or a patient), the patient by
//! name, and one action each; every message on demand.

use crate::api::{Api, Slot};
use crate::libelles;
use crate::theme::{self, Ton, icone, palette};
use egui::RichText;
use esculape_api_types::documents::{EtatMessage, MessageMss, ProvenanceMessage};
use esculape_api_types::domaine::identity::PatientSummary;
use std::time::{Duration, Instant};

/// How long the list is kept before it is asked again.
const FRAICHEUR: Duration = Duration::from_secs(30);

#[derive(Default)]
pub struct ListeMessages {
    envoi: Slot<Vec<MessageMss>>,
    liste: Option<Vec<MessageMss>>,
    demande_le: Option<Instant>,
    /// Every message, not only those waiting.
    tout: bool,
    erreur: Option<String>,
    /// The message whose candidates are shown, and them.
    recherche: Slot<Vec<PatientSummary>>,
    candidats: Option<(String, Vec<PatientSummary>)>,
    decision: Slot<MessageMss>,
    bilan: Option<(Ton, String)>,
    /// A decision changed a record: the « à voir » list is stale.
    pub dossiers_changes: bool,
}

/// How a state is shown.
pub fn etat(e: EtatMessage) -> (Ton, &'static str, &'static str) {
    match e {
        EtatMessage::Integre => (Ton::Succes, icone::CHECK_CIRCLE, "Rangé au dossier"),
        EtatMessage::DejaPresent => (Ton::Neutre, icone::COPY, "Déjà intégré"),
        EtatMessage::ARapprocher => (Ton::Attention, icone::USER_FOCUS, "Patient à rapprocher"),
        EtatMessage::RemplacementDemande => (
            Ton::Attention,
            icone::ARROWS_CLOCKWISE,
            "Mise à jour demandée",
        ),
        EtatMessage::SuppressionDemandee => (Ton::Attention, icone::TRASH, "Suppression demandée"),
        EtatMessage::Remplace => (Ton::Info, icone::ARROWS_CLOCKWISE, "Version remplacée"),
        EtatMessage::Supprime => (Ton::Info, icone::TRASH, "Document supprimé"),
        EtatMessage::Ecarte => (Ton::Neutre, icone::PROHIBIT, "Écarté"),
        EtatMessage::SansDocument => (Ton::Neutre, icone::ENVELOPE_SIMPLE, "Sans document"),
        EtatMessage::Refuse => (Ton::Danger, icone::WARNING, "Non intégré"),
    }
}

/// Who wrote, at a glance (SC.MSS/UX.28).
pub fn provenance(p: ProvenanceMessage) -> (Ton, &'static str, &'static str) {
    match p {
        ProvenanceMessage::Professionnel => (Ton::Info, icone::STETHOSCOPE, "Professionnel"),
        ProvenanceMessage::Patient => (Ton::Primaire, icone::USER, "Patient (Mon espace santé)"),
    }
}

impl ListeMessages {
    pub fn occupe(&self) -> bool {
        self.envoi.busy() || self.recherche.busy() || self.decision.busy()
    }

    /// Asked again at the next showing.
    pub fn perimer(&mut self) {
        self.demande_le = None;
    }

    /// Collects the answers (every frame, whatever the screen).
    pub fn recevoir(&mut self) {
        match self.envoi.take() {
            Some(Ok(l)) => {
                self.liste = Some(l);
                self.erreur = None;
            }
            Some(Err(e)) => self.erreur = Some(format!("Messages reçus non lus : {e}")),
            None => {}
        }
        if let Some((id, _)) = &self.candidats
            && let Some(r) = self.recherche.take()
        {
            match r {
                Ok(c) => self.candidats = Some((id.clone(), c)),
                Err(e) => {
                    self.candidats = None;
                    self.bilan = Some((Ton::Danger, format!("Recherche impossible : {e}")));
                }
            }
        }
        match self.decision.take() {
            Some(Ok(m)) => {
                self.bilan = Some((Ton::Succes, format!("« {} » : {}", m.objet, m.raison)));
                self.candidats = None;
                self.dossiers_changes = true;
                self.perimer();
            }
            Some(Err(e)) => self.bilan = Some((Ton::Danger, format!("Action refusée : {e}"))),
            None => {}
        }
    }

    /// Draws the list (asking for it when stale); gives the patient whose
    /// file to open.
    pub fn show(&mut self, ui: &mut egui::Ui, api: &Api) -> Option<String> {
        if !self.envoi.busy() && self.demande_le.is_none_or(|t| t.elapsed() > FRAICHEUR) {
            self.envoi.set(api.messages_mss(!self.tout));
            self.demande_le = Some(Instant::now());
        }
        let p = palette(ui);
        let mut ouvrir = None;
        let n = self
            .liste
            .as_ref()
            .map_or(0, |l| l.iter().filter(|m| m.etat.a_traiter()).count());
        theme::carte(
            ui,
            icone::ENVELOPE_OPEN,
            &format!("Messagerie sécurisée : à traiter ({n})"),
            |ui| {
                if let Some(e) = &self.erreur {
                    theme::bandeau_erreur(ui, e);
                }
                if let Some((ton, t)) = &self.bilan {
                    theme::bandeau(ui, *ton, icone::INFO, t);
                }
                if ui
                    .checkbox(&mut self.tout, "Afficher aussi les messages déjà traités")
                    .changed()
                {
                    self.perimer();
                }
                let Some(liste) = &self.liste else {
                    theme::ligne_progression(ui, "Lecture des messages reçus…", None);
                    return;
                };
                if liste.is_empty() {
                    theme::etat_vide(ui, icone::CHECK, "Aucun message reçu n'attend de décision.");
                    return;
                }
                let occupe = self.decision.busy();
                for m in liste {
                    ui.separator();
                    ui.horizontal_wrapped(|ui| {
                        let (ton, i, t) = provenance(m.provenance);
                        theme::badge(ui, ton, i, t);
                        ui.label(RichText::new(&m.objet).strong().color(p.texte));
                        if let Some(de) = &m.de {
                            theme::discret(ui, format!("de {de}"));
                        }
                        theme::discret(ui, libelles::moment(m.recu_le));
                        let (ton, i, t) = etat(m.etat);
                        theme::badge(ui, ton, i, t);
                    });
                    ui.horizontal_wrapped(|ui| {
                        match &m.patient {
                            Some(nom) => {
                                ui.label(RichText::new(nom).strong());
                            }
                            None => {
                                ui.label("Patient non identifié");
                            }
                        }
                        theme::discret(ui, &m.raison);
                    });
                    ui.horizontal_wrapped(|ui| {
                        let cible = m.cible_titre.as_deref().unwrap_or("le document");
                        match m.etat {
                            EtatMessage::ARapprocher
                                if theme::action_sur(
                                    ui,
                                    !self.recherche.busy(),
                                    icone::MAGNIFYING_GLASS,
                                    "Chercher le patient par ses traits",
                                    &m.objet,
                                )
                                .clicked() =>
                            {
                                self.candidats = Some((m.id.clone(), Vec::new()));
                                self.recherche.set(api.candidats_message_mss(&m.id));
                            }
                            EtatMessage::RemplacementDemande
                                if theme::action(
                                    ui,
                                    !occupe,
                                    icone::ARROWS_CLOCKWISE,
                                    &format!("Remplacer « {cible} » par la nouvelle version"),
                                )
                                .clicked() =>
                            {
                                self.decision
                                    .set(api.decider_message_mss(&m.id, "appliquer"));
                            }
                            EtatMessage::SuppressionDemandee
                                if theme::action(
                                    ui,
                                    !occupe,
                                    icone::TRASH,
                                    &format!("Supprimer « {cible} » du dossier"),
                                )
                                .clicked() =>
                            {
                                self.decision
                                    .set(api.decider_message_mss(&m.id, "appliquer"));
                            }
                            _ => {}
                        }
                        if m.etat.a_traiter()
                            && theme::action_sur(ui, !occupe, icone::PROHIBIT, "Écarter", &m.objet)
                                .clicked()
                        {
                            self.decision.set(api.decider_message_mss(&m.id, "ecarter"));
                        }
                        if let Some(patient) = &m.patient_id
                            && theme::action_sur(
                                ui,
                                true,
                                icone::FOLDER_OPEN,
                                "Ouvrir le dossier",
                                m.patient.as_deref().unwrap_or(patient),
                            )
                            .clicked()
                        {
                            ouvrir = Some(patient.clone());
                        }
                    });
                    if let Some((id, candidats)) = &self.candidats
                        && *id == m.id
                    {
                        if self.recherche.busy() {
                            theme::ligne_progression(
                                ui,
                                "Recherche des patients…",
                                self.recherche.started(),
                            );
                        } else if candidats.is_empty() {
                            theme::discret(
                                ui,
                                "Aucun patient du cabinet n'a ces traits (même date de naissance et même nom ou prénom) : créez le dossier, puis cherchez à nouveau.",
                            );
                        }
                        for c in candidats {
                            let nom = format!(
                                "{} {} (né(e) le {})",
                                c.birth_name,
                                c.first_names,
                                libelles::date_fr(&c.birth_date)
                            );
                            if theme::action_sur(
                                ui,
                                !occupe,
                                icone::USER_PLUS,
                                &format!("Ranger au dossier de {nom}"),
                                &m.objet,
                            )
                            .clicked()
                            {
                                self.decision.set(api.rapprocher_message_mss(&m.id, &c.id));
                            }
                        }
                    }
                }
            },
        );
        ouvrir
    }
}
