//! The code officiel géographique (COG) of birth places (SC.INS.01–03).
//!
//! The bundled default (`data/cog-communes.tsv`) comes from the npm
//! package `@etalab/decoupage-administratif` (Etalab / INSEE data under the
//! Licence Ouverte 2.0): every current commune, delegated and associated
//! commune and municipal arrondissement, with the former codes of merged
//! communes. It has no validity dates and no countries or territories
//! abroad (99xxx): those come from the INSEE files. "INCONNU" is 99999,
//! only when typed.

use crate::identity::normalize_name;
use std::collections::HashMap;
use std::sync::OnceLock;

/// The birth place code of an unknown place, only when typed as such.
pub const INCONNU: &str = "99999";

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
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
}

/// What a code designates.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Lieu {
    pub code: String,
    pub nom: String,
    pub nature: Nature,
    /// The current commune this place belongs to or was merged into.
    pub commune_actuelle: Option<String>,
}

struct Ligne {
    code: String,
    nom: String,
    nature: Nature,
    parent: Option<String>,
}

/// A COG referential: lookups by code (current or former) and by name.
pub struct Referentiel {
    lignes: Vec<Ligne>,
    par_code: HashMap<String, usize>,
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
    /// Read the bundled TSV format (`code, name, kind, parent, former
    /// codes`; `#` lines are comments).
    pub fn parse(tsv: &str) -> Result<Self, CogError> {
        let mut r = Self {
            lignes: Vec::new(),
            par_code: HashMap::new(),
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
            let [code, nom, nature, parent, former] = f[..] else {
                return Err(bad("5 colonnes attendues"));
            };
            if code.len() != 5 {
                return Err(bad("code de 5 caractères attendu"));
            }
            let nature = match nature {
                "commune" => Nature::Commune,
                "deleguee" => Nature::Deleguee,
                "associee" => Nature::Associee,
                "arrondissement" => Nature::Arrondissement,
                _ => return Err(bad("nature inconnue")),
            };
            let i = r.lignes.len();
            // A delegated commune often keeps the code of its commune
            // nouvelle: the current commune wins the code.
            if nature == Nature::Commune || !r.par_code.contains_key(code) {
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
            });
        }
        if let Some(&i) = self.par_code.get(&code) {
            return Some(self.lieu(i));
        }
        let &i = self.anciens.get(&code)?;
        let now = self.lieu(i);
        Some(Lieu {
            code,
            nom: now.nom.clone(),
            nature: Nature::Ancienne,
            commune_actuelle: Some(now.code),
        })
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
        out.sort_by_key(|l| (l.nature != Nature::Commune, l.nom.len(), l.code.clone()));
        out.truncate(limit);
        out
    }

    /// Current communes in the referential.
    pub fn communes(&self) -> usize {
        self.lignes
            .iter()
            .filter(|l| l.nature == Nature::Commune)
            .count()
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
