//! The typed content of the official examples: problems, allergies,
//! treatments, vaccinations, measures and lab results with their codes,
//! as the integration into the record (LGC.MDV.05) and the biology trends
//! need them.

use esculape_cda_lecture::{entrees, lire};

fn exemple(nom: &str) -> Vec<u8> {
    let p = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/testdata/ans/cda-examples")
        .join(nom);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn tous() -> Vec<(String, entrees::Contenu)> {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/testdata/ans/cda-examples");
    std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".xml"))
        .map(|p| {
            let nom = p.file_name().unwrap().to_string_lossy().into_owned();
            let c = entrees::lire(&std::fs::read(&p).unwrap())
                .unwrap_or_else(|e| panic!("{nom} : {e}"));
            (nom, c)
        })
        .collect()
}

#[test]
fn every_official_example_yields_its_typed_entries_with_codes() {
    let tous = tous();
    let somme = |f: fn(&entrees::Contenu) -> usize| tous.iter().map(|(_, c)| f(c)).sum::<usize>();
    assert!(somme(|c| c.problemes.len()) >= 100);
    assert!(somme(|c| c.allergies.len()) >= 10);
    assert!(somme(|c| c.traitements.len()) >= 40);
    assert!(somme(|c| c.vaccinations.len()) >= 40);
    assert!(somme(|c| c.mesures.len()) >= 60);
    assert!(somme(|c| c.resultats.len()) >= 200);
    for (nom, c) in &tous {
        for r in &c.resultats {
            assert!(!r.code.code.is_empty(), "{nom} : {r:?}");
            assert!(
                r.valeur.is_some() || r.texte.is_some(),
                "{nom} : résultat sans valeur {r:?}"
            );
            assert_eq!(r.valeur.is_some(), r.unite.is_some(), "{nom} : {r:?}");
        }
        for m in &c.mesures {
            assert!(
                !m.code.code.is_empty() && !m.unite.is_empty(),
                "{nom} : {m:?}"
            );
        }
        for t in c
            .traitements
            .iter()
            .map(|t| &t.texte)
            .chain(c.problemes.iter().map(|p| &p.texte))
        {
            assert!(!t.trim().is_empty(), "{nom}");
        }
    }
}

#[test]
fn a_synthese_medicale_gives_its_problems_allergy_treatments_vaccinations_and_measures() {
    let c = lire(&exemple("IPS-FR_2024.01.xml")).unwrap().contenu;
    let p = |code: &str| {
        c.problemes
            .iter()
            .find(|p| p.code.as_ref().is_some_and(|c| c.code == code))
            .unwrap_or_else(|| panic!("problème {code} : {:?}", c.problemes))
    };
    let thyroidite = p("E06.3");
    assert!(thyroidite.actif);
    assert_eq!(thyroidite.debut.as_deref(), Some("20240111"));
    assert_eq!(
        thyroidite.code.as_ref().unwrap().scheme,
        "2.16.840.1.113883.6.3"
    );
    let ait = p("G45.9");
    assert!(!ait.actif, "un antécédent terminé n'est pas actif");
    assert_eq!(ait.fin.as_deref(), Some("20180430"));
    // an allergy's reaction is not a problem of the record
    assert!(
        c.problemes
            .iter()
            .all(|p| !p.texte.contains("Bronchospasme"))
    );
    assert_eq!(c.allergies.len(), 1);
    let a = &c.allergies[0];
    assert_eq!(a.substance.as_ref().unwrap().code, "XM5DJ7");
    assert_eq!(a.texte, "Paracétamol");
    assert_eq!(
        a.reaction.as_deref(),
        Some("Bronchospasme d'origine médicamenteuse")
    );
    let levothyrox = c
        .traitements
        .iter()
        .find(|t| t.medicament.as_ref().is_some_and(|m| m.code == "62080626"))
        .expect("Levothyrox (CIS)");
    assert_eq!(
        levothyrox.medicament.as_ref().unwrap().scheme,
        "1.2.250.1.213.2.3.1"
    );
    assert_eq!(levothyrox.debut.as_deref(), Some("20220211"));
    // a planned vaccination is neither a treatment nor a vaccination given
    assert!(
        c.traitements
            .iter()
            .all(|t| !t.texte.contains("antituberculeux"))
    );
    let revaxis = &c.vaccinations[0];
    assert_eq!(revaxis.vaccin.as_ref().unwrap().code, "60917345");
    assert_eq!(revaxis.lot.as_deref(), Some("4456672"));
    assert!(revaxis.date.as_deref().unwrap().starts_with("20090928"));
    let poids = c.mesures.iter().find(|m| m.code.code == "29463-7").unwrap();
    assert_eq!((poids.valeur, poids.unite.as_str()), (58.0, "kg"));
}

