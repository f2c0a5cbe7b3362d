//! The support inbox (R7): answering contact-form questions (the sender gets the answer
//! by email), closing them, and goodwill credits staff give a visitor. Every action is
//! in the audit log (R16).

use jiff::Timestamp;
use openvisit_core::ledger::JournalEntry;
use openvisit_core::message::Message;
use openvisit_core::{AccountId, Cents, FacilityId};
use serde::Serialize;
use sqlx::{AnyConnection, Row};

use crate::accounts::Role;
use crate::audit::{Audit, append_audit};
use crate::db::Db;
use crate::error::StoreError;
use crate::ledger::{EntryRows, post_entry};
use crate::support_tickets::{SupportTicket, ticket_from_row};
use crate::time::{from_secs, secs};

/// The longest answer, in characters.
pub const MAX_REPLY_CHARS: usize = 5000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Reply {
    pub author: AccountId,
    pub body: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

/// A ticket this staff member may handle: their facility's, or a general one for the
/// support agents (`include_general`). Anything else does not exist for them.
pub async fn visible_ticket(
    conn: &mut AnyConnection,
    facility: FacilityId,
    include_general: bool,
    reference: &str,
) -> Result<SupportTicket, StoreError> {
    let row = sqlx::query("SELECT * FROM tickets WHERE reference = $1")
        .bind(reference.trim().to_uppercase())
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound("ticket"))?;
    let t = ticket_from_row(&row)?;
    match t.facility {
        Some(f) if f == facility => Ok(t),
        None if include_general => Ok(t),
        _ => Err(StoreError::NotFound("ticket")),
    }
}

pub async fn replies(conn: &mut AnyConnection, reference: &str) -> Result<Vec<Reply>, StoreError> {
    let rows = sqlx::query(
        "SELECT author_id, body, created_at FROM ticket_replies WHERE ticket_reference = $1 ORDER BY id",
    )
    .bind(reference)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Reply {
                author: AccountId(r.try_get("author_id")?),
                body: r.try_get("body")?,
                created_at: from_secs(r.try_get("created_at")?)?,
            })
        })
        .collect()
}

