//! Approvals: a visitor may book only with a resident whose facility approved them for
//! that resident (R11). Suspension cancels and refunds future visits.

use jiff::Timestamp;
use openvisit_core::refund::CancelledBy;
use openvisit_core::{AccountId, ApprovalId, FacilityId, ResidentId, VisitId};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::audit::{Audit, append_audit};
use crate::cancel::cancel_in_tx;
use crate::db::Db;
use crate::error::StoreError;
use crate::residents::get_resident;
use crate::time::{from_secs, secs};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalStatus {
    Pending,
    Approved,
    Denied,
    Suspended,
}

impl ApprovalStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalStatus::Pending => "pending",
            ApprovalStatus::Approved => "approved",
            ApprovalStatus::Denied => "denied",
            ApprovalStatus::Suspended => "suspended",
        }
    }

    pub fn parse(s: &str) -> Option<ApprovalStatus> {
        Some(match s {
            "pending" => ApprovalStatus::Pending,
            "approved" => ApprovalStatus::Approved,
            "denied" => ApprovalStatus::Denied,
            "suspended" => ApprovalStatus::Suspended,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Approval {
    pub id: ApprovalId,
    pub visitor: AccountId,
    pub resident: ResidentId,
    pub facility: FacilityId,
    pub status: ApprovalStatus,
    pub reason: String,
    /// Privileged (attorney): visits are neither monitored nor recorded (R14).
    pub privileged: bool,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

fn approval_from_row(r: &AnyRow) -> Result<Approval, StoreError> {
    let status: String = r.try_get("status")?;
    Ok(Approval {
        id: ApprovalId(r.try_get("id")?),
        visitor: AccountId(r.try_get("visitor_id")?),
        resident: ResidentId(r.try_get("resident_id")?),
        facility: FacilityId(r.try_get("facility_id")?),
        status: ApprovalStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("approval {status}")))?,
        reason: r.try_get("reason")?,
        privileged: r.try_get::<i64, _>("privileged")? != 0,
        updated_at: from_secs(r.try_get("updated_at")?)?,
    })
}

/// A visitor asks to be approved for a resident. Asking again changes nothing.
pub async fn request_approval(
    db: &Db,
    visitor: AccountId,
    resident: ResidentId,
    now: Timestamp,
) -> Result<Approval, StoreError> {
    let mut tx = db.begin_write().await?;
    if !crate::accounts::get_account(&mut tx, visitor)
        .await?
        .email_verified
    {
        return Err(StoreError::invalid("error-email-unconfirmed"));
    }
    let r = get_resident(&mut tx, resident).await?;
    if !r.active {
        return Err(StoreError::invalid("error-resident-gone"));
    }
    sqlx::query(
        "INSERT INTO approvals (visitor_id, resident_id, facility_id, status, reason, updated_at) \
         VALUES ($1, $2, $3, 'pending', '', $4) ON CONFLICT (visitor_id, resident_id) DO NOTHING",
    )
    .bind(visitor.0)
    .bind(resident.0)
    .bind(r.facility.0)
    .bind(secs(now))
    .execute(&mut *tx)
    .await?;
    let row = sqlx::query("SELECT * FROM approvals WHERE visitor_id = $1 AND resident_id = $2")
        .bind(visitor.0)
        .bind(resident.0)
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    approval_from_row(&row)
}

pub async fn approvals_of_visitor(
    conn: &mut AnyConnection,
    visitor: AccountId,
) -> Result<Vec<Approval>, StoreError> {
    let rows = sqlx::query("SELECT * FROM approvals WHERE visitor_id = $1 ORDER BY id")
        .bind(visitor.0)
        .fetch_all(conn)
        .await?;
    rows.iter().map(approval_from_row).collect()
}

pub async fn approvals_of_facility(
    conn: &mut AnyConnection,
    facility: FacilityId,
    status: Option<ApprovalStatus>,
) -> Result<Vec<Approval>, StoreError> {
    let rows = match status {
        Some(s) => {
            sqlx::query(
                "SELECT * FROM approvals WHERE facility_id = $1 AND status = $2 ORDER BY id",
            )
            .bind(facility.0)
            .bind(s.as_str())
            .fetch_all(conn)
            .await?
        }
        None => {
            sqlx::query("SELECT * FROM approvals WHERE facility_id = $1 ORDER BY id")
                .bind(facility.0)
                .fetch_all(conn)
                .await?
        }
    };
    rows.iter().map(approval_from_row).collect()
}

/// Whether the visitor is approved for the resident right now.
pub async fn is_approved(
    conn: &mut AnyConnection,
    visitor: AccountId,
    resident: ResidentId,
) -> Result<bool, StoreError> {
    let row =
        sqlx::query("SELECT status FROM approvals WHERE visitor_id = $1 AND resident_id = $2")
            .bind(visitor.0)
            .bind(resident.0)
            .fetch_optional(conn)
            .await?;
    Ok(match row {
        Some(r) => r.try_get::<String, _>("status")? == "approved",
        None => false,
    })
}

/// Staff of `facility` decide on an approval. Suspending or denying cancels the pair's
/// future visits with a full refund. Returns the cancelled visits.
pub async fn decide_approval(
    db: &Db,
    staff: AccountId,
    facility: FacilityId,
    id: ApprovalId,
    status: ApprovalStatus,
    reason: &str,
    now: Timestamp,
) -> Result<(Approval, Vec<VisitId>), StoreError> {
    if status == ApprovalStatus::Pending {
        return Err(StoreError::invalid("error-approval-status"));
    }
    if status != ApprovalStatus::Approved && reason.trim().is_empty() {
        return Err(StoreError::invalid("error-approval-reason"));
    }
    let mut tx = db.begin_write().await?;
    let row = sqlx::query("SELECT * FROM approvals WHERE id = $1")
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound("approval"))?;
    let before = approval_from_row(&row)?;
    if before.facility != facility {
        return Err(StoreError::NotFound("approval"));
    }
    sqlx::query("UPDATE approvals SET status = $1, reason = $2, updated_at = $3 WHERE id = $4")
        .bind(status.as_str())
        .bind(reason)
        .bind(secs(now))
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
    let mut cancelled = Vec::new();
    if status != ApprovalStatus::Approved {
        let rows = sqlx::query(
            "SELECT id FROM visits WHERE visitor_id = $1 AND resident_id = $2 \
             AND status = 'booked' AND start_at > $3",
        )
        .bind(before.visitor.0)
        .bind(before.resident.0)
        .bind(secs(now))
        .fetch_all(&mut *tx)
        .await?;
        for r in rows {
            let visit = VisitId(r.try_get("id")?);
            cancel_in_tx(
                &mut tx,
                visit,
                CancelledBy::Facility,
                Some(staff),
                reason,
                now,
            )
            .await?;
            cancelled.push(visit);
        }
    }
    append_audit(
        &mut tx,
        &Audit {
            at: now,
            actor: Some(staff),
            facility: Some(facility),
            action: "approval.decide",
            subject: format!("approval:{id}"),
            detail: serde_json::json!({
                "from": before.status.as_str(),
                "to": status.as_str(),
                "reason": reason,
                "cancelled_visits": cancelled.iter().map(|v| v.0).collect::<Vec<_>>(),
            })
            .to_string(),
        },
    )
    .await?;
    let row = sqlx::query("SELECT * FROM approvals WHERE id = $1")
        .bind(id.0)
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok((approval_from_row(&row)?, cancelled))
}

/// Grants or withdraws privileged (attorney) status on an approval of `facility`.
/// Granting applies at once to every visit of that pair still to be held, the one
/// running now included (R14); withdrawing, only to visits that have not started. Returns
/// the visits that changed, so a live one can drop its monitors and its recording. Audited.
pub async fn set_privileged(
    db: &Db,
    staff: AccountId,
    facility: FacilityId,
    id: ApprovalId,
    privileged: bool,
    now: Timestamp,
) -> Result<(Approval, Vec<VisitId>), StoreError> {
    let mut tx = db.begin_write().await?;
    let changed = sqlx::query(
        "UPDATE approvals SET privileged = $1, updated_at = $2 WHERE id = $3 AND facility_id = $4",
    )
    .bind(i64::from(privileged))
    .bind(secs(now))
    .bind(id.0)
    .bind(facility.0)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(StoreError::NotFound("approval"));
    }
    let row = sqlx::query("SELECT * FROM approvals WHERE id = $1")
        .bind(id.0)
        .fetch_one(&mut *tx)
        .await?;
    let approval = approval_from_row(&row)?;
    // A visit that has started keeps what it had when privilege is withdrawn: nobody
    // starts watching or recording halfway through.
    let since = if privileged { i64::MIN } else { secs(now) };
    let visits: Vec<VisitId> = sqlx::query(
        "SELECT id FROM visits WHERE resident_id = $1 AND visitor_id = $2 AND facility_id = $3 \
         AND status = 'booked' AND privileged <> $4 AND start_at > $5 ORDER BY id",
    )
    .bind(approval.resident.0)
    .bind(approval.visitor.0)
    .bind(facility.0)
    .bind(i64::from(privileged))
    .bind(since)
    .fetch_all(&mut *tx)
    .await?
    .iter()
    .map(|r| r.try_get::<i64, _>("id").map(VisitId))
    .collect::<Result<_, _>>()?;
    for v in &visits {
        sqlx::query("UPDATE visits SET privileged = $1 WHERE id = $2")
            .bind(i64::from(privileged))
            .bind(v.0)
            .execute(&mut *tx)
            .await?;
    }
    crate::audit::append_audit(
        &mut tx,
        &crate::audit::Audit {
            at: now,
            actor: Some(staff),
            facility: Some(facility),
            action: "approval.privileged",
            subject: format!("approval:{}", id.0),
            detail: serde_json::json!({
                "privileged": privileged,
                "visits": visits.iter().map(|v| v.0).collect::<Vec<_>>(),
            })
            .to_string(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok((approval, visits))
}
