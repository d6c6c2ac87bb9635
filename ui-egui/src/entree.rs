//! The form that adds an entry to the medical record or changes one:
//! problems, antecedents, allergies, treatments, vaccinations, measures,
//! observations. Checked here first (French messages, the typed text
//! stays); a change is sent with the version read, so that two people
//! editing the same entry do not overwrite each other.

use crate::api::{Api, Entry, Slot};
use esculape_domain::calendar::Day;
use esculape_domain::record::{Activity, AntecedentKind, EntryData, MeasureKind};

/// What can be added to the record from the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sorte {
    #[default]
    Probleme,
    Antecedent,
    Allergie,
    Traitement,
    Vaccination,
    Mesure(MeasureKind),
    Observation,
}

/// The entry being added, or changed.
#[derive(Default)]
pub struct FormulaireEntree {
    pub sorte: Sorte,
    pub libelle: String,
    /// Reaction, posology, lot or observed value, by kind.
    pub precision: String,
    pub date: String,
    pub antecedent: AntecedentKind,
    /// A problem or an allergy that is over.
    pub passe: bool,
    /// A long-term treatment (ALD, chronic).
    pub au_long_cours: bool,
    /// The entry changed: its id, the version read, what it was.
    modifie: Option<(String, i64, EntryData)>,
    /// Why it is changed (kept with the version).
    pub motif: String,
    /// An entry added, changed or removed.
    pub envoi: Slot<()>,
    pub erreur: Option<String>,
}

impl FormulaireEntree {
    /// The form on an existing entry, to change it.
    pub fn depuis(e: &Entry) -> Self {
        let mut f = FormulaireEntree {
            modifie: Some((e.id.clone(), e.version, e.data.clone())),
            ..Default::default()
        };
        let jour = |d: &Day| d.to_string();
        match &e.data {
            EntryData::Probleme {
                label,
                status,
                onset,
                ..
            } => {
                f.sorte = Sorte::Probleme;
                f.libelle = label.clone();
                f.passe = *status == Activity::Passe;
                f.date = onset.as_ref().map(jour).unwrap_or_default();
            }
            EntryData::Antecedent {
                label,
                antecedent,
                onset,
                ..
            } => {
                f.sorte = Sorte::Antecedent;
                f.libelle = label.clone();
                f.antecedent = *antecedent;
                f.date = onset.as_ref().map(jour).unwrap_or_default();
            }
            EntryData::Allergie {
                label,
                reaction,
                status,
                ..
            } => {
                f.sorte = Sorte::Allergie;
                f.libelle = label.clone();
                f.precision = reaction.clone().unwrap_or_default();
                f.passe = *status == Activity::Passe;
            }
            EntryData::Traitement {
                label,
                posology,
                start,
                long_term,
                ..
            } => {
                f.sorte = Sorte::Traitement;
                f.libelle = label.clone();
                f.precision = posology.clone();
                f.date = jour(start);
                f.au_long_cours = *long_term;
            }
            EntryData::Vaccination {
                label, date, lot, ..
            } => {
                f.sorte = Sorte::Vaccination;
                f.libelle = label.clone();
                f.precision = lot.clone().unwrap_or_default();
                f.date = jour(date);
            }
            EntryData::Mesure {
                measure,
                value,
                date,
                heure,
            } => {
                f.sorte = Sorte::Mesure(*measure);
                f.libelle = value.to_string();
                f.precision = heure.map(|h| h.to_string()).unwrap_or_default();
                f.date = jour(date);
            }
            EntryData::Observation {
                label, value, date, ..
            } => {
                f.sorte = Sorte::Observation;
                f.libelle = label.clone();
                f.precision = value.clone();
                f.date = jour(date);
            }
        }
        f
    }

    pub fn en_modification(&self) -> bool {
        self.modifie.is_some()
    }

    /// After the host took it: an empty form of the same kind.
    pub fn vider(&mut self) {
        *self = FormulaireEntree {
            sorte: self.sorte,
            ..Default::default()
        };
    }

