//! In-memory patient records for plugin tests.

use esculape_runtime::RecordSource;
use esculape_runtime::api::record_read::{
    Allergy, Measure, Patient, Problem, Treatment, Vaccination,
};
use esculape_runtime::api::types::{
    Coded, Date, Error, IdentityAttributes, IdentityStatus, IdentityTraits, Ins, Sex, Timestamp,
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
    }
}
