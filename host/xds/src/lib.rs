//! XDS metadata of a document, computed from its CDA R2 header (the one
//! source: nothing is typed twice), and the IHE_XDM.ZIP package that
//! carries a document and its metadata over MSSanté; the DMP receives the
//! same ebRIM metadata.
//!
//! What the header cannot say (classCode, formatCode: properties of the
//! document type) comes from the document plugin's description.

pub mod lecture;
pub mod registre;
mod xdm;

pub use esculape_cda_lecture::{CdaHeader, Code, ErreurCda, PROFONDEUR_EN_TETE_MAX, embedded_pdf};
pub use xdm::{
    DemandeXdm, MISE_A_JOUR_STATUT, RPLC, Remplacement, STATUT_APPROUVE, STATUT_ARCHIVE,
    STATUT_SUPPRIME, SignatureLot, Submission, XdmPackage, entree_xml, mise_a_jour_statut_xml,
    read_xdm, soumission_xml, write_xdm, write_xdm_suppression,
};

use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum XdsError {
    #[error("document CDA illisible: {0}")]
    Cda(String),
    #[error("en-tête CDA incomplet: {0} manquant")]
    Missing(&'static str),
    #[error("paquet IHE_XDM illisible: {0}")]
    Xdm(String),
}

/// Read the header of a CDA R2 document.
pub fn read_header(cda: &[u8]) -> Result<CdaHeader, XdsError> {
    Ok(esculape_cda_lecture::read_header(cda)?)
}

impl From<ErreurCda> for XdsError {
    fn from(e: ErreurCda) -> Self {
        match e {
            ErreurCda::Illisible(m) => XdsError::Cda(m),
            ErreurCda::Manquant(m) => XdsError::Missing(m),
        }
    }
}

/// The values of a document type that its header does not carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeValues {
    pub class_code: Code,
    pub format_code: Code,
}

/// A patient identifier as HL7 v2 CX, the form XDS and the DMP's VIHF
/// write it: `id^^^&root&ISO^kind` (`NH` for the INS, `PI` for a local
/// id).
pub fn cx(id: &str, root: &str, kind: &str) -> String {
    format!("{id}^^^&{root}&ISO^{kind}")
}

/// The XDS DocumentEntry of one document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocumentEntry {
    pub unique_id: String,
    pub title: String,
    pub mime_type: String,
    pub type_code: Code,
    pub class_code: Code,
    pub format_code: Code,
    pub confidentiality_code: Code,
    /// More confidentialityCode values: the DMP's masking and visibility
    /// codes (1.2.250.1.213.1.1.4.13: MASQUE_PS, INVISIBLE_PATIENT,
    /// INVISIBLE_REPRESENTANTS_LEGAUX), set for a DMP submission only.
    pub confidentialite_dmp: Vec<Code>,
    pub healthcare_facility_type_code: Code,
    pub practice_setting_code: Code,
    pub event_codes: Vec<Code>,
    /// UTC, `AAAAMMJJhhmmss`.
    pub creation_time: String,
    pub service_start_time: Option<String>,
    pub service_stop_time: Option<String>,
    pub language_code: String,
    /// The INS (`matricule^^^&OID&ISO^NH`) or, without one, the local id.
    pub patient_id: String,
    /// The practice's id of the patient (`id^^^&root&ISO^PI`).
    pub source_patient_id: String,
    pub source_patient_info: Vec<String>,
    pub author_person: String,
    pub author_institution: String,
    pub author_specialty: String,
    pub legal_authenticator: Option<String>,
    /// SHA-1 of the document, upper-case hex.
    pub hash: String,
    pub size: u64,
}

/// An HL7 TS (`AAAAMMJJhhmmss[.fff][+hhmm]`) as XDS wants it: UTC, no
/// offset. A date alone stays a date.
pub fn utc(ts: &str) -> String {
    let (local, offset) = match ts.find(['+', '-']) {
        Some(p) => (&ts[..p], Some(&ts[p..])),
        None => (ts, None),
    };
    let local: String = local.split('.').next().unwrap_or("").to_string();
    // ASCII only: the slices below cut at bytes (a header is outside input).
    let Some(offset) = offset.filter(|_| local.len() >= 12 && local.is_ascii()) else {
        return local;
    };
    let num = |s: &str| s.parse::<i64>().ok();
    let (Some(y), Some(mo), Some(d), Some(h), Some(mi)) = (
        num(&local[0..4]),
        num(&local[4..6]),
        num(&local[6..8]),
        num(&local[8..10]),
        num(&local[10..12]),
    ) else {
        return local;
    };
    let s = if local.len() >= 14 {
        num(&local[12..14]).unwrap_or(0)
    } else {
        0
    };
    let sign = if offset.starts_with('-') { -1 } else { 1 };
    let oh = num(offset.get(1..3).unwrap_or("0")).unwrap_or(0);
    let om = num(offset.get(3..5).unwrap_or("0")).unwrap_or(0);
    let days = esculape_domain::calendar::days_from_civil(y, mo as u32, d as u32);
    let secs = days * 86_400 + h * 3600 + mi * 60 + s - sign * (oh * 3600 + om * 60);
    let out = esculape_domain::calendar::utc_compact(secs * 1000);
    out[..local.len().clamp(12, 14)].to_string()
}

/// A Unix time in milliseconds as XDS writes times: UTC `AAAAMMJJhhmmss`.
pub fn utc_of_millis(unix_millis: i64) -> String {
    esculape_domain::calendar::utc_compact(unix_millis)
}

/// SHA-1 (upper-case hex) and size of a document.
pub fn hash_and_size(document: &[u8]) -> (String, u64) {
    use sha1::{Digest, Sha1};
    (
        hex::encode_upper(Sha1::digest(document)),
        document.len() as u64,
    )
}

