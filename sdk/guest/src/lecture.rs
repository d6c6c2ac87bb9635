//! A document plugin's `read`: the received document read by the reader
//! the host shares (`esculape-cda-lecture`), turned into the WIT
//! `received` record: its header, its narrative and the typed proposals
//! for the record. A plugin reads only the types it declares.

use crate::calendar::days_from_civil;
use crate::document::esculape::host::record_read::{
    Allergy, LabResult, Measure, Problem, Treatment, Vaccination,
};
use crate::document::esculape::host::types::{Coded, Date, Error, Timestamp};
use crate::document::exports::esculape::plugin::document_type::{
    Author, Identifier, Proposal, Received, ReceivedHeader,
};
use esculape_cda_lecture::{Code, DocumentRecu, jour_lisible};

/// Reads a received document of one of these types (LOINC codes).
pub fn recu(cda: &[u8], types: &[&str]) -> Result<Received, Error> {
    let d = esculape_cda_lecture::lire(cda).map_err(|e| Error::InvalidInput(e.to_string()))?;
    let code = d.entete.code.code.as_str();
    if !types.contains(&code) {
        return Err(Error::InvalidInput(format!(
            "ce module lit les documents de type {} ; celui-ci est de type {code} ({})",
            types.join(", "),
            d.entete.title.trim()
        )));
    }
    Ok(received(d))
}

fn coded(c: &Code) -> Coded {
    Coded {
        code: c.code.clone(),
        code_system: c.scheme.clone(),
        code_system_name: None,
        display: (!c.display.is_empty()).then(|| c.display.clone()),
    }
}

