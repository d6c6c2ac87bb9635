//! The window: login, patient search, the patient file (identity status,
//! INSi comparison, medical record, documents). Everything the host is
//! asked goes through [`Api`] and is polled each frame; a spinner and the
//! time already waited show while a call is out.

use crate::api::{self, Api, ApiError, Chart, DocumentMeta, PatientSummary, Session, Slot};
use crate::libelles;
use crate::theme::{self, Affichage, Ton, espace, icone, palette};
use egui::RichText;
use esculape_api_types::documents::DocumentAvecContenu;
use esculape_api_types::dossier;
use esculape_api_types::insi::{CodeCr, Comparaison, ReponseInsi, ValidationInsi};
use esculape_domain::calendar::{Day, LocalDateTime, paris_local};
use esculape_domain::document::{DocumentFormat, DocumentStatus, Provenance};
use esculape_domain::record::NewEncounter;
use esculape_domain::record::{Activity, EntryData, MeasureKind};
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
    /// Pro Santé Connect, offered first.
    psc: crate::psc::ConnexionPsc,
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
    groupe: Option<esculape_domain::document::GroupeDocument>,
    type_code: Option<String>,
    du: String,
    au: String,
    plus_anciens_d_abord: bool,
}

/// The consultation being typed. Its note keeps the history and the
/// examination as they were typed, under their headings; its measures
/// become entries of the record.
#[derive(Default)]
struct NouvelleConsultation {
    motif: String,
    histoire: String,
    examen: String,
    /// As typed, in the order of [`MESURES_CONSULTATION`].
    mesures: [String; 6],
    note: String,
    envoi: Slot<api::Encounter>,
    mesures_envoi: Vec<Slot<()>>,
    erreur: Option<String>,
}

impl NouvelleConsultation {
    /// The measures typed, checked here (French message, nothing sent
    /// when one is wrong).
    fn mesures(&self, maintenant: LocalDateTime) -> Result<Vec<EntryData>, String> {
        let mut out = vec![];
        for ((sorte, libelle), texte) in MESURES_CONSULTATION.iter().zip(&self.mesures) {
            let t = texte.trim();
            if t.is_empty() {
                continue;
            }
            let value: f64 = t
                .replace(',', ".")
                .parse()
                .ok()
                .filter(|v: &f64| v.is_finite())
                .ok_or_else(|| format!("{libelle} : «{t}» n'est pas un nombre"))?;
            out.push(EntryData::Mesure {
                measure: *sorte,
                value,
                date: maintenant.day(),
                heure: esculape_domain::calendar::Heure::from_minutes(maintenant.minute_of_day()),
            });
        }
        Ok(out)
    }

    /// The encounter: the note with the history and examination first.
    fn rencontre(&self, jour: Day) -> NewEncounter {
        let mut parties = vec![];
        for (titre, texte) in [("Histoire", &self.histoire), ("Examen", &self.examen)] {
            if !texte.trim().is_empty() {
                parties.push(format!("{titre} : {}", texte.trim()));
            }
        }
        if !self.note.trim().is_empty() {
            parties.push(self.note.trim().to_string());
        }
        let motif = self.motif.trim();
        NewEncounter {
            date: jour,
            reason: (!motif.is_empty()).then(|| motif.to_string()),
            note: parties.join("\n"),
        }
    }
}

struct Dossier {
    chart: Chart,
    /// A DMP decision or a new episode on its way.
    episode: Slot<api::Episode>,
    episode_erreur: Option<String>,
    insi: Slot<ReponseInsi>,
    comparaison: Option<ReponseInsi>,
    validation: Slot<api::PatientRecord>,
    message: Option<(Ton, String)>,
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
    bandeau: crate::bandeau::Bandeau,
    /// A shortcut asked for a field of the file (taken at the next frame).
    focus: Option<Focus>,
    /// A received document's file being imported.
    import: Importation,
    /// The lab results and an analysis's curve.
    biologie: crate::biologie::Biologie,
    /// Who signed off the received documents.
    visas: crate::a_voir::Visas,
    /// The documents of the patient's DMP.
    dmp: crate::dmp::DocumentsDmp,
    /// A document being sent by MSSanté.
    mss: crate::mss::EnvoiMss,
    /// The care team and the directory's search.
    equipe: crate::equipe::Equipe,
    /// « Fermer le dossier » was asked (back to the home screen).
    fermer: bool,
}

/// Importing a received document (a CDA or an IHE_XDM.ZIP) into the file.
#[derive(Default)]
struct Importation {
    chemin: String,
    envoi: Slot<crate::api::Proposees>,
    /// What the document proposes, beside the record, to pick from.
    integration: Option<crate::integration::Integration>,
}

/// Where a shortcut sends the keyboard in an open file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Focus {
    /// Ctrl+N: the new consultation's reason.
    Consultation,
    /// Ctrl+D: the new document's editor.
    Document,
}

/// The shortcuts, as the help menu lists them.
const RACCOURCIS: &[(&str, &str)] = &[
    ("Rechercher un patient", "Ctrl+F"),
    ("Dossiers", "Ctrl+P"),
    ("Agenda", "Ctrl+G"),
    ("Nouvelle consultation", "Ctrl+N"),
    ("Nouveau document", "Ctrl+D"),
    ("Enregistrer la consultation", "Ctrl+Entrée"),
    ("Valider et signer le document", "Ctrl+Maj+S"),
    ("Agenda : rendez-vous suivant", "Tab"),
    ("Agenda : choisir le rendez-vous", "Entrée"),
    (
        "Agenda : un quart d'heure plus tard / plus tôt",
        "Alt+↓ / Alt+↑",
    ),
    ("Agenda : plus long / plus court", "Alt+Maj+↓ / Alt+Maj+↑"),
    ("Agenda : praticien ou jour voisin", "Alt+→ / Alt+←"),
];

