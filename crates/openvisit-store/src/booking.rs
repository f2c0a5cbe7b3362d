//! Booking: the request, idempotency, and the claim helpers moving a visit uses too.
//! The booking transaction itself (rules, claims of 5-minute granules for every
//! resource the visit uses, the weekly count, the money) is in `booking_batch`. The
//! claims table's primary key decides who wins a race, on every backend.

use jiff::Timestamp;
use openvisit_core::availability::KioskCalendar;
use openvisit_core::availability::RuleViolation;
use openvisit_core::facility::VisitKind;
use openvisit_core::interval::Interval;
use openvisit_core::message::Message;
use openvisit_core::{AccountId, FacilityId, HousingUnitId, KioskId, ResidentId, VisitId};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use crate::db::Db;
use crate::error::StoreError;
use crate::schedule::ScheduleData;
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

/// Books a visit. The writes go through the database's booking writer, which
/// writes the bookings waiting at the same moment in one transaction
/// (`booking_batch`); a request seen before under the same idempotency key is answered
/// with its first result.
// Spans around database work, at debug level (off by default): with
// `RUST_LOG=info,openvisit_store=debug` each one's time is logged when it closes, inside
// the request's span (its id).
#[tracing::instrument(level = "debug", name = "db.book_visit", skip_all, fields(visitor = req.visitor.0, resident = req.resident.0))]
pub async fn book_visit(
    db: &Db,
    req: &BookingRequest,
    idempotency_key: Option<&str>,
    now: Timestamp,
) -> Result<Booked, StoreError> {
    let mut conn = db.pool.acquire().await?;
    if let Some(key) = idempotency_key
        && let Some(v) = replay(&mut conn, req, key).await?
    {
        return Ok(Booked::Replayed(v));
    }
    if let Some(facility) = crate::rules::rules_owed(&mut conn, req.visitor, req.resident).await? {
        return Err(StoreError::Conflict(
            Message::new("error-rules-not-accepted").with("id", facility.0),
        ));
    }
    drop(conn);
    match db.booking.book(req, idempotency_key, now).await {
        // A racing request with the same key (another server) committed first.
        Err(e) if e.is_unique_violation() && idempotency_key.is_some() => {
            let mut conn = db.pool.acquire().await?;
            match idempotency_key {
                Some(key) => replay(&mut conn, req, key)
                    .await?
                    .map(Booked::Replayed)
                    .ok_or(e),
                None => Err(e),
            }
        }
        other => other,
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

/// Inserts claims for each of `resources` over `interval` in one statement; false if
/// any granule is taken (what was inserted is removed again, so the transaction can go
/// on).
pub(crate) async fn claim(
    conn: &mut AnyConnection,
    resources: &[&str],
    interval: Interval,
    visit: VisitId,
) -> Result<bool, StoreError> {
    let granules: Vec<i64> = interval.granules().collect();
    let mut sorted = resources.to_vec();
    sorted.sort_unstable();
    // In key order (granule, resource), like the booking writer, so two writers
    // cannot deadlock.
    let rows: Vec<(i64, &str)> = granules
        .iter()
        .flat_map(|g| sorted.iter().map(move |r| (*g, *r)))
        .collect();
    let sql = format!(
        "INSERT INTO claims (resource, granule, visit_id) VALUES {} ON CONFLICT DO NOTHING",
        (0..rows.len())
            .map(|i| format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for (g, r) in &rows {
        q = q.bind(*r).bind(*g).bind(visit.0);
    }
    let inserted = q.execute(&mut *conn).await?.rows_affected();
    if inserted == (granules.len() * resources.len()) as u64 {
        return Ok(true);
    }
    for r in resources {
        sqlx::query("DELETE FROM claims WHERE resource = $1 AND visit_id = $2")
            .bind(*r)
            .bind(visit.0)
            .execute(&mut *conn)
            .await?;
    }
    Ok(false)
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

/// After a person claim failed: which of the two was busy.
pub(crate) async fn busy_person(
    conn: &mut AnyConnection,
    resident_key: &str,
    interval: Interval,
) -> Result<RuleViolation, StoreError> {
    let g = interval.granules();
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM claims WHERE resource = $1 AND granule >= $2 AND granule < $3",
    )
    .bind(resident_key)
    .bind(g.start)
    .bind(g.end)
    .fetch_one(conn)
    .await?;
    Ok(if row.try_get::<i64, _>("n")? > 0 {
        RuleViolation::ResidentBusy
    } else {
        RuleViolation::VisitorBusy
    })
}

/// Claims the kiosk the rule check chose, else the others in id order; the kiosk won.
pub(crate) async fn claim_first_free(
    conn: &mut AnyConnection,
    kiosks: &[KioskCalendar],
    first: KioskId,
    interval: Interval,
    visit: VisitId,
) -> Result<Option<KioskId>, StoreError> {
    let order =
        std::iter::once(first).chain(kiosks.iter().map(|k| k.kiosk).filter(|k| *k != first));
    for k in order {
        if claim(conn, &[&crate::claim_names::kiosk(k)], interval, visit).await? {
            return Ok(Some(k));
        }
    }
    Ok(None)
}

/// When the snapshot shows every kiosk taken: start the claims at the first kiosks and
/// let them decide (a person already busy gets the more precise answer first).
pub(crate) fn first_kiosks(
    data: &ScheduleData,
    kind: VisitKind,
) -> Result<openvisit_core::availability::Placement, RuleViolation> {
    let housing_kiosk = data
        .housing_kiosks
        .first()
        .map(|k| k.kiosk)
        .ok_or(RuleViolation::NoKioskFree)?;
    let lobby_kiosk = match kind {
        VisitKind::OnSite => Some(
            data.lobby_kiosks
                .first()
                .map(|k| k.kiosk)
                .ok_or(RuleViolation::NoLobbyKioskFree)?,
        ),
        VisitKind::Remote => None,
    };
    Ok(openvisit_core::availability::Placement {
        housing_kiosk,
        lobby_kiosk,
    })
}
