//! Booking a visit: the one entry point the pages, the API and staff booking share.
//! The transaction itself (rules, claims of 5-minute granules for every resource the
//! visit uses, the weekly count, the money, the email) is the booking writer's
//! (`booking_batch`), which the database owns so that bookings arriving together are
//! written together.

use jiff::Timestamp;
use openvisit_core::message::Message;

use crate::booking_batch::replay;
pub use crate::booking_batch::{Booked, BookingRequest};
use crate::db::Db;
use crate::error::StoreError;

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
