//! Structure, sites, users, login, sessions and passwords (DSR §3.2.7).
//!
//! Passwords are hashed with argon2id. Every account event (creation,
//! attribute change, rights change, login success and failure, password
//! change, lockout) goes to the audit trail (SC.SSI/IAM.91).

use crate::audit;
use crate::db::Store;
use crate::{Actor, Result, StoreError, new_id};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use esculape_domain::account::{check_finess, check_login, check_rpps};
use esculape_domain::{PasswordPolicy, Role, StructureKind};
use sha2::{Digest, Sha256};
use sqlx::Row;

/// A session ends after this much inactivity…
pub const SESSION_IDLE_MS: i64 = 30 * 60_000;
/// …and in any case this long after login.
pub const SESSION_MAX_MS: i64 = 12 * 3_600_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// Same message for an unknown login and a wrong password.
    #[error("identifiant ou mot de passe incorrect")]
    BadCredentials,
    #[error("compte verrouillé après trop d'échecs; réessayez après {until_text}")]
    Locked { until: i64, until_text: String },
    #[error("compte désactivé")]
    Inactive,
    #[error("session absente ou expirée: reconnectez-vous")]
    NoSession,
    #[error("mot de passe expiré: changez-le avant de continuer")]
    PasswordExpired,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StructureRec {
    pub id: String,
    pub finess: Option<String>,
    pub name: String,
    pub kind: StructureKind,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SiteRec {
    pub id: String,
    pub structure_id: String,
    pub name: String,
    pub address: Option<String>,
    pub finess: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct User {
    pub id: String,
    pub login: String,
    pub display_name: String,
    pub rpps: Option<String>,
    pub profession: Option<String>,
    pub role: Role,
    pub structure_id: Option<String>,
    pub active: bool,
    pub password_changed_at: i64,
    pub locked_until: Option<i64>,
    pub version: i64,
}

impl User {
    pub fn actor(&self) -> Actor {
        Actor::user(self.login.clone())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct NewUser {
    pub login: String,
    pub display_name: String,
    #[serde(default)]
    pub rpps: Option<String>,
    #[serde(default)]
    pub profession: Option<String>,
    pub role: Role,
    #[serde(default)]
    pub structure_id: Option<String>,
    pub password: String,
}

/// A new one-doctor install: the practice, its first site and the
/// doctor's account.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct PremiereInstallation {
    pub structure: String,
    #[serde(default = "cabinet")]
    pub kind: StructureKind,
    #[serde(default)]
    pub finess: Option<String>,
    pub site: String,
    #[serde(default)]
    pub adresse: Option<String>,
    pub compte: NewUser,
}

fn cabinet() -> StructureKind {
    StructureKind::Cabinet
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Installation {
    pub structure: StructureRec,
    pub site: SiteRec,
    pub user: User,
}

/// Attribute changes by an administrator; `None` leaves a field alone.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct UserChanges {
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub rpps: Option<String>,
    #[serde(default)]
    pub profession: Option<String>,
    #[serde(default)]
    pub role: Option<Role>,
    #[serde(default)]
    pub active: Option<bool>,
}

/// What login returns; the token is shown once and only its hash is kept.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Session {
    pub token: String,
    pub user: User,
    pub expires_at: i64,
    /// The password must be changed before anything else.
    pub password_expired: bool,
}

/// Who is calling, from a valid session.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Caller {
    pub user: User,
    pub password_expired: bool,
    pub expires_at: i64,
}

impl Caller {
    pub fn actor(&self) -> Actor {
        self.user.actor()
    }
}

const USER_COLUMNS: &str = "id, login, display_name, rpps, profession, role, structure_id, active, password_changed_at, locked_until, version";

fn row_user(row: &sqlx::any::AnyRow) -> Result<User> {
    row_user_from(row, 0)
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// argon2id with the crate's defaults (19 MiB, 2 passes), on a blocking
/// thread: it is deliberately slow.
async fn hash_password(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        let salt_bytes: [u8; 16] = crate::random_bytes()?;
        let salt = SaltString::encode_b64(&salt_bytes)
            .map_err(|e| StoreError::Corrupt(format!("sel: {e}")))?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| StoreError::Corrupt(format!("argon2: {e}")))
    })
    .await
    .map_err(|e| StoreError::Corrupt(format!("hachage interrompu: {e}")))?
}

