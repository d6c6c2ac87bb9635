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
    t.birth_place_cog = t
        .birth_place_cog
        .map(|c| c.trim().to_ascii_uppercase())
        .filter(|c| !c.is_empty());
    if let Some(cog) = &t.birth_place_cog {
        let ok = cog.len() == 5
            && cog
                .chars()
                .enumerate()
                .all(|(i, c)| c.is_ascii_digit() || (i == 1 && (c == 'A' || c == 'B')));
        if !ok {
            return Err(Error::InvalidInput(format!(
                "code officiel géographique «{cog}» invalide (5 caractères, ex. 75056, 2A004, 99134)"
            )));
        }
    }
    Ok(t)
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
