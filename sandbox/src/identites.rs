//! The people the sandbox's INSi knows and the cards its reader holds.
//!
//! The first ones are the INSi test-environment identities and CNDA test
//! cases whose recorded answers are in the shared test data (their traits
//! and INS as the service returned them); the others are synthetic, made
//! for the cases the recordings do not cover: two homonyms born the same
//! day in different communes (02 without the birth place, 00 with it),
//! and a child on a parent's card.

use esculape_domain::identity::ins_key;
use esculape_insi::{CarteVitale, Ins, Matricule, TraitsInsi};

pub use esculape_identifiants::oid::{INS_NIA as OID_NIA, INS_NIR as OID_NIR};

#[derive(Debug, Clone)]
pub struct Personne {
    pub ins: Ins,
    pub historique: Vec<Ins>,
    pub traits: TraitsInsi,
}

/// A test carte Vitale: its label and the beneficiaries it carries, as the
/// reader gives them (the INSi request's `RECVITALE` content).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Carte {
    pub id: &'static str,
    pub libelle: &'static str,
    #[serde(serialize_with = "beneficiaires")]
    pub beneficiaires: Vec<CarteVitale>,
}

fn beneficiaires<S: serde::Serializer>(b: &[CarteVitale], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeSeq;
    let mut seq = s.serialize_seq(Some(b.len()))?;
    for c in b {
        let m = |m: &Option<Matricule>| m.as_ref().map(|m| format!("{}{}", m.numero, m.cle));
        seq.serialize_element(&serde_json::json!({
            "matricule_individu": m(&c.matricule_individu),
            "matricule_ouvrant_droit": m(&c.matricule_ouvrant_droit),
            "nom_naissance": c.nom_naissance,
            "date_naissance": c.date_naissance,
            "rang_naissance": c.rang_naissance,
        }))?;
    }
    seq.end()
}

fn ins(numero: &str, cle: &str, oid: &str) -> Ins {
    Ins {
        numero: numero.into(),
        cle: Some(cle.into()),
        oid: oid.into(),
        date_debut: None,
        date_fin: None,
    }
}

/// A synthetic NIR with its computed key.
fn nir(numero: &str) -> Ins {
    let cle = ins_key(numero)
        .map(|k| format!("{k:02}"))
        .unwrap_or_default();
    ins(numero, &cle, OID_NIR)
}

fn traits(nom: &str, prenoms: &str, sexe: &str, date: &str, lieu: &str) -> TraitsInsi {
    TraitsInsi {
        nom_naissance: nom.into(),
        prenoms: prenoms.split(' ').map(String::from).collect(),
        sexe: sexe.into(),
        date_naissance: date.into(),
        lieu_naissance: Some(lieu.into()),
    }
}

pub fn personnes() -> Vec<Personne> {
    let mut ecetinsi_ancien = ins("2090763220834", "39", OID_NIR);
    ecetinsi_ancien.date_debut = Some("2019-03-01".into());
    ecetinsi_ancien.date_fin = Some("2019-02-28".into());
    vec![
        Personne {
            ins: ins("297022A020778", "78", OID_NIR),
            historique: vec![],
            traits: traits("ADRTROIS", "DOMINIQUE", "F", "1997-02-26", "2A020"),
        },
        Personne {
            ins: ins("160012B020777", "13", OID_NIR),
            historique: vec![],
            traits: traits("ADRTROIS", "TOUSSAINT", "M", "1960-01-01", "2B020"),
        },
        Personne {
            ins: ins("2360663220836", "56", OID_NIR),
            historique: vec![],
            traits: traits("TCHITCHI", "CATARINA BELLA", "F", "1936-06-21", "63220"),
        },
        Personne {
            ins: ins("1090763220834", "89", OID_NIR),
            historique: vec![ecetinsi_ancien, ins("2090663220123", "55", OID_NIR)],
            traits: traits(
                "ECETINSI",
                "PIERRE-ALAIN MURIEL FLORIANT",
                "M",
                "2009-07-14",
                "63220",
            ),
        },
        Personne {
            ins: ins("1090763220888", "35", OID_NIA),
            historique: vec![],
            traits: traits("PROVISOIRE", "MATRICULE", "M", "2009-07-01", "63220"),
        },
        Personne {
            ins: ins("180032B020401", "23", OID_NIR),
            historique: vec![ins("180032B020401", "23", OID_NIR)],
            traits: traits("CORSE", "ANTHONY", "M", "1980-03-02", "2B020"),
        },
        Personne {
            ins: ins("1810363220456", "60", OID_NIR),
            historique: vec![
                ins("1810363220456", "60", OID_NIR),
                ins("2810363220456", "10", OID_NIR),
            ],
            traits: traits("HERMANN", "GATIEN", "M", "1981-03-24", "63220"),
        },
        // Synthetic: homonyms born the same day, in Paris and in Lyon.
        Personne {
            ins: nir("1800575056123"),
            historique: vec![],
            traits: traits("DUPONT", "JEAN PIERRE", "M", "1980-05-02", "75056"),
        },
        Personne {
            ins: nir("1800569123045"),
            historique: vec![],
            traits: traits("DUPONT", "JEAN", "M", "1980-05-02", "69123"),
        },
        // Synthetic: a child on her father's card.
        Personne {
            ins: nir("2150375056210"),
            historique: vec![],
            traits: traits("DUPONT", "LEA", "F", "2015-03-10", "75056"),
        },
        // Synthetic: born abroad (Spain, 99134): a country code that a
        // referential of communes alone does not know.
        Personne {
            ins: nir("2750899134077"),
            historique: vec![],
            traits: traits("MARTINEZ", "ANA", "F", "1975-08-19", "99134"),
        },
    ]
}

fn matricule(p: &Ins) -> Matricule {
    Matricule {
        numero: p.numero.clone(),
        cle: p.cle.clone().unwrap_or_default(),
    }
}

/// The test cards: each person's own card where the card carries the
/// individual's NIR, and a family card where the child is known by her
/// father's NIR, her birth date and rank.
pub fn cartes() -> Vec<Carte> {
    let people = personnes();
    let own = |i: usize| {
        let p = &people[i];
        CarteVitale {
            matricule_individu: Some(matricule(&p.ins)),
            matricule_ouvrant_droit: Some(matricule(&p.ins)),
            nom_naissance: Some(p.traits.nom_naissance.clone()),
            date_naissance: p.traits.date_naissance.clone(),
            rang_naissance: Some("1".into()),
        }
    };
    let father = matricule(&people[7].ins);
    vec![
        Carte {
            id: "tchitchi",
            libelle: "TCHITCHI CATARINA (1936)",
            beneficiaires: vec![own(2)],
        },
        Carte {
            id: "adrtrois",
            libelle: "ADRTROIS DOMINIQUE (1997, Corse)",
            beneficiaires: vec![own(0)],
        },
        Carte {
            id: "famille-dupont",
            libelle: "DUPONT JEAN PIERRE et sa fille LEA",
            beneficiaires: vec![
                own(7),
                CarteVitale {
                    matricule_individu: None,
                    matricule_ouvrant_droit: Some(father),
                    nom_naissance: Some("DUPONT".into()),
                    date_naissance: "2015-03-10".into(),
                    rang_naissance: Some("1".into()),
                },
            ],
        },
    ]
}
