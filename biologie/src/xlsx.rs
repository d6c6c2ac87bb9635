//! The official spreadsheet of the JDV « Circuit de la biologie » (`.xlsx`)
//! into the grid [`Jdv::depuis_grille`] reads: the first sheet that holds
//! its header row.

use crate::jdv::{ErreurJdv, Jdv, LIGNES_MAX};
use calamine::{Data, Reader, Xlsx};
use std::io::Cursor;

/// Largest spreadsheet read (the official file is a few MB).
pub const OCTETS_MAX: usize = 20 * 1024 * 1024;

/// Reads the value set from the spreadsheet's bytes.
pub fn lire(octets: &[u8], origine: &str) -> Result<Jdv, ErreurJdv> {
    if octets.len() > OCTETS_MAX {
        return Err(ErreurJdv::Illisible(format!(
            "le fichier dépasse {} Mo",
            OCTETS_MAX / 1024 / 1024
        )));
    }
    let mut classeur: Xlsx<_> = Xlsx::new(Cursor::new(octets))
        .map_err(|e| ErreurJdv::Illisible(format!("ce n'est pas un classeur .xlsx ({e})")))?;
    let mut premiere_erreur = None;
    for feuille in classeur.sheet_names() {
        let plage = classeur
            .worksheet_range(&feuille)
            .map_err(|e| ErreurJdv::Illisible(format!("feuille « {feuille} » : {e}")))?;
        if plage.height() > LIGNES_MAX {
            return Err(ErreurJdv::TropDeLignes(LIGNES_MAX));
        }
        let grille: Vec<Vec<String>> = plage
            .rows()
            .map(|ligne| ligne.iter().map(texte).collect())
            .collect();
        match Jdv::depuis_grille(&grille, origine) {
            Ok(jdv) => return Ok(jdv),
            Err(e) => {
                premiere_erreur.get_or_insert(e);
            }
        }
    }
    Err(premiere_erreur.unwrap_or(ErreurJdv::Vide))
}

/// A cell as text: a number as it reads (`1` for 1.0, `0.113`).
fn texte(c: &Data) -> String {
    match c {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => if *b { "O" } else { "N" }.to_string(),
        autre => autre.to_string(),
    }
}
