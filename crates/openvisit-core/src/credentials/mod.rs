//! Credentials: password hashes and the staff's one-time codes. Pure computation, with
//! one exception said here once: salts and secrets come from the operating system's
//! random source.

pub mod password;
pub mod totp;

/// Why a credential could not be made.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error("cannot hash the password: {0}")]
    Hash(String),
    #[error("no randomness from the operating system: {0}")]
    NoRandomness(String),
}
