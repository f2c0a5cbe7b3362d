//! Kiosk devices: the secret key a kiosk browser proves itself with, and what a kiosk
//! shows between visits (R6). Only a SHA-256 of each key is stored; a key is shown
//! once, when it is issued.

use jiff::Timestamp;
use openvisit_core::facility::VisitKind;
use openvisit_core::{FacilityId, HousingUnitId, KioskId, ResidentId, VisitId};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};

use crate::db::Db;
use crate::error::StoreError;
use crate::places::KioskKind;
use crate::time::{from_secs, secs};

/// A kiosk as its device sees itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KioskDevice {
    pub id: KioskId,
    pub facility: FacilityId,
    pub kind: KioskKind,
    /// The housing unit of a housing kiosk; `None` for a lobby kiosk.
    pub housing_unit: Option<HousingUnitId>,
    pub name: String,
    /// The facility's IANA zone, to show times in.
    pub facility_time_zone: String,
}

/// The next visit a kiosk shows: the resident's first name and last initial only,
/// never the booking number or the visitor (R6; others in the unit can see it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct KioskVisit {
    pub visit: VisitId,
    pub resident: ResidentId,
    /// "Maria G."
    pub resident_name: String,
    #[schema(value_type = String, format = DateTime)]
    pub start: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub end: Timestamp,
    pub kind: VisitKind,
    pub privileged: bool,
}

fn random_key() -> Result<String, StoreError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| StoreError::Operator(format!("no randomness: {e}")))?;
    Ok(hex::encode(bytes))
}

fn key_hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// Gives a kiosk a new random key, replacing the old one (which stops working at
/// once). Returns the key; only its hash is kept.
pub async fn issue_kiosk_key(db: &Db, kiosk: KioskId) -> Result<String, StoreError> {
    let mut conn = db.pool.acquire().await?;
    set_kiosk_key(&mut conn, kiosk).await
}

/// `issue_kiosk_key` inside an open transaction.
pub(crate) async fn set_kiosk_key(
    conn: &mut AnyConnection,
    kiosk: KioskId,
) -> Result<String, StoreError> {
    let key = random_key()?;
    let changed = sqlx::query("UPDATE kiosks SET device_key_hash = $1 WHERE id = $2")
        .bind(key_hash(&key))
        .bind(kiosk.0)
        .execute(conn)
        .await?
        .rows_affected();
    if changed == 0 {
        return Err(StoreError::NotFound("kiosk"));
    }
    Ok(key)
}

fn kind_from(s: &str) -> Result<KioskKind, StoreError> {
    match s {
        "housing" => Ok(KioskKind::Housing),
        "lobby" => Ok(KioskKind::Lobby),
        other => Err(StoreError::Corrupt(format!("kiosk kind {other}"))),
    }
}

/// The kiosk a key belongs to, or `None` for an unknown or replaced key.
pub async fn kiosk_by_key(db: &Db, key: &str) -> Result<Option<KioskDevice>, StoreError> {
    let key = key.trim();
    if key.is_empty() {
        return Ok(None);
    }
    let row = sqlx::query(
        "SELECT k.id, k.facility_id, k.kind, k.housing_unit_id, k.name, f.time_zone \
         FROM kiosks k JOIN facilities f ON f.id = k.facility_id \
         WHERE k.device_key_hash = $1 AND k.retired_at IS NULL",
    )
    .bind(key_hash(key))
    .fetch_optional(&db.pool)
    .await?;
    let Some(r) = row else { return Ok(None) };
    let kind: String = r.try_get("kind")?;
    Ok(Some(KioskDevice {
        id: KioskId(r.try_get("id")?),
        facility: FacilityId(r.try_get("facility_id")?),
        kind: kind_from(&kind)?,
        housing_unit: r
            .try_get::<Option<i64>, _>("housing_unit_id")?
            .map(HousingUnitId),
        name: r.try_get("name")?,
        facility_time_zone: r.try_get("time_zone")?,
    }))
}

