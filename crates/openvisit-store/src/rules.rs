//! The facility's visiting rules, read and accepted by a visitor before their first
//! booking there and again whenever the facility changes them. `book_visit` refuses a
//! booking at a facility whose current rules the visitor has not accepted.

use jiff::Timestamp;
use openvisit_core::{AccountId, FacilityId, ResidentId};
use sqlx::{AnyConnection, Row};

use crate::audit::{Audit, append_audit};
use crate::db::Db;
use crate::error::StoreError;
use crate::time::secs;

/// Whether the visitor must still accept the rules of the resident's facility before
/// booking: it has rules, and this visitor has not accepted their current revision.
/// An unknown resident owes nothing here (the booking answers "not found").
pub async fn rules_owed(
    conn: &mut AnyConnection,
    visitor: AccountId,
    resident: ResidentId,
) -> Result<Option<FacilityId>, StoreError> {
    let row = sqlx::query(
        "SELECT f.id, f.visit_rules, f.visit_rules_es, \
         (SELECT COUNT(*) FROM rules_acceptances x WHERE x.account_id = $2 \
          AND x.facility_id = f.id AND x.revision = f.rules_revision) AS accepted \
         FROM residents r JOIN facilities f ON f.id = r.facility_id WHERE r.id = $1",
    )
    .bind(resident.0)
    .bind(visitor.0)
    .fetch_optional(conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let facility = FacilityId(row.try_get("id")?);
    let has_rules = !row.try_get::<String, _>("visit_rules")?.trim().is_empty()
        || !row
            .try_get::<String, _>("visit_rules_es")?
            .trim()
            .is_empty();
    let accepted = row.try_get::<i64, _>("accepted")? > 0;
    Ok((has_rules && !accepted).then_some(facility))
}

/// Records that the visitor accepted revision `revision` of the facility's rules (the
/// one they were shown); accepting again is a no-op. An outdated revision is refused, so
/// nobody accepts rules they did not read.
pub async fn accept_rules(
    db: &Db,
    visitor: AccountId,
    facility: FacilityId,
    revision: i64,
    now: Timestamp,
) -> Result<(), StoreError> {
    let mut tx = db.begin_write().await?;
    let current: i64 = sqlx::query("SELECT rules_revision FROM facilities WHERE id = $1")
        .bind(facility.0)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound("facility"))?
        .try_get("rules_revision")?;
    if current != revision {
        return Err(StoreError::conflict("error-rules-changed"));
    }
    let inserted = sqlx::query(
        "INSERT INTO rules_acceptances (account_id, facility_id, revision, accepted_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
    )
    .bind(visitor.0)
    .bind(facility.0)
    .bind(revision)
    .bind(secs(now))
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if inserted > 0 {
        append_audit(
            &mut tx,
            &Audit {
                at: now,
                actor: Some(visitor),
                facility: Some(facility),
                action: "rules.accepted",
                subject: format!("facility:{facility}"),
                detail: serde_json::json!({ "revision": revision }).to_string(),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
