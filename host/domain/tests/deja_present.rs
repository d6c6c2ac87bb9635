//! What a received document proposes is compared with what the record
//! holds (LGC.MDV.05): same code, or same words without a code; a
//! vaccination also on the same day; a measure of the same kind that day.

use esculape_domain::Day;
use esculape_domain::record::{
    Activity, AntecedentKind, Code, EntryData, MeasureKind, deja_present,
};

fn cim(code: &str) -> Option<Code> {
    Some(Code {
        system: "CIM-10".into(),
        code: code.into(),
        display: None,
    })
}

fn jour(s: &str) -> Day {
    Day::parse(s).unwrap()
}

#[test]
fn the_same_code_or_the_same_words_is_already_present() {
    let dossier = vec![
        EntryData::Antecedent {
            label: "Thyroïdite d'Hashimoto".into(),
            code: cim("E06.3"),
            antecedent: AntecedentKind::Personnel,
            onset: None,
        },
        EntryData::Allergie {
            label: "paracétamol".into(),
            code: None,
            reaction: None,
            status: Activity::Actif,
        },
        EntryData::Vaccination {
            label: "REVAXIS".into(),
            code: None,
            date: jour("2009-09-28"),
            lot: None,
            dose: None,
        },
        EntryData::Mesure {
            measure: MeasureKind::Poids,
            value: 57.5,
            date: jour("2024-04-02"),
            heure: None,
        },
    ];
    // same CIM-10 code under other words, as a problem
    let p = EntryData::Probleme {
        label: "Thyroïdite auto-immune".into(),
        code: cim("E06.3"),
        status: Activity::Actif,
        onset: None,
    };
    assert_eq!(deja_present(&p, &dossier), Some(0));
    // another code is another problem, even with the same words
    let autre = EntryData::Probleme {
        label: "Thyroïdite d'Hashimoto".into(),
        code: cim("E06.9"),
        status: Activity::Actif,
        onset: None,
    };
    assert_eq!(deja_present(&autre, &dossier), None);
    // no code: the words, whatever their case and spacing
    let a = EntryData::Allergie {
        label: "  Paracétamol ".into(),
        code: None,
        reaction: Some("urticaire".into()),
        status: Activity::Actif,
    };
    assert_eq!(deja_present(&a, &dossier), Some(1));
    // a vaccination: the same vaccine on another day is another injection
    let v = |d: &str| EntryData::Vaccination {
        label: "Revaxis".into(),
        code: None,
        date: jour(d),
        lot: Some("4456672".into()),
        dose: None,
    };
    assert_eq!(deja_present(&v("2009-09-28"), &dossier), Some(2));
    assert_eq!(deja_present(&v("2019-09-28"), &dossier), None);
    // a measure: the same kind the same day (the record's value stands)
    let m = |k: MeasureKind, d: &str| EntryData::Mesure {
        measure: k,
        value: 58.0,
        date: jour(d),
        heure: None,
    };
    assert_eq!(
        deja_present(&m(MeasureKind::Poids, "2024-04-02"), &dossier),
        Some(3)
    );
    assert_eq!(
        deja_present(&m(MeasureKind::Poids, "2024-04-03"), &dossier),
        None
    );
    assert_eq!(
        deja_present(&m(MeasureKind::Taille, "2024-04-02"), &dossier),
        None
    );
}

#[test]
fn a_received_code_and_unit_become_the_records() {
    let c = Code::depuis_oid("2.16.840.1.113883.6.3", "E06.3", Some("Thyroïdite")).unwrap();
    assert_eq!((c.system.as_str(), c.code.as_str()), ("CIM-10", "E06.3"));
    let cis = Code::depuis_oid("1.2.250.1.213.2.3.1", "62080626", None).unwrap();
    assert_eq!(cis.system, "CIS");
    // a system the record does not keep (CIM-11), or a malformed code
    assert!(Code::depuis_oid("2.16.840.1.113883.6.347", "XM5DJ7", None).is_none());
    assert!(Code::depuis_oid("2.16.840.1.113883.6.3", "114", None).is_none());
    assert_eq!(MeasureKind::Taille.depuis_ucum(1.6, "m"), Some(160.0));
    assert_eq!(MeasureKind::Poids.depuis_ucum(3900.0, "g"), Some(3.9));
    assert_eq!(MeasureKind::Poids.depuis_ucum(58.0, "kg"), Some(58.0));
    assert_eq!(MeasureKind::Temperature.depuis_ucum(98.6, "[degF]"), None);
}
