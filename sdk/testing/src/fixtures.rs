//! In-memory patient records for plugin tests.

use esculape_runtime::RecordSource;
use esculape_runtime::model::{
    Address, Allergy, CareTeamMember, Coded, Date, DocumentSummary, Error, FormValue,
    IdentityAttributes, IdentityStatus, IdentityTraits, Ins, Measure, Patient, Problem, Sex,
    Timestamp, Treatment, Vaccination,
};

/// A record held in memory.
#[derive(Clone)]
pub struct FixtureRecord {
    pub patient: Patient,
    pub problems: Vec<Problem>,
    pub allergies: Vec<Allergy>,
    pub treatments: Vec<Treatment>,
    pub vaccinations: Vec<Vaccination>,
    pub measures: Vec<Measure>,
    pub care_team: Vec<CareTeamMember>,
    pub documents: Vec<DocumentSummary>,
    /// Signed forms, by document id.
    pub forms: Vec<(String, Vec<FormValue>)>,
}

impl RecordSource for FixtureRecord {
    fn patient(&self) -> Result<Patient, Error> {
        Ok(self.patient.clone())
    }
    fn problems(&self) -> Result<Vec<Problem>, Error> {
        Ok(self.problems.clone())
    }
    fn allergies(&self) -> Result<Vec<Allergy>, Error> {
        Ok(self.allergies.clone())
    }
    fn treatments(&self) -> Result<Vec<Treatment>, Error> {
        Ok(self.treatments.clone())
    }
    fn vaccinations(&self) -> Result<Vec<Vaccination>, Error> {
        Ok(self.vaccinations.clone())
    }
    fn measures(&self, limit: u32) -> Result<Vec<Measure>, Error> {
        Ok(self.measures.iter().take(limit as usize).cloned().collect())
    }
    fn care_team(&self) -> Result<Vec<CareTeamMember>, Error> {
        Ok(self.care_team.clone())
    }
    fn documents(&self) -> Result<Vec<DocumentSummary>, Error> {
        Ok(self.documents.clone())
    }
    fn signed_form(&self, document_id: &str) -> Result<Option<Vec<FormValue>>, Error> {
        if !self.documents.iter().any(|d| d.id == document_id) {
            return Err(Error::NotFound(format!("document {document_id}")));
        }
        Ok(self
            .forms
            .iter()
            .find(|(id, _)| id == document_id)
            .map(|(_, f)| f.clone()))
    }
}

fn date(year: u16, month: u8, day: u8) -> Date {
    Date { year, month, day }
}

fn cim10(code: &str, display: &str) -> Coded {
    Coded {
        code: code.into(),
        code_system: "2.16.840.1.113883.6.3".into(),
        code_system_name: Some("CIM-10".into()),
        display: Some(display.into()),
    }
}

/// An adult born in Corsica (Ajaccio, 2A004) with a qualified INS: the INSi
/// test identity ADRTROIS DOMINIQUE.
pub fn adult_corsican() -> FixtureRecord {
    FixtureRecord {
        patient: Patient {
            id: "pat-adrtrois".into(),
            traits: IdentityTraits {
                birth_name: "ADRTROIS".into(),
                used_name: None,
                birth_first_names: vec!["DOMINIQUE".into()],
                used_first_name: None,
                sex: Sex::Female,
                birth_date: date(1997, 2, 1),
                birth_place_cog: Some("2A004".into()),
            },
            ins: Some(Ins {
                matricule: "297022A02077878".into(),
                oid: "1.2.250.1.213.1.4.10".into(),
            }),
            status: IdentityStatus::Qualifiee,
            attributes: IdentityAttributes::empty(),
            address: Some(Address {
                lines: vec!["3 rue Fesch".into()],
                postal_code: Some("20000".into()),
                city: Some("Ajaccio".into()),
                country: None,
            }),
            telecoms: vec![],
        },
        problems: vec![
            Problem {
                code: Some(cim10("E11", "Diabète sucré de type 2")),
                text: "Diabète de type 2".into(),
                active: true,
                onset: Some(date(2019, 5, 1)),
                end: None,
            },
            Problem {
                code: Some(cim10("K35", "Appendicite aiguë")),
                text: "Appendicectomie".into(),
                active: false,
                onset: Some(date(2008, 7, 12)),
                end: Some(date(2008, 7, 20)),
            },
        ],
        allergies: vec![Allergy {
            substance: None,
            text: "Pénicilline".into(),
            reaction: Some("urticaire".into()),
        }],
        treatments: vec![Treatment {
            medication: None,
            text: "METFORMINE 1000 mg".into(),
            posology: Some("1 comprimé matin et soir".into()),
            start: Some(date(2019, 5, 1)),
            end: None,
            long_term: true,
        }],
        vaccinations: vec![],
        measures: vec![Measure {
            code: Coded {
                code: "29463-7".into(),
                code_system: "2.16.840.1.113883.6.1".into(),
                code_system_name: Some("LOINC".into()),
                display: Some("Poids".into()),
            },
            value: 63.5,
            unit: "kg".into(),
            at: Timestamp {
                unix_millis: 1_764_000_000_000,
                utc_offset_minutes: 60,
            },
        }],
        care_team: vec![],
        documents: vec![],
        forms: vec![],
    }
}

