//! Closing a visit once it is over: its outcome, and for per-minute pricing the capture
//! of connected minutes from the hold, the rest going back to the visitor (R3). Live
//! video reports the outcome and the connected time; this is where the money settles.

use jiff::Timestamp;
use openvisit_core::ledger::JournalEntry;
use openvisit_core::pricing::{ChargeKind, capture_connected};
use openvisit_core::{AccountId, Cents, VisitId};
use serde::Serialize;

use crate::db::{Db, MAX_ATTEMPTS, is_retryable};
use crate::error::StoreError;
use crate::facilities::get_facility;
use crate::ledger::post_entry;
use crate::visits::{VisitStatus, get_visit};

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
    fn status(self) -> &'static str {
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
}

/// Settles a booked visit. `connected_seconds` is the time both parties were connected;
/// a failed visit captures nothing.
pub async fn finish_visit(
    db: &Db,
    visit_id: VisitId,
    outcome: Outcome,
    connected_seconds: u32,
    actor: Option<AccountId>,
    now: Timestamp,
) -> Result<Settlement, StoreError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let mut tx = db.begin_write().await?;
        let result = async {
            let visit = get_visit(&mut tx, visit_id).await?;
            if visit.status != VisitStatus::Booked {
                return Err(StoreError::Conflict(
                    "this visit is already settled or cancelled".into(),
                ));
            }
            if now < visit.start {
                return Err(StoreError::Invalid(
                    "a visit cannot be settled before it starts".into(),
                ));
            }
            let changed =
                sqlx::query("UPDATE visits SET status = $1 WHERE id = $2 AND status = 'booked'")
                    .bind(outcome.status())
                    .bind(visit_id.0)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            if changed == 0 {
                return Err(StoreError::Conflict(
                    "this visit is already settled or cancelled".into(),
                ));
            }
            let settlement = match visit.charge_kind {
                ChargeKind::Free => Settlement {
                    visit: visit_id,
                    charged: Cents::ZERO,
                    returned: Cents::ZERO,
                },
                ChargeKind::Block => Settlement {
                    visit: visit_id,
                    charged: visit.price,
                    returned: Cents::ZERO,
                },
                ChargeKind::Hold => {
                    let facility = get_facility(&mut tx, visit.facility).await?;
                    let seconds = if outcome == Outcome::Failed {
                        0
                    } else {
                        connected_seconds
                    };
                    let charged =
                        capture_connected(&facility.settings.pricing(), visit.price, seconds);
                    if visit.price.0 > 0 {
                        let e = JournalEntry::hold_capture(
                            visit.visitor,
                            visit.facility,
                            visit_id,
                            visit.price,
                            charged,
                        )?;
                        let memo = format!(
                            "Visit #{visit_id}: {} connected minute(s)",
                            seconds.div_ceil(60)
                        );
                        post_entry(&mut tx, &e, actor, Some(visit.facility), &memo, now).await?;
                    }
                    Settlement {
                        visit: visit_id,
                        charged,
                        returned: Cents(visit.price.0 - charged.0),
                    }
                }
            };
            Ok(settlement)
        }
        .await;
        let result = match result {
            Ok(s) => tx.commit().await.map(|()| s).map_err(StoreError::from),
            Err(e) => Err(e),
        };
        match result {
            Err(e) if attempt < MAX_ATTEMPTS && is_retryable(&e) => continue,
            other => return other,
        }
    }
}
