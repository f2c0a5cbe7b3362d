//! Writing journal entries and reading balances. Visitor balances live in a guarded
//! row updated in the same transaction as the entry, so two racing bookings can never
//! spend the same money; other accounts are sums of their postings.

use std::collections::{HashMap, HashSet};

use jiff::Timestamp;
use openvisit_core::ledger::{EntryKind, JournalEntry, LedgerAccount};
use openvisit_core::{AccountId, Cents, FacilityId, VisitId};
use serde::Serialize;
use sqlx::{AnyConnection, Row};

use crate::audit::{Audit, append_audits};
use crate::error::StoreError;
use crate::sql_lists::{batch_sql, placeholders};
use crate::time::{from_secs, secs};

/// Writes a balanced entry and moves visitor balances. The rows' `facility` makes the
/// audit line visible to that facility's staff. Fails with
/// `InsufficientFunds` (and writes nothing, once the caller rolls back) if a visitor
/// balance would go below zero.
pub async fn post_entry(conn: &mut AnyConnection, rows: &EntryRows) -> Result<i64, StoreError> {
    let entry = &rows.entry;
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
    let ids = write_entries(conn, std::slice::from_ref(rows)).await?;
    ids.first()
        .copied()
        .ok_or_else(|| StoreError::Corrupt("journal entry missing".into()))
}

/// A balanced journal entry and what its rows say besides the postings: who moved the
/// money, the facility whose staff see it, when, and what it is about (what happened,
/// as data: pages write it in the reader's language). Every money movement is written
/// from one of these: by `write_entries` (for `post_entry` and the booking writer's
/// statements), or inside the booking writer's single PostgreSQL statement, from the
/// same values.
#[derive(Debug, Clone)]
pub struct EntryRows {
    pub entry: JournalEntry,
    pub actor: Option<AccountId>,
    pub facility: Option<FacilityId>,
    pub at: Timestamp,
    /// Words staff wrote themselves (a goodwill credit's reason); empty otherwise.
    pub memo: String,
    /// The connected minutes a per-minute visit was charged, or the minutes lost to a
    /// platform fault that a credit makes up for.
    pub minutes: Option<u32>,
}

impl EntryRows {
    pub fn new(
        entry: JournalEntry,
        actor: Option<AccountId>,
        facility: Option<FacilityId>,
        at: Timestamp,
    ) -> EntryRows {
        EntryRows {
            entry,
            actor,
            facility,
            at,
            memo: String::new(),
            minutes: None,
        }
    }

    /// With words staff wrote.
    pub fn memo(mut self, memo: &str) -> EntryRows {
        memo.clone_into(&mut self.memo);
        self
    }

    /// With the minutes it is about.
    pub fn minutes(mut self, minutes: u32) -> EntryRows {
        self.minutes = Some(minutes);
        self
    }

    /// Each posting's account key and amount.
    pub(crate) fn postings(&self) -> impl Iterator<Item = (String, i64)> + '_ {
        self.entry
            .postings()
            .iter()
            .map(|p| (p.account.key(), p.amount.0))
    }

    /// The entry's audit line (R16), once it has its id.
    pub(crate) fn audit(&self, id: i64) -> Audit {
        let detail = serde_json::json!({
            "entry": id,
            "postings": self.postings().collect::<Vec<_>>(),
        })
        .to_string();
        Audit {
            at: self.at,
            actor: self.actor,
            facility: self.facility,
            action: "ledger.entry",
            subject: format!("{}:{}", self.entry.kind().as_str(), id),
            detail,
        }
    }
}

