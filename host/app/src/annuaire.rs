//! The Annuaire Santé from the practice (SC.MSS/CONF.20, UX.41, ANN/va1):
//! a correspondent searched by any of their traits over the directory's
//! FHIR API, every field shown to the doctor, who then keeps an address
//! in the patient's care team. The requests and their reading are
//! `esculape_annuaire`'s; here the HTTP calls, the API key (configuration
//! only: never traced, never sent to the client) and the trace.

use crate::App;
use crate::service::{ClientService, Lecture, client, corps_borne};
use esculape_annuaire::{ErreurAnnuaire, Recherche, Requete};
use esculape_api_types::annuaire::{RechercheAnnuaire, ReponseAnnuaire};
use esculape_store::{Actor, StoreError};
use std::path::PathBuf;
use std::time::Duration;
use thiserror::Error;

/// An answer of the directory, at most (bytes): a page of 50 resources
/// with what they include is a few hundred KB.
pub const REPONSE_MAX: usize = 8 * 1024 * 1024;

/// The local sandbox's stand-in, used unless configured otherwise.
const BAC_A_SABLE: &str = "http://127.0.0.1:8090/fhir/v2";

/// Where the directory is and the key it takes.
#[derive(Debug, Clone)]
pub struct AnnuaireConfig {
    /// The API's base (`https://gateway.api.esante.gouv.fr/fhir/v2` in
    /// production): `ESCULAPE_ANNUAIRE_URL`.
    pub url: String,
    /// The `ESANTE-API-KEY` the ANS gave the editor
    /// (`ESCULAPE_ANNUAIRE_CLE`).
    pub cle: Option<String>,
    /// The authorities trusted for the API in HTTPS
    /// (`ESCULAPE_ANNUAIRE_CA`).
    pub autorites: Option<PathBuf>,
    pub timeout: Duration,
}

impl AnnuaireConfig {
    /// The local sandbox (with its test key) unless `ESCULAPE_ANNUAIRE_URL`
    /// names the directory.
    pub fn from_env() -> Self {
        let var = |n: &str| std::env::var(n).ok().filter(|v| !v.trim().is_empty());
        let url = var("ESCULAPE_ANNUAIRE_URL");
        let cle = var("ESCULAPE_ANNUAIRE_CLE").or_else(|| {
            url.is_none()
                .then(|| esculape_annuaire::CLE_BAC_A_SABLE.to_string())
        });
        Self {
            url: url.unwrap_or_else(|| BAC_A_SABLE.into()),
            cle,
            autorites: var("ESCULAPE_ANNUAIRE_CA").map(PathBuf::from),
            timeout: Duration::from_secs(15),
        }
    }
}

#[derive(Debug, Error)]
pub enum ErreurAnnuaireApp {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The search as asked cannot be sent.
    #[error("{0}")]
    Critere(String),
    #[error("Annuaire Santé non configuré : {0}")]
    Configuration(String),
    /// The directory could not be reached or answered otherwise than its
    /// API says.
    #[error("{0}")]
    Service(String),
}

pub struct AnnuaireClient {
    config: AnnuaireConfig,
    service: ClientService,
}

impl AnnuaireClient {
    pub fn new(config: AnnuaireConfig) -> Self {
        let service = client(
            "l'Annuaire Santé",
            "ESCULAPE_ANNUAIRE",
            &config.url,
            config.autorites.as_deref(),
            None,
            config.timeout,
        );
        Self { config, service }
    }

    async fn envoyer(
        &self,
        r: &Requete,
    ) -> Result<esculape_annuaire::fhir::Bundle, ErreurAnnuaireApp> {
        if let Some(e) = &self.service.confiance {
            return Err(ErreurAnnuaireApp::Configuration(e.clone()));
        }
        let cle = self.config.cle.as_deref().ok_or_else(|| {
            ErreurAnnuaireApp::Configuration(
                "aucune clé d'API : indiquez celle que l'ANS vous a donnée dans ESCULAPE_ANNUAIRE_CLE".into(),
            )
        })?;
        let url = format!("{}/{}", self.config.url.trim_end_matches('/'), r.ressource);
        let injoignable = |e: reqwest::Error| {
            ErreurAnnuaireApp::Service(format!(
                "l'Annuaire Santé ne répond pas ({}) : réessayez dans un instant",
                if e.is_timeout() {
                    "délai dépassé".to_string()
                } else {
                    e.to_string()
                }
            ))
        };
        let reponse = self
            .service
            .http
            .get(&url)
            .query(&r.parametres)
            .header("ESANTE-API-KEY", cle)
            .header("Accept", "application/fhir+json")
            .send()
            .await
            .map_err(injoignable)?;
        let statut = reponse.status();
        let corps = corps_borne(reponse, REPONSE_MAX)
            .await
            .map_err(|e| match e {
                Lecture::Transport(e) => injoignable(e),
                Lecture::Trop(n) => ErreurAnnuaireApp::Service(format!(
                    "réponse de l'Annuaire Santé trop grande ({n} octets) : affinez la recherche"
                )),
            })?;
        if statut == reqwest::StatusCode::UNAUTHORIZED || statut == reqwest::StatusCode::FORBIDDEN {
            return Err(ErreurAnnuaireApp::Service(
                "l'Annuaire Santé refuse la clé d'API configurée (ESCULAPE_ANNUAIRE_CLE) : vérifiez-la sur le portail de l'ANS".into(),
            ));
        }
        if !statut.is_success() {
            let dit = serde_json::from_str(&corps)
                .ok()
                .and_then(|v| esculape_annuaire::issue(&v))
                .unwrap_or_else(|| statut.to_string());
            return Err(ErreurAnnuaireApp::Service(format!(
                "l'Annuaire Santé a refusé la recherche : {dit}"
            )));
        }
        esculape_annuaire::lire(&corps).map_err(|e| ErreurAnnuaireApp::Service(e.to_string()))
    }

    /// The search, in at most two requests.
    pub async fn rechercher(
        &self,
        recherche: &RechercheAnnuaire,
    ) -> Result<ReponseAnnuaire, ErreurAnnuaireApp> {
        let r = Recherche::new(recherche).map_err(|e| match e {
            ErreurAnnuaire::Critere(m) => ErreurAnnuaireApp::Critere(m),
            e => ErreurAnnuaireApp::Service(e.to_string()),
        })?;
        let premiere = self.envoyer(&r.premiere()).await?;
        let seconde = match r.seconde(&premiere) {
            Some(q) => Some(self.envoyer(&q).await?),
            None => None,
        };
        Ok(r.resultats(&premiere, seconde.as_ref()))
    }
}

impl App {
    /// Searches the Annuaire Santé; traced `annuaire.recherche` (what was
    /// asked and how many answered; no patient involved).
    pub async fn rechercher_annuaire(
        &self,
        actor: &Actor,
        recherche: &RechercheAnnuaire,
    ) -> Result<ReponseAnnuaire, ErreurAnnuaireApp> {
        let resultat = self.annuaire.rechercher(recherche).await;
        let criteres = serde_json::to_string(recherche).unwrap_or_default();
        let detail = match &resultat {
            Ok(r) => format!("{criteres} : {} résultat(s)", r.resultats.len()),
            Err(e) => format!("{criteres} : échec : {e}"),
        };
        self.store
            .trace(actor, "annuaire.recherche", None, &detail)
            .await?;
        resultat
    }
}
