//! Small helpers shared by plugins, independent of the world.

/// Remove the accents of Latin letters and upper-case them, the way the INS
/// referential writes names ("Hélène" -> "HELENE", "Œdipe" -> "OEDIPE").
pub fn upper_without_accents(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => {
                out.push('A')
            }
            'ç' | 'Ç' => out.push('C'),
            'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => out.push('E'),
            'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => out.push('I'),
            'ñ' | 'Ñ' => out.push('N'),
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'ø' | 'Ø' => {
                out.push('O')
            }
            'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => out.push('U'),
            'ý' | 'ÿ' | 'Ý' | 'Ÿ' => out.push('Y'),
            'œ' | 'Œ' => out.push_str("OE"),
            'æ' | 'Æ' => out.push_str("AE"),
            other => out.extend(other.to_uppercase()),
        }
    }
    out
}

/// Escape text for an XML text node or attribute value.
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accents_and_ligatures() {
        assert_eq!(upper_without_accents("Hélène"), "HELENE");
        assert_eq!(upper_without_accents("Œdipe-Ça"), "OEDIPE-CA");
    }

    #[test]
    fn escapes() {
        assert_eq!(xml_escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
    }
}
