//! The official INSEE files of the code officiel géographique, read into
//! the referential's TSV format (`esculape cog import DIR`).
//!
//! Files (comma-separated, UTF-8, header line, as published each year at
//! insee.fr, "Code officiel géographique"):
//! - `v_commune_AAAA.csv` (required): `TYPECOM, COM, …, LIBELLE, …,
//!   COMPARENT`: communes, communes associées (COMA) and déléguées (COMD),
//!   arrondissements municipaux (ARM) at 1 January;
//! - `v_commune_depuis_1943.csv`: `COM, …, LIBELLE, DATE_DEBUT, DATE_FIN`:
//!   every code and name since 1943 with its validity;
//! - `v_mvt_commune_AAAA.csv`: `MOD, DATE_EFF, TYPECOM_AV, COM_AV, …,
//!   TYPECOM_AP, COM_AP, …`: the events (mergers, changes of code);
//! - `v_pays_territoire_AAAA.csv` (or `v_pays_AAAA.csv`): `COG, ACTUAL,
//!   CRPAY, ANI, LIBCOG, …`: countries and territories abroad (99xxx);
//! - `v_comer_AAAA.csv`: `COM_COMER, …, LIBELLE, …, COMER, …`: communes of
//!   the overseas collectivities.
//!
//! Columns are found by their header name, so that a column added by a
//! later vintage does not break the import.

use std::collections::{BTreeMap, HashMap};

/// The INSEE files' contents; only `communes` is required.
#[derive(Default)]
pub struct Fichiers<'a> {
    pub communes: &'a str,
    pub historique: Option<&'a str>,
    pub mouvements: Option<&'a str>,
    pub pays: Option<&'a str>,
    pub outre_mer: Option<&'a str>,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{fichier}: colonne {colonne} absente")]
    Colonne {
        fichier: &'static str,
        colonne: &'static str,
    },
    #[error("{fichier}, ligne {ligne}: {raison}")]
    Ligne {
        fichier: &'static str,
        ligne: usize,
        raison: String,
    },
}

/// What an import read.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct Bilan {
    pub communes: usize,
    pub communes_rattachees: usize,
    pub codes_historiques: usize,
    pub pays_et_territoires: usize,
    pub outre_mer: usize,
}

struct Table<'a> {
    fichier: &'static str,
    rows: Vec<csv::StringRecord>,
    index: HashMap<String, usize>,
    _text: std::marker::PhantomData<&'a str>,
}

impl<'a> Table<'a> {
    fn read(fichier: &'static str, text: &'a str) -> Result<Self, ImportError> {
        let text = text.trim_start_matches('\u{feff}');
        let mut r = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(text.as_bytes());
        let bad = |ligne: usize, e: csv::Error| ImportError::Ligne {
            fichier,
            ligne,
            raison: e.to_string(),
        };
        let headers = r.headers().map_err(|e| bad(1, e))?.clone();
        let index = headers
            .iter()
            .enumerate()
            .map(|(i, h)| (h.trim().to_ascii_uppercase(), i))
            .collect();
        let mut rows = vec![];
        for (n, rec) in r.records().enumerate() {
            rows.push(rec.map_err(|e| bad(n + 2, e))?);
        }
        Ok(Self {
            fichier,
            rows,
            index,
            _text: std::marker::PhantomData,
        })
    }

    fn col(&self, name: &'static str) -> Result<usize, ImportError> {
        self.index.get(name).copied().ok_or(ImportError::Colonne {
            fichier: self.fichier,
            colonne: name,
        })
    }
}

fn field(r: &csv::StringRecord, i: usize) -> &str {
    r.get(i).unwrap_or("").trim()
}

/// `AAAA-MM-JJ` from `AAAA-MM-JJ` or `JJ/MM/AAAA`; empty stays empty.
fn date(fichier: &'static str, ligne: usize, d: &str) -> Result<String, ImportError> {
    let d = d.trim();
    if d.is_empty() {
        return Ok(String::new());
    }
    // Only ASCII is sliced by position (a stray accent must not panic).
    let iso = if d.is_ascii() && d.len() == 10 && d.as_bytes()[2] == b'/' {
        format!("{}-{}-{}", &d[6..], &d[3..5], &d[..2])
    } else {
        d.to_string()
    };
    crate::calendar::Day::parse(&iso)
        .map(|_| iso)
        .map_err(|_| ImportError::Ligne {
            fichier,
            ligne,
            raison: format!("date illisible «{d}»"),
        })
}

fn clean(s: &str) -> String {
    s.replace(['\t', '\n', '\r'], " ")
}

