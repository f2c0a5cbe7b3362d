//! Renaming housing units and kiosks, and taking a kiosk or a whole unit out of service:
//! the visits it still holds are listed first (`retirement_preview`,
//! `unit_retirement_preview`), then cancelled with a full refund when staff confirm
//! (`retire_kiosk`, `retire_unit`), in one transaction with an audit line.

use jiff::Timestamp;
use openvisit_core::message::Message;
use openvisit_core::refund::CancelledBy;
use openvisit_core::{AccountId, FacilityId, HousingUnitId, KioskId};
use sqlx::{AnyConnection, Row};

use crate::audit::append_audit;
use crate::cancel::cancel_in_tx;
use crate::db::Db;
use crate::error::StoreError;
use crate::facilities::config_changed;
use crate::setup::{audit, check_name, named_conflict};
use crate::time::secs;
use crate::visits::{Visit, visit_from_row};

pub async fn rename_unit(
    db: &Db,
    facility: FacilityId,
    unit: HousingUnitId,
    name: &str,
    actor: AccountId,
    now: Timestamp,
) -> Result<(), StoreError> {
    let place = Place {
        select: "SELECT name FROM housing_units WHERE id = $1 AND facility_id = $2 \
                 AND retired_at IS NULL",
        update: "UPDATE housing_units SET name = $1 WHERE id = $2",
        what: "unit",
        missing: "housing unit",
        action: "unit.rename",
        id: unit.0,
    };
    rename(db, facility, &place, name, actor, now).await
}

pub async fn rename_kiosk(
    db: &Db,
    facility: FacilityId,
    kiosk: KioskId,
    name: &str,
    actor: AccountId,
    now: Timestamp,
) -> Result<(), StoreError> {
    let place = Place {
        select: "SELECT name FROM kiosks WHERE id = $1 AND facility_id = $2 \
                 AND retired_at IS NULL",
        update: "UPDATE kiosks SET name = $1 WHERE id = $2",
        what: "kiosk",
        missing: "kiosk",
        action: "kiosk.rename",
        id: kiosk.0,
    };
    rename(db, facility, &place, name, actor, now).await
}

/// A housing unit or a kiosk (in service): how to read and write its name, what the
/// messages and the audit line call it, its id.
struct Place {
    select: &'static str,
    update: &'static str,
    what: &'static str,
    missing: &'static str,
    action: &'static str,
    id: i64,
}

/// Renames a unit or a kiosk in service at this facility; a name already taken there
/// is refused. The audit line keeps the old name beside the new.
async fn rename(
    db: &Db,
    facility: FacilityId,
    place: &Place,
    name: &str,
    actor: AccountId,
    now: Timestamp,
) -> Result<(), StoreError> {
    let name = check_name(name)?;
    let mut tx = db.begin_write().await?;
    let old: String = sqlx::query(place.select)
        .bind(place.id)
        .bind(facility.0)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound(place.missing))?
        .try_get("name")?;
    sqlx::query(place.update)
        .bind(name)
        .bind(place.id)
        .execute(&mut *tx)
        .await
        .map_err(|e| named_conflict(e.into(), place.what, name))?;
    let detail = serde_json::json!({ "before": old, "after": name });
    let subject = format!("{}:{}", place.what, place.id);
    append_audit(
        &mut tx,
        &audit(facility, Some(actor), place.action, subject, &detail, now),
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
            Some(actor),
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

/// What retiring a housing unit would do: the people who still live there (it cannot be
/// retired until they are moved) and the booked visits its kiosks still hold.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct UnitRetirement {
    pub residents: i64,
    pub visits: Vec<Visit>,
}

async fn unit_in_service(
    conn: &mut AnyConnection,
    facility: FacilityId,
    unit: HousingUnitId,
) -> Result<String, StoreError> {
    Ok(sqlx::query(
        "SELECT name FROM housing_units WHERE id = $1 AND facility_id = $2 AND retired_at IS NULL",
    )
    .bind(unit.0)
    .bind(facility.0)
    .fetch_optional(conn)
    .await?
    .ok_or(StoreError::NotFound("housing unit"))?
    .try_get("name")?)
}

/// Who and what retiring the unit would affect.
pub async fn unit_retirement_preview(
    conn: &mut AnyConnection,
    facility: FacilityId,
    unit: HousingUnitId,
    now: Timestamp,
) -> Result<UnitRetirement, StoreError> {
    unit_in_service(conn, facility, unit).await?;
    let residents: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM residents WHERE housing_unit_id = $1 AND status = 'active'",
    )
    .bind(unit.0)
    .fetch_one(&mut *conn)
    .await?
    .try_get("n")?;
    let rows = sqlx::query(
        "SELECT * FROM visits WHERE facility_id = $1 AND status = 'booked' AND start_at > $3 \
         AND housing_kiosk_id IN (SELECT id FROM kiosks WHERE housing_unit_id = $2) \
         ORDER BY start_at, id",
    )
    .bind(facility.0)
    .bind(unit.0)
    .bind(secs(now))
    .fetch_all(conn)
    .await?;
    Ok(UnitRetirement {
        residents,
        visits: rows.iter().map(visit_from_row).collect::<Result<_, _>>()?,
    })
}

/// Takes a housing unit out of service with all its kiosks, once nobody lives there
/// (refused, with how many do, until the roster moves them): it offers no more times,
/// its kiosks' device keys stop working, and any visit its kiosks still held is cancelled
/// with a full refund, its family told why. Returns the cancelled visits.
pub async fn retire_unit(
    db: &Db,
    facility: FacilityId,
    unit: HousingUnitId,
    reason: &str,
    actor: AccountId,
    now: Timestamp,
) -> Result<Vec<Visit>, StoreError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 300 {
        return Err(StoreError::invalid("error-retire-unit-reason"));
    }
    let mut tx = db.begin_write().await?;
    // As for a kiosk: the facility row's lock first, so bookings in flight are seen.
    config_changed(&mut tx, facility).await?;
    let name = unit_in_service(&mut tx, facility, unit).await?;
    let affected = unit_retirement_preview(&mut tx, facility, unit, now).await?;
    if affected.residents > 0 {
        return Err(StoreError::Conflict(
            Message::new("error-unit-has-residents").with("count", affected.residents),
        ));
    }
    for v in &affected.visits {
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
    sqlx::query(
        "UPDATE kiosks SET retired_at = $1, device_key_hash = NULL \
         WHERE housing_unit_id = $2 AND retired_at IS NULL",
    )
    .bind(secs(now))
    .bind(unit.0)
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE housing_units SET retired_at = $1 WHERE id = $2")
        .bind(secs(now))
        .bind(unit.0)
        .execute(&mut *tx)
        .await?;
    let detail = serde_json::json!({
        "name": name,
        "reason": reason,
        "cancelled_visits": affected.visits.iter().map(|v| v.id.0).collect::<Vec<_>>(),
    });
    append_audit(
        &mut tx,
        &audit(
            facility,
            Some(actor),
            "unit.retire",
            format!("unit:{unit}"),
            &detail,
            now,
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(affected.visits)
}