#[test]
fn a_biology_report_gives_loinc_value_ucum_unit_range_and_interpretation() {
    let c = lire(&exemple("BIO-CR-BIO_2024.01_Glycémie mole.xml"))
        .unwrap()
        .contenu;
    let g = &c.resultats[0];
    assert_eq!(g.code.code, "40193-5");
    assert_eq!(g.code.scheme, "2.16.840.1.113883.6.1");
    assert_eq!((g.valeur, g.unite.as_deref()), (Some(4.89), Some("mmol/L")));
    assert_eq!(g.intervalle.as_deref(), Some("3.89 - 3.89 mmol/L"));
    assert_eq!(g.interpretation.as_deref(), Some("N"));
    assert!(g.date.as_deref().unwrap().starts_with("20140402"));

    let tsh = lire(&exemple("BIO-CR-BIO_2024.01_TSH_1.xml"))
        .unwrap()
        .contenu;
    let t4 = tsh
        .resultats
        .iter()
        .find(|r| r.code.code == "3024-7")
        .unwrap();
    assert_eq!(t4.interpretation.as_deref(), Some("L"), "T4 libre basse");
    assert_eq!(t4.intervalle.as_deref(), Some("9.3 - 17 pg/mL"));

    // a qualitative result
    let trod = lire(&exemple("BIO-TROD_2024.01_Cystite.xml"))
        .unwrap()
        .contenu;
    assert!(
        trod.resultats
            .iter()
            .all(|r| r.texte.as_deref() == Some("négatif"))
    );

    // an analyte without LOINC keeps the laboratory's code and its name
    let crp = lire(&exemple("BIO-CR-BIO_2024.01_CRP_non_LOINC.xml"))
        .unwrap()
        .contenu;
    let r = &crp.resultats[0];
    assert_eq!(
        (r.code.code.as_str(), r.code.scheme.as_str()),
        ("1234", "1.2.250.1.2.3.4")
    );
    assert_eq!(r.texte.as_deref(), Some("< 1 mg/L"));
}

#[test]
fn a_prescription_gives_its_medications_and_a_vaccination_note_its_vaccine() {
    let c = lire(&exemple("eP-MED-DM_2024.01_PosoStruct.xml"))
        .unwrap()
        .contenu;
    let para = c
        .traitements
        .iter()
        .find(|t| t.medicament.as_ref().is_some_and(|m| m.code == "63107752"))
        .expect("paracétamol");
    assert_eq!(
        (para.debut.as_deref(), para.fin.as_deref()),
        (Some("20231201"), Some("20231206"))
    );
    assert_eq!(c.traitements.len(), 2, "{:?}", c.traitements);
    let v = lire(&exemple("VAC-NOTE_2023.01.xml")).unwrap().contenu;
    assert_eq!(v.vaccinations.len(), 1);
    assert_eq!(v.vaccinations[0].vaccin.as_ref().unwrap().code, "68747507");
    // the side effect noted with the vaccine is not a problem of its own
    assert!(v.problemes.is_empty(), "{:?}", v.problemes);
}

#[test]
fn a_body_of_too_many_elements_is_refused() {
    let mut x = b"<ClinicalDocument xmlns=\"urn:hl7-org:v3\"><component><structuredBody>".to_vec();
    for _ in 0..=esculape_cda_lecture::entrees::ELEMENTS_MAX {
        x.extend_from_slice(b"<a/>");
    }
    x.extend_from_slice(b"</structuredBody></component></ClinicalDocument>");
    let e = entrees::lire(&x).unwrap_err().to_string();
    assert!(e.contains("éléments"), "{e}");
}
