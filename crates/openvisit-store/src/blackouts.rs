//! Blackouts (lockdowns, holidays): no visits in the period. Creating one over booked
//! visits cancels them, with a full refund, in the same transaction (R12, R13).

use jiff::Timestamp;
use openvisit_core::refund::CancelledBy;
use openvisit_core::{AccountId, FacilityId, VisitId};
use serde::Serialize;
use sqlx::{AnyConnection, Row};

use crate::audit::{Audit, append_audit};
use crate::cancel::cancel_in_tx;
use crate::db::Db;
use crate::error::StoreError;
use crate::facilities::config_changed;
use crate::time::{from_secs, secs};
use crate::visits::{Visit, visit_from_row};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BlackoutRecord {
    pub id: i64,
    #[schema(value_type = String, format = DateTime)]
    pub start: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub end: Timestamp,
    pub reason: String,
}

fn check(start: Timestamp, end: Timestamp, reason: &str) -> Result<(), StoreError> {
    if start >= end {
        return Err(StoreError::invalid("error-blackout-order"));
    }
    if end.as_second() - start.as_second() > 366 * 86_400 {
        return Err(StoreError::invalid("error-blackout-length"));
    }
    if reason.trim().is_empty() {
        return Err(StoreError::invalid("error-blackout-reason"));
    }
    Ok(())
}

/// Booked visits the blackout would cancel.
pub async fn affected_visits(
    conn: &mut AnyConnection,
    facility: FacilityId,
    start: Timestamp,
    end: Timestamp,
) -> Result<Vec<Visit>, StoreError> {
    let rows = sqlx::query(
        "SELECT * FROM visits WHERE facility_id = $1 AND status = 'booked' AND start_at < $3 AND end_at > $2 ORDER BY start_at, id",
    )
    .bind(facility.0)
    .bind(secs(start))
    .bind(secs(end))
    .fetch_all(conn)
    .await?;
    rows.iter().map(visit_from_row).collect()
}

/// Creates a blackout and cancels the visits inside it with a full refund.
pub async fn add_blackout(
    db: &Db,
    facility: FacilityId,
    start: Timestamp,
    end: Timestamp,
    reason: &str,
    actor: Option<AccountId>,
    now: Timestamp,
) -> Result<(BlackoutRecord, Vec<VisitId>), StoreError> {
    check(start, end, reason)?;
    let reason = reason.trim();
    let mut tx = db.begin_write().await?;
    // Take the facility row's lock first: bookings in flight hold it shared, so this
    // waits for them and the cancellations below see their visits.
    config_changed(&mut tx, facility).await?;
    let row = sqlx::query("INSERT INTO blackouts (facility_id, start_at, end_at, reason) VALUES ($1, $2, $3, $4) RETURNING id")
        .bind(facility.0)
        .bind(secs(start))
        .bind(secs(end))
        .bind(reason)
        .fetch_one(&mut *tx)
        .await?;
    let id: i64 = row.try_get("id")?;
    let mut cancelled = Vec::new();
    for v in affected_visits(&mut tx, facility, start, end).await? {
        // A visit already under way is left to staff (they can end it live).
        if v.start <= now {
            continue;
        }
        cancel_in_tx(&mut tx, v.id, CancelledBy::Facility, actor, reason, now).await?;
        cancelled.push(v.id);
    }
    append_audit(
        &mut tx,
        &Audit {
            at: now,
            actor,
            facility: Some(facility),
            action: "blackout.add",
            subject: format!("blackout:{id}"),
            detail: serde_json::json!({ "start": start.to_string(), "end": end.to_string(), "reason": reason, "cancelled_visits": cancelled.iter().map(|v| v.0).collect::<Vec<_>>() }).to_string(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok((
        BlackoutRecord {
            id,
            start,
            end,
            reason: reason.to_owned(),
        },
        cancelled,
    ))
}

/// Lifts a blackout: one that has not begun is removed, one under way ends now. Visits it
/// cancelled stay cancelled (their refunds were made); the times are offered again.
pub async fn lift_blackout(
    db: &Db,
    facility: FacilityId,
    id: i64,
    actor: Option<AccountId>,
    now: Timestamp,
) -> Result<(), StoreError> {
    let mut tx = db.begin_write().await?;
    let row =
        sqlx::query("SELECT start_at, end_at FROM blackouts WHERE id = $1 AND facility_id = $2")
            .bind(id)
            .bind(facility.0)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound("blackout"))?;
    let (start, end) = (
        from_secs(row.try_get("start_at")?)?,
        from_secs(row.try_get("end_at")?)?,
    );
    if end <= now {
        return Err(StoreError::conflict("error-blackout-over"));
    }
    config_changed(&mut tx, facility).await?;
    if start >= now {
        sqlx::query("DELETE FROM blackouts WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
    } else {
        sqlx::query("UPDATE blackouts SET end_at = $1 WHERE id = $2")
            .bind(secs(now))
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    append_audit(
        &mut tx,
        &Audit {
            at: now,
            actor,
            facility: Some(facility),
            action: "blackout.lift",
            subject: format!("blackout:{id}"),
            detail: serde_json::json!({ "start": start.to_string(), "end": end.to_string(), "began": start < now }).to_string(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Blackouts that have not ended by `now`.
pub async fn current_blackouts(
    conn: &mut AnyConnection,
    facility: FacilityId,
    now: Timestamp,
) -> Result<Vec<BlackoutRecord>, StoreError> {
    let rows = sqlx::query("SELECT id, start_at, end_at, reason FROM blackouts WHERE facility_id = $1 AND end_at > $2 ORDER BY start_at")
        .bind(facility.0)
        .bind(secs(now))
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(BlackoutRecord {
                id: r.try_get("id")?,
                start: from_secs(r.try_get("start_at")?)?,
                end: from_secs(r.try_get("end_at")?)?,
                reason: r.try_get("reason")?,
            })
        })
        .collect()
}
