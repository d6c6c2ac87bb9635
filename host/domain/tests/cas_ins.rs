//! The shared table of INS cases (`plugins/ins/cas-ins.tsv`, the INS
//! plugin's) against what the domain checks before storing an identity:
//! the plugin and the domain cannot disagree again. The verification
//! period is the plugin's alone (the host asks it).

use esculape_domain::identity::{ins_key, normalize_birth_place, normalize_name};
use esculape_domain::{
    BirthDate, Identity, IdentityAttributes, IdentityError, Ins, InsOid, NewIdentity, Sex,
};

fn cases() -> Vec<(String, String, String, String)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../plugins/ins/cas-ins.tsv");
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            assert_eq!(c.len(), 4, "4 colonnes: {l}");
            (c[0].into(), c[1].into(), c[2].into(), c[3].into())
        })
        .collect()
}

fn identity(facts: &str) -> Identity {
    let facts: Vec<&str> = facts.split('+').collect();
    let from_insi = facts.contains(&"insi");
    let n = NewIdentity {
        birth_name: "ADRTROIS".into(),
        used_name: None,
        birth_first_names: vec!["DOMINIQUE".into()],
        used_first_name: None,
        sex: Sex::Female,
        birth_date: BirthDate::parse("1997-02-26").unwrap(),
        birth_place_cog: Some("2A004".into()),
        ins: from_insi.then(|| Ins {
            matricule: "297022A02077878".into(),
            oid: InsOid::Nir,
        }),
        high_trust_document: facts.contains(&"document"),
        justificatif: None,
        from_insi,
        attributes: IdentityAttributes {
            homonyme: false,
            douteuse: facts.contains(&"douteuse"),
            fictive: facts.contains(&"fictive"),
        },
    };
    Identity::validate(n, BirthDate::parse("2026-12-02").unwrap()).unwrap()
}

#[test]
fn the_domain_agrees_with_the_ins_plugin_on_every_case() {
    let mut failures = vec![];
    let mut checked = 0;
    for (kind, input, expected, why) in cases() {
        let got = match kind.as_str() {
            "matricule" => match Ins::new(&input, InsOid::Nir.oid()) {
                Ok(_) => "valide".to_string(),
                Err(IdentityError::BadMatricule(m, reason)) if reason.starts_with("clé") => {
                    format!("cle:{:02}", ins_key(&m[..13]).unwrap())
                }
                Err(_) => "forme".into(),
            },
            "lieu" if input.trim().is_empty() => "vide".into(),
            "lieu" => match normalize_birth_place(&input) {
                Ok(c) => c,
                Err(_) => "refus".into(),
            },
            "nom" => normalize_name(&input),
            "statut" => identity(&input).status.code().to_string(),
            "verification" => continue,
            other => panic!("genre de cas inconnu: {other}"),
        };
        checked += 1;
        if got != expected {
            failures.push(format!(
                "{kind} «{input}»: attendu {expected}, obtenu {got} ({why})"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked >= 40, "{checked} cas");
}
