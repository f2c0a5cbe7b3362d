//! Rows with the names of the people behind their ids, as staff read them: an approval or a
//! visit, and the facility's staff (for filtering the audit log). Read-only, and always
//! limited to one facility.

use std::collections::HashMap;

use jiff::Timestamp;
use openvisit_core::{AccountId, FacilityId, VisitId};
use sqlx::{AnyConnection, Row};

use crate::approvals::{Approval, ApprovalStatus};
use crate::error::StoreError;
use crate::visits::{Visit, visits_of_facility};

/// An approval request with what the visitor entered and who they want to visit.
#[derive(Debug, Clone)]
pub struct QueuedApproval {
    pub approval: Approval,
    pub visitor_name: String,
    pub visitor_email: String,
    pub email_verified: bool,
    pub resident_name: String,
    pub booking_number: String,
    pub unit: String,
}

/// The facility's approval requests (all, or those in `status`), oldest first: the
/// queue is served in the order people asked.
pub async fn approval_queue(
    conn: &mut AnyConnection,
    facility: FacilityId,
    status: Option<ApprovalStatus>,
) -> Result<Vec<QueuedApproval>, StoreError> {
    let approvals = crate::approvals::approvals_of_facility(&mut *conn, facility, status).await?;
    let rows = sqlx::query(
        "SELECT p.id AS id, a.display_name AS visitor_name, a.email AS email, \
         a.email_verified_at AS verified, r.full_name AS resident_name, \
         r.booking_number AS booking_number, u.name AS unit \
         FROM approvals p JOIN accounts a ON a.id = p.visitor_id \
         JOIN residents r ON r.id = p.resident_id \
         JOIN housing_units u ON u.id = r.housing_unit_id WHERE p.facility_id = $1",
    )
    .bind(facility.0)
    .fetch_all(&mut *conn)
    .await?;
    let mut names = HashMap::new();
    for r in rows {
        let id: i64 = r.try_get("id")?;
        names.insert(id, r);
    }
    approvals
        .into_iter()
        .filter_map(|a| names.get(&a.id.0).map(|r| (a, r)))
        .map(|(approval, r)| {
            Ok(QueuedApproval {
                visitor_name: r.try_get("visitor_name")?,
                visitor_email: r.try_get("email")?,
                email_verified: r.try_get::<Option<i64>, _>("verified")?.is_some(),
                resident_name: r.try_get("resident_name")?,
                booking_number: r.try_get("booking_number")?,
                unit: r.try_get("unit")?,
                approval,
            })
        })
        .collect()
}

/// A visit with the names staff need to recognise it.
#[derive(Debug, Clone)]
pub struct NamedVisit {
    pub visit: Visit,
    pub resident_name: String,
    pub booking_number: String,
    pub visitor_name: String,
    pub visitor_email: String,
}

/// The facility's visits overlapping `[from, to)`, with names, by start.
pub async fn named_visits(
    conn: &mut AnyConnection,
    facility: FacilityId,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<NamedVisit>, StoreError> {
    let visits = visits_of_facility(&mut *conn, facility, from, to).await?;
    let rows = sqlx::query(
        "SELECT v.id AS id, r.full_name AS resident_name, r.booking_number AS booking_number, \
         a.display_name AS visitor_name, a.email AS email \
         FROM visits v JOIN residents r ON r.id = v.resident_id \
         JOIN accounts a ON a.id = v.visitor_id \
         WHERE v.facility_id = $1 AND v.end_at > $2 AND v.start_at < $3",
    )
    .bind(facility.0)
    .bind(from.as_second())
    .bind(to.as_second())
    .fetch_all(&mut *conn)
    .await?;
    name_visits(visits, rows)
}

/// One visit of the facility with names; `NotFound` for another facility's visit.
pub async fn named_visit(
    conn: &mut AnyConnection,
    facility: FacilityId,
    id: VisitId,
) -> Result<NamedVisit, StoreError> {
    let visit = crate::visits::get_visit(&mut *conn, id).await?;
    if visit.facility != facility {
        return Err(StoreError::NotFound("visit"));
    }
    let rows = sqlx::query(
        "SELECT v.id AS id, r.full_name AS resident_name, r.booking_number AS booking_number, \
         a.display_name AS visitor_name, a.email AS email \
         FROM visits v JOIN residents r ON r.id = v.resident_id \
         JOIN accounts a ON a.id = v.visitor_id WHERE v.id = $1",
    )
    .bind(id.0)
    .fetch_all(&mut *conn)
    .await?;
    name_visits(vec![visit], rows)?
        .pop()
        .ok_or(StoreError::NotFound("visit"))
}

fn name_visits(
    visits: Vec<Visit>,
    rows: Vec<sqlx::any::AnyRow>,
) -> Result<Vec<NamedVisit>, StoreError> {
    let mut names = HashMap::new();
    for r in rows {
        let id: i64 = r.try_get("id")?;
        names.insert(id, r);
    }
    visits
        .into_iter()
        .filter_map(|v| names.get(&v.id.0).map(|r| (v, r)))
        .map(|(visit, r)| {
            Ok(NamedVisit {
                resident_name: r.try_get("resident_name")?,
                booking_number: r.try_get("booking_number")?,
                visitor_name: r.try_get("visitor_name")?,
                visitor_email: r.try_get("email")?,
                visit,
            })
        })
        .collect()
}

/// The facility's staff accounts: (id, name), by name.
/// Who an account is, to name it on a staff page: its role, display name and facility
/// (staff only).
#[derive(Debug, Clone)]
pub struct Actor {
    pub role: crate::accounts::Role,
    pub name: String,
    pub facility: Option<FacilityId>,
}

/// The accounts among `ids`, by id (unknown ids are left out).
pub async fn actors(
    conn: &mut AnyConnection,
    ids: &[AccountId],
) -> Result<std::collections::HashMap<AccountId, Actor>, StoreError> {
    let mut found = std::collections::HashMap::new();
    for chunk in ids.chunks(500) {
        let list = (1..=chunk.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT id, role, display_name, facility_id FROM accounts WHERE id IN ({list})"
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            q = q.bind(id.0);
        }
        for r in q.fetch_all(&mut *conn).await? {
            let role: String = r.try_get("role")?;
            let role = crate::accounts::Role::parse(&role)
                .ok_or_else(|| StoreError::Corrupt(format!("account role {role}")))?;
            found.insert(
                AccountId(r.try_get("id")?),
                Actor {
                    role,
                    name: r.try_get("display_name")?,
                    facility: r.try_get::<Option<i64>, _>("facility_id")?.map(FacilityId),
                },
            );
        }
    }
    Ok(found)
}

pub async fn staff_of_facility(
    conn: &mut AnyConnection,
    facility: FacilityId,
) -> Result<Vec<(AccountId, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, display_name FROM accounts WHERE facility_id = $1 AND role <> 'visitor' \
         ORDER BY display_name, id",
    )
    .bind(facility.0)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| Ok((AccountId(r.try_get("id")?), r.try_get("display_name")?)))
        .collect()
}
