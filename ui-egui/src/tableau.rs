//! The TBB.INS.02 dashboard as the DSR's model draws it: patients seen in
//! the month and their identity statuses (number and rate), for two
//! consecutive months side by side, filtered by RPPS or FINESS; and the
//! proxy e-santé's certificate, whose expiry stops every national service
//! reached in the structure's name.

use crate::api::{Api, Slot};
use crate::theme::{self, Ton, icone};
use egui::RichText;
use esculape_api_types::psc::ProxyPsc;
use esculape_domain::indicateurs::{Compte, IndicateursIns};

/// `AAAA-MM` of the month before.
fn mois_precedent(mois: &str) -> Option<String> {
    let (y, m) = mois.split_once('-')?;
    let (y, m): (i32, u32) = (y.parse().ok()?, m.parse().ok()?);
    if !(1..=12).contains(&m) {
        return None;
    }
    Some(if m == 1 {
        format!("{:04}-12", y - 1)
    } else {
        format!("{y:04}-{:02}", m - 1)
    })
}

/// `texte` with its first letter capitalised.
fn majuscule(texte: &str) -> String {
    let mut c = texte.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// Which count of a column a row shows.
type Ligne = fn(&IndicateursIns) -> &Compte;

pub struct Tableau {
    mois: String,
    /// "" = tout le cabinet, "rpps:…" or "finess:…".
    filtre: String,
    courant: Slot<Vec<IndicateursIns>>,
    precedent: Slot<Vec<IndicateursIns>>,
    colonnes: (Vec<IndicateursIns>, Vec<IndicateursIns>),
    demande: Option<String>,
    erreur: Option<String>,
    proxy: Slot<ProxyPsc>,
    /// What the host said of its proxy e-santé (asked once per opening).
    etat_proxy: Option<Result<ProxyPsc, String>>,
}

impl Tableau {
    pub fn new(mois: String) -> Self {
        Self {
            mois,
            filtre: String::new(),
            courant: Slot::default(),
            precedent: Slot::default(),
            colonnes: (vec![], vec![]),
            demande: None,
            erreur: None,
            proxy: Slot::default(),
            etat_proxy: None,
        }
    }

    pub fn occupe(&self) -> bool {
        self.courant.busy() || self.precedent.busy() || self.proxy.busy()
    }

    pub fn show(&mut self, ui: &mut egui::Ui, api: &Api) {
        if let Some(r) = self.courant.take() {
            match r {
                Ok(c) => self.colonnes.1 = c,
                Err(e) => self.erreur = Some(e.to_string()),
            }
        }
        if let Some(r) = self.precedent.take() {
            match r {
                Ok(c) => self.colonnes.0 = c,
                Err(e) => self.erreur = Some(e.to_string()),
            }
        }
        ui.heading("Tableau de bord INS (TBB.INS.02)");
        ui.horizontal(|ui| {
            let l = ui.label("Mois");
            ui.add(
                egui::TextEdit::singleline(&mut self.mois)
                    .hint_text("AAAA-MM")
                    .desired_width(80.0),
            )
            .labelled_by(l.id);
            let choix: Vec<(String, String)> =
                std::iter::once((String::new(), "Tout le cabinet".to_string()))
                    .chain(
                        self.colonnes
                            .1
                            .iter()
                            .filter(|c| !c.tout_le_cabinet)
                            .map(|c| {
                                if c.rpps.is_empty() {
                                    (
                                        format!("finess:{}", c.finess),
                                        format!("FINESS {}", c.finess),
                                    )
                                } else {
                                    (format!("rpps:{}", c.rpps), format!("RPPS {}", c.rpps))
                                }
                            }),
                    )
                    .collect();
            crate::theme::liste_deroulante(
                ui,
                "Filtre",
                choix
                    .iter()
                    .find(|c| c.0 == self.filtre)
                    .map(|c| c.1.clone())
                    .unwrap_or_default(),
                |ui| {
                    for (k, v) in &choix {
                        ui.selectable_value(&mut self.filtre, k.clone(), v);
                    }
                },
            );
            if self.occupe() {
                ui.spinner();
            }
        });
        // A new month typed: ask for it and the month before.
        let mois = self.mois.trim().to_string();
        if self.demande.as_deref() != Some(&mois) {
            match mois_precedent(&mois) {
                Some(avant) => {
                    self.erreur = None;
                    self.demande = Some(mois.clone());
                    self.courant.set(api.indicateurs_ins(&mois));
                    self.precedent.set(api.indicateurs_ins(&avant));
                }
                None if !mois.is_empty() => {
                    self.erreur = Some(format!("mois «{mois}» : attendu AAAA-MM"));
                }
                None => {}
            }
        }
        if let Some(e) = &self.erreur {
            crate::theme::bandeau_erreur(ui, e);
        }
        let pick = |cols: &[IndicateursIns]| -> IndicateursIns {
            cols.iter()
                .find(|c| match self.filtre.split_once(':') {
                    None => c.tout_le_cabinet,
                    Some(("rpps", r)) => !c.tout_le_cabinet && c.rpps == r,
                    Some((_, f)) => !c.tout_le_cabinet && c.rpps.is_empty() && c.finess == f,
                })
                .cloned()
                .unwrap_or_default()
        };
        let (a, b) = (pick(&self.colonnes.0), pick(&self.colonnes.1));
        let avant = mois_precedent(&mois).unwrap_or_default();
        ui.add_space(crate::theme::espace::M);
        crate::theme::carte(
            ui,
            crate::theme::icone::IDENTIFICATION_CARD,
            "Identités des patients vus (TBB.INS.02)",
            |ui| self.grille(ui, &a, &b, &avant, &mois),
        );
        ui.add_space(crate::theme::espace::M);
        self.carte_proxy(ui, api);
    }

    /// The structure's certificate as the proxy e-santé holds it: when it
    /// ends, the INSi, the DMP and every service reached in the
    /// structure's name stop, so its end is shown ahead.
    fn carte_proxy(&mut self, ui: &mut egui::Ui, api: &Api) {
        if let Some(r) = self.proxy.take() {
            self.etat_proxy = Some(r.map_err(|e| e.to_string()));
        }
        if self.etat_proxy.is_none() && !self.proxy.busy() {
            self.proxy.set(api.psc_proxy());
        }
        theme::carte(
            ui,
            icone::SHIELD_CHECK,
            "Proxy e-santé : certificat de la structure",
            |ui| match &self.etat_proxy {
                None => {
                    ui.spinner();
                }
                Some(Err(e)) => {
                    theme::bandeau_erreur(ui, e);
                }
                Some(Ok(p)) if !p.configure => {
                    theme::discret(
                        ui,
                        "Aucun proxy e-santé n'est configuré sur ce serveur : ni connexion \
                         Pro Santé Connect, ni INSi ou DMP au nom du médecin.",
                    );
                }
                Some(Ok(p)) => {
                    match &p.certificat {
                        Some(c) if p.certificat_a_renouveler => {
                            theme::bandeau(
                                ui,
                                Ton::Attention,
                                icone::WARNING,
                                &format!(
                                    "{} — demandez-en un nouveau (IGC-Santé) : l'INSi et le \
                                     DMP au nom de la structure s'arrêtent avec lui.",
                                    majuscule(c)
                                ),
                            );
                        }
                        Some(c) => {
                            ui.label(majuscule(c));
                        }
                        None => {
                            theme::bandeau(
                                ui,
                                Ton::Attention,
                                icone::WARNING,
                                "Aucun certificat de structure : l'échange de jeton et les \
                                 services en TLS mutuel sont indisponibles.",
                            );
                        }
                    }
                    let services = if p.services.is_empty() {
                        "aucun".to_string()
                    } else {
                        p.services
                            .iter()
                            .map(|s| match s.as_str() {
                                "insi" => "INSi",
                                "dmp" => "DMP",
                                "mss" => "MSSanté",
                                autre => autre,
                            })
                            .collect::<Vec<_>>()
                            .join(", ")
                    };
                    theme::champ_lu(ui, "Services atteints", &services);
                }
            },
        );
    }

    fn grille(
        &self,
        ui: &mut egui::Ui,
        a: &IndicateursIns,
        b: &IndicateursIns,
        avant: &str,
        mois: &str,
    ) {
        let titre = |c: &IndicateursIns, m: &str| {
            if c.mois.is_empty() {
                m.to_string()
            } else {
                c.mois.clone()
            }
        };
        egui::Grid::new("tbb-ins-02")
            .striped(true)
            .spacing([24.0, 8.0])
            .show(ui, |ui| {
                ui.label("");
                for c in [titre(a, avant), titre(b, mois)] {
                    ui.label(RichText::new(format!("{c} — nombre")).strong());
                    ui.label(RichText::new("taux").strong());
                }
                ui.end_row();
                ui.label("Nombre de patients uniques vus dans le mois");
                for c in [a, b] {
                    ui.label(c.patients_vus.to_string());
                    ui.label("-");
                }
                ui.end_row();
                let lignes: [(&str, Ligne); 5] = [
                    ("Identités pour le statut provisoire", |c| &c.provisoire),
                    ("Identités pour le statut récupérée", |c| &c.recuperee),
                    ("Identités pour le statut validé", |c| &c.validee),
                    ("Identités pour le statut qualifié", |c| &c.qualifiee),
                    (
                        "dont qualifiées par procédure spécifique transitoire",
                        |c| &c.qualifiee_procedure_transitoire,
                    ),
                ];
                for (label, compte) in lignes {
                    ui.label(label);
                    for c in [a, b] {
                        let k = compte(c);
                        ui.label(k.nombre.to_string());
                        ui.label(format!("{:.1} %", k.taux));
                    }
                    ui.end_row();
                }
            });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_month_before() {
        assert_eq!(mois_precedent("2026-01").as_deref(), Some("2025-12"));
        assert_eq!(mois_precedent("2026-11").as_deref(), Some("2026-10"));
        assert_eq!(mois_precedent("2026-13"), None);
        assert_eq!(mois_precedent("novembre"), None);
    }
}
