//! Structure, sites, users, login, sessions and passwords (DSR §3.2.7).
//!
//! Rows only: password hashing, lockout policy and session lifetimes are
//! the login provider's (`esculape_app::auth`). Every account event (creation,
//! attribute change, rights change, login success and failure, password
//! change, lockout) goes to the audit trail (SC.SSI/IAM.91).

use crate::audit;
use crate::db::Store;
use crate::{Actor, Result, StoreError, new_id};
pub use esculape_api_types::comptes::{
    Installation, NewUser, NouveauCabinet, SiteRec, StructureRec, User, UserChanges,
};
use esculape_domain::account::{check_finess, check_login, check_rpps};
use esculape_domain::{Role, StructureKind};
use sqlx::Row;

/// What the login provider needs of an account.
#[derive(Debug, Clone)]
pub struct Identifiants {
    pub user: User,
    /// PHC string (argon2id).
    pub password_hash: String,
}

/// What one refused login did to the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EchecConnexion {
    /// Counted: `failed` consecutive failures so far.
    Compte { failed: i64 },
    /// Locked (now, or already) until this instant.
    Verrouille { until: i64 },
}

/// A session to open; only the token's hash is kept.
#[derive(Debug, Clone, Copy)]
pub struct NouvelleSession<'a> {
    pub token_hash: &'a str,
    pub now: i64,
    pub expires_at: i64,
    /// Detail of the `connexion.succes` event.
    pub note: &'a str,
}

/// A stored session and its account.
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub created_at: i64,
    pub last_seen: i64,
    pub expires_at: i64,
    pub user: User,
}

const USER_COLUMNS: &str = "id, login, display_name, rpps, profession, role, structure_id, active, password_changed_at, locked_until, version";

