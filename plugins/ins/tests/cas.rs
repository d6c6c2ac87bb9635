//! The shared table of INS cases (`cas-ins.tsv`) against the plugin's
//! rules, natively; `host/domain/tests/cas_ins.rs` runs the same table
//! against what the domain checks before storing.

use esculape_plugin_ins::{InsRules, matricule, traits};
use esculape_sdk::identity::esculape::host::types::{
    Date, IdentityAttributes, IdentityStatus, Ins,
};
use esculape_sdk::identity::exports::esculape::plugin::identity_rules::Guest;

fn cases() -> Vec<(String, String, String, String)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/cas-ins.tsv");
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

fn date(s: &str) -> Date {
    let p: Vec<u16> = s.split('-').map(|x| x.parse().unwrap()).collect();
    Date {
        year: p[0],
        month: p[1] as u8,
        day: p[2] as u8,
    }
}

fn status(s: &str) -> IdentityStatus {
    match s {
        "provisoire" => IdentityStatus::Provisoire,
        "recuperee" => IdentityStatus::Recuperee,
        "validee" => IdentityStatus::Validee,
        "qualifiee" => IdentityStatus::Qualifiee,
        other => panic!("statut {other}"),
    }
}

#[test]
fn the_plugin_follows_every_case_of_the_table() {
    let mut failures = vec![];
    let mut counted = std::collections::BTreeMap::<String, usize>::new();
    for (kind, input, expected, why) in cases() {
        *counted.entry(kind.clone()).or_default() += 1;
        let got = match kind.as_str() {
            "matricule" => match matricule::check(&input) {
                Err(_) => "forme".to_string(),
                Ok(c) if !c.well_formed => "forme".into(),
                Ok(c) if !c.key_valid => format!("cle:{:02}", c.expected_key),
                Ok(_) => "valide".into(),
            },
            "lieu" => match traits::normalize_cog(&input) {
                Ok(None) => "vide".into(),
                Ok(Some(c)) => c,
                Err(_) => "refus".into(),
            },
            "nom" => traits::normalize_name(&input),
            "statut" => {
                let facts: Vec<&str> = input.split('+').collect();
                let mut attrs = IdentityAttributes::empty();
                if facts.contains(&"douteuse") {
                    attrs |= IdentityAttributes::DOUTEUSE;
                }
                if facts.contains(&"fictive") {
                    attrs |= IdentityAttributes::FICTIVE;
                }
                let s = InsRules::compute_status(
                    facts.contains(&"document"),
                    facts.contains(&"insi"),
                    attrs,
                );
                match s {
                    IdentityStatus::Provisoire => "provisoire",
                    IdentityStatus::Recuperee => "recuperee",
                    IdentityStatus::Validee => "validee",
                    IdentityStatus::Qualifiee => "qualifiee",
                }
                .to_string()
            }
            "verification" => {
                let w: Vec<&str> = input.split(' ').collect();
                let oid = if w[1] == "nia" {
                    matricule::OID_NIA
                } else {
                    matricule::OID_NIR
                };
                let ins = Ins {
                    matricule: "297022A02077878".into(),
                    oid: oid.into(),
                };
                let last = (w[2] != "-").then(|| date(w[2]));
                let due = InsRules::verification_due(status(w[0]), Some(ins), last, date(w[3]));
                if due { "oui" } else { "non" }.to_string()
            }
            other => panic!("genre de cas inconnu: {other}"),
        };
        if got != expected {
            failures.push(format!(
                "{kind} «{input}»: attendu {expected}, obtenu {got} ({why})"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    for kind in ["matricule", "lieu", "nom", "statut", "verification"] {
        assert!(
            counted.get(kind).copied().unwrap_or(0) >= 5,
            "{kind}: {counted:?}"
        );
    }
}
