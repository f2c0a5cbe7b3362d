//! Checks of what the booking path writes without the database's own checks.
//!
//! On PostgreSQL the booking path's tables carry no foreign keys (migration 0014):
//! every id it writes was read in the same transaction, and none of the rows they
//! name is ever deleted. This check says whether that held; tests and the benchmark
//! run it after their bookings.

use sqlx::{AnyConnection, Row};

use crate::error::StoreError;

/// Rows of the booking path that name a row that does not exist: a visit's facility,
/// resident, visitor or kiosks; a journal entry's visit or actor; a posting's entry;
/// a weekly count's resident. Always 0.
pub async fn dangling_references(conn: &mut AnyConnection) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "SELECT \
           (SELECT COUNT(*) FROM visits v WHERE \
              NOT EXISTS (SELECT 1 FROM facilities f WHERE f.id = v.facility_id) \
              OR NOT EXISTS (SELECT 1 FROM residents r WHERE r.id = v.resident_id) \
              OR NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = v.visitor_id) \
              OR NOT EXISTS (SELECT 1 FROM kiosks k WHERE k.id = v.housing_kiosk_id) \
              OR (v.lobby_kiosk_id IS NOT NULL \
                  AND NOT EXISTS (SELECT 1 FROM kiosks k WHERE k.id = v.lobby_kiosk_id))) \
         + (SELECT COUNT(*) FROM ledger_entries e WHERE \
              (e.visit_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.id = e.visit_id)) \
              OR (e.actor_id IS NOT NULL \
                  AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = e.actor_id))) \
         + (SELECT COUNT(*) FROM ledger_postings p WHERE \
              NOT EXISTS (SELECT 1 FROM ledger_entries e WHERE e.id = p.entry_id)) \
         + (SELECT COUNT(*) FROM claims c WHERE \
              NOT EXISTS (SELECT 1 FROM visits v WHERE v.id = c.visit_id)) \
         + (SELECT COUNT(*) FROM week_counts w WHERE \
              NOT EXISTS (SELECT 1 FROM residents r WHERE r.id = w.resident_id)) AS n",
    )
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("n")?)
}
