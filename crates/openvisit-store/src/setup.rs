//! Setting a facility up: housing units, kiosks and visiting hours. Every change is one
//! transaction with an audit line (R16).

use jiff::Timestamp;
use openvisit_core::message::Message;
use openvisit_core::{AccountId, FacilityId, HousingUnitId, KioskId};
use serde::Serialize;
use sqlx::{AnyConnection, Row};

use crate::audit::{Audit, append_audit};
use crate::db::Db;
use crate::error::StoreError;
use crate::places::{add_hours, create_kiosk, create_unit, unit_and_lobby_hours};

pub(crate) fn audit(
    facility: FacilityId,
    actor: Option<AccountId>,
    action: &'static str,
    subject: String,
    detail: &serde_json::Value,
    now: Timestamp,
) -> Audit {
    Audit {
        at: now,
        actor,
        facility: Some(facility),
        action,
        subject,
        detail: detail.to_string(),
    }
}

pub(crate) fn named_conflict(e: StoreError, what: &str, name: &str) -> StoreError {
    if e.is_unique_violation() {
        StoreError::Conflict(
            Message::new("error-name-taken")
                .with("what", what)
                .with("name", name),
        )
    } else {
        e
    }
}

async fn unit_of_facility(
    conn: &mut AnyConnection,
    facility: FacilityId,
    unit: HousingUnitId,
) -> Result<(), StoreError> {
    let row =
        sqlx::query("SELECT facility_id FROM housing_units WHERE id = $1 AND retired_at IS NULL")
            .bind(unit.0)
            .fetch_optional(conn)
            .await?;
    match row {
        Some(r) if r.try_get::<i64, _>("facility_id")? == facility.0 => Ok(()),
        _ => Err(StoreError::NotFound("housing unit")),
    }
}

pub(crate) fn check_name(name: &str) -> Result<&str, StoreError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(StoreError::invalid("error-name-length"));
    }
    Ok(name)
}

pub async fn add_unit(
    db: &Db,
    facility: FacilityId,
    name: &str,
    actor: Option<AccountId>,
    now: Timestamp,
) -> Result<HousingUnitId, StoreError> {
    let name = check_name(name)?;
    let mut tx = db.begin_write().await?;
    let id = create_unit(&mut tx, facility, name)
        .await
        .map_err(|e| named_conflict(e, "unit", name))?;
    append_audit(
        &mut tx,
        &audit(
            facility,
            actor,
            "unit.add",
            format!("unit:{id}"),
            &serde_json::json!({ "name": name }),
            now,
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Adds a kiosk to a housing unit, or to the lobby when `unit` is `None`.
pub async fn add_kiosk(
    db: &Db,
    facility: FacilityId,
    unit: Option<HousingUnitId>,
    name: &str,
    actor: Option<AccountId>,
    now: Timestamp,
) -> Result<KioskId, StoreError> {
    let name = check_name(name)?;
    let mut tx = db.begin_write().await?;
    if let Some(u) = unit {
        unit_of_facility(&mut tx, facility, u).await?;
    }
    let id = create_kiosk(&mut tx, facility, unit, name)
        .await
        .map_err(|e| named_conflict(e, "kiosk", name))?;
    append_audit(
        &mut tx,
        &audit(
            facility,
            actor,
            "kiosk.add",
            format!("kiosk:{id}"),
            &serde_json::json!({ "name": name, "unit": unit.map(|u| u.0) }),
            now,
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Replaces the weekly hours of a unit (or the lobby): (weekday 1–7, open, close minute).
pub async fn set_hours(
    db: &Db,
    facility: FacilityId,
    unit: Option<HousingUnitId>,
    windows: &[(i8, u32, u32)],
    actor: Option<AccountId>,
    now: Timestamp,
) -> Result<(), StoreError> {
    let mut tx = db.begin_write().await?;
    crate::facilities::config_changed(&mut tx, facility).await?;
    match unit {
        Some(u) => {
            unit_of_facility(&mut tx, facility, u).await?;
            sqlx::query("DELETE FROM visiting_hours WHERE housing_unit_id = $1")
                .bind(u.0)
                .execute(&mut *tx)
                .await?;
        }
        None => {
            sqlx::query(
                "DELETE FROM visiting_hours WHERE facility_id = $1 AND housing_unit_id IS NULL",
            )
            .bind(facility.0)
            .execute(&mut *tx)
            .await?;
        }
    }
    for (weekday, open, close) in windows {
        add_hours(&mut tx, facility, unit, *weekday, *open, *close).await?;
    }
    append_audit(
        &mut tx,
        &audit(
            facility,
            actor,
            "hours.set",
            unit.map_or("lobby".to_owned(), |u| format!("unit:{u}")),
            &serde_json::json!({ "windows": windows }),
            now,
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A unit (or the lobby) as staff see it when setting up.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitLayout {
    /// `None` for the lobby.
    pub id: Option<HousingUnitId>,
    pub name: String,
    pub kiosks: Vec<KioskLayout>,
    /// e.g. "Monday 08:00–11:30", facility time.
    pub visiting_hours: Vec<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct KioskLayout {
    pub id: KioskId,
    pub name: String,
}

/// Every unit with its kiosks and hours, then the lobby.
pub async fn layout(
    conn: &mut AnyConnection,
    facility: FacilityId,
) -> Result<Vec<UnitLayout>, StoreError> {
    let kiosk_rows = sqlx::query(
        "SELECT id, housing_unit_id, name FROM kiosks WHERE facility_id = $1 \
         AND retired_at IS NULL ORDER BY id",
    )
    .bind(facility.0)
    .fetch_all(&mut *conn)
    .await?;
    let mut kiosks = Vec::new();
    for r in &kiosk_rows {
        kiosks.push((
            r.try_get::<Option<i64>, _>("housing_unit_id")?,
            KioskLayout {
                id: KioskId(r.try_get("id")?),
                name: r.try_get("name")?,
            },
        ));
    }
    let mut units: Vec<(Option<HousingUnitId>, String)> = crate::places::list_units(conn, facility)
        .await?
        .into_iter()
        .map(|u| (Some(u.id), u.name))
        .collect();
    units.push((None, "Lobby".to_owned()));
    let mut out = Vec::new();
    for (id, name) in units {
        let (unit_hours, lobby_hours) = unit_and_lobby_hours(conn, facility, id).await?;
        let hours = if id.is_some() {
            unit_hours
        } else {
            lobby_hours
        };
        out.push(UnitLayout {
            id,
            name,
            kiosks: kiosks
                .iter()
                .filter(|(u, _)| *u == id.map(|x| x.0))
                .map(|(_, k)| k.clone())
                .collect(),
            visiting_hours: hours
                .windows
                .iter()
                .map(|w| {
                    let close = if w.close == jiff::civil::Time::MAX {
                        "24:00".to_owned()
                    } else {
                        w.close.strftime("%H:%M").to_string()
                    };
                    format!("{:?} {}–{close}", w.weekday, w.open.strftime("%H:%M"))
                })
                .collect(),
        });
    }
    Ok(out)
}
