//! Where a visit's recording is, and when it is due for deletion: recordings are kept
//! for the facility's `recording_days` (R14). Privileged visits are never recorded.
//! The store keeps the rows; the media side writes and deletes the files.

use jiff::Timestamp;
use openvisit_core::message::Message;
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

/// How many times the server assembles a recording before leaving it failed for good.
pub const MAX_ASSEMBLY_ATTEMPTS: u32 = 5;

/// Whether a recording's files were put together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecordingState {
    /// Assembled: its WebM files can be played.
    Ready,
    /// Assembling failed; the raw media is kept and tried again.
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recording {
    pub visit: VisitId,
    pub facility: FacilityId,
    pub path: String,
    pub bytes: u64,
    pub created_at: Timestamp,
    /// When the file was deleted; `None` while it is kept.
    pub deleted_at: Option<Timestamp>,
    pub state: RecordingState,
    /// How many times assembling it was tried.
    pub attempts: u32,
    /// Why the last try failed.
    pub error: Option<String>,
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
        state: match r.try_get::<String, _>("state")?.as_str() {
            "ready" => RecordingState::Ready,
            "failed" => RecordingState::Failed,
            other => return Err(StoreError::Corrupt(format!("recording state {other}"))),
        },
        attempts: u32::try_from(r.try_get::<i64, _>("attempts")?).unwrap_or(u32::MAX),
        error: r.try_get("error")?,
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
        return Err(StoreError::Operator("a recording needs a path".into()));
    }
    let size = i64::try_from(bytes)
        .map_err(|_| StoreError::Operator("the recording is too large".into()))?;
    let mut tx = db.begin_write().await?;
    let v = get_visit(&mut tx, visit).await?;
    if v.facility != facility {
        return Err(StoreError::invalid("error-other-facility"));
    }
    if v.privileged {
        return Err(StoreError::invalid("error-privileged-not-recorded"));
    }
    // A recording that failed before is ready now; one that is ready stays as it is.
    let changed = sqlx::query(
        "INSERT INTO recordings (visit_id, facility_id, path, bytes, created_at) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (visit_id) DO UPDATE SET state = 'ready', bytes = excluded.bytes, \
         error = NULL, attempts = recordings.attempts + 1 \
         WHERE recordings.state = 'failed' AND recordings.deleted_at IS NULL",
    )
    .bind(visit.0)
    .bind(facility.0)
    .bind(path)
    .bind(size)
    .bind(secs(now))
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(StoreError::conflict("error-recording-exists"));
    }
    let saved = recording_for_visit(&mut tx, visit)
        .await?
        .ok_or(StoreError::NotFound("recording"))?;
    tx.commit().await?;
    Ok(saved)
}

/// Notes that assembling a visit's recording failed (`error` says why): staff see it,
/// and `failed_recordings` offers it for another try. Counts the tries.
pub async fn record_failed_assembly(
    db: &Db,
    visit: VisitId,
    facility: FacilityId,
    path: &str,
    error: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    let error: String = error.chars().take(500).collect();
    sqlx::query(
        "INSERT INTO recordings (visit_id, facility_id, path, bytes, created_at, state, error) \
         VALUES ($1, $2, $3, 0, $4, 'failed', $5) \
         ON CONFLICT (visit_id) DO UPDATE SET attempts = recordings.attempts + 1, \
         error = excluded.error WHERE recordings.state = 'failed'",
    )
    .bind(visit.0)
    .bind(facility.0)
    .bind(path)
    .bind(secs(now))
    .bind(error)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Recordings whose assembly failed fewer than [`MAX_ASSEMBLY_ATTEMPTS`] times and that
/// are still kept: the ones to try again.
pub async fn failed_recordings(db: &Db) -> Result<Vec<Recording>, StoreError> {
    let rows = sqlx::query(
        "SELECT * FROM recordings WHERE state = 'failed' AND deleted_at IS NULL \
         AND attempts < $1 ORDER BY visit_id",
    )
    .bind(i64::from(MAX_ASSEMBLY_ATTEMPTS))
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(recording_from_row).collect()
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
        return Err(StoreError::Invalid(
            Message::new("error-retention-days").with("most", MAX_RECORDING_DAYS),
        ));
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
