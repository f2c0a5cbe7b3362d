//! The append-only audit log (R16): every staff action and every money movement.
//! The database refuses UPDATE and DELETE on it (triggers in the schema).

use jiff::Timestamp;
use openvisit_core::{AccountId, FacilityId};
use serde::Serialize;
use sqlx::{AnyConnection, Row};

use crate::error::StoreError;
use crate::time::{from_secs, secs};

/// One line of the audit log. `subject` names records by id, never by a person's name.
#[derive(Debug, Clone, Serialize)]
pub struct Audit {
    pub at: Timestamp,
    pub actor: Option<AccountId>,
    pub facility: Option<FacilityId>,
    pub action: &'static str,
    pub subject: String,
    pub detail: String,
}

pub async fn append_audit(conn: &mut AnyConnection, a: &Audit) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor_id, facility_id, action, subject, detail) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(secs(a.at))
    .bind(a.actor.map(|x| x.0))
    .bind(a.facility.map(|x| x.0))
    .bind(a.action)
    .bind(&a.subject)
    .bind(&a.detail)
    .execute(conn)
    .await?;
    Ok(())
}

/// A stored audit line.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditRecord {
    pub id: i64,
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
    pub actor: Option<AccountId>,
    pub action: String,
    pub subject: String,
    pub detail: String,
}

/// The newest lines for a facility.
pub async fn audit_for_facility(
    conn: &mut AnyConnection,
    facility: FacilityId,
    limit: i64,
) -> Result<Vec<AuditRecord>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, at, actor_id, action, subject, detail FROM audit_log \
         WHERE facility_id = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(facility.0)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(AuditRecord {
                id: r.try_get("id")?,
                at: from_secs(r.try_get("at")?)?,
                actor: r.try_get::<Option<i64>, _>("actor_id")?.map(AccountId),
                action: r.try_get("action")?,
                subject: r.try_get("subject")?,
                detail: r.try_get("detail")?,
            })
        })
        .collect()
}