fn non_vide(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// The day of an HL7 TS (`AAAAMMJJ…`).
fn jour(ts: &str) -> Option<Date> {
    let n = |a: usize, b: usize| ts.get(a..b)?.parse::<u32>().ok();
    let (year, month, day) = (n(0, 4)?, n(4, 6)?, n(6, 8)?);
    days_from_civil(year.into(), month, day)?;
    Some(Date {
        year: year as u16,
        month: month as u8,
        day: day as u8,
    })
}

/// An HL7 TS as a point in time. Without a time of day it is noon, local
/// time (as `record-read` gives such measures); without an offset, the
/// practice's wall clock (Europe/Paris, summer or winter time).
fn instant(ts: &str) -> Option<Timestamp> {
    let j = jour(ts)?;
    let (chiffres, decalage) = match ts.find(['+', '-']) {
        Some(i) => (&ts[..i], Some(&ts[i..])),
        None => (ts, None),
    };
    let n = |a: usize, b: usize| chiffres.get(a..b).and_then(|x| x.parse::<i64>().ok());
    let (h, m, s) = match n(8, 10) {
        Some(h) => (h, n(10, 12).unwrap_or(0), n(12, 14).unwrap_or(0)),
        None => (12, 0, 0),
    };
    let offset: i64 = match decalage {
        Some(z) if z.len() == 5 => {
            let signe = if z.starts_with('-') { -1 } else { 1 };
            signe * (z[1..3].parse::<i64>().ok()? * 60 + z[3..5].parse::<i64>().ok()?)
        }
        _ => i64::from(crate::calendar::decalage_paris(
            j.year.into(),
            j.month.into(),
            j.day.into(),
            u32::try_from(h).ok()?,
        )),
    };
    let jours = days_from_civil(j.year.into(), j.month.into(), j.day.into())?;
    let secondes = jours * 86_400 + h * 3600 + m * 60 + s - offset * 60;
    Some(Timestamp {
        unix_millis: secondes * 1000,
        utc_offset_minutes: offset as i16,
    })
}

fn received(d: DocumentRecu) -> Received {
    let h = &d.entete;
    let identifiant = |root: &str, extension: Option<&str>| Identifier {
        root: root.to_string(),
        extension: extension.and_then(non_vide),
    };
    let mut auteurs = Vec::new();
    let (id, famille, prenom) = &h.author;
    let nom = format!("{prenom} {famille}").trim().to_string();
    if !nom.is_empty() || !id.is_empty() {
        auteurs.push(Author {
            name: nom,
            id: non_vide(id).map(|x| identifiant(crate::identifiants::oid::IDNPS, Some(&x))),
            organization: non_vide(&h.organization.1),
        });
    }
    let header = ReceivedHeader {
        type_code: Some(coded(&h.code)),
        title: h.title.trim().to_string(),
        document_id: Some(identifiant(&h.id.0, h.id.1.as_deref())),
        set_id: h.set_id.as_deref().map(|s| identifiant(s, None)),
        version_number: h.version,
        effective_time: non_vide(&h.effective_time),
        confidentiality: Some(coded(&h.confidentiality)),
        authors: auteurs,
        patient_ids: h
            .patient_ids
            .iter()
            .map(|(r, e)| identifiant(r, Some(e)))
            .collect(),
        patient_name: non_vide(&format!(
            "{} {}",
            h.used_first_name
                .as_deref()
                .unwrap_or(&h.first_birth_first_name),
            h.used_name.as_deref().unwrap_or(&h.birth_name)
        )),
        patient_birth_date: jour(&h.birth_time),
        service_start: h.service_start.clone(),
        service_stop: h.service_stop.clone(),
    };
    let mut warnings = d.avertissements.clone();
    let c = &d.contenu;
    let mut proposals = Vec::new();
    for p in &c.problemes {
        proposals.push(Proposal::Problem(Problem {
            code: p.code.as_ref().map(coded),
            text: p.texte.clone(),
            active: p.actif,
            onset: p.debut.as_deref().and_then(jour),
            end: p.fin.as_deref().and_then(jour),
        }));
    }
    for a in &c.allergies {
        proposals.push(Proposal::Allergy(Allergy {
            substance: a.substance.as_ref().map(coded),
            text: a.texte.clone(),
            reaction: a.reaction.clone(),
        }));
    }
    for t in &c.traitements {
        proposals.push(Proposal::Treatment(Treatment {
            medication: t.medicament.as_ref().map(coded),
            text: t.texte.clone(),
            posology: t.posologie.clone(),
            start: t.debut.as_deref().and_then(jour),
            end: t.fin.as_deref().and_then(jour),
            long_term: false,
        }));
    }
    for v in &c.vaccinations {
        match v.date.as_deref().and_then(jour) {
            Some(date) => proposals.push(Proposal::Vaccination(Vaccination {
                vaccine: v.vaccin.as_ref().map(coded),
                text: v.texte.clone(),
                date,
                lot: v.lot.clone(),
            })),
            None => warnings.push(format!(
                "vaccination « {} » sans date : non proposée",
                v.texte
            )),
        }
    }
    // a measure or a result without its own time took place at the act
    let acte = h.service_start.as_deref().unwrap_or(&h.effective_time);
    for m in &c.mesures {
        if let Some(at) = instant(m.date.as_deref().unwrap_or(acte)) {
            proposals.push(Proposal::Measure(Measure {
                code: coded(&m.code),
                value: m.valeur,
                unit: m.unite.clone(),
                at,
            }));
        }
    }
    for r in &c.resultats {
        if let Some(at) = instant(r.date.as_deref().unwrap_or(acte)) {
            proposals.push(Proposal::LabResult(LabResult {
                code: coded(&r.code),
                value: r.valeur,
                unit: r.unite.clone(),
                text: r.texte.clone(),
                reference_range: r.intervalle.clone(),
                interpretation: r.interpretation.clone(),
                at,
            }));
        } else {
            warnings.push(format!(
                "résultat « {} » sans date lisible ({}) : non proposé",
                r.libelle,
                jour_lisible(acte)
            ));
        }
    }
    Received {
        header,
        sections: d
            .sections
            .iter()
            .map(|s| (s.titre.clone(), s.texte.clone()))
            .collect(),
        proposals,
        warnings,
    }
}

#[cfg(test)]
mod tests {
    use super::instant;

    #[test]
    fn an_hl7_time_is_a_point_in_time_with_its_offset() {
        let t = instant("20140402145521+0200").unwrap();
        assert_eq!(t.unix_millis, 1_396_443_321_000);
        assert_eq!(t.utc_offset_minutes, 120);
        // a day alone: noon, local time (summer time in April, winter in
        // January)
        let t = instant("20240402").unwrap();
        assert_eq!(
            (t.unix_millis, t.utc_offset_minutes),
            (1_712_052_000_000, 120)
        );
        let t = instant("20240102").unwrap();
        assert_eq!(
            (t.unix_millis, t.utc_offset_minutes),
            (1_704_193_200_000, 60)
        );
        // a time without offset: the practice's wall clock
        let t = instant("20240402145521").unwrap();
        assert_eq!(t.unix_millis, 1_712_062_521_000);
        assert!(instant("2024").is_none());
        assert!(instant("20241341").is_none());
    }
}
