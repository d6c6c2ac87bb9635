//! Every version of what is written in a patient's file (encounters,
//! clinical entries, contact details, identity): what it was, who made
//! it, when and why. One mechanism for all, which received documents and
//! messages reuse: a write adds its version in its own transaction; the
//! database refuses to change or remove one (migration 0012).

use crate::audit;
use crate::db::Store;
use crate::{Actor, Result, StoreError, new_id};
pub use esculape_api_types::dossier::{ObjetHistorise, OperationVersion, Version};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::Row;

/// The author of a state older than the history, when nobody is known.
pub const AUTEUR_INCONNU: &str = "inconnu";

/// A version about to be kept.
pub(crate) struct NouvelleVersion<'a, T: Serialize> {
    pub objet: ObjetHistorise,
    pub objet_id: &'a str,
    pub patient_id: &'a str,
    pub version: i64,
    pub operation: OperationVersion,
    pub contenu: &'a T,
    pub auteur: &'a str,
    pub fait_le: i64,
    pub motif: Option<&'a str>,
}

/// Adds a version.
pub(crate) async fn garder<T: Serialize>(
    tx: &mut sqlx::AnyConnection,
    v: NouvelleVersion<'_, T>,
) -> Result<()> {
    let contenu =
        serde_json::to_string(v.contenu).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    sqlx::query("INSERT INTO version_historique (id, objet, objet_id, patient_id, version, operation, contenu, auteur, fait_le, motif) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
        .bind(new_id())
        .bind(v.objet.code())
        .bind(v.objet_id.to_string())
        .bind(v.patient_id.to_string())
        .bind(v.version)
        .bind(v.operation.code())
        .bind(contenu)
        .bind(v.auteur.to_string())
        .bind(v.fait_le)
        .bind(v.motif.map(str::to_string))
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// Before a change: the state being replaced is kept as it was, unless
/// it already is (it was made after the history began). `v.operation`
/// is then [`OperationVersion::Reprise`].
pub(crate) async fn reprendre<T: Serialize>(
    tx: &mut sqlx::AnyConnection,
    v: NouvelleVersion<'_, T>,
) -> Result<()> {
    let deja = sqlx::query(
        "SELECT 1 FROM version_historique WHERE objet = $1 AND objet_id = $2 AND version = $3",
    )
    .bind(v.objet.code())
    .bind(v.objet_id.to_string())
    .bind(v.version)
    .fetch_optional(&mut *tx)
    .await?;
    if deja.is_none() {
        garder(
            tx,
            NouvelleVersion {
                operation: OperationVersion::Reprise,
                ..v
            },
        )
        .await?;
    }
    Ok(())
}

impl Store {
    /// Every version of `objet_id`, oldest first; traced as
    /// `historique.read`. For contact details and identity, `objet_id` is
    /// the patient's id.
    pub async fn historique<T: DeserializeOwned>(
        &self,
        actor: &Actor,
        objet: ObjetHistorise,
        objet_id: &str,
    ) -> Result<Vec<Version<T>>> {
        use crate::portee::Cible;
        let cible = match objet {
            ObjetHistorise::Consultation => Cible::Consultation(objet_id),
            ObjetHistorise::Entree => Cible::Entree(objet_id),
            ObjetHistorise::Contact | ObjetHistorise::Identite => Cible::Patient(objet_id),
        };
        self.verifier_portee(actor, cible).await?;
        let _g = self.audit_lock.lock().await;
        let mut tx = self.begin().await?;
        let (table, colonne) = match objet {
            ObjetHistorise::Consultation => ("encounter", "id"),
            ObjetHistorise::Entree => ("clinical_entry", "id"),
            ObjetHistorise::Contact | ObjetHistorise::Identite => ("patient", "id"),
        };
        let patient: String = sqlx::query(&format!(
            "SELECT {} FROM {table} WHERE {colonne} = $1",
            if table == "patient" {
                "id"
            } else {
                "patient_id"
            }
        ))
        .bind(objet_id.to_string())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("{} {objet_id}", objet.code())))?
        .try_get(0)?;
        let rows = sqlx::query(
            "SELECT v.version, v.operation, v.contenu, v.auteur, v.fait_le, v.motif, u.display_name FROM version_historique v LEFT JOIN app_user u ON u.login = v.auteur WHERE v.objet = $1 AND v.objet_id = $2 ORDER BY v.version",
        )
        .bind(objet.code())
        .bind(objet_id.to_string())
        .fetch_all(&mut *tx)
        .await?;
        let versions = rows
            .iter()
            .map(|r| {
                let operation: String = r.try_get(1)?;
                let contenu: String = r.try_get(2)?;
                Ok(Version {
                    version: r.try_get(0)?,
                    operation: OperationVersion::from_code(&operation)
                        .ok_or_else(|| StoreError::Corrupt(format!("opération {operation}")))?,
                    contenu: serde_json::from_str(&contenu)
                        .map_err(|e| StoreError::Corrupt(format!("version: {e}")))?,
                    auteur: r.try_get(3)?,
                    auteur_nom: r.try_get(6)?,
                    fait_le: r.try_get(4)?,
                    motif: r.try_get(5)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        audit::append(
            &mut tx,
            self.backend,
            actor,
            "historique.read",
            Some(&patient),
            &format!("{} {objet_id}", objet.code()),
        )
        .await?;
        tx.commit().await?;
        Ok(versions)
    }
}
