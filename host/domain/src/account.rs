//! Users of the practice, their roles and the password policy
//! (DSR SC.SSI/IAM.92).

use serde::{Deserialize, Serialize};

/// What a user may reach. Enforced by the host on every route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reaches everything about the patients of the practice.
    Medecin,
    /// Secrétaire or assistant: identity, contacts, care team and agenda;
    /// never the medical record nor documents.
    Secretaire,
    /// Accounts, structure and the audit trail; no patient data.
    Administrateur,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Medecin, Role::Secretaire, Role::Administrateur];
    pub fn code(self) -> &'static str {
        match self {
            Role::Medecin => "medecin",
            Role::Secretaire => "secretaire",
            Role::Administrateur => "administrateur",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == s)
    }
    /// Privileged accounts (health data or rights over others) get the
    /// stricter password policy.
    pub fn is_privileged(self) -> bool {
        matches!(self, Role::Medecin | Role::Administrateur)
    }
}

/// Kinds of structure (DSR profiles).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum StructureKind {
    Cabinet,
    MaisonDeSante,
    CentreDeSante,
}

impl StructureKind {
    pub fn code(self) -> &'static str {
        match self {
            StructureKind::Cabinet => "cabinet",
            StructureKind::MaisonDeSante => "maison-de-sante",
            StructureKind::CentreDeSante => "centre-de-sante",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        [
            StructureKind::Cabinet,
            StructureKind::MaisonDeSante,
            StructureKind::CentreDeSante,
        ]
        .into_iter()
        .find(|k| k.code() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    #[error("mot de passe trop court: {min} caractères au moins")]
    TooShort { min: usize },
    #[error(
        "mot de passe trop simple: il faut au moins {min} types de caractères parmi minuscules, majuscules, chiffres et caractères spéciaux"
    )]
    TooFewClasses { min: usize },
    #[error("le mot de passe ne doit pas contenir l'identifiant")]
    ContainsLogin,
    #[error("le nouveau mot de passe doit différer de l'ancien")]
    Unchanged,
    #[error("identifiant invalide «{0}»: 3 à 64 lettres minuscules, chiffres, «.», «-» ou «_»")]
    BadLogin(String),
    #[error("RPPS invalide «{0}»: 11 chiffres")]
    BadRpps(String),
    #[error("FINESS invalide «{0}»: 9 caractères")]
    BadFiness(String),
    #[error("{0} est obligatoire")]
    Missing(&'static str),
    #[error("phrase de passe trop courte : {min} caractères au moins")]
    PhraseTropCourte { min: usize },
    #[error(
        "phrase de passe trop facile à deviner : prenez quatre mots ou plus sans rapport entre eux (pas une phrase connue, pas le nom du cabinet), ou ajoutez-en"
    )]
    PhraseTropFaible,
}

/// The password policy of one role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct PasswordPolicy {
    pub min_length: usize,
    /// Among lower case, upper case, digits and other characters.
    pub min_classes: usize,
    /// Days before the password must be changed (`None`: never).
    pub max_age_days: Option<u32>,
    /// Consecutive failed logins that lock the account…
    pub max_failures: u32,
    /// …for this many minutes.
    pub lockout_minutes: u32,
}

impl PasswordPolicy {
    /// ANSSI-inspired defaults: privileged accounts get 12 characters of 3
    /// classes, a yearly change and a lockout after 5 failures.
    pub fn for_role(role: Role) -> Self {
        if role.is_privileged() {
            PasswordPolicy {
                min_length: 12,
                min_classes: 3,
                max_age_days: Some(365),
                max_failures: 5,
                lockout_minutes: 15,
            }
        } else {
            PasswordPolicy {
                min_length: 10,
                min_classes: 3,
                max_age_days: None,
                max_failures: 5,
                lockout_minutes: 15,
            }
        }
    }

    pub fn check(&self, login: &str, password: &str) -> Result<(), AccountError> {
        if password.chars().count() < self.min_length {
            return Err(AccountError::TooShort {
                min: self.min_length,
            });
        }
        let classes = [
            password.chars().any(|c| c.is_lowercase()),
            password.chars().any(|c| c.is_uppercase()),
            password.chars().any(|c| c.is_ascii_digit()),
            password.chars().any(|c| !c.is_alphanumeric()),
        ]
        .into_iter()
        .filter(|x| *x)
        .count();
        if classes < self.min_classes {
            return Err(AccountError::TooFewClasses {
                min: self.min_classes,
            });
        }
        if !login.is_empty() && password.to_lowercase().contains(&login.to_lowercase()) {
            return Err(AccountError::ContainsLogin);
        }
        Ok(())
    }

