//! Where a visit's recording is, and when it is due for deletion: recordings are kept
//! for the facility's `recording_days` (R14). Privileged visits are never recorded.
//! The store keeps the rows; the media side writes and deletes the files.

use jiff::Timestamp;
use openvisit_core::{AccountId, FacilityId, VisitId};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::audit::{Audit, append_audit};
use crate::db::Db;
use crate::error::StoreError;
use crate::time::{from_secs, secs};
use crate::visits::get_visit;

/// The longest retention a facility can set, in days (ten years).
pub const MAX_RECORDING_DAYS: u32 = 3650;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recording {
    pub visit: VisitId,
    pub facility: FacilityId,
    pub path: String,
    pub bytes: u64,
    pub created_at: Timestamp,
    /// When the file was deleted; `None` while it is kept.
    pub deleted_at: Option<Timestamp>,
}

fn recording_from_row(r: &AnyRow) -> Result<Recording, StoreError> {
    let bytes: i64 = r.try_get("bytes")?;
    Ok(Recording {
        visit: VisitId(r.try_get("visit_id")?),
        facility: FacilityId(r.try_get("facility_id")?),
        path: r.try_get("path")?,
        bytes: u64::try_from(bytes).map_err(|_| StoreError::Corrupt(format!("bytes {bytes}")))?,
        created_at: from_secs(r.try_get("created_at")?)?,
        deleted_at: r
            .try_get::<Option<i64>, _>("deleted_at")?
            .map(from_secs)
            .transpose()?,
    })
}

/// Records where a visit's recording was written. Refuses a privileged visit, a
/// facility that is not the visit's, and a second recording of one visit.
pub async fn save_recording(
    db: &Db,
    visit: VisitId,
    facility: FacilityId,
    path: &str,
    bytes: u64,
    now: Timestamp,
) -> Result<Recording, StoreError> {
    if path.trim().is_empty() {
        return Err(StoreError::Invalid("a recording needs a path".into()));
    }
    let size = i64::try_from(bytes)
        .map_err(|_| StoreError::Invalid("the recording is too large".into()))?;
    let mut tx = db.begin_write().await?;
    let v = get_visit(&mut tx, visit).await?;
    if v.facility != facility {
        return Err(StoreError::Invalid(
            "this visit belongs to another facility".into(),
        ));
    }
    if v.privileged {
        return Err(StoreError::Invalid(
            "privileged visits are never recorded".into(),
        ));
    }
    sqlx::query(
        "INSERT INTO recordings (visit_id, facility_id, path, bytes, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(visit.0)
    .bind(facility.0)
    .bind(path)
    .bind(size)
    .bind(secs(now))
    .execute(&mut *tx)
    .await
    .map_err(StoreError::from)
    .map_err(|e| {
        if e.is_unique_violation() {
            StoreError::Conflict("this visit already has a recording".into())
        } else {
            e
        }
    })?;
    tx.commit().await?;
    Ok(Recording {
        visit,
        facility,
        path: path.to_owned(),
        bytes,
        created_at: from_secs(secs(now))?,
        deleted_at: None,
    })
}

/// A visit's recording, deleted or not.
pub async fn recording_for_visit(
    conn: &mut AnyConnection,
    visit: VisitId,
) -> Result<Option<Recording>, StoreError> {
    let row = sqlx::query("SELECT * FROM recordings WHERE visit_id = $1")
        .bind(visit.0)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(recording_from_row).transpose()
}

/// Recordings not yet deleted that are older than their facility's retention
/// period, oldest first.
pub async fn expired_recordings(db: &Db, now: Timestamp) -> Result<Vec<Recording>, StoreError> {
    let rows = sqlx::query(
        "SELECT r.* FROM recordings r JOIN facilities f ON f.id = r.facility_id \
         WHERE r.deleted_at IS NULL AND r.created_at + f.recording_days * 86400 < $1 \
         ORDER BY r.created_at, r.visit_id",
    )
    .bind(secs(now))
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(recording_from_row).collect()
}

/// Notes that a recording's file is gone. Marking it twice keeps the first time.
pub async fn mark_recording_deleted(
    db: &Db,
    visit: VisitId,
    now: Timestamp,
) -> Result<(), StoreError> {
    let changed = sqlx::query(
        "UPDATE recordings SET deleted_at = COALESCE(deleted_at, $1) WHERE visit_id = $2",
    )
    .bind(secs(now))
    .bind(visit.0)
    .execute(&db.pool)
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(StoreError::NotFound("recording"));
    }
    Ok(())
}

/// Staff set how many days recordings are kept (1 to 3650); audited.
pub async fn set_recording_days(
    db: &Db,
    facility: FacilityId,
    days: u32,
    actor: AccountId,
    now: Timestamp,
) -> Result<(), StoreError> {
    if !(1..=MAX_RECORDING_DAYS).contains(&days) {
        return Err(StoreError::Invalid(format!(
            "recordings can be kept from 1 to {MAX_RECORDING_DAYS} days"
        )));
    }
    let mut tx = db.begin_write().await?;
    let before: i64 = sqlx::query("SELECT recording_days FROM facilities WHERE id = $1")
        .bind(facility.0)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound("facility"))?
        .try_get("recording_days")?;
    sqlx::query("UPDATE facilities SET recording_days = $1 WHERE id = $2")
        .bind(i64::from(days))
        .bind(facility.0)
        .execute(&mut *tx)
        .await?;
    append_audit(
        &mut tx,
        &Audit {
            at: now,
            actor: Some(actor),
            facility: Some(facility),
            action: "facility.recording_days",
            subject: format!("facility:{facility}"),
            detail: serde_json::json!({ "before": before, "after": days }).to_string(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
