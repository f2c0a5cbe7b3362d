//! The database's own health, checked from outside the code that writes it: every
//! reference of the booking path names a row that exists, no two booked visits share a
//! kiosk, a resident or a visitor, and the ledger balances. `openvisit check` runs it
//! against a live database, `serve` runs it daily, and the tests and the benchmark run
//! it after their bookings. The foreign keys (migration 0020) already refuse a dangling
//! reference; this check is the second line, and the one that names what is wrong.

use serde::Serialize;
use sqlx::{AnyConnection, Row};

use crate::error::StoreError;
use crate::ledger::{LedgerCheck, check_ledger};
use crate::visits::overlapping_visits;

/// One reference of the booking path: the rows of `table` whose `column` names no row of
/// `target`.
struct Reference {
    table: &'static str,
    column: &'static str,
    target: &'static str,
}

const REFERENCES: &[Reference] = &[
    Reference {
        table: "visits",
        column: "facility_id",
        target: "facilities",
    },
    Reference {
        table: "visits",
        column: "resident_id",
        target: "residents",
    },
    Reference {
        table: "visits",
        column: "visitor_id",
        target: "accounts",
    },
    Reference {
        table: "visits",
        column: "housing_kiosk_id",
        target: "kiosks",
    },
    Reference {
        table: "visits",
        column: "lobby_kiosk_id",
        target: "kiosks",
    },
    Reference {
        table: "claims",
        column: "visit_id",
        target: "visits",
    },
    Reference {
        table: "ledger_entries",
        column: "visit_id",
        target: "visits",
    },
    Reference {
        table: "ledger_entries",
        column: "actor_id",
        target: "accounts",
    },
    Reference {
        table: "ledger_postings",
        column: "entry_id",
        target: "ledger_entries",
    },
    Reference {
        table: "week_counts",
        column: "resident_id",
        target: "residents",
    },
    Reference {
        table: "live_sessions",
        column: "visit_id",
        target: "visits",
    },
];

/// Rows naming a missing row, for one reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dangling {
    /// `table.column → target`, as a person reads it.
    pub reference: String,
    pub rows: i64,
}

/// What `check_database` found. Sound when every count is 0 and the ledger balances.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IntegrityReport {
    /// Only the references with dangling rows.
    pub dangling: Vec<Dangling>,
    pub overlapping_visits: i64,
    pub ledger: LedgerCheck,
}

impl IntegrityReport {
    pub fn is_sound(&self) -> bool {
        self.dangling.is_empty()
            && self.overlapping_visits == 0
            && self.ledger.total == 0
            && self.ledger.mismatched_balances.is_empty()
    }
}

/// Runs every check. It only reads, so it is safe against a live database.
pub async fn check_database(conn: &mut AnyConnection) -> Result<IntegrityReport, StoreError> {
    Ok(IntegrityReport {
        dangling: dangling_by_reference(&mut *conn).await?,
        overlapping_visits: overlapping_visits(&mut *conn).await?,
        ledger: check_ledger(&mut *conn).await?,
    })
}

/// The references that have rows naming a missing row, with how many.
pub async fn dangling_by_reference(conn: &mut AnyConnection) -> Result<Vec<Dangling>, StoreError> {
    let mut found = Vec::new();
    for r in REFERENCES {
        // Names come from the constant list above, never from input.
        let sql = format!(
            "SELECT COUNT(*) AS n FROM {table} x WHERE x.{column} IS NOT NULL \
             AND NOT EXISTS (SELECT 1 FROM {target} t WHERE t.id = x.{column})",
            table = r.table,
            column = r.column,
            target = r.target,
        );
        let rows: i64 = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_one(&mut *conn)
            .await?
            .try_get("n")?;
        if rows > 0 {
            found.push(Dangling {
                reference: format!("{}.{} → {}", r.table, r.column, r.target),
                rows,
            });
        }
    }
    Ok(found)
}

/// Rows of the booking path that name a row that does not exist, over every
/// reference. Always 0.
pub async fn dangling_references(conn: &mut AnyConnection) -> Result<i64, StoreError> {
    Ok(dangling_by_reference(conn)
        .await?
        .iter()
        .map(|d| d.rows)
        .sum())
}