    /// `password_changed_at` of a password someone else set (an
    /// administrator's reset): it must be changed at next login.
    pub const A_CHANGER: i64 = 0;

    pub fn expired(&self, changed_at_ms: i64, now_ms: i64) -> bool {
        changed_at_ms == Self::A_CHANGER
            || self
                .max_age_days
                .is_some_and(|d| now_ms - changed_at_ms > d as i64 * 86_400_000)
    }
}

pub fn check_login(login: &str) -> Result<(), AccountError> {
    let ok = (3..=64).contains(&login.len())
        && login
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(AccountError::BadLogin(login.to_string()))
    }
}

pub fn check_rpps(rpps: &str) -> Result<(), AccountError> {
    if rpps.len() == 11 && rpps.chars().all(|c| c.is_ascii_digit()) {
        Ok(())
    } else {
        Err(AccountError::BadRpps(rpps.to_string()))
    }
}

pub fn check_finess(finess: &str) -> Result<(), AccountError> {
    if finess.len() == 9 && finess.chars().all(|c| c.is_ascii_alphanumeric()) {
        Ok(())
    } else {
        Err(AccountError::BadFiness(finess.to_string()))
    }
}

/// Length below which a backup passphrase is refused outright.
pub const MIN_BACKUP_PASSPHRASE: usize = 16;

/// A backup's passphrase is the key of a whole practice's records, open to
/// offline guessing if the file leaks: at least [`MIN_BACKUP_PASSPHRASE`]
/// characters and the strongest class of the zxcvbn estimator (more than
/// 10¹⁰ guesses), words of the product and of backups counted as known.
pub fn check_backup_passphrase(passphrase: &str) -> Result<(), AccountError> {
    if passphrase.chars().count() < MIN_BACKUP_PASSPHRASE {
        return Err(AccountError::PhraseTropCourte {
            min: MIN_BACKUP_PASSPHRASE,
        });
    }
    let connus = ["esculape", "sauvegarde", "cabinet", "medical", "médecin"];
    if zxcvbn::zxcvbn(passphrase, &connus).score() < zxcvbn::Score::Four {
        return Err(AccountError::PhraseTropFaible);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_backup_passphrase_must_resist_offline_guessing() {
        use super::check_backup_passphrase as check;
        assert!(matches!(
            check("court mais 1!"),
            Err(AccountError::PhraseTropCourte { min: 16 })
        ));
        for faible in [
            "aaaaaaaaaaaaaaaaaaaa",
            "motdepasse123456",
            "1234567890123456",
            "esculapesauvegarde",
        ] {
            assert_eq!(
                check(faible),
                Err(AccountError::PhraseTropFaible),
                "{faible}"
            );
        }
        for forte in [
            "une phrase de passe assez longue",
            "girafe cadran myrtille tonnerre",
            "Tilleul-Argenté-42-Hérisson",
        ] {
            assert_eq!(check(forte), Ok(()), "{forte}");
        }
    }

    use super::*;

    #[test]
    fn privileged_policy_is_stricter() {
        let p = PasswordPolicy::for_role(Role::Medecin);
        assert_eq!(
            p.check("dr.martin", "court1A!"),
            Err(AccountError::TooShort { min: 12 })
        );
        assert_eq!(
            p.check("dr.martin", "toutenminuscules"),
            Err(AccountError::TooFewClasses { min: 3 })
        );
        assert_eq!(
            p.check("dr.martin", "Dr.Martin-2026!"),
            Err(AccountError::ContainsLogin)
        );
        assert!(p.check("dr.martin", "Cheval-Agrafe-42").is_ok());
        assert!(p.expired(1, 366 * 86_400_000));
        assert!(!p.expired(1, 364 * 86_400_000));
        let s = PasswordPolicy::for_role(Role::Secretaire);
        assert!(s.check("accueil", "Bonjour-2026").is_ok());
        assert!(!s.expired(1, i64::MAX / 2));
        // A password someone else set expires at once, whatever the role.
        assert!(s.expired(PasswordPolicy::A_CHANGER, 1));
        assert!(p.expired(PasswordPolicy::A_CHANGER, 1));
    }

    #[test]
    fn identifiers() {
        assert!(check_login("dr.martin").is_ok());
        assert!(check_login("Dr Martin").is_err());
        assert!(check_rpps("10001234567").is_ok());
        assert!(check_rpps("1000123456A").is_err());
        assert!(check_finess("750000000").is_ok());
        assert!(check_finess("75").is_err());
    }
}
