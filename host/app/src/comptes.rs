//! The practice's accounts, structures and sites, and the check of the
//! audit trail (administrators); the practitioners any user may list.

use crate::App;
use esculape_api_types::comptes::{Caller, Praticien};
use esculape_domain::Role;
use esculape_domain::StructureKind;
use esculape_store::accounts::{SiteRec, StructureRec, UserChanges};
use esculape_store::portee::Cible;
use esculape_store::{Acteur, Actor, AuditReport, Result, StoreError, User};

impl App {
    /// Whether no account exists yet (the first start of a one-doctor
    /// install).
    pub async fn sans_compte(&self) -> Result<bool> {
        self.store.sans_compte().await
    }

    /// The sites of the actor's structure.
    pub async fn sites(&self, actor: &Actor) -> Result<Vec<SiteRec>> {
        let mut sites = self.store.sites().await?;
        sites.retain(|s| actor.atteint(Some(&s.structure_id)));
        Ok(sites)
    }

    /// The actor's structure (every structure for the host).
    pub async fn structures(&self, actor: &Actor) -> Result<Vec<StructureRec>> {
        let mut structures = self.store.structures().await?;
        structures.retain(|s| actor.atteint(Some(&s.id)));
        Ok(structures)
    }

    /// The active médecins of the actor's structure, as any user may list
    /// them (no login, no role).
    pub async fn praticiens(&self, actor: &Actor) -> Result<Vec<Praticien>> {
        Ok(self
            .comptes(actor)
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

    /// The accounts of the actor's structure: an administrator manages
    /// their own structure's, no other.
    pub async fn comptes(&self, actor: &Actor) -> Result<Vec<User>> {
        let mut comptes = self.store.users().await?;
        comptes.retain(|u| actor.atteint(u.structure_id.as_deref()));
        Ok(comptes)
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
        let actor = caller.actor();
        self.store
            .verifier_portee(&actor, Cible::Compte(id))
            .await?;
        self.store.update_user(&actor, id, changes).await
    }

    pub async fn creer_structure(
        &self,
        actor: &Actor,
        nom: &str,
        kind: StructureKind,
        finess: Option<&str>,
    ) -> Result<StructureRec> {
        // A structure's administrator manages their own structure; a new
        // one, with its own accounts, is created on the host (first start,
        // command line).
        if actor.portee != esculape_store::Portee::Hote {
            self.store
                .trace(actor, "acces.refuse", None, "création d'une structure")
                .await?;
            return Err(StoreError::Interdit(
                "une nouvelle structure se crée sur le serveur, pas depuis une structure existante"
                    .into(),
            ));
        }
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
            .verifier_portee(actor, Cible::Structure(structure_id))
            .await?;
        self.store
            .create_site(actor, structure_id, nom, adresse, finess)
            .await
    }

    /// Checks the audit trail's chain from its start.
    pub async fn verifier_journal(&self) -> Result<AuditReport> {
        self.store.verify_audit().await
    }
}
