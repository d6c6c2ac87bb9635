//! TD3.3c « supprimer » and TD3.3d « archiver » (IHE ITI-57 Update
//! Document Set): a submission set and an UpdateAvailabilityStatus
//! association towards the document's entry, from its status to the new
//! one. Written as `TD3.3c-Supprimer_un_document_requete.xml` is (with
//! the schema's ExternalIdentifier attributes the example lacks).

use esculape_xds::{DocumentEntry, Submission};

pub const ACTION: &str = "urn:ihe:iti:2010:UpdateDocumentSet";

/// A document's status in the DMP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Statut {
    Approuve,
    Archive,
    Supprime,
}

impl Statut {
    pub fn uri(self) -> &'static str {
        match self {
            Self::Approuve => esculape_xds::STATUT_APPROUVE,
            Self::Archive => esculape_xds::STATUT_ARCHIVE,
            Self::Supprime => esculape_xds::STATUT_SUPPRIME,
        }
    }

    pub fn depuis_uri(uri: &str) -> Option<Self> {
        [Self::Approuve, Self::Archive, Self::Supprime]
            .into_iter()
            .find(|s| s.uri() == uri)
    }
}

/// The body of the request: `entree` (the document's metadata: its author
/// and patient sign the submission set), `cible` its entryUUID.
pub fn requete(
    entree: &DocumentEntry,
    lot: &Submission,
    cible: &str,
    ancien: Statut,
    nouveau: Statut,
) -> String {
    esculape_xds::mise_a_jour_statut_xml(entree, lot, cible, ancien.uri(), nouveau.uri())
}