async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|h| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &h)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// A hash of nothing in particular, verified against when the login is
/// unknown so that the answer takes as long as for a known one.
fn dummy_hash() -> String {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| {
        SaltString::encode_b64(b"esculape-factice")
            .ok()
            .and_then(|s| {
                Argon2::default()
                    .hash_password(b"-", &s)
                    .ok()
                    .map(|h| h.to_string())
            })
            .unwrap_or_default()
    })
    .clone()
}

type Tx = sqlx::Transaction<'static, sqlx::Any>;

fn check_structure(name: &str, finess: Option<&str>) -> Result<()> {
    if let Some(f) = finess {
        check_finess(f)?;
    }
    if name.trim().is_empty() {
        return Err(StoreError::Rule(
            "le nom de la structure est obligatoire".into(),
        ));
    }
    Ok(())
}

fn check_site(name: &str, finess: Option<&str>) -> Result<()> {
    if let Some(f) = finess {
        check_finess(f)?;
    }
    if name.trim().is_empty() {
        return Err(StoreError::Rule("le nom du site est obligatoire".into()));
    }
    Ok(())
}

/// Checks a new account and hashes its password (before any write).
async fn check_new_user(new: &NewUser) -> Result<String> {
    check_login(&new.login)?;
    if let Some(r) = &new.rpps {
        check_rpps(r)?;
    }
    if new.display_name.trim().is_empty() {
        return Err(StoreError::Rule("le nom affiché est obligatoire".into()));
    }
    PasswordPolicy::for_role(new.role).check(&new.login, &new.password)?;
    hash_password(new.password.clone()).await
}

fn paris_text(ms: i64) -> String {
    esculape_domain::calendar::paris_local(ms)
        .to_string()
        .replace('T', " à ")
}

impl Store {
    pub async fn create_structure(
        &self,
        actor: &Actor,
        name: &str,
        kind: StructureKind,
        finess: Option<&str>,
    ) -> Result<StructureRec> {
        check_structure(name, finess)?;
        let _g = self.audit_lock.lock().await;
        let mut tx = self.begin().await?;
        let r = self
            .insert_structure(&mut tx, actor, name, kind, finess)
            .await?;
        tx.commit().await?;
        Ok(r)
    }

