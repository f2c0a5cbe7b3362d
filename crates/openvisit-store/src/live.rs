//! What live video reports about a visit: when it really started, and at the end how
//! it went. Settling is one write transaction: the outcome and what was measured, the
//! per-minute capture of connected minutes (R3), a credit for minutes lost to a
//! platform fault on a block-priced visit (R13), and an audit line when staff ended it
//! (R14, R16).

use jiff::Timestamp;
use openvisit_core::ledger::JournalEntry;
use openvisit_core::message::Message;
use openvisit_core::pricing::{ChargeKind, capture_connected, fault_credit};
use openvisit_core::{AccountId, Cents, VisitId};
use serde::Serialize;
use sqlx::{AnyConnection, Row};

use crate::audit::{Audit, append_audit};
use crate::db::{Db, MAX_ATTEMPTS, is_retryable};
use crate::error::StoreError;
use crate::facilities::get_facility;
use crate::ledger::{EntryRows, post_entry};
use crate::time::{from_secs, secs};
use crate::visits::{MissedBy, SystemReason, Visit, VisitStatus, get_visit};

/// The status a settled visit takes: how it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SettledStatus {
    Completed,
    /// A party never came.
    Missed,
    EndedByStaff,
    /// Lost to a platform fault.
    Failed,
}

impl SettledStatus {
    fn as_str(self) -> &'static str {
        match self {
            SettledStatus::Completed => "completed",
            SettledStatus::Missed => "missed",
            SettledStatus::EndedByStaff => "ended_by_staff",
            SettledStatus::Failed => "failed",
        }
    }
}

/// What settling moved: per-minute visits capture connected minutes from the hold and
/// return the rest (R3); a block-priced visit lost to a fault is credited (R13).
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

/// The longest end reason kept.
const MAX_REASON_CHARS: usize = 500;

/// How a live visit went, measured server-side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LiveReport {
    pub outcome: SettledStatus,
    /// When both parties were first connected, if they ever were.
    pub actual_start: Option<Timestamp>,
    pub actual_end: Timestamp,
    /// Seconds both parties were connected, without the seconds lost to a fault.
    pub connected_seconds: u32,
    /// Whole minutes lost to a platform fault (no media for both parties).
    pub lost_minutes: u32,
    /// For a missed visit: who never came (ignored for other outcomes).
    pub missed_by: Option<MissedBy>,
    /// Why it ended, in the words of staff who ended it.
    pub end_reason: Option<String>,
    /// Why it ended, when OpenVisit gives the reason (a platform fault).
    pub end_code: Option<SystemReason>,
}

/// Records when both parties were first connected. Only the first call sets it; the
/// instant stored is returned. A settled or cancelled visit is refused (`Conflict`).
/// Stored to the second.
pub async fn record_actual_start(
    db: &Db,
    visit: VisitId,
    at: Timestamp,
) -> Result<Timestamp, StoreError> {
    sqlx::query(
        "UPDATE visits SET actual_start = $1 WHERE id = $2 AND actual_start IS NULL \
         AND status = 'booked'",
    )
    .bind(secs(at))
    .bind(visit.0)
    .execute(&db.pool)
    .await?;
    let row = sqlx::query("SELECT actual_start, status FROM visits WHERE id = $1")
        .bind(visit.0)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(StoreError::NotFound("visit"))?;
    match row.try_get::<Option<i64>, _>("actual_start")? {
        Some(s) if row.try_get::<String, _>("status")? == "booked" => from_secs(s),
        _ => Err(StoreError::conflict("error-visit-settled")),
    }
}

/// Settles a booked visit from what live video measured. Refuses a visit already
/// settled or cancelled (`Conflict`).
#[tracing::instrument(level = "debug", name = "db.settle_live_visit", skip_all, fields(visit = visit.0))]
pub async fn settle_live_visit(
    db: &Db,
    visit: VisitId,
    report: &LiveReport,
    actor: Option<AccountId>,
    now: Timestamp,
) -> Result<Settlement, StoreError> {
    if let Some(start) = report.actual_start
        && report.actual_end < start
    {
        return Err(StoreError::invalid("error-end-before-start"));
    }
    settle(db, visit, report, actor, now).await
}

/// The settlement, in one write transaction retried on a serialization conflict.
async fn settle(
    db: &Db,
    visit_id: VisitId,
    report: &LiveReport,
    actor: Option<AccountId>,
    now: Timestamp,
) -> Result<Settlement, StoreError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let mut tx = db.begin_write().await?;
        let result = match settle_in_tx(&mut tx, visit_id, report, actor, now).await {
            Ok(s) => tx.commit().await.map(|()| s).map_err(StoreError::from),
            Err(e) => Err(e),
        };
        match result {
            Err(e) if attempt < MAX_ATTEMPTS && is_retryable(&e) => continue,
            other => return other,
        }
    }
}

fn scheduled_seconds(visit: &Visit) -> u32 {
    u32::try_from((secs(visit.end) - secs(visit.start)).max(0)).unwrap_or(u32::MAX)
}

