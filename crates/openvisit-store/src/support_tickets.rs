//! Contact-form tickets (R7): a question the FAQ does not answer, with a reference the
//! sender can quote. Staff see their facility's tickets; support agents also see the
//! ones about no particular facility.

use jiff::Timestamp;
use openvisit_core::{AccountId, FacilityId};
use serde::Serialize;
use sqlx::{AnyConnection, Row};

use crate::db::Db;
use crate::error::StoreError;
use crate::time::{from_secs, secs};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SupportTicket {
    pub reference: String,
    pub facility: Option<FacilityId>,
    /// The account that sent it, when it was signed in; `None` for an anonymous question
    /// (whatever address it gives).
    pub account: Option<AccountId>,
    pub name: String,
    pub email: String,
    pub language: String,
    pub message: String,
    pub status: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

/// A new question, already checked by the caller.
#[derive(Debug, Clone)]
pub struct NewSupportTicket {
    pub facility: Option<FacilityId>,
    /// The signed-in sender; never taken from the address typed in.
    pub account: Option<AccountId>,
    pub name: String,
    pub email: String,
    pub language: String,
    pub message: String,
}

/// A reference like `OV-7K3QX2`: short to read out on the phone, no 0/O or 1/I.
fn reference() -> Result<String, StoreError> {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let mut bytes = [0u8; 6];
    getrandom::fill(&mut bytes).map_err(|e| StoreError::Operator(format!("no randomness: {e}")))?;
    Ok(format!(
        "OV-{}",
        bytes
            .iter()
            .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
            .collect::<String>()
    ))
}

/// Stores a question and returns its reference.
pub async fn open_ticket(
    db: &Db,
    t: &NewSupportTicket,
    now: Timestamp,
) -> Result<String, StoreError> {
    for _ in 0..5 {
        let r = reference()?;
        let result = sqlx::query(
            "INSERT INTO tickets (reference, facility_id, account_id, name, email, language, message, status, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8)",
        )
        .bind(&r)
        .bind(t.facility.map(|f| f.0))
        .bind(t.account.map(|a| a.0))
        .bind(&t.name)
        .bind(&t.email)
        .bind(&t.language)
        .bind(&t.message)
        .bind(secs(now))
        .execute(&db.pool)
        .await
        .map_err(StoreError::from);
        match result {
            Ok(_) => return Ok(r),
            // A reference already in use: draw another.
            Err(e) if e.is_unique_violation() => continue,
            Err(e) => return Err(e),
        }
    }
    Err(StoreError::conflict("error-try-again"))
}

/// Tickets staff of `facility` may see, newest first; `include_general` adds those
/// about no facility (for support agents).
/// A ticket as stored.
pub(crate) fn ticket_from_row(r: &sqlx::any::AnyRow) -> Result<SupportTicket, StoreError> {
    Ok(SupportTicket {
        reference: r.try_get("reference")?,
        facility: r.try_get::<Option<i64>, _>("facility_id")?.map(FacilityId),
        account: r.try_get::<Option<i64>, _>("account_id")?.map(AccountId),
        name: r.try_get("name")?,
        email: r.try_get("email")?,
        language: r.try_get("language")?,
        message: r.try_get("message")?,
        status: r.try_get("status")?,
        created_at: from_secs(r.try_get("created_at")?)?,
    })
}

pub async fn tickets_for(
    conn: &mut AnyConnection,
    facility: FacilityId,
    include_general: bool,
) -> Result<Vec<SupportTicket>, StoreError> {
    let rows = sqlx::query(
        "SELECT * FROM tickets WHERE facility_id = $1 OR ($2 = 1 AND facility_id IS NULL) ORDER BY id DESC LIMIT 500",
    )
    .bind(facility.0)
    .bind(i64::from(include_general))
    .fetch_all(conn)
    .await?;
    rows.iter().map(ticket_from_row).collect()
}