/// The product's mark: its icon and name.
fn marque(ui: &mut egui::Ui, grande: bool) {
    let p = palette(ui);
    let taille = if grande { 34.0 } else { 20.0 };
    ui.horizontal(|ui| {
        ui.label(
            RichText::new(icone::FIRST_AID_KIT)
                .size(taille)
                .color(p.primaire),
        );
        ui.label(
            RichText::new("Esculape")
                .size(taille)
                .strong()
                .color(p.texte),
        );
    });
    if grande {
        theme::discret(ui, "Le logiciel du cabinet médical");
    }
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
                    theme::ligne_progression(ui, "Lecture de l'historique…", self.envoi.started());
                }
                if let Some(m) = &self.erreur {
                    theme::bandeau_erreur(ui, m);
                }
                match &self.versions {
                    Some(v) if v.is_empty() => {
                        theme::etat_vide(
                            ui,
                            icone::CLOCK_COUNTER_CLOCKWISE,
                            "Pas encore modifiée depuis la mise en place de l'historique.",
                        );
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
    /// The structured view is shown instead of the PDF.
    structure: bool,
    /// The version in force when this one was replaced (SC.CDA/VISU.02):
    /// id, title, format.
    en_vigueur: Option<(String, String, DocumentFormat)>,
}

impl Lecture {
    /// Asks for a stored document: its content, and its PDF when it may
    /// have one. `documents`: the record's, to find the version in force
    /// of a replaced one.
    fn ouvrir(
        api: &Api,
        id: &str,
        titre: String,
        format: DocumentFormat,
        documents: &[DocumentMeta],
    ) -> Self {
        let mut l = Lecture {
            titre,
            format: Some(format),
            en_vigueur: en_vigueur(documents, id),
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

/// The version in force of a replaced document: its `superseded_by`
/// followed to the end (a few links at most).
fn en_vigueur(documents: &[DocumentMeta], id: &str) -> Option<(String, String, DocumentFormat)> {
    let mut courant = documents.iter().find(|m| m.id == id)?;
    let mut sauts = 0;
    while let Some(suivant) = &courant.superseded_by {
        courant = documents.iter().find(|m| &m.id == suivant)?;
        sauts += 1;
        if sauts > 32 {
            return None;
        }
    }
    (sauts > 0).then(|| (courant.id.clone(), courant.title.clone(), courant.format))
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
    /// The practice's received documents not yet seen (home screen).
    a_voir: crate::a_voir::ListeAVoir,
    /// The MSSanté messages waiting for a doctor (home screen).
    messages: crate::messagerie::ListeMessages,
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
    /// The user's theme and text size, and where they are kept (none in
    /// tests: nothing written to the user's folder).
    affichage: Affichage,
    fichier_affichage: Option<std::path::PathBuf>,
    /// A shortcut asked for the search field's focus.
    focus_recherche: bool,
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
            a_voir: Default::default(),
            messages: Default::default(),
            erreur: None,
            a_propos: false,
            service_en_echec: None,
            style_applique: false,
            installation: Slot::default(),
            installation_demandee: false,
            premier: None,
            affichage: Affichage::default(),
            fichier_affichage: None,
            focus_recherche: false,
        }
    }

    /// The display the user chose, kept in `fichier` when they change it.
    pub fn avec_affichage(mut self, a: Affichage, fichier: Option<std::path::PathBuf>) -> Self {
        self.affichage = a.borne();
        self.fichier_affichage = fichier;
        self
    }

    /// The theme and text size now in force.
    pub fn affichage(&self) -> Affichage {
        self.affichage
    }

    /// Applies and keeps a display choice.
    pub fn changer_affichage(&mut self, ctx: &egui::Context, a: Affichage) {
        self.affichage = a.borne();
        theme::appliquer(ctx, self.affichage);
        if let Some(f) = &self.fichier_affichage
            && let Err(e) = self.affichage.enregistrer(f)
        {
            self.erreur = Some(format!("Réglage d'affichage non enregistré : {e}"));
        }
    }

    /// Draws one frame in the window's root `ui`.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        if !self.style_applique {
            theme::installer(&ctx, self.affichage);
            // This frame's ui was made before: it takes the theme now.
            ui.set_style(ctx.style_of(theme::egui_theme(self.affichage.theme)));
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
            || self.connexion.psc.occupe()
            || self.installation.busy()
            || self.premier.as_ref().is_some_and(|p| p.occupe())
            || self.agenda.as_ref().is_some_and(|a| a.occupe())
            || self.tableau.as_ref().is_some_and(|t| t.occupe())
            || self.recherche.envoi.busy()
            || self.ouverture.busy()
            || self.a_voir.occupe()
            || self.messages.occupe()
            || self.dossier.as_ref().is_some_and(|d| {
                d.insi.busy()
                    || d.validation.busy()
                    || d.consultation.envoi.busy()
                    || d.consultation.mesures_envoi.iter().any(|m| m.busy())
                    || d.episode.busy()
                    || d.editeur.occupe()
                    || d.lecture.contenu.busy()
                    || d.import.envoi.busy()
                    || d.import
                        .integration
                        .as_ref()
                        .is_some_and(|i| i.envoi.busy())
                    || d.biologie.occupe()
                    || d.visas.occupe()
                    || d.entree.envoi.busy()
                    || d.lecture.pdf_envoi.busy()
                    || d.lecture.vue.occupe()
                    || d.lieu.busy()
                    || d.bandeau.occupe()
                    || d.dmp.occupe()
                    || d.mss.occupe()
                    || d.equipe.occupe()
            })
    }

    /// Collects what the host answered since the last frame.
    fn recevoir(&mut self) {
        self.a_voir.recevoir();
        self.messages.recevoir();
        if std::mem::take(&mut self.a_voir.releve_faite) {
            self.messages.perimer();
        }
        if std::mem::take(&mut self.messages.dossiers_changes) {
            self.a_voir.perimer();
        }
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
        // a PSC sign-in from the login screen, or a doctor signed in by
        // password switching to PSC (the new session replaces the other)
        if let Some(s) = self.connexion.psc.recevoir(&self.api) {
            self.connexion.erreur = None;
            self.session = Some(s);
            self.sites.set(self.api.sites());
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
                    let mut dossier = match keep {
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
                            bandeau: Default::default(),
                            focus: None,
                            import: Importation::default(),
                            biologie: Default::default(),
                            visas: Default::default(),
                            dmp: Default::default(),
                            mss: Default::default(),
                            equipe: Default::default(),
                            fermer: false,
                        },
                    };
                    // the results may have changed with the chart
                    let patient = dossier.chart.patient.id.clone();
                    dossier.biologie.charger(&self.api, &patient);
                    if dossier
                        .chart
                        .documents
                        .iter()
                        .any(|m| m.provenance != Provenance::Produit)
                    {
                        dossier.visas.charger(&self.api, &patient);
                    }
                    self.dossier = Some(dossier);
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
                            d.message = Some((
                                Ton::Succes,
                                "Identité récupérée automatiquement depuis l'INSi.".into(),
                            ));
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
                        d.message = Some((
                            Ton::Danger,
                            format!("Interrogation de l'INSi impossible : {e}"),
                        ));
                    }
                }
            }
            if let Some(r) = d.validation.take() {
                d.travaux.demande_le = None;
                match r {
                    Ok(_) => {
                        d.message = Some((
                            Ton::Succes,
                            "Identité mise à jour avec les traits et l'INS de l'INSi.".into(),
                        ));
                        d.comparaison = None;
                        rouvrir = Some(d.chart.patient.id.clone());
                    }
                    Err(e) => d.message = Some((Ton::Danger, format!("Validation refusée : {e}"))),
                }
            }
            if let Some(r) = d.episode.take() {
                match r {
                    Ok(ep) => {
                        d.episode_erreur = None;
                        // a consent decision changes the DICA
                        d.bandeau.rafraichir_dmp();
                        match d.chart.episodes.iter_mut().find(|e| e.id == ep.id) {
                            Some(e) => *e = ep,
                            None => d.chart.episodes.push(ep),
                        }
                    }
                    Err(e) => d.episode_erreur = Some(e.to_string()),
                }
            }
            if let Some(r) = d.import.envoi.take() {
                match r {
                    Ok(p) => {
                        d.message = Some(match &p.enregistre {
                            Ok(m) => (
                                Ton::Succes,
                                format!("Document reçu enregistré au dossier : « {} »", m.title),
                            ),
                            Err(deja) => (Ton::Attention, deja.clone()),
                        });
                        if p.enregistre.is_ok() {
                            rouvrir = Some(d.chart.patient.id.clone());
                        }
                        d.import.chemin.clear();
                        d.import.integration = crate::integration::Integration::depuis(p);
                    }
                    Err(e) => d.message = Some((Ton::Danger, format!("Import refusé : {e}"))),
                }
            }
            if let Some(i) = &mut d.import.integration
                && let crate::integration::Suite::Fermee(m) = i.recevoir()
            {
                if m.is_some() {
                    d.message = m;
                }
                d.import.integration = None;
                rouvrir = Some(d.chart.patient.id.clone());
            }
            if let crate::dmp::Suite::Importe(m) = d.dmp.recevoir() {
                d.message = Some((Ton::Succes, m));
                rouvrir = Some(d.chart.patient.id.clone());
            }
            if let crate::mss::Suite::EnFile(m) = d.mss.recevoir() {
                d.message = Some((Ton::Succes, m));
                rouvrir = Some(d.chart.patient.id.clone());
            }
            if let crate::equipe::Suite::Ajoute(m) = d.equipe.recevoir() {
                d.message = Some((Ton::Succes, m));
                rouvrir = Some(d.chart.patient.id.clone());
            }
            d.biologie.recevoir();
            if d.visas.recevoir() {
                self.a_voir.perimer();
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
            let mut mesures_finies = false;
            for m in &mut d.consultation.mesures_envoi {
                if let Some(r) = m.take() {
                    mesures_finies = true;
                    if let Err(e) = r {
                        d.consultation.erreur = Some(format!("Mesure non enregistrée : {e}"));
                    }
                }
            }
            if mesures_finies && d.consultation.mesures_envoi.iter().all(|m| !m.busy()) {
                d.consultation.mesures_envoi.clear();
                // The measures typed are cleared only once all are stored:
                // a refused one stays on screen to be corrected.
                if d.consultation.erreur.is_none() {
                    d.consultation.mesures = Default::default();
                }
                rouvrir = Some(d.chart.patient.id.clone());
            }
            if let Some(r) = d.consultation.envoi.take() {
                match r {
                    Ok(_) => {
                        let c = std::mem::take(&mut d.consultation);
                        d.consultation = NouvelleConsultation {
                            mesures: c.mesures,
                            mesures_envoi: c.mesures_envoi,
                            erreur: c.erreur,
                            ..Default::default()
                        };
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
            let largeur = 380.0;
            ui.add_space(((ui.available_height() - 440.0) / 2.0).max(espace::XL));
            let c = &mut self.connexion;
            let api = &self.api;
            ui.horizontal(|ui| {
                ui.add_space(((ui.available_width() - largeur) / 2.0).max(0.0));
                ui.vertical(|ui| {
                    ui.set_width(largeur);
                    marque(ui, true);
                    ui.add_space(espace::L);
                    c.psc.afficher(ui, api);
                    if c.psc.choix_en_cours() {
                        return;
                    }
                    // An id of its own: the Pro Santé Connect card appears
                    // above once the host answered, and the button's id
                    // must not change then (a click, or a screen reader's,
                    // sent at that moment would be lost).
                    let cabinet = egui::UiBuilder::new().id(egui::Id::new("connexion-cabinet"));
                    ui.scope_builder(cabinet, |ui| {
                        theme::carte(ui, icone::LOCK_KEY, "Connexion au cabinet", |ui| {
                            let l = ui.label("Identifiant");
                            let id = ui
                                .add(
                                    // ids of their own: the Pro Santé Connect card
                                    // may appear above while the user types
                                    egui::TextEdit::singleline(&mut c.identifiant)
                                        .id_salt("connexion-identifiant")
                                        .desired_width(f32::INFINITY)
                                        .margin(egui::vec2(8.0, 6.0)),
                                )
                                .labelled_by(l.id);
                            if c.identifiant.is_empty()
                                && !id.has_focus()
                                && ui.memory(|m| m.focused().is_none())
                            {
                                id.request_focus();
                            }
                            ui.add_space(espace::XS);
                            let l = ui.label("Mot de passe");
                            let mdp = ui
                                .add(
                                    egui::TextEdit::singleline(&mut c.mot_de_passe)
                                        .id_salt("connexion-mot-de-passe")
                                        .password(true)
                                        .desired_width(f32::INFINITY)
                                        .margin(egui::vec2(8.0, 6.0)),
                                )
                                .labelled_by(l.id);
                            let entree =
                                mdp.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                            ui.add_space(espace::S);
                            let pret =
                                !c.identifiant.trim().is_empty() && !c.mot_de_passe.is_empty();
                            ui.horizontal(|ui| {
                                let clic = theme::bouton_principal(
                                    ui,
                                    pret && !c.envoi.busy(),
                                    icone::SIGN_IN,
                                    "Se connecter",
                                )
                                .clicked();
                                if (clic || (entree && pret)) && !c.envoi.busy() {
                                    c.erreur = None;
                                    c.envoi
                                        .set(api.login(c.identifiant.trim(), &c.mot_de_passe));
                                }
                                if c.envoi.busy() {
                                    theme::ligne_progression(ui, "Connexion…", c.envoi.started());
                                }
                            });
                            if let Some(e) = &c.erreur {
                                ui.add_space(espace::S);
                                theme::bandeau_erreur(ui, &format!("Connexion refusée : {e}"));
                            }
                        });
                    });
                    ui.add_space(espace::S);
                    theme::discret(ui, format!("Serveur du cabinet : {}", api.base()));
                });
            });
        });
    }

    /// Keyboard shortcuts of the main screen (the menus show them).
    fn raccourcis(&mut self, ctx: &egui::Context) {
        use egui::{Key, KeyboardShortcut, Modifiers};
        let ctrl = |k| KeyboardShortcut::new(Modifiers::COMMAND, k);
        let (recherche, agenda, dossiers, consultation, document) = ctx.input_mut(|i| {
            (
                i.consume_shortcut(&ctrl(Key::F)) || i.consume_shortcut(&ctrl(Key::K)),
                i.consume_shortcut(&ctrl(Key::G)),
                i.consume_shortcut(&ctrl(Key::P)),
                i.consume_shortcut(&ctrl(Key::N)),
                i.consume_shortcut(&ctrl(Key::D)),
            )
        });
        if recherche {
            self.focus_recherche = true;
        }
        if agenda {
            self.ecran = Ecran::Agenda;
        }
        if dossiers {
            self.ecran = Ecran::Dossier;
        }
        if let Some(d) = &mut self.dossier {
            if consultation {
                self.ecran = Ecran::Dossier;
                d.focus = Some(Focus::Consultation);
            }
            if document {
                self.ecran = Ecran::Dossier;
                d.focus = Some(Focus::Document);
            }
        }
    }

    /// SC.PSC.15: a doctor signed in by password is told which services
    /// need Pro Santé Connect, and offered it in one click.
    fn incitation_psc(&mut self, ui: &mut egui::Ui) {
        let medecin_sans_psc = self
            .session
            .as_ref()
            .is_some_and(|s| s.user.role == Role::Medecin && !s.psc);
        if !medecin_sans_psc || !self.connexion.psc.disponible() {
            return;
        }
        let api = self.api.clone();
        let ctx = ui.ctx().clone();
        egui::Panel::top("incitation-psc")
            .frame(theme::bande(ui))
            .show(ui, |ui| {
                let (en_cours, erreur) = self.connexion.psc.en_cours();
                let erreur = erreur.map(str::to_string);
                // the button at the right, the message in the rest of the
                // row (it wraps on a narrow window)
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    if theme::bouton(ui, !en_cours, icone::SIGN_IN, "Passer à Pro Santé Connect")
                        .clicked()
                    {
                        self.connexion.psc.demarrer_navigateur(&api);
                    }
                    if en_cours {
                        theme::ligne_progression(ui, "En attente du navigateur…", None);
                    }
                    // read left to right, whatever the row's direction
                    ui.with_layout(egui::Layout::left_to_right(egui::Align::Center), |ui| {
                        theme::bandeau(
                            ui,
                            Ton::Info,
                            icone::IDENTIFICATION_CARD,
                            "Connecté par mot de passe : le DMP, la messagerie sécurisée et l'INSi au nom du médecin demandent Pro Santé Connect.",
                        );
                    });
                });
                if let Some(e) = erreur {
                    theme::bandeau_erreur(ui, &e);
                }
            });
        self.connexion.psc.fenetre_choix(&ctx, &api);
    }

    fn barre(&mut self, ui: &mut egui::Ui) {
        let p = palette(ui);
        let ctx = ui.ctx().clone();
        egui::Panel::top("barre")
            .frame(theme::bande(ui))
            .show(ui, |ui| {
                ui.horizontal(|ui| {
                    marque(ui, false);
                    ui.add_space(espace::L);
                    if theme::onglet(
                        ui,
                        self.ecran == Ecran::Dossier,
                        icone::FOLDER_OPEN,
                        "Dossiers",
                    )
                    .on_hover_text("Ctrl+P")
                    .clicked()
                    {
                        self.ecran = Ecran::Dossier;
                    }
                    if theme::onglet(
                        ui,
                        self.ecran == Ecran::Agenda,
                        icone::CALENDAR_DOTS,
                        "Agenda",
                    )
                    .on_hover_text("Ctrl+G")
                    .clicked()
                    {
                        self.ecran = Ecran::Agenda;
                    }
                    // The dashboard: médecins and administrators (the host
                    // refuses the others).
                    if self
                        .session
                        .as_ref()
                        .is_some_and(|s| s.user.role != Role::Secretaire)
                        && theme::onglet(
                            ui,
                            self.ecran == Ecran::Tableau,
                            icone::CHART_LINE_UP,
                            "Tableau de bord",
                        )
                        .clicked()
                    {
                        self.ecran = Ecran::Tableau;
                    }
                    ui.add_space(espace::L);
                    let nom_site = self
                        .liste_sites
                        .iter()
                        .find(|s| Some(&s.id) == self.site.as_ref())
                        .map(|s| s.name.clone())
                        .unwrap_or_default();
                    ui.label(RichText::new(icone::MAP_PIN).color(p.texte_discret));
                    theme::liste_deroulante(ui, "Site de travail", nom_site, |ui| {
                        for s in &self.liste_sites {
                            ui.selectable_value(&mut self.site, Some(s.id.clone()), &s.name);
                        }
                    });
                    ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                        if theme::bouton(ui, true, icone::SIGN_OUT, "Se déconnecter").clicked() {
                            let _ = self.api.logout();
                            self.session = None;
                            self.dossier = None;
                            self.agenda = None;
                            self.tableau = None;
                            self.ecran = Ecran::Dossier;
                            self.recherche = Recherche::default();
                        }
                        ui.menu_button("Aide", |ui| {
                            if ui.button("À propos").clicked() {
                                self.a_propos = true;
                                ui.close();
                            }
                            ui.hyperlink_to("Météo des services (ANS)", METEO_DES_SERVICES);
                            ui.separator();
                            ui.label(RichText::new("Raccourcis clavier").strong());
                            for (t, r) in RACCOURCIS {
                                ui.horizontal(|ui| {
                                    ui.label(RichText::new(*r).monospace());
                                    ui.label(*t);
                                });
                            }
                        });
                        self.menu_affichage(ui, &ctx);
                        if let Some(s) = &self.session {
                            ui.label(
                                RichText::new(format!(
                                    "{}  {} · {}",
                                    icone::USER_CIRCLE,
                                    s.user.display_name,
                                    libelles::role(s.user.role.code())
                                ))
                                .color(p.texte),
                            );
                        }
                    });
                });
            });
        if let Some(e) = &self.service_en_echec {
            let e = e.clone();
            egui::Panel::top("service-en-echec")
                .frame(
                    egui::Frame::new()
                        .inner_margin(egui::Margin::symmetric(espace::L as i8, espace::XS as i8)),
                )
                .show(ui, |ui| {
                    theme::bandeau(
                        ui,
                        Ton::Attention,
                        icone::CLOUD_WARNING,
                        &format!("Service national en difficulté — {e}"),
                    );
                    ui.hyperlink_to("Voir la météo des services", METEO_DES_SERVICES);
                });
        }
    }

    /// Theme and text size, applied at once and kept.
    fn menu_affichage(&mut self, ui: &mut egui::Ui, ctx: &egui::Context) {
        ui.menu_button("Affichage", |ui| {
            let mut a = self.affichage;
            for t in [theme::Theme::Clair, theme::Theme::Sombre] {
                let i = if t == theme::Theme::Clair {
                    icone::SUN
                } else {
                    icone::MOON
                };
                if theme::onglet(ui, a.theme == t, i, t.libelle()).clicked() {
                    a.theme = t;
                }
            }
            ui.separator();
            ui.label("Taille du texte");
            ui.horizontal(|ui| {
                for t in theme::TAILLES {
                    let texte = format!("{:.0} %", t * 100.0);
                    if ui
                        .selectable_label((a.taille - t).abs() < 0.01, texte)
                        .clicked()
                    {
                        a.taille = t;
                    }
                }
            });
            if a != self.affichage {
                self.changer_affichage(ctx, a);
            }
        });
    }

    fn ecran_principal(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        self.raccourcis(&ctx);
        self.barre(ui);
        self.incitation_psc(ui);
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
        // The patient banner, on every screen while a file is open.
        if let Some(d) = &mut self.dossier {
            let api = self.api.clone();
            egui::Panel::top("bandeau-patient")
                .frame(theme::bande(ui))
                .show(ui, |ui| {
                    let Dossier { bandeau, chart, .. } = d;
                    bandeau.show(ui, &api, chart, paris_local(now_millis()));
                });
        }
        egui::Panel::left("recherche")
            .default_size(320.0)
            .frame(
                egui::Frame::new()
                    .fill(palette(ui).fond)
                    .inner_margin(egui::Margin::same(espace::M as i8)),
            )
            .show(ui, |ui| self.panneau_recherche(ui));
        let centre = egui::CentralPanel::default().frame(
            egui::Frame::new()
                .fill(palette(ui).fond)
                .inner_margin(egui::Margin::same(espace::M as i8)),
        );
        if self.ecran == Ecran::Tableau {
            let api = self.api.clone();
            let tableau = self.tableau.get_or_insert_with(|| {
                let d = paris_local(now_millis()).day();
                crate::tableau::Tableau::new(format!("{:04}-{:02}", d.year, d.month))
            });
            centre.show(ui, |ui| tableau.show(ui, &api));
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
            let agenda = self
                .agenda
                .get_or_insert_with(|| crate::agenda::Agenda::new(paris_local(now_millis()), site));
            centre.show(ui, |ui| agenda.show(ui, &api, patient));
            // A booking changed the open patient's next appointment.
            if agenda.modifie()
                && let Some(d) = &mut self.dossier
            {
                d.bandeau.rafraichir();
            }
            return;
        }
        let mut a_ouvrir = None;
        centre.show(ui, |ui| {
            if let Some(e) = &self.erreur {
                theme::bandeau_erreur(ui, e);
            }
            if self.ouverture.busy() && self.dossier.is_none() {
                theme::ligne_progression(ui, "Ouverture du dossier…", self.ouverture.started());
            }
            let role = self
                .session
                .as_ref()
                .map(|s| s.user.role.code())
                .unwrap_or_default();
            match &mut self.dossier {
                Some(d) => dossier(ui, &self.api, d, role),
                None if !self.ouverture.busy() => {
                    // a doctor's home: what was received and not yet seen
                    if role == Role::Medecin.code() {
                        if let Some(id) = self.a_voir.show(ui, &self.api) {
                            a_ouvrir = Some(id);
                        }
                        ui.add_space(theme::espace::M);
                        if let Some(id) = self.messages.show(ui, &self.api) {
                            a_ouvrir = Some(id);
                        }
                    }
                    theme::accueil_vide(
                        ui,
                        icone::MAGNIFYING_GLASS,
                        "Aucun dossier ouvert",
                        "Recherchez un patient à gauche (nom, prénom, date ou année de naissance, INS) — Ctrl+F.",
                    )
                }
                None => {}
            }
        });
        if let Some(id) = a_ouvrir {
            self.ouvrir(&id);
        }
        if self.dossier.as_ref().is_some_and(|d| d.fermer) {
            self.dossier = None;
            self.a_voir.perimer();
        }
    }

    fn panneau_recherche(&mut self, ui: &mut egui::Ui) {
        let p = palette(ui);
        let l = ui.label(
            RichText::new("Rechercher un patient")
                .text_style(theme::texte::titre())
                .strong(),
        );
        let champ = ui
            .add(
                egui::TextEdit::singleline(&mut self.recherche.texte)
                    .hint_text(format!("{}  ex. dup jea 1980", icone::MAGNIFYING_GLASS))
                    .desired_width(f32::INFINITY)
                    .margin(egui::vec2(8.0, 6.0)),
            )
            .labelled_by(l.id);
        // Ready to type a name on arrival, but never taken from another
        // field (the agenda's form, the dashboard's month...).
        if self.focus_recherche
            || (self.recherche.resultats.is_empty()
                && self.dossier.is_none()
                && ui.memory(|m| m.focused().is_none()))
        {
            champ.request_focus();
            self.focus_recherche = false;
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
        ui.add_space(espace::XS);
        if self.recherche.envoi.busy() {
            theme::ligne_progression(ui, "Recherche…", None);
        }
        if let Some(e) = &self.recherche.erreur {
            theme::bandeau_erreur(ui, e);
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
            for (i, r) in self.recherche.resultats.iter().enumerate() {
                let courant = self
                    .dossier
                    .as_ref()
                    .map_or(i == self.recherche.selection, |d| {
                        d.chart.patient.id == r.id
                    });
                let nom = format!(
                    "{} {}",
                    r.used_name.as_deref().unwrap_or(&r.birth_name),
                    r.first_names
                );
                let (ton, i_statut) = theme::ton_identite(r.status);
                let (encre, _) = p.ton(ton);
                // Drawn, not laid out as labels: one target per patient,
                // its words as its accessible label.
                let corps = egui::TextStyle::Body.resolve(ui.style());
                let l1 = ui
                    .painter()
                    .layout_no_wrap(nom.clone(), corps.clone(), p.texte);
                let mut l2 = egui::text::LayoutJob::default();
                l2.append(
                    &format!("{}   ", libelles::date_fr(&r.birth_date)),
                    0.0,
                    egui::TextFormat::simple(corps.clone(), p.texte_discret),
                );
                l2.append(
                    &format!("{i_statut} {}", r.status.label()),
                    0.0,
                    egui::TextFormat::simple(corps, encre),
                );
                let l2 = ui.painter().layout_job(l2);
                let hauteur = l1.size().y + l2.size().y + 16.0;
                let (rect, clic) = ui.allocate_exact_size(
                    egui::vec2(ui.available_width(), hauteur),
                    egui::Sense::click(),
                );
                if ui.is_rect_visible(rect) {
                    let survol = clic.hovered();
                    ui.painter().rect(
                        rect,
                        egui::CornerRadius::same(8),
                        if courant {
                            p.selection
                        } else if survol {
                            p.bouton_survol
                        } else {
                            p.surface
                        },
                        egui::Stroke::new(1.0, if courant { p.primaire } else { p.bordure }),
                        egui::StrokeKind::Inside,
                    );
                    let x = rect.left() + 10.0;
                    ui.painter()
                        .galley(egui::pos2(x, rect.top() + 7.0), l1.clone(), p.texte);
                    ui.painter()
                        .galley(egui::pos2(x, rect.top() + 9.0 + l1.size().y), l2, p.texte);
                }
                let texte = format!(
                    "{nom}\n{} — {}",
                    libelles::date_fr(&r.birth_date),
                    r.status.label()
                );
                clic.widget_info(|| {
                    egui::WidgetInfo::selected(
                        egui::WidgetType::SelectableLabel,
                        true,
                        courant,
                        &texte,
                    )
                });
                if clic.hovered() {
                    ui.ctx().set_cursor_icon(egui::CursorIcon::PointingHand);
                }
                if clic.clicked() {
                    ouvrir = Some(r.id.clone());
                }
            }
            if !self.recherche.envoi.busy()
                && self.recherche.envoyee.chars().count() >= 2
                && self.recherche.resultats.is_empty()
                && self.recherche.erreur.is_none()
            {
                theme::etat_vide(ui, icone::USER_CIRCLE_DASHED, "Aucun patient trouvé.");
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
    /// Opens the newest document of the open file (its PDF drawn).
    pub fn capture_open_document(&mut self) {
        self.ecran = Ecran::Dossier;
        if let Some(d) = &mut self.dossier
            && let Some(m) = d.chart.documents.first()
        {
            d.lecture = Lecture::ouvrir(
                &self.api,
                &m.id,
                m.title.clone(),
                m.format,
                &d.chart.documents,
            );
        }
    }

    /// `agenda`, `agenda-semaine` or `tableau` (the about window closed
    /// first).
    pub fn capture_screen(&mut self, screen: &str) {
        self.a_propos = false;
        self.ecran = match screen {
            "agenda" | "agenda-semaine" => Ecran::Agenda,
            "tableau" => Ecran::Tableau,
            _ => Ecran::Dossier,
        };
        if let Some(a) = &mut self.agenda {
            a.semaine(screen == "agenda-semaine");
        }
    }

    /// The new document's editor on a prescription's form; true once the
    /// form is there.
    pub fn capture_nouveau_document(&mut self) -> bool {
        self.ecran = Ecran::Dossier;
        let Some(d) = &mut self.dossier else {
            return false;
        };
        let patient = d.chart.patient.id.clone();
        d.editeur.capture_type(&self.api, &patient, "ordonnance")
    }

    /// The history window of the file's first entry.
    pub fn capture_historique(&mut self) {
        if let Some(d) = &mut self.dossier {
            d.editeur = Default::default();
            if let Some(e) = d.chart.entries.first().cloned() {
                d.historique.demander(&self.api, &e);
            }
        }
    }

    /// The care team's card with the Annuaire Santé's search open.
    pub fn capture_annuaire(&mut self) {
        if let Some(d) = &mut self.dossier {
            d.historique.ouvert = false;
            d.equipe.ouvrir_annuaire();
        }
    }

    /// Sending the newest document by MSSanté.
    pub fn capture_envoi_mss(&mut self) {
        if let Some(d) = &mut self.dossier
            && let Some(m) = d.chart.documents.first()
        {
            d.mss.ouvrir(&self.api, &m.id, &m.title);
        }
    }

    /// The home screen: no file open, what waits to be seen.
    pub fn capture_accueil(&mut self) {
        self.ecran = Ecran::Dossier;
        self.dossier = None;
        self.recherche = Recherche::default();
        self.a_voir.perimer();
    }

    /// The file of the first document to be seen (a biology report in
    /// the demo practice) with its first analysis's curve; true once
    /// drawn, or when there is nothing to draw.
    pub fn capture_biologie(&mut self) -> bool {
        match &mut self.dossier {
            None => match self.a_voir.premier_patient() {
                Some(id) if !self.ouverture.busy() => {
                    self.ouvrir(&id);
                    false
                }
                Some(_) => false,
                // Nothing received in this practice: the home stays.
                None => true,
            },
            Some(d) => {
                let patient = d.chart.patient.id.clone();
                d.biologie.capture_courbe(&self.api, &patient)
            }
        }
    }

    pub fn capture_close_document(&mut self) {
        if let Some(d) = &mut self.dossier {
            d.lecture = Lecture::default();
        }
    }

    /// Back to the login screen, nothing kept.
    pub fn capture_logout(&mut self) {
        if self.session.is_some() {
            let _ = self.api.logout();
        }
        self.session = None;
        self.dossier = None;
        self.agenda = None;
        self.tableau = None;
        self.ecran = Ecran::Dossier;
        self.recherche = Recherche::default();
        self.a_propos = false;
    }

    /// A theme for the pictures, not kept in the user's settings.
    pub fn capture_theme(&mut self, ctx: &egui::Context, t: theme::Theme) {
        self.affichage.theme = t;
        if !self.style_applique {
            theme::installer(ctx, self.affichage);
            self.style_applique = true;
            self.api.set_repaint(ctx);
        }
        theme::appliquer(ctx, self.affichage);
    }
}

impl eframe::App for EsculapeApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
    }
}

/// The help service for imaging requests (DSR §3.2.2, function 2.2):
/// ADERIM, by the Société française de radiologie and the Collège de la
/// médecine générale.
pub const AIDE_DEMANDE_IMAGERIE: &str = "https://aderim.radiologie.fr/";

/// The vital signs typed with a consultation, in the order of the form.
const MESURES_CONSULTATION: [(MeasureKind, &str); 6] = [
    (MeasureKind::PressionSystolique, "PA systolique (mmHg)"),
    (MeasureKind::PressionDiastolique, "PA diastolique (mmHg)"),
    (
        MeasureKind::FrequenceCardiaque,
        "Fréquence cardiaque (/min)",
    ),
    (MeasureKind::Poids, "Poids (kg)"),
    (MeasureKind::Taille, "Taille (cm)"),
    (MeasureKind::Temperature, "Température (°C)"),
];

fn dossier(ui: &mut egui::Ui, api: &Api, d: &mut Dossier, role: &str) {
    // A document open: the viewer takes the screen.
    if !d.lecture.titre.is_empty() {
        lecture(ui, api, &d.chart.documents, &mut d.lecture);
        return;
    }
    if let Some(Ok(lieux)) = d.lieu.take() {
        d.lieu_nom = lieux.first().map(|l| l.nom.clone());
    }
    let id = &d.chart.patient.identity;
    if id.birth_place_cog != d.lieu_demande && !d.lieu.busy() {
        d.lieu_demande = id.birth_place_cog.clone();
        d.lieu_nom = None;
        if let Some(code) = &id.birth_place_cog {
            d.lieu.set(api.lieu(code));
        }
    }
    if theme::action(ui, true, icone::X, "Fermer le dossier")
        .on_hover_text("Revenir à l'accueil (les documents reçus à voir)")
        .clicked()
    {
        d.fermer = true;
    }
    egui::ScrollArea::vertical()
        .id_salt("dossier")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            if role != "medecin" {
                carte_identite(ui, api, d);
                ui.add_space(espace::M);
                carte_equipe(ui, api, d);
                ui.add_space(espace::M);
                theme::bandeau(
                    ui,
                    Ton::Info,
                    icone::LOCK_KEY,
                    "Le dossier médical et les documents sont réservés aux professionnels de santé.",
                );
                return;
            }
            // Two columns on a wide screen: what is done today on the
            // left, what the record holds on the right.
            if ui.available_width() >= 860.0 {
                ui.columns(2, |c| {
                    colonne_consultation(&mut c[0], api, d);
                    colonne_dossier(&mut c[1], api, d);
                });
            } else {
                colonne_consultation(ui, api, d);
                ui.add_space(espace::M);
                colonne_dossier(ui, api, d);
            }
        });
    d.historique.show(ui.ctx());
}

