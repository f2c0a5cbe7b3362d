//! Which database is behind the pool, and which of its errors are worth running a
//! transaction again for. A leaf: the connection layer and the booking writer both read
//! it.

use crate::error::StoreError;

/// Which database sits behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Whether an error is worth running the whole transaction again.
pub fn is_retryable(err: &StoreError) -> bool {
    let StoreError::Db(sqlx::Error::Database(db)) = err else {
        return false;
    };
    matches!(
        db.code().as_deref(),
        // serialization_failure, deadlock_detected; SQLITE_BUSY, SQLITE_LOCKED
        Some("40001") | Some("40P01") | Some("5") | Some("6") | Some("517")
    )
}

/// Attempts before a retryable failure is given up on.
pub const MAX_ATTEMPTS: u32 = 8;
