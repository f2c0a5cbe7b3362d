//! The email outbox: each visit email is queued in the transaction of the change it
//! announces, and delivered from here, so no commit is left without its email. A
//! sender takes due rows under a lease (`next_attempt_at` moves past the delivery), so
//! two senders never take the same row and a row whose sender died is taken again when
//! its lease ends. Failures are retried with a growing wait; after the last attempt a
//! row is dead, and staff see it.

use jiff::Timestamp;
use openvisit_core::{FacilityId, VisitId};
use serde::Serialize;
use sqlx::{AnyConnection, Row};

use crate::db::{Backend, Db};
use crate::error::StoreError;
use crate::time::{from_secs, secs};

/// What a visit email announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VisitNews {
    Booked,
    /// Moved to another time.
    Changed,
    Cancelled,
    Reminder,
}

impl VisitNews {
    pub fn as_str(self) -> &'static str {
        match self {
            VisitNews::Booked => "booked",
            VisitNews::Changed => "changed",
            VisitNews::Cancelled => "cancelled",
            VisitNews::Reminder => "reminder",
        }
    }

    fn parse(s: &str) -> Result<VisitNews, StoreError> {
        Ok(match s {
            "booked" => VisitNews::Booked,
            "changed" => VisitNews::Changed,
            "cancelled" => VisitNews::Cancelled,
            "reminder" => VisitNews::Reminder,
            other => return Err(StoreError::Corrupt(format!("unknown email news {other:?}"))),
        })
    }
}

/// How many times a sender tries an email before it is dead.
pub const MAX_ATTEMPTS: i64 = 8;
/// How long a sender holds an email it is delivering before another may take it.
pub const LEASE_SECONDS: i64 = 30;

/// The wait before attempt `n + 1` after `n` failed: 1, 2, 4 … minutes, at most an hour
/// (eight attempts span about two hours).
pub fn retry_after_seconds(failed_attempts: i64) -> i64 {
    let doubling = failed_attempts.clamp(1, 7) - 1;
    (60i64 << doubling).min(3600)
}

/// One queued email: which visit, what about, and the visit as announced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedEmail {
    pub id: i64,
    pub visit: VisitId,
    pub news: VisitNews,
    /// The calendar event's sequence this email carries.
    pub sequence: i64,
    pub start: Timestamp,
    pub end: Timestamp,
    /// Attempts so far, this one included.
    pub attempts: i64,
}

/// The visit as an email announces it.
#[derive(Debug, Clone, Copy)]
pub struct Announced {
    pub visit: VisitId,
    pub sequence: i64,
    pub start: Timestamp,
    pub end: Timestamp,
}

/// Queues an email inside the caller's transaction.
pub async fn queue(
    conn: &mut AnyConnection,
    news: VisitNews,
    visit: Announced,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO email_outbox (visit_id, news, sequence, start_at, end_at, created_at, \
         next_attempt_at) VALUES ($1, $2, $3, $4, $5, $6, $6)",
    )
    .bind(visit.visit.0)
    .bind(news.as_str())
    .bind(visit.sequence)
    .bind(secs(visit.start))
    .bind(secs(visit.end))
    .bind(secs(now))
    .execute(conn)
    .await?;
    Ok(())
}

fn queued_from_row(r: &sqlx::any::AnyRow) -> Result<QueuedEmail, StoreError> {
    Ok(QueuedEmail {
        id: r.try_get("id")?,
        visit: VisitId(r.try_get("visit_id")?),
        news: VisitNews::parse(&r.try_get::<String, _>("news")?)?,
        sequence: r.try_get("sequence")?,
        start: from_secs(r.try_get("start_at")?)?,
        end: from_secs(r.try_get("end_at")?)?,
        attempts: r.try_get("attempts")?,
    })
}

/// Whether any email is waiting to go out now: one indexed read, so a request can
/// afford to ask before it answers.
pub async fn any_due(db: &Db, now: Timestamp) -> Result<bool, StoreError> {
    let row = sqlx::query(
        "SELECT 1 AS due FROM email_outbox WHERE state = 'pending' AND next_attempt_at <= $1 LIMIT 1",
    )
    .bind(secs(now))
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.is_some())
}

/// Takes up to `limit` due emails for delivery, oldest first, leasing each for
/// `LEASE_SECONDS`. On PostgreSQL rows another sender holds are skipped, not waited for.
pub async fn take_due(db: &Db, now: Timestamp, limit: i64) -> Result<Vec<QueuedEmail>, StoreError> {
    let lock = match db.backend {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let sql = format!(
        "UPDATE email_outbox SET attempts = attempts + 1, next_attempt_at = $1 \
         WHERE id IN (SELECT id FROM email_outbox WHERE state = 'pending' \
         AND next_attempt_at <= $2 ORDER BY id LIMIT $3{lock}) RETURNING *"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(secs(now) + LEASE_SECONDS)
        .bind(secs(now))
        .bind(limit)
        .fetch_all(&db.pool)
        .await?;
    let mut taken = rows
        .iter()
        .map(queued_from_row)
        .collect::<Result<Vec<_>, _>>()?;
    taken.sort_by_key(|q| q.id);
    Ok(taken)
}

/// The email went out.
pub async fn mark_sent(db: &Db, id: i64, now: Timestamp) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE email_outbox SET state = 'sent', sent_at = $1, last_error = NULL WHERE id = $2",
    )
    .bind(secs(now))
    .bind(id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// The email could not go out: tried again later, or dead after the last attempt.
/// Returns whether it is dead.
pub async fn mark_failed(
    db: &Db,
    email: &QueuedEmail,
    error: &str,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let dead = email.attempts >= MAX_ATTEMPTS;
    sqlx::query(
        "UPDATE email_outbox SET state = $1, next_attempt_at = $2, last_error = $3 WHERE id = $4",
    )
    .bind(if dead { "dead" } else { "pending" })
    .bind(secs(now) + retry_after_seconds(email.attempts))
    .bind(error)
    .bind(email.id)
    .execute(&db.pool)
    .await?;
    Ok(dead)
}

/// An email staff see because it was not delivered.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Undelivered {
    pub visit_id: i64,
    pub news: VisitNews,
    /// `pending` (still being tried) or `dead` (given up).
    pub state: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub queued_at: Timestamp,
    pub visitor_email: String,
}

/// A facility's visit emails that failed at least once and are not sent, newest first.
pub async fn undelivered(
    conn: &mut AnyConnection,
    facility: FacilityId,
) -> Result<Vec<Undelivered>, StoreError> {
    let rows = sqlx::query(
        "SELECT o.visit_id, o.news, o.state, o.attempts, o.last_error, o.created_at, a.email \
         FROM email_outbox o JOIN visits v ON v.id = o.visit_id \
         JOIN accounts a ON a.id = v.visitor_id \
         WHERE v.facility_id = $1 AND o.state <> 'sent' AND o.last_error IS NOT NULL \
         ORDER BY o.id DESC LIMIT 200",
    )
    .bind(facility.0)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Undelivered {
                visit_id: r.try_get("visit_id")?,
                news: VisitNews::parse(&r.try_get::<String, _>("news")?)?,
                state: r.try_get("state")?,
                attempts: r.try_get("attempts")?,
                last_error: r.try_get("last_error")?,
                queued_at: from_secs(r.try_get("created_at")?)?,
                visitor_email: r.try_get("email")?,
            })
        })
        .collect()
}
