//! The JDV « Circuit de la biologie »: one row per analyte carrying a
//! result (LOINC), read from a grid of cells.
//!
//! The official spreadsheet's columns moved between versions (from JDV CBIO
//! 1.1.22 the columns from AA on shifted by two, when « Correspondance »
//! and « Facteur de conversion des unités » came in), so every column is
//! found by its header's words, never by its letter.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Column V « Niveau minimum de comparabilité ».
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Comparabilite {
    /// 1: comparable whatever the technique, in the same unit (or after
    /// conversion).
    Comparable,
    /// 2: not necessarily comparable from one laboratory to another.
    AVerifier,
    /// 9: not evaluated.
    NonEvaluee,
}

impl Comparabilite {
    /// The level as the spreadsheet writes it (`1`, `2`, `9`; a number cell
    /// may come as `1.0`).
    pub fn depuis(texte: &str) -> Option<Self> {
        match texte.trim().trim_end_matches(".0") {
            "1" => Some(Self::Comparable),
            "2" => Some(Self::AVerifier),
            "9" => Some(Self::NonEvaluee),
            _ => None,
        }
    }

    pub fn niveau(self) -> u8 {
        match self {
            Self::Comparable => 1,
            Self::AVerifier => 2,
            Self::NonEvaluee => 9,
        }
    }

    /// What the user must be told when results of this level are compared
    /// (DSR §3.2.2, « Application des règles de comparabilité »).
    pub fn avertissement(self) -> Option<&'static str> {
        match self {
            Self::Comparable => None,
            Self::AVerifier => Some(
                "Ces résultats ne sont pas nécessairement comparables d'un laboratoire à l'autre : \
                 vérifiez au moins les valeurs de référence.",
            ),
            Self::NonEvaluee => Some(
                "La comparabilité de ces analyses n'a pas été évaluée (JDV Circuit de la biologie) : \
                 vérifiez les valeurs de référence avant de les comparer.",
            ),
        }
    }
}

/// One analyte of the value set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ligne {
    pub loinc: String,
    /// « Libellés français de référence ».
    pub libelle: String,
    /// « Libellés d'édition », the short name doctors read.
    pub libelle_edition: String,
    pub comparabilite: Comparabilite,
    /// « Liste restreinte O/N »: the most prescribed analyses.
    pub restreinte: bool,
    pub unite_recommandee: String,
    pub unite_ucum: String,
    /// The LOINC of the same analyte in the other kind of unit (mass ↔
    /// molar).
    pub correspondance: Option<String>,
    /// Multiplies a result in this row's UCUM unit into the
    /// correspondence's UCUM unit.
    pub facteur: Option<f64>,
}

impl Ligne {
    /// The name to show: the edition label, else the reference one.
    pub fn nom(&self) -> &str {
        if self.libelle_edition.trim().is_empty() {
            &self.libelle
        } else {
            &self.libelle_edition
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ErreurJdv {
    #[error(
        "ce fichier n'est pas le JDV Circuit de la biologie : aucune ligne d'en-tête ne nomme « {0} »"
    )]
    ColonneAbsente(&'static str),
    #[error("le JDV ne contient aucune analyse")]
    Vide,
    #[error("le JDV dépasse {0} lignes")]
    TropDeLignes(usize),
    #[error("fichier illisible : {0}")]
    Illisible(String),
}

/// Most rows a JDV may have (the official one has a few thousand).
pub const LIGNES_MAX: usize = 200_000;

/// The value set, by LOINC.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Jdv {
    lignes: BTreeMap<String, Ligne>,
    /// Where it came from, e.g. « extrait embarqué » or the file's name.
    pub origine: String,
    /// What the reading met and how it was settled, in French (a row
    /// given twice, a level that is not 1, 2 or 9…).
    pub remarques: Vec<String>,
}

/// The bundled extract: the rows the DSR quotes (its typos settled, see
/// the file's comments) and the analytes of the official CR-BIO examples.
const EXTRAIT: &str = include_str!("../jdv-circuit-biologie-extrait.tsv");

impl Jdv {
    /// The extract bundled with Esculape, until the practice loads the
    /// full file.
    pub fn embarque() -> Result<Jdv, ErreurJdv> {
        let grille: Vec<Vec<String>> = EXTRAIT
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(|l| l.split('\t').map(str::to_string).collect())
            .collect();
        Jdv::depuis_grille(&grille, "extrait embarqué")
    }