/// What a kiosk may show of a name: the first name and the last name's initial.
/// "Maria Garcia" → "Maria G."; a roster's "Garcia, Maria" → "Maria G."; "Maria" → "Maria".
pub fn first_name_and_initial(full_name: &str) -> String {
    let (first, last) = match full_name.split_once(',') {
        Some((last, rest)) => (
            rest.split_whitespace().next(),
            last.split_whitespace().next(),
        ),
        None => {
            let mut words = full_name.split_whitespace();
            let first = words.next();
            (first, words.last())
        }
    };
    let first = first.unwrap_or_default();
    match last.and_then(|l| l.chars().next()) {
        Some(initial) if !first.is_empty() => {
            format!("{first} {}.", initial.to_uppercase())
        }
        Some(initial) => format!("{}.", initial.to_uppercase()),
        None => first.to_owned(),
    }
}

/// The earliest booked visit on a kiosk that has not ended by `now` (it may be under
/// way): on its housing kiosk, or on its lobby kiosk for a lobby kiosk.
pub async fn next_visit_for_kiosk(
    db: &Db,
    kiosk: KioskId,
    now: Timestamp,
) -> Result<Option<KioskVisit>, StoreError> {
    let mut conn = db.pool.acquire().await?;
    let kind: String = sqlx::query("SELECT kind FROM kiosks WHERE id = $1")
        .bind(kiosk.0)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound("kiosk"))?
        .try_get("kind")?;
    let sql = match kind_from(&kind)? {
        KioskKind::Housing => {
            "SELECT v.id, v.resident_id, v.start_at, v.end_at, v.kind, v.privileged, r.full_name \
             FROM visits v JOIN residents r ON r.id = v.resident_id \
             WHERE v.housing_kiosk_id = $1 AND v.status = 'booked' AND v.end_at > $2 \
             ORDER BY v.start_at, v.id LIMIT 1"
        }
        KioskKind::Lobby => {
            "SELECT v.id, v.resident_id, v.start_at, v.end_at, v.kind, v.privileged, r.full_name \
             FROM visits v JOIN residents r ON r.id = v.resident_id \
             WHERE v.lobby_kiosk_id = $1 AND v.status = 'booked' AND v.end_at > $2 \
             ORDER BY v.start_at, v.id LIMIT 1"
        }
    };
    let row = sqlx::query(sql)
        .bind(kiosk.0)
        .bind(secs(now))
        .fetch_optional(&mut *conn)
        .await?;
    let Some(r) = row else { return Ok(None) };
    let kind: String = r.try_get("kind")?;
    let full_name: String = r.try_get("full_name")?;
    Ok(Some(KioskVisit {
        visit: VisitId(r.try_get("id")?),
        resident: ResidentId(r.try_get("resident_id")?),
        resident_name: first_name_and_initial(&full_name),
        start: from_secs(r.try_get("start_at")?)?,
        end: from_secs(r.try_get("end_at")?)?,
        kind: VisitKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("kind {kind}")))?,
        privileged: r.try_get::<i64, _>("privileged")? != 0,
    }))
}

/// A facility's kiosk by its name.
pub async fn kiosk_by_name(
    db: &Db,
    facility: FacilityId,
    name: &str,
) -> Result<Option<KioskId>, StoreError> {
    let row = sqlx::query("SELECT id FROM kiosks WHERE facility_id = $1 AND name = $2")
        .bind(facility.0)
        .bind(name.trim())
        .fetch_optional(&db.pool)
        .await?;
    row.map(|r| Ok(KioskId(r.try_get("id")?))).transpose()
}

#[cfg(test)]
mod tests {
    use super::first_name_and_initial;

    #[test]
    fn kiosks_show_first_name_and_initial_only() {
        assert_eq!(first_name_and_initial("Maria Garcia"), "Maria G.");
        assert_eq!(first_name_and_initial("  Ana  Lucía  díaz "), "Ana D.");
        assert_eq!(first_name_and_initial("Smith, John"), "John S.");
        assert_eq!(first_name_and_initial("Cher"), "Cher");
        assert_eq!(first_name_and_initial(""), "");
    }
}