/// Read the INSEE files into the referential's TSV format (7 columns).
pub fn importer(f: &Fichiers<'_>) -> Result<(String, Bilan), ImportError> {
    let mut bilan = Bilan::default();
    let communes = Table::read("v_commune", f.communes)?;
    let (typecom, com, libelle, parent) = (
        communes.col("TYPECOM")?,
        communes.col("COM")?,
        communes.col("LIBELLE")?,
        communes.col("COMPARENT")?,
    );
    // Current code → its current commune, for following mergers.
    let mut current: HashMap<String, String> = HashMap::new();
    struct Out {
        code: String,
        nom: String,
        nature: &'static str,
        parent: String,
        debut: String,
        fin: String,
    }
    let mut lines: Vec<Out> = vec![];
    for r in &communes.rows {
        let code = field(r, com).to_string();
        let nature = match field(r, typecom) {
            "COM" => "commune",
            "COMD" => "deleguee",
            "COMA" => "associee",
            "ARM" => "arrondissement",
            _ => continue,
        };
        if nature == "commune" {
            bilan.communes += 1;
            current.insert(code.clone(), code.clone());
        } else {
            bilan.communes_rattachees += 1;
        }
        lines.push(Out {
            code,
            nom: clean(field(r, libelle)),
            nature,
            parent: field(r, parent).to_string(),
            debut: String::new(),
            fin: String::new(),
        });
    }

    // Mergers and changes of code: before → after, followed to a current
    // commune.
    let mut successor: HashMap<String, String> = HashMap::new();
    if let Some(text) = f.mouvements {
        let t = Table::read("v_mvt_commune", text)?;
        let (av, ap, tav) = (t.col("COM_AV")?, t.col("COM_AP")?, t.col("TYPECOM_AV")?);
        let tap = t.col("TYPECOM_AP")?;
        for r in &t.rows {
            let (a, b) = (field(r, av), field(r, ap));
            if a != b && field(r, tav) == "COM" && field(r, tap) == "COM" {
                successor.insert(a.to_string(), b.to_string());
            }
        }
    }
    let resolve = |code: &str| -> Option<String> {
        let mut c = code.to_string();
        for _ in 0..32 {
            if let Some(now) = current.get(&c) {
                return Some(now.clone());
            }
            c = successor.get(&c)?.clone();
        }
        None
    };
    let mut former: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for a in successor.keys() {
        if current.contains_key(a) {
            continue;
        }
        if let Some(now) = resolve(a) {
            former.entry(now).or_default().push(a.clone());
        }
    }

    // The history: dates of the current lines, and the codes no longer in
    // use.
    if let Some(text) = f.historique {
        let t = Table::read("v_commune_depuis_1943", text)?;
        let (com, lib, deb, fin) = (
            t.col("COM")?,
            t.col("LIBELLE")?,
            t.col("DATE_DEBUT")?,
            t.col("DATE_FIN")?,
        );
        let mut start_of_current: HashMap<String, String> = HashMap::new();
        for (n, r) in t.rows.iter().enumerate() {
            let code = field(r, com).to_string();
            let debut = date("v_commune_depuis_1943", n + 2, field(r, deb))?;
            let end = date("v_commune_depuis_1943", n + 2, field(r, fin))?;
            if end.is_empty() {
                start_of_current.insert(code, debut);
                continue;
            }
            bilan.codes_historiques += 1;
            lines.push(Out {
                parent: resolve(&code).unwrap_or_default(),
                code,
                nom: clean(field(r, lib)),
                nature: "ancienne",
                debut,
                fin: end,
            });
        }
        for l in &mut lines {
            if l.fin.is_empty()
                && let Some(d) = start_of_current.get(&l.code)
            {
                l.debut = d.clone();
            }
        }
    }

    if let Some(text) = f.pays {
        let t = Table::read("v_pays_territoire", text)?;
        let (cog, actual, crpay, lib) = (
            t.col("COG")?,
            t.col("ACTUAL")?,
            t.col("CRPAY")?,
            t.col("LIBCOG")?,
        );
        let ani = t.col("ANI").ok();
        for r in &t.rows {
            let code = field(r, cog).to_string();
            if code.len() != 5 {
                continue;
            }
            bilan.pays_et_territoires += 1;
            let year = ani.map(|i| field(r, i)).unwrap_or("");
            lines.push(Out {
                code,
                nom: clean(field(r, lib)),
                nature: if field(r, actual) == "1" {
                    "pays"
                } else {
                    "territoire"
                },
                parent: field(r, crpay).to_string(),
                debut: if year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit()) {
                    format!("{year}-01-01")
                } else {
                    String::new()
                },
                fin: String::new(),
            });
        }
    }

    if let Some(text) = f.outre_mer {
        let t = Table::read("v_comer", text)?;
        let (com, lib) = (t.col("COM_COMER")?, t.col("LIBELLE")?);
        for r in &t.rows {
            let code = field(r, com).to_string();
            if code.len() != 5 {
                continue;
            }
            bilan.outre_mer += 1;
            lines.push(Out {
                code,
                nom: clean(field(r, lib)),
                nature: "outre_mer",
                parent: String::new(),
                debut: String::new(),
                fin: String::new(),
            });
        }
    }

    let mut tsv = String::from(
        "# Code officiel géographique imported from the INSEE files by `esculape cog import`.\n\
         # code, name, nature, current place, former codes, start (included), end (excluded)\n",
    );
    for l in &lines {
        let anciens = if l.nature == "commune" {
            former.get(&l.code).map(|v| v.join(",")).unwrap_or_default()
        } else {
            String::new()
        };
        tsv.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
            l.code, l.nom, l.nature, l.parent, anciens, l.debut, l.fin
        ));
    }
    Ok((tsv, bilan))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cog::{Nature, Referentiel};

    // Extracts in the INSEE layout (columns as published; rows as the
    // COG describes Annecy's commune nouvelle of 2017 and two countries).
    const COMMUNES: &str = "\u{feff}TYPECOM,COM,REG,DEP,CTCD,ARR,TNCC,NCC,NCCENR,LIBELLE,CAN,COMPARENT
