//! The application layer of Esculape: every use case of the practice as a
//! typed function over [`App`], which owns the store, the plugin runtime,
//! the clients of the national services and the practice's referentials.
//! The HTTP API (`esculape-host::api`) and the CLI are thin callers of this
//! crate; it never depends on axum or clap (checked by
//! `host/tests/architecture.rs`).

pub mod agenda;
pub mod ancrage;
pub mod annuaire;
pub mod auth;
pub mod biologie;
pub mod comptes;
pub mod crash;
pub mod demo;
pub mod dmp;
pub mod documents;
pub mod dossier;
pub mod export;
pub mod home;
pub mod insi;
pub mod messagerie;
pub mod mss;
pub mod patients;
pub mod psc;
pub mod qualification;
pub mod reception;
pub mod sauvegarde;
pub mod service;
pub mod travaux;
pub mod wit;

use esculape_domain::Day;
use esculape_runtime::Runtime;
use esculape_store::Store;
use std::sync::Arc;

/// The application: what every use case runs on. Cheap to clone (shared
/// handles), so background jobs take their own copy.
#[derive(Clone)]
pub struct App {
    pub runtime: Arc<Runtime>,
    pub store: Arc<Store>,
    /// The INSi téléservice (the local sandbox by default).
    pub insi: Arc<insi::InsiClient>,
    /// The COG referential of birth places (imported, else bundled).
    pub cog: &'static esculape_domain::cog::Referentiel,
    /// Wakes the INSi worker when a query is asked.
    pub reveil: Arc<tokio::sync::Notify>,
    /// Login providers, sessions and their limits.
    pub auth: Arc<auth::Authentification>,
    /// Where the audit trail's anchors are kept (the home); none: not
    /// anchored (tests of the use cases alone).
    pub ancrage: Option<ancrage::Ancrage>,
    /// Sign-in with Pro Santé Connect through the proxy e-santé; none:
    /// not configured (local passwords only).
    pub psc: Option<Arc<psc::ConnexionPsc>>,
    /// The JDV « Circuit de la biologie » in use.
    pub biologie: Arc<biologie::Referentiel>,
    /// The DMP (the local sandbox by default).
    pub dmp: Arc<dmp::DmpClient>,
    /// The MSSanté operators' servers and their trust.
    pub mss: Arc<mss::MssClient>,
    /// The Annuaire Santé (the local sandbox's stand-in by default).
    pub annuaire: Arc<annuaire::AnnuaireClient>,
}

impl App {
    pub fn new(runtime: Arc<Runtime>, store: Arc<Store>, insi: Arc<insi::InsiClient>) -> Self {
        Self {
            runtime,
            store,
            insi,
            cog: esculape_domain::cog::Referentiel::bundled(),
            reveil: Arc::new(tokio::sync::Notify::new()),
            auth: Arc::new(auth::Authentification::default()),
            ancrage: None,
            psc: None,
            biologie: Arc::new(biologie::Referentiel::embarque()),
            dmp: Arc::new(dmp::DmpClient::new(dmp::DmpConfig::from_env())),
            mss: Arc::new(mss::MssClient::new(mss::MssConfig::from_env())),
            annuaire: Arc::new(annuaire::AnnuaireClient::new(
                annuaire::AnnuaireConfig::from_env(),
            )),
        }
    }

    /// Today in the practice (by the store's clock, which tests may set).
    pub fn today(&self) -> Day {
        esculape_domain::calendar::paris_local(self.store.now()).day()
    }
}
