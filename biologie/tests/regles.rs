//! The JDV « Circuit de la biologie » rules as the DSR explains them
//! (§3.2.2, 2.8), on the bundled extract and on spreadsheets of both column
//! layouts.

use esculape_biologie::{Comparabilite, ErreurJdv, Jdv, Resultat, jdv::mots, tendance, unites};

fn r(loinc: &str, valeur: f64, unite: &str, quand: &str, labo: &str) -> Resultat {
    Resultat {
        loinc: loinc.into(),
        valeur,
        unite: unite.into(),
        quand: quand.into(),
        laboratoire: Some(labo.into()),
    }
}

fn officiel_essai() -> Jdv {
    esculape_biologie::xlsx::lire(
        include_bytes!("jdv/jdv-disposition-1.1.22.xlsx"),
        "jdv-disposition-1.1.22.xlsx",
    )
    .expect("disposition 1.1.22")
}

#[test]
fn the_bundled_extract_carries_the_dsr_rows_with_its_typos_settled() {
    let jdv = Jdv::embarque().expect("extrait");
    let c = jdv.ligne("14682-9").expect("créatinine");
    assert_eq!(c.comparabilite, Comparabilite::Comparable);
    assert!(c.restreinte);
    assert_eq!(c.unite_ucum, "µmol/L");
    assert_eq!(c.correspondance.as_deref(), Some("2160-0"));
    assert_eq!(c.facteur, Some(0.113));
    assert_eq!(jdv.ligne("2160-0").and_then(|l| l.facteur), Some(8.84));
    // « d9 » in the DSR's table: not evaluated
    for l in ["35591-7", "50380-5", "50381-9"] {
        assert_eq!(
            jdv.ligne(l).map(|l| l.comparabilite),
            Some(Comparabilite::NonEvaluee),
            "{l}"
        );
    }
    // each pair's factors are each other's inverse, to the JDV's rounding
    for l in jdv.lignes() {
        if let (Some(f), Some(c)) = (l.facteur, l.correspondance.as_deref()) {
            let autre = jdv.ligne(c).unwrap_or_else(|| panic!("{c} absent"));
            assert_eq!(autre.correspondance.as_deref(), Some(l.loinc.as_str()));
            let g = autre.facteur.expect("facteur retour");
            assert!((f * g - 1.0).abs() < 0.01, "{} × {} = {}", f, g, f * g);
        }
    }
    assert!(jdv.remarques.is_empty(), "{:?}", jdv.remarques);
}

#[test]
fn creatinine_in_micromoles_goes_to_milligrams_with_the_factor_case_1() {
    // DSR case 1: X µmol/L, the JDV's unit: F = 0.113 applies as is
    let jdv = Jdv::embarque().expect("extrait");
    let t = tendance(
        &jdv,
        "2160-0",
        &[r("14682-9", 80.0, "µmol/L", "2026-01-10T08:00", "Labo A")],
    );
    assert_eq!(t.unite, "mg/L");
    assert_eq!(t.points.len(), 1);
    assert_eq!(t.points[0].valeur, 9.04);
    let c = t.points[0].conversion.as_ref().expect("converti");
    assert_eq!((c.valeur, c.unite.as_str()), (80.0, "µmol/L"));
    assert!(
        c.explication.contains("facteur du JDV"),
        "{}",
        c.explication
    );
    assert!(t.avertissements.is_empty(), "{:?}", t.avertissements);
}

#[test]
fn creatinine_in_moles_is_pre_converted_before_the_factor_case_2() {
    // DSR case 2: X mol/L: X' = X·10⁶ µmol/L, then F
    let jdv = Jdv::embarque().expect("extrait");
    let t = tendance(
        &jdv,
        "2160-0",
        &[r("14682-9", 0.00008, "mol/L", "2026-01-10T08:00", "Labo A")],
    );
    assert_eq!(t.points.len(), 1);
    assert_eq!(t.points[0].valeur, 9.04);
}

