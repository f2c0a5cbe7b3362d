//! Reading visits.

use jiff::Timestamp;
use openvisit_core::facility::VisitKind;
use openvisit_core::pricing::ChargeKind;
use openvisit_core::{AccountId, Cents, FacilityId, KioskId, ResidentId, VisitId};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::error::StoreError;
use crate::time::from_secs;

/// Where a visit is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VisitStatus {
    Booked,
    Cancelled,
    Completed,
    Missed,
    EndedByStaff,
    Failed,
}

impl VisitStatus {
    pub fn parse(s: &str) -> Option<VisitStatus> {
        Some(match s {
            "booked" => VisitStatus::Booked,
            "cancelled" => VisitStatus::Cancelled,
            "completed" => VisitStatus::Completed,
            "missed" => VisitStatus::Missed,
            "ended_by_staff" => VisitStatus::EndedByStaff,
            "failed" => VisitStatus::Failed,
            _ => return None,
        })
    }
}

/// A reason OpenVisit itself gives for cancelling or ending a visit. Stored as its code,
/// and written in the reader's language when shown; reasons staff type are stored as
/// typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SystemReason {
    /// The visitor cancelled it.
    ByVisitor,
    /// The resident was released from the facility.
    Released,
    /// The resident moved to a unit where no kiosk is free at that time.
    MovedNoKiosk,
    /// The resident moved to a unit with no visiting hours at that time.
    MovedNoHours,
    /// No media reached either party.
    PlatformFault,
}

impl SystemReason {
    pub fn as_str(self) -> &'static str {
        match self {
            SystemReason::ByVisitor => "by_visitor",
            SystemReason::Released => "released",
            SystemReason::MovedNoKiosk => "moved_no_kiosk",
            SystemReason::MovedNoHours => "moved_no_hours",
            SystemReason::PlatformFault => "platform_fault",
        }
    }

    pub fn parse(s: &str) -> Option<SystemReason> {
        Some(match s {
            "by_visitor" => SystemReason::ByVisitor,
            "released" => SystemReason::Released,
            "moved_no_kiosk" => SystemReason::MovedNoKiosk,
            "moved_no_hours" => SystemReason::MovedNoHours,
            "platform_fault" => SystemReason::PlatformFault,
            _ => return None,
        })
    }
}

/// Why a visit is cancelled: a reason OpenVisit gives, or words staff typed (`""` for
/// none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason<'a> {
    System(SystemReason),
    Typed(&'a str),
}

impl Reason<'_> {
    /// The code stored for a system reason.
    pub fn code(self) -> Option<&'static str> {
        match self {
            Reason::System(r) => Some(r.as_str()),
            Reason::Typed(_) => None,
        }
    }

    /// The words stored for a typed reason.
    pub fn typed(&self) -> &str {
        match self {
            Reason::System(_) => "",
            Reason::Typed(t) => t,
        }
    }
}

impl<'a> From<&'a str> for Reason<'a> {
    fn from(typed: &'a str) -> Reason<'a> {
        Reason::Typed(typed)
    }
}

impl From<SystemReason> for Reason<'static> {
    fn from(r: SystemReason) -> Reason<'static> {
        Reason::System(r)
    }
}

