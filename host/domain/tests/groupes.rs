//! The document list's groups (SC.CDA/INT.04, 08, 17): every type of the
//! ANS kit's documents falls in the group a doctor looks for it in.

use esculape_domain::document::GroupeDocument as G;

#[test]
fn each_kit_type_falls_in_its_group() {
    for (code, groupe) in [
        ("11490-0", G::Hospitalisation), // lettre de liaison à la sortie
        ("18761-7", G::Hospitalisation), // note de transfert
        ("74207-2", G::Hospitalisation), // dossier de liaison d'urgence
        ("60591-5", G::SyntheseMedicale),
        ("SYNTH", G::SyntheseMedicale),
        ("11502-2", G::Biologie),
        ("96173-0", G::Biologie), // TROD
        ("18748-4", G::Radiologie),
        ("57833-6", G::Prescription),
        ("87273-9", G::Vaccination),
        ("11488-4", G::Autres), // CR de consultation
        ("CERT_DECL", G::Autres),
        ("", G::Autres),
    ] {
        assert_eq!(G::du_type(code), groupe, "{code}");
    }
    assert_eq!(G::TOUS.len(), 7);
    assert!(G::TOUS.iter().all(|g| !g.libelle().is_empty()));
}