#[test]
fn a_prefix_only_difference_is_converted_by_ucum() {
    // DSR example 1: glucose 14749-6 in mol/L from one laboratory, mmol/L
    // from another: one curve in mmol/L
    assert_eq!(
        unites::facteur("mol/L", "mmol/L").map(unites::arrondi),
        Some(1000.0)
    );
    assert_eq!(unites::facteur("µmol/L", "umol/L"), Some(1.0));
    assert_eq!(unites::facteur("g/L", "mmol/L"), None);
    assert_eq!(unites::facteur("pas une unité", "g/L"), None);
    let jdv = Jdv::embarque().expect("extrait");
    let t = tendance(
        &jdv,
        "14749-6",
        &[
            r("14749-6", 0.0055, "mol/L", "2026-02-01T08:00", "Labo 1"),
            r("14749-6", 6.1, "mmol/L", "2026-01-01T08:00", "Labo 2"),
        ],
    );
    let v: Vec<f64> = t.points.iter().map(|p| p.valeur).collect();
    assert_eq!(v, vec![6.1, 5.5], "in the order of time");
}

#[test]
fn two_glycaemias_in_g_per_litre_and_mmol_per_litre_share_one_curve() {
    // the practice's file says glucose is comparable (1): no warning
    let jdv = officiel_essai();
    let resultats = [
        r(
            "2345-7",
            1.05,
            "g/L",
            "2026-03-01T08:00",
            "Laboratoire du Centre",
        ),
        r("14749-6", 7.2, "mmol/L", "2026-04-01T08:00", "Biolab Est"),
    ];
    let t = tendance(&jdv, "14749-6", &resultats);
    assert_eq!(t.unite, "mmol/L");
    let v: Vec<f64> = t.points.iter().map(|p| p.valeur).collect();
    assert_eq!(v, vec![5.829, 7.2]);
    assert!(t.points[0].conversion.is_some() && t.points[1].conversion.is_none());
    assert_eq!(t.comparabilite, Some(Comparabilite::Comparable));
    assert!(t.avertissements.is_empty(), "{:?}", t.avertissements);
    // the same in g/L the other way
    let t = tendance(&jdv, "2345-7", &resultats);
    let v: Vec<f64> = t.points.iter().map(|p| p.valeur).collect();
    assert_eq!(v, vec![1.05, 1.296]);

    // the bundled extract, where glucose's level is not known: the curve
    // is drawn with the « not evaluated » warning
    let t = tendance(&Jdv::embarque().expect("extrait"), "14749-6", &resultats);
    assert_eq!(t.points.len(), 2);
    assert_eq!(t.comparabilite, Some(Comparabilite::NonEvaluee));
    assert!(
        t.avertissements[0].contains("n'a pas été évaluée"),
        "{:?}",
        t.avertissements
    );
}

#[test]
fn level_2_warns_to_check_the_reference_ranges() {
    let jdv = officiel_essai();
    let t = tendance(
        &jdv,
        "1988-5",
        &[
            r("1988-5", 12.0, "mg/L", "2026-03-01T08:00", "A"),
            r("1988-5", 0.5, "mg/dL", "2026-03-08T08:00", "B"),
        ],
    );
    assert_eq!(
        t.points.iter().map(|p| p.valeur).collect::<Vec<_>>(),
        vec![12.0, 5.0]
    );
    assert_eq!(t.comparabilite, Some(Comparabilite::AVerifier));
    assert!(
        t.avertissements[0].contains("vérifiez au moins les valeurs de référence"),
        "{:?}",
        t.avertissements
    );
}

