//! What the store can answer instead of a result. The web layer turns each variant
//! into an HTTP status and a message a person can act on, in their language: what a
//! person can cause carries a `Message` (an id of the web layer's Fluent files and its
//! values), never English; faults of the machine or its configuration are `Operator`,
//! in English for the operator's log and command line.

use openvisit_core::Cents;
use openvisit_core::availability::RuleViolation;
use openvisit_core::ledger::LedgerError;
use openvisit_core::message::Message;
use openvisit_core::pricing::PricingError;
use openvisit_core::refund::CancelError;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The request breaks a rule of its form (a length, a range, a missing reason).
    #[error("invalid: {0}")]
    Invalid(Message),
    /// The request is fine but the state it meets refuses it (already settled, taken).
    #[error("conflict: {0}")]
    Conflict(Message),
    /// A fault of the machine or its configuration (no randomness, a key file, a backup
    /// path): for the operator, never shown to a visitor or staff member.
    #[error("{0}")]
    Operator(String),
    #[error("you are not allowed to do this")]
    Forbidden,
    #[error("{0}")]
    Rule(#[from] RuleViolation),
    #[error(
        "not enough funds: this visit costs {needed} and your balance is {available}; add funds and try again"
    )]
    InsufficientFunds { needed: Cents, available: Cents },
    #[error("this Idempotency-Key was already used for a different request")]
    IdempotencyMismatch,
    #[error("{0}")]
    Pricing(#[from] PricingError),
    #[error("{0}")]
    Ledger(#[from] LedgerError),
    #[error("{0}")]
    Cancel(#[from] CancelError),
    #[error("the data in the database is inconsistent: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// An `Invalid` whose message has no values.
    pub fn invalid(id: &'static str) -> StoreError {
        StoreError::Invalid(Message::new(id))
    }

    /// A `Conflict` whose message has no values.
    pub fn conflict(id: &'static str) -> StoreError {
        StoreError::Conflict(Message::new(id))
    }

    /// Whether a unique or primary-key constraint refused a write.
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, StoreError::Db(sqlx::Error::Database(db)) if db.is_unique_violation())
    }
}

/// A password hash or secret that could not be made is the operator's to fix (the
/// machine's random source), never the person's.
impl From<openvisit_core::credentials::CredentialError> for StoreError {
    fn from(e: openvisit_core::credentials::CredentialError) -> Self {
        StoreError::Operator(e.to_string())
    }
}
