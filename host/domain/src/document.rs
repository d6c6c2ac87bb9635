//! Documents of the record: stored bytes with their CDA identity (id,
//! setId, versionNumber), provenance, sending states and visibility.

use crate::calendar::Day;
use serde::{Deserialize, Serialize};

/// Where a document comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Provenance {
    /// Produced in this practice.
    Produit,
    /// Retrieved from the DMP / Mon espace santé.
    Dmp,
    /// Received by MSSanté.
    Mssante,
    /// Imported (scan, file, another software).
    Importe,
}

/// Sending state of a document on one channel (DMP or MSSanté).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum SendingState {
    #[default]
    NonEnvoye,
    EnAttente,
    Envoye,
    Echec,
    /// Not to be sent (patient opposition, document not shareable).
    NonConcerne,
    /// The order was cancelled or blocked by a user, or dropped because
    /// a correction replaced the document before it left.
    Annule,
    /// Sent, then deleted from the recipient (DMP: error, patient's
    /// request).
    Retire,
}

/// The document format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum DocumentFormat {
    /// CDA R2 level 1 (PDF body).
    CdaN1,
    /// CDA R2 level 3 (structured body).
    CdaN3,
    Pdf,
    Texte,
    Image,
}

impl DocumentFormat {
    pub fn mime(self) -> &'static str {
        match self {
            DocumentFormat::CdaN1 | DocumentFormat::CdaN3 => "text/xml",
            DocumentFormat::Pdf => "application/pdf",
            DocumentFormat::Texte => "text/plain",
            DocumentFormat::Image => "image/jpeg",
        }
    }
}

/// Document status in the record (a superseded or deleted document is
/// kept, marked).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum DocumentStatus {
    Actif,
    Remplace,
    Supprime,
}

/// Visibility flags as the DMP knows them.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, schemars::JsonSchema,
)]
pub struct Visibility {
    /// Hidden from other professionals.
    #[serde(default)]
    pub masque_aux_professionnels: bool,
    /// Not visible to the patient (until an announcement consultation).
    #[serde(default)]
    pub invisible_au_patient: bool,
    /// Not visible to the legal representatives of a minor.
    #[serde(default)]
    pub invisible_aux_representants: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentError {
    #[error("{0} est obligatoire")]
    Missing(&'static str),
    #[error("document vide")]
    Empty,
    #[error("document trop volumineux: {size} octets (maximum {max})")]
    TooLarge { size: usize, max: usize },
    #[error("le contenu ne correspond pas au format {0:?}")]
    WrongFormat(DocumentFormat),
}

/// Largest document stored (a scanned multi-page PDF fits).
pub const MAX_DOCUMENT_BYTES: usize = 20 * 1024 * 1024;

/// The CSE platform's MSSanté address, where every signed CS9 and CS24
/// goes (DSR §3.2.9, LGC.CSE.15).
pub const ADRESSE_PLATEFORME_CSE: &str = "certificatsdesante@plateformecse.mssante.fr";

/// Where a signed document goes by MSSanté without being asked, by its
/// CI-SIS format code (LGC.CSE.15: the CS9 and the CS24 to the CSE
/// platform). Keyed on the volet's national format code rather than told
/// by the plugin: plugin API 0.2.0's `sharing` has no recipients (see
/// issue 22's notes: to move there with the next API version).
pub fn destinataire_d_office(format_code: &str) -> Option<&'static str> {
    match format_code {
        "urn:asip:ci-sis:cse-cs9:2017" | "urn:asip:ci-sis:cse-cs24:2017" => {
            Some(ADRESSE_PLATEFORME_CSE)
        }
        _ => None,
    }
}

/// A document to store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct NewDocument {
    pub title: String,
    /// LOINC type code and its display ("11488-4", "Note de consultation").
    pub type_code: String,
    #[serde(default)]
    pub type_display: Option<String>,
    pub format: DocumentFormat,
    /// The date of the act the document is about.
    pub act_date: Day,
    pub provenance: Provenance,
    #[serde(default)]
    pub visibility: Visibility,
    /// For a CDA: its id root; else generated.
    #[serde(default)]
    pub cda_id: Option<String>,
    /// For a new CDA: its setId root; else generated. (A new version
    /// takes the setId of the one it replaces.)
    #[serde(default)]
    pub cda_set_id: Option<String>,
}

