//! Applying a roster import in one transaction: adds, moves and releases. A resident
//! who leaves, or moves to another unit, loses future visits on the old unit's kiosks;
//! those are cancelled by the facility with a full refund. Importing the same roster
//! twice changes nothing.

use std::collections::HashMap;

use jiff::Timestamp;
use openvisit_core::refund::CancelledBy;
use openvisit_core::roster::RosterEntry;
use openvisit_core::{AccountId, FacilityId, ResidentId, VisitId};
use serde::Serialize;
use sqlx::{AnyConnection, Row};

use crate::audit::{Audit, append_audit};
use crate::cancel::cancel_in_tx;
use crate::db::Db;
use crate::error::StoreError;
use crate::places::unit_by_name;
use crate::residents::{all_residents, create_resident};
use crate::time::secs;

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RosterChanges {
    pub added: Vec<String>,
    pub moved: Vec<String>,
    pub released: Vec<String>,
    pub unchanged: usize,
    pub cancelled_visits: Vec<VisitId>,
}

async fn cancel_future(
    conn: &mut AnyConnection,
    resident: ResidentId,
    actor: Option<AccountId>,
    reason: &str,
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
                let u = unit_by_name(&mut tx, facility, &e.housing_unit).await?.ok_or_else(|| {
                    StoreError::Invalid(format!(
                        "booking number {}: there is no housing unit named {:?}; create it first",
                        e.booking_number, e.housing_unit
                    ))
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
                    let cancelled =
                        cancel_future(&mut tx, r.id, actor, "moved to another housing unit", now)
                            .await?;
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
        let cancelled =
            cancel_future(&mut tx, r.id, actor, "released from the facility", now).await?;
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
            })
            .to_string(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(changes)
}