/// A visit as stored.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Visit {
    pub id: VisitId,
    pub facility: FacilityId,
    pub resident: ResidentId,
    pub visitor: AccountId,
    pub kind: VisitKind,
    pub privileged: bool,
    pub housing_kiosk: KioskId,
    pub lobby_kiosk: Option<KioskId>,
    #[schema(value_type = String, format = DateTime)]
    pub start: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub end: Timestamp,
    pub charge_kind: ChargeKind,
    pub price: Cents,
    pub status: VisitStatus,
    pub cancelled_by: Option<String>,
    /// Why it was cancelled, in staff's words.
    pub cancel_reason: Option<String>,
    /// Why it was cancelled, when OpenVisit gave the reason.
    pub cancel_code: Option<SystemReason>,
    pub refund: Cents,
    /// Times the visit was moved (the calendar invitation's SEQUENCE).
    pub sequence: i64,
    /// When both parties were first connected (set once, by live video).
    #[schema(value_type = Option<String>, format = DateTime)]
    pub actual_start: Option<Timestamp>,
    /// When the live visit ended, once settled.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub actual_end: Option<Timestamp>,
    /// Why it ended, in the words of staff who ended it.
    pub end_reason: Option<String>,
    /// Why it ended, when OpenVisit gave the reason (a platform fault).
    pub end_code: Option<SystemReason>,
    /// For a missed visit: who never came.
    pub missed_by: Option<MissedBy>,
    /// Seconds both parties were connected, without seconds lost to a platform fault.
    pub connected_seconds: i64,
    /// Whole minutes lost to a platform fault (no media for both parties).
    pub lost_minutes: i64,
    /// On-site visits only: the code the visitor types at the lobby kiosk.
    pub lobby_code: Option<String>,
}

/// Who never came to a missed visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MissedBy {
    Visitor,
    Resident,
    Both,
}

impl MissedBy {
    pub fn as_str(self) -> &'static str {
        match self {
            MissedBy::Visitor => "visitor",
            MissedBy::Resident => "resident",
            MissedBy::Both => "both",
        }
    }

    pub fn parse(s: &str) -> Option<MissedBy> {
        Some(match s {
            "visitor" => MissedBy::Visitor,
            "resident" => MissedBy::Resident,
            "both" => MissedBy::Both,
            _ => return None,
        })
    }
}

fn code(r: &AnyRow, column: &str) -> Result<Option<SystemReason>, StoreError> {
    r.try_get::<Option<String>, _>(column)?
        .map(|c| {
            SystemReason::parse(&c).ok_or_else(|| StoreError::Corrupt(format!("{column} {c}")))
        })
        .transpose()
}

pub(crate) fn visit_from_row(r: &AnyRow) -> Result<Visit, StoreError> {
    let kind: String = r.try_get("kind")?;
    let charge: String = r.try_get("charge_kind")?;
    let status: String = r.try_get("status")?;
    Ok(Visit {
        id: VisitId(r.try_get("id")?),
        facility: FacilityId(r.try_get("facility_id")?),
        resident: ResidentId(r.try_get("resident_id")?),
        visitor: AccountId(r.try_get("visitor_id")?),
        kind: VisitKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("kind {kind}")))?,
        privileged: r.try_get::<i64, _>("privileged")? != 0,
        housing_kiosk: KioskId(r.try_get("housing_kiosk_id")?),
        lobby_kiosk: r.try_get::<Option<i64>, _>("lobby_kiosk_id")?.map(KioskId),
        start: from_secs(r.try_get("start_at")?)?,
        end: from_secs(r.try_get("end_at")?)?,
        charge_kind: ChargeKind::parse(&charge)
            .ok_or_else(|| StoreError::Corrupt(format!("charge {charge}")))?,
        price: Cents(r.try_get("price_cents")?),
        status: VisitStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("status {status}")))?,
        cancelled_by: r.try_get("cancelled_by")?,
        cancel_reason: r.try_get("cancel_reason")?,
        cancel_code: code(r, "cancel_code")?,
        refund: Cents(r.try_get("refund_cents")?),
        sequence: r.try_get("sequence")?,
        actual_start: opt_instant(r, "actual_start")?,
        actual_end: opt_instant(r, "actual_end")?,
        end_reason: r.try_get("end_reason")?,
        end_code: code(r, "end_code")?,
        missed_by: match r.try_get::<Option<String>, _>("missed_by")? {
            None => None,
            Some(m) => Some(
                MissedBy::parse(&m).ok_or_else(|| StoreError::Corrupt(format!("missed_by {m}")))?,
            ),
        },
        connected_seconds: r.try_get("connected_seconds")?,
        lost_minutes: r.try_get("lost_minutes")?,
        lobby_code: r.try_get("lobby_code")?,
    })
}

