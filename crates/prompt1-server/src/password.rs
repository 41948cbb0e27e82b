//! Password hashing.
//!
//! bcrypt at cost 12 has a 72-byte input limit that silently truncates, so a 128-character
//! password would only be checked on its first 72 bytes. We therefore bcrypt
//! `base64(HMAC-SHA-256("prompt1-password-v1", password))` (44 bytes, all of the password matters) and
//! store it as `p1v1$<bcrypt>`. An unknown email is checked against a dummy hash so the response
//! time does not reveal which emails exist.

use crate::error::ApiError;
use crate::keys::random_token;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::sync::LazyLock;

/// bcrypt cost factor.
pub const BCRYPT_COST: u32 = 12;
/// Shortest accepted password, in characters.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Longest accepted password, in characters.
pub const MAX_PASSWORD_CHARS: usize = 128;

const PASSWORD_PREFIX: &str = "p1v1$";

fn prehash(password: &str) -> String {
    #[allow(clippy::expect_used)]
    let mut mac = Hmac::<Sha256>::new_from_slice(b"prompt1-password-v1").expect("any key length");
    mac.update(password.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Checks the length rule (8 to 128 characters).
pub fn check_password_rule(password: &str) -> Result<(), ApiError> {
    let n = password.chars().count();
    if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&n) {
        return Err(ApiError::bad_request(
            "weak_password",
            "passwords must be 8 to 128 characters long",
        ));
    }
    Ok(())
}

/// Hashes a password (slow: call from a blocking thread).
pub fn hash_password(password: &str) -> Result<String, ApiError> {
    let h = bcrypt::hash(prehash(password), BCRYPT_COST).map_err(|_| ApiError::internal())?;
    Ok(format!("{PASSWORD_PREFIX}{h}"))
}

static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_password(&random_token()).unwrap_or_else(|_| String::from("p1v1$invalid")));

/// Verifies a password against a stored hash, or against a dummy hash when there is none, so both
/// take the same time (slow: call from a blocking thread).
pub fn verify_password(password: &str, stored: Option<&str>) -> bool {
    let (hash, real) = match stored {
        Some(h) => (h, true),
        None => (DUMMY_HASH.as_str(), false),
    };
    let Some(bc) = hash.strip_prefix(PASSWORD_PREFIX) else {
        return false;
    };
    let ok = bcrypt::verify(prehash(password), bc).unwrap_or(false);
    ok && real
}

/// Warms the dummy hash so the first unknown-email login is not faster than the rest.
pub fn warm_up_dummy_hash() {
    LazyLock::force(&DUMMY_HASH);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_past_72_bytes_still_matter() {
        let a = "a".repeat(100);
        let b = format!("{}b", "a".repeat(99));
        let h = hash_password(&a).unwrap();
        assert!(verify_password(&a, Some(&h)));
        assert!(!verify_password(&b, Some(&h)), "a change after byte 72 must fail");
        assert!(!verify_password(&a, None), "the dummy hash never matches");
        assert!(h.starts_with("p1v1$$2b$12$"), "cost 12");
    }

    #[test]
    fn password_rule_counts_characters() {
        assert!(check_password_rule("1234567").is_err());
        assert!(check_password_rule("12345678").is_ok());
        assert!(check_password_rule(&"é".repeat(128)).is_ok());
        assert!(check_password_rule(&"x".repeat(129)).is_err());
    }
}
