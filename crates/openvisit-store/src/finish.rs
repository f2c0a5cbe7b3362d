//! Closing a visit once it is over: its outcome, and for per-minute pricing the capture
//! of connected minutes from the hold, the rest going back to the visitor (R3). Live
//! video reports the outcome and the connected time (`live::settle_live_visit`); this is
//! where the money settles.

use jiff::Timestamp;
use openvisit_core::{AccountId, Cents, VisitId};
use serde::Serialize;

use crate::db::Db;
use crate::error::StoreError;
use crate::live::{LiveReport, settle};

/// How a visit ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Completed,
    /// A party never came.
    Missed,
    EndedByStaff,
    /// Lost to a platform fault.
    Failed,
}

impl Outcome {
    pub(crate) fn status(self) -> &'static str {
        match self {
            Outcome::Completed => "completed",
            Outcome::Missed => "missed",
            Outcome::EndedByStaff => "ended_by_staff",
            Outcome::Failed => "failed",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Settlement {
    pub visit: VisitId,
    /// What the facility keeps (per-minute: the connected minutes; block: the block).
    pub charged: Cents,
    /// What went back to the visitor's balance now.
    pub returned: Cents,
    /// What the platform credited the visitor for minutes lost to a fault (R13).
    pub credited: Cents,
}

/// Settles a booked visit. `connected_seconds` is the time both parties were connected;
/// a failed visit captures nothing (per-minute) or is credited whole (block).
pub async fn finish_visit(
    db: &Db,
    visit_id: VisitId,
    outcome: Outcome,
    connected_seconds: u32,
    actor: Option<AccountId>,
    now: Timestamp,
) -> Result<Settlement, StoreError> {
    let report = LiveReport {
        outcome,
        actual_start: None,
        actual_end: now,
        connected_seconds,
        lost_minutes: 0,
        missed_by: None,
        end_reason: None,
    };
    settle(db, visit_id, &report, false, actor, now).await
}
