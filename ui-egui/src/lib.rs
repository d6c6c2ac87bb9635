//! The Esculape desktop client (egui). It talks to the host only through
//! its HTTP API ([`api`]); every call runs off the UI thread.

pub mod a_voir;
pub mod agenda;
pub mod annuaire;
pub mod api;
pub mod app;
pub mod bandeau;
pub mod biologie;
pub mod capture;
pub mod croissance;
pub mod dmp;
pub mod document;
pub mod entree;
pub mod epingles;
pub mod equipe;
pub mod installation;
pub mod integration;
pub mod libelles;
pub mod messagerie;
pub mod mss;
pub mod pdf;
pub mod psc;
pub mod tableau;
pub mod theme;

pub use app::EsculapeApp;

/// The technical version shown in "Aide > À propos".
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