fn opt_instant(r: &AnyRow, col: &str) -> Result<Option<Timestamp>, StoreError> {
    r.try_get::<Option<i64>, _>(col)?.map(from_secs).transpose()
}

pub async fn get_visit(conn: &mut AnyConnection, id: VisitId) -> Result<Visit, StoreError> {
    let row = sqlx::query("SELECT * FROM visits WHERE id = $1")
        .bind(id.0)
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound("visit"))?;
    visit_from_row(&row)
}

/// A visitor's visits, soonest first.
pub async fn visits_of_visitor(
    conn: &mut AnyConnection,
    visitor: AccountId,
) -> Result<Vec<Visit>, StoreError> {
    let rows = sqlx::query("SELECT * FROM visits WHERE visitor_id = $1 ORDER BY start_at, id")
        .bind(visitor.0)
        .fetch_all(conn)
        .await?;
    rows.iter().map(visit_from_row).collect()
}

/// A facility's visits that overlap `[from, to)`, by start.
pub async fn visits_of_facility(
    conn: &mut AnyConnection,
    facility: FacilityId,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<Visit>, StoreError> {
    let rows = sqlx::query(
        "SELECT * FROM visits WHERE facility_id = $1 AND end_at > $2 AND start_at < $3 \
         ORDER BY start_at, id",
    )
    .bind(facility.0)
    .bind(from.as_second())
    .bind(to.as_second())
    .fetch_all(conn)
    .await?;
    rows.iter().map(visit_from_row).collect()
}

/// Booked visits that overlap an earlier booked visit on the same kiosk, resident or
/// visitor. Always 0; tests and the benchmark check it. Each resource's visits are
/// taken in start order beside the latest end before them, so the check stays
/// O(n log n) over a benchmark's tens of thousands of visits.
pub async fn overlapping_visits(conn: &mut AnyConnection) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "SELECT COUNT(DISTINCT id) AS n FROM (\
           SELECT id, start_at, MAX(end_at) OVER (PARTITION BY kind, resource ORDER BY start_at, id \
             ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before_end \
           FROM (\
             SELECT 'kiosk' AS kind, housing_kiosk_id AS resource, id, start_at, end_at \
               FROM visits WHERE status = 'booked' \
             UNION ALL SELECT 'kiosk', lobby_kiosk_id, id, start_at, end_at \
               FROM visits WHERE status = 'booked' AND lobby_kiosk_id IS NOT NULL \
             UNION ALL SELECT 'resident', resident_id, id, start_at, end_at \
               FROM visits WHERE status = 'booked' \
             UNION ALL SELECT 'visitor', visitor_id, id, start_at, end_at \
               FROM visits WHERE status = 'booked'\
           ) AS uses\
         ) AS ordered WHERE start_at < before_end",
    )
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("n")?)
}

/// Marks the booked visits starting within `within_minutes` from `now` whose reminder
/// has not gone out as reminded, and queues their reminders, in one transaction: two
/// servers never both remind, and a restart loses none. Returns how many were queued.
pub async fn queue_due_reminders(
    db: &crate::Db,
    now: Timestamp,
    within_minutes: i64,
) -> Result<usize, StoreError> {
    let until = openvisit_core::interval::add_minutes(now, within_minutes);
    let mut tx = db.begin_write().await?;
    let rows = sqlx::query(
        "UPDATE visits SET reminded_at = $1 WHERE status = 'booked' AND reminded_at IS NULL \
         AND start_at > $1 AND start_at <= $2 RETURNING *",
    )
    .bind(now.as_second())
    .bind(until.as_second())
    .fetch_all(&mut *tx)
    .await?;
    let due = rows
        .iter()
        .map(visit_from_row)
        .collect::<Result<Vec<_>, _>>()?;
    for v in &due {
        crate::email_outbox::queue(
            &mut tx,
            crate::email_outbox::VisitNews::Reminder,
            crate::email_outbox::Announced {
                visit: v.id,
                sequence: v.sequence,
                start: v.start,
                end: v.end,
            },
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(due.len())
}
