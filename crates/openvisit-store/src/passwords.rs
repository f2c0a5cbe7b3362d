//! Password hashing (argon2id). A hash costs tens of milliseconds of one core on
//! purpose, so it never runs on the async workers: the `_off_thread` forms run it on
//! Tokio's blocking pool, at most as many at once as there are cores, so a burst of
//! sign-ins queues here instead of stalling every other request.

use std::sync::OnceLock;

use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};
use tokio::sync::Semaphore;

use crate::error::StoreError;

/// Hashes a password with argon2id and a fresh salt (blocking).
pub fn hash_password(password: &str) -> Result<String, StoreError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Operator(format!("cannot hash password: {e}")))
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

fn hashing_slots() -> &'static Semaphore {
    static SLOTS: OnceLock<Semaphore> = OnceLock::new();
    SLOTS.get_or_init(|| {
        Semaphore::new(std::thread::available_parallelism().map_or(2, std::num::NonZero::get))
    })
}

/// Runs `work` on the blocking pool, one of at most a core's worth at once.
async fn off_thread<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, StoreError> {
    let _slot = hashing_slots()
        .acquire()
        .await
        .map_err(|_| StoreError::Operator("password hashing stopped".into()))?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| StoreError::Operator(format!("password hashing failed: {e}")))
}

/// [`hash_password`] off the async workers.
pub async fn hash_password_off_thread(password: &str) -> Result<String, StoreError> {
    let password = password.to_owned();
    off_thread(move || hash_password(&password)).await?
}

/// [`verify_password`] off the async workers.
pub async fn verify_password_off_thread(password: &str, hash: &str) -> Result<bool, StoreError> {
    let (password, hash) = (password.to_owned(), hash.to_owned());
    off_thread(move || verify_password(&password, &hash)).await
}