#[test]
fn what_cannot_be_converted_stays_off_the_curve_with_why() {
    let jdv = officiel_essai();
    let t = tendance(
        &jdv,
        "2823-3",
        &[
            r("2823-3", 4.1, "mmol/L", "2026-03-01T08:00", "A"),
            r("2823-3", 160.0, "mg/L", "2026-03-02T08:00", "B"),
        ],
    );
    assert_eq!(t.points.len(), 1);
    assert_eq!(t.ecartes.len(), 1);
    assert_eq!(t.ecartes[0].indice, 1);
    assert!(
        t.ecartes[0].raison.contains("non convertible"),
        "{}",
        t.ecartes[0].raison
    );
    assert!(
        t.avertissements
            .iter()
            .any(|a| a.contains("hors de la courbe"))
    );

    // an analyte the value set does not know: same unit only, and said so
    let t = tendance(
        &jdv,
        "99999-9",
        &[
            r("99999-9", 1.0, "U/L", "2026-03-01T08:00", "A"),
            r("99999-9", 2.0, "U/L", "2026-03-02T08:00", "A"),
        ],
    );
    assert_eq!(t.points.len(), 2);
    assert_eq!(t.comparabilite, None);
    assert!(t.avertissements[0].contains("absente du JDV"));
}

#[test]
fn the_spreadsheet_columns_are_found_by_their_names_in_both_layouts() {
    let nouveau = officiel_essai();
    assert_eq!(nouveau.len(), 7, "the row given twice is read once");
    assert!(nouveau.remarques.iter().any(|r| r.contains("en double")));
    assert!(nouveau.remarques.iter().any(|r| r.contains("« d9 »")));
    let g = nouveau.ligne("2345-7").expect("glucose");
    assert_eq!(
        (
            g.comparabilite,
            g.restreinte,
            g.unite_ucum.as_str(),
            g.facteur
        ),
        (Comparabilite::Comparable, true, "g/L", Some(5.551))
    );
    assert_eq!(g.nom(), "Glycémie");

    // before 1.1.22: no correspondence nor factor; read all the same
    let ancien =
        esculape_biologie::xlsx::lire(include_bytes!("jdv/jdv-disposition-1.1.21.xlsx"), "ancien")
            .expect("disposition 1.1.21");
    let g = ancien.ligne("2345-7").expect("glucose");
    assert_eq!((g.correspondance.as_deref(), g.facteur), (None, None));
    assert_eq!(g.comparabilite, Comparabilite::Comparable);
    // and without the factor, g/L and mmol/L stay apart
    let t = tendance(
        &ancien,
        "14749-6",
        &[r("2345-7", 1.05, "g/L", "2026-03-01T08:00", "A")],
    );
    assert!(t.points.is_empty());
}

#[test]
fn anything_else_is_refused_in_french() {
    let e = esculape_biologie::xlsx::lire(b"PK\x03\x04 pas un classeur", "x").unwrap_err();
    assert!(matches!(e, ErreurJdv::Illisible(_)), "{e}");
    assert!(e.to_string().contains("classeur"), "{e}");
    let grille = vec![vec!["LOINC".to_string(), "Libellé".to_string()]];
    let e = Jdv::depuis_grille(&grille, "x").unwrap_err();
    assert_eq!(
        e,
        ErreurJdv::ColonneAbsente("Niveau minimum de comparabilité")
    );
    assert!(e.to_string().contains("n'est pas le JDV"));
}

#[test]
fn usual_names_find_the_analyte() {
    let jdv = Jdv::embarque().expect("extrait");
    let noms =
        |q: &str| -> Vec<String> { jdv.chercher(q).iter().map(|l| l.loinc.clone()).collect() };
    assert_eq!(noms("kaliémie"), vec!["2823-3"]);
    assert!(noms("Glycémie").contains(&"14749-6".to_string()));
    assert!(noms("glucose").contains(&"2345-7".to_string()));
    assert_eq!(noms("TSH"), vec!["3016-3"]);
    assert_eq!(
        noms("créatinine urine")[0],
        "14683-7",
        "restricted list first"
    );
    assert!(noms("rien de tel").is_empty());
    assert_eq!(mots("  Créatininémie  SÉRUM "), "creatininemie serum");
}
