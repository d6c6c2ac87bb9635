//! NIR / NIA key checks.

use esculape_sdk::identity::esculape::host::types::Error;
use esculape_sdk::identity::exports::esculape::plugin::identity_rules::MatriculeCheck;

/// OIDs of the INS assigning authorities.
pub use esculape_sdk::cda::oid::{
    INS_NIA as OID_NIA, INS_NIA_TEST as OID_NIA_TEST, INS_NIR as OID_NIR,
    INS_NIR_TEST as OID_NIR_TEST,
};

pub use esculape_sdk::identifiants::est_oid_nia as is_nia_oid;

/// The key the 13 first characters call for: 97 − (n mod 97), with the
/// Corsican departments "2A" read as 19 and "2B" as 18. None when the 13
/// characters are not a NIR shape.
pub fn expected_key(first13: &str) -> Option<u8> {
    if first13.len() != 13 || !first13.is_ascii() {
        return None;
    }
    let upper = first13.to_ascii_uppercase();
    let digits = match &upper[5..7] {
        "2A" => format!("{}19{}", &upper[..5], &upper[7..]),
        "2B" => format!("{}18{}", &upper[..5], &upper[7..]),
        _ => upper,
    };
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u64 = digits.parse().ok()?;
    Some((97 - (n % 97)) as u8)
}

pub fn check(matricule: &str) -> Result<MatriculeCheck, Error> {
    let m: String = matricule.chars().filter(|c| !c.is_whitespace()).collect();
    if m.len() != 15 || !m.is_ascii() {
        return Err(Error::InvalidInput(format!(
            "un matricule INS compte 15 caractères (clé comprise), «{matricule}» en a {}",
            m.chars().count()
        )));
    }
    let first = m.as_bytes()[0];
    let expected = expected_key(&m[..13]);
    let key: Option<u8> = m[13..].parse().ok();
    Ok(MatriculeCheck {
        well_formed: expected.is_some() && matches!(first, b'1' | b'2' | b'3' | b'4' | b'7' | b'8'),
        key_valid: expected.is_some() && expected == key,
        expected_key: expected.unwrap_or(0),
        nia: matches!(first, b'7' | b'8'),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn official_test_identities() {
        // INSi test environment: ADRTROIS DOMINIQUE, born in Corsica (2A), key 78.
        assert_eq!(expected_key("297022A020778"), Some(78));
        // TCHITCHI CATARINA, key 56.
        assert_eq!(expected_key("2360663220836"), Some(56));
        assert!(check("2970 22A0 20778 78").unwrap().key_valid);
        assert!(matches!(
            check("297022A020778"),
            Err(Error::InvalidInput(_))
        ));
        assert_eq!(expected_key("2970XXA020778"), None);
    }

    #[test]
    fn keys() {
        // 2 97 02 2A 020 778 + key 78 -> 15 characters "297022A02077878"
        let c = check("297022A02077878").unwrap();
        assert!(c.well_formed && c.key_valid, "{c:?}");
        let c = check("236066322083656").unwrap();
        assert!(c.key_valid);
        let c = check("236066322083657").unwrap();
        assert!(!c.key_valid);
        assert_eq!(c.expected_key, 56);
    }
}