COM,74010,84,74,74D,741,0,ANNECY,Annecy,Annecy,7499,
COMD,74010,84,74,74D,741,0,ANNECY,Annecy,Annecy,,74010
COMD,74011,84,74,74D,741,1,ANNECY LE VIEUX,Annecy-le-Vieux,Annecy-le-Vieux,,74010
COMD,74093,84,74,74D,741,0,CRAN GEVRIER,Cran-Gevrier,Cran-Gevrier,,74010
COM,2A004,94,2A,20D,2A1,1,AJACCIO,Ajaccio,Ajaccio,2A98,
ARM,75112,11,75,75C,751,0,PARIS 12E ARRONDISSEMENT,Paris 12e Arrondissement,Paris 12e Arrondissement,,75056
COM,75056,11,75,75C,751,0,PARIS,Paris,Paris,7599,
";
    const HISTORIQUE: &str = "COM,TNCC,NCC,NCCENR,LIBELLE,DATE_DEBUT,DATE_FIN
74010,0,ANNECY,Annecy,Annecy,2017-01-01,
74010,0,ANNECY,Annecy,Annecy,,2017-01-01
74011,1,ANNECY LE VIEUX,Annecy-le-Vieux,Annecy-le-Vieux,,2017-01-01
74093,0,CRAN GEVRIER,Cran-Gevrier,Cran-Gevrier,,2017-01-01
2A004,1,AJACCIO,Ajaccio,Ajaccio,1976-01-01,
20004,1,AJACCIO,Ajaccio,Ajaccio,,1976-01-01
";
    const MOUVEMENTS: &str = "MOD,DATE_EFF,TYPECOM_AV,COM_AV,TNCC_AV,NCC_AV,NCCENR_AV,LIBELLE_AV,TYPECOM_AP,COM_AP,TNCC_AP,NCC_AP,NCCENR_AP,LIBELLE_AP
32,2017-01-01,COM,74011,1,ANNECY LE VIEUX,Annecy-le-Vieux,Annecy-le-Vieux,COM,74010,0,ANNECY,Annecy,Annecy
32,2017-01-01,COM,74093,0,CRAN GEVRIER,Cran-Gevrier,Cran-Gevrier,COM,74010,0,ANNECY,Annecy,Annecy
32,2017-01-01,COM,74011,1,ANNECY LE VIEUX,Annecy-le-Vieux,Annecy-le-Vieux,COMD,74011,1,ANNECY LE VIEUX,Annecy-le-Vieux,Annecy-le-Vieux
20,1976-01-01,COM,20004,1,AJACCIO,Ajaccio,Ajaccio,COM,2A004,1,AJACCIO,Ajaccio,Ajaccio
";
    const PAYS: &str = "COG,ACTUAL,CRPAY,ANI,LIBCOG,LIBENR,CODEISO2,CODEISO3,CODENUM3
99134,1,,,Espagne,Royaume d'Espagne,ES,ESP,724
99313,4,99134,,Canaries (Îles),Îles Canaries,,,
99352,1,,1962,Algérie,République algérienne démocratique et populaire,DZ,DZA,012
";
    const COMER: &str = "COM_COMER,TNCC,NCC,NCCENR,LIBELLE,NATURE_ZONAGE,COMER,LIBELLE_COMER
