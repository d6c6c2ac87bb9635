//! Synthetic, realistic demo practice: French names, real COG birth places,
//! encounters, measures, problems, treatments, vaccinations, documents and
//! today's agenda. Deterministic for a seed. Nobody here is real.

use esculape_domain::agenda::{Availability, NewAppointment};
use esculape_domain::document::{DocumentFormat, NewDocument, Provenance, Visibility};
use esculape_domain::record::{
    Activity, AntecedentKind, CareTeamMember, Code, Contact, EntryData, MeasureKind, NewEncounter,
};
use esculape_domain::{
    BirthDate, Day, Identity, IdentityAttributes, LocalDateTime, NewIdentity, Role, Sex,
    StructureKind,
};
use esculape_store::{Acteur, Actor, NewUser, Store};

/// Demo accounts: (login, role, password). Printed by `demo-data`.
pub const ACCOUNTS: &[(&str, &str, Role, &str)] = &[
    (
        "dr.martin",
        "Dr Claire Martin",
        Role::Medecin,
        "Stethoscope-2026!",
    ),
    (
        "dr.nguyen",
        "Dr Paul Nguyen",
        Role::Medecin,
        "Otoscope-Bleu-2026",
    ),
    (
        "accueil",
        "Sophie Lemaire",
        Role::Secretaire,
        "Rendez-Vous-2026",
    ),
    (
        "admin",
        "Administrateur",
        Role::Administrateur,
        "Gestion-Comptes-2026!",
    ),
];

