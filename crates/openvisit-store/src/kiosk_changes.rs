//! Renaming housing units and kiosks, and taking a kiosk out of service: the visits it
//! still holds are listed first (`retirement_preview`), then cancelled with a full
//! refund when staff confirm (`retire_kiosk`), in one transaction with an audit line.

use jiff::Timestamp;
use openvisit_core::refund::CancelledBy;
use openvisit_core::{AccountId, FacilityId, HousingUnitId, KioskId};
use sqlx::{AnyConnection, Row};

use crate::audit::{Audit, append_audit};
use crate::cancel::cancel_in_tx;
use crate::db::Db;
use crate::error::StoreError;
use crate::facilities::config_changed;
use crate::setup::{check_name, named_conflict};
use crate::time::secs;
use crate::visits::{Visit, visit_from_row};

fn audit(
    facility: FacilityId,
    actor: AccountId,
    action: &'static str,
    subject: String,
    detail: &serde_json::Value,
    now: Timestamp,
) -> Audit {
    Audit {
        at: now,
        actor: Some(actor),
        facility: Some(facility),
        action,
        subject,
        detail: detail.to_string(),
    }
}

pub async fn rename_unit(
    db: &Db,
    facility: FacilityId,
    unit: HousingUnitId,
    name: &str,
    actor: AccountId,
    now: Timestamp,
) -> Result<(), StoreError> {
    let name = check_name(name)?;
    let mut tx = db.begin_write().await?;
    let old: String =
        sqlx::query("SELECT name FROM housing_units WHERE id = $1 AND facility_id = $2")
            .bind(unit.0)
            .bind(facility.0)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound("housing unit"))?
            .try_get("name")?;
    sqlx::query("UPDATE housing_units SET name = $1 WHERE id = $2")
        .bind(name)
        .bind(unit.0)
        .execute(&mut *tx)
        .await
        .map_err(|e| named_conflict(e.into(), "unit", name))?;
    let detail = serde_json::json!({ "before": old, "after": name });
    append_audit(
        &mut tx,
        &audit(
            facility,
            actor,
            "unit.rename",
            format!("unit:{unit}"),
            &detail,
            now,
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn rename_kiosk(
    db: &Db,
    facility: FacilityId,
    kiosk: KioskId,
    name: &str,
    actor: AccountId,
    now: Timestamp,
) -> Result<(), StoreError> {
    let name = check_name(name)?;
    let mut tx = db.begin_write().await?;
    let old = kiosk_name(&mut tx, facility, kiosk).await?;
    sqlx::query("UPDATE kiosks SET name = $1 WHERE id = $2")
        .bind(name)
        .bind(kiosk.0)
        .execute(&mut *tx)
        .await
        .map_err(|e| named_conflict(e.into(), "kiosk", name))?;
    let detail = serde_json::json!({ "before": old, "after": name });
    append_audit(
        &mut tx,
        &audit(
            facility,
            actor,
            "kiosk.rename",
            format!("kiosk:{kiosk}"),
            &detail,
            now,
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The kiosk's name, if it is this facility's and still in service.
async fn kiosk_name(
    conn: &mut AnyConnection,
    facility: FacilityId,
    kiosk: KioskId,
) -> Result<String, StoreError> {
    Ok(sqlx::query(
        "SELECT name FROM kiosks WHERE id = $1 AND facility_id = $2 AND retired_at IS NULL",
    )
    .bind(kiosk.0)
    .bind(facility.0)
    .fetch_optional(conn)
    .await?
    .ok_or(StoreError::NotFound("kiosk"))?
    .try_get("name")?)
}

/// The booked visits that have not started and use the kiosk (as the housing kiosk or
/// the lobby kiosk): what retiring it would cancel.
pub async fn retirement_preview(
    conn: &mut AnyConnection,
    facility: FacilityId,
    kiosk: KioskId,
    now: Timestamp,
) -> Result<Vec<Visit>, StoreError> {
    kiosk_name(conn, facility, kiosk).await?;
    let rows = sqlx::query(
        "SELECT * FROM visits WHERE facility_id = $1 AND status = 'booked' AND start_at > $3 \
         AND (housing_kiosk_id = $2 OR lobby_kiosk_id = $2) ORDER BY start_at, id",
    )
    .bind(facility.0)
    .bind(kiosk.0)
    .bind(secs(now))
    .fetch_all(conn)
    .await?;
    rows.iter().map(visit_from_row).collect()
}

/// Takes the kiosk out of service: it offers no more times and its device key stops
/// working; each visit it still held is cancelled with a full refund, its family told
/// why (`reason`). Returns the cancelled visits.
pub async fn retire_kiosk(
    db: &Db,
    facility: FacilityId,
    kiosk: KioskId,
    reason: &str,
    actor: AccountId,
    now: Timestamp,
) -> Result<Vec<Visit>, StoreError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 300 {
        return Err(StoreError::invalid("error-retire-reason"));
    }
    let mut tx = db.begin_write().await?;
    // The facility row's lock first: bookings in flight hold it shared, so this waits
    // for them, and the visits read below include theirs.
    config_changed(&mut tx, facility).await?;
    let name = kiosk_name(&mut tx, facility, kiosk).await?;
    let affected = retirement_preview(&mut tx, facility, kiosk, now).await?;
    for v in &affected {
        cancel_in_tx(
            &mut tx,
            v.id,
            CancelledBy::Facility,
            Some(actor),
            reason,
            now,
        )
        .await?;
    }
    sqlx::query("UPDATE kiosks SET retired_at = $1, device_key_hash = NULL WHERE id = $2")
        .bind(secs(now))
        .bind(kiosk.0)
        .execute(&mut *tx)
        .await?;
    let detail = serde_json::json!({
        "name": name,
        "reason": reason,
        "cancelled_visits": affected.iter().map(|v| v.id.0).collect::<Vec<_>>(),
    });
    append_audit(
        &mut tx,
        &audit(
            facility,
            actor,
            "kiosk.retire",
            format!("kiosk:{kiosk}"),
            &detail,
            now,
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(affected)
}
