//! Typed errors of the runtime.

use crate::model as types;
use esculape_registry::{Capability, PackageError};

/// Why a package was not installed. Every variant names the reason in
/// French, for the CLI and the UI.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error("{0}")]
    Package(#[from] PackageError),
    #[error(
        "module {id} {version}: version d'API {requested} non acceptée par cet hôte (versions acceptées: {supported})"
    )]
    UnsupportedApi {
        id: String,
        version: semver::Version,
        requested: semver::VersionReq,
        supported: String,
    },
    #[error(
        "module {id} {version}: la capacité «{capability}» demandée n'est pas accordée par la politique de l'hôte"
    )]
    CapabilityRefused {
        id: String,
        version: semver::Version,
        capability: Capability,
    },
    #[error(
        "module {id} {version}: le composant n'est pas un module «{world}» valide de l'API {api}: {message}"
    )]
    Incompatible {
        id: String,
        version: semver::Version,
        world: String,
        api: semver::Version,
        message: String,
    },
    #[error(
        "module {id}: la version {proposee} est plus ancienne que la version installée {installee} ; retour en arrière refusé sauf demande explicite (esculape plugins install --retrograder)"
    )]
    Retrogradation {
        id: String,
        installee: semver::Version,
        proposee: semver::Version,
    },
    #[error("entrée/sortie: {0}")]
    Io(#[from] std::io::Error),
}

/// Why a call into a plugin failed. The host and the other plugins keep
/// working whatever the variant.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error("module {0} non installé")]
    NotInstalled(String),
    #[error("module {id} {version}: c'est un module «{actual}», pas «{expected}»")]
    WrongWorld {
        id: String,
        version: semver::Version,
        expected: &'static str,
        actual: String,
    },
    #[error("module {id} {version}: délai dépassé ({ms} ms), appel interrompu")]
    Timeout {
        id: String,
        version: semver::Version,
        ms: u128,
    },
    #[error("module {id} {version}: mémoire épuisée (plafond {limit_mib} Mio), appel interrompu")]
    MemoryExhausted {
        id: String,
        version: semver::Version,
        limit_mib: usize,
    },
    #[error("module {id} {version}: pile d'exécution épuisée (récursion trop profonde)")]
    StackOverflow {
        id: String,
        version: semver::Version,
    },
    #[error("module {id} {version}: arrêt anormal ({message})")]
    Trap {
        id: String,
        version: semver::Version,
        message: String,
    },
    #[error("module {id} {version}: résultat trop volumineux ({bytes} octets, maximum {limit})")]
    OutputTooLarge {
        id: String,
        version: semver::Version,
        bytes: usize,
        limit: usize,
    },
    #[error("module {id} {version}: {error}")]
    Plugin {
        id: String,
        version: semver::Version,
        error: PluginError,
    },
}

impl CallError {
    /// The plugin's own error, when the call completed with one.
    pub fn plugin_error(&self) -> Option<&PluginError> {
        match self {
            CallError::Plugin { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// The `error` variant of the WIT API, as the host reports it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PluginError {
    #[error("capacité «{0}» refusée")]
    Denied(String),
    #[error("entrée refusée: {0}")]
    InvalidInput(String),
    #[error("introuvable: {0}")]
    NotFound(String),
    #[error("limite atteinte: {0}")]
    Limit(String),
    #[error("erreur interne: {0}")]
    Internal(String),
}

impl From<types::Error> for PluginError {
    fn from(e: types::Error) -> Self {
        match e {
            types::Error::Denied(s) => PluginError::Denied(s),
            types::Error::InvalidInput(s) => PluginError::InvalidInput(s),
            types::Error::NotFound(s) => PluginError::NotFound(s),
            types::Error::Limit(s) => PluginError::Limit(s),
            types::Error::Internal(s) => PluginError::Internal(s),
        }
    }
}