const SURNAMES: &[&str] = &[
    "MARTIN",
    "BERNARD",
    "THOMAS",
    "PETIT",
    "ROBERT",
    "RICHARD",
    "DURAND",
    "DUBOIS",
    "MOREAU",
    "LAURENT",
    "SIMON",
    "MICHEL",
    "LEFEBVRE",
    "LEROY",
    "ROUX",
    "DAVID",
    "BERTRAND",
    "MOREL",
    "FOURNIER",
    "GIRARD",
    "BONNET",
    "DUPONT",
    "LAMBERT",
    "FONTAINE",
    "ROUSSEAU",
    "VINCENT",
    "MULLER",
    "LEFEVRE",
    "FAURE",
    "ANDRE",
    "MERCIER",
    "BLANC",
    "GUERIN",
    "BOYER",
    "GARNIER",
    "CHEVALIER",
    "FRANCOIS",
    "LEGRAND",
    "GAUTHIER",
    "GARCIA",
    "PERRIN",
    "ROBIN",
    "CLEMENT",
    "MORIN",
    "NICOLAS",
    "HENRY",
    "ROUSSEL",
    "MATHIEU",
    "MASSON",
    "LE GALL",
    "N'DIAYE",
    "SAINT-MARTIN",
    "D'ALMEIDA",
    "NGUYEN",
    "HADDAD",
    "DIALLO",
    "DA SILVA",
    "LE ROUX",
    "COLIN",
];
const FEMALE: &[&str] = &[
    "Marie",
    "Nathalie",
    "Isabelle",
    "Sylvie",
    "Catherine",
    "Martine",
    "Christine",
    "Françoise",
    "Valérie",
    "Sandrine",
    "Stéphanie",
    "Céline",
    "Camille",
    "Léa",
    "Manon",
    "Chloé",
    "Emma",
    "Jade",
    "Louise",
    "Inès",
    "Hélène",
    "Anne",
    "Julie",
    "Aurélie",
    "Zoé",
    "Anne-Sophie",
];
const MALE: &[&str] = &[
    "Jean",
    "Pierre",
    "Michel",
    "André",
    "Philippe",
    "Alain",
    "Bernard",
    "Christophe",
    "Patrick",
    "Nicolas",
    "Daniel",
    "Frédéric",
    "Laurent",
    "Stéphane",
    "David",
    "Julien",
    "Thomas",
    "Lucas",
    "Hugo",
    "Léo",
    "Gabriel",
    "Raphaël",
    "Arthur",
    "Louis",
    "Jérôme",
    "Jean-Pierre",
];
/// Real COG codes: arrondissements of Paris, Lyon, Marseille, large
/// communes, Corsica, overseas, and countries (99xxx).
const COG: &[(&str, &str)] = &[
    ("75111", "Paris 11e"),
    ("75115", "Paris 15e"),
    ("75118", "Paris 18e"),
    ("69383", "Lyon 3e"),
    ("13205", "Marseille 5e"),
    ("31555", "Toulouse"),
    ("06088", "Nice"),
    ("44109", "Nantes"),
    ("67482", "Strasbourg"),
    ("34172", "Montpellier"),
    ("33063", "Bordeaux"),
    ("59350", "Lille"),
    ("35238", "Rennes"),
    ("51454", "Reims"),
    ("76351", "Le Havre"),
    ("42218", "Saint-Étienne"),
    ("83137", "Toulon"),
    ("38185", "Grenoble"),
    ("21231", "Dijon"),
    ("49007", "Angers"),
    ("63113", "Clermont-Ferrand"),
    ("29019", "Brest"),
    ("37261", "Tours"),
    ("87085", "Limoges"),
    ("2A004", "Ajaccio"),
    ("2B033", "Bastia"),
    ("97411", "Saint-Denis (La Réunion)"),
    ("97209", "Fort-de-France"),
    ("99350", "Maroc"),
    ("99352", "Algérie"),
    ("99139", "Portugal"),
    ("99127", "Italie"),
    ("99134", "Espagne"),
];
const PROBLEMS: &[(&str, &str)] = &[
    ("E11.9", "Diabète de type 2"),
    ("I10", "Hypertension artérielle essentielle"),
    ("J45.9", "Asthme"),
    ("E78.5", "Hyperlipidémie"),
    ("F32.9", "Épisode dépressif"),
    ("M54.5", "Lombalgie"),
    ("K21.9", "Reflux gastro-œsophagien"),
    ("E03.9", "Hypothyroïdie"),
];
const TREATMENTS: &[(&str, &str, &str)] = &[
    (
        "A10BA02",
        "METFORMINE 1000 mg comprimé",
        "1 comprimé matin et soir",
    ),
    ("C09AA05", "RAMIPRIL 5 mg comprimé", "1 comprimé le matin"),
    (
        "R03AC02",
        "SALBUTAMOL 100 µg suspension pour inhalation",
        "2 bouffées si gêne",
    ),
    (
        "C10AA05",
        "ATORVASTATINE 20 mg comprimé",
        "1 comprimé le soir",
    ),
    (
        "H03AA01",
        "LÉVOTHYROXINE 75 µg comprimé",
        "1 comprimé à jeun",
    ),
];
const VACCINES: &[&str] = &[
    "Boostrixtetra",
    "Vaxigrip Tetra",
    "Comirnaty",
    "Priorix",
    "Infanrix Hexa",
];
const REASONS: &[&str] = &[
    "Renouvellement d'ordonnance",
    "Fièvre depuis 48 h",
    "Douleur lombaire",
    "Suivi tensionnel",
    "Certificat de sport",
    "Toux persistante",
    "Suivi diabète",
    "Syndrome grippal",
];
/// Reasons of a child's visit.
const REASONS_ENFANT: &[&str] = &[
    "Examen de l'enfant",
    "Fièvre depuis 48 h",
    "Toux persistante",
    "Certificat de sport",
    "Vaccination",
    "Otalgie",
    "Gastro-entérite",
    "Examen de l'enfant",
];

/// A visit's reason that fits the patient's age then.
fn reason(rng: &mut Rng, years: i32) -> String {
    let list = if years < 16 { REASONS_ENFANT } else { REASONS };
    rng.pick(list).to_string()
}

