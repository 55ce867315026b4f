//! argon2id password and secret hashing. Hashing is CPU-bound on purpose, so
//! it runs on the blocking pool instead of stalling the async workers.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use crate::error::{ApiError, ApiResult};

/// Hash a secret into a PHC string (argon2id, the crate's OWASP defaults).
pub async fn hash(secret: &str) -> ApiResult<String> {
    let secret = secret.to_owned();
    tokio::task::spawn_blocking(move || hash_blocking(&secret)).await.map_err(|e| ApiError::internal(e.to_string()))?
}

pub fn hash_blocking(secret: &str) -> ApiResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(secret.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ApiError::internal(e.to_string()))
}

/// Check a secret against a stored hash. With no stored hash (unknown user)
/// it still spends the time of one verification, so response times do not
/// tell which usernames exist.
pub async fn verify(secret: &str, stored: Option<String>) -> bool {
    let secret = secret.to_owned();
    tokio::task::spawn_blocking(move || {
        let stored = stored.unwrap_or_else(|| DUMMY_HASH.to_owned());
        let Ok(parsed) = PasswordHash::new(&stored) else {
            return false;
        };
        let ok = Argon2::default().verify_password(secret.as_bytes(), &parsed).is_ok();
        ok && stored != DUMMY_HASH
    })
    .await
    .unwrap_or(false)
}

/// A valid argon2id hash of a random string nobody knows.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3mVZJ2mqgIc3SZbqQDQvU2xH6C9xkq4sJCrSL0nH8eI";