/// Writes journal entries whose balances the caller has already moved: the entries in
/// one statement, all their postings in one, and one audit line each; their ids, in
/// order. The ids come back keyed by visit, so several entries in one call must each
/// be for a different visit.
pub(crate) async fn write_entries(
    conn: &mut AnyConnection,
    entries: &[EntryRows],
) -> Result<Vec<i64>, StoreError> {
    if entries.is_empty() {
        return Ok(Vec::new());
    }
    let visits: Vec<Option<i64>> = entries
        .iter()
        .map(|e| e.entry.visit().map(|v| v.0))
        .collect();
    let keyed = entries.len() == 1
        || visits.iter().flatten().collect::<HashSet<_>>().len() == entries.len();
    if !keyed {
        return Err(StoreError::Corrupt(
            "journal entries written together must be for different visits".into(),
        ));
    }
    let sql = format!(
        "INSERT INTO ledger_entries (kind, visit_id, actor_id, memo, minutes, created_at) \
         VALUES {} RETURNING id, visit_id",
        placeholders(entries.len(), 6, 1)
    );
    let mut q = sqlx::query(batch_sql(conn, sql));
    for e in entries {
        q = q
            .bind(e.entry.kind().as_str())
            .bind(e.entry.visit().map(|v| v.0))
            .bind(e.actor.map(|a| a.0))
            .bind(e.memo.as_str())
            .bind(e.minutes.map(i64::from))
            .bind(secs(e.at));
    }
    let rows = q.fetch_all(&mut *conn).await?;
    let ids: Vec<i64> = if let [row] = rows.as_slice() {
        vec![row.try_get("id")?]
    } else {
        let mut by_visit: HashMap<i64, i64> = HashMap::new();
        for row in &rows {
            by_visit.insert(row.try_get("visit_id")?, row.try_get("id")?);
        }
        visits
            .iter()
            .map(|v| {
                v.and_then(|v| by_visit.get(&v).copied())
                    .ok_or_else(|| StoreError::Corrupt("journal entry missing".into()))
            })
            .collect::<Result<_, _>>()?
    };

    let postings: usize = entries.iter().map(|e| e.entry.postings().len()).sum();
    let sql = format!(
        "INSERT INTO ledger_postings (entry_id, account, amount_cents) VALUES {}",
        placeholders(postings, 3, 1)
    );
    let mut q = sqlx::query(batch_sql(conn, sql));
    for (e, id) in entries.iter().zip(&ids) {
        for (account, cents) in e.postings() {
            q = q.bind(*id).bind(account).bind(cents);
        }
    }
    q.execute(&mut *conn).await?;
    let audits: Vec<Audit> = entries
        .iter()
        .zip(&ids)
        .map(|(e, id)| e.audit(*id))
        .collect();
    append_audits(conn, &audits).await?;
    Ok(ids)
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
    /// Words staff wrote (a goodwill credit's reason); empty otherwise.
    pub memo: String,
    /// Connected minutes charged (`hold_capture`), or minutes lost to a fault that a
    /// `credit` makes up for.
    pub minutes: Option<u32>,
    /// The visit's resident, start and facility time zone, for a line about a visit.
    pub resident_name: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub visit_start: Option<Timestamp>,
    pub time_zone: Option<String>,
}

/// A visitor's ledger history, newest first.
pub async fn visitor_history(
    conn: &mut AnyConnection,
    visitor: AccountId,
) -> Result<Vec<LedgerLine>, StoreError> {
    let rows = sqlx::query(
        "SELECT e.id, e.kind, e.visit_id, e.memo, e.minutes, e.created_at, p.amount_cents, \
         r.full_name AS resident_name, v.start_at, f.time_zone \
         FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id \
         LEFT JOIN visits v ON v.id = e.visit_id \
         LEFT JOIN residents r ON r.id = v.resident_id \
         LEFT JOIN facilities f ON f.id = v.facility_id \
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
                minutes: r
                    .try_get::<Option<i64>, _>("minutes")?
                    .and_then(|m| u32::try_from(m).ok()),
                resident_name: r.try_get("resident_name")?,
                visit_start: r
                    .try_get::<Option<i64>, _>("start_at")?
                    .map(from_secs)
                    .transpose()?,
                time_zone: r.try_get("time_zone")?,
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