/// A boy of 9 months born in Lyon 3e with a qualified INS (test NIR),
/// weighed and measured at his 9th-month exam, vaccinated.
pub fn child() -> FixtureRecord {
    let measure = |code: &str, display: &str, value: f64, unit: &str| Measure {
        code: Coded {
            code: code.into(),
            code_system: "2.16.840.1.113883.6.1".into(),
            code_system_name: Some("LOINC".into()),
            display: Some(display.into()),
        },
        value,
        unit: unit.into(),
        at: Timestamp {
            unix_millis: 1_795_700_000_000,
            utc_offset_minutes: 60,
        },
    };
    FixtureRecord {
        patient: Patient {
            id: "5f0c2a1e9b7d4c3a8e6f1d2c3b4a5968".into(),
            traits: IdentityTraits {
                birth_name: "NGUYEN".into(),
                used_name: None,
                birth_first_names: vec!["LUCAS".into(), "MINH".into(), "PIERRE".into()],
                used_first_name: None,
                sex: Sex::Male,
                birth_date: date(2026, 2, 14),
                birth_place_cog: Some("69383".into()),
            },
            ins: Some(Ins {
                matricule: "126026938312373".into(),
                oid: "1.2.250.1.213.1.4.10".into(),
            }),
            status: IdentityStatus::Qualifiee,
            attributes: IdentityAttributes::empty(),
            address: None,
            telecoms: vec![],
        },
        problems: vec![],
        allergies: vec![],
        treatments: vec![],
        vaccinations: vec![Vaccination {
            vaccine: Some(Coded {
                code: "J07CA09".into(),
                code_system: "2.16.840.1.113883.6.73".into(),
                code_system_name: Some("ATC".into()),
                display: Some(
                    "Diphtérie-Haemophilus-Coqueluche-Poliomyélite-Tétanos-Hépatite B".into(),
                ),
            }),
            text: "Hexavalent (DTCaP-Hib-HepB)".into(),
            date: date(2026, 4, 14),
            lot: Some("A1234".into()),
        }],
        measures: vec![
            measure("29463-7", "Poids", 8.9, "kg"),
            measure("8302-2", "Taille", 71.0, "cm"),
            measure("8287-5", "Périmètre crânien", 45.0, "cm"),
        ],
        care_team: vec![],
        documents: vec![],
        forms: vec![],
    }
}