    /// The entry as the host takes it, checked here first (French errors).
    pub fn entree(&self, today: Day) -> Result<EntryData, String> {
        let date = match self.date.trim() {
            "" => today,
            d => Day::parse(d).map_err(|_| format!("date «{d}» : attendu AAAA-MM-JJ"))?,
        };
        let libelle = self.libelle.trim().to_string();
        let precision = self.precision.trim().to_string();
        let option = |s: String| (!s.is_empty()).then_some(s);
        let activite = if self.passe {
            Activity::Passe
        } else {
            Activity::Actif
        };
        if libelle.is_empty() {
            return Err(match self.sorte {
                Sorte::Mesure(_) => "la valeur est obligatoire".into(),
                _ => "le libellé est obligatoire".into(),
            });
        }
        // What the form does not show is kept from the entry changed:
        // the code while the label is the same, the dose, the end date.
        let avant = self.modifie.as_ref().map(|m| &m.2);
        let code = avant.and_then(|d| match d {
            EntryData::Probleme { label, code, .. }
            | EntryData::Antecedent { label, code, .. }
            | EntryData::Allergie { label, code, .. }
            | EntryData::Traitement { label, code, .. }
            | EntryData::Vaccination { label, code, .. }
            | EntryData::Observation { label, code, .. }
                if label.trim() == libelle =>
            {
                code.clone()
            }
            _ => None,
        });
        Ok(match self.sorte {
            Sorte::Probleme => EntryData::Probleme {
                label: libelle,
                code,
                status: activite,
                onset: Some(date),
            },
            Sorte::Antecedent => EntryData::Antecedent {
                label: libelle,
                code,
                antecedent: self.antecedent,
                onset: (!self.date.trim().is_empty()).then_some(date),
            },
            Sorte::Allergie => EntryData::Allergie {
                label: libelle,
                code,
                reaction: option(precision),
                status: activite,
            },
            Sorte::Traitement => EntryData::Traitement {
                label: libelle,
                code,
                posology: precision,
                start: date,
                end: match avant {
                    Some(EntryData::Traitement { end, .. }) => *end,
                    _ => None,
                },
                long_term: self.au_long_cours,
            },
            Sorte::Vaccination => EntryData::Vaccination {
                label: libelle,
                code,
                date,
                lot: option(precision),
                dose: match avant {
                    Some(EntryData::Vaccination { dose, .. }) => *dose,
                    _ => None,
                },
            },
            Sorte::Mesure(measure) => EntryData::Mesure {
                measure,
                value: libelle
                    .replace(',', ".")
                    .parse()
                    .map_err(|_| format!("valeur «{libelle}» : un nombre est attendu"))?,
                date,
                // The time it was taken: typed, else none (the host's
                // documents then say noon).
                heure: match precision.as_str() {
                    "" => None,
                    h => Some(
                        esculape_domain::calendar::Heure::parse(h)
                            .map_err(|_| format!("heure «{h}» : attendu HH:MM"))?,
                    ),
                },
            },
            Sorte::Observation => {
                if precision.is_empty() {
                    return Err("la valeur observée est obligatoire".into());
                }
                EntryData::Observation {
                    label: libelle,
                    code,
                    value: precision,
                    date,
                }
            }
        })
    }

