//! The document editor: the types the installed plugins produce, the
//! chosen plugin's form prefilled from the record and editable, the
//! preview (notices, the structured rendering of the CDA, the PDF), then
//! the sign-off. Everything goes through the host's document API.

use crate::api::{Api, Slot};
use base64::Engine as _;
use egui::RichText;
pub use esculape_api_types::documents::{Champ, Formulaire, TypeDocument};
use esculape_api_types::documents::{DemandeDocument, DocumentProduit, FormulaireSigne};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// What the editor holds while the user types: one buffer per field.
#[derive(Default)]
struct Saisie {
    textes: BTreeMap<String, String>,
    booleens: BTreeMap<String, Option<bool>>,
    listes: BTreeMap<String, Vec<BTreeMap<String, String>>>,
}

fn texte_de(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A typed cell as JSON: a number when it reads as one.
fn valeur_de(s: &str) -> Value {
    let t = s.trim();
    if let Ok(i) = t.parse::<i64>() {
        return Value::from(i);
    }
    if let Ok(f) = t.replace(',', ".").parse::<f64>()
        && t.chars().any(|c| c.is_ascii_digit())
        && t.chars()
            .all(|c| c.is_ascii_digit() || c == ',' || c == '.' || c == '-')
    {
        return Value::from(f);
    }
    Value::String(s.to_string())
}

impl Saisie {
    fn depuis(f: &Formulaire) -> Self {
        let mut s = Saisie::default();
        for c in &f.champs {
            let v = f.valeurs.get(&c.cle).cloned().unwrap_or(Value::Null);
            match c.kind.as_str() {
                "booleen" => {
                    s.booleens.insert(c.cle.clone(), v.as_bool());
                }
                "liste" => {
                    let rows = v
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .map(|r| {
                                    r.as_object()
                                        .map(|o| {
                                            o.iter()
                                                .map(|(k, v)| (k.clone(), texte_de(v)))
                                                .collect()
                                        })
                                        .unwrap_or_default()
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    s.listes.insert(c.cle.clone(), rows);
                }
                _ => {
                    s.textes.insert(c.cle.clone(), texte_de(&v));
                }
            }
        }
        s
    }

    /// The values sent to the host: what was typed, nothing invented.
    fn valeurs(&self, f: &Formulaire) -> Map<String, Value> {
        let mut m = Map::new();
        for c in &f.champs {
            let v = match c.kind.as_str() {
                "booleen" => match self.booleens.get(&c.cle).copied().flatten() {
                    Some(b) => Value::Bool(b),
                    None => continue,
                },
                "liste" => Value::Array(
                    self.listes
                        .get(&c.cle)
                        .map(|rows| {
                            rows.iter()
                                .map(|r| {
                                    Value::Object(
                                        r.iter()
                                            .filter(|(_, v)| !v.trim().is_empty())
                                            .map(|(k, v)| (k.clone(), valeur_de(v)))
                                            .collect(),
                                    )
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                ),
                "nombre" => match self.textes.get(&c.cle).map(|t| t.trim()) {
                    None | Some("") => continue,
                    Some(t) => valeur_de(t),
                },
                _ => match self.textes.get(&c.cle) {
                    Some(t) if !t.trim().is_empty() => Value::String(t.clone()),
                    _ => continue,
                },
            };
            m.insert(c.cle.clone(), v);
        }
        m
    }
}

/// A produced document as the editor shows it.
struct Apercu {
    avis: Vec<String>,
    /// (section title, text) of the CDA's structured body, or the
    /// document title for an N1.
    rendu: Vec<(String, String)>,
    pdf: Vec<u8>,
    signe: bool,
}

impl Apercu {
    fn depuis(v: &DocumentProduit, signe: bool) -> Self {
        let b64 = |s: &str| {
            base64::engine::general_purpose::STANDARD
                .decode(s)
                .unwrap_or_default()
        };
        let mut avis = v.avis.clone();
        if v.document
            .as_ref()
            .is_some_and(|d| d.dmp_state == esculape_domain::document::SendingState::EnAttente)
        {
            avis.push(
                "Envoi au DMP programmé après le délai de correction : annulable d'ici là dans « Travaux en arrière-plan »".into(),
            );
        }
        Self {
            avis,
            rendu: rendu_cda(&b64(&v.cda)),
            pdf: b64(&v.pdf),
            signe,
        }
    }
}

/// The structured rendering of a CDA (SC.CDA/VISU.03): each section's
/// title and the text of its narrative block, in order. An N1 has only
/// its title (its content is the PDF).
pub fn rendu_cda(cda: &[u8]) -> Vec<(String, String)> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(cda);
    let mut out: Vec<(String, String)> = vec![];
    let mut path: Vec<String> = vec![];
    // Text and character references between two tags, as one run.
    let mut run = String::new();
    let mut buf = Vec::new();
    loop {
        let event = reader.read_event_into(&mut buf);
        if !matches!(event, Ok(Event::Text(_)) | Ok(Event::GeneralRef(_))) {
            flush(&mut out, &path, &mut run);
        }
        match event {
            Ok(Event::Start(e)) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if name == "section" {
                    out.push((String::new(), String::new()));
                }
                if matches!(name.as_str(), "tr" | "paragraph" | "item" | "br")
                    && path.iter().any(|p| p == "text")
                    && let Some(last) = out.last_mut()
                    && !last.1.is_empty()
                {
                    last.1.push('\n');
                }
                path.push(name);
            }
            Ok(Event::End(_)) => {
                path.pop();
            }
            Ok(Event::Text(t)) => {
                run.push_str(&t.decode().map(|c| c.into_owned()).unwrap_or_default());
            }
            Ok(Event::GeneralRef(r)) => {
                let name = String::from_utf8_lossy(&r).into_owned();
                let c = match name.as_str() {
                    "amp" => Some('&'),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    n => n
                        .strip_prefix("#x")
                        .and_then(|h| u32::from_str_radix(h, 16).ok())
                        .or_else(|| n.strip_prefix('#').and_then(|d| d.parse().ok()))
                        .and_then(char::from_u32),
                };
                if let Some(c) = c {
                    run.push(c);
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
        buf.clear();
    }
    out.retain(|(t, x)| !t.is_empty() || !x.is_empty());
    out
}

/// Puts a run of text where it belongs: the document title, a section's
/// title, or a section's narrative.
fn flush(out: &mut Vec<(String, String)>, path: &[String], run: &mut String) {
    let text = run.trim().to_string();
    run.clear();
    if text.is_empty() {
        return;
    }
    let parent = path.last().map(String::as_str).unwrap_or("");
    let in_section = path.iter().any(|p| p == "section");
    if parent == "title" && !in_section && out.is_empty() {
        out.push((text, String::new()));
    } else if parent == "title" && in_section {
        if let Some(last) = out.last_mut() {
            last.0 = text;
        }
    } else if in_section
        && path.iter().any(|p| p == "text")
        && let Some(last) = out.last_mut()
    {
        if !last.1.is_empty() && !last.1.ends_with('\n') {
            last.1.push(' ');
        }
        last.1.push_str(&text);
    }
}

/// Draws a structured rendering ([`rendu_cda`]): titles, then texts.
pub fn afficher_rendu(ui: &mut egui::Ui, rendu: &[(String, String)]) {
    for (titre, texte) in rendu {
        ui.label(RichText::new(titre).strong());
        if !texte.is_empty() {
            ui.label(texte);
        }
    }
}

/// The editor of one patient's new document.
#[derive(Default)]
pub struct Editeur {
    ouvert: bool,
    types: Slot<Vec<TypeDocument>>,
    liste: Vec<TypeDocument>,
    chargement: Slot<Formulaire>,
    formulaire: Option<Formulaire>,
    saisie: Saisie,
    envoi: Slot<DocumentProduit>,
    envoi_signe: bool,
    /// Held back from the DMP at signing (SC.DMP/ALI/PROG.03).
    retenir_dmp: bool,
    /// Sent invisible to the patient (SC.DMP/UX.51).
    invisible_au_patient: bool,
    apercu: Option<Apercu>,
    erreur: Option<String>,
    /// A document was signed: the file reloads its list.
    pub signe: bool,
    /// Correcting a signed document: its id and title. The new version
    /// keeps its setId and type (SC.CDA versions).
    remplace: Option<(String, String)>,
    /// The form the corrected document was signed from, on its way…
    reprise: Slot<FormulaireSigne>,
    /// …and its values, put over the plugin's form when it comes.
    valeurs_signees: Option<Map<String, Value>>,
    /// The preview's PDF, drawn in the window.
    vue: crate::pdf::VuePdf,
    /// A photo of the medicine box, for the [`CHAMP_DATAMATRIX`] field.
    photo: PhotoBoite,
    /// A form just came: it is scrolled into view once.
    defiler: bool,
}

/// The form field a 2D reader types a medicine box's GS1 DataMatrix into
/// (vaccination note): the editor also offers to read it from a photo.
pub const CHAMP_DATAMATRIX: &str = "datamatrix";

/// Reading a box's DataMatrix from a picture file (typed path or file
/// dropped on the window); the host decodes it.
#[derive(Default)]
struct PhotoBoite {
    chemin: String,
    lecture: Slot<String>,
    erreur: Option<String>,
}

impl PhotoBoite {
    fn lire(&mut self, api: &Api) {
        let chemin = self.chemin.trim();
        if chemin.is_empty() {
            self.erreur = Some("indiquez le fichier de la photo (PNG ou JPEG)".into());
            return;
        }
        self.erreur = None;
        self.lecture.set(api.datamatrix(chemin.into()));
    }

    /// The row under the DataMatrix field; what was read goes into it.
    fn show(&mut self, ui: &mut egui::Ui, api: &Api, saisie: &mut Saisie) {
        if let Some(r) = self.lecture.take() {
            match r {
                Ok(texte) => {
                    saisie.textes.insert(CHAMP_DATAMATRIX.into(), texte);
                }
                // What was in the field stays.
                Err(e) => self.erreur = Some(e.to_string()),
            }
        }
        // A picture dropped on the window is read at once.
        let depose = ui
            .ctx()
            .input(|i| i.raw.dropped_files.first().map(|f| f.path().to_path_buf()));
        if let Some(p) = depose {
            self.chemin = p.display().to_string();
            self.lire(api);
        }
        let l = ui.label("Photo de la boîte");
        ui.vertical(|ui| {
            ui.horizontal(|ui| {
                ui.add(
                    egui::TextEdit::singleline(&mut self.chemin)
                        .hint_text("fichier PNG ou JPEG, ou glissez la photo ici")
                        .desired_width(300.0),
                )
                .labelled_by(l.id);
                let libre = !self.lecture.busy();
                if ui
                    .add_enabled(libre, egui::Button::new("Lire la photo"))
                    .clicked()
                {
                    self.lire(api);
                }
                if self.lecture.busy() {
                    ui.spinner();
                    ui.label("Lecture du DataMatrix…");
                }
            });
            if let Some(e) = &self.erreur {
                crate::theme::bandeau_erreur(ui, e);
            }
        });
    }
}

impl Editeur {
    /// The request for the form as typed and the DMP choices.
    fn demande(&self, f: &Formulaire) -> DemandeDocument {
        DemandeDocument {
            plugin: f.plugin.clone(),
            valeurs: self.saisie.valeurs(f),
            remplace: self.remplace.as_ref().map(|r| r.0.clone()),
            retenir_dmp: self.retenir_dmp,
            invisible_au_patient: self.invisible_au_patient,
        }
    }

    pub fn occupe(&self) -> bool {
        self.types.busy()
            || self.chargement.busy()
            || self.envoi.busy()
            || self.reprise.busy()
            || self.photo.lecture.busy()
            || self.vue.occupe()
    }

    /// Opens the editor on a signed document to correct it: its form as
    /// signed, editable; the sign-off stores a new version.
    pub fn corriger(&mut self, api: &Api, document: &str, titre: &str) {
        *self = Editeur {
            ouvert: true,
            remplace: Some((document.to_string(), titre.to_string())),
            ..Editeur::default()
        };
        self.reprise.set(api.signed_form(document));
    }

    fn recevoir(&mut self, api: &Api, patient: &str) {
        if let Some(r) = self.types.take() {
            match r {
                Ok(l) => self.liste = l,
                Err(e) => self.erreur = Some(e.to_string()),
            }
        }
        if let Some(r) = self.reprise.take() {
            match r {
                Ok(f) => {
                    self.chargement.set(api.document_form(patient, &f.plugin));
                    self.valeurs_signees = Some(f.valeurs);
                }
                Err(e) => self.erreur = Some(e.to_string()),
            }
        }
        if let Some(r) = self.chargement.take() {
            match r {
                Ok(mut f) => {
                    // A correction starts from what was signed, not from
                    // a new prefill.
                    if let Some(v) = self.valeurs_signees.take() {
                        f.valeurs = v;
                    }
                    self.saisie = Saisie::depuis(&f);
                    self.formulaire = Some(f);
                    self.defiler = true;
                    self.apercu = None;
                    self.erreur = None;
                }
                Err(e) => self.erreur = Some(e.to_string()),
            }
        }
        if let Some(r) = self.envoi.take() {
            match r {
                Ok(v) => {
                    let a = Apercu::depuis(&v, self.envoi_signe);
                    self.vue.charger(api, &a.pdf);
                    self.apercu = Some(a);
                    self.erreur = None;
                    if self.envoi_signe {
                        self.signe = true;
                        // Signing again from this form corrects what was
                        // just signed (next version), never a duplicate.
                        if let Some(d) = &v.document {
                            self.remplace = Some((d.id.clone(), d.title.clone()));
                        }
                    }
                }
                // The form stays as typed: nothing is lost on a refusal.
                Err(e) => self.erreur = Some(e.to_string()),
            }
        }
    }

    /// Opens the editor on the list of document types (Ctrl+D).
    pub fn ouvrir(&mut self, api: &Api) {
        if !self.ouvert {
            self.ouvert = true;
            self.types.set(api.document_types());
        }
    }

    /// Capture mode: the form of the first type whose plugin names `mot`
    /// (or the first type); true once it is shown.
    pub fn capture_type(&mut self, api: &Api, patient: &str, mot: &str) -> bool {
        self.ouvrir(api);
        if self.formulaire.is_some() {
            return true;
        }
        if !self.chargement.busy()
            && let Some(t) = self
                .liste
                .iter()
                .find(|t| t.plugin.contains(mot))
                .or(self.liste.first())
        {
            self.chargement.set(api.document_form(patient, &t.plugin));
        }
        false
    }

    pub fn show(&mut self, ui: &mut egui::Ui, api: &Api, patient: &str) {
        use crate::theme::{self, icone};
        self.recevoir(api, patient);
        if !self.ouvert {
            if theme::bouton(ui, true, icone::FILE_PLUS, "Nouveau document")
                .on_hover_text("Ctrl+D")
                .clicked()
            {
                self.ouvrir(api);
            }
            return;
        }
        let signer_clavier = ui.input_mut(|i| {
            i.consume_shortcut(&egui::KeyboardShortcut::new(
                egui::Modifiers::COMMAND | egui::Modifiers::SHIFT,
                egui::Key::S,
            ))
        });
        let titre = match &self.remplace {
            Some((_, t)) => format!("Correction de « {t} » (nouvelle version)"),
            None => "Nouveau document".into(),
        };
        theme::carte(ui, icone::FILE_PLUS, &titre, |ui| {
            if theme::bouton(ui, true, icone::X, "Fermer l'éditeur").clicked() {
                *self = Editeur::default();
            }
            if !self.ouvert {
                return;
            }
            if self.remplace.is_some() {
                // A correction keeps the document's type.
                if self.reprise.busy() || self.chargement.busy() {
                    ui.spinner();
                }
                if let Some(e) = &self.erreur
                    && self.formulaire.is_none()
                {
                    theme::bandeau_erreur(ui, e);
                }
            } else {
                ui.horizontal_wrapped(|ui| {
                    for t in self.liste.clone() {
                        let courant = self
                            .formulaire
                            .as_ref()
                            .is_some_and(|f| f.plugin == t.plugin);
                        if theme::onglet(
                            ui,
                            courant,
                            icone::FILE_TEXT,
                            &format!("{} ({})", t.titre, t.niveau),
                        )
                        .clicked()
                        {
                            self.chargement.set(api.document_form(patient, &t.plugin));
                        }
                    }
                    if self.types.busy() || self.chargement.busy() {
                        ui.spinner();
                    }
                });
            }
            let Some(f) = self.formulaire.clone() else {
                return;
            };
            theme::separateur(ui);
            let t = ui.label(RichText::new(&f.titre).strong());
            if std::mem::take(&mut self.defiler) {
                t.scroll_to_me(Some(egui::Align::Min));
            }
            if f.champs.iter().any(|c| c.obligatoire) {
                theme::discret(ui, "* champ obligatoire");
            }
            // Like the consultation card: each label above its field,
            // its help beneath, read without hovering.
            for c in &f.champs {
                ui.add_space(theme::espace::XS);
                let libelle = if c.obligatoire {
                    format!("{} *", c.libelle)
                } else {
                    c.libelle.clone()
                };
                let l = ui.label(RichText::new(libelle).strong());
                champ(ui, &mut self.saisie, c, l.id);
                if let Some(a) = &c.aide {
                    ui.label(
                        RichText::new(a)
                            .small()
                            .color(theme::palette(ui).texte_discret),
                    );
                }
                if c.cle == CHAMP_DATAMATRIX {
                    self.photo.show(ui, api, &mut self.saisie);
                }
            }
            theme::separateur(ui);
            ui.horizontal(|ui| {
                    let libre = !self.envoi.busy();
                    if theme::bouton(ui, libre, icone::EYE, "Aperçu").clicked() {
                        self.envoi_signe = false;
                        self.envoi
                            .set(api.document(patient, self.demande(&f), false));
                    }
                    if theme::bouton_principal(ui, libre, icone::SIGNATURE, "Valider et signer")
                        .on_hover_text("Ctrl+Maj+S")
                        .clicked()
                        || (signer_clavier && libre)
                    {
                        self.envoi_signe = true;
                        self.envoi.set(api.document(patient, self.demande(&f), true));
                    }
                    ui.checkbox(&mut self.retenir_dmp, "Ne pas envoyer au DMP")
                        .on_hover_text(
                            "Sinon, le document part au DMP après un délai, annulable depuis les travaux en cours",
                        );
                    ui.checkbox(&mut self.invisible_au_patient, "Invisible au patient")
                        .on_hover_text(
                            "Dans le DMP, le patient ne le verra qu'après la consultation d'annonce",
                        );
                    if self.envoi.busy() {
                        ui.spinner();
                        ui.label("Production du document…");
                    }
                });
            if let Some(e) = &self.erreur {
                theme::bandeau_erreur(ui, &format!("Refusé : {e}"));
            }
            if let Some(a) = &self.apercu {
                theme::separateur(ui);
                ui.label(
                    RichText::new(if a.signe {
                        "Document signé et enregistré"
                    } else {
                        "Aperçu prêt (rien n'est enregistré)"
                    })
                    .strong(),
                );
                for n in &a.avis {
                    theme::bandeau(ui, theme::Ton::Attention, icone::WARNING, n);
                }
                ui.horizontal(|ui| {
                    ui.label(format!("PDF/A : {} Ko", a.pdf.len().div_ceil(1024)));
                    if theme::bouton(ui, true, icone::FILE_PDF, "Ouvrir dans le lecteur PDF")
                        .on_hover_text("Pour l'imprimer ou l'enregistrer")
                        .clicked()
                        && let Err(e) = ouvrir_pdf(&a.pdf)
                    {
                        self.erreur = Some(e);
                    }
                });
                self.vue.show(ui);
                egui::CollapsingHeader::new("Contenu structuré (CDA)")
                    .default_open(false)
                    .show(ui, |ui| afficher_rendu(ui, &a.rendu));
            }
        });
    }
}

/// One field of the form, by kind.
fn champ(ui: &mut egui::Ui, s: &mut Saisie, c: &Champ, label: egui::Id) {
    match c.kind.as_str() {
        "booleen" => {
            let v = s.booleens.entry(c.cle.clone()).or_default();
            ui.horizontal(|ui| {
                ui.radio_value(v, Some(true), "oui").labelled_by(label);
                ui.radio_value(v, Some(false), "non");
                ui.radio_value(v, None, "non renseigné");
            });
        }
        "liste" => {
            // The columns with their labels (older hosts gave the keys only).
            let cols: Vec<(String, String, bool)> = if c.colonnes.is_empty() {
                c.detail
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|x| {
                                x.as_str().map(|k| (k.to_string(), k.to_string(), false))
                            })
                            .collect()
                    })
                    .unwrap_or_default()
            } else {
                c.colonnes
                    .iter()
                    .map(|k| {
                        let l = if k.obligatoire {
                            format!("{} *", k.libelle)
                        } else {
                            k.libelle.clone()
                        };
                        (k.cle.clone(), l, k.kind == "booleen")
                    })
                    .collect()
            };
            let rows = s.listes.entry(c.cle.clone()).or_default();
            ui.vertical(|ui| {
                let mut retirer = None;
                // Each line a small card: its cells, each under its label,
                // wrapped to the card's width.
                // Cells per row from the card's width (a wrapped layout
                // does not wrap nested columns).
                let par_ligne = ((ui.available_width() - 24.0) / 150.0).floor().max(1.0) as usize;
                let largeur = (ui.available_width() - 24.0) / par_ligne as f32 - 10.0;
                for (i, row) in rows.iter_mut().enumerate() {
                    egui::Frame::group(ui.style()).show(ui, |ui| {
                        for rang in cols.chunks(par_ligne) {
                            ui.horizontal(|ui| {
                                for (col, libelle, booleen) in rang {
                                    let cell = row.entry(col.clone()).or_default();
                                    ui.vertical(|ui| {
                                        ui.set_width(largeur);
                                        let l = ui.label(egui::RichText::new(libelle).small());
                                        if *booleen {
                                            // Ticked or not, kept as the form's text.
                                            let mut oui = cell.trim() == "true";
                                            if ui
                                                .checkbox(&mut oui, "oui")
                                                .labelled_by(l.id)
                                                .changed()
                                            {
                                                *cell = oui.to_string();
                                            }
                                        } else {
                                            ui.add(
                                                egui::TextEdit::singleline(cell)
                                                    .hint_text(col.as_str())
                                                    .desired_width(largeur),
                                            )
                                            .labelled_by(l.id);
                                        }
                                    });
                                }
                            });
                        }
                        if crate::theme::action(ui, true, crate::theme::icone::TRASH, "Retirer")
                            .clicked()
                        {
                            retirer = Some(i);
                        }
                    });
                }
                if let Some(i) = retirer {
                    rows.remove(i);
                }
                if crate::theme::action(ui, true, crate::theme::icone::PLUS, "Ajouter une ligne")
                    .clicked()
                {
                    rows.push(BTreeMap::new());
                }
            });
        }
        kind => {
            let t = s.textes.entry(c.cle.clone()).or_default();
            let edit = if kind == "texte-long" {
                egui::TextEdit::multiline(t).desired_rows(4)
            } else {
                egui::TextEdit::singleline(t)
            };
            let hint = match kind {
                "date" => "AAAA-MM-JJ",
                "code" => "code",
                _ => "",
            };
            // Dates and codes are short; words take the card's width.
            let largeur = match kind {
                "date" | "code" => 140.0,
                _ => f32::INFINITY,
            };
            ui.add(edit.hint_text(hint).desired_width(largeur))
                .labelled_by(label);
        }
    }
}

/// Documents opened in the system's viewer, in a folder of this account
/// only (0700, files 0600), removed when the client exits
/// ([`effacer_ouverts`]).
static OUVERTS: std::sync::Mutex<Option<tempfile::TempDir>> = std::sync::Mutex::new(None);

/// Writes `pdf` into the private folder of opened documents.
fn ecrire_ouvert(pdf: &[u8]) -> Result<std::path::PathBuf, String> {
    use std::io::Write;
    let mut g = OUVERTS
        .lock()
        .map_err(|_| "dossier des documents ouverts indisponible".to_string())?;
    let dir = match g.take() {
        Some(d) => d,
        None => {
            let d = tempfile::Builder::new()
                .prefix("esculape-")
                .tempdir()
                .map_err(|e| format!("dossier privé non créé : {e}"))?;
            #[cfg(unix)]
            std::fs::set_permissions(
                d.path(),
                std::os::unix::fs::PermissionsExt::from_mode(0o700),
            )
            .map_err(|e| format!("dossier privé non protégé : {e}"))?;
            d
        }
    };
    let written = tempfile::Builder::new()
        .prefix("document-")
        .suffix(".pdf")
        .tempfile_in(dir.path())
        .and_then(|mut f| {
            f.write_all(pdf)?;
            f.keep().map_err(|e| e.error)
        });
    *g = Some(dir);
    written
        .map(|(_, path)| path)
        .map_err(|e| format!("PDF non écrit : {e}"))
}

/// Removes the opened documents (at exit).
pub fn effacer_ouverts() {
    if let Ok(mut g) = OUVERTS.lock() {
        g.take();
    }
}

/// Shows a PDF with the system's viewer (egui does not draw PDFs).
pub fn ouvrir_pdf(pdf: &[u8]) -> Result<(), String> {
    let path = ecrire_ouvert(pdf)?;
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    std::process::Command::new(opener)
        .arg(&path)
        .spawn()
        .map(|_| ())
        .map_err(|e| format!("aucun lecteur de PDF ({opener}) : {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn opened_documents_are_private_and_removed_at_exit() {
        use std::os::unix::fs::PermissionsExt;
        let path = ecrire_ouvert(b"%PDF-1.7").unwrap();
        let dir = path.parent().unwrap().to_path_buf();
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&path), 0o600);
        effacer_ouverts();
        assert!(!dir.exists(), "removed at exit");
    }

    #[test]
    fn the_structured_rendering_lists_sections_and_their_text() {
        let cda = br#"<ClinicalDocument xmlns="urn:hl7-org:v3"><title>Synth&#232;se</title>
            <component><structuredBody><component><section><title>Allergies</title>
            <text><table><tbody><tr><td>Arachide</td><td>urticaire</td></tr>
            <tr><td>Pollen</td></tr></tbody></table></text></section></component>
            <component><section><title>Traitements</title><text><paragraph>Aucun</paragraph></text>
            </section></component></structuredBody></component></ClinicalDocument>"#;
        let r = rendu_cda(cda);
        assert_eq!(r[0].0, "Synthèse");
        assert_eq!(r[1].0, "Allergies");
        assert_eq!(r[1].1, "Arachide urticaire\nPollen");
        assert_eq!(r[2], ("Traitements".into(), "Aucun".into()));
    }

    #[test]
    fn typed_values_are_sent_as_typed() {
        let f: Formulaire = serde_json::from_value(serde_json::json!({
            "plugin": "p", "titre": "t",
            "champs": [
                {"cle": "poids", "libelle": "Poids", "type": "nombre"},
                {"cle": "garde", "libelle": "Garde", "type": "booleen"},
                {"cle": "titre", "libelle": "Titre", "type": "texte"},
                {"cle": "lignes", "libelle": "Lignes", "type": "liste", "detail": ["vaccin", "rang"]},
            ],
            "valeurs": {"poids": 8.9, "garde": true, "lignes": [{"vaccin": "J07AL", "rang": 2}]},
        }))
        .unwrap();
        let s = Saisie::depuis(&f);
        let v = s.valeurs(&f);
        assert_eq!(v["poids"], serde_json::json!(8.9));
        assert_eq!(v["garde"], serde_json::json!(true));
        assert!(!v.contains_key("titre"), "empty text not sent");
        assert_eq!(
            v["lignes"],
            serde_json::json!([{"vaccin": "J07AL", "rang": 2}])
        );
        assert_eq!(valeur_de("12,5"), serde_json::json!(12.5));
        assert_eq!(valeur_de("2A004"), serde_json::json!("2A004"));
    }
}
