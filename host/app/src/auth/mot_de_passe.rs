//! The local password provider: argon2id hashes, checked on the blocking
//! pool within a bounded number of slots.

use super::AuthError;
use super::limites::Limites;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

/// argon2id with the crate's defaults (19 MiB, 2 passes): deliberately
/// slow, so run on a blocking thread within a hashing slot.
pub async fn hacher(limites: &Limites, password: &str) -> Result<String, AuthError> {
    let _slot = limites.creneau().await?;
    let password = password.to_string();
    let salt: [u8; 16] = esculape_store::random_bytes()?;
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::encode_b64(&salt).map_err(|e| AuthError::Hachage(e.to_string()))?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AuthError::Hachage(e.to_string()))
    })
    .await
    .map_err(|e| AuthError::Hachage(e.to_string()))?
}

/// Whether `password` matches the PHC string `hash`. `None` checks
/// against a hash of nothing in particular, so that an unknown login
/// costs what a known one does.
pub async fn verifier(
    limites: &Limites,
    password: &str,
    hash: Option<&str>,
) -> Result<bool, AuthError> {
    let _slot = limites.creneau().await?;
    let password = password.to_string();
    let hash = hash.map(str::to_string);
    tokio::task::spawn_blocking(move || {
        let hash = hash.unwrap_or_else(factice);
        PasswordHash::new(&hash)
            .map(|h| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &h)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .map_err(|e| AuthError::Hachage(e.to_string()))
}

fn factice() -> String {
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