    /// The form, under "Ajouter au dossier" (or "Modifier l'entrée").
    pub fn show(&mut self, ui: &mut egui::Ui, api: &Api, patient: &str, today: Day) {
        use MeasureKind as M;
        let titre = if self.en_modification() {
            "Modifier l'entrée"
        } else {
            "Ajouter au dossier"
        };
        let mut entete = egui::CollapsingHeader::new(titre).id_salt("formulaire-entree");
        if self.en_modification() {
            entete = entete.open(Some(true));
        }
        entete.show(ui, |ui| {
            // A change keeps the kind of the entry.
            if !self.en_modification() {
                ui.horizontal_wrapped(|ui| {
                    for (sorte, label) in [
                        (Sorte::Probleme, "Problème"),
                        (Sorte::Antecedent, "Antécédent"),
                        (Sorte::Allergie, "Allergie"),
                        (Sorte::Traitement, "Traitement"),
                        (Sorte::Vaccination, "Vaccination"),
                        (Sorte::Mesure(M::Poids), "Poids (kg)"),
                        (Sorte::Mesure(M::Taille), "Taille (cm)"),
                        (Sorte::Mesure(M::PerimetreCranien), "Périmètre crânien (cm)"),
                        (Sorte::Observation, "Observation"),
                    ] {
                        ui.selectable_value(&mut self.sorte, sorte, label);
                    }
                });
            }
            let (libelle, precision, date) = match self.sorte {
                Sorte::Probleme => ("Libellé", None, "Début"),
                Sorte::Antecedent => ("Libellé", None, "Date"),
                Sorte::Allergie => ("Libellé", Some("Réaction"), "Date"),
                Sorte::Traitement => ("Libellé", Some("Posologie"), "Début"),
                Sorte::Vaccination => ("Libellé", Some("Lot"), "Date"),
                Sorte::Mesure(_) => ("Valeur", Some("Heure (HH:MM)"), "Date"),
                Sorte::Observation => ("Libellé", Some("Valeur observée"), "Date"),
            };
            egui::Grid::new("ajout-dossier")
                .num_columns(2)
                .show(ui, |ui| {
                    let l = ui.label(libelle);
                    ui.add(egui::TextEdit::singleline(&mut self.libelle).desired_width(260.0))
                        .labelled_by(l.id);
                    ui.end_row();
                    if let Some(p) = precision {
                        let l = ui.label(p);
                        ui.add(
                            egui::TextEdit::singleline(&mut self.precision).desired_width(260.0),
                        )
                        .labelled_by(l.id);
                        ui.end_row();
                    }
                    // An allergy has no date in the record.
                    if self.sorte != Sorte::Allergie {
                        let l = ui.label(date);
                        let indice = match self.sorte {
                            Sorte::Antecedent => "inconnue (AAAA-MM-JJ)",
                            _ => "aujourd'hui (AAAA-MM-JJ)",
                        };
                        ui.add(
                            egui::TextEdit::singleline(&mut self.date)
                                .hint_text(indice)
                                .desired_width(160.0),
                        )
                        .labelled_by(l.id);
                        ui.end_row();
                    }
                    match self.sorte {
                        Sorte::Antecedent => {
                            ui.label("Nature");
                            ui.horizontal(|ui| {
                                for (k, l) in [
                                    (AntecedentKind::Personnel, "personnel"),
                                    (AntecedentKind::Familial, "familial"),
                                    (AntecedentKind::Chirurgical, "chirurgical"),
                                ] {
                                    ui.radio_value(&mut self.antecedent, k, l);
                                }
                            });
                            ui.end_row();
                        }
                        Sorte::Probleme | Sorte::Allergie => {
                            ui.label("");
                            ui.checkbox(&mut self.passe, "Passé (n'est plus actif)");
                            ui.end_row();
                        }
                        Sorte::Traitement => {
                            ui.label("");
                            ui.checkbox(&mut self.au_long_cours, "Au long cours");
                            ui.end_row();
                        }
                        _ => {}
                    }
                    if self.en_modification() {
                        let l = ui.label("Motif de la modification");
                        ui.add(
                            egui::TextEdit::singleline(&mut self.motif)
                                .hint_text("facultatif, gardé dans l'historique")
                                .desired_width(260.0),
                        )
                        .labelled_by(l.id);
                        ui.end_row();
                    }
                });
            ui.horizontal(|ui| {
                let bouton = if self.en_modification() {
                    "Enregistrer la modification"
                } else {
                    "Ajouter"
                };
                if ui
                    .add_enabled(!self.envoi.busy(), egui::Button::new(bouton))
                    .clicked()
                {
                    match self.entree(today) {
                        Ok(data) => {
                            self.erreur = None;
                            let envoi = match &self.modifie {
                                Some((id, version, _)) => api.update_entry(
                                    id,
                                    *version,
                                    &data,
                                    Some(self.motif.trim().to_string()).filter(|m| !m.is_empty()),
                                ),
                                None => api.add_entry(patient, &data),
                            };
                            self.envoi.set(envoi);
                        }
                        Err(m) => self.erreur = Some(m),
                    }
                }
                if self.en_modification() && ui.button("Annuler la modification").clicked() {
                    *self = FormulaireEntree::default();
                }
                if self.envoi.busy() {
                    ui.spinner();
                }
            });
            if let Some(m) = &self.erreur {
                crate::theme::bandeau_erreur(ui, m);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use esculape_domain::record::Code;

    fn jour(s: &str) -> Day {
        Day::parse(s).unwrap()
    }

    fn entry(data: EntryData) -> Entry {
        Entry {
            id: "e1".into(),
            patient_id: "p1".into(),
            encounter_id: None,
            data,
            author: "dr".into(),
            modifie_par: None,
            created_at: 0,
            updated_at: 0,
            version: 3,
        }
    }

    #[test]
    fn a_change_keeps_what_the_form_does_not_show() {
        let cim = Code {
            system: "2.16.840.1.113883.6.3".into(),
            code: "E11".into(),
            display: Some("Diabète de type 2".into()),
        };
        let avant = EntryData::Probleme {
            label: "Diabète de type 2".into(),
            code: Some(cim.clone()),
            status: Activity::Actif,
            onset: Some(jour("2019-05-02")),
        };
        let mut f = FormulaireEntree::depuis(&entry(avant));
        assert_eq!(f.date, "2019-05-02");
        f.passe = true;
        match f.entree(jour("2026-11-26")).unwrap() {
            EntryData::Probleme { code, status, .. } => {
                assert_eq!(code, Some(cim.clone()), "same label, same code");
                assert_eq!(status, Activity::Passe);
            }
            other => panic!("{other:?}"),
        }
        // Another label: the code no longer says what it is.
        f.libelle = "Hypertension".into();
        match f.entree(jour("2026-11-26")).unwrap() {
            EntryData::Probleme { code, .. } => assert_eq!(code, None),
            other => panic!("{other:?}"),
        }
        let vaccin = EntryData::Vaccination {
            label: "Hexyon".into(),
            code: None,
            date: jour("2026-03-01"),
            lot: Some("X12".into()),
            dose: Some(2),
        };
        let mut f = FormulaireEntree::depuis(&entry(vaccin));
        f.precision = "X13".into();
        match f.entree(jour("2026-11-26")).unwrap() {
            EntryData::Vaccination { dose, lot, .. } => {
                assert_eq!((dose, lot.as_deref()), (Some(2), Some("X13")))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn antecedents_and_observations_are_checked_here() {
        let f = FormulaireEntree {
            sorte: Sorte::Antecedent,
            libelle: "Appendicectomie".into(),
            antecedent: AntecedentKind::Chirurgical,
            ..Default::default()
        };
        match f.entree(jour("2026-11-26")).unwrap() {
            EntryData::Antecedent {
                antecedent, onset, ..
            } => {
                assert_eq!(antecedent, AntecedentKind::Chirurgical);
                assert_eq!(onset, None, "no date typed: unknown, not today");
            }
            other => panic!("{other:?}"),
        }
        let mut f = FormulaireEntree {
            sorte: Sorte::Observation,
            libelle: "Tension artérielle".into(),
            ..Default::default()
        };
        assert_eq!(
            f.entree(jour("2026-11-26")).unwrap_err(),
            "la valeur observée est obligatoire"
        );
        f.precision = "13/8".into();
        assert!(matches!(
            f.entree(jour("2026-11-26")),
            Ok(EntryData::Observation { .. })
        ));
        f.date = "26/11/2026".into();
        assert!(
            f.entree(jour("2026-11-26"))
                .unwrap_err()
                .contains("AAAA-MM-JJ")
        );
        // A measure keeps the time it was taken.
        let mut f = FormulaireEntree {
            sorte: Sorte::Mesure(esculape_domain::record::MeasureKind::Poids),
            libelle: "71,5".into(),
            precision: "10h".into(),
            date: "2026-07-15".into(),
            ..Default::default()
        };
        assert_eq!(
            f.entree(jour("2026-11-26")).unwrap_err(),
            "heure «10h» : attendu HH:MM"
        );
        f.precision = "10:00".into();
        let e = f.entree(jour("2026-11-26")).unwrap();
        assert!(
            matches!(&e, EntryData::Mesure { value, heure: Some(h), .. } if *value == 71.5 && h.to_string() == "10:00"),
            "{e:?}"
        );
        assert_eq!(FormulaireEntree::depuis(&entry(e)).precision, "10:00");
    }
}