/// Records an answer and marks the ticket answered; the caller emails it.
pub async fn reply_to_ticket(
    db: &Db,
    staff: AccountId,
    facility: FacilityId,
    include_general: bool,
    reference: &str,
    body: &str,
    now: Timestamp,
) -> Result<SupportTicket, StoreError> {
    let body = body.trim();
    let chars = body.chars().count();
    if chars == 0 || chars > MAX_REPLY_CHARS {
        return Err(StoreError::Invalid(
            Message::new("error-answer-length").with("most", MAX_REPLY_CHARS),
        ));
    }
    let mut tx = db.begin_write().await?;
    let mut ticket = visible_ticket(&mut tx, facility, include_general, reference).await?;
    sqlx::query(
        "INSERT INTO ticket_replies (ticket_reference, author_id, body, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(&ticket.reference)
    .bind(staff.0)
    .bind(body)
    .bind(secs(now))
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE tickets SET status = 'answered' WHERE reference = $1")
        .bind(&ticket.reference)
        .execute(&mut *tx)
        .await?;
    append_audit(
        &mut tx,
        &Audit {
            at: now,
            actor: Some(staff),
            facility: Some(facility),
            action: "ticket.reply",
            subject: format!("ticket:{}", ticket.reference),
            detail: serde_json::json!({ "chars": chars }).to_string(),
        },
    )
    .await?;
    tx.commit().await?;
    ticket.status = "answered".into();
    Ok(ticket)
}

/// Closes a ticket.
pub async fn close_ticket(
    db: &Db,
    staff: AccountId,
    facility: FacilityId,
    include_general: bool,
    reference: &str,
    now: Timestamp,
) -> Result<SupportTicket, StoreError> {
    let mut tx = db.begin_write().await?;
    let mut ticket = visible_ticket(&mut tx, facility, include_general, reference).await?;
    sqlx::query("UPDATE tickets SET status = 'closed' WHERE reference = $1")
        .bind(&ticket.reference)
        .execute(&mut *tx)
        .await?;
    append_audit(
        &mut tx,
        &Audit {
            at: now,
            actor: Some(staff),
            facility: Some(facility),
            action: "ticket.close",
            subject: format!("ticket:{}", ticket.reference),
            detail: "{}".into(),
        },
    )
    .await?;
    tx.commit().await?;
    ticket.status = "closed".into();
    Ok(ticket)
}

/// Largest goodwill credit one staff action may give.
pub const MAX_GOODWILL: Cents = Cents(10_000);

/// What one staff member may give in goodwill credits in any 24 hours, by role: an
/// officer smooths over a bad minute, support settles complaints, an admin decides the
/// rest. Each credit is an audited ledger entry under the giver's name.
pub fn goodwill_daily_cap(role: Role) -> Cents {
    match role {
        Role::Officer => Cents(5_000),
        Role::Support => Cents(25_000),
        Role::FacilityAdmin => Cents(100_000),
        Role::Visitor => Cents(0),
    }
}

/// A goodwill credit to a visitor who has asked to visit someone at `facility`: one
/// balanced ledger entry with the staff's memo, and an audit line. Returns the entry id.
pub async fn goodwill_credit(
    db: &Db,
    staff: AccountId,
    facility: FacilityId,
    visitor: AccountId,
    amount: Cents,
    memo: &str,
    now: Timestamp,
) -> Result<i64, StoreError> {
    let memo = memo.trim();
    if memo.is_empty() || memo.chars().count() > 300 {
        return Err(StoreError::invalid("error-credit-reason"));
    }
    if amount.0 <= 0 || amount > MAX_GOODWILL {
        return Err(StoreError::Invalid(
            Message::new("error-credit-range").with("most", MAX_GOODWILL.to_string()),
        ));
    }
    let mut tx = db.begin_write().await?;
    // What this staff member has given in the last day, read in the same write
    // transaction as the new credit, so two at once cannot both pass the cap.
    let role: String = sqlx::query("SELECT role FROM accounts WHERE id = $1")
        .bind(staff.0)
        .fetch_one(&mut *tx)
        .await?
        .try_get("role")?;
    let cap = Role::parse(&role).map_or(Cents(0), goodwill_daily_cap);
    let day_ago = secs(now) - 24 * 3600;
    let given = sqlx::query(
        "SELECT CAST(COALESCE(SUM(p.amount_cents), 0) AS BIGINT) AS given FROM ledger_entries e \
         JOIN ledger_postings p ON p.entry_id = e.id \
         WHERE e.kind = 'credit' AND e.visit_id IS NULL AND e.actor_id = $1 \
         AND e.created_at > $2 AND p.amount_cents > 0",
    )
    .bind(staff.0)
    .bind(day_ago)
    .fetch_one(&mut *tx)
    .await?
    .try_get::<i64, _>("given")?;
    if given + amount.0 > cap.0 {
        let left = Cents((cap.0 - given).max(0));
        return Err(StoreError::Invalid(
            Message::new("error-credit-cap")
                .with("cap", cap.to_string())
                .with("left", left.to_string()),
        ));
    }
    let known = sqlx::query(
        "SELECT COUNT(*) AS n FROM approvals WHERE visitor_id = $1 AND facility_id = $2",
    )
    .bind(visitor.0)
    .bind(facility.0)
    .fetch_one(&mut *tx)
    .await?
    .try_get::<i64, _>("n")?;
    if known == 0 {
        // A visitor with no tie to this facility does not exist for its staff.
        return Err(StoreError::NotFound("visitor"));
    }
    let entry = JournalEntry::credit(visitor, None, amount)?;
    let rows = EntryRows::new(entry, Some(staff), Some(facility), now).memo(memo);
    let id = post_entry(&mut tx, &rows).await?;
    tx.commit().await?;
    Ok(id)
}
