//! What a booking asks for and answers, the idempotency replay, and the approval row
//! read that admits it: shared by the booking writer and `booking::book_visit`.

use jiff::Timestamp;
use openvisit_core::facility::VisitKind;
use openvisit_core::{AccountId, FacilityId, HousingUnitId, ResidentId, VisitId};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};

use crate::error::StoreError;
use crate::visits::{Visit, get_visit};

/// A visitor's request for a visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingRequest {
    pub visitor: AccountId,
    pub resident: ResidentId,
    pub kind: VisitKind,
    pub start: Timestamp,
    pub length_minutes: u32,
}

impl BookingRequest {
    pub(crate) fn fingerprint(&self) -> String {
        let text = format!(
            "{}|{}|{}|{}|{}",
            self.visitor,
            self.resident,
            self.kind.as_str(),
            self.start.as_second(),
            self.length_minutes
        );
        hex::encode(Sha256::digest(text.as_bytes()))
    }
}

/// What booking answers: a new visit, or the one an earlier request with the same
/// idempotency key made.
#[derive(Debug, Clone)]
pub enum Booked {
    New(Visit),
    Replayed(Visit),
}

impl Booked {
    pub fn visit(&self) -> &Visit {
        match self {
            Booked::New(v) | Booked::Replayed(v) => v,
        }
    }
}

pub(crate) async fn replay(
    conn: &mut AnyConnection,
    req: &BookingRequest,
    key: &str,
) -> Result<Option<Visit>, StoreError> {
    let row = sqlx::query(
        "SELECT request_hash, body FROM idempotency WHERE account_id = $1 AND idem_key = $2",
    )
    .bind(req.visitor.0)
    .bind(key)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let hash: String = row.try_get("request_hash")?;
    if hash != req.fingerprint() {
        return Err(StoreError::IdempotencyMismatch);
    }
    let body: String = row.try_get("body")?;
    let id: i64 = body
        .parse()
        .map_err(|_| StoreError::Corrupt("idempotency body".into()))?;
    Ok(Some(get_visit(conn, VisitId(id)).await?))
}

/// The resident's facility and unit, refusing a released resident or a visitor who
/// is not approved for them: what the booking writer answers when a batch's locked read
/// (`booking_batch::plan`, which takes the share locks on PostgreSQL) found no approval
/// row for the pair.
pub(crate) async fn resident_for_booking(
    conn: &mut AnyConnection,
    req: &BookingRequest,
) -> Result<(FacilityId, HousingUnitId, bool), StoreError> {
    let row = sqlx::query(
        "SELECT r.facility_id, r.housing_unit_id, r.status, a.status AS approval, \
         a.privileged AS privileged \
         FROM residents r LEFT JOIN approvals a ON a.resident_id = r.id AND a.visitor_id = $2 \
         WHERE r.id = $1",
    )
    .bind(req.resident.0)
    .bind(req.visitor.0)
    .fetch_optional(conn)
    .await?
    .ok_or(StoreError::NotFound("resident"))?;
    booking_row(&row)
}

/// The resident's facility and unit, and whether the approval is privileged (attorney).
pub(crate) fn booking_row(
    row: &sqlx::any::AnyRow,
) -> Result<(FacilityId, HousingUnitId, bool), StoreError> {
    if row.try_get::<String, _>("status")? != "active" {
        return Err(StoreError::invalid("error-resident-gone"));
    }
    if row.try_get::<Option<String>, _>("approval")?.as_deref() != Some("approved") {
        return Err(StoreError::Forbidden);
    }
    Ok((
        FacilityId(row.try_get("facility_id")?),
        HousingUnitId(row.try_get("housing_unit_id")?),
        row.try_get::<Option<i64>, _>("privileged")?.unwrap_or(0) != 0,
    ))
}
