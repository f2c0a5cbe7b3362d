//! The append-only audit log (R16): every staff action and every money movement.
//! The database refuses UPDATE and DELETE on it (triggers in the schema).

use jiff::Timestamp;
use openvisit_core::{AccountId, FacilityId};
use serde::Serialize;
use sqlx::{AnyConnection, Row};

use crate::error::StoreError;
use crate::sql_lists::{batch_sql, placeholders};
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

/// Appends several lines in one statement.
pub(crate) async fn append_audits(
    conn: &mut AnyConnection,
    lines: &[Audit],
) -> Result<(), StoreError> {
    if lines.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO audit_log (at, actor_id, facility_id, action, subject, detail) VALUES {}",
        placeholders(lines.len(), 6, 1)
    );
    let mut q = sqlx::query(batch_sql(conn, sql));
    for a in lines {
        q = q
            .bind(secs(a.at))
            .bind(a.actor.map(|x| x.0))
            .bind(a.facility.map(|x| x.0))
            .bind(a.action)
            .bind(a.subject.as_str())
            .bind(a.detail.as_str());
    }
    q.execute(conn).await?;
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

/// What to look for in a facility's audit log; every field narrows it.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<AccountId>,
    /// An exact action, e.g. `visit.end`, or a prefix ending in `.`, e.g. `ticket.`.
    pub action: Option<String>,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
}

/// The facility's audit records matching `filter`, newest first, at most `limit`.
pub async fn audit_filtered(
    conn: &mut AnyConnection,
    facility: FacilityId,
    filter: &AuditFilter,
    limit: i64,
) -> Result<Vec<AuditRecord>, StoreError> {
    let action = filter
        .action
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty());
    // Actions contain `_`: escape LIKE's wildcards so only the trailing `%` is one.
    let pattern = action.map(|a| {
        let escaped = a
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        if a.ends_with('.') {
            format!("{escaped}%")
        } else {
            escaped
        }
    });
    let rows = sqlx::query(
        "SELECT id, at, actor_id, action, subject, detail FROM audit_log \
         WHERE facility_id = $1 AND ($2 IS NULL OR actor_id = $2) \
         AND ($3 IS NULL OR action LIKE $3 ESCAPE '\\') AND ($4 IS NULL OR at >= $4) \
         AND ($5 IS NULL OR at < $5) ORDER BY id DESC LIMIT $6",
    )
    .bind(facility.0)
    .bind(filter.actor.map(|a| a.0))
    .bind(pattern)
    .bind(filter.from.map(secs))
    .bind(filter.to.map(secs))
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