fn colonne_consultation(ui: &mut egui::Ui, api: &Api, d: &mut Dossier) {
    carte_identite(ui, api, d);
    ui.add_space(espace::M);
    carte_equipe(ui, api, d);
    ui.add_space(espace::M);
    carte_consultation(ui, api, d);
    ui.add_space(espace::M);
    chronologie(ui, d);
}

fn colonne_dossier(ui: &mut egui::Ui, api: &Api, d: &mut Dossier) {
    theme::carte(ui, icone::CLOUD, "DMP et épisode de soins", |ui| {
        decisions_dmp(ui, api, d)
    });
    ui.add_space(espace::M);
    let patient = d.chart.patient.id.clone();
    let manquantes = match d.bandeau.dmp_consultable() {
        Some(Err(m)) => Some(m),
        _ => None,
    };
    theme::carte(ui, icone::CLOUD_ARROW_DOWN, "Documents du DMP", |ui| {
        d.dmp.show(ui, api, &patient, manquantes.as_deref())
    });
    ui.add_space(espace::M);
    dossier_medical(ui, api, d);
    ui.add_space(espace::M);
    let patient = d.chart.patient.id.clone();
    let ouvrir = theme::carte(ui, icone::TEST_TUBE, "Biologie", |ui| {
        d.biologie.show(ui, api, &patient)
    })
    .inner;
    if let Some(id) = ouvrir {
        match d.chart.documents.iter().find(|m| m.id == id) {
            Some(m) => {
                d.lecture = Lecture::ouvrir(api, &id, m.title.clone(), m.format, &d.chart.documents)
            }
            None => {
                d.message = Some((
                    Ton::Attention,
                    "Le compte rendu de ce résultat n'est pas (ou plus) au dossier.".into(),
                ))
            }
        }
    }
    ui.add_space(espace::M);
    let total = d.chart.documents_total;
    let a_voir = d
        .chart
        .documents
        .iter()
        .filter(|m| {
            m.provenance != Provenance::Produit
                && m.status != DocumentStatus::Supprime
                && d.visas.de(&m.id).is_none()
        })
        .count();
    let titre = if a_voir > 0 {
        format!("Documents ({total}) · {a_voir} à voir")
    } else {
        format!("Documents ({total})")
    };
    theme::carte(ui, icone::FILES, &titre, |ui| documents(ui, api, d));
}

