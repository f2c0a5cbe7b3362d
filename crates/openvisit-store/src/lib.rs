//! Storage for OpenVisit on SQLite or PostgreSQL (and Postgres-wire distributed SQL),
//! through one set of queries on sqlx's `Any` driver.
//!
//! It owns the schema, transactions and the database-enforced invariants: no double
//! booking (claims keyed by resource and 5-minute granule), weekly limits (conditional
//! counters), balances that never go negative (guarded rows), an append-only audit log.
//! It takes `now` as a parameter and knows nothing about HTTP.

pub mod accounts;
pub mod approvals;
pub mod audit;
mod backend;
pub mod backup;
pub mod blackouts;
pub mod booking;
mod booking_batch;
pub mod cancel;
mod claim_names;
mod claims;
pub mod db;
pub mod demo;
pub mod email_outbox;
pub mod error;
pub mod facilities;
pub mod integrity;
pub mod kiosk_changes;
pub mod kiosk_setup;
pub mod kiosks;
pub mod ledger;
pub mod live;
pub mod live_sessions;
pub mod lobby;
pub mod named_rows;
pub mod notices;
pub mod passwords;
pub mod payments;
pub mod places;
pub mod recordings;
pub mod reports;
pub mod reschedule;
pub mod resident_pins;
pub mod residents;
pub mod roster;
pub mod rules;
pub mod schedule;
pub mod secrets;
pub mod setup;
pub mod sign_in;
mod sql_lists;
pub mod staff_booking;
pub mod support;
pub mod support_tickets;
pub mod time;
pub mod visits;
mod week_counts;

pub use db::{Backend, Db};
pub use error::StoreError;
/// The connection store functions take, for callers that hold one across calls.
pub use sqlx::AnyConnection;