/// SplitMix64: small, deterministic, good enough for fake data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
    pub fn pick<'a, T>(&mut self, list: &'a [T]) -> &'a T {
        &list[self.below(list.len())]
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }
}

/// A random valid identity (not yet stored).
pub fn identity(rng: &mut Rng, today: Day) -> Identity {
    let sex = if rng.chance(52) {
        Sex::Female
    } else {
        Sex::Male
    };
    let names = if sex == Sex::Female { FEMALE } else { MALE };
    let mut first = vec![rng.pick(names).to_string()];
    for _ in 0..rng.below(3) {
        first.push(rng.pick(names).to_string());
    }
    let birth = Day::from_days(today.days() - rng.below(95 * 365) as i64);
    let used_name = (sex == Sex::Female && rng.chance(30)).then(|| rng.pick(SURNAMES).to_string());
    Identity::validate(
        NewIdentity {
            birth_name: rng.pick(SURNAMES).to_string(),
            used_name,
            birth_first_names: first,
            used_first_name: None,
            sex,
            birth_date: BirthDate::from(birth),
            birth_place_cog: Some(rng.pick(COG).0.to_string()),
            ins: None,
            high_trust_document: rng.chance(40),
            justificatif: None,
            from_insi: false,
            attributes: IdentityAttributes::default(),
        },
        BirthDate::from(today),
    )
    .expect("identité de démonstration valide")
}

/// What `demo-data` made.
#[derive(Debug, Default)]
pub struct DemoReport {
    pub patients: usize,
    pub encounters: usize,
    pub entries: usize,
    pub documents: usize,
    pub appointments: usize,
}

/// Create the practice (when it has no account yet) and `patients`
/// patients with their files. `progress` is called after each patient.
impl crate::App {
    /// Fills the database with `patients` fictitious patients (the same
    /// for the same `seed`), their records, documents and today's agenda.
    pub async fn donnees_de_demo(
        &self,
        patients: usize,
        seed: u64,
        progress: impl FnMut(usize),
    ) -> anyhow::Result<DemoReport> {
        populate(&self.store, patients, seed, self.today(), progress).await
    }
}

