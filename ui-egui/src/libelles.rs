//! What the window says: French labels of the domain's values.

use esculape_domain::document::{DocumentStatus, Provenance, SendingState};
use esculape_domain::identity::{IdentityAttributes, IdentityStatus, Ins, InsOid, Sex};
use esculape_domain::record::{Activity, AntecedentKind, EntryData, MeasureKind};

/// `AAAA-MM-JJ` as `JJ/MM/AAAA` (unchanged when it is not one).
pub fn date_fr(iso: &str) -> String {
    let p: Vec<&str> = iso.split('-').collect();
    match p.as_slice() {
        [y, m, d] if y.len() == 4 && m.len() == 2 && d.len() == 2 => format!("{d}/{m}/{y}"),
        _ => iso.to_string(),
    }
}

/// A moment (Unix ms) as the Paris clock shows it: `JJ/MM/AAAA HH:MM`.
pub fn moment(ms: i64) -> String {
    let l = esculape_domain::calendar::paris_local(ms);
    let t = l.to_string();
    format!(
        "{} {}",
        date_fr(&l.day().to_string()),
        t.get(11..16).unwrap_or("")
    )
}

/// How a version of the history came to be.
pub fn operation_version(o: esculape_api_types::dossier::OperationVersion) -> &'static str {
    use esculape_api_types::dossier::OperationVersion as O;
    match o {
        O::Creation => "création",
        O::Modification => "modification",
        O::Suppression => "suppression",
        O::Reprise => "état antérieur à l'historique",
    }
}

pub fn role(role: &str) -> &'static str {
    match role {
        "medecin" => "médecin",
        "secretaire" => "secrétariat",
        "administrateur" => "administrateur",
        _ => "utilisateur",
    }
}

pub fn sexe(s: &Sex) -> &'static str {
    match s {
        Sex::Female => "F",
        Sex::Male => "M",
        Sex::Unknown => "inconnu",
    }
}

pub fn ins(i: &Ins) -> String {
    let kind = match i.oid {
        InsOid::Nir => "NIR",
        InsOid::Nia => "NIA",
        InsOid::NirTest => "NIR de test",
        InsOid::NiaTest => "NIA de test",
    };
    format!("{} ({kind})", i.matricule)
}

/// What to do to reach "qualifiée" (the tooltip of the status badge).
pub fn vers_qualifiee(s: IdentityStatus) -> &'static str {
    match s {
        IdentityStatus::Provisoire => {
            "Pour qualifier l'identité : contrôler une pièce d'identité à haut niveau de confiance (identité validée) et récupérer l'INS par l'INSi (bouton « Comparer avec l'INSi »)."
        }
        IdentityStatus::Recuperee => {
            "L'INS est récupéré : contrôler une pièce d'identité à haut niveau de confiance pour qualifier l'identité."
        }
        IdentityStatus::Validee => {
            "La pièce d'identité est contrôlée : récupérer l'INS par l'INSi (bouton « Comparer avec l'INSi ») pour qualifier l'identité."
        }
        IdentityStatus::Qualifiee => {
            "Identité qualifiée : l'INS peut être utilisé pour échanger et partager des données de santé."
        }
    }
}

pub fn attributs(a: &IdentityAttributes) -> Vec<&'static str> {
    let mut v = vec![];
    if a.homonyme {
        v.push("homonyme");
    }
    if a.douteuse {
        v.push("identité douteuse");
    }
    if a.fictive {
        v.push("identité fictive");
    }
    v
}

pub fn provenance(p: Provenance) -> &'static str {
    match p {
        Provenance::Produit => "Produit ici",
        Provenance::Dmp => "DMP",
        Provenance::Mssante => "MSSanté",
        Provenance::Importe => "Importé",
    }
}

pub fn envoi(s: SendingState) -> &'static str {
    match s {
        SendingState::NonEnvoye => "non envoyé",
        SendingState::EnAttente => "en attente",
        SendingState::Envoye => "envoyé",
        SendingState::Echec => "échec",
        SendingState::NonConcerne => "—",
        SendingState::Annule => "annulé",
        SendingState::Retire => "retiré",
    }
}

pub fn statut_rdv(s: esculape_domain::agenda::AppointmentStatus) -> &'static str {
    use esculape_domain::agenda::AppointmentStatus as S;
    match s {
        S::Prevu => "prévu",
        S::Arrive => "en salle d'attente",
        S::EnConsultation => "en consultation",
        S::Termine => "terminé",
        S::Annule => "annulé",
        S::Absent => "absent",
    }
}

pub fn statut_document(s: DocumentStatus) -> &'static str {
    match s {
        DocumentStatus::Actif => "actif",
        DocumentStatus::Remplace => "remplacé",
        DocumentStatus::Supprime => "supprimé",
    }
}

pub fn mesure(m: MeasureKind) -> &'static str {
    match m {
        MeasureKind::Poids => "Poids",
        MeasureKind::Taille => "Taille",
        MeasureKind::PerimetreCranien => "Périmètre crânien",
        MeasureKind::PressionSystolique => "Pression systolique",
        MeasureKind::PressionDiastolique => "Pression diastolique",
        MeasureKind::FrequenceCardiaque => "Fréquence cardiaque",
        MeasureKind::Temperature => "Température",
    }
}

pub fn unite(m: MeasureKind) -> &'static str {
    match m.unit() {
        "mm[Hg]" => "mmHg",
        "Cel" => "°C",
        u => u,
    }
}

