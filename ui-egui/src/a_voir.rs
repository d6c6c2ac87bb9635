//! Received results and letters must be seen: the practice's « à voir »
//! list on the home screen (each with its patient and its abnormal
//! results), and in a chart who signed off each received document.

use crate::api::{Api, Slot};
use crate::libelles;
use crate::theme::{self, Ton, icone, palette};
use egui::RichText;
use esculape_api_types::documents::{AVoir, ReleveMss, Vu};
use std::time::{Duration, Instant};

/// How long the home screen's list is kept before it is asked again.
const FRAICHEUR: Duration = Duration::from_secs(30);

/// The home screen's list.
#[derive(Default)]
pub struct ListeAVoir {
    envoi: Slot<Vec<AVoir>>,
    liste: Option<Vec<AVoir>>,
    demande_le: Option<Instant>,
    erreur: Option<String>,
    /// The MSSanté mailbox being read, and what the last reading brought.
    releve: Slot<ReleveMss>,
    bilan: Option<(Ton, String)>,
    /// A reading just ended: the MSSanté work list is stale.
    pub releve_faite: bool,
}

/// What a reading of the mailbox brought, in words.
fn bilan(r: &ReleveMss) -> (Ton, String) {
    if r.messages == 0 {
        return (
            Ton::Neutre,
            "Messagerie relevée : aucun nouveau message.".into(),
        );
    }
    let mut t = format!(
        "Messagerie relevée : {} message(s), {} document(s) rangé(s) dans les dossiers.",
        r.messages,
        r.documents.len()
    );
    for n in &r.non_classes {
        t.push_str(&format!(
            "\nNon classé, resté dans la boîte : « {} »{} — {}",
            n.objet,
            n.de.as_deref()
                .map(|d| format!(" de {d}"))
                .unwrap_or_default(),
            n.raison
        ));
    }
    if r.a_traiter > 0 {
        t.push_str(&format!(
            "\n{} message(s) attendent votre décision dans la messagerie sécurisée ci-dessous.",
            r.a_traiter
        ));
    }
    let ton = if r.non_classes.is_empty() {
        Ton::Succes
    } else {
        Ton::Attention
    };
    (ton, t)
}

impl ListeAVoir {
    /// The patient of the list's first document, once the list is there.
    pub fn premier_patient(&self) -> Option<String> {
        self.liste
            .as_ref()?
            .first()
            .map(|a| a.document.patient_id.clone())
    }

    pub fn occupe(&self) -> bool {
        self.envoi.busy() || self.releve.busy()
    }

    /// Asked again at the next showing.
    pub fn perimer(&mut self) {
        self.demande_le = None;
    }

    /// Collects the answer (every frame, whatever the screen).
    pub fn recevoir(&mut self) {
        match self.envoi.take() {
            Some(Ok(l)) => {
                self.liste = Some(l);
                self.erreur = None;
            }
            Some(Err(e)) => self.erreur = Some(format!("Liste « à voir » non lue : {e}")),
            None => {}
        }
        match self.releve.take() {
            Some(Ok(r)) => {
                self.bilan = Some(bilan(&r));
                self.releve_faite = true;
                self.perimer();
            }
            Some(Err(e)) => {
                self.bilan = Some((Ton::Danger, format!("Messagerie non relevée : {e}")))
            }
            None => {}
        }
    }

