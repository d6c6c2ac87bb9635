//! The CI-SIS value sets of the certificates (ANS JDV, version of the CSE
//! 2025.01 test kit): small and fixed by the volet, so built in rather than
//! looked up; the form advertises their OIDs for the client.

/// (code, code system, display).
pub type Concept = (&'static str, &'static str, &'static str);

const TA_ASIP: &str = "1.2.250.1.213.1.1.4.322";
const PCS: &str = "1.2.250.1.213.2.13";

pub const JDV_PROFESSION: &str = "1.2.250.1.213.1.1.5.109";
pub const PROFESSION: &[Concept] = &[
    ("1", PCS, "Agriculteur exploitant"),
    ("2", PCS, "Artisan, commerçant ou chef d'entreprise"),
    ("3", PCS, "Cadre ou profession intellectuelle supérieure"),
    ("4", PCS, "Profession intermédiaire"),
    ("5", PCS, "Employé"),
    ("6", PCS, "Ouvrier"),
];

pub const JDV_ACTIVITE: &str = "1.2.250.1.213.1.1.5.110";
pub const ACTIVITE: &[Concept] = &[
    ("PAT-040", TA_ASIP, "Activité salariée"),
    ("PAT-042", TA_ASIP, "Retraité"),
    ("PAT-043", TA_ASIP, "Au foyer"),
    ("PAT-044", TA_ASIP, "Congé parental"),
    ("PAT-045", TA_ASIP, "Chômeur"),
    ("PAT-046", TA_ASIP, "Elève, étudiant ou en formation"),
    ("GEN-092.05.06", TA_ASIP, "Autre inactif"),
    ("GEN-092.05.05", TA_ASIP, "Autre activité"),
];

pub const JDV_TYPE_GARDE: &str = "1.2.250.1.213.1.1.5.128";
pub const TYPE_GARDE: &[Concept] = &[
    ("PAT-050", TA_ASIP, "Accueil collectif"),
    ("PAT-051", TA_ASIP, "Assistance maternelle"),
    (
        "312385000",
        "2.16.840.1.113883.6.96",
        "service de garde d'enfants à domicile",
    ),
];

pub const JDV_ECRANS: &str = "1.2.250.1.213.1.1.5.760";
pub const ECRANS: &[Concept] = &[
    ("GEN-311", TA_ASIP, "Jamais"),
    ("GEN-312", TA_ASIP, "< 1 fois/semaine"),
    ("GEN-313", TA_ASIP, ">= 1 fois/semaine"),
];

pub const JDV_NEURODEV: &str = "1.2.250.1.213.1.1.5.758";
pub const NEURODEV: &[Concept] = &[
    (
        "860642002",
        "2.16.840.1.113883.6.96",
        "absence de trouble neurodéveloppemental",
    ),
    (
        "ORG-197",
        TA_ASIP,
        "Orientation vers une plateforme de coordination et d'orientation",
    ),
];

pub const JDV_CAUSE_ACCIDENT: &str = "1.2.250.1.213.1.1.5.121";
pub const CAUSES_ACCIDENT: &[Concept] = &[
    (
        "NF0A.4",
        "2.16.840.1.113883.6.347",
        "Choc traumatique, non classé ailleurs",
    ),
    (
        "NE2Z",
        "2.16.840.1.113883.6.347",
        "Brûlures, sans précision",
    ),
    ("NE61", "2.16.840.1.113883.6.347", "Intoxication SAI"),
    (
        "GEN-092.01.13",
        TA_ASIP,
        "Autre(s) accident(s) domestique(s)",
    ),
];

/// JDV_Rencontre_CS9_CS24: form key, code, display.
pub const RENCONTRES: &[(&str, &str, &str)] = &[
    (
        "orientation_professionnel",
        "ORG-194",
        "Orientation vers un autre professionnel de santé",
    ),
    (
        "orientation_structure",
        "ORG-195",
        "Orientation vers une structure pluridisciplinaire (CAMPS centre de référence, réseau…)",
    ),
    (
        "lien_pmi",
        "ORG-196",
        "Lien avec le médecin de PMI après accord des parents",
    ),
];

/// JDV_VaccinCSE9 (ATC).
pub const VACCINS_CS9: &[(&str, &str)] = &[
    ("J07CA01", "diphtérie-poliomyélite-tétanos"),
    ("J07AJ", "vaccins coquelucheux"),
    ("J07AG", "vaccins de l'Haemophilus influenzae B"),
    ("J07BC01", "hépatite B, antigène purifié"),
    ("J07AL", "vaccins pneumococciques"),
    (
        "J07AH07",
        "méningocoque C, antigène polysaccharidique purifié conjugué",
    ),
    (
        "J07AH08",
        "méningocoques A,C,Y, W-135, antigènes polysaccharidiques tétravalents purifiés conjugués",
    ),
    ("J07AH09", "méningocoque B, vaccin multicomposant"),
    ("J07BH", "vaccins des diarrhées à Rotavirus"),
    ("J07AN", "vaccins de la tuberculose"),
];

/// JDV_VaccinCSE24 (ATC): the CS9's, plus ROR and yellow fever.
pub const VACCINS_CS24: &[(&str, &str)] = &[
    ("J07CA01", "diphtérie-poliomyélite-tétanos"),
    ("J07AJ", "vaccins coquelucheux"),
    ("J07AG", "vaccins de l'Haemophilus influenzae B"),
    ("J07BC01", "hépatite B, antigène purifié"),
    ("J07AL", "vaccins pneumococciques"),
    (
        "J07AH07",
        "méningocoque C, antigène polysaccharidique purifié conjugué",
    ),
    (
        "J07AH08",
        "méningocoques A,C,Y, W-135, antigènes polysaccharidiques tétravalents purifiés conjugués",
    ),
    ("J07AH09", "méningocoque B, vaccin multicomposant"),
    (
        "J07BD52",
        "rougeole en association aux oreillons et à la rubéole, virus vivants atténués",
    ),
    ("J07BH", "vaccins des diarrhées à Rotavirus"),
    ("J07AN", "vaccins de la tuberculose"),
    ("J07BL", "vaccins de la fièvre jaune"),
];
