//! Applying a roster import in one transaction: adds, moves and releases. A resident
//! who moves to another unit keeps each future visit that falls in the new unit's
//! visiting hours and for which one of its kiosks is free (with the facility's gap); the others are cancelled by the
//! facility with a full refund, as are all future visits of a released resident.
//! Importing the same roster twice changes nothing.

use openvisit_core::message::Message;
use std::collections::HashMap;

use jiff::Timestamp;
use openvisit_core::interval::Interval;
use openvisit_core::refund::CancelledBy;
use openvisit_core::roster::RosterEntry;
use openvisit_core::{AccountId, FacilityId, HousingUnitId, KioskId, ResidentId, VisitId};
use serde::Serialize;
use sqlx::{AnyConnection, Row};

use crate::audit::{Audit, append_audit};
use crate::cancel::cancel_in_tx;
use crate::claims::claim;
use crate::db::Db;
use crate::error::StoreError;
use crate::places::unit_by_name;
use crate::residents::{all_residents, create_resident};
use crate::time::{from_secs, secs};
use crate::visits::SystemReason;

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RosterChanges {
    pub added: Vec<String>,
    pub moved: Vec<String>,
    pub released: Vec<String>,
    pub unchanged: usize,
    pub cancelled_visits: Vec<VisitId>,
    /// Visits of moved residents that now use a kiosk of their new unit.
    pub kept_visits: Vec<VisitId>,
}

async fn cancel_future(
    conn: &mut AnyConnection,
    resident: ResidentId,
    actor: Option<AccountId>,
    reason: SystemReason,
    now: Timestamp,
) -> Result<Vec<VisitId>, StoreError> {
    let rows = sqlx::query(
        "SELECT id FROM visits WHERE resident_id = $1 AND status = 'booked' AND start_at > $2",
    )
    .bind(resident.0)
    .bind(secs(now))
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::new();
    for r in rows {
        let id = VisitId(r.try_get("id")?);
        cancel_in_tx(conn, id, CancelledBy::Facility, actor, reason, now).await?;
        out.push(id);
    }
    Ok(out)
}

/// Moves a resident's future visits to a free kiosk of `unit`, else cancels them (full
/// refund). Returns (kept, cancelled).
async fn rehome_future(
    conn: &mut AnyConnection,
    facility: &crate::facilities::Facility,
    resident: ResidentId,
    unit: HousingUnitId,
    actor: Option<AccountId>,
    now: Timestamp,
) -> Result<(Vec<VisitId>, Vec<VisitId>), StoreError> {
    let gap_minutes = facility.settings.kiosk_gap_minutes;
    let tz = jiff::tz::TimeZone::get(&facility.time_zone)
        .map_err(|_| StoreError::Corrupt(format!("time zone {}", facility.time_zone)))?;
    let (hours, _) =
        crate::places::unit_and_lobby_hours(&mut *conn, facility.id, Some(unit)).await?;
    let rows = sqlx::query(
        "SELECT id, housing_kiosk_id, start_at, end_at FROM visits \
         WHERE resident_id = $1 AND status = 'booked' AND start_at > $2 ORDER BY start_at, id",
    )
    .bind(resident.0)
    .bind(secs(now))
    .fetch_all(&mut *conn)
    .await?;
    let kiosks: Vec<i64> = sqlx::query(
        "SELECT id FROM kiosks WHERE housing_unit_id = $1 AND retired_at IS NULL ORDER BY id",
    )
    .bind(unit.0)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| r.try_get("id"))
    .collect::<Result<_, _>>()?;
    let (mut kept, mut cancelled) = (Vec::new(), Vec::new());
    for r in rows {
        let id = VisitId(r.try_get("id")?);
        let old: i64 = r.try_get("housing_kiosk_id")?;
        let (start, end) = (
            from_secs(r.try_get("start_at")?)?,
            from_secs(r.try_get("end_at")?)?,
        );
        let on_kiosk = Interval::new(start, end).extended_by_minutes(gap_minutes);
        sqlx::query("DELETE FROM claims WHERE resource = $1 AND visit_id = $2")
            .bind(crate::claim_names::kiosk(KioskId(old)))
            .bind(id.0)
            .execute(&mut *conn)
            .await?;
        let mut placed = None;
        // A kiosk of the new unit counts only during that unit's visiting hours.
        let open = hours.contains(&tz, start, end);
        for k in kiosks.iter().filter(|_| open) {
            if claim(
                conn,
                &[&crate::claim_names::kiosk(KioskId(*k))],
                on_kiosk,
                id,
            )
            .await?
            {
                placed = Some(*k);
                break;
            }
        }
        match placed {
            Some(k) => {
                sqlx::query("UPDATE visits SET housing_kiosk_id = $1 WHERE id = $2")
                    .bind(k)
                    .bind(id.0)
                    .execute(&mut *conn)
                    .await?;
                kept.push(id);
            }
            None => {
                let reason = if open {
                    SystemReason::MovedNoKiosk
                } else {
                    SystemReason::MovedNoHours
                };
                cancel_in_tx(conn, id, CancelledBy::Facility, actor, reason, now).await?;
                cancelled.push(id);
            }
        }
    }
    Ok((kept, cancelled))
}

