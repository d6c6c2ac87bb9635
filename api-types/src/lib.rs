//! The vocabulary of the host's HTTP API: every request and answer body,
//! defined once, used by the host (which writes its OpenAPI document from
//! their schemas) and by the desktop client. Plain data: serde and schemars
//! derives, no logic beyond reading a value.
//!
//! The domain's value types (identity, record entries, agenda, documents)
//! cross the API as they are: [`domaine`] re-exports them so that the
//! client names every wire type through this crate.

pub mod agenda;
pub mod annuaire;
pub mod biologie;
pub mod comptes;
pub mod dmp;
pub mod documents;
pub mod dossier;
pub mod erreur;
pub mod insi;
pub mod modules;
pub mod psc;

pub use esculape_domain as domaine;
