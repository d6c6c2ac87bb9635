//! A received file read: a CDA R2 of any volet, or the document of an
//! IHE_XDM.ZIP (as MSSanté delivers it). The reading itself is
//! `esculape-cda-lecture`'s, shared with the document plugins.

use crate::XdsError;
pub use esculape_cda_lecture::{
    Contenu, DocumentRecu, PROFONDEUR_MAX, Section, TAILLE_MAX, entrees, jour_lisible,
};

/// Reads a received CDA R2 document.
pub fn lire(cda: &[u8]) -> Result<DocumentRecu, XdsError> {
    Ok(esculape_cda_lecture::lire(cda)?)
}

/// The CDA a received file holds: itself, or the document of an
/// IHE_XDM.ZIP.
pub fn cda_du_fichier(octets: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>, XdsError> {
    if octets.starts_with(b"PK") {
        Ok(crate::read_xdm(octets)?.document.into())
    } else {
        // an auto-presentable report: the CDA it wraps
        Ok(esculape_cda_lecture::document_clinique(octets))
    }
}

/// Reads what a received file holds: a CDA R2, or the document of an
/// IHE_XDM.ZIP.
pub fn lire_fichier(octets: &[u8]) -> Result<DocumentRecu, XdsError> {
    lire(&cda_du_fichier(octets)?)
}
