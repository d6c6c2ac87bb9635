//! The Esculape host: configuration, plugin runtime set-up, HTTP API.

pub mod api;
pub mod demo;
pub mod documents;
pub mod export;
pub mod home;
pub mod insi;
pub mod qualification;
pub mod serveur;
pub mod wit;
