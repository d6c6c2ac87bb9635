//! Headers written by the builder pass the official ANS schematrons
//! (`../shared/tools/cda-validate`): XSD, IHE, CI-SIS content models, ANS
//! models and "structuration minimale".

use esculape_sdk::cda::{
    self, Address, Author, Body, Code, Header, Organization, Patient, Sex, Telecom, oid,
};

fn header(patient: Patient) -> Header {
    Header {
        template_ids: vec![],
        id: "2.25.329800735698586629295641978511506172918".into(),
        set_id: "2.25.329800735698586629295641978511506172919".into(),
        version: 1,
        type_code: Code::new(
            "11488-4",
            oid::LOINC,
            "CR ou fiche de consultation ou de visite",
        )
        .named("LOINC"),
        title: "Compte rendu de consultation".into(),
        effective_time: "20261126150922+0100".into(),
        confidentiality: Header::normal_confidentiality(),
        patient,
        author: Author {
            id: "810001234567".into(),
            given: "Hélène".into(),
            family: "DURAND".into(),
            profession: Code::new(
                "G15_10/SM54",
                oid::PROFESSION,
                "Médecin - Médecine générale (SM)",
            ),
        },
        organization: Organization {
            id: "1750012345".into(),
            name: "Cabinet du Dr Durand".into(),
            facility_type: Code::new("SA07", oid::FACILITY, "Cabinet individuel"),
            practice_setting: Code::new("AMBULATOIRE", oid::PRACTICE_SETTING, "Ambulatoire"),
        },
        service_event: None,
        service_start: "20261126143000+0100".into(),
        service_end: Some("20261126150000+0100".into()),
        informants: vec![],
    }
}

pub fn qualified() -> Patient {
    Patient {
        local_id: ("2.25.1".into(), "p1".into()),
        ins: Some(("297022A02077878".into(), oid::INS_NIR_TEST.into())),
        qualified: true,
        birth_name: "ADRTROIS".into(),
        birth_first_names: vec!["DOMINIQUE".into(), "MARIE".into()],
        used_name: Some("MARTIN".into()),
        used_first_name: Some("DOMI".into()),
        sex: Sex::Female,
        birth_date: "19970201".into(),
        birth_place_cog: Some("2A004".into()),
        // The contact details record-read 0.2.0 carries, in the header.
        address: Some(Address {
            lines: vec!["3 rue Fesch".into(), "Bâtiment B".into()],
            postal_code: Some("20000".into()),
            city: Some("Ajaccio".into()),
            country: None,
        }),
        telecoms: vec![
            Telecom {
                usage: Some("MC"),
                url: "tel:0612345678".into(),
            },
            Telecom {
                usage: None,
                url: "mailto:dominique.adrtrois@example.org".into(),
            },
        ],
    }
}

fn validate(name: &str, xml: &[u8]) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(name);
    std::fs::write(&file, xml).unwrap();
    esculape_sdk_testing::cda_validate(&[file])
}

fn minimal_pdf() -> Vec<u8> {
    // Any bytes stand for the PDF here: the schematrons look at the header.
    b"%PDF-1.4\n%%EOF\n".to_vec()
}

#[test]
fn an_n1_header_for_a_qualified_identity_passes_the_schematrons() {
    let xml = cda::document(&header(qualified()), Body::N1(&minimal_pdf()));
    let (ok, report) = validate("n1.xml", &xml);
    assert!(ok, "{report}\n{}", String::from_utf8_lossy(&xml));
    let text = String::from_utf8_lossy(&xml);
    assert!(
        text.contains("<addr use=\"H\">")
            && text.contains("<streetAddressLine>3 rue Fesch</streetAddressLine>")
            && text.contains("<telecom use=\"MC\" value=\"tel:0612345678\"/>"),
        "{text}"
    );
}

#[test]
fn an_n1_header_for_a_provisional_identity_without_ins_passes_the_schematrons() {
    let mut p = qualified();
    p.qualified = false;
    p.used_name = None;
    p.used_first_name = None;
    p.birth_place_cog = None;
    let xml = cda::document(&header(p), Body::N1(&minimal_pdf()));
    assert!(!String::from_utf8_lossy(&xml).contains("297022A02077878"));
    let (ok, report) = validate("n1-provisoire.xml", &xml);
    assert!(ok, "{report}");
}

#[test]
fn a_header_without_title_is_refused_so_the_check_can_fail() {
    let mut h = header(qualified());
    h.title.clear();
    h.author.profession.code = "NOPE".into();
    let xml = cda::document(&h, Body::N1(&minimal_pdf()));
    let (ok, _) = validate("bad.xml", &xml);
    assert!(!ok);
}
