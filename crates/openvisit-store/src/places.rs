//! Housing units, kiosks and visiting hours.

use jiff::civil::{Time, Weekday};
use openvisit_core::hours::{HoursWindow, WeeklyHours};
use openvisit_core::{FacilityId, HousingUnitId, KioskId};
use serde::Serialize;
use sqlx::{AnyConnection, Row};

use crate::error::StoreError;
use crate::facilities::config_changed;

/// Where a kiosk stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KioskKind {
    Housing,
    Lobby,
}

impl KioskKind {
    fn as_str(self) -> &'static str {
        match self {
            KioskKind::Housing => "housing",
            KioskKind::Lobby => "lobby",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct HousingUnit {
    pub id: HousingUnitId,
    pub name: String,
}

pub async fn create_unit(
    conn: &mut AnyConnection,
    facility: FacilityId,
    name: &str,
) -> Result<HousingUnitId, StoreError> {
    let row =
        sqlx::query("INSERT INTO housing_units (facility_id, name) VALUES ($1, $2) RETURNING id")
            .bind(facility.0)
            .bind(name)
            .fetch_one(conn)
            .await?;
    Ok(HousingUnitId(row.try_get("id")?))
}

pub async fn unit_by_name(
    conn: &mut AnyConnection,
    facility: FacilityId,
    name: &str,
) -> Result<Option<HousingUnitId>, StoreError> {
    let row = sqlx::query(
        "SELECT id FROM housing_units WHERE facility_id = $1 AND name = $2 AND retired_at IS NULL",
    )
    .bind(facility.0)
    .bind(name)
    .fetch_optional(conn)
    .await?;
    Ok(match row {
        Some(r) => Some(HousingUnitId(r.try_get("id")?)),
        None => None,
    })
}

pub async fn list_units(
    conn: &mut AnyConnection,
    facility: FacilityId,
) -> Result<Vec<HousingUnit>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, name FROM housing_units WHERE facility_id = $1 AND retired_at IS NULL \
             ORDER BY name",
    )
    .bind(facility.0)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(HousingUnit {
                id: HousingUnitId(r.try_get("id")?),
                name: r.try_get("name")?,
            })
        })
        .collect()
}

pub async fn create_kiosk(
    conn: &mut AnyConnection,
    facility: FacilityId,
    unit: Option<HousingUnitId>,
    name: &str,
) -> Result<KioskId, StoreError> {
    let kind = if unit.is_some() {
        KioskKind::Housing
    } else {
        KioskKind::Lobby
    };
    let row = sqlx::query(
        "INSERT INTO kiosks (facility_id, housing_unit_id, kind, name) VALUES ($1, $2, $3, $4) \
         RETURNING id",
    )
    .bind(facility.0)
    .bind(unit.map(|u| u.0))
    .bind(kind.as_str())
    .bind(name)
    .fetch_one(&mut *conn)
    .await?;
    config_changed(conn, facility).await?;
    Ok(KioskId(row.try_get("id")?))
}

/// The kiosks of a housing unit, or the lobby kiosks when `unit` is `None`, by id.
pub async fn kiosks(
    conn: &mut AnyConnection,
    facility: FacilityId,
    unit: Option<HousingUnitId>,
) -> Result<Vec<KioskId>, StoreError> {
    let rows = match unit {
        Some(u) => sqlx::query(
            "SELECT id FROM kiosks WHERE housing_unit_id = $1 AND retired_at IS NULL ORDER BY id",
        )
        .bind(u.0)
        .fetch_all(conn)
        .await?,
        None => {
            sqlx::query(
                "SELECT id FROM kiosks WHERE facility_id = $1 AND kind = 'lobby' \
                 AND retired_at IS NULL ORDER BY id",
            )
            .bind(facility.0)
            .fetch_all(conn)
            .await?
        }
    };
    rows.iter().map(|r| Ok(KioskId(r.try_get("id")?))).collect()
}