impl NewDocument {
    pub fn validate(self, content: &[u8]) -> Result<Self, DocumentError> {
        if self.title.trim().is_empty() {
            return Err(DocumentError::Missing("le titre"));
        }
        if self.type_code.trim().is_empty() {
            return Err(DocumentError::Missing("le type"));
        }
        if content.is_empty() {
            return Err(DocumentError::Empty);
        }
        if content.len() > MAX_DOCUMENT_BYTES {
            return Err(DocumentError::TooLarge {
                size: content.len(),
                max: MAX_DOCUMENT_BYTES,
            });
        }
        let ok = match self.format {
            DocumentFormat::CdaN1 | DocumentFormat::CdaN3 => {
                let head = String::from_utf8_lossy(&content[..content.len().min(4096)]);
                head.contains("ClinicalDocument")
            }
            DocumentFormat::Pdf => content.starts_with(b"%PDF-"),
            DocumentFormat::Texte => std::str::from_utf8(content).is_ok(),
            DocumentFormat::Image => {
                content.starts_with(&[0xFF, 0xD8]) || content.starts_with(b"\x89PNG")
            }
        };
        if !ok {
            return Err(DocumentError::WrongFormat(self.format));
        }
        Ok(NewDocument {
            title: self.title.trim().to_string(),
            type_code: self.type_code.trim().to_string(),
            ..self
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_must_match_format() {
        let d = NewDocument {
            title: "Courrier".into(),
            type_code: "11490-0".into(),
            type_display: None,
            format: DocumentFormat::Pdf,
            act_date: Day::parse("2026-11-26").unwrap(),
            provenance: Provenance::Produit,
            visibility: Visibility::default(),
            cda_id: None,
            cda_set_id: None,
        };
        assert!(d.clone().validate(b"%PDF-1.4 ...").is_ok());
        assert_eq!(
            d.clone().validate(b"<html>"),
            Err(DocumentError::WrongFormat(DocumentFormat::Pdf))
        );
        assert_eq!(d.validate(b""), Err(DocumentError::Empty));
    }
}

/// The groups a document list is sorted into (SC.CDA/INT.04, 08, 17): by
/// the document's type (its LOINC type code).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum GroupeDocument {
    Hospitalisation,
    SyntheseMedicale,
    Biologie,
    Radiologie,
    Prescription,
    Vaccination,
    Autres,
}

impl GroupeDocument {
    pub const TOUS: [GroupeDocument; 7] = [
        Self::Hospitalisation,
        Self::SyntheseMedicale,
        Self::Biologie,
        Self::Radiologie,
        Self::Prescription,
        Self::Vaccination,
        Self::Autres,
    ];

    pub fn libelle(self) -> &'static str {
        match self {
            Self::Hospitalisation => "Hospitalisation",
            Self::SyntheseMedicale => "Synthèse médicale",
            Self::Biologie => "Biologie",
            Self::Radiologie => "Radiologie",
            Self::Prescription => "Prescription",
            Self::Vaccination => "Vaccination",
            Self::Autres => "Autres",
        }
    }

    /// The group of a document type (the CI-SIS type codes of the ANS
    /// kit's documents; a type not listed is « Autres »).
    pub fn du_type(type_code: &str) -> Self {
        match type_code.trim() {
            // lettres de liaison, transfert, synthèses d'épisode et de
            // maternité, urgence, anesthésie
            "11490-0" | "18761-7" | "34133-9" | "74207-2" | "57055-6" | "57057-2" | "57075-4"
            | "78489-2" | "89235-6" | "77436-4" | "34749-2" | "34874-2" => Self::Hospitalisation,
            "60591-5" | "SYNTH" | "18776-5" => Self::SyntheseMedicale,
            // CR de biologie, TROD, génétique moléculaire
            "11502-2" | "96173-0" | "51969-4" => Self::Biologie,
            // CR et demande d'imagerie
            "18748-4" | "55115-0" => Self::Radiologie,
            // prescription, dispensation
            "57833-6" | "60593-1" => Self::Prescription,
            // note de vaccination, historique
            "87273-9" | "11369-6" => Self::Vaccination,
            _ => Self::Autres,
        }
    }
}