    async fn insert_structure(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        name: &str,
        kind: StructureKind,
        finess: Option<&str>,
    ) -> Result<StructureRec> {
        let id = new_id();
        sqlx::query("INSERT INTO structure (id, finess, name, kind, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(id.clone())
            .bind(finess.map(str::to_string))
            .bind(name.trim().to_string())
            .bind(kind.code())
            .bind(self.now())
            .execute(&mut **tx)
            .await?;
        audit::append(tx, self.backend, actor, "structure.creation", None, &id).await?;
        Ok(StructureRec {
            id,
            finess: finess.map(Into::into),
            name: name.trim().into(),
            kind,
        })
    }

    pub async fn structures(&self) -> Result<Vec<StructureRec>> {
        let rows = sqlx::query("SELECT id, finess, name, kind FROM structure ORDER BY name")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                let kind: String = r.try_get(3)?;
                Ok(StructureRec {
                    id: r.try_get(0)?,
                    finess: r.try_get(1)?,
                    name: r.try_get(2)?,
                    kind: StructureKind::from_code(&kind)
                        .ok_or_else(|| StoreError::Corrupt(format!("type de structure {kind}")))?,
                })
            })
            .collect()
    }

    pub async fn create_site(
        &self,
        actor: &Actor,
        structure_id: &str,
        name: &str,
        address: Option<&str>,
        finess: Option<&str>,
    ) -> Result<SiteRec> {
        check_site(name, finess)?;
        let _g = self.audit_lock.lock().await;
        let mut tx = self.begin().await?;
        let r = self
            .insert_site(&mut tx, actor, structure_id, name, address, finess)
            .await?;
        tx.commit().await?;
        Ok(r)
    }

    async fn insert_site(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        structure_id: &str,
        name: &str,
        address: Option<&str>,
        finess: Option<&str>,
    ) -> Result<SiteRec> {
        if sqlx::query("SELECT 1 FROM structure WHERE id = $1")
            .bind(structure_id.to_string())
            .fetch_optional(&mut **tx)
            .await?
            .is_none()
        {
            return Err(StoreError::NotFound(format!("structure {structure_id}")));
        }
        let id = new_id();
        sqlx::query("INSERT INTO site (id, structure_id, name, address, finess, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(id.clone())
            .bind(structure_id.to_string())
            .bind(name.trim().to_string())
            .bind(address.map(str::to_string))
            .bind(finess.map(str::to_string))
            .bind(self.now())
            .execute(&mut **tx)
            .await?;
        audit::append(tx, self.backend, actor, "site.creation", None, &id).await?;
        Ok(SiteRec {
            id,
            structure_id: structure_id.into(),
            name: name.trim().into(),
            address: address.map(Into::into),
            finess: finess.map(Into::into),
        })
    }

    pub async fn sites(&self) -> Result<Vec<SiteRec>> {
        let rows =
            sqlx::query("SELECT id, structure_id, name, address, finess FROM site ORDER BY name")
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|r| {
                Ok(SiteRec {
                    id: r.try_get(0)?,
                    structure_id: r.try_get(1)?,
                    name: r.try_get(2)?,
                    address: r.try_get(3)?,
                    finess: r.try_get(4)?,
                })
            })
            .collect()
    }

    /// Create an account; the password must follow the role's policy.
    pub async fn create_user(&self, actor: &Actor, new: NewUser) -> Result<User> {
        let hash = check_new_user(&new).await?;
        let _g = self.audit_lock.lock().await;
        let mut tx = self.begin().await?;
        let user = self.insert_user(&mut tx, actor, &new, hash).await?;
        tx.commit().await?;
        Ok(user)
    }

    async fn insert_user(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        new: &NewUser,
        hash: String,
    ) -> Result<User> {
        let id = new_id();
        let now = self.now();
        let r = sqlx::query(&format!(
            "INSERT INTO app_user ({USER_COLUMNS}, password_hash, failed_logins, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, NULL, 1, $9, 0, $10)"
        ))
        .bind(id.clone())
        .bind(new.login.clone())
        .bind(new.display_name.trim().to_string())
        .bind(new.rpps.clone())
        .bind(new.profession.clone())
        .bind(new.role.code())
        .bind(new.structure_id.clone())
        .bind(now)
        .bind(hash)
        .bind(now)
        .execute(&mut **tx)
        .await;
        match r {
            Err(sqlx::Error::Database(d)) if d.is_unique_violation() => {
                return Err(StoreError::Duplicate(format!(
                    "l'identifiant «{}» est déjà pris",
                    new.login
                )));
            }
            Err(sqlx::Error::Database(d)) if d.is_foreign_key_violation() => {
                return Err(StoreError::NotFound("structure".into()));
            }
            r => {
                r?;
            }
        }
        let detail = format!("compte {} rôle {}", new.login, new.role.code());
        audit::append(tx, self.backend, actor, "compte.creation", None, &detail).await?;
        fetch_user(tx, &id).await
    }

    /// Whether no account exists yet: a new one-doctor install.
    pub async fn sans_compte(&self) -> Result<bool> {
        Ok(sqlx::query("SELECT 1 FROM app_user LIMIT 1")
            .fetch_optional(&self.pool)
            .await?
            .is_none())
    }

    /// First start of a one-doctor install: the practice, its site and
    /// the first account in one transaction, refused once any account
    /// exists (so it cannot be used to add accounts later).
    pub async fn premiere_installation(&self, i: PremiereInstallation) -> Result<Installation> {
        check_structure(&i.structure, i.finess.as_deref())?;
        check_site(&i.site, None)?;
        let mut compte = i.compte;
        let hash = check_new_user(&compte).await?;
        let actor = Actor::user(compte.login.clone());
        let _g = self.audit_lock.lock().await;
        let mut tx = self.begin().await?;
        if sqlx::query("SELECT 1 FROM app_user LIMIT 1")
            .fetch_optional(&mut *tx)
            .await?
            .is_some()
        {
            return Err(StoreError::DejaInstalle);
        }
        let structure = self
            .insert_structure(&mut tx, &actor, &i.structure, i.kind, i.finess.as_deref())
            .await?;
        let site = self
            .insert_site(
                &mut tx,
                &actor,
                &structure.id,
                &i.site,
                i.adresse.as_deref(),
                None,
            )
            .await?;
        compte.structure_id = Some(structure.id.clone());
        let user = self.insert_user(&mut tx, &actor, &compte, hash).await?;
        tx.commit().await?;
        Ok(Installation {
            structure,
            site,
            user,
        })
    }

    pub async fn users(&self) -> Result<Vec<User>> {
        let rows = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM app_user ORDER BY login"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(row_user).collect()
    }

    pub async fn user(&self, id: &str) -> Result<User> {
        let mut tx = self.begin().await?;
        let u = fetch_user(&mut tx, id).await?;
        tx.commit().await?;
        Ok(u)
    }

    pub async fn count_users(&self) -> Result<i64> {
        Ok(sqlx::query("SELECT COUNT(*) FROM app_user")
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?)
    }

    /// Change attributes or rights; traced as `compte.modification` and,
    /// when the role or activation changes, `compte.droits`.
    pub async fn update_user(&self, actor: &Actor, id: &str, ch: UserChanges) -> Result<User> {
        if let Some(r) = &ch.rpps {
            check_rpps(r)?;
        }
        let _g = self.audit_lock.lock().await;
        let mut tx = self.begin().await?;
        let before = fetch_user(&mut tx, id).await?;
        let after = User {
            display_name: ch
                .display_name
                .clone()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .unwrap_or(before.display_name.clone()),
            rpps: ch.rpps.clone().or(before.rpps.clone()),
            profession: ch.profession.clone().or(before.profession.clone()),
            role: ch.role.unwrap_or(before.role),
            active: ch.active.unwrap_or(before.active),
            ..before.clone()
        };
        sqlx::query("UPDATE app_user SET display_name = $1, rpps = $2, profession = $3, role = $4, active = $5, version = version + 1 WHERE id = $6")
            .bind(after.display_name.clone())
            .bind(after.rpps.clone())
            .bind(after.profession.clone())
            .bind(after.role.code())
            .bind(after.active as i64)
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        if after.role != before.role || after.active != before.active {
            // New rights take effect at once: open sessions end. (Row
            // writes before the audit table lock, as everywhere, so that
            // two hosts cannot deadlock.)
            sqlx::query("DELETE FROM user_session WHERE user_id = $1")
                .bind(id.to_string())
                .execute(&mut *tx)
                .await?;
        }
        let mut changed = vec![];
        if after.display_name != before.display_name {
            changed.push("nom");
        }
        if after.rpps != before.rpps {
            changed.push("rpps");
        }
        if after.profession != before.profession {
            changed.push("profession");
        }
        if !changed.is_empty() {
            let detail = format!("compte {}: {}", before.login, changed.join(", "));
            audit::append(
                &mut tx,
                self.backend,
                actor,
                "compte.modification",
                None,
                &detail,
            )
            .await?;
        }
        if after.role != before.role || after.active != before.active {
            let detail = format!(
                "compte {}: rôle {}→{}, actif {}→{}",
                before.login,
                before.role.code(),
                after.role.code(),
                before.active,
                after.active
            );
            audit::append(&mut tx, self.backend, actor, "compte.droits", None, &detail).await?;
        }
        let user = fetch_user(&mut tx, id).await?;
        tx.commit().await?;
        Ok(user)
    }

    /// Check a login and open a session.
    pub async fn login(&self, login: &str, password: &str) -> Result<Session> {
        let who = Actor::user(login.chars().take(64).collect::<String>());
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS}, password_hash, failed_logins FROM app_user WHERE login = $1"
        ))
        .bind(login.to_string())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            verify_password(password.to_string(), dummy_hash()).await;
            self.account_event(&who, "connexion.echec", "identifiant inconnu")
                .await?;
            return Err(AuthError::BadCredentials.into());
        };
        let user = row_user(&row)?;
        let hash: String = row.try_get(11)?;
        let now = self.now();
        if !user.active {
            self.account_event(&who, "connexion.echec", "compte désactivé")
                .await?;
            return Err(AuthError::Inactive.into());
        }
        if let Some(until) = user.locked_until.filter(|u| *u > now) {
            self.account_event(&who, "connexion.echec", "compte verrouillé")
                .await?;
            return Err(locked(until));
        }
        let policy = PasswordPolicy::for_role(user.role);
        let ok = verify_password(password.to_string(), hash).await;
        let _g = self.audit_lock.lock().await;
        let mut tx = self.begin().await?;
        if !ok {
            // Count under the lock from the stored value: concurrent
            // failures all count.
            let failed: i64 = sqlx::query("SELECT failed_logins FROM app_user WHERE id = $1")
                .bind(user.id.clone())
                .fetch_one(&mut *tx)
                .await?
                .try_get(0)?;
            let failed = failed + 1;
            let lock = failed >= policy.max_failures as i64;
            let until = now + policy.lockout_minutes as i64 * 60_000;
            sqlx::query("UPDATE app_user SET failed_logins = $1, locked_until = $2 WHERE id = $3")
                .bind(if lock { 0 } else { failed })
                .bind(if lock { Some(until) } else { None })
                .bind(user.id.clone())
                .execute(&mut *tx)
                .await?;
            audit::append(
                &mut tx,
                self.backend,
                &who,
                "connexion.echec",
                None,
                &format!("mot de passe erroné ({failed}/{})", policy.max_failures),
            )
            .await?;
            if lock {
                audit::append(
                    &mut tx,
                    self.backend,
                    &who,
                    "compte.verrouillage",
                    None,
                    &format!("jusqu'à {}", paris_text(until)),
                )
                .await?;
            }
            tx.commit().await?;
            return Err(if lock {
                locked(until)
            } else {
                AuthError::BadCredentials.into()
            });
        }
        sqlx::query("UPDATE app_user SET failed_logins = 0, locked_until = NULL WHERE id = $1")
            .bind(user.id.clone())
            .execute(&mut *tx)
            .await?;
        let token = hex::encode(crate::random_bytes::<32>()?);
        let expires_at = now + SESSION_IDLE_MS;
        sqlx::query("INSERT INTO user_session (token_hash, user_id, created_at, last_seen, expires_at) VALUES ($1, $2, $3, $3, $4)")
            .bind(token_hash(&token))
            .bind(user.id.clone())
            .bind(now)
            .bind(expires_at)
            .execute(&mut *tx)
            .await?;
        let expired = policy.expired(user.password_changed_at, now);
        audit::append(
            &mut tx,
            self.backend,
            &who,
            "connexion.succes",
            None,
            if expired { "mot de passe expiré" } else { "" },
        )
        .await?;
        tx.commit().await?;
        Ok(Session {
            token,
            user: User {
                locked_until: None,
                ..user
            },
            expires_at,
            password_expired: expired,
        })
    }

    /// The caller of a session token; extends an idle session (sliding
    /// expiry, capped at [`SESSION_MAX_MS`] after login).
    pub async fn session(&self, token: &str) -> Result<Caller> {
        let now = self.now();
        let row = sqlx::query(&format!(
            "SELECT s.created_at, s.last_seen, s.expires_at, {} FROM user_session s JOIN app_user u ON u.id = s.user_id WHERE s.token_hash = $1",
            USER_COLUMNS
                .split(", ")
                .map(|c| format!("u.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .bind(token_hash(token))
        .fetch_optional(&self.pool)
        .await?
        .ok_or(AuthError::NoSession)?;
        let created: i64 = row.try_get(0)?;
        let last_seen: i64 = row.try_get(1)?;
        let expires: i64 = row.try_get(2)?;
        let user = row_user_from(&row, 3)?;
        if expires <= now || !user.active {
            sqlx::query("DELETE FROM user_session WHERE token_hash = $1")
                .bind(token_hash(token))
                .execute(&self.pool)
                .await?;
            return Err(AuthError::NoSession.into());
        }
        let mut expires_at = expires;
        // Refresh at most once a minute: a session check is not a write.
        if now - last_seen > 60_000 {
            expires_at = (now + SESSION_IDLE_MS).min(created + SESSION_MAX_MS);
            sqlx::query(
                "UPDATE user_session SET last_seen = $1, expires_at = $2 WHERE token_hash = $3",
            )
            .bind(now)
            .bind(expires_at)
            .bind(token_hash(token))
            .execute(&self.pool)
            .await?;
        }
        let password_expired =
            PasswordPolicy::for_role(user.role).expired(user.password_changed_at, now);
        Ok(Caller {
            user,
            password_expired,
            expires_at,
        })
    }

    pub async fn logout(&self, token: &str) -> Result<()> {
        let caller = self.session(token).await?;
        let _g = self.audit_lock.lock().await;
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM user_session WHERE token_hash = $1")
            .bind(token_hash(token))
            .execute(&mut *tx)
            .await?;
        audit::append(
            &mut tx,
            self.backend,
            &caller.actor(),
            "deconnexion",
            None,
            "",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The user changes their own password (old one required).
    pub async fn change_password(&self, user_id: &str, old: &str, new: &str) -> Result<User> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS}, password_hash FROM app_user WHERE id = $1"
        ))
        .bind(user_id.to_string())
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("compte {user_id}")))?;
        let user = row_user(&row)?;
        let hash: String = row.try_get(11)?;
        let who = user.actor();
        if !verify_password(old.to_string(), hash).await {
            self.account_event(&who, "mot_de_passe.echec", "ancien mot de passe erroné")
                .await?;
            return Err(AuthError::BadCredentials.into());
        }
        if old == new {
            self.account_event(&who, "mot_de_passe.echec", "inchangé")
                .await?;
            return Err(esculape_domain::AccountError::Unchanged.into());
        }
        if let Err(e) = PasswordPolicy::for_role(user.role).check(&user.login, new) {
            self.account_event(&who, "mot_de_passe.echec", &e.to_string())
                .await?;
            return Err(e.into());
        }
        self.store_password(&who, &user, new, self.now(), "mot_de_passe.changement")
            .await
    }

    /// An administrator sets a new password; the user must change it at
    /// next login (it is born expired).
    pub async fn reset_password(&self, actor: &Actor, user_id: &str, new: &str) -> Result<User> {
        let user = self.user(user_id).await?;
        PasswordPolicy::for_role(user.role).check(&user.login, new)?;
        self.store_password(actor, &user, new, 0, "mot_de_passe.reinitialisation")
            .await
    }

    async fn store_password(
        &self,
        actor: &Actor,
        user: &User,
        new: &str,
        changed_at: i64,
        action: &str,
    ) -> Result<User> {
        let hash = hash_password(new.to_string()).await?;
        let _g = self.audit_lock.lock().await;
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE app_user SET password_hash = $1, password_changed_at = $2, failed_logins = 0, locked_until = NULL, version = version + 1 WHERE id = $3")
            .bind(hash)
            .bind(changed_at)
            .bind(user.id.clone())
            .execute(&mut *tx)
            .await?;
        audit::append(
            &mut tx,
            self.backend,
            actor,
            action,
            None,
            &format!("compte {}", user.login),
        )
        .await?;
        let u = fetch_user(&mut tx, &user.id).await?;
        tx.commit().await?;
        Ok(u)
    }

    async fn account_event(&self, actor: &Actor, action: &str, detail: &str) -> Result<()> {
        self.trace(actor, action, None, detail).await
    }
}

