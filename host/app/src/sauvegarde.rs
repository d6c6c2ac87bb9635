//! Encrypted backups of the whole database and their restoration; both
//! traced (who saved or restored the practice's data, and its digest).

use crate::App;
use esculape_store::backup::Summary;
use esculape_store::{Actor, StoreError};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum SauvegardeError {
    #[error("{}: {source}", chemin.display())]
    Fichier {
        chemin: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn fichier(chemin: &Path) -> impl FnOnce(std::io::Error) -> SauvegardeError + '_ {
    move |source| SauvegardeError::Fichier {
        chemin: chemin.to_path_buf(),
        source,
    }
}

impl App {
    /// Writes an encrypted backup to `chemin` (0600): into a partial file
    /// renamed once synced, so that a failed backup never leaves a file
    /// that looks whole. Traced as `sauvegarde.creation`.
    pub async fn sauvegarder(
        &self,
        actor: &Actor,
        chemin: &Path,
        phrase: &str,
        progress: impl FnMut(u64),
    ) -> Result<Summary, SauvegardeError> {
        let partiel = chemin.with_extension("partiel");
        let out = esculape_store::prive::creer(&partiel).map_err(fichier(&partiel))?;
        let (out, summary) = self
            .store
            .backup_with_progress(std::io::BufWriter::new(out), phrase, progress)
            .await?;
        out.into_inner()
            .map_err(|e| e.into_error())
            .and_then(|f| f.sync_all())
            .map_err(fichier(&partiel))?;
        std::fs::rename(&partiel, chemin).map_err(fichier(chemin))?;
        let rows: i64 = summary.counts.values().sum();
        self.store
            .trace(
                actor,
                "sauvegarde.creation",
                None,
                &format!("{rows} lignes, empreinte {}", summary.content_hash),
            )
            .await?;
        // The trail as it was backed up, anchored outside the database.
        if let Err(e) = self.ancrer_journal().await {
            tracing::warn!("ancrage du journal d'audit après la sauvegarde: {e}");
        }
        Ok(summary)
    }

    /// Restores a backup into an empty database (its digest checked).
    /// Traced as `sauvegarde.restauration`, after the restored trail.
    pub async fn restaurer(
        &self,
        actor: &Actor,
        chemin: &Path,
        phrase: &str,
        progress: impl FnMut(u64),
    ) -> Result<Summary, SauvegardeError> {
        let input = std::fs::File::open(chemin).map_err(fichier(chemin))?;
        let summary = self
            .store
            .restore_with_progress(std::io::BufReader::new(input), phrase, progress)
            .await?;
        self.store
            .trace(
                actor,
                "sauvegarde.restauration",
                None,
                &format!("empreinte {} vérifiée", summary.content_hash),
            )
            .await?;
        if let Err(e) = self.reancrer_apres_restauration().await {
            tracing::warn!("ancrage du journal d'audit restauré: {e}");
        }
        Ok(summary)
    }
}
