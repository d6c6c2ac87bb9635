//! A background job as the user sees it (`GET /api/patients/{id}/travaux`):
//! shared by the host and the desktop client.

use serde::{Deserialize, Serialize};

/// Where a job stands, as the user sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EtatTravail {
    /// Not tried yet, or tried and failed, waiting for its next try.
    EnAttente,
    /// Claimed by a worker now.
    EnCours,
    Termine,
    /// Given up after its last try; `erreur` says why.
    Echec,
    /// Cancelled before it ran.
    Annule,
}

impl EtatTravail {
    pub fn libelle(self) -> &'static str {
        match self {
            EtatTravail::EnAttente => "en attente",
            EtatTravail::EnCours => "en cours",
            EtatTravail::Termine => "terminé",
            EtatTravail::Echec => "échec",
            EtatTravail::Annule => "annulé",
        }
    }
}

/// A job as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Travail {
    pub id: String,
    pub kind: String,
    pub label: String,
    pub patient_id: Option<String>,
    pub etat: EtatTravail,
    pub cree_le: i64,
    pub essais: i64,
    /// The last failure, in French (kept while a retry waits).
    pub erreur: Option<String>,
    /// When it runs next (a failed job waiting for its retry, a deferred
    /// order waiting for its time).
    pub prochain_essai: Option<i64>,
    pub fini_le: Option<i64>,
}
