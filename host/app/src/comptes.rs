//! The practice's accounts, structures and sites, and the check of the
//! audit trail (administrators); the practitioners any user may list.

use crate::App;
use esculape_api_types::comptes::{Caller, Praticien};
use esculape_domain::Role;
use esculape_domain::StructureKind;
use esculape_store::accounts::{SiteRec, StructureRec, UserChanges};
use esculape_store::{Acteur, Actor, AuditReport, Result, StoreError, User};

impl App {
    /// Whether no account exists yet (the first start of a one-doctor
    /// install).
    pub async fn sans_compte(&self) -> Result<bool> {
        self.store.sans_compte().await
    }

    pub async fn sites(&self) -> Result<Vec<SiteRec>> {
        self.store.sites().await
    }

    pub async fn structures(&self) -> Result<Vec<StructureRec>> {
        self.store.structures().await
    }

    /// The active médecins, as any user may list them (no login, no
    /// role).
    pub async fn praticiens(&self) -> Result<Vec<Praticien>> {
        Ok(self
            .store
            .users()
            .await?
            .into_iter()
            .filter(|u| u.role == Role::Medecin && u.active)
            .map(|u| Praticien {
                id: u.id,
                display_name: u.display_name,
                rpps: u.rpps,
                profession: u.profession,
            })
            .collect())
    }

    pub async fn comptes(&self) -> Result<Vec<User>> {
        self.store.users().await
    }

    /// An administrator changes an account; never their own role away
    /// from administrator (the practice would lose its last way in).
    pub async fn modifier_compte(
        &self,
        caller: &Caller,
        id: &str,
        changes: UserChanges,
    ) -> Result<User> {
        if id == caller.user.id && changes.role.is_some_and(|r| r != Role::Administrateur) {
            return Err(StoreError::Rule(
                "un administrateur ne peut pas retirer ses propres droits".into(),
            ));
        }
        self.store.update_user(&caller.actor(), id, changes).await
    }

    pub async fn creer_structure(
        &self,
        actor: &Actor,
        nom: &str,
        kind: StructureKind,
        finess: Option<&str>,
    ) -> Result<StructureRec> {
        self.store.create_structure(actor, nom, kind, finess).await
    }

    pub async fn creer_site(
        &self,
        actor: &Actor,
        structure_id: &str,
        nom: &str,
        adresse: Option<&str>,
        finess: Option<&str>,
    ) -> Result<SiteRec> {
        self.store
            .create_site(actor, structure_id, nom, adresse, finess)
            .await
    }

    /// Checks the audit trail's chain from its start.
    pub async fn verifier_journal(&self) -> Result<AuditReport> {
        self.store.verify_audit().await
    }
}
