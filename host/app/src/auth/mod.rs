//! Authentication: identity providers, and the sessions they open on a
//! local account.
//!
//! A provider checks a proof and names the local account it vouches for
//! ([`FournisseurIdentite`]): today the local password provider
//! ([`MotDePasseLocal`]: policy, argon2id, lockout) and Pro Santé
//! Connect (`crate::psc`: an external identity linked to an account by
//! its RPPS). Sessions
//! (token, lifetimes), rate limits and the bound on hashing are the same
//! for every provider. The store keeps only rows.

pub mod limites;
pub mod mot_de_passe;

use crate::App;
pub use esculape_api_types::comptes::{Caller, NouveauCompte, PremiereInstallation, Session};
use esculape_domain::{AccountError, PasswordPolicy, Role};
use esculape_store::accounts::{EchecConnexion, Installation, NouvelleSession};
use esculape_store::{Acteur, Actor, Store, StoreError, User};
use sha2::{Digest, Sha256};
use std::net::IpAddr;

/// A session ends after this much inactivity…
pub const SESSION_IDLE_MS: i64 = 30 * 60_000;
/// …and in any case this long after login.
pub const SESSION_MAX_MS: i64 = 12 * 3_600_000;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// One answer, at one cost, for an unknown login, a wrong password, a
    /// locked and a deactivated account: nothing tells them apart.
    #[error(
        "connexion refusée : identifiant ou mot de passe incorrect, ou compte verrouillé après trop d'échecs, ou désactivé"
    )]
    Refus,
    #[error("session absente ou expirée : reconnectez-vous")]
    NoSession,
    #[error("mot de passe expiré : changez-le avant de continuer")]
    PasswordExpired,
    #[error("ancien mot de passe incorrect")]
    AncienMotDePasse,
    #[error("trop de tentatives de connexion : réessayez dans {secondes} s")]
    TropDeTentatives { secondes: u64 },
    #[error("serveur occupé par d'autres connexions : réessayez dans un instant")]
    Occupe,
    #[error("{0}")]
    Regle(#[from] AccountError),
    #[error("hachage du mot de passe impossible : {0}")]
    Hachage(String),
    #[error(transparent)]
    Stockage(#[from] StoreError),
}

/// A provider of identities: checks a proof, names the local account.
pub trait FournisseurIdentite {
    type Preuve;
    /// For the trail (`connexion.succes` says which provider vouched).
    fn nom(&self) -> &'static str;
    /// Whether the local password is what proves who signs in: only then
    /// does its expiry stop the session until it is changed.
    fn par_mot_de_passe(&self) -> bool {
        true
    }
    /// The account the proof is for, or [`AuthError::Refus`]; a refusal
    /// is traced by the provider.
    fn verifier(
        &self,
        auth: &Authentification,
        store: &Store,
        preuve: Self::Preuve,
    ) -> impl std::future::Future<Output = Result<User, AuthError>> + Send;
}

/// A login name and its password.
pub struct Identifiant {
    pub login: String,
    pub password: String,
}

/// The local password provider.
pub struct MotDePasseLocal;

impl FournisseurIdentite for MotDePasseLocal {
    type Preuve = Identifiant;
    fn nom(&self) -> &'static str {
        "mot de passe"
    }
    async fn verifier(
        &self,
        auth: &Authentification,
        store: &Store,
        preuve: Identifiant,
    ) -> Result<User, AuthError> {
        verifier_mot_de_passe(auth, store, &preuve.login, &preuve.password).await
    }
}

/// Checks a password against the account's hash and counts a failure.
/// Every path costs exactly one hash check.
async fn verifier_mot_de_passe(
    auth: &Authentification,
    store: &Store,
    login: &str,
    password: &str,
) -> Result<User, AuthError> {
    let Some(id) = store.identifiants(login).await? else {
        mot_de_passe::verifier(&auth.limites, password, None).await?;
        // Only known logins are written in the trail: what was typed
        // into the field may be a password.
        store
            .trace(
                &Actor::user("(inconnu)"),
                "connexion.echec",
                None,
                "identifiant inconnu",
            )
            .await?;
        return Err(AuthError::Refus);
    };
    let who = id.user.actor();
    let ok = mot_de_passe::verifier(&auth.limites, password, Some(&id.password_hash)).await?;
    if !id.user.active {
        store
            .trace(&who, "connexion.echec", None, "compte désactivé")
            .await?;
        return Err(AuthError::Refus);
    }
    if !ok {
        let policy = PasswordPolicy::for_role(id.user.role);
        let issue = store
            .echec_connexion(
                &who,
                &id.user.id,
                store.now(),
                policy.max_failures as i64,
                policy.lockout_minutes as i64 * 60_000,
            )
            .await?;
        if let EchecConnexion::Verrouille { until } = issue {
            tracing::info!("compte {} verrouillé jusqu'à {until}", id.user.login);
        }
        return Err(AuthError::Refus);
    }
    Ok(id.user)
}

/// Rate limits and hashing bound, shared by every provider.
#[derive(Default)]
pub struct Authentification {
    pub limites: limites::Limites,
}