fn carte_equipe(ui: &mut egui::Ui, api: &Api, d: &mut Dossier) {
    let patient = d.chart.patient.id.clone();
    d.equipe.show(ui, api, &patient, &d.chart.care_team);
}

/// The identity's details, the INSi and the file's background jobs.
fn carte_identite(ui: &mut egui::Ui, api: &Api, d: &mut Dossier) {
    theme::carte(ui, icone::IDENTIFICATION_CARD, "Identité et INS", |ui| {
        let id = &d.chart.patient.identity;
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
        match &id.ins {
            Some(ins) => ui.label(format!("INS : {}", libelles::ins(ins))),
            None => theme::discret(
                ui,
                "Pas d'INS : l'identité n'a pas été récupérée de l'INSi.",
            ),
        };
        ui.add_space(espace::XS);
        ui.horizontal_wrapped(|ui| {
            let clic = theme::bouton(
                ui,
                !d.insi.busy(),
                icone::ARROWS_CLOCKWISE,
                "Comparer avec l'INSi",
            )
            .clicked();
            if clic {
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
        if let Some((ton, m)) = &d.message {
            let i = if *ton == Ton::Danger {
                icone::WARNING_CIRCLE
            } else {
                icone::INFO
            };
            theme::bandeau(ui, *ton, i, m);
        }
        if let Some(c) = d.comparaison.clone() {
            comparaison_insi(ui, api, d, &c);
        }
    });
}

/// Today's consultation, typed fast: reason, history, examination with
/// its measures, conclusion; prescriptions and documents from here.
fn carte_consultation(ui: &mut egui::Ui, api: &Api, d: &mut Dossier) {
    let focus = d.focus.take();
    theme::carte(ui, icone::STETHOSCOPE, "Consultation du jour", |ui| {
        let c = &mut d.consultation;
        let chart = &d.chart;
        let l = ui.label("Motif");
        let motif = ui
            .add(egui::TextEdit::singleline(&mut c.motif).desired_width(f32::INFINITY))
            .labelled_by(l.id);
        if focus == Some(Focus::Consultation) {
            motif.request_focus();
        }
        for (libelle, texte, lignes) in [
            ("Histoire de la maladie", &mut c.histoire, 2),
            ("Examen clinique", &mut c.examen, 2),
        ] {
            let l = ui.label(libelle);
            ui.add(
                egui::TextEdit::multiline(texte)
                    .desired_rows(lignes)
                    .desired_width(f32::INFINITY),
            )
            .labelled_by(l.id);
        }
        // The measures two by two: they fit a half screen.
        egui::Grid::new("mesures-consultation")
            .num_columns(4)
            .spacing([espace::S, espace::XS])
            .show(ui, |ui| {
                for (i, ((_, libelle), valeur)) in MESURES_CONSULTATION
                    .iter()
                    .zip(c.mesures.iter_mut())
                    .enumerate()
                {
                    let l = ui.label(RichText::new(*libelle).small());
                    ui.add(egui::TextEdit::singleline(valeur).desired_width(56.0))
                        .labelled_by(l.id);
                    if i % 2 == 1 {
                        ui.end_row();
                    }
                }
            });
        let l = ui.label("Note de consultation");
        ui.add(
            egui::TextEdit::multiline(&mut c.note)
                .hint_text("Conclusion, conduite à tenir")
                .desired_rows(3)
                .desired_width(f32::INFINITY),
        )
        .labelled_by(l.id);
        let enregistrer_clavier = ui.input_mut(|i| {
            i.consume_shortcut(&egui::KeyboardShortcut::new(
                egui::Modifiers::COMMAND,
                egui::Key::Enter,
            ))
        });
        ui.horizontal(|ui| {
            let pret = !c.note.trim().is_empty()
                || !c.motif.trim().is_empty()
                || !c.histoire.trim().is_empty()
                || !c.examen.trim().is_empty();
            let libre = !c.envoi.busy() && c.mesures_envoi.iter().all(|m| !m.busy());
            let clic = theme::bouton_principal(
                ui,
                pret && libre,
                icone::FLOPPY_DISK,
                "Enregistrer la consultation",
            )
            .on_hover_text("Ctrl+Entrée")
            .clicked();
            if (clic || (enregistrer_clavier && pret)) && libre {
                c.erreur = None;
                let maintenant = paris_local(now_millis());
                match c.mesures(maintenant) {
                    Err(e) => c.erreur = Some(e),
                    Ok(mesures) => {
                        c.envoi.set(api.add_encounter(
                            &chart.patient.id,
                            &dossier::NouvelleConsultation {
                                episode_id: None,
                                encounter: c.rencontre(maintenant.day()),
                            },
                        ));
                        c.mesures_envoi = mesures
                            .iter()
                            .map(|m| {
                                let mut s = Slot::default();
                                s.set(api.add_entry(&chart.patient.id, m));
                                s
                            })
                            .collect();
                    }
                }
            }
            if !libre {
                ui.spinner();
            }
        });
        if let Some(e) = &c.erreur {
            theme::bandeau_erreur(ui, e);
        }
        theme::separateur(ui);
        ui.label(RichText::new("Prescriptions et documents").strong());
        ui.horizontal_wrapped(|ui| {
            theme::discret(ui, format!("{} Demande d'imagerie :", icone::SCAN));
            ui.hyperlink_to(
                "aide à la demande d'examens d'imagerie (ADERIM)",
                AIDE_DEMANDE_IMAGERIE,
            )
            .on_hover_text("Le guide de la SFR et du CMG : quel examen pour quelle indication");
        });
        let patient = d.chart.patient.id.clone();
        if focus == Some(Focus::Document) {
            d.editeur.ouvrir(api);
        }
        d.editeur.show(ui, api, &patient);
    });
}

/// Encounters and documents on one line of time, newest first.
fn chronologie(ui: &mut egui::Ui, d: &Dossier) {
    let chart = &d.chart;
    let titre = format!(
        "Consultations ({}) et documents ({})",
        chart.encounters_total, chart.documents_total
    );
    theme::carte(ui, icone::CLOCK_COUNTER_CLOCKWISE, &titre, |ui| {
        let p = palette(ui);
        enum Evenement<'a> {
            Consultation(&'a api::Encounter),
            Document(&'a DocumentMeta),
        }
        let mut liste: Vec<(Day, Evenement)> = chart
            .encounters
            .iter()
            .map(|e| (e.date, Evenement::Consultation(e)))
            .chain(
                chart
                    .documents
                    .iter()
                    .filter(|m| m.status == DocumentStatus::Actif)
                    .map(|m| (m.act_date, Evenement::Document(m))),
            )
            .collect();
        liste.sort_by_key(|(jour, _)| std::cmp::Reverse(*jour));
        if liste.is_empty() {
            theme::etat_vide(ui, icone::CLOCK, "Première venue : rien encore au dossier.");
        }
        for (jour, e) in liste {
            ui.horizontal_top(|ui| {
                ui.label(
                    RichText::new(libelles::date_fr(&jour.to_string()))
                        .monospace()
                        .color(p.texte_discret),
                );
                match e {
                    Evenement::Consultation(e) => {
                        ui.label(RichText::new(icone::STETHOSCOPE).color(p.primaire));
                        ui.add(
                            egui::Label::new(format!(
                                "{}{}",
                                e.reason.as_deref().unwrap_or("consultation"),
                                if e.note.is_empty() {
                                    String::new()
                                } else {
                                    format!(" : {}", e.note)
                                }
                            ))
                            .wrap(),
                        );
                    }
                    Evenement::Document(m) => {
                        ui.label(RichText::new(icone::FILE_TEXT).color(p.texte_discret));
                        ui.add(
                            egui::Label::new(RichText::new(&m.title).color(p.texte_discret)).wrap(),
                        );
                    }
                }
            });
        }
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
    let p = palette(ui);
    egui::Frame::new()
        .fill(p.surface_basse)
        .corner_radius(egui::CornerRadius::same(8))
        .inner_margin(egui::Margin::same(espace::M as i8))
        .show(ui, |ui| {
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
                    let color = p.ton(if same { Ton::Succes } else { Ton::Danger }).0;
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
                    // Said with a sign as well as a colour.
                    if same {
                        theme::badge(ui, Ton::Succes, icone::CHECK, "identique");
                    } else {
                        theme::badge(ui, Ton::Danger, icone::X, "différent");
                    }
                    ui.end_row();
                }
            });
            if !c.recuperee && c.code == Some(CodeCr::Trouve) {
                let clic = theme::bouton_principal(
                    ui,
                    !d.validation.busy(),
                    icone::SEAL_CHECK,
                    "Valider l'identité INSi",
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
        theme::bandeau_erreur(ui, e);
    }
}

/// Which entries a section of the record shows.
type Garde = fn(&EntryData) -> bool;

fn dossier_medical(ui: &mut egui::Ui, api: &Api, d: &mut Dossier) {
    let chart = &d.chart;
    let aujourdhui = paris_local(now_millis()).day();
    theme::carte(ui, icone::FIRST_AID_KIT, "Dossier médical", |ui| {
        d.entree.show(ui, api, &chart.patient.id, aujourdhui);
    });
    // A child under five: the growth charts, in place.
    let id = &chart.patient.identity;
    if let Ok(naissance) = Day::parse(&id.birth_date.to_string()) {
        let age = crate::croissance::age_mois(naissance, aujourdhui);
        if (0.0..61.0).contains(&age) {
            ui.add_space(espace::M);
            theme::carte(ui, icone::BABY, "Courbes de croissance (OMS)", |ui| {
                crate::croissance::show(ui, chart)
            });
        }
    }
    let sections: [(&str, &str, Garde); 6] = [
        ("Problèmes et antécédents", icone::HEARTBEAT, |e| {
            matches!(e, EntryData::Probleme { .. } | EntryData::Antecedent { .. })
        }),
        ("Allergies", icone::WARNING_OCTAGON, |e| {
            matches!(e, EntryData::Allergie { .. })
        }),
        ("Traitements", icone::PILL, |e| {
            matches!(e, EntryData::Traitement { .. })
        }),
        ("Vaccinations", icone::SYRINGE, |e| {
            matches!(e, EntryData::Vaccination { .. })
        }),
        ("Mesures", icone::GAUGE, |e| {
            matches!(e, EntryData::Mesure { .. })
        }),
        ("Observations", icone::FLASK, |e| {
            matches!(e, EntryData::Observation { .. })
        }),
    ];
    let mut retirer = None;
    let mut modifier = None;
    let mut historique = None;
    let occupe = d.entree.envoi.busy();
    for (titre, i, garde) in sections {
        let lignes: Vec<&crate::api::Entry> =
            chart.entries.iter().filter(|e| garde(&e.data)).collect();
        ui.add_space(espace::M);
        theme::carte(ui, i, &format!("{titre} ({})", lignes.len()), |ui| {
            let p = palette(ui);
            if lignes.is_empty() {
                theme::etat_vide(ui, icone::MINUS, "Rien de renseigné.");
                return;
            }
            if titre == "Mesures" {
                tendances(ui, &lignes);
                theme::separateur(ui);
            }
            for e in lignes {
                ui.horizontal_wrapped(|ui| {
                    let texte = RichText::new(libelles::entree(&e.data));
                    let texte = match &e.data {
                        EntryData::Allergie {
                            status: Activity::Actif,
                            ..
                        } => texte.color(p.ton(Ton::Danger).0).strong(),
                        _ => texte.color(p.texte),
                    };
                    ui.label(texte);
                    if theme::action(ui, !occupe, icone::PENCIL_SIMPLE, "Modifier").clicked() {
                        modifier = Some(e.clone());
                    }
                    // Removed entries are kept by the host, marked.
                    if theme::action(ui, !occupe, icone::TRASH, "Retirer")
                        .on_hover_text("Retirer du dossier (l'entrée est conservée, marquée)")
                        .clicked()
                    {
                        retirer = Some(e.id.clone());
                    }
                    if theme::action(ui, true, icone::CLOCK_COUNTER_CLOCKWISE, "Historique")
                        .on_hover_text("Chaque version de l'entrée : qui, quand, pourquoi")
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
}

/// Each measure's last value, its change since the one before, and its
/// course drawn small (a trend read at a glance).
fn tendances(ui: &mut egui::Ui, lignes: &[&crate::api::Entry]) {
    let p = palette(ui);
    let mut series: std::collections::BTreeMap<&'static str, (MeasureKind, Vec<(Day, f64)>)> =
        Default::default();
    for e in lignes {
        if let EntryData::Mesure {
            measure,
            value,
            date,
            ..
        } = &e.data
        {
            series
                .entry(measure.code())
                .or_insert((*measure, vec![]))
                .1
                .push((*date, *value));
        }
    }
    egui::Grid::new("tendances").num_columns(4).show(ui, |ui| {
        for (_, (sorte, mut points)) in series {
            points.sort_by_key(|(d, _)| *d);
            let Some(&(jour, dernier)) = points.last() else {
                continue;
            };
            ui.label(RichText::new(libelles::mesure(sorte)).color(p.texte_discret));
            ui.label(
                RichText::new(format!("{} {}", nombre(dernier), libelles::unite(sorte))).strong(),
            );
            let fleche = match points.len().checked_sub(2).map(|i| points[i].1) {
                Some(avant) if dernier > avant => {
                    format!("{} depuis {}", icone::TREND_UP, nombre(avant))
                }
                Some(avant) if dernier < avant => {
                    format!("{} depuis {}", icone::TREND_DOWN, nombre(avant))
                }
                Some(_) => "stable".into(),
                None => libelles::date_fr(&jour.to_string()),
            };
            ui.label(RichText::new(fleche).color(p.texte_discret));
            courbe(ui, &points, p.primaire);
            ui.end_row();
        }
    });
}

fn nombre(v: f64) -> String {
    let t = format!("{v:.1}");
    t.strip_suffix(".0").unwrap_or(&t).replace('.', ",")
}

/// A measure's values over time, as a line in a small box.
fn courbe(ui: &mut egui::Ui, points: &[(Day, f64)], couleur: egui::Color32) {
    let (rect, _) = ui.allocate_exact_size(egui::vec2(90.0, 20.0), egui::Sense::hover());
    if points.len() < 2 || !ui.is_rect_visible(rect) {
        return;
    }
    let (t0, t1) = (
        points[0].0.days() as f32,
        points[points.len() - 1].0.days() as f32,
    );
    let (min, max) = points.iter().fold((f64::MAX, f64::MIN), |(a, b), (_, v)| {
        (a.min(*v), b.max(*v))
    });
    let etendue = ((max - min) as f32).max(f32::EPSILON);
    let duree = (t1 - t0).max(1.0);
    let ligne: Vec<egui::Pos2> = points
        .iter()
        .map(|(d, v)| {
            egui::pos2(
                rect.left() + (d.days() as f32 - t0) / duree * rect.width(),
                rect.bottom() - ((*v - min) as f32) / etendue * rect.height(),
            )
        })
        .collect();
    ui.painter()
        .add(egui::Shape::line(ligne, egui::Stroke::new(1.5, couleur)));
}

/// Now, in Unix ms (the agenda's line of now, waiting times).
pub(crate) fn maintenant_ms() -> i64 {
    now_millis()
}

/// Today, on the practice's (Paris) calendar.
pub(crate) fn aujourdhui() -> Day {
    paris_local(now_millis()).day()
}

/// A fixed "now" (Unix ms), for pictures that must not change with the
/// day they are taken (the look's snapshot tests); the system clock
/// otherwise.
static HORLOGE_FIXE: std::sync::OnceLock<i64> = std::sync::OnceLock::new();

/// Fixes the client's clock for this process (tests only).
pub fn fixer_horloge(ms: i64) {
    let _ = HORLOGE_FIXE.set(ms);
}

fn now_millis() -> i64 {
    if let Some(t) = HORLOGE_FIXE.get() {
        return *t;
    }
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// The documents, filtered by type and act date, sorted by act date,
/// with their provenance and sending states; a received document's file
/// imported into them.
fn documents(ui: &mut egui::Ui, api: &Api, d: &mut Dossier) {
    ui.horizontal_wrapped(|ui| {
        let l = ui.label("Document reçu (CDA ou IHE_XDM.ZIP)");
        ui.add(
            egui::TextEdit::singleline(&mut d.import.chemin)
                .hint_text("chemin du fichier")
                .desired_width(220.0),
        )
        .labelled_by(l.id);
        let libre = !d.import.envoi.busy() && !d.import.chemin.trim().is_empty();
        if theme::bouton(ui, libre, icone::DOWNLOAD_SIMPLE, "Importer")
            .on_hover_text("Enregistrer le document au dossier (un second exemplaire est refusé, une version plus récente remplace l'ancienne)")
            .clicked()
        {
            d.import.envoi.set(api.importer_et_proposer(
                &d.chart.patient.id,
                std::path::PathBuf::from(d.import.chemin.trim()),
            ));
        }
        if d.import.envoi.busy() {
            ui.spinner();
            ui.label("Import du document…");
        }
    });
    d.mss
        .show(ui, api, &d.chart.care_team, &d.chart.patient.identity);
    if let Some(i) = &mut d.import.integration {
        let patient = d.chart.patient.id.clone();
        if let crate::integration::Suite::Fermee(_) = i.show(ui, api, &patient) {
            d.import.integration = None;
        }
    }
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
    ui.horizontal_wrapped(|ui| {
        use esculape_domain::document::GroupeDocument;
        theme::liste_deroulante(
            ui,
            "Groupe",
            f.groupe.map_or("Tous", GroupeDocument::libelle),
            |ui| {
                ui.selectable_value(&mut f.groupe, None, "Tous");
                for g in GroupeDocument::TOUS {
                    ui.selectable_value(&mut f.groupe, Some(g), g.libelle());
                }
            },
        );
        theme::liste_deroulante(
            ui,
            "Type",
            f.type_code
                .as_ref()
                .and_then(|c| types.iter().find(|t| &t.0 == c))
                .map(|t| t.1.clone())
                .unwrap_or_else(|| "Tous".into()),
            |ui| {
                ui.selectable_value(&mut f.type_code, None, "Tous");
                for (code, label) in &types {
                    ui.selectable_value(&mut f.type_code, Some(code.clone()), label);
                }
            },
        );
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
        theme::bandeau_erreur(ui, "Date attendue au format AAAA-MM-JJ");
    }
    let mut liste: Vec<&DocumentMeta> = d
        .chart
        .documents
        .iter()
        .filter(|m| {
            f.groupe.is_none_or(|g| {
                esculape_domain::document::GroupeDocument::du_type(&m.type_code) == g
            })
        })
        .filter(|m| f.type_code.as_ref().is_none_or(|c| &m.type_code == c))
        .filter(|m| du.is_none_or(|x| m.act_date >= x) && au.is_none_or(|x| m.act_date <= x))
        .collect();
    liste.sort_by_key(|m| m.act_date);
    if !f.plus_anciens_d_abord {
        liste.reverse();
    }
    let mut ouvrir = None;
    let mut corriger = None;
    let mut vise = None;
    let mut envoyer = None;
    crate::theme::large(ui, "documents", |ui| {
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
                ui.add(egui::Label::new(&m.title).wrap());
                theme::discret(ui, libelles::provenance(m.provenance));
                theme::badge_envoi(ui, m.dmp_state);
                theme::badge_envoi(ui, m.mssante_state);
                let statut = libelles::statut_document(m.status);
                let recu =
                    m.provenance != Provenance::Produit && m.status != DocumentStatus::Supprime;
                let visa = d.visas.de(&m.id);
                ui.horizontal(|ui| {
                    if m.status == DocumentStatus::Actif {
                        theme::discret(ui, statut);
                    } else {
                        theme::badge(ui, Ton::Neutre, icone::ARCHIVE, statut);
                    }
                    match visa {
                        Some(v) if recu => {
                            theme::discret(ui, crate::a_voir::Visas::texte(v));
                        }
                        None if recu => {
                            theme::badge(ui, Ton::Attention, icone::EYE, "à voir");
                        }
                        _ => {}
                    }
                });
                ui.horizontal(|ui| {
                    if theme::action(ui, true, icone::EYE, "Ouvrir").clicked() {
                        ouvrir = Some((m.id.clone(), m.title.clone(), m.format));
                    }
                    if recu
                        && visa.is_none()
                        && theme::action(
                            ui,
                            !d.visas.visa.busy(),
                            icone::CHECK_CIRCLE,
                            "Marquer vu",
                        )
                        .on_hover_text("« Vu par » vous, aujourd'hui (tracé)")
                        .clicked()
                    {
                        vise = Some(m.id.clone());
                    }
                    // Only the version in force of a CDA produced here can be
                    // corrected from its form.
                    if m.provenance == Provenance::Produit
                        && m.status == DocumentStatus::Actif
                        && matches!(m.format, DocumentFormat::CdaN1 | DocumentFormat::CdaN3)
                        && theme::action(ui, true, icone::PENCIL_SIMPLE, "Corriger")
                            .on_hover_text(
                                "Nouvelle version du document, depuis le formulaire signé",
                            )
                            .clicked()
                    {
                        corriger = Some((m.id.clone(), m.title.clone()));
                    }
                    if m.provenance == Provenance::Produit
                        && m.status == DocumentStatus::Actif
                        && matches!(m.format, DocumentFormat::CdaN1 | DocumentFormat::CdaN3)
                        && m.mssante_state != esculape_domain::document::SendingState::EnAttente
                        && theme::action(
                            ui,
                            !d.mss.ouvert(),
                            icone::PAPER_PLANE_TILT,
                            "Envoyer par MSSanté",
                        )
                        .on_hover_text("À un correspondant, par la messagerie sécurisée de santé")
                        .clicked()
                    {
                        envoyer = Some((m.id.clone(), m.title.clone()));
                    }
                });
                ui.end_row();
            }
        });
    });
    if let Some((id, titre)) = corriger {
        d.editeur.corriger(api, &id, &titre);
    }
    if let Some((id, titre)) = envoyer {
        d.mss.ouvrir(api, &id, &titre);
    }
    if let Some(id) = vise {
        d.visas.visa.set(api.marquer_vu(&id));
    }
    if let Some(e) = &d.visas.erreur {
        theme::bandeau_erreur(ui, e);
    }
    if let Some((id, titre, format)) = ouvrir {
        d.lecture = Lecture::ouvrir(api, &id, titre, format, &d.chart.documents);
    }
}

/// A stored document in the large viewer, in place of the file: its PDF
/// first, page by page with zoom, the structured rendering of its CDA one
/// click away.
fn lecture(ui: &mut egui::Ui, api: &Api, documents: &[DocumentMeta], l: &mut Lecture) {
    let p = palette(ui);
    egui::Frame::new()
        .fill(p.surface)
        .stroke(egui::Stroke::new(1.0, p.bordure))
        .corner_radius(egui::CornerRadius::same(espace::ARRONDI))
        .inner_margin(egui::Margin::same(espace::M as i8))
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.horizontal(|ui| {
                if theme::bouton(ui, true, icone::ARROW_LEFT, "Fermer")
                    .on_hover_text("Revenir au dossier (Échap)")
                    .clicked()
                    || ui.input(|i| i.key_pressed(egui::Key::Escape))
                {
                    l.titre.clear();
                }
                ui.label(
                    RichText::new(format!("{}  {}", icone::FILE_TEXT, l.titre))
                        .text_style(theme::texte::titre())
                        .strong(),
                );
                if l.contenu.busy() || l.pdf_envoi.busy() {
                    ui.spinner();
                }
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    if let Some(pdf) = &l.pdf {
                        if theme::bouton(ui, true, icone::PRINTER, "Ouvrir dans le lecteur PDF")
                            .on_hover_text("Pour l'imprimer ou l'enregistrer")
                            .clicked()
                            && let Err(e) = crate::document::ouvrir_pdf(pdf)
                        {
                            l.erreur = Some(e);
                        }
                        theme::discret(ui, format!("PDF : {} Ko", pdf.len().div_ceil(1024)));
                    }
                    // Once the PDF is known to be there or not: the
                    // structured view at once when there is none.
                    if matches!(
                        l.format,
                        Some(DocumentFormat::CdaN1 | DocumentFormat::CdaN3)
                    ) && !l.pdf_envoi.busy()
                    {
                        if l.pdf.is_none() {
                            l.structure = true;
                        }
                        let r = ui.add(egui::Button::selectable(
                            l.structure,
                            format!(
                                "{}  Contenu structuré du document (CDA)",
                                icone::LIST_BULLETS
                            ),
                        ));
                        let choisi = l.structure;
                        r.widget_info(|| {
                            egui::WidgetInfo::selected(
                                egui::WidgetType::SelectableLabel,
                                true,
                                choisi,
                                "Contenu structuré du document (CDA)",
                            )
                        });
                        if r.clicked() {
                            l.structure = !l.structure;
                        }
                    }
                });
            });
            if let Some(e) = &l.erreur {
                theme::bandeau_erreur(ui, e);
            }
            let mut plus_recente = None;
            if let Some((id, titre, format)) = &l.en_vigueur {
                ui.horizontal(|ui| {
                    theme::bandeau(
                        ui,
                        Ton::Attention,
                        icone::CLOCK_COUNTER_CLOCKWISE,
                        &format!(
                            "Ce document a été remplacé par une version plus récente : « {titre} »."
                        ),
                    );
                    if theme::bouton(ui, true, icone::ARROW_RIGHT, "Ouvrir la version en vigueur")
                        .clicked()
                    {
                        plus_recente = Some((id.clone(), titre.clone(), *format));
                    }
                });
            }
            if let Some((id, titre, format)) = plus_recente {
                *l = Lecture::ouvrir(api, &id, titre, format, documents);
                return;
            }
            theme::separateur(ui);
            if l.structure {
                egui::ScrollArea::vertical()
                    .id_salt("rendu-document")
                    .auto_shrink([false, false])
                    .show(ui, |ui| crate::document::afficher_rendu(ui, &l.rendu));
                return;
            }
            l.vue.show_grand(ui);
            if let Some(t) = &l.texte {
                egui::ScrollArea::vertical()
                    .id_salt("texte-document")
                    .auto_shrink([false, false])
                    .show(ui, |ui| ui.label(t));
            }
            if l.format == Some(DocumentFormat::Image) {
                theme::etat_vide(
                    ui,
                    icone::IMAGE,
                    "Image : à ouvrir avec le lecteur d'images du poste.",
                );
            }
        });
}