/// One line of the medical record.
pub fn entree(e: &EntryData) -> String {
    match e {
        EntryData::Probleme {
            label,
            status,
            onset,
            ..
        } => format!(
            "{label}{}{}",
            if *status == Activity::Passe {
                " (passé)"
            } else {
                ""
            },
            onset
                .map(|d| format!(", depuis le {}", date_fr(&d.to_string())))
                .unwrap_or_default()
        ),
        EntryData::Antecedent {
            label, antecedent, ..
        } => format!(
            "{label} (antécédent {})",
            match antecedent {
                AntecedentKind::Personnel => "personnel",
                AntecedentKind::Familial => "familial",
                AntecedentKind::Chirurgical => "chirurgical",
            }
        ),
        EntryData::Allergie {
            label, reaction, ..
        } => match reaction {
            Some(r) => format!("{label} : {r}"),
            None => label.clone(),
        },
        EntryData::Traitement {
            label,
            posology,
            long_term,
            ..
        } => format!(
            "{label} — {posology}{}",
            if *long_term { " (au long cours)" } else { "" }
        ),
        EntryData::Vaccination {
            label, date, lot, ..
        } => format!(
            "{} — {label}{}",
            date_fr(&date.to_string()),
            lot.as_ref()
                .map(|l| format!(", lot {l}"))
                .unwrap_or_default()
        ),
        EntryData::Mesure {
            measure,
            value,
            date,
            heure,
        } => format!(
            "{}{} — {} : {value} {}",
            date_fr(&date.to_string()),
            heure.map(|h| format!(" à {h}")).unwrap_or_default(),
            mesure(*measure),
            unite(*measure)
        ),
        EntryData::Observation {
            label, value, date, ..
        } => format!("{} — {label} : {value}", date_fr(&date.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_shown_the_french_way() {
        assert_eq!(date_fr("1980-03-07"), "07/03/1980");
        assert_eq!(date_fr("1980-00-00"), "00/00/1980");
        assert_eq!(date_fr("inconnue"), "inconnue");
    }

    #[test]
    fn every_status_says_how_to_qualify() {
        for s in [
            IdentityStatus::Provisoire,
            IdentityStatus::Recuperee,
            IdentityStatus::Validee,
        ] {
            assert!(vers_qualifiee(s).contains("qualifier"), "{s:?}");
        }
    }
}

/// An age as a doctor says it: days for a newborn, months under two,
/// years after.
pub fn age(
    naissance: esculape_domain::calendar::Day,
    le: esculape_domain::calendar::Day,
) -> String {
    let jours = le.days() - naissance.days();
    if jours < 0 {
        return "—".into();
    }
    if jours < 31 {
        return format!("{jours} j");
    }
    let ans = naissance.years_until(le);
    if ans < 2 {
        let mois = (crate::croissance::age_mois(naissance, le)).floor() as i64;
        return format!("{mois} mois");
    }
    format!("{ans} ans")
}

const JOURS: [&str; 7] = ["lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."];
const MOIS: [&str; 12] = [
    "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.",
    "déc.",
];

/// `lun. 7 déc.` (the agenda's columns, the next appointment).
pub fn jour_court(d: esculape_domain::calendar::Day) -> String {
    let j = JOURS[usize::from(d.weekday().clamp(1, 7)) - 1];
    let m = MOIS[(d.month.clamp(1, 12) - 1) as usize];
    format!("{j} {} {m}", d.day)
}

/// `lundi 7 décembre 2026` (the agenda's day).
pub fn jour_long(d: esculape_domain::calendar::Day) -> String {
    const JOURS_LONGS: [&str; 7] = [
        "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
    ];
    let j = JOURS_LONGS[usize::from(d.weekday().clamp(1, 7)) - 1];
    format!("{j} {} {}", d.day, mois_annee(d.year, d.month))
}

/// `décembre 2026` (the mini-calendar's title).
pub fn mois_annee(annee: i32, mois: u32) -> String {
    const NOMS: [&str; 12] = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ];
    format!("{} {annee}", NOMS[(mois.clamp(1, 12) - 1) as usize])
}

#[cfg(test)]
mod tests_dates {
    use super::*;
    use esculape_domain::calendar::Day;

    #[test]
    fn ages_and_short_days_read_as_in_a_french_practice() {
        let d = |s| Day::parse(s).unwrap();
        assert_eq!(age(d("1975-03-12"), d("2026-12-06")), "51 ans");
        assert_eq!(age(d("1975-12-07"), d("2026-12-06")), "50 ans");
        assert_eq!(age(d("2026-11-20"), d("2026-12-06")), "16 j");
        assert_eq!(age(d("2025-06-06"), d("2026-12-06")), "18 mois");
        assert_eq!(jour_court(d("2026-12-07")), "lun. 7 déc.");
        assert_eq!(jour_court(d("2026-12-06")), "dim. 6 déc.");
        assert_eq!(mois_annee(2026, 12), "décembre 2026");
        assert_eq!(jour_long(d("2026-12-07")), "lundi 7 décembre 2026");
    }
}

/// A DICA condition, as the banner names it.
pub fn condition_dmp(c: esculape_api_types::dmp::ConditionDmp) -> &'static str {
    use esculape_api_types::dmp::ConditionDmp as C;
    match c {
        C::DmpAccessible => "DMP accessible",
        C::InsQualifiee => "INS qualifiée",
        C::Consentement => "Consentement du patient",
        C::Authentification => "Authentification Pro Santé Connect / CPS",
    }
}