    /// Draws the list (asking for it when it is stale); gives the patient
    /// whose file to open.
    pub fn show(&mut self, ui: &mut egui::Ui, api: &Api) -> Option<String> {
        if !self.envoi.busy() && self.demande_le.is_none_or(|t| t.elapsed() > FRAICHEUR) {
            self.envoi.set(api.a_voir(None));
            self.demande_le = Some(Instant::now());
        }
        let p = palette(ui);
        let mut ouvrir = None;
        let n = self.liste.as_ref().map_or(0, Vec::len);
        theme::carte(
            ui,
            icone::TRAY,
            &format!("Documents reçus à voir ({n})"),
            |ui| {
                if let Some(e) = &self.erreur {
                    theme::bandeau_erreur(ui, e);
                }
                ui.horizontal(|ui| {
                    if theme::bouton(ui, !self.releve.busy(), icone::ENVELOPE_SIMPLE, "Relever la messagerie")
                        .on_hover_text("Lit votre boîte MSSanté (connexion Pro Santé Connect) et range chaque document reçu dans le dossier de son patient")
                        .clicked()
                    {
                        self.releve.set(api.relever_mss());
                    }
                    if self.releve.busy() {
                        theme::ligne_progression(ui, "Relève de la messagerie…", self.releve.started());
                    }
                });
                if let Some((ton, t)) = &self.bilan {
                    if *ton == Ton::Danger {
                        theme::bandeau_erreur(ui, t);
                    } else {
                        ui.label(RichText::new(t).color(p.ton(*ton).0));
                    }
                }
                let Some(liste) = &self.liste else {
                    theme::ligne_progression(ui, "Lecture de la liste…", None);
                    return;
                };
                if liste.is_empty() {
                    theme::etat_vide(ui, icone::CHECK, "Tout ce qui a été reçu a été vu.");
                    return;
                }
                crate::theme::large(ui, "a-voir", |ui| {
                    egui::Grid::new("a-voir").striped(true).show(ui, |ui| {
                        for a in liste {
                            ui.label(RichText::new(&a.patient).strong().color(p.texte));
                            ui.label(&a.document.title);
                            ui.label(libelles::date_fr(&a.document.act_date.to_string()));
                            theme::discret(ui, libelles::provenance(a.document.provenance));
                            if a.anormaux > 0 {
                                theme::badge(
                                    ui,
                                    Ton::Danger,
                                    icone::WARNING,
                                    &format!("{} résultat(s) anormal(aux)", a.anormaux),
                                );
                            } else {
                                ui.label("");
                            }
                            // The name is on the row; assistive technology
                            // hears it with the action.
                            if theme::action_sur(
                                ui,
                                true,
                                icone::FOLDER_OPEN,
                                "Ouvrir le dossier",
                                &a.patient,
                            )
                            .clicked()
                            {
                                ouvrir = Some(a.document.patient_id.clone());
                            }
                            ui.end_row();
                        }
                    });
                });
            },
        );
        ouvrir
    }
}

/// In a chart: who signed off the patient's received documents, and the
/// sign-off on its way.
#[derive(Default)]
pub struct Visas {
    envoi: Slot<Vec<Vu>>,
    vus: Vec<Vu>,
    pub visa: Slot<Vu>,
    pub erreur: Option<String>,
}

impl Visas {
    pub fn charger(&mut self, api: &Api, patient: &str) {
        self.envoi.set(api.vus(patient));
    }

    pub fn occupe(&self) -> bool {
        self.envoi.busy() || self.visa.busy()
    }

    /// Collects the answers; true when a document was just signed off.
    pub fn recevoir(&mut self) -> bool {
        if let Some(r) = self.envoi.take() {
            match r {
                Ok(v) => self.vus = v,
                Err(e) => self.erreur = Some(format!("Visas non lus : {e}")),
            }
        }
        match self.visa.take() {
            Some(Ok(v)) => {
                self.vus.retain(|x| x.document_id != v.document_id);
                self.vus.push(v);
                self.erreur = None;
                true
            }
            Some(Err(e)) => {
                self.erreur = Some(format!("Visa refusé : {e}"));
                false
            }
            None => false,
        }
    }

    pub fn de(&self, document: &str) -> Option<&Vu> {
        self.vus.iter().find(|v| v.document_id == document)
    }

    /// « vu par Dr X le … ».
    pub fn texte(v: &Vu) -> String {
        format!("vu par {} le {}", v.nom, libelles::moment(v.le))
    }
}