/// An adult with three birth first names, a used name and a used first
/// name, whose identity is still provisoire (no INS travels).
pub fn adult_provisional() -> FixtureRecord {
    FixtureRecord {
        patient: Patient {
            id: "0a1b2c3d4e5f60718293a4b5c6d7e8f9".into(),
            traits: IdentityTraits {
                birth_name: "DE LA FONTAINE".into(),
                used_name: Some("MARTIN".into()),
                birth_first_names: vec!["MARIE".into(), "HELENE".into(), "JEANNE".into()],
                used_first_name: Some("LENA".into()),
                sex: Sex::Female,
                birth_date: date(1958, 11, 3),
                birth_place_cog: Some("99134".into()),
            },
            ins: None,
            status: IdentityStatus::Provisoire,
            attributes: IdentityAttributes::empty(),
            address: None,
            telecoms: vec![],
        },
        problems: vec![Problem {
            code: Some(cim10("I10", "Hypertension essentielle (primitive)")),
            text: "Hypertension artérielle".into(),
            active: true,
            onset: Some(date(2015, 3, 1)),
            end: None,
        }],
        allergies: vec![],
        treatments: vec![Treatment {
            medication: None,
            text: "AMLODIPINE 5 mg".into(),
            posology: Some("1 comprimé le matin".into()),
            start: Some(date(2015, 3, 1)),
            end: None,
            long_term: true,
        }],
        vaccinations: vec![],
        measures: vec![],
        care_team: vec![],
        documents: vec![],
        forms: vec![],
    }
}

/// The three patients every document type is produced for in the tests:
/// a qualified Corsican-born adult, a qualified child with three first
/// names, a provisional adult born abroad with used names.
pub fn three_patients() -> Vec<(&'static str, FixtureRecord)> {
    vec![
        ("adulte-corse", adult_corsican()),
        ("enfant", child()),
        ("adulte-provisoire", adult_provisional()),
    ]
}

/// Three qualified children for the child health certificates (which
/// require the INS): the child above (hexavalent on the record, measures);
/// a girl born in Corsica with two first names and a used first name, two
/// hexavalent doses and a pneumococcal one; a boy born in Paris with no
/// vaccination and no measure on the record.
pub fn three_children() -> Vec<(&'static str, FixtureRecord)> {
    let atc = |code: &str, display: &str| Coded {
        code: code.into(),
        code_system: "2.16.840.1.113883.6.73".into(),
        code_system_name: Some("ATC".into()),
        display: Some(display.into()),
    };
    let mut corse = child();
    corse.patient.id = "7a1b2c3d4e5f60718293a4b5c6d7e8f9".into();
    corse.patient.traits.birth_name = "SANTONI".into();
    corse.patient.traits.birth_first_names = vec!["MARIE".into(), "LAETITIA".into()];
    corse.patient.traits.used_first_name = Some("LAETITIA".into());
    corse.patient.traits.sex = Sex::Female;
    corse.patient.traits.birth_date = date(2024, 12, 3);
    corse.patient.traits.birth_place_cog = Some("2A004".into());
    corse.patient.ins = Some(Ins {
        matricule: "224122A00412345".into(),
        oid: "1.2.250.1.213.1.4.10".into(),
    });
    corse.vaccinations = vec![
        Vaccination {
            vaccine: Some(atc("J07CA09", "hexavalent")),
            text: "Hexavalent".into(),
            date: date(2025, 2, 3),
            lot: None,
        },
        Vaccination {
            vaccine: Some(atc("J07AL02", "pneumococcique conjugué")),
            text: "Pneumocoque".into(),
            date: date(2025, 2, 3),
            lot: None,
        },
        Vaccination {
            vaccine: Some(atc("J07CA09", "hexavalent")),
            text: "Hexavalent".into(),
            date: date(2025, 4, 3),
            lot: None,
        },
    ];
    let mut paris = child();
    paris.patient.id = "0f1e2d3c4b5a69788796a5b4c3d2e1f0".into();
    paris.patient.traits.birth_name = "DUPONT".into();
    paris.patient.traits.birth_first_names = vec!["JULES".into()];
    paris.patient.traits.birth_date = date(2026, 1, 20);
    paris.patient.traits.birth_place_cog = Some("75115".into());
    paris.patient.ins = Some(Ins {
        matricule: "126017511512345".into(),
        oid: "1.2.250.1.213.1.4.10".into(),
    });
    paris.vaccinations = vec![];
    paris.measures = vec![];
    vec![
        ("enfant-lyon", child()),
        ("enfant-corse", corse),
        ("enfant-paris", paris),
    ]
}
