//! The INS rules, called through the real runtime as the host calls them.

use esculape_runtime::model::{Date, IdentityAttributes, IdentityStatus, IdentityTraits, Ins, Sex};
use esculape_sdk_testing::Harness;

const ID: &str = "fr.esculape.ins";

fn harness() -> Harness {
    let h = Harness::new();
    h.install_crate("esculape-plugin-ins").unwrap();
    h
}

fn traits(birth_name: &str, first: &[&str], sex: Sex, y: u16, m: u8, d: u8) -> IdentityTraits {
    IdentityTraits {
        birth_name: birth_name.into(),
        used_name: None,
        birth_first_names: first.iter().map(|s| s.to_string()).collect(),
        used_first_name: None,
        sex,
        birth_date: Date {
            year: y,
            month: m,
            day: d,
        },
        birth_place_cog: None,
    }
}

#[test]
fn matricule_keys_including_corsica() {
    let h = harness();
    let ins = h.runtime.identity(ID).unwrap();
    let c = ins.check_matricule("297022A02077878").unwrap();
    assert!(c.well_formed && c.key_valid && !c.nia);
    let c = ins.check_matricule("236066322083657").unwrap();
    assert!(!c.key_valid);
    assert_eq!(c.expected_key, 56);
    let err = ins.check_matricule("12345").unwrap_err();
    assert!(err.to_string().contains("15 caractères"), "{err}");
}

#[test]
fn status_from_the_two_facts_and_attributes() {
    let h = harness();
    let ins = h.runtime.identity(ID).unwrap();
    let none = IdentityAttributes::empty();
    assert_eq!(
        ins.compute_status(true, true, none).unwrap(),
        IdentityStatus::Qualifiee
    );
    assert_eq!(
        ins.compute_status(false, true, none).unwrap(),
        IdentityStatus::Recuperee
    );
    assert_eq!(
        ins.compute_status(true, false, none).unwrap(),
        IdentityStatus::Validee
    );
    assert_eq!(
        ins.compute_status(false, false, none).unwrap(),
        IdentityStatus::Provisoire
    );
    for attr in [IdentityAttributes::DOUTEUSE, IdentityAttributes::FICTIVE] {
        assert_eq!(
            ins.compute_status(true, true, attr).unwrap(),
            IdentityStatus::Provisoire
        );
    }
    assert_eq!(
        ins.compute_status(true, true, IdentityAttributes::HOMONYME)
            .unwrap(),
        IdentityStatus::Qualifiee
    );
}

#[test]
fn normalisation_and_comparison() {
    let h = harness();
    let ins = h.runtime.identity(ID).unwrap();
    let local = traits("Adrtrois", &["Dominique"], Sex::Female, 1997, 2, 1);
    let n = ins.normalize_traits(&local).unwrap();
    assert_eq!(n.birth_name, "ADRTROIS");
    let insi = traits("ADRTROIS", &["DOMINIQUE"], Sex::Female, 1997, 2, 1);
    let insi_ins = Ins {
        matricule: "297022A02077878".into(),
        oid: "1.2.250.1.213.1.4.10".into(),
    };
    let cmp = ins.compare(&local, None, &insi, &insi_ins).unwrap();
    assert!(cmp.automatic_recovery);
    let other = traits("ADRTROIS", &["DOMINIQUE"], Sex::Female, 1997, 2, 2);
    let cmp = ins.compare(&local, None, &other, &insi_ins).unwrap();
    assert!(!cmp.automatic_recovery);
    let row = cmp.traits.iter().find(|t| t.name == "birth-date").unwrap();
    assert!(!row.matches);
    assert_eq!(row.insi_value, "1997-02-02");
    // Bad input is an error value.
    let empty = traits("  ", &["X"], Sex::Male, 2000, 1, 1);
    assert!(ins.normalize_traits(&empty).is_err());
}

#[test]
fn verification_every_four_years_and_each_time_for_a_nia() {
    let h = harness();
    let ins = h.runtime.identity(ID).unwrap();
    let nir = Ins {
        matricule: "297022A02077878".into(),
        oid: "1.2.250.1.213.1.4.8".into(),
    };
    let d = |y, m, d| Date {
        year: y,
        month: m,
        day: d,
    };
    let q = IdentityStatus::Qualifiee;
    assert!(
        !ins.verification_due(q, Some(&nir), Some(d(2023, 1, 1)), d(2026, 12, 31))
            .unwrap()
    );
    assert!(
        ins.verification_due(q, Some(&nir), Some(d(2022, 11, 26)), d(2026, 11, 26))
            .unwrap()
    );
    let nia = Ins {
        oid: "1.2.250.1.213.1.4.9".into(),
        ..nir.clone()
    };
    assert!(
        ins.verification_due(q, Some(&nia), Some(d(2026, 11, 25)), d(2026, 11, 26))
            .unwrap()
    );
    assert!(
        !ins.verification_due(IdentityStatus::Provisoire, None, None, d(2026, 1, 1))
            .unwrap()
    );
}