    /// Rows read from a grid of cells (a spreadsheet's sheet, the bundled
    /// extract): the header row is the first that names both « LOINC » and
    /// « comparabilité »; the LOINC column is the one nearest to the left
    /// of the comparability column (the sheet has LOINC columns for the
    /// batteries too); the other columns are found by their words right of
    /// it.
    pub fn depuis_grille(grille: &[Vec<String>], origine: &str) -> Result<Jdv, ErreurJdv> {
        if grille.len() > LIGNES_MAX {
            return Err(ErreurJdv::TropDeLignes(LIGNES_MAX));
        }
        let (n_entete, colonnes) = grille
            .iter()
            .enumerate()
            .find_map(|(i, ligne)| Colonnes::de(ligne).map(|c| (i, c)))
            .ok_or_else(|| {
                // say which header is missing, the most telling first
                let tout: Vec<String> = grille.iter().take(50).flatten().map(|c| mots(c)).collect();
                let a = |m: &str| tout.iter().any(|c| c.contains(m));
                ErreurJdv::ColonneAbsente(if !a("loinc") {
                    "LOINC"
                } else if !a("comparabilite") {
                    "Niveau minimum de comparabilité"
                } else {
                    "Unité UCUM"
                })
            })?;
        let mut jdv = Jdv {
            lignes: BTreeMap::new(),
            origine: origine.to_string(),
            remarques: Vec::new(),
        };
        for (i, ligne) in grille.iter().enumerate().skip(n_entete + 1) {
            let cellule = |c: Option<usize>| {
                c.and_then(|c| ligne.get(c))
                    .map(|s| s.trim().to_string())
                    .unwrap_or_default()
            };
            let loinc = cellule(Some(colonnes.loinc));
            if !est_loinc(&loinc) {
                continue; // chapter titles, blank rows
            }
            let niveau = cellule(Some(colonnes.comparabilite));
            let comparabilite = match Comparabilite::depuis(&niveau) {
                Some(c) => c,
                None => {
                    jdv.remarques.push(format!(
                        "ligne {} ({loinc}) : niveau de comparabilité « {niveau} » lu comme 9 (non évaluée)",
                        i + 1
                    ));
                    Comparabilite::NonEvaluee
                }
            };
            let facteur = cellule(colonnes.facteur);
            let facteur = if facteur.is_empty() {
                None
            } else {
                match facteur.replace(',', ".").parse::<f64>() {
                    Ok(f) if f.is_finite() && f > 0.0 => Some(f),
                    _ => {
                        jdv.remarques.push(format!(
                            "ligne {} ({loinc}) : facteur de conversion « {facteur} » illisible, ignoré",
                            i + 1
                        ));
                        None
                    }
                }
            };
            let correspondance = Some(cellule(colonnes.correspondance)).filter(|c| est_loinc(c));
            let unite_ucum = cellule(Some(colonnes.unite_ucum));
            let nouvelle = Ligne {
                libelle: cellule(colonnes.libelle),
                libelle_edition: cellule(colonnes.libelle_edition),
                comparabilite,
                restreinte: cellule(colonnes.restreinte).eq_ignore_ascii_case("O"),
                unite_recommandee: Some(cellule(colonnes.unite_recommandee))
                    .filter(|u| !u.is_empty())
                    .unwrap_or_else(|| unite_ucum.clone()),
                unite_ucum,
                correspondance,
                facteur,
                loinc: loinc.clone(),
            };
            match jdv.lignes.get(&loinc) {
                Some(deja) if *deja == nouvelle => jdv
                    .remarques
                    .push(format!("ligne {} ({loinc}) : en double, lue une fois", i + 1)),
                Some(_) => jdv.remarques.push(format!(
                    "ligne {} ({loinc}) : autre définition d'une analyse déjà lue, la première est gardée",
                    i + 1
                )),
                None => {
                    jdv.lignes.insert(loinc, nouvelle);
                }
            }
        }
        if jdv.lignes.is_empty() {
            return Err(ErreurJdv::Vide);
        }
        Ok(jdv)
    }

    pub fn ligne(&self, loinc: &str) -> Option<&Ligne> {
        self.lignes.get(loinc.trim())
    }

    pub fn len(&self) -> usize {
        self.lignes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lignes.is_empty()
    }

    pub fn lignes(&self) -> impl Iterator<Item = &Ligne> {
        self.lignes.values()
    }

