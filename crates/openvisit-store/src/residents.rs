//! Residents (people in custody).

use openvisit_core::{FacilityId, HousingUnitId, ResidentId};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::error::StoreError;

#[derive(Debug, Clone, Serialize)]
pub struct Resident {
    pub id: ResidentId,
    pub facility: FacilityId,
    pub booking_number: String,
    pub full_name: String,
    pub unit: HousingUnitId,
    pub active: bool,
}

fn resident_from_row(r: &AnyRow) -> Result<Resident, StoreError> {
    Ok(Resident {
        id: ResidentId(r.try_get("id")?),
        facility: FacilityId(r.try_get("facility_id")?),
        booking_number: r.try_get("booking_number")?,
        full_name: r.try_get("full_name")?,
        unit: HousingUnitId(r.try_get("housing_unit_id")?),
        active: r.try_get::<String, _>("status")? == "active",
    })
}

pub async fn create_resident(
    conn: &mut AnyConnection,
    facility: FacilityId,
    booking_number: &str,
    full_name: &str,
    unit: HousingUnitId,
) -> Result<ResidentId, StoreError> {
    let row = sqlx::query(
        "INSERT INTO residents (facility_id, booking_number, full_name, housing_unit_id, status) \
         VALUES ($1, $2, $3, $4, 'active') RETURNING id",
    )
    .bind(facility.0)
    .bind(booking_number)
    .bind(full_name)
    .bind(unit.0)
    .fetch_one(conn)
    .await?;
    Ok(ResidentId(row.try_get("id")?))
}

pub async fn get_resident(
    conn: &mut AnyConnection,
    id: ResidentId,
) -> Result<Resident, StoreError> {
    let row = sqlx::query("SELECT * FROM residents WHERE id = $1")
        .bind(id.0)
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound("resident"))?;
    resident_from_row(&row)
}

pub async fn all_residents(
    conn: &mut AnyConnection,
    facility: FacilityId,
) -> Result<Vec<Resident>, StoreError> {
    let rows = sqlx::query("SELECT * FROM residents WHERE facility_id = $1 ORDER BY id")
        .bind(facility.0)
        .fetch_all(conn)
        .await?;
    rows.iter().map(resident_from_row).collect()
}

/// One resident as a visitor's search shows them, before any approval: a name match
/// shows only the first name and last initial (as a kiosk does); the full name and the
/// booking number only when the visitor typed that booking number exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResidentMatch {
    pub id: ResidentId,
    pub name: String,
    pub booking_number: Option<String>,
}

/// The most matches one search answers.
pub const SEARCH_LIMIT: i64 = 20;

/// Active residents of a facility whose name contains, or booking number equals,
/// `query` (at least two letters or digits; `%` and `_` are plain characters).
pub async fn search_residents(
    conn: &mut AnyConnection,
    facility: FacilityId,
    query: &str,
) -> Result<Vec<ResidentMatch>, StoreError> {
    let q = query.trim().to_lowercase();
    if q.chars().filter(|c| c.is_alphanumeric()).count() < 2 {
        return Err(StoreError::invalid("error-search-short"));
    }
    let escaped = q
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    let rows = sqlx::query(
        "SELECT * FROM residents WHERE facility_id = $1 AND status = 'active' \
         AND (LOWER(full_name) LIKE $2 ESCAPE '\\' OR LOWER(booking_number) = $3) \
         ORDER BY full_name LIMIT $4",
    )
    .bind(facility.0)
    .bind(format!("%{escaped}%"))
    .bind(&q)
    .bind(SEARCH_LIMIT)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(resident_from_row)
        .map(|r| {
            r.map(|r| {
                if r.booking_number.to_lowercase() == q {
                    ResidentMatch {
                        id: r.id,
                        name: r.full_name,
                        booking_number: Some(r.booking_number),
                    }
                } else {
                    ResidentMatch {
                        id: r.id,
                        name: crate::kiosks::first_name_and_initial(&r.full_name),
                        booking_number: None,
                    }
                }
            })
        })
        .collect()
}
