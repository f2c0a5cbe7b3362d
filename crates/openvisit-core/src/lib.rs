//! The rules of OpenVisit as plain Rust: facilities and their settings, availability,
//! pricing and rate caps, refunds, the double-entry ledger, the live-visit clock and
//! the verdict on a live visit's connection.
//!
//! Architecture invariant: this crate knows nothing about SQL, HTTP, Tokio or the wall
//! clock. Every function that depends on the time takes `now` as a parameter.

pub mod availability;
pub mod calendar;
pub mod credentials;
pub mod facility;
pub mod hours;
pub mod ids;
pub mod interval;
pub mod ledger;
pub mod link_quality;
pub mod local_time;
pub mod message;
pub mod money;
pub mod pricing;
pub mod rate_caps;
pub mod refund;
pub mod roster;
pub mod session;

pub use ids::*;
pub use money::Cents;

#[cfg(test)]
mod availability_tests;
#[cfg(test)]
mod session_resume_tests;
#[cfg(test)]
mod session_tests;