async fn populate(
    store: &Store,
    patients: usize,
    seed: u64,
    today: Day,
    mut progress: impl FnMut(usize),
) -> anyhow::Result<DemoReport> {
    let mut rng = Rng::new(seed);
    let system = Actor::system();
    if store.count_users().await? == 0 {
        let s = store
            .create_structure(
                &system,
                "Maison de santé des Tilleuls",
                StructureKind::MaisonDeSante,
                Some("750000001"),
            )
            .await?;
        store
            .create_site(
                &system,
                &s.id,
                "Site des Tilleuls",
                Some("12 rue des Tilleuls, 75011 Paris"),
                None,
            )
            .await?;
        for (i, (login, name, role, password)) in ACCOUNTS.iter().enumerate() {
            let compte = crate::auth::NouveauCompte {
                compte: NewUser {
                    login: login.to_string(),
                    display_name: name.to_string(),
                    rpps: (*role == Role::Medecin).then(|| format!("1000123456{i}")),
                    profession: (*role == Role::Medecin).then(|| "médecin généraliste".into()),
                    role: *role,
                    structure_id: Some(s.id.clone()),
                },
                password: password.to_string(),
            };
            crate::auth::Authentification::default()
                .creer_compte(store, &system, &compte)
                .await?;
        }
    }
    let users = store.users().await?;
    let doctors: Vec<_> = users.iter().filter(|u| u.role == Role::Medecin).collect();
    let site = store
        .sites()
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("aucun site"))?;
    let mut report = DemoReport::default();
    // Availability Monday to Friday, 08:30-12:30 and 14:00-18:00.
    for d in &doctors {
        if store.availabilities(&d.id).await?.is_empty() {
            for weekday in 1..=5 {
                for (start, end) in [("08:30", "12:30"), ("14:00", "18:00")] {
                    store
                        .add_availability(
                            &system,
                            Availability {
                                practitioner_id: d.id.clone(),
                                site_id: site.id.clone(),
                                weekday,
                                start: start.into(),
                                end: end.into(),
                                slot_minutes: 20,
                                valid_from: None,
                                valid_until: None,
                            },
                        )
                        .await?;
                }
            }
        }
    }
    for n in 0..patients {
        let doctor = *rng.pick(&doctors);
        let dr = doctor.actor();
        let identity = identity(&mut rng, today);
        let birth = Day {
            year: identity.birth_date.year as i32,
            month: identity.birth_date.month as u32,
            day: identity.birth_date.day as u32,
        };
        let p = store.create_patient(&dr, identity).await?;
        report.patients += 1;
        store
            .set_contact(
                &dr,
                &p.id,
                0,
                Contact {
                    address: Some(format!("{} rue de la République", 1 + rng.below(120))),
                    postal_code: Some("75011".into()),
                    city: Some("Paris".into()),
                    mobile: Some(format!(
                        "06 {:02} {:02} {:02} {:02}",
                        rng.below(100),
                        rng.below(100),
                        rng.below(100),
                        rng.below(100)
                    )),
                    ..Default::default()
                },
                None,
            )
            .await?;
        if rng.chance(30) {
            store
                .add_care_team_member(
                    &dr,
                    &p.id,
                    CareTeamMember {
                        name: "Dr Jeanne Cardio".into(),
                        profession: Some("cardiologue".into()),
                        rpps: Some("10009876543".into()),
                        mssante: Some("jeanne.cardio@medecin.mssante.fr".into()),
                        relation: Some("correspondant".into()),
                    },
                )
                .await?;
        }
        let age = birth.years_until(today);
        if age >= 30 && rng.chance(60) {
            let (code, label) = *rng.pick(PROBLEMS);
            store
                .add_entry(
                    &dr,
                    &p.id,
                    None,
                    EntryData::Probleme {
                        label: label.into(),
                        code: Some(Code {
                            system: "CIM-10".into(),
                            code: code.into(),
                            display: None,
                        }),
                        status: Activity::Actif,
                        onset: Some(Day::from_days(
                            today.days() - 365 * (1 + rng.below(10)) as i64,
                        )),
                    },
                )
                .await?;
            let (atc, drug, posology) = *rng.pick(TREATMENTS);
            store
                .add_entry(
                    &dr,
                    &p.id,
                    None,
                    EntryData::Traitement {
                        label: drug.into(),
                        code: Some(Code {
                            system: "ATC".into(),
                            code: atc.into(),
                            display: None,
                        }),
                        posology: posology.into(),
                        start: Day::from_days(today.days() - 300),
                        end: None,
                        long_term: true,
                    },
                )
                .await?;
            report.entries += 2;
        }
        if rng.chance(15) {
            store
                .add_entry(
                    &dr,
                    &p.id,
                    None,
                    EntryData::Allergie {
                        label: "Pénicilline".into(),
                        code: None,
                        reaction: Some("urticaire".into()),
                        status: Activity::Actif,
                    },
                )
                .await?;
            store
                .add_entry(
                    &dr,
                    &p.id,
                    None,
                    EntryData::Antecedent {
                        label: "Appendicectomie".into(),
                        code: Some(Code {
                            system: "CIM-10".into(),
                            code: "K35.8".into(),
                            display: None,
                        }),
                        antecedent: AntecedentKind::Chirurgical,
                        onset: None,
                    },
                )
                .await?;
            report.entries += 2;
        }
        store
            .add_entry(
                &dr,
                &p.id,
                None,
                EntryData::Vaccination {
                    label: rng.pick(VACCINES).to_string(),
                    code: None,
                    // Not before birth.
                    date: Day::from_days(today.days() - rng.below(1000) as i64).max(birth),
                    lot: Some(format!("L{}", 10_000 + rng.below(90_000))),
                    dose: Some(1),
                },
            )
            .await?;
        report.entries += 1;
        let encounters = rng.below(6);
        for k in 0..encounters {
            let date = Day::from_days(today.days() - (k as i64 + 1) * (20 + rng.below(90) as i64));
            if date < birth {
                break;
            }
            let e = store
                .create_encounter(
                    &dr,
                    &p.id,
                    None,
                    NewEncounter {
                        date,
                        reason: Some(reason(&mut rng, birth.years_until(date))),
                        note: "Examen clinique sans particularité. Conseils donnés.".into(),
                    },
                )
                .await?;
            report.encounters += 1;
            let years = birth.years_until(date);
            let (weight, height) = growth(years, &mut rng);
            // Taken during the consultation, between 08:30 and 18:30.
            let heure = esculape_domain::calendar::Heure::from_minutes(
                8 * 60 + 30 + rng.below(40) as u32 * 15,
            );
            for (measure, value) in [(MeasureKind::Poids, weight), (MeasureKind::Taille, height)] {
                store
                    .add_entry(
                        &dr,
                        &p.id,
                        Some(&e.id),
                        EntryData::Mesure {
                            measure,
                            value,
                            date,
                            heure,
                        },
                    )
                    .await?;
                report.entries += 1;
            }
            if years < 3 {
                let head = 35.0 + years as f64 * 6.0 + rng.below(20) as f64 / 10.0;
                store
                    .add_entry(
                        &dr,
                        &p.id,
                        Some(&e.id),
                        EntryData::Mesure {
                            measure: MeasureKind::PerimetreCranien,
                            value: head,
                            date,
                            heure,
                        },
                    )
                    .await?;
                report.entries += 1;
            }
        }
        for _ in 0..rng.below(3) {
            let text = format!(
                "Cher confrère,\n\nJe vous adresse {} pour avis.\n\nBien confraternellement,\n{}\n",
                p.identity.birth_name, doctor.display_name
            );
            store
                .add_document(
                    &dr,
                    &p.id,
                    NewDocument {
                        title: "Courrier à un confrère".into(),
                        type_code: "11490-0".into(),
                        type_display: Some("Courrier".into()),
                        format: DocumentFormat::Texte,
                        act_date: Day::from_days(today.days() - rng.below(400) as i64),
                        provenance: if rng.chance(80) {
                            Provenance::Produit
                        } else {
                            Provenance::Mssante
                        },
                        visibility: Visibility::default(),
                        cda_id: None,
                        cda_set_id: None,
                    },
                    text.into_bytes(),
                )
                .await?;
            report.documents += 1;
        }
        // One adult in three followed for diabetes: four reports, three
        // months apart, from two laboratories (one writes g/L, the other
        // mmol/L), so that trends and conversions have something to show.
        if age >= 40 && n % 3 == 0 {
            report.documents += biologie(store, &dr, &p.id, n, today).await?;
        }
        // Some of today's slots.
        if n < 24 && today.weekday() <= 5 {
            let start =
                LocalDateTime::at(today, 8 * 60 + 30 + (n as u32 / doctors.len() as u32) * 20);
            let r = store
                .book(
                    &Actor::user("accueil"),
                    NewAppointment {
                        practitioner_id: doctors[n % doctors.len()].id.clone(),
                        site_id: site.id.clone(),
                        patient_id: Some(p.id.clone()),
                        start,
                        end: start.plus_minutes(20),
                        reason: Some(reason(&mut rng, birth.years_until(today))),
                    },
                )
                .await;
            if r.is_ok() {
                report.appointments += 1;
            }
        }
        progress(n + 1);
    }
    Ok(report)
}

