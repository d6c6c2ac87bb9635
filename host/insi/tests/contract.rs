//! The INSi contract against the published material: every request the
//! host can write passes the official XSDs (checked by lxml through
//! `tools/insi-xsd-check`), every recorded answer of the CNDA test cases
//! and test identities is read, and the answers the sandbox writes pass
//! the RESULTAT XSD and read back the same.

use esculape_insi::request::{self, envelope};
use esculape_insi::response;
use esculape_insi::*;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn responses() -> PathBuf {
    root().join("../shared/testdata/insi/responses")
}

/// Run the XSD check on messages; (success, what it printed).
fn xsd_check(messages: &[(&str, String)]) -> (bool, String) {
    let dir = tempfile::tempdir().expect("dossier temporaire");
    let files: Vec<PathBuf> = messages
        .iter()
        .map(|(name, xml)| {
            let p = dir.path().join(format!("{name}.xml"));
            std::fs::write(&p, xml).expect("écriture");
            p
        })
        .collect();
    let out = Command::new("python3")
        .arg(root().join("tools/insi-xsd-check"))
        .args(&files)
        .output()
        .expect("python3 (cargo xtask setup installe lxml)");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

fn contexte() -> Contexte {
    Contexte::exemple()
}

fn traits(cog: Option<&str>) -> Recherche {
    Recherche::Traits(Traits {
        nom_naissance: "ADRTROIS".into(),
        prenoms: vec!["DOMINIQUE".into()],
        sexe: "F".into(),
        date_naissance: "1997-02-26".into(),
        lieu_naissance: cog.map(Into::into),
    })
}

fn carte(od: bool) -> Recherche {
    let m = Matricule {
        numero: "2360663220836".into(),
        cle: "56".into(),
    };
    Recherche::CarteVitale(CarteVitale {
        matricule_individu: (!od).then(|| m.clone()),
        matricule_ouvrant_droit: od.then_some(m),
        nom_naissance: Some("TCHITCHI".into()),
        date_naissance: "1936-06-21".into(),
        rang_naissance: Some("1".into()),
    })
}

#[test]
fn every_request_passes_the_official_xsds_and_reads_back() {
    let cases = [
        ("traits-sans-cog", traits(None)),
        ("traits-avec-cog", traits(Some("2A020"))),
        ("carte-vitale-individu", carte(false)),
        ("carte-vitale-ouvrant-droit", carte(true)),
    ];
    let ctx = contexte();
    let messages: Vec<(&str, String)> = cases
        .iter()
        .map(|(name, r)| (*name, envelope(&ctx, r)))
        .collect();
    let (ok, out) = xsd_check(&messages);
    assert!(ok, "{out}");
    for ((_, sent), (_, xml)) in cases.iter().zip(&messages) {
        let (c, r) = request::parse(xml).expect("relecture");
        assert_eq!(&c, &ctx);
        assert_eq!(&r, sent);
    }
    // The header parts the WSDL names, and the operation's action.
    let xml = &messages[0].1;
    for part in [
        "wsse:Security",
        "ctxlps:ContexteLPS",
        "wsa:MessageID",
        "ctxbam:ContexteBAM",
    ] {
        assert!(xml.contains(&format!("<{part}")), "{part} manque");
    }
    assert_eq!(cases[0].1.action(), ACTION_TRAITS);
    assert_eq!(cases[2].1.action(), ACTION_VITALE);
}

#[test]
fn the_xsd_check_can_fail() {
    let good = envelope(&contexte(), &traits(None));
    // ContexteBAM requires COUVERTURE; Temps must be an xsd:dateTime.
    let no_coverage = good.replace("<ctxbam:COUVERTURE/>", "");
    let bad_time = good.replace(
        "<ctxbam:Temps>2026-11-26T10:00:00Z</ctxbam:Temps>",
        "<ctxbam:Temps>26/11/2026</ctxbam:Temps>",
    );
    assert_ne!(good, no_coverage);
    assert_ne!(good, bad_time);
    for bad in [no_coverage, bad_time] {
        let (ok, out) = xsd_check(&[("mauvais", bad)]);
        assert!(!ok, "accepté à tort");
        assert!(out.contains("ContexteBAM"), "{out}");
    }
    // And the reader refuses what the sandbox must not accept.
    let no_first_name = good.replace("<Prenom>DOMINIQUE</Prenom>", "");
    assert!(matches!(
        request::parse(&no_first_name),
        Err(InsiError::Missing("Prenom"))
    ));
}

fn read(name: &str) -> esculape_insi::Result<Resultat> {
    let xml = std::fs::read_to_string(responses().join(name)).expect("réponse enregistrée");
    response::parse(&xml)
}

fn key_is_valid(ins: &Ins) -> bool {
    esculape_domain::identity::ins_key(&ins.numero)
        .is_some_and(|k| ins.cle.as_deref() == Some(&format!("{k:02}")))
}

#[test]
fn every_recorded_answer_is_read() {
    let mut seen = 0;
    for entry in std::fs::read_dir(responses()).expect("réponses enregistrées") {
        let name = entry.expect("fichier").file_name();
        let name = name.to_string_lossy();
        let r = read(&name).unwrap_or_else(|e| panic!("{name}: {e}"));
        if r.code == CodeCr::Trouve {
            let i = r.individu.as_ref().expect("individu");
            assert_eq!(i.ins.numero.len(), 13, "{name}");
            assert!(!i.traits.prenoms.is_empty(), "{name}");
        }
        seen += 1;
    }
    assert_eq!(seen, 10);

    let r = read("AdrtroisDominiqueXmlResponse.xml").unwrap();
    let i = r.individu.unwrap();
    assert_eq!(i.ins.matricule(), "297022A02077878");
    assert_eq!(i.ins.oid, "1.2.250.1.213.1.4.8");
    assert!(key_is_valid(&i.ins), "Corse 2A: clé 78");
    assert_eq!(i.traits.nom_naissance, "ADRTROIS");
    assert_eq!(i.traits.prenoms, ["DOMINIQUE"]);
    assert_eq!(i.traits.lieu_naissance.as_deref(), Some("2A020"));

    let r = read("TchitchiCatarinaXmlResponse.xml").unwrap();
    let i = r.individu.unwrap();
    assert_eq!(i.ins.matricule(), "236066322083656");
    assert!(key_is_valid(&i.ins));

    let r = read("REP_CR01.xml").unwrap();
    assert_eq!(r.code, CodeCr::Aucune);
    assert!(r.individu.is_none());
    assert_eq!(r.libelle, "Aucune identite trouvee");

    // A NIA: the identity can be recovered, and is to be verified again.
    let i = read("TEST_2.05.xml").unwrap().individu.unwrap();
    assert!(i.ins.est_nia());
    assert_eq!(i.traits.prenoms, ["MATRICULE"]);

    // History of INS, dates included (given before IdIndividu here,
    // against the XSD's order: the reader takes elements by name).
    let i = read("TEST_2.04_cas2.xml").unwrap().individu.unwrap();
    assert_eq!(i.historique.len(), 2);
    assert_eq!(i.historique[0].numero, "2090763220834");
    assert_eq!(i.historique[0].date_debut.as_deref(), Some("2019-03-01"));
    assert_eq!(i.traits.prenoms, ["PIERRE-ALAIN", "MURIEL", "FLORIANT"]);
}

#[test]
fn answers_the_sandbox_writes_pass_the_xsd_and_read_back() {
    let mut answers: Vec<Resultat> = [
        "AdrtroisDominiqueXmlResponse.xml",
        "TEST_2.04_cas2.xml",
        "TEST_2.05.xml",
        "REP_CR01.xml",
    ]
    .iter()
    .map(|n| read(n).expect("réponse"))
    .collect();
    answers.push(Resultat {
        code: CodeCr::Plusieurs,
        libelle: CodeCr::Plusieurs.libelle().into(),
        individu: None,
    });
    let messages: Vec<(&str, String)> = answers
        .iter()
        .map(|r| ("reponse", response::envelope(r)))
        .collect();
    let named: Vec<(String, String)> = messages
        .iter()
        .enumerate()
        .map(|(i, (_, x))| (format!("reponse-{i}"), x.clone()))
        .collect();
    let refs: Vec<(&str, String)> = named.iter().map(|(n, x)| (n.as_str(), x.clone())).collect();
    let (ok, out) = xsd_check(&refs);
    assert!(ok, "{out}");
    for (r, (_, xml)) in answers.iter().zip(&messages) {
        assert_eq!(&response::parse(xml).expect("relecture"), r);
    }
    // A fault reads as a typed error, not as an answer.
    let f = response::fault(true, "siram:100", "IDAM inconnu");
    match response::parse(&f) {
        Err(InsiError::Fault { code, reason }) => {
            assert_eq!(code, "siram:100");
            assert_eq!(reason, "IDAM inconnu");
        }
        other => panic!("{other:?}"),
    }
}