/// The one-time code that opens the first start of a one-doctor install
/// to the host's own window (128 random bits, never stored).
#[derive(Clone)]
pub struct CodeInstallation(String);

impl CodeInstallation {
    pub fn nouveau() -> Result<Self, StoreError> {
        Ok(Self(hex::encode(esculape_store::random_bytes::<16>()?)))
    }

    pub fn texte(&self) -> &str {
        &self.0
    }

    /// Whether `propose` is this code (compared by digest, so the time
    /// taken says nothing of a near miss).
    pub fn accepte(&self, propose: &str) -> bool {
        Sha256::digest(self.0.as_bytes()) == Sha256::digest(propose.as_bytes())
    }
}

impl std::fmt::Debug for CodeInstallation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CodeInstallation(…)")
    }
}

fn jeton_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn expire(user: &User, now: i64) -> bool {
    PasswordPolicy::for_role(user.role).expired(user.password_changed_at, now)
}

impl Authentification {
    /// Opens a session for whoever `fournisseur` vouches for; `adresse`
    /// is the client's (rate limits), `login` the name asked for.
    pub async fn connexion<F: FournisseurIdentite>(
        &self,
        store: &Store,
        fournisseur: &F,
        login: &str,
        adresse: Option<IpAddr>,
        preuve: F::Preuve,
    ) -> Result<Session, AuthError> {
        self.limites.tentative(login, adresse)?;
        let user = fournisseur.verifier(self, store, preuve).await?;
        let now = store.now();
        let token = hex::encode(esculape_store::random_bytes::<32>()?);
        let expires_at = now + SESSION_IDLE_MS;
        let password_expired = fournisseur.par_mot_de_passe() && expire(&user, now);
        let note = if password_expired {
            format!("{}, mot de passe expiré", fournisseur.nom())
        } else {
            fournisseur.nom().to_string()
        };
        let user = store
            .ouvrir_session(
                &user.actor(),
                &user.id,
                NouvelleSession {
                    token_hash: &jeton_hash(&token),
                    now,
                    expires_at,
                    note: &note,
                },
            )
            .await?
            .ok_or(AuthError::Refus)?;
        Ok(Session {
            token,
            user,
            expires_at,
            password_expired,
            psc: false,
        })
    }

    /// The caller of a session token; extends an idle session (sliding
    /// expiry, capped at [`SESSION_MAX_MS`] after login).
    pub async fn session(&self, store: &Store, token: &str) -> Result<Caller, AuthError> {
        if token.is_empty() {
            return Err(AuthError::NoSession);
        }
        let now = store.now();
        let h = jeton_hash(token);
        let s = store
            .session_par_jeton(&h)
            .await?
            .ok_or(AuthError::NoSession)?;
        if s.expires_at <= now || !s.user.active {
            store.supprimer_session(&h).await?;
            return Err(AuthError::NoSession);
        }
        let mut expires_at = s.expires_at;
        // Refresh at most once a minute: a session check is not a write.
        if now - s.last_seen > 60_000 {
            expires_at = (now + SESSION_IDLE_MS).min(s.created_at + SESSION_MAX_MS);
            store.prolonger_session(&h, now, expires_at).await?;
        }
        Ok(Caller {
            password_expired: expire(&s.user, now),
            user: s.user,
            expires_at,
        })
    }

    /// Ends the session `token` of `caller` (as the guard found it).
    pub async fn deconnexion(
        &self,
        store: &Store,
        caller: &Caller,
        token: &str,
    ) -> Result<(), AuthError> {
        Ok(store
            .fermer_session(&caller.actor(), &jeton_hash(token))
            .await?)
    }

    /// The user changes their own password (old one required); their
    /// other sessions end, this one stays.
    pub async fn changer_mot_de_passe(
        &self,
        store: &Store,
        caller: &Caller,
        token: &str,
        old: &str,
        new: &str,
    ) -> Result<User, AuthError> {
        let id = store.identifiants_du_compte(&caller.user.id).await?;
        let who = id.user.actor();
        if !mot_de_passe::verifier(&self.limites, old, Some(&id.password_hash)).await? {
            store
                .trace(
                    &who,
                    "mot_de_passe.echec",
                    None,
                    "ancien mot de passe erroné",
                )
                .await?;
            return Err(AuthError::AncienMotDePasse);
        }
        if old == new {
            store
                .trace(&who, "mot_de_passe.echec", None, "inchangé")
                .await?;
            return Err(AccountError::Unchanged.into());
        }
        if let Err(e) = PasswordPolicy::for_role(id.user.role).check(&id.user.login, new) {
            store
                .trace(&who, "mot_de_passe.echec", None, &e.to_string())
                .await?;
            return Err(e.into());
        }
        let hash = mot_de_passe::hacher(&self.limites, new).await?;
        Ok(store
            .enregistrer_mot_de_passe(
                &who,
                &id.user.id,
                hash,
                store.now(),
                "mot_de_passe.changement",
                Some(&jeton_hash(token)),
            )
            .await?)
    }

