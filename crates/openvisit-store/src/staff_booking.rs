//! Staff book for a family (a phone call, a walk-in at the lobby): the same
//! `book_visit` as the website — the same rules, claims and ledger, charged to the
//! family's balance — with the facility's rules read to them if they have not accepted
//! them yet, and an audit line naming the staff member who booked.

use jiff::Timestamp;
use openvisit_core::{AccountId, FacilityId};
use sqlx::Row;

use crate::audit::append_audit;
use crate::booking::{Booked, BookingRequest, book_visit};
use crate::db::Db;
use crate::error::StoreError;
use crate::residents::get_resident;
use crate::rules::{accept_rules, rules_owed};
use crate::setup::audit;

/// Books `req` for the family at `facility` as staff member `staff`. `rules_read` says
/// staff read the facility's rules to the family and they agreed, which records their
/// acceptance when it is owed; without it an owed acceptance refuses the booking.
pub async fn book_for_family(
    db: &Db,
    staff: AccountId,
    facility: FacilityId,
    req: &BookingRequest,
    rules_read: bool,
    idempotency_key: Option<&str>,
    now: Timestamp,
) -> Result<Booked, StoreError> {
    let mut conn = db.pool.acquire().await?;
    // Another facility's resident is not found here.
    if get_resident(&mut conn, req.resident).await?.facility != facility {
        return Err(StoreError::NotFound("resident"));
    }
    let owed = rules_owed(&mut conn, req.visitor, req.resident).await?;
    if owed.is_some() {
        if !rules_read {
            return Err(StoreError::conflict("error-rules-not-read"));
        }
        let revision: i64 = sqlx::query("SELECT rules_revision FROM facilities WHERE id = $1")
            .bind(facility.0)
            .fetch_one(&mut *conn)
            .await?
            .try_get("rules_revision")?;
        drop(conn);
        accept_rules(db, req.visitor, facility, revision, now).await?;
        let mut tx = db.begin_write().await?;
        let detail = serde_json::json!({ "visitor": req.visitor.0, "revision": revision });
        let subject = format!("account:{}", req.visitor);
        let line = audit(
            facility,
            Some(staff),
            "rules.read_by_staff",
            subject,
            &detail,
            now,
        );
        append_audit(&mut tx, &line).await?;
        tx.commit().await?;
    } else {
        drop(conn);
    }
    let booked = book_visit(db, req, idempotency_key, now).await?;
    if let Booked::New(v) = &booked {
        let mut tx = db.begin_write().await?;
        let detail = serde_json::json!({ "visitor": req.visitor.0, "start": v.start.to_string() });
        let line = audit(
            facility,
            Some(staff),
            "visit.booked_by_staff",
            format!("visit:{}", v.id),
            &detail,
            now,
        );
        append_audit(&mut tx, &line).await?;
        tx.commit().await?;
    }
    Ok(booked)
}
