//! Password hashing off the async workers. A hash (`openvisit_core::credentials::password`)
//! costs tens of milliseconds of one core on purpose, so the `_off_thread` forms run it
//! on Tokio's blocking pool, at most as many at once as there are cores: a burst of
//! sign-ins queues here instead of stalling every other request.

use std::sync::OnceLock;

pub use openvisit_core::credentials::password::verify_password;
use tokio::sync::Semaphore;

use crate::error::StoreError;

/// Hashes a password with argon2id and a fresh salt (blocking).
pub fn hash_password(password: &str) -> Result<String, StoreError> {
    Ok(openvisit_core::credentials::password::hash_password(
        password,
    )?)
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