/// Plausible weight (kg) and height (cm) for an age in years.
/// LOINC's OID.
const LOINC: &str = "2.16.840.1.113883.6.1";

/// A patient's four received biology reports (glycaemia, HbA1c), oldest
/// first; gives how many documents were added.
async fn biologie(
    store: &Store,
    dr: &Actor,
    patient: &str,
    n: usize,
    today: Day,
) -> anyhow::Result<usize> {
    use esculape_domain::biologie::ResultatBiologie;
    for k in 0..4i64 {
        let jour = Day::from_days(today.days() - 90 * (4 - k) - (n % 7) as i64);
        // Slowly better, with the patient's own level.
        let gly = 1.45 - 0.08 * k as f64 + (n % 5) as f64 * 0.03;
        let hba1c = 7.9 - 0.3 * k as f64 + (n % 4) as f64 * 0.1;
        let (laboratoire, glycemie) = if k % 2 == 0 {
            (
                "Laboratoire des Tilleuls",
                ("2345-7", "Glycémie", gly, "g/L", "0,70–1,10"),
            )
        } else {
            (
                "Biolab République",
                ("14749-6", "Glycémie", gly * 5.551, "mmol/L", "3,9–6,1"),
            )
        };
        // Written as a French report is: day first, decimal comma.
        let virgule = |v: f64, d: usize| format!("{v:.d$}").replace('.', ",");
        let texte = format!(
            "{laboratoire}\nCompte rendu du {}\n\nGlycémie : {} {}\nHbA1c : {} %\n",
            format!("{:02}/{:02}/{}", jour.day, jour.month, jour.year),
            virgule(glycemie.2, 2),
            glycemie.3,
            virgule(hba1c, 1)
        );
        let doc = store
            .add_document(
                dr,
                patient,
                NewDocument {
                    title: "Compte rendu de biologie".into(),
                    type_code: "11502-2".into(),
                    type_display: Some("CR d'examens biologiques".into()),
                    format: DocumentFormat::Texte,
                    act_date: jour,
                    provenance: Provenance::Mssante,
                    visibility: Visibility::default(),
                    cda_id: None,
                    cda_set_id: None,
                },
                texte.into_bytes(),
            )
            .await?;
        let preleve_le = LocalDateTime::at(jour, 8 * 60);
        let resultat =
            |code: &str, libelle: &str, valeur: f64, unite: &str, intervalle: &str, haut: f64| {
                ResultatBiologie {
                    code: code.into(),
                    systeme: LOINC.into(),
                    libelle: libelle.into(),
                    valeur: Some((valeur * 100.0).round() / 100.0),
                    unite: Some(unite.into()),
                    texte: None,
                    intervalle: Some(intervalle.into()),
                    interpretation: Some(if valeur > haut { "H" } else { "N" }.into()),
                    preleve_le,
                    laboratoire: Some(laboratoire.into()),
                    document: Some(doc.id.clone()),
                }
            };
        let haut = if glycemie.3 == "g/L" { 1.10 } else { 6.1 };
        store
            .integrer_resultats(
                dr,
                patient,
                vec![
                    resultat(
                        glycemie.0, glycemie.1, glycemie.2, glycemie.3, glycemie.4, haut,
                    ),
                    resultat(
                        "4548-4",
                        "Hémoglobine glyquée (HbA1c)",
                        hba1c,
                        "%",
                        "4,0–6,0",
                        6.0,
                    ),
                ],
                &doc.id,
            )
            .await?;
    }
    Ok(4)
}

fn growth(years: i32, rng: &mut Rng) -> (f64, f64) {
    let jitter = |rng: &mut Rng, spread: f64| (rng.below(1000) as f64 / 1000.0 - 0.5) * spread;
    if years < 18 {
        let h = 50.0 + years as f64 * 6.5 + jitter(rng, 6.0);
        let w = 3.5 + years as f64 * 3.0 + jitter(rng, 3.0);
        ((w * 10.0).round() / 10.0, h.round())
    } else {
        let h = 160.0 + jitter(rng, 30.0);
        let bmi = 20.0 + jitter(rng, 14.0) + 3.0;
        let w = bmi * (h / 100.0) * (h / 100.0);
        ((w * 10.0).round() / 10.0, h.round())
    }
}