fn row_user(row: &sqlx::any::AnyRow) -> Result<User> {
    row_user_from(row, 0)
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

/// Checks a new account's fields (its password is the login provider's).
pub fn verifier_compte(compte: &NewUser) -> Result<()> {
    check_login(&compte.login)?;
    if let Some(r) = &compte.rpps {
        check_rpps(r)?;
    }
    if compte.display_name.trim().is_empty() {
        return Err(StoreError::Rule("le nom affiché est obligatoire".into()));
    }
    Ok(())
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

    /// Creates an account with its password's hash (policy and hashing
    /// are the login provider's).
    pub async fn create_user(
        &self,
        actor: &Actor,
        new: &NewUser,
        password_hash: String,
    ) -> Result<User> {
        verifier_compte(new)?;
        let _g = self.audit_lock.lock().await;
        let mut tx = self.begin().await?;
        let user = self.insert_user(&mut tx, actor, new, password_hash).await?;
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
        // An account named to no structure joins the practice's first
        // (the command line's `users add` on a one-structure home).
        let r = sqlx::query(&format!(
            "INSERT INTO app_user ({USER_COLUMNS}, password_hash, failed_logins, created_at) VALUES ($1, $2, $3, $4, $5, $6, COALESCE($7, (SELECT id FROM structure ORDER BY created_at, id LIMIT 1)), 1, $8, NULL, 1, $9, 0, $10)"
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
    pub async fn premiere_installation(
        &self,
        i: &NouveauCabinet,
        compte: &NewUser,
        password_hash: String,
    ) -> Result<Installation> {
        check_structure(&i.structure, i.finess.as_deref())?;
        check_site(&i.site, None)?;
        verifier_compte(compte)?;
        let mut compte = compte.clone();
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
        // Patients imported on the command line before the first start
        // join the practice now created.
        sqlx::query(crate::portee::ADOPTION)
            .execute(&mut *tx)
            .await?;
        let user = self
            .insert_user(&mut tx, &actor, &compte, password_hash)
            .await?;
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

    /// An account's stored password hash, by login (`None`: no such
    /// account). The password check itself is the login provider's
    /// (`esculape_app::auth`).
    pub async fn identifiants(&self, login: &str) -> Result<Option<Identifiants>> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS}, password_hash FROM app_user WHERE login = $1"
        ))
        .bind(login.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(Identifiants {
                user: row_user(&r)?,
                password_hash: r.try_get(11)?,
            })
        })
        .transpose()
    }

    /// The same, by account id.
    pub async fn identifiants_du_compte(&self, id: &str) -> Result<Identifiants> {
        let r = sqlx::query(&format!(
            "SELECT {USER_COLUMNS}, password_hash FROM app_user WHERE id = $1"
        ))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("compte {id}")))?;
        Ok(Identifiants {
            user: row_user(&r)?,
            password_hash: r.try_get(11)?,
        })
    }

    /// Takes the account's row for the rest of the transaction, before
    /// its counters are read: on PostgreSQL a row lock, on SQLite the
    /// database's write lock. Attempts on one account, from any number of
    /// hosts, are thus counted one after the other.
    async fn verrouiller_ligne(tx: &mut Tx, user_id: &str) -> Result<(i64, Option<i64>)> {
        sqlx::query("UPDATE app_user SET failed_logins = failed_logins WHERE id = $1")
            .bind(user_id.to_string())
            .execute(&mut **tx)
            .await?;
        let row = sqlx::query("SELECT failed_logins, locked_until FROM app_user WHERE id = $1")
            .bind(user_id.to_string())
            .fetch_optional(&mut **tx)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("compte {user_id}")))?;
        Ok((row.try_get(0)?, row.try_get(1)?))
    }

    /// Counts one refused login of an account, and locks it at the
    /// `max_failures`-th consecutive one until `now + lock_ms`; traced
    /// (`connexion.echec`, `compte.verrouillage`). Check and count are one
    /// step: no batch of parallel attempts, on any host, escapes the lock.
    pub async fn echec_connexion(
        &self,
        who: &Actor,
        user_id: &str,
        now: i64,
        max_failures: i64,
        lock_ms: i64,
    ) -> Result<EchecConnexion> {
        let _g = self.audit_lock.lock().await;
        let mut tx = self.begin().await?;
        let (failed, locked_until) = Self::verrouiller_ligne(&mut tx, user_id).await?;
        let (detail, issue) = if let Some(until) = locked_until.filter(|u| *u > now) {
            (
                "compte verrouillé".to_string(),
                EchecConnexion::Verrouille { until },
            )
        } else {
            let failed = failed + 1;
            let lock = failed >= max_failures;
            let until = now + lock_ms;
            sqlx::query("UPDATE app_user SET failed_logins = $1, locked_until = $2 WHERE id = $3")
                .bind(if lock { 0 } else { failed })
                .bind(if lock { Some(until) } else { None })
                .bind(user_id.to_string())
                .execute(&mut *tx)
                .await?;
            (
                format!("mot de passe erroné ({failed}/{max_failures})"),
                if lock {
                    EchecConnexion::Verrouille { until }
                } else {
                    EchecConnexion::Compte { failed }
                },
            )
        };
        audit::append(&mut tx, self.backend, who, "connexion.echec", None, &detail).await?;
        if let (EchecConnexion::Verrouille { until }, false) =
            (issue, locked_until.is_some_and(|u| u > now))
        {
            audit::append(
                &mut tx,
                self.backend,
                who,
                "compte.verrouillage",
                None,
                &format!("jusqu'à {}", paris_text(until)),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(issue)
    }

    /// Opens a session for an account whose identity a provider has
    /// checked: refused (`Ok(None)`, traced) if the account is locked or
    /// deactivated at this moment, whatever an earlier read said. The
    /// failure count starts again.
    pub async fn ouvrir_session(
        &self,
        who: &Actor,
        user_id: &str,
        nouvelle: NouvelleSession<'_>,
    ) -> Result<Option<User>> {
        let _g = self.audit_lock.lock().await;
        let mut tx = self.begin().await?;
        let (_, locked_until) = Self::verrouiller_ligne(&mut tx, user_id).await?;
        let user = fetch_user(&mut tx, user_id).await?;
        let refus = if !user.active {
            Some("compte désactivé")
        } else if locked_until.is_some_and(|u| u > nouvelle.now) {
            Some("compte verrouillé")
        } else {
            None
        };
        if let Some(refus) = refus {
            audit::append(&mut tx, self.backend, who, "connexion.echec", None, refus).await?;
            tx.commit().await?;
            return Ok(None);
        }
        sqlx::query("UPDATE app_user SET failed_logins = 0, locked_until = NULL WHERE id = $1")
            .bind(user_id.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO user_session (token_hash, user_id, created_at, last_seen, expires_at) VALUES ($1, $2, $3, $3, $4)")
            .bind(nouvelle.token_hash.to_string())
            .bind(user_id.to_string())
            .bind(nouvelle.now)
            .bind(nouvelle.expires_at)
            .execute(&mut *tx)
            .await?;
        audit::append(
            &mut tx,
            self.backend,
            who,
            "connexion.succes",
            None,
            nouvelle.note,
        )
        .await?;
        tx.commit().await?;
        Ok(Some(User {
            locked_until: None,
            ..user
        }))
    }

    /// A session by the hash of its token, with its account.
    pub async fn session_par_jeton(&self, token_hash: &str) -> Result<Option<SessionRow>> {
        let row = sqlx::query(&format!(
            "SELECT s.created_at, s.last_seen, s.expires_at, {} FROM user_session s JOIN app_user u ON u.id = s.user_id WHERE s.token_hash = $1",
            USER_COLUMNS
                .split(", ")
                .map(|c| format!("u.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .bind(token_hash.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(SessionRow {
                created_at: row.try_get(0)?,
                last_seen: row.try_get(1)?,
                expires_at: row.try_get(2)?,
                user: row_user_from(&row, 3)?,
            })
        })
        .transpose()
    }

    pub async fn prolonger_session(
        &self,
        token_hash: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE user_session SET last_seen = $1, expires_at = $2 WHERE token_hash = $3",
        )
        .bind(now)
        .bind(expires_at)
        .bind(token_hash.to_string())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The active accounts a Pro Santé Connect identity may sign in as:
    /// those with its RPPS, or already linked to its national id; with
    /// whether each is linked (`true`) or only matched by RPPS.
    pub async fn comptes_psc(
        &self,
        rpps: Option<&str>,
        id_national: &str,
    ) -> Result<Vec<(User, bool)>> {
        let rows = sqlx::query(&format!(
            "SELECT {USER_COLUMNS}, psc_id_national FROM app_user WHERE active = 1 AND ((rpps IS NOT NULL AND rpps = $1) OR psc_id_national = $2) ORDER BY login"
        ))
        .bind(rpps.unwrap_or_default().to_string())
        .bind(id_national.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let lie: Option<String> = r.try_get(11)?;
                Ok((row_user(r)?, lie.as_deref() == Some(id_national)))
            })
            .collect()
    }

    /// Links the account to a PSC national id, as its holder confirmed at
    /// their first PSC sign-in (traced `psc.liaison`).
    pub async fn lier_psc(&self, actor: &Actor, user_id: &str, id_national: &str) -> Result<()> {
        let _g = self.audit_lock.lock().await;
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE app_user SET psc_id_national = $1 WHERE id = $2")
            .bind(id_national.to_string())
            .bind(user_id.to_string())
            .execute(&mut *tx)
            .await?;
        audit::append(
            &mut tx,
            self.backend,
            actor,
            "psc.liaison",
            None,
            &format!("compte lié à l'identifiant national {id_national}"),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The MSSanté address the account `login` sends from, if set.
    pub async fn boite_mss(&self, login: &str) -> Result<Option<String>> {
        let r = sqlx::query("SELECT mss_adresse FROM app_user WHERE login = $1")
            .bind(login.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("compte {login}")))?;
        Ok(r.try_get(0)?)
    }

    /// Sets (or clears) the caller's own MSSanté address (traced
    /// `mss.boite`).
    pub async fn definir_boite_mss(&self, actor: &Actor, adresse: Option<&str>) -> Result<()> {
        let _g = self.audit_lock.lock().await;
        let mut tx = self.begin().await?;
        let n = sqlx::query("UPDATE app_user SET mss_adresse = $1 WHERE login = $2")
            .bind(adresse.map(str::to_string))
            .bind(actor.user_id.clone())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound(format!("compte {}", actor.user_id)));
        }
        audit::append(
            &mut tx,
            self.backend,
            actor,
            "mss.boite",
            None,
            &match adresse {
                Some(a) => format!("boîte aux lettres MSSanté : {a}"),
                None => "boîte aux lettres MSSanté retirée".into(),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes an ended session (no trace: nobody acted).
    pub async fn supprimer_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM user_session WHERE token_hash = $1")
            .bind(token_hash.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The caller ends their session (`deconnexion`).
    pub async fn fermer_session(&self, actor: &Actor, token_hash: &str) -> Result<()> {
        let _g = self.audit_lock.lock().await;
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM user_session WHERE token_hash = $1")
            .bind(token_hash.to_string())
            .execute(&mut *tx)
            .await?;
        audit::append(&mut tx, self.backend, actor, "deconnexion", None, "").await?;
        tx.commit().await?;
        Ok(())
    }

    /// Stores a new password hash, traced as `action`; the account's
    /// sessions end but `garder` (the one of a user changing their own
    /// password). The lock and failure count are cleared.
    pub async fn enregistrer_mot_de_passe(
        &self,
        actor: &Actor,
        user_id: &str,
        password_hash: String,
        changed_at: i64,
        action: &str,
        garder: Option<&str>,
    ) -> Result<User> {
        let _g = self.audit_lock.lock().await;
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE app_user SET password_hash = $1, password_changed_at = $2, failed_logins = 0, locked_until = NULL, version = version + 1 WHERE id = $3")
            .bind(password_hash)
            .bind(changed_at)
            .bind(user_id.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM user_session WHERE user_id = $1 AND token_hash <> $2")
            .bind(user_id.to_string())
            .bind(garder.unwrap_or("").to_string())
            .execute(&mut *tx)
            .await?;
        let u = fetch_user(&mut tx, user_id).await?;
        audit::append(
            &mut tx,
            self.backend,
            actor,
            action,
            None,
            &format!("compte {}", u.login),
        )
        .await?;
        tx.commit().await?;
        Ok(u)
    }
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