    /// The analytes whose names hold every word asked, a usual synonym
    /// counting as the word (« kaliémie » finds « Potassium »), or whose
    /// LOINC is the one asked; the restricted list first.
    pub fn chercher(&self, demande: &str) -> Vec<&Ligne> {
        let demande = mots(demande);
        let termes: Vec<Vec<String>> = demande
            .split_whitespace()
            .map(|t| {
                let mut v = vec![t.to_string()];
                for (a, b) in SYNONYMES {
                    if t == *a {
                        v.push(b.to_string());
                    }
                    if t == *b {
                        v.push(a.to_string());
                    }
                }
                v
            })
            .collect();
        if termes.is_empty() {
            return Vec::new();
        }
        let mut trouvees: Vec<&Ligne> = self
            .lignes
            .values()
            .filter(|l| {
                if l.loinc == demande {
                    return true;
                }
                let nom = mots(&format!("{} {}", l.libelle, l.libelle_edition));
                termes
                    .iter()
                    .all(|t| t.iter().any(|m| nom.contains(m.as_str())))
            })
            .collect();
        trouvees.sort_by_key(|l| !l.restreinte);
        trouvees
    }
}

/// The usual names of an analyte beside the value set's words (both
/// written as `mots` gives them).
const SYNONYMES: &[(&str, &str)] = &[
    ("kaliemie", "potassium"),
    ("natremie", "sodium"),
    ("chloremie", "chlorure"),
    ("calcemie", "calcium"),
    ("magnesemie", "magnesium"),
    ("phosphoremie", "phosphate"),
    ("glycemie", "glucose"),
    ("creatininemie", "creatinine"),
    ("uremie", "uree"),
    ("uricemie", "acide urique"),
    ("ferritinemie", "ferritine"),
    ("sideremie", "fer"),
    ("cholesterolemie", "cholesterol"),
    ("triglyceridemie", "triglycerides"),
    ("tsh", "thyreostimuline"),
    ("t4l", "thyroxine libre"),
    ("crp", "proteine c reactive"),
    ("hba1c", "hemoglobine glyquee"),
    ("vgm", "volume globulaire moyen"),
    ("inr", "rapport normalise international"),
];

/// Lower case, no accents, single spaces: how names are compared.
pub fn mots(s: &str) -> String {
    let plie: String = s
        .to_lowercase()
        .chars()
        .map(|c| match c {
            'à' | 'â' | 'ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' => 'i',
            'ô' | 'ö' => 'o',
            'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            '’' => '\'',
            c => c,
        })
        .collect();
    plie.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A LOINC code's shape: digits, a dash, one check digit.
fn est_loinc(s: &str) -> bool {
    match s.split_once('-') {
        Some((n, c)) => {
            !n.is_empty()
                && n.len() <= 7
                && n.bytes().all(|b| b.is_ascii_digit())
                && c.len() == 1
                && c.bytes().all(|b| b.is_ascii_digit())
        }
        None => false,
    }
}

/// Where each column is, found by its header's words.
struct Colonnes {
    loinc: usize,
    libelle: Option<usize>,
    libelle_edition: Option<usize>,
    comparabilite: usize,
    restreinte: Option<usize>,
    unite_recommandee: Option<usize>,
    unite_ucum: usize,
    correspondance: Option<usize>,
    facteur: Option<usize>,
}

impl Colonnes {
    fn de(entete: &[String]) -> Option<Colonnes> {
        let noms: Vec<String> = entete.iter().map(|c| mots(c)).collect();
        let comparabilite = noms.iter().position(|n| n.contains("comparabilite"))?;
        let loinc = noms[..comparabilite].iter().rposition(|n| n == "loinc")?;
        let apres = |f: &dyn Fn(&str) -> bool| {
            noms.iter()
                .enumerate()
                .skip(loinc + 1)
                .find(|(_, n)| f(n))
                .map(|(i, _)| i)
        };
        Some(Colonnes {
            loinc,
            libelle: apres(&|n| {
                n.starts_with("libelles francais") || n.starts_with("libelle francais")
            }),
            libelle_edition: apres(&|n| {
                n.starts_with("libelles d'edition") || n.starts_with("libelle d'edition")
            }),
            comparabilite,
            restreinte: apres(&|n| n.contains("liste restreinte")),
            unite_recommandee: apres(&|n| n.contains("unite recommandee")),
            unite_ucum: apres(&|n| n.contains("unite ucum"))?,
            correspondance: apres(&|n| n.starts_with("correspondance")),
            facteur: apres(&|n| n.contains("facteur de conversion")),
        })
    }
}
