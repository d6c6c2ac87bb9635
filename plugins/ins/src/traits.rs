//! Normalisation of identity traits as the INS referential writes them:
//! upper case without accents; letters, space, hyphen and apostrophe only;
//! no leading, trailing or doubled separators.

use esculape_sdk::helpers::upper_without_accents;
use esculape_sdk::identity::esculape::host::types::{Error, IdentityTraits};

/// Normalise one name.
pub fn normalize_name(raw: &str) -> String {
    let upper = upper_without_accents(raw.trim());
    let mut out = String::with_capacity(upper.len());
    for c in upper.chars() {
        let c = match c {
            'A'..='Z' | '-' | '\'' => c,
            // Typographic apostrophes become the plain one.
            '\u{2019}' | '\u{2018}' | '`' | '´' => '\'',
            // Anything else (digits, dots, commas...) separates words.
            _ => ' ',
        };
        if c == ' ' && (out.is_empty() || out.ends_with(' ')) {
            continue;
        }
        out.push(c);
    }
    out.trim_end_matches([' ', '-', '\''])
        .trim_start_matches(['-', '\''])
        .to_string()
}

pub fn normalize(mut t: IdentityTraits) -> Result<IdentityTraits, Error> {
    t.birth_name = normalize_name(&t.birth_name);
    if t.birth_name.is_empty() {
        return Err(Error::InvalidInput(
            "le nom de naissance est obligatoire".into(),
        ));
    }
    t.used_name = t
        .used_name
        .map(|n| normalize_name(&n))
        .filter(|n| !n.is_empty());
    // First names may come as one string "Jean Pierre Marie": split on spaces
    // but keep compound first names ("JEAN-PIERRE") whole.
    t.birth_first_names = t
        .birth_first_names
        .iter()
        .flat_map(|f| {
            normalize_name(f)
                .split(' ')
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .filter(|f| !f.is_empty())
        .collect();
    if t.birth_first_names.is_empty() {
        return Err(Error::InvalidInput(
            "au moins un prénom de naissance est obligatoire".into(),
        ));
    }
    t.used_first_name = t
        .used_first_name
        .map(|n| normalize_name(&n))
        .filter(|n| !n.is_empty());
    t.birth_place_cog = match t.birth_place_cog {
        Some(c) => normalize_cog(&c)?,
        None => None,
    };
    Ok(t)
}

/// The birth place's code officiel géographique as the INS referential
/// writes it: five characters, digits but for the Corsican departments
/// (2A, 2B); a country abroad is 99xxx; an unknown place, typed as
/// `INCONNU`, is 99999. None when nothing was typed.
pub fn normalize_cog(raw: &str) -> Result<Option<String>, Error> {
    let cog = raw.trim().to_ascii_uppercase();
    if cog.is_empty() {
        return Ok(None);
    }
    if cog == "INCONNU" {
        return Ok(Some("99999".into()));
    }
    let b = cog.as_bytes();
    let ok = b.len() == 5
        && b.iter().enumerate().all(|(i, c)| {
            c.is_ascii_digit() || (i == 1 && b[0] == b'2' && (*c == b'A' || *c == b'B'))
        });
    if !ok {
        return Err(Error::InvalidInput(format!(
            "code officiel géographique «{}» invalide (5 caractères, ex. 75056, 2A004, 99134; INCONNU pour un lieu inconnu)",
            raw.trim()
        )));
    }
    Ok(Some(cog))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(normalize_name("  de l’Écluse-Ñúñez "), "DE L'ECLUSE-NUNEZ");
        assert_eq!(normalize_name("Hélène"), "HELENE");
        assert_eq!(normalize_name("O'Brien  2"), "O'BRIEN");
        assert_eq!(normalize_name("Cœur"), "COEUR");
    }
}
