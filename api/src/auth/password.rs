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

/// Shortest password accepted (characters).
pub const MIN_LEN: usize = 8;
/// Longest password accepted (characters): argon2 takes any length, but a
/// megabyte of "password" costs a megabyte of hashing.
pub const MAX_LEN: usize = 200;

/// The 10,000 most common passwords (ranked by zxcvbn from leaked password
/// sets, MIT licence in `LICENSE-common-passwords`), and a few common in
/// China that list lacks; one per line.
const COMMON: &str = include_str!("common_passwords.txt");

static COMMON_SET: std::sync::LazyLock<std::collections::HashSet<&'static str>> =
    std::sync::LazyLock::new(|| COMMON.lines().collect());

/// Is this one of the most common passwords (compared in lower case)?
pub fn is_common(password: &str) -> bool {
    COMMON_SET.contains(password.to_lowercase().as_str())
}

/// The rules every new password follows (at account creation, change and
/// reset): long enough, not absurdly long, not the username, not one of
/// the most common. BAD_USER_INPUT on `field` otherwise.
pub fn check_new(field: &str, password: &str, username: &str) -> ApiResult<()> {
    let n = password.chars().count();
    if n < MIN_LEN {
        return Err(ApiError::bad_input(field, t!("auth.password_too_short", min = MIN_LEN)));
    }
    if n > MAX_LEN {
        return Err(ApiError::bad_input(field, t!("auth.password_too_long", max = MAX_LEN)));
    }
    if password.eq_ignore_ascii_case(username) || is_common(password) {
        return Err(ApiError::bad_input(field, t!("auth.password_too_common")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_and_short_passwords_are_refused() {
        assert_eq!(COMMON.lines().count(), 10_015);
        for p in ["password", "12345678", "Password1", "woaini1314", "qwertyuiop"] {
            assert_eq!(check_new("p", p, "li").map_err(|e| e.code()), Err("BAD_USER_INPUT"), "{p}");
        }
        assert!(check_new("p", "short", "li").is_err());
        assert!(check_new("p", "li-lei-2026", "li-lei-2026").is_err());
        assert!(check_new("p", "correct horse battery", "li").is_ok());
        assert!(check_new("p", "a-long-password", "li").is_ok());
    }
}
