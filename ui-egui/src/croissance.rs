//! Growth charts of a child (0 to 5 years): weight, height, head
//! circumference and BMI by age, the child's points on the WHO Child Growth
//! Standards (2006) drawn from their LMS parameters (bundled in
//! `data/oms-croissance.csv`, attributed there). The French 2018 AFPA/CRESS
//! curves would need their tables, which are not public.

use crate::api::Chart;
use crate::theme::Ton;
use egui_plot::{Legend, Line, Plot, PlotPoints, Points};
use esculape_domain::calendar::Day;
use esculape_domain::identity::Sex;
use esculape_domain::record::{EntryData, MeasureKind};

const TABLES: &str = include_str!("../data/oms-croissance.csv");

/// LMS parameters of one month.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lms {
    pub mois: u32,
    pub l: f64,
    pub m: f64,
    pub s: f64,
}

impl Lms {
    /// The measurement at z-score `z` (Cole's LMS method).
    pub fn valeur(&self, z: f64) -> f64 {
        if self.l.abs() < 1e-9 {
            self.m * (self.s * z).exp()
        } else {
            self.m * (1.0 + self.l * self.s * z).powf(1.0 / self.l)
        }
    }
}

/// The WHO table of an indicator (`poids`, `taille`, `perimetre-cranien`,
/// `imc`) for a sex (`M` or `F`), month by month.
pub fn table(indicateur: &str, sexe: &str) -> Vec<Lms> {
    TABLES
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("indicateur"))
        .filter_map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f.len() == 6 && f[0] == indicateur && f[1] == sexe).then_some(())?;
            Some(Lms {
                mois: f[2].parse().ok()?,
                l: f[3].parse().ok()?,
                m: f[4].parse().ok()?,
                s: f[5].parse().ok()?,
            })
        })
        .collect()
}

/// Age in months (with its fraction) on a day.
pub fn age_mois(naissance: Day, le: Day) -> f64 {
    (le.days() - naissance.days()) as f64 / 30.4375
}

const COURBES: &[(&str, &str, MeasureKind)] = &[
    ("poids", "Poids (kg)", MeasureKind::Poids),
    ("taille", "Taille (cm)", MeasureKind::Taille),
    (
        "perimetre-cranien",
        "Périmètre crânien (cm)",
        MeasureKind::PerimetreCranien,
    ),
];

/// The charts, for a child under five whose sex is known.
pub fn show(ui: &mut egui::Ui, chart: &Chart) {
    let id = &chart.patient.identity;
    let sexe = match id.sex {
        Sex::Male => "M",
        Sex::Female => "F",
        Sex::Unknown => return,
    };
    let Ok(naissance) = Day::parse(&id.birth_date.to_string()) else {
        return;
    };
    ui.label(
        "Courbes de l'OMS (normes de croissance de l'enfant, 2006) : médiane et ±1, ±2 écarts-types",
    );
    let mut courbes: Vec<(&str, &str, Vec<[f64; 2]>)> = COURBES
        .iter()
        .map(|(ind, titre, kind)| {
            let points = chart
                .entries
                .iter()
                .filter_map(|e| match &e.data {
                    EntryData::Mesure {
                        measure,
                        value,
                        date,
                        ..
                    } if measure == kind => Some([age_mois(naissance, *date), *value]),
                    _ => None,
                })
                .collect();
            (*ind, *titre, points)
        })
        .collect();
    courbes.push((
        "imc",
        "IMC (kg/m²)",
        chart
            .bmi
            .iter()
            .map(|b| [age_mois(naissance, b.date), b.value])
            .collect(),
    ));
    ui.columns(2, |cols| {
        for (i, (ind, titre, points)) in courbes.into_iter().enumerate() {
            let ui = &mut cols[i % 2];
            let pal = crate::theme::palette(ui);
            ui.label(titre);
            let lms = table(ind, sexe);
            Plot::new(format!("croissance-{ind}"))
                .height(180.0)
                .legend(Legend::default())
                .x_axis_label("âge (mois)")
                .allow_scroll(false)
                .show(ui, |p| {
                    for z in [-2.0, -1.0, 0.0, 1.0, 2.0] {
                        let line: PlotPoints = lms
                            .iter()
                            .map(|x| [f64::from(x.mois), x.valeur(z)])
                            .collect();
                        // One legend entry (and colour) per pair of curves.
                        let (name, color) = match z.abs() as u8 {
                            0 => ("médiane", pal.ton(Ton::Succes).0),
                            1 => ("±1 ET", pal.ton(Ton::Attention).0),
                            _ => ("±2 ET", pal.ton(Ton::Danger).0),
                        };
                        p.line(Line::new(name, line).color(color));
                    }
                    if !points.is_empty() {
                        p.points(
                            Points::new("l'enfant", points)
                                .radius(4.0)
                                .color(pal.primaire),
                        );
                    }
                });
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bundled LMS give back the WHO's own SD columns (rounded to
    /// 0.1 in the tables).
    #[test]
    fn lms_curves_match_the_who_sd_tables() {
        let girls = table("poids", "F");
        assert_eq!(girls.len(), 61);
        let m12 = girls[12];
        assert_eq!(m12.mois, 12);
        // wfa girls 12 months: SD2neg 7.0, SD0 8.9, SD2 11.5.
        assert!((m12.valeur(-2.0) - 7.0).abs() < 0.06);
        assert!((m12.valeur(0.0) - 8.9).abs() < 0.06);
        assert!((m12.valeur(2.0) - 11.5).abs() < 0.06);
        let boys = table("taille", "M");
        assert_eq!(boys.len(), 61);
        // BMI is continuous across the 24-month junction of the tables.
        let imc = table("imc", "M");
        assert_eq!(imc.len(), 61);
        assert!(!table("perimetre-cranien", "F").is_empty());
    }

    #[test]
    fn age_in_months() {
        let born = Day::parse("2026-02-14").unwrap();
        let a = age_mois(born, Day::parse("2026-11-14").unwrap());
        assert!((a - 9.0).abs() < 0.1, "{a}");
    }
}