async fn settle_in_tx(
    conn: &mut AnyConnection,
    visit_id: VisitId,
    report: &LiveReport,
    actor: Option<AccountId>,
    now: Timestamp,
) -> Result<Settlement, StoreError> {
    let visit = get_visit(conn, visit_id).await?;
    if visit.status != VisitStatus::Booked {
        return Err(StoreError::conflict("error-visit-settled"));
    }
    // A visit may start up to ten minutes early (R5) and be ended before its
    // scheduled start; one that never started cannot be settled before it.
    let started = visit.actual_start.is_some() || report.actual_start.is_some();
    if now < visit.start && !started {
        return Err(StoreError::invalid("error-settle-before-start"));
    }
    let outcome = report.outcome;
    let scheduled = scheduled_seconds(&visit);
    let scheduled_minutes = scheduled / 60;
    // Never more than the visit's length (R4, R5), whatever was reported.
    let connected = report.connected_seconds.min(scheduled);
    // A failed visit was lost whole.
    let lost_minutes = if outcome == SettledStatus::Failed {
        scheduled_minutes
    } else {
        report.lost_minutes.min(scheduled_minutes)
    };
    let end_reason = report
        .end_reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(|r| r.chars().take(MAX_REASON_CHARS).collect::<String>());
    let missed_by = match outcome {
        SettledStatus::Missed => report.missed_by.map(MissedBy::as_str),
        _ => None,
    };
    let changed = sqlx::query(
        "UPDATE visits SET status = $1, actual_start = COALESCE(actual_start, $2), \
             actual_end = $3, end_reason = $4, missed_by = $5, connected_seconds = $6, \
             lost_minutes = $7, end_code = $8 WHERE id = $9 AND status = 'booked'",
    )
    .bind(outcome.as_str())
    .bind(report.actual_start.map(secs))
    .bind(secs(report.actual_end))
    .bind(end_reason.as_deref())
    .bind(missed_by)
    .bind(i64::from(connected))
    .bind(i64::from(lost_minutes))
    .bind(report.end_code.map(SystemReason::as_str))
    .bind(visit_id.0)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(StoreError::conflict("error-visit-settled"));
    }
    crate::live_sessions::delete_session(conn, visit_id).await?;
    let settlement = match visit.charge_kind {
        ChargeKind::Free => Settlement {
            visit: visit_id,
            charged: Cents::ZERO,
            returned: Cents::ZERO,
            credited: Cents::ZERO,
        },
        ChargeKind::Block => {
            let credited = fault_credit(
                visit.charge_kind,
                visit.price,
                scheduled_minutes,
                lost_minutes,
            );
            if credited.0 > 0 {
                let e = JournalEntry::credit(visit.visitor, Some(visit_id), credited)?;
                let rows =
                    EntryRows::new(e, actor, Some(visit.facility), now).minutes(lost_minutes);
                post_entry(conn, &rows).await?;
            }
            Settlement {
                visit: visit_id,
                charged: visit.price,
                returned: Cents::ZERO,
                credited,
            }
        }
        ChargeKind::Hold => {
            let facility = get_facility(conn, visit.facility).await?;
            let seconds = if outcome == SettledStatus::Failed {
                0
            } else {
                connected
            };
            let charged = capture_connected(&facility.settings.pricing(), visit.price, seconds);
            if visit.price.0 > 0 {
                let e = JournalEntry::hold_capture(
                    visit.visitor,
                    visit.facility,
                    visit_id,
                    visit.price,
                    charged,
                )?;
                let rows = EntryRows::new(e, actor, Some(visit.facility), now)
                    .minutes(seconds.div_ceil(60));
                post_entry(conn, &rows).await?;
            }
            Settlement {
                visit: visit_id,
                charged,
                returned: Cents(visit.price.0 - charged.0),
                credited: Cents::ZERO,
            }
        }
    };
    if outcome == SettledStatus::EndedByStaff
        && let Some(staff) = actor
    {
        append_audit(
            conn,
            &Audit {
                at: now,
                actor: Some(staff),
                facility: Some(visit.facility),
                action: "visit.end",
                subject: format!("visit:{visit_id}"),
                detail: serde_json::json!({
                    "reason": end_reason,
                    "connected_seconds": connected,
                    "lost_minutes": lost_minutes,
                    "charged_cents": settlement.charged.0,
                    "credited_cents": settlement.credited.0,
                })
                .to_string(),
            },
        )
        .await?;
    }
    Ok(settlement)
}

/// Booked visits whose scheduled end passed before `before`: nobody opened them, so
/// live video never settled them (the sweeper settles them as missed).
pub async fn overdue_visits(db: &Db, before: Timestamp) -> Result<Vec<VisitId>, StoreError> {
    let rows = sqlx::query(
        "SELECT id FROM visits WHERE status = 'booked' AND end_at < $1 ORDER BY end_at LIMIT 500",
    )
    .bind(secs(before))
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| Ok(VisitId(r.try_get::<i64, _>("id")?)))
        .collect()
}

/// Staff record why the resident did not come to a missed visit (court, medical, refused
/// …). Only for a visit the resident missed; audited.
pub async fn record_no_show_reason(
    db: &Db,
    staff: AccountId,
    facility: openvisit_core::FacilityId,
    visit: VisitId,
    reason: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS {
        return Err(StoreError::Invalid(
            Message::new("error-missed-reason").with("most", MAX_REASON_CHARS),
        ));
    }
    let mut tx = db.begin_write().await?;
    let v = get_visit(&mut tx, visit).await?;
    if v.facility != facility {
        return Err(StoreError::NotFound("visit"));
    }
    if v.status != VisitStatus::Missed || v.missed_by == Some(MissedBy::Visitor) {
        return Err(StoreError::conflict("error-not-missed"));
    }
    sqlx::query("UPDATE visits SET end_reason = $1 WHERE id = $2")
        .bind(reason)
        .bind(visit.0)
        .execute(&mut *tx)
        .await?;
    append_audit(
        &mut tx,
        &Audit {
            at: now,
            actor: Some(staff),
            facility: Some(facility),
            action: "visit.no_show_reason",
            subject: format!("visit:{visit}"),
            detail: serde_json::json!({ "reason": reason }).to_string(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