/// The DocumentEntry of a CDA document of a type with these values.
pub fn document_entry(cda: &[u8], type_values: &TypeValues) -> Result<DocumentEntry, XdsError> {
    let h = read_header(cda)?;
    let (hash, size) = hash_and_size(cda);
    let local = h.patient_ids.iter().find(|(root, _)| !is_ins_oid(root));
    let ins = h.patient_ids.iter().find(|(root, _)| is_ins_oid(root));
    let (source_patient_id, patient_id) = match (local, ins) {
        (Some(l), Some(i)) => (cx(&l.1, &l.0, "PI"), cx(&i.1, &i.0, "NH")),
        (Some(l), None) => (cx(&l.1, &l.0, "PI"), cx(&l.1, &l.0, "PI")),
        // Documents that carry only the INS use it for both.
        (None, Some(i)) => (cx(&i.1, &i.0, "NH"), cx(&i.1, &i.0, "NH")),
        (None, None) => return Err(XdsError::Missing("identifiant du patient")),
    };
    let mut info = vec![format!(
        "PID-5|{}^{}^{}^^^^L",
        h.birth_name, h.first_birth_first_name, h.birth_first_names
    )];
    if h.used_name.is_some() || h.used_first_name.is_some() {
        info.push(format!(
            "PID-5|{}^{}^^^^^D",
            h.used_name.clone().unwrap_or_else(|| h.birth_name.clone()),
            h.used_first_name
                .clone()
                .unwrap_or_else(|| h.first_birth_first_name.clone())
        ));
    }
    info.push(format!("PID-7|{}", h.birth_time));
    info.push(format!("PID-8|{}", h.sex));
    if let Some(cog) = &h.birth_place {
        info.push(format!("PID-11|^^^^^^BDL^^{cog}"));
    }
    let person = |id: &str, family: &str, given: &str| {
        format!(
            "{id}^{family}^{given}^^^^^^&{}&ISO^D^^^IDNPS",
            esculape_identifiants::oid::IDNPS
        )
    };
    Ok(DocumentEntry {
        unique_id: match &h.id.1 {
            Some(ext) => format!("{}^{ext}", h.id.0),
            None => h.id.0.clone(),
        },
        title: h.title.clone(),
        mime_type: "text/xml".into(),
        type_code: h.code.clone(),
        class_code: type_values.class_code.clone(),
        format_code: type_values.format_code.clone(),
        confidentiality_code: h.confidentiality.clone(),
        confidentialite_dmp: vec![],
        healthcare_facility_type_code: h.facility_type.clone(),
        practice_setting_code: h.practice_setting.clone(),
        event_codes: h.event_codes.clone(),
        creation_time: utc(&h.effective_time),
        service_start_time: h.service_start.as_deref().map(utc),
        service_stop_time: h.service_stop.as_deref().map(utc),
        language_code: h.language.clone(),
        patient_id,
        source_patient_id,
        source_patient_info: info,
        author_person: person(&h.author.0, &h.author.1, &h.author.2),
        author_institution: format!(
            "{}^^^^^&1.2.250.1.71.4.2.2&ISO^IDNST^^^{}",
            h.organization.1, h.organization.0
        ),
        author_specialty: format!(
            "{}^{}^{}",
            h.author_specialty.code, h.author_specialty.display, h.author_specialty.scheme
        ),
        legal_authenticator: h
            .legal_authenticator
            .as_ref()
            .map(|(id, family, given)| person(id, family, given)),
        hash,
        size,
    })
}

fn is_ins_oid(root: &str) -> bool {
    esculape_identifiants::est_oid_ins(root)
}

#[cfg(test)]
mod tests {
    use super::utc;

    #[test]
    fn times_to_utc() {
        assert_eq!(utc("20210401134745+0100"), "20210401124745");
        assert_eq!(utc("20210101003000+0200"), "20201231223000");
        assert_eq!(utc("202101040735+0100"), "202101040635");
        assert_eq!(utc("19790328"), "19790328");
        assert_eq!(utc("20210401134745"), "20210401134745");
    }

    #[test]
    fn the_pdf_of_an_n1_and_the_copy_of_an_n3() {
        // "%PDF-1.4" in base64, cut by line breaks as writers do.
        let n1 = br#"<ClinicalDocument xmlns="urn:hl7-org:v3"><component><nonXMLBody>
            <text mediaType="application/pdf" representation="B64">JVBE
            Ri0xLjQ=</text></nonXMLBody></component></ClinicalDocument>"#;
        assert_eq!(super::embedded_pdf(n1).as_deref(), Some(&b"%PDF-1.4"[..]));
        let n3 = br#"<ClinicalDocument xmlns="urn:hl7-org:v3"><component><structuredBody>
            <component><section><text>Ordonnance</text><entry><organizer><component>
            <observationMedia classCode="OBS" moodCode="EVN"><value mediaType="image/png"
            representation="B64">iVBO</value></observationMedia></component><component>
            <observationMedia classCode="OBS" moodCode="EVN"><value mediaType="application/pdf"
            representation="B64">JVBERi0xLjQ=</value></observationMedia></component>
            </organizer></entry></section></component></structuredBody></component></ClinicalDocument>"#;
        assert_eq!(super::embedded_pdf(n3).as_deref(), Some(&b"%PDF-1.4"[..]));
        let sans = br#"<ClinicalDocument xmlns="urn:hl7-org:v3"><component><structuredBody/>
            </component></ClinicalDocument>"#;
        assert_eq!(super::embedded_pdf(sans), None);
    }
}
