//! The OIDs and identifier forms of the French health information systems,
//! written once. No dependencies, so that the host's crates and the plugins
//! (through the SDK) link the same constants.

/// OIDs of the assigning authorities and code systems.
pub mod oid {
    /// INS matricule: NIR.
    pub const INS_NIR: &str = "1.2.250.1.213.1.4.8";
    /// INS matricule: NIA (temporary number).
    pub const INS_NIA: &str = "1.2.250.1.213.1.4.9";
    /// Test NIR and NIA (INSi test environment).
    pub const INS_NIR_TEST: &str = "1.2.250.1.213.1.4.10";
    pub const INS_NIA_TEST: &str = "1.2.250.1.213.1.4.11";
    /// National identifiers of professionals (IDNPS: 8 + RPPS, 1 + FINESS...).
    pub const IDNPS: &str = "1.2.250.1.71.4.2.1";
    /// Structure identifiers (IDNST: FINESS, SIRET...).
    pub const IDNST: &str = "1.2.250.1.71.4.2.2";
    pub const LOINC: &str = "2.16.840.1.113883.6.1";
    /// Unique ids made from a UUID or 128 random bits (ISO/IEC 9834-8).
    pub const UUID_ARC: &str = "2.25";
}

/// Every INS assigning authority.
pub const OIDS_INS: [&str; 4] = [
    oid::INS_NIR,
    oid::INS_NIA,
    oid::INS_NIR_TEST,
    oid::INS_NIA_TEST,
];

/// An INS assigning authority (NIR or NIA, real or test).
pub fn est_oid_ins(oid: &str) -> bool {
    OIDS_INS.contains(&oid)
}

/// An INS-NIA (temporary number), real or test.
pub fn est_oid_nia(oid: &str) -> bool {
    oid == oid::INS_NIA || oid == oid::INS_NIA_TEST
}

/// The national identifier (IDNPS) of a professional known by an RPPS.
pub fn idnps_rpps(rpps: &str) -> String {
    format!("8{rpps}")
}

/// The national identifier (IDNPS) of a structure acting through its FINESS
/// (a secretary without RPPS, the system's jobs).
pub fn idnps_finess(finess: &str) -> String {
    format!("1{finess}")
}

/// A version-4 UUID written from 16 random bytes (the caller draws them:
/// this crate does no I/O), for WS-Addressing message ids and ebRIM
/// entry UUIDs.
pub fn uuid_v4(mut o: [u8; 16]) -> String {
    o[6] = (o[6] & 0x0f) | 0x40;
    o[8] = (o[8] & 0x3f) | 0x80;
    let h: String = o.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// An OID under `2.25` from 128 random bits in hex: valid as a CDA id root
/// and as an XDS uniqueId without an OID registration.
pub fn oid_from_hex(hex: &str) -> Option<String> {
    u128::from_str_radix(hex, 16)
        .ok()
        .map(|n| format!("{}.{n}", oid::UUID_ARC))
}

/// The key a NIR/NIA's 13 first characters call for (97 minus the number
/// modulo 97; Corsica: 2A→19, 2B→18).
pub fn cle_ins(first13: &str) -> Option<u8> {
    if first13.len() != 13 || !first13.is_ascii() {
        return None;
    }
    let up = first13.to_ascii_uppercase();
    let digits = match &up[5..7] {
        "2A" => format!("{}19{}", &up[..5], &up[7..]),
        "2B" => format!("{}18{}", &up[..5], &up[7..]),
        _ => up,
    };
    let n: u64 = digits.parse().ok()?;
    Some((97 - n % 97) as u8)
}

/// A NIR/NIA of 15 characters whose last two are the key of the first 13.
pub fn ins_cle_juste(numero: &str) -> bool {
    numero.len() == 15
        && numero.is_char_boundary(13)
        && cle_ins(&numero[..13]).is_some_and(|k| numero[13..].parse::<u8>() == Ok(k))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert!(est_oid_ins("1.2.250.1.213.1.4.10") && !est_oid_ins("1.2.250.1.71.4.2.1"));
        assert!(est_oid_nia(oid::INS_NIA_TEST) && !est_oid_nia(oid::INS_NIR));
        assert_eq!(idnps_rpps("10001234567"), "810001234567");
        assert_eq!(idnps_finess("750000001"), "1750000001");
        assert_eq!(oid_from_hex("ff").as_deref(), Some("2.25.255"));
        assert!(oid_from_hex("zz").is_none());
    }
}
