//! The weekly count of each resident's visits (the facility's weekly limit): the one
//! statement that counts visits up, refusing a full week, and the one that counts a
//! visit down. Booking (both writers), rescheduling and cancelling use these.

use openvisit_core::ResidentId;
use sqlx::AnyConnection;

use crate::error::StoreError;

/// The statement counting one visit more for each `(resident, week)` pair of SQL
/// expressions (placeholders), where the week is not full: `limit` visits a week, 0 for
/// none. `RETURNING resident_id` names the residents counted; a resident left out was at
/// the limit. The limit is a number from the facility's settings, written into the SQL
/// so that the parameters stay in order (see `sql_lists::batch_sql`).
pub(crate) fn count_up_sql(
    pairs: impl IntoIterator<Item = (String, String)>,
    limit: u32,
) -> String {
    let rows: Vec<String> = pairs
        .into_iter()
        .map(|(resident, week)| format!("({resident}, {week}, 1)"))
        .collect();
    format!(
        "INSERT INTO week_counts (resident_id, week_start, visits) VALUES {} \
         ON CONFLICT (resident_id, week_start) DO UPDATE SET visits = week_counts.visits + 1 \
         WHERE {limit} = 0 OR week_counts.visits < {limit} RETURNING resident_id",
        rows.join(", ")
    )
}

/// Counts one visit more for `resident` in `week`; false when the week is full.
pub(crate) async fn count_up(
    conn: &mut AnyConnection,
    resident: ResidentId,
    week: &str,
    limit: u32,
) -> Result<bool, StoreError> {
    let sql = count_up_sql([("$1".to_owned(), "$2".to_owned())], limit);
    let counted = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(resident.0)
        .bind(week)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(counted.is_some())
}

/// Counts one visit less for `resident` in `week` (never below zero).
pub(crate) async fn count_down(
    conn: &mut AnyConnection,
    resident: ResidentId,
    week: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE week_counts SET visits = visits - 1 WHERE resident_id = $1 AND week_start = $2 \
         AND visits > 0",
    )
    .bind(resident.0)
    .bind(week)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