fn locked(until: i64) -> StoreError {
    AuthError::Locked {
        until,
        until_text: paris_text(until),
    }
    .into()
}

/// A user from the row's columns `base..base + 11` (in `USER_COLUMNS` order).
fn row_user_from(row: &sqlx::any::AnyRow, base: usize) -> Result<User> {
    let role: String = row.try_get(base + 5)?;
    Ok(User {
        id: row.try_get(base)?,
        login: row.try_get(base + 1)?,
        display_name: row.try_get(base + 2)?,
        rpps: row.try_get(base + 3)?,
        profession: row.try_get(base + 4)?,
        role: Role::from_code(&role).ok_or_else(|| StoreError::Corrupt(format!("rôle {role}")))?,
        structure_id: row.try_get(base + 6)?,
        active: row.try_get::<i64, _>(base + 7)? != 0,
        password_changed_at: row.try_get(base + 8)?,
        locked_until: row.try_get(base + 9)?,
        version: row.try_get(base + 10)?,
    })
}

async fn fetch_user(tx: &mut sqlx::Transaction<'static, sqlx::Any>, id: &str) -> Result<User> {
    let row = sqlx::query(&format!(
        "SELECT {USER_COLUMNS} FROM app_user WHERE id = $1"
    ))
    .bind(id.to_string())
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("compte {id}")))?;
    row_user(&row)
}

impl Store {
    /// The RPPS of the account `login` and the FINESS of its structure,
    /// for the INSi's request context. An actor without an account (the
    /// system's jobs) acts for the practice's first structure.
    pub async fn appelant(&self, login: &str) -> Result<(Option<String>, Option<String>)> {
        let row = sqlx::query("SELECT u.rpps, s.finess FROM app_user u LEFT JOIN structure s ON s.id = u.structure_id WHERE u.login = $1")
            .bind(login.to_string())
            .fetch_optional(&self.pool)
            .await?;
        if let Some(r) = row {
            return Ok((r.try_get(0)?, r.try_get(1)?));
        }
        let finess = sqlx::query("SELECT finess FROM structure ORDER BY created_at, id LIMIT 1")
            .fetch_optional(&self.pool)
            .await?;
        Ok((None, finess.map(|r| r.try_get(0)).transpose()?.flatten()))
    }
}
