//! A patient's results of one analyte on one curve (DSR §3.2.2,
//! « Application des règles de comparabilité » and « des facteurs de
//! conversion »).
//!
//! The curve is in the analyte's UCUM unit from the JDV. A result in a unit
//! that differs by a prefix is pre-converted (UCUM); a result of the
//! corresponding LOINC (the same analyte in mass rather than moles, or the
//! reverse) is pre-converted to that row's UCUM unit and multiplied by its
//! factor. What cannot be converted stays off the curve, with why. The
//! comparability level of the rows used says which warning goes with the
//! curve.

use crate::jdv::{Comparabilite, Jdv};
use crate::unites::{arrondi, facteur};
use serde::{Deserialize, Serialize};

/// One result as the record holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resultat {
    pub loinc: String,
    pub valeur: f64,
    pub unite: String,
    /// When the specimen was taken, sortable (ISO 8601).
    pub quand: String,
    pub laboratoire: Option<String>,
}

/// How a point's value was obtained from what the report said.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conversion {
    /// The value and unit as reported.
    pub valeur: f64,
    pub unite: String,
    pub loinc: String,
    /// In French, e.g. « 1,05 g/L × 5,551 (facteur du JDV, 2345-7 → 14749-6) ».
    pub explication: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// Position of the result in the list given.
    pub indice: usize,
    pub quand: String,
    /// In the curve's unit.
    pub valeur: f64,
    pub laboratoire: Option<String>,
    pub conversion: Option<Conversion>,
}

/// A result left off the curve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ecarte {
    pub indice: usize,
    pub raison: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tendance {
    pub loinc: String,
    pub nom: String,
    /// The curve's unit (the JDV's UCUM unit of the analyte).
    pub unite: String,
    /// The least comparable level of the rows the points come from; none
    /// for an analyte outside the value set.
    pub comparabilite: Option<Comparabilite>,
    /// In the order of time.
    pub points: Vec<Point>,
    pub ecartes: Vec<Ecarte>,
    /// What the user must read beside the curve, in French.
    pub avertissements: Vec<String>,
}

/// A number as a French report prints it.
fn fr(v: f64) -> String {
    arrondi(v).to_string().replace('.', ",")
}

/// The curve of analyte `loinc` from `resultats` (those of other analytes
/// are passed over, except its correspondence's).
pub fn tendance(jdv: &Jdv, loinc: &str, resultats: &[Resultat]) -> Tendance {
    let ligne = jdv.ligne(loinc);
    let correspondante = ligne
        .and_then(|l| l.correspondance.as_deref())
        .and_then(|c| jdv.ligne(c));
    // outside the value set: the unit of the latest result
    let unite = match ligne {
        Some(l) => l.unite_ucum.clone(),
        None => resultats
            .iter()
            .filter(|r| r.loinc == loinc)
            .max_by(|a, b| a.quand.cmp(&b.quand))
            .map(|r| r.unite.clone())
            .unwrap_or_default(),
    };
    let mut t = Tendance {
        loinc: loinc.to_string(),
        nom: ligne.map(|l| l.nom().to_string()).unwrap_or_default(),
        unite: unite.clone(),
        comparabilite: ligne.map(|l| l.comparabilite),
        points: Vec::new(),
        ecartes: Vec::new(),
        avertissements: Vec::new(),
    };
    for (indice, r) in resultats.iter().enumerate() {
        if !r.valeur.is_finite() {
            continue;
        }
        let converti = if r.loinc == loinc {
            match facteur(&r.unite, &unite) {
                Some(1.0) => Ok(None),
                Some(f) => Ok(Some((
                    r.valeur * f,
                    format!(
                        "{} {} exprimé en {unite} (unités UCUM)",
                        fr(r.valeur),
                        r.unite
                    ),
                ))),
                None => Err(format!(
                    "unité « {} » non convertible en « {unite} »",
                    r.unite
                )),
            }
        } else if let (Some(l), Some(c)) = (ligne, correspondante)
            && r.loinc == c.loinc
        {
            // the row of the result's own LOINC converts it to its
            // correspondence (ours); else our row's factor, inverted
            let f_jdv = match (c.facteur, c.correspondance.as_deref(), l.facteur) {
                (Some(f), Some(vers), _) if vers == loinc => Some(f),
                (_, _, Some(f)) => Some(1.0 / f),
                _ => None,
            };
            match (facteur(&r.unite, &c.unite_ucum), f_jdv) {
                (Some(pre), Some(f)) => Ok(Some((
                    r.valeur * pre * f,
                    format!(
                        "{} {} × {} (facteur du JDV, {} → {loinc})",
                        fr(r.valeur),
                        r.unite,
                        fr(pre * f),
                        c.loinc
                    ),
                ))),
                (None, _) => Err(format!(
                    "unité « {} » non convertible en « {} » ({})",
                    r.unite, c.unite_ucum, c.loinc
                )),
                (_, None) => Err(format!(
                    "pas de facteur de conversion dans le JDV entre {} et {loinc}",
                    c.loinc
                )),
            }
        } else {
            continue;
        };
        match converti {
            Ok(conv) => {
                if r.loinc != loinc
                    && let Some(c) = correspondante
                    && t.comparabilite.is_some_and(|n| c.comparabilite > n)
                {
                    t.comparabilite = Some(c.comparabilite);
                }
                t.points.push(Point {
                    indice,
                    quand: r.quand.clone(),
                    valeur: conv.as_ref().map(|(v, _)| arrondi(*v)).unwrap_or(r.valeur),
                    laboratoire: r.laboratoire.clone(),
                    conversion: conv.map(|(_, explication)| Conversion {
                        valeur: r.valeur,
                        unite: r.unite.clone(),
                        loinc: r.loinc.clone(),
                        explication,
                    }),
                })
            }
            Err(raison) => t.ecartes.push(Ecarte { indice, raison }),
        }
    }
    t.points.sort_by(|a, b| a.quand.cmp(&b.quand));
    match t.comparabilite {
        None if !t.points.is_empty() => t.avertissements.push(format!(
            "Analyse {loinc} absente du JDV Circuit de la biologie chargé : comparabilité non évaluée, \
             seuls les résultats dans la même unité sont réunis."
        )),
        Some(c) if !t.points.is_empty() => {
            if let Some(a) = c.avertissement() {
                t.avertissements.push(a.to_string());
            }
        }
        _ => {}
    }
    if !t.ecartes.is_empty() {
        t.avertissements.push(format!(
            "{} résultat(s) hors de la courbe : unité non convertible selon les règles.",
            t.ecartes.len()
        ));
    }
    t
}