/// Adds an opening: `weekday` 1 = Monday … 7 = Sunday, minutes after local midnight.
pub async fn add_hours(
    conn: &mut AnyConnection,
    facility: FacilityId,
    unit: Option<HousingUnitId>,
    weekday: i8,
    open_minute: u32,
    close_minute: u32,
) -> Result<(), StoreError> {
    if !(1..=7).contains(&weekday) || open_minute >= close_minute || close_minute > 24 * 60 {
        return Err(StoreError::invalid("error-hours"));
    }
    sqlx::query(
        "INSERT INTO visiting_hours (facility_id, housing_unit_id, weekday, open_minute, \
         close_minute) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(facility.0)
    .bind(unit.map(|u| u.0))
    .bind(i64::from(weekday))
    .bind(i64::from(open_minute))
    .bind(i64::from(close_minute))
    .execute(&mut *conn)
    .await?;
    config_changed(conn, facility).await
}

fn minute_to_time(m: i64) -> Result<Time, StoreError> {
    // 24:00 closes at the last representable instant of the day.
    if m >= 24 * 60 {
        return Ok(Time::MAX);
    }
    let hour = i8::try_from(m / 60).map_err(|_| StoreError::Corrupt(format!("minute {m}")))?;
    let minute = i8::try_from(m % 60).map_err(|_| StoreError::Corrupt(format!("minute {m}")))?;
    Time::new(hour, minute, 0, 0).map_err(|_| StoreError::Corrupt(format!("minute {m}")))
}

pub(crate) fn window_from_row(r: &sqlx::any::AnyRow) -> Result<HoursWindow, StoreError> {
    let wd: i64 = r.try_get("weekday")?;
    let weekday = i8::try_from(wd)
        .ok()
        .and_then(|w| Weekday::from_monday_one_offset(w).ok())
        .ok_or_else(|| StoreError::Corrupt(format!("weekday {wd}")))?;
    Ok(HoursWindow {
        weekday,
        open: minute_to_time(r.try_get("open_minute")?)?,
        close: minute_to_time(r.try_get("close_minute")?)?,
    })
}

/// The hours of a unit, or of the lobby when `unit` is `None`.
pub async fn hours(
    conn: &mut AnyConnection,
    facility: FacilityId,
    unit: Option<HousingUnitId>,
) -> Result<WeeklyHours, StoreError> {
    let (unit_hours, lobby_hours) = unit_and_lobby_hours(conn, facility, unit).await?;
    Ok(if unit.is_some() {
        unit_hours
    } else {
        lobby_hours
    })
}

/// A unit's hours and the lobby's, in one query.
pub async fn unit_and_lobby_hours(
    conn: &mut AnyConnection,
    facility: FacilityId,
    unit: Option<HousingUnitId>,
) -> Result<(WeeklyHours, WeeklyHours), StoreError> {
    let rows = sqlx::query(
        "SELECT housing_unit_id, weekday, open_minute, close_minute FROM visiting_hours \
         WHERE facility_id = $1 AND (housing_unit_id = $2 OR housing_unit_id IS NULL)",
    )
    .bind(facility.0)
    .bind(unit.map_or(-1, |u| u.0))
    .fetch_all(conn)
    .await?;
    let (mut unit_hours, mut lobby_hours) = (WeeklyHours::default(), WeeklyHours::default());
    for r in &rows {
        let window = window_from_row(r)?;
        match r.try_get::<Option<i64>, _>("housing_unit_id")? {
            Some(_) => unit_hours.windows.push(window),
            None => lobby_hours.windows.push(window),
        }
    }
    Ok((unit_hours, lobby_hours))
}

/// A unit's kiosks and the facility's lobby kiosks, each by id, in one query.
pub async fn unit_and_lobby_kiosks(
    conn: &mut AnyConnection,
    facility: FacilityId,
    unit: HousingUnitId,
) -> Result<(Vec<KioskId>, Vec<KioskId>), StoreError> {
    let rows = sqlx::query(
        "SELECT id, kind FROM kiosks WHERE facility_id = $1 \
         AND (housing_unit_id = $2 OR kind = 'lobby') AND retired_at IS NULL ORDER BY id",
    )
    .bind(facility.0)
    .bind(unit.0)
    .fetch_all(conn)
    .await?;
    let (mut housing, mut lobby) = (Vec::new(), Vec::new());
    for r in &rows {
        let id = KioskId(r.try_get("id")?);
        if r.try_get::<String, _>("kind")? == "lobby" {
            lobby.push(id);
        } else {
            housing.push(id);
        }
    }
    Ok((housing, lobby))
}
