//! Test harness: fresh databases on every backend, a running server on a random
//! port, and typed helpers for the API.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use jiff::Timestamp;
use openvisit_core::{AccountId, FacilityId, ResidentId};
use openvisit_store::accounts::{NewAccount, Role, create_account};
use openvisit_store::approvals::{ApprovalStatus, decide_approval, request_approval};
use openvisit_store::facilities::{FacilitySettings, NewFacility, create_facility};
use openvisit_store::payments::TestProvider;
use openvisit_store::places::{add_hours, create_kiosk, create_unit};
use openvisit_store::residents::create_resident;
use openvisit_store::{Backend, Db};
use openvisit_web::AppState;
use openvisit_web::clock::Clock;
use serde_json::{Value, json};

use tokio::sync::oneshot;

mod app;
mod browsers;
mod client;
mod databases;
mod fixtures;
mod forms;
mod logs;
mod lossy_relay;
mod process;
mod smtp;
mod tls;
pub use app::*;
pub use browsers::*;
pub use client::*;
pub use databases::*;
pub use fixtures::*;
pub use forms::*;
pub use logs::*;
pub use lossy_relay::*;
pub use process::*;
pub use smtp::*;
pub use tls::*;
