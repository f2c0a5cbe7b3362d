//! Writing journal entries and reading balances. Visitor balances live in a guarded
//! row updated in the same transaction as the entry, so two racing bookings can never
//! spend the same money; other accounts are sums of their postings.

use jiff::Timestamp;
use openvisit_core::ledger::{EntryKind, JournalEntry, LedgerAccount};
use openvisit_core::{AccountId, Cents, FacilityId, VisitId};
use serde::Serialize;
use sqlx::{AnyConnection, Row};

use crate::audit::{Audit, append_audit};
use crate::error::StoreError;
use crate::time::{from_secs, secs};

/// Writes a balanced entry and moves visitor balances. `facility` makes the audit line
/// visible to that facility's staff. Fails with
/// `InsufficientFunds` (and writes nothing, once the caller rolls back) if a visitor
/// balance would go below zero.
pub async fn post_entry(
    conn: &mut AnyConnection,
    entry: &JournalEntry,
    actor: Option<AccountId>,
    facility: Option<FacilityId>,
    memo: &str,
    now: Timestamp,
) -> Result<i64, StoreError> {
    if entry.sum() != 0 {
        return Err(StoreError::Corrupt("unbalanced journal entry".into()));
    }
    for p in entry.postings() {
        if !matches!(p.account, LedgerAccount::VisitorBalance(_)) {
            continue;
        }
        let key = p.account.key();
        let changed = if p.amount.is_negative() {
            sqlx::query("UPDATE balances SET cents = cents + $1 WHERE account = $2 AND cents >= $3")
                .bind(p.amount.0)
                .bind(&key)
                .bind(-p.amount.0)
                .execute(&mut *conn)
                .await?
                .rows_affected()
        } else {
            sqlx::query("UPDATE balances SET cents = cents + $1 WHERE account = $2")
                .bind(p.amount.0)
                .bind(&key)
                .execute(&mut *conn)
                .await?
                .rows_affected()
        };
        if changed == 0 {
            let available = balance_of(conn, &key).await?;
            return Err(StoreError::InsufficientFunds {
                needed: Cents(-p.amount.0),
                available,
            });
        }
    }
    let row = sqlx::query(
        "INSERT INTO ledger_entries (kind, visit_id, actor_id, memo, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(entry.kind().as_str())
    .bind(entry.visit().map(|v| v.0))
    .bind(actor.map(|a| a.0))
    .bind(memo)
    .bind(secs(now))
    .fetch_one(&mut *conn)
    .await?;
    let id: i64 = row.try_get("id")?;
    // All postings in one statement: one round trip, however many lines.
    let mut sql =
        String::from("INSERT INTO ledger_postings (entry_id, account, amount_cents) VALUES ");
    for i in 0..entry.postings().len() {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!("($1, ${}, ${})", 2 * i + 2, 2 * i + 3));
    }
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id);
    for p in entry.postings() {
        q = q.bind(p.account.key()).bind(p.amount.0);
    }
    q.execute(&mut *conn).await?;
    let detail = serde_json::json!({
        "entry": id,
        "postings": entry.postings().iter().map(|p| (p.account.key(), p.amount.0)).collect::<Vec<_>>(),
    })
    .to_string();
    append_audit(
        conn,
        &Audit {
            at: now,
            actor,
            facility,
            action: "ledger.entry",
            subject: format!("{}:{}", entry.kind().as_str(), id),
            detail,
        },
    )
    .await?;
    Ok(id)
}

pub(crate) async fn balance_of(conn: &mut AnyConnection, key: &str) -> Result<Cents, StoreError> {
    let row = sqlx::query("SELECT cents FROM balances WHERE account = $1")
        .bind(key)
        .fetch_optional(conn)
        .await?;
    Ok(match row {
        Some(r) => Cents(r.try_get("cents")?),
        None => Cents::ZERO,
    })
}

/// A visitor's spendable balance.
pub async fn visitor_balance(
    conn: &mut AnyConnection,
    visitor: AccountId,
) -> Result<Cents, StoreError> {
    balance_of(conn, &LedgerAccount::VisitorBalance(visitor).key()).await
}

/// One line of a visitor's ledger history.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LedgerLine {
    pub entry_id: i64,
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
    pub kind: EntryKind,
    pub visit: Option<VisitId>,
    /// The change to the visitor's balance (negative when money left it).
    pub amount: Cents,
    pub memo: String,
}

/// A visitor's ledger history, newest first.
pub async fn visitor_history(
    conn: &mut AnyConnection,
    visitor: AccountId,
) -> Result<Vec<LedgerLine>, StoreError> {
    let rows = sqlx::query(
        "SELECT e.id, e.kind, e.visit_id, e.memo, e.created_at, p.amount_cents \
         FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id \
         WHERE p.account = $1 ORDER BY e.id DESC",
    )
    .bind(LedgerAccount::VisitorBalance(visitor).key())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            let kind: String = r.try_get("kind")?;
            Ok(LedgerLine {
                entry_id: r.try_get("id")?,
                at: from_secs(r.try_get("created_at")?)?,
                kind: EntryKind::parse(&kind)
                    .ok_or_else(|| StoreError::Corrupt(format!("entry kind {kind}")))?,
                visit: r.try_get::<Option<i64>, _>("visit_id")?.map(VisitId),
                amount: Cents(r.try_get("amount_cents")?),
                memo: r.try_get("memo")?,
            })
        })
        .collect()
}

/// The ledger's health: the sum of all postings (must be 0), and the balance rows that
/// disagree with the sum of their postings (must be none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LedgerCheck {
    pub total: i64,
    pub mismatched_balances: Vec<String>,
    pub entries: i64,
}

pub async fn check_ledger(conn: &mut AnyConnection) -> Result<LedgerCheck, StoreError> {
    let total: i64 = sqlx::query(
        "SELECT CAST(COALESCE(SUM(amount_cents), 0) AS BIGINT) AS total FROM ledger_postings",
    )
    .fetch_one(&mut *conn)
    .await?
    .try_get("total")?;
    let entries: i64 = sqlx::query("SELECT COUNT(*) AS n FROM ledger_entries")
        .fetch_one(&mut *conn)
        .await?
        .try_get("n")?;
    let rows = sqlx::query(
        "SELECT b.account FROM balances b WHERE b.cents <> \
         (SELECT CAST(COALESCE(SUM(p.amount_cents), 0) AS BIGINT) FROM ledger_postings p \
          WHERE p.account = b.account)",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mismatched_balances = rows
        .iter()
        .map(|r| r.try_get("account"))
        .collect::<Result<_, _>>()?;
    Ok(LedgerCheck {
        total,
        mismatched_balances,
        entries,
    })
}