    /// An administrator sets a new password: whatever the role, the user
    /// must change it at next login, and every session of the account
    /// ends.
    pub async fn reinitialiser_mot_de_passe(
        &self,
        store: &Store,
        actor: &Actor,
        user_id: &str,
        new: &str,
    ) -> Result<User, AuthError> {
        store
            .verifier_portee(actor, esculape_store::portee::Cible::Compte(user_id))
            .await?;
        let user = store.user(user_id).await?;
        PasswordPolicy::for_role(user.role).check(&user.login, new)?;
        let hash = mot_de_passe::hacher(&self.limites, new).await?;
        Ok(store
            .enregistrer_mot_de_passe(
                actor,
                &user.id,
                hash,
                PasswordPolicy::A_CHANGER,
                "mot_de_passe.reinitialisation",
                None,
            )
            .await?)
    }

    /// Creates an account; the password must follow the role's policy.
    pub async fn creer_compte(
        &self,
        store: &Store,
        actor: &Actor,
        new: &NouveauCompte,
    ) -> Result<User, AuthError> {
        // An account of the administrator's structure (unless the host
        // itself names another).
        let mut compte = new.compte.clone();
        match (&compte.structure_id, actor.structure()) {
            (Some(s), _) => {
                store
                    .verifier_portee(actor, esculape_store::portee::Cible::Structure(s))
                    .await?
            }
            (None, Some(mine)) => compte.structure_id = Some(mine.to_string()),
            (None, None) => {}
        }
        let hash = self.hash_nouveau(new).await?;
        Ok(store.create_user(actor, &compte, hash).await?)
    }

    /// The first start of a one-doctor install (the doctor's account).
    pub async fn premiere_installation(
        &self,
        store: &Store,
        i: &PremiereInstallation,
    ) -> Result<Installation, AuthError> {
        if i.compte.compte.role != Role::Medecin {
            return Err(StoreError::Rule(
                "le premier compte d'une installation monoposte est celui du médecin".into(),
            )
            .into());
        }
        let hash = self.hash_nouveau(&i.compte).await?;
        Ok(store
            .premiere_installation(&i.cabinet, &i.compte.compte, hash)
            .await?)
    }

    /// Checks a new account (fields, then the role's password policy)
    /// before hashing its password.
    async fn hash_nouveau(&self, new: &NouveauCompte) -> Result<String, AuthError> {
        esculape_store::accounts::verifier_compte(&new.compte)?;
        PasswordPolicy::for_role(new.compte.role).check(&new.compte.login, &new.password)?;
        mot_de_passe::hacher(&self.limites, &new.password).await
    }
}

/// The use cases, on the application.
impl App {
    /// Login with a password.
    pub async fn connexion(
        &self,
        login: &str,
        password: &str,
        adresse: Option<IpAddr>,
    ) -> Result<Session, AuthError> {
        let preuve = Identifiant {
            login: login.to_string(),
            password: password.to_string(),
        };
        self.auth
            .connexion(&self.store, &MotDePasseLocal, login, adresse, preuve)
            .await
    }

    /// The caller of a session token. A session opened with Pro Santé
    /// Connect is not held up by the local password's expiry: the card,
    /// not the password, proved who signs in.
    pub async fn session(&self, token: &str) -> Result<Caller, AuthError> {
        let mut c = self.auth.session(&self.store, token).await?;
        if c.password_expired
            && self
                .psc
                .as_ref()
                .is_some_and(|p| p.session_de(token).is_some())
        {
            c.password_expired = false;
        }
        Ok(c)
    }

    /// Traces a caller's refused access (`detail`: what was asked).
    pub async fn acces_refuse(&self, caller: &Caller, detail: &str) -> Result<(), StoreError> {
        self.store
            .trace(&caller.actor(), "acces.refuse", None, detail)
            .await
    }

    /// Ends the caller's session `token`.
    pub async fn deconnexion(&self, caller: &Caller, token: &str) -> Result<(), AuthError> {
        self.psc_deconnexion(token).await;
        self.auth.deconnexion(&self.store, caller, token).await
    }

    /// The caller changes their own password (old one required).
    pub async fn changer_mot_de_passe(
        &self,
        caller: &Caller,
        token: &str,
        old: &str,
        new: &str,
    ) -> Result<User, AuthError> {
        self.auth
            .changer_mot_de_passe(&self.store, caller, token, old, new)
            .await
    }

    /// An administrator sets a user's new password (to change at next
    /// login).
    pub async fn reinitialiser_mot_de_passe(
        &self,
        actor: &Actor,
        user_id: &str,
        new: &str,
    ) -> Result<User, AuthError> {
        self.auth
            .reinitialiser_mot_de_passe(&self.store, actor, user_id, new)
            .await
    }

    pub async fn creer_compte(
        &self,
        actor: &Actor,
        new: &NouveauCompte,
    ) -> Result<User, AuthError> {
        self.auth.creer_compte(&self.store, actor, new).await
    }

    /// The first start of a one-doctor install.
    pub async fn premiere_installation(
        &self,
        i: &PremiereInstallation,
    ) -> Result<Installation, AuthError> {
        self.auth.premiere_installation(&self.store, i).await
    }
}
