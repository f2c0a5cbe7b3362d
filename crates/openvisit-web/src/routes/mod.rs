//! HTTP handlers, one file per noun.

pub mod account;
pub mod approvals;
pub mod directory;
pub mod emails;
pub mod live;
pub mod money;
pub mod reports;
pub mod roster;
pub mod setup;
pub mod staff;
pub mod support;
pub mod visits;
