//! The code officiel géographique (COG) of birth places (SC.INS.01–03).
//!
//! The bundled default (`data/cog-communes.tsv`) comes from the npm
//! package `@etalab/decoupage-administratif` (Etalab / INSEE data under the
//! Licence Ouverte 2.0): every current commune, delegated and associated
//! commune and municipal arrondissement, with the former codes of merged
//! communes. It has no validity dates, no countries or territories abroad
//! (99xxx) and no communes of the overseas collectivities: those come from
//! the INSEE files ([`insee`], `esculape cog import DIR`), which carry the
//! history since 1943. "INCONNU" is 99999, only when typed.
//!
//! File format (TSV, `#` comments): code, name, nature, the current place
//! it belongs to or was merged into, former codes (comma-separated), and
//! optionally the validity dates `AAAA-MM-JJ` (start included, end
//! excluded, empty when open or unknown).

pub mod insee;

use crate::identity::normalize_name;
use std::collections::HashMap;
use std::sync::OnceLock;

/// The birth place code of an unknown place, only when typed as such.
pub const INCONNU: &str = "99999";

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Nature {
    Commune,
    /// Commune déléguée of a commune nouvelle.
    Deleguee,
    /// Commune associée.
    Associee,
    /// Arrondissement municipal (Paris, Lyon, Marseille).
    Arrondissement,
    /// A code that is no longer in use, merged into another commune.
    Ancienne,
    /// 99999: a birth place typed as unknown.
    Inconnu,
    /// A country abroad (99xxx).
    Pays,
    /// A territory abroad with its own code (99xxx).
    Territoire,
    /// A commune of an overseas collectivity (975, 977, 978, 986–988).
    OutreMer,
}

/// What a code designates.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct Lieu {
    pub code: String,
    pub nom: String,
    pub nature: Nature,
    /// The current commune this place belongs to or was merged into.
    pub commune_actuelle: Option<String>,
    /// Validity of the code for this place (`AAAA-MM-JJ`, end excluded),
    /// when the referential knows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub debut: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fin: Option<String>,
}

struct Ligne {
    code: String,
    nom: String,
    nature: Nature,
    parent: Option<String>,
    debut: Option<String>,
    fin: Option<String>,
}

impl Ligne {
    /// Whether the code designated this place on `date` (`AAAA-MM-JJ`);
    /// `None` when the referential has no dates for it.
    fn en_vigueur(&self, date: &str) -> Option<bool> {
        if self.debut.is_none() && self.fin.is_none() {
            return None;
        }
        Some(
            self.debut.as_deref().is_none_or(|d| d <= date)
                && self.fin.as_deref().is_none_or(|f| date < f),
        )
    }
}

/// A COG referential: lookups by code (current or former), by name, and
/// by date.
pub struct Referentiel {
    lignes: Vec<Ligne>,
    /// The current place of each code.
    par_code: HashMap<String, usize>,
    /// Every line of each code, current or not.
    historique: HashMap<String, Vec<usize>>,
    /// Former code → the current commune that took it over.
    anciens: HashMap<String, usize>,
    /// Normalised name (as identities store names), sorted, → line.
    noms: Vec<(String, usize)>,
}

#[derive(Debug, thiserror::Error)]
#[error("référentiel COG illisible, ligne {ligne}: {raison}")]
pub struct CogError {
    pub ligne: usize,
    pub raison: String,
}