97501,0,MIQUELON LANGLADE,Miquelon-Langlade,Miquelon-Langlade,COM,975,Saint-Pierre-et-Miquelon
98735,0,PAPEETE,Papeete,Papeete,COM,987,Polynésie française
";

    fn imported() -> (Referentiel, Bilan) {
        let (tsv, bilan) = importer(&Fichiers {
            communes: COMMUNES,
            historique: Some(HISTORIQUE),
            mouvements: Some(MOUVEMENTS),
            pays: Some(PAYS),
            outre_mer: Some(COMER),
        })
        .unwrap();
        (Referentiel::parse(&tsv).unwrap(), bilan)
    }

    #[test]
    fn the_insee_files_give_history_countries_and_overseas() {
        let (r, bilan) = imported();
        assert_eq!(bilan.communes, 3);
        assert_eq!(bilan.codes_historiques, 4);
        assert_eq!(bilan.pays_et_territoires, 3);
        assert_eq!(bilan.outre_mer, 2);
        // Current places, with the start of their current validity.
        let annecy = r.code("74010").unwrap();
        assert_eq!(
            (annecy.nature, annecy.debut.as_deref()),
            (Nature::Commune, Some("2017-01-01"))
        );
        assert_eq!(r.code("99134").unwrap().nature, Nature::Pays);
        let canaries = r.code("99313").unwrap();
        assert_eq!(canaries.nature, Nature::Territoire);
        assert_eq!(canaries.commune_actuelle.as_deref(), Some("99134"));
        assert_eq!(
            r.code("99352").unwrap().debut.as_deref(),
            Some("1962-01-01")
        );
        assert_eq!(r.code("98735").unwrap().nature, Nature::OutreMer);
        // A code no longer in use leads to the commune that took it over.
        let old = r.code("20004").unwrap();
        assert_eq!(old.nature, Nature::Ancienne);
        assert_eq!(old.commune_actuelle.as_deref(), Some("2A004"));
        assert_eq!(old.fin.as_deref(), Some("1976-01-01"));
        // What a code designated on a date.
        assert_eq!(r.code_le("20004", "1960-05-02").unwrap().nom, "Ajaccio");
        assert!(r.code_le("20004", "1990-05-02").is_none());
        assert_eq!(r.code_le("2A004", "1990-05-02").unwrap().code, "2A004");
        assert!(r.code_le("2A004", "1960-05-02").is_none());
        // The code of a birth in today's Ajaccio in 1960: 20004.
        let codes: Vec<String> = r
            .codes_a_la_naissance("2A004", "1960-05-02")
            .into_iter()
            .map(|l| l.code)
            .collect();
        assert_eq!(codes, ["20004"]);
        // In today's Annecy in 1980: Annecy itself or a commune merged
        // into it since, for the user to choose by name.
        let born: Vec<(String, String)> = r
            .codes_a_la_naissance("74010", "1980-05-02")
            .into_iter()
            .map(|l| (l.code, l.nom))
            .collect();
        assert_eq!(
            born,
            [
                ("74010".to_string(), "Annecy".to_string()),
                ("74011".to_string(), "Annecy-le-Vieux".to_string()),
                ("74093".to_string(), "Cran-Gevrier".to_string()),
            ]
        );
        // After the merger, only Annecy.
        let after: Vec<String> = r
            .codes_a_la_naissance("74010", "2020-01-01")
            .into_iter()
            .map(|l| l.code)
            .collect();
        assert_eq!(after, ["74010"]);
    }

    #[test]
    fn a_file_without_a_needed_column_is_refused_by_name() {
        let e = importer(&Fichiers {
            communes: "COM,LIBELLE\n01001,X\n",
            ..Default::default()
        })
        .err()
        .unwrap();
        assert_eq!(e.to_string(), "v_commune: colonne TYPECOM absente");
        let e = importer(&Fichiers {
            communes: COMMUNES,
            historique: Some("COM,LIBELLE,DATE_DEBUT,DATE_FIN\n01001,X,31/04/é1999,\n"),
            ..Default::default()
        })
        .err()
        .unwrap();
        assert!(e.to_string().contains("ligne 2"), "{e}");
        // A day that does not exist.
        assert!(
            importer(&Fichiers {
                communes: COMMUNES,
                historique: Some("COM,LIBELLE,DATE_DEBUT,DATE_FIN\n01001,X,31/04/1999,\n"),
                ..Default::default()
            })
            .is_err()
        );
    }
}
