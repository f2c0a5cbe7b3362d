//! Password hashing (argon2id with a fresh salt). A hash costs tens of milliseconds of
//! one core on purpose; callers on an async runtime run it off their workers (the
//! store's `passwords::*_off_thread`).

use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};

use super::CredentialError;

/// Hashes a password with argon2id and a fresh salt (blocking).
pub fn hash_password(password: &str) -> Result<String, CredentialError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| CredentialError::Hash(e.to_string()))
}

/// Whether `password` matches `hash` (blocking).
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_admits_its_password_and_no_other() {
        let hash = hash_password("correct horse battery").expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse batterY", &hash));
        assert!(!verify_password("correct horse battery", "not a hash"));
        // A fresh salt each time: the same password never hashes the same twice.
        assert_ne!(hash, hash_password("correct horse battery").expect("hash"));
    }
}