impl Referentiel {
    /// Read the TSV format (`code, name, kind, parent, former codes[,
    /// start, end]`; `#` lines are comments).
    pub fn parse(tsv: &str) -> Result<Self, CogError> {
        let mut r = Self {
            lignes: Vec::new(),
            par_code: HashMap::new(),
            historique: HashMap::new(),
            anciens: HashMap::new(),
            noms: Vec::new(),
        };
        for (n, line) in tsv.lines().enumerate() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let f: Vec<&str> = line.split('\t').collect();
            let bad = |raison: &str| CogError {
                ligne: n + 1,
                raison: raison.into(),
            };
            let (code, nom, nature, parent, former, debut, fin) = match f[..] {
                [c, n, k, p, a] => (c, n, k, p, a, "", ""),
                [c, n, k, p, a, d, e] => (c, n, k, p, a, d, e),
                _ => return Err(bad("5 ou 7 colonnes attendues")),
            };
            if code.len() != 5 {
                return Err(bad("code de 5 caractères attendu"));
            }
            let date = |d: &str| -> Result<Option<String>, CogError> {
                if d.is_empty() {
                    return Ok(None);
                }
                crate::calendar::Day::parse(d)
                    .map(|_| Some(d.to_string()))
                    .map_err(|_| bad("date AAAA-MM-JJ attendue"))
            };
            let (debut, fin) = (date(debut)?, date(fin)?);
            let nature = match nature {
                "commune" => Nature::Commune,
                "deleguee" => Nature::Deleguee,
                "associee" => Nature::Associee,
                "arrondissement" => Nature::Arrondissement,
                "ancienne" => Nature::Ancienne,
                "pays" => Nature::Pays,
                "territoire" => Nature::Territoire,
                "outre_mer" => Nature::OutreMer,
                _ => return Err(bad("nature inconnue")),
            };
            let i = r.lignes.len();
            r.historique.entry(code.to_string()).or_default().push(i);
            // A delegated commune often keeps the code of its commune
            // nouvelle: the current commune wins the code. A code no
            // longer in use is not current.
            let current = fin.is_none() && nature != Nature::Ancienne;
            if current && (nature == Nature::Commune || !r.par_code.contains_key(code)) {
                r.par_code.insert(code.to_string(), i);
            }
            for a in former.split(',').filter(|a| !a.is_empty()) {
                r.anciens.insert(a.to_string(), i);
            }
            r.noms.push((normalize_name(nom), i));
            r.lignes.push(Ligne {
                code: code.to_string(),
                nom: nom.to_string(),
                nature,
                parent: Some(parent.to_string()).filter(|p| !p.is_empty() && p != code),
                debut,
                fin,
            });
        }
        r.noms.sort();
        Ok(r)
    }

    /// The referential bundled with the product.
    pub fn bundled() -> &'static Self {
        static R: OnceLock<Referentiel> = OnceLock::new();
        R.get_or_init(|| {
            Self::parse(include_str!("../data/cog-communes.tsv"))
                .unwrap_or_else(|e| panic!("COG livré: {e}"))
        })
    }

    fn lieu(&self, i: usize) -> Lieu {
        let l = &self.lignes[i];
        Lieu {
            code: l.code.clone(),
            nom: l.nom.clone(),
            nature: l.nature,
            commune_actuelle: l.parent.clone(),
            debut: l.debut.clone(),
            fin: l.fin.clone(),
        }
    }

    /// What a code designates: a commune (current, delegated, associated,
    /// arrondissement), a former code and the commune that took it over,
    /// or 99999.
    pub fn code(&self, code: &str) -> Option<Lieu> {
        let code = code.trim().to_ascii_uppercase();
        if code == INCONNU {
            return Some(Lieu {
                code,
                nom: "INCONNU".into(),
                nature: Nature::Inconnu,
                commune_actuelle: None,
                debut: None,
                fin: None,
            });
        }
        if let Some(&i) = self.par_code.get(&code) {
            return Some(self.lieu(i));
        }
        // A code no longer in use: its last place, if the history has it.
        if let Some(&i) = self.historique.get(&code).and_then(|h| h.last()) {
            let mut l = self.lieu(i);
            l.nature = Nature::Ancienne;
            if l.commune_actuelle.is_none() {
                l.commune_actuelle = self
                    .anciens
                    .get(&code)
                    .map(|&c| self.lignes[c].code.clone());
            }
            return Some(l);
        }
        let &i = self.anciens.get(&code)?;
        let now = self.lieu(i);
        Some(Lieu {
            code,
            nom: now.nom.clone(),
            nature: Nature::Ancienne,
            commune_actuelle: Some(now.code),
            debut: None,
            fin: None,
        })
    }

    /// What a code designated on `date` (`AAAA-MM-JJ`): the place whose
    /// validity covers the date; without dates in the referential, what
    /// the code designates now.
    pub fn code_le(&self, code: &str, date: &str) -> Option<Lieu> {
        let code = code.trim().to_ascii_uppercase();
        let lines = self.historique.get(&code);
        if let Some(&i) = lines
            .into_iter()
            .flatten()
            .find(|&&i| self.lignes[i].en_vigueur(date) == Some(true))
        {
            let mut l = self.lieu(i);
            if l.fin.is_some() {
                l.nature = Nature::Ancienne;
            }
            return Some(l);
        }
        let dated = lines
            .into_iter()
            .flatten()
            .any(|&i| self.lignes[i].en_vigueur(date).is_some());
        if dated { None } else { self.code(&code) }
    }

    /// The codes a birth on `date` in the place that is now the commune
    /// `actuelle` may carry: the commune's own code and those of the
    /// communes merged into it, each kept when it was in force on that
    /// date (or when the referential has no dates for it), those known to
    /// be in force first.
    pub fn codes_a_la_naissance(&self, actuelle: &str, date: &str) -> Vec<Lieu> {
        let actuelle = actuelle.trim().to_ascii_uppercase();
        let mut codes: Vec<String> = vec![actuelle.clone()];
        let target = self.par_code.get(&actuelle).copied();
        let mut former: Vec<&String> = self
            .anciens
            .iter()
            .filter(|(_, i)| Some(**i) == target)
            .map(|(c, _)| c)
            .collect();
        former.sort();
        codes.extend(former.into_iter().cloned());
        // Communes of the history merged into it, with their dates.
        let mut merged: Vec<&str> = self
            .lignes
            .iter()
            .filter(|l| l.fin.is_some() && l.parent.as_deref() == Some(actuelle.as_str()))
            .map(|l| l.code.as_str())
            .collect();
        merged.sort();
        for c in merged {
            if !codes.iter().any(|x| x == c) {
                codes.push(c.to_string());
            }
        }
        let mut out: Vec<(bool, Lieu)> = vec![];
        for c in codes {
            let lines = self.historique.get(&c);
            let in_force = lines
                .into_iter()
                .flatten()
                .find(|&&i| self.lignes[i].en_vigueur(date) == Some(true));
            let dated = lines
                .into_iter()
                .flatten()
                .any(|&i| self.lignes[i].en_vigueur(date).is_some());
            match in_force {
                Some(&i) => out.push((true, self.lieu(i))),
                None if !dated => {
                    if let Some(l) = self.code(&c) {
                        out.push((false, l));
                    }
                }
                None => {}
            }
        }
        out.sort_by_key(|(known, _)| !known);
        out.into_iter().map(|(_, l)| l).collect()
    }

    /// Number of lines of each nature.
    pub fn count(&self, nature: Nature) -> usize {
        self.lignes.iter().filter(|l| l.nature == nature).count()
    }

    /// Places whose name starts with `prefix` (case, accents, hyphens and
    /// apostrophes as identities store them), at most `limit`, current
    /// communes first.
    pub fn nom(&self, prefix: &str, limit: usize) -> Vec<Lieu> {
        let p = normalize_name(prefix);
        if p.is_empty() {
            return vec![];
        }
        let from = self.noms.partition_point(|(n, _)| n.as_str() < p.as_str());
        let mut out: Vec<Lieu> = self.noms[from..]
            .iter()
            .take_while(|(n, _)| n.starts_with(&p))
            .map(|(_, i)| self.lieu(*i))
            .collect();
        out.sort_by_key(|l| {
            (
                l.nature != Nature::Commune,
                l.fin.is_some(),
                l.nom.len(),
                l.code.clone(),
            )
        });
        out.truncate(limit);
        out
    }

    /// Current communes in the referential.
    pub fn communes(&self) -> usize {
        self.count(Nature::Commune)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_referential() {
        let r = Referentiel::bundled();
        assert!(r.communes() > 34_000, "{}", r.communes());
        let l = r.code("2A004").unwrap();
        assert_eq!((l.nom.as_str(), l.nature), ("Ajaccio", Nature::Commune));
        assert_eq!(r.code("2a004").unwrap().code, "2A004");
        assert_eq!(r.code("97101").unwrap().nom, "Les Abymes");
        // A delegated commune keeps its code, inside its commune nouvelle;
        // a code no longer in use leads to the commune that took it over.
        let delegated = r.code("01340").unwrap();
        assert_eq!(delegated.nature, Nature::Deleguee);
        assert_eq!(delegated.commune_actuelle.as_deref(), Some("01015"));
        let old = r.code("01126").unwrap();
        assert_eq!(old.nature, Nature::Ancienne);
        assert_eq!(old.commune_actuelle.as_deref(), Some("01033"));
        // Arrondissements belong to their commune.
        let a = r.code("75112").unwrap();
        assert_eq!(a.nature, Nature::Arrondissement);
        assert_eq!(a.commune_actuelle.as_deref(), Some("75056"));
        // Unknown, typed only; nonsense is not found.
        assert_eq!(r.code("99999").unwrap().nature, Nature::Inconnu);
        assert!(r.code("00000").is_none());
        // By name, accents and case aside, current communes first.
        let found = r.nom("ajacc", 5);
        assert_eq!(found[0].code, "2A004");
        assert!(r.nom("saint-etienne", 50).iter().any(|l| l.code == "42218"));
        assert!(r.nom("", 5).is_empty());
    }

    #[test]
    fn a_damaged_file_is_refused_with_its_line() {
        let e = Referentiel::parse("# c\n01001\tX\tcommune\n")
            .err()
            .unwrap();
        assert_eq!(e.ligne, 2);
        assert!(Referentiel::parse("01001\tX\tville\t\t\n").is_err());
    }
}