/// Applies `entries` as the facility's whole roster. With `dry_run`, nothing is kept.
pub async fn apply_roster(
    db: &Db,
    facility: FacilityId,
    entries: &[RosterEntry],
    actor: Option<AccountId>,
    dry_run: bool,
    now: Timestamp,
) -> Result<RosterChanges, StoreError> {
    let mut tx = db.begin_write().await?;
    let facility_row = crate::facilities::get_facility(&mut tx, facility).await?;
    let existing = all_residents(&mut tx, facility).await?;
    let by_number: HashMap<&str, _> = existing
        .iter()
        .map(|r| (r.booking_number.as_str(), r))
        .collect();
    let mut changes = RosterChanges::default();
    let mut units = HashMap::new();
    for e in entries {
        let unit = match units.get(&e.housing_unit) {
            Some(u) => *u,
            None => {
                let u = unit_by_name(&mut tx, facility, &e.housing_unit)
                    .await?
                    .ok_or_else(|| {
                        StoreError::Invalid(
                            Message::new("error-roster-unknown-unit")
                                .with("number", e.booking_number.as_str())
                                .with("unit", e.housing_unit.as_str()),
                        )
                    })?;
                units.insert(e.housing_unit.clone(), u);
                u
            }
        };
        match by_number.get(e.booking_number.as_str()) {
            None => {
                create_resident(&mut tx, facility, &e.booking_number, &e.full_name, unit).await?;
                changes.added.push(e.booking_number.clone());
            }
            Some(r) if r.unit != unit || !r.active => {
                // Change the row first: a booking racing with this import holds a share
                // lock on it, so this waits for that booking, and the cancel below sees it.
                sqlx::query("UPDATE residents SET housing_unit_id = $1, full_name = $2, status = 'active' WHERE id = $3")
                    .bind(unit.0)
                    .bind(&e.full_name)
                    .bind(r.id.0)
                    .execute(&mut *tx)
                    .await?;
                if r.unit != unit {
                    let (kept, cancelled) =
                        rehome_future(&mut tx, &facility_row, r.id, unit, actor, now).await?;
                    changes.kept_visits.extend(kept);
                    changes.cancelled_visits.extend(cancelled);
                }
                changes.moved.push(e.booking_number.clone());
            }
            Some(r) => {
                if r.full_name != e.full_name {
                    sqlx::query("UPDATE residents SET full_name = $1 WHERE id = $2")
                        .bind(&e.full_name)
                        .bind(r.id.0)
                        .execute(&mut *tx)
                        .await?;
                }
                changes.unchanged += 1;
            }
        }
    }
    let listed: std::collections::HashSet<&str> =
        entries.iter().map(|e| e.booking_number.as_str()).collect();
    for r in existing
        .iter()
        .filter(|r| r.active && !listed.contains(r.booking_number.as_str()))
    {
        sqlx::query("UPDATE residents SET status = 'released' WHERE id = $1")
            .bind(r.id.0)
            .execute(&mut *tx)
            .await?;
        let cancelled = cancel_future(&mut tx, r.id, actor, SystemReason::Released, now).await?;
        changes.cancelled_visits.extend(cancelled);
        changes.released.push(r.booking_number.clone());
    }
    if dry_run {
        tx.rollback().await?;
        return Ok(changes);
    }
    append_audit(
        &mut tx,
        &Audit {
            at: now,
            actor,
            facility: Some(facility),
            action: "roster.import",
            subject: format!("facility:{facility}"),
            detail: serde_json::json!({
                "added": changes.added.len(),
                "moved": changes.moved.len(),
                "released": changes.released.len(),
                "cancelled_visits": changes.cancelled_visits.len(),
                "kept_visits": changes.kept_visits.len(),
            })
            .to_string(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(changes)
}
