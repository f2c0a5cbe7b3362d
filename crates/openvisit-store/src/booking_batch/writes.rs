//! The write half of a batch: one multi-row statement per table. The weekly count
//! and the balance refuse what breaks a limit; the claims' primary key refuses a
//! granule taken since the read.

use std::collections::{HashMap, HashSet};

use openvisit_core::availability::{Placement, RuleViolation};
use openvisit_core::interval::Interval;
use openvisit_core::ledger::{JournalEntry, LedgerAccount};
use openvisit_core::pricing::ChargeKind;
use openvisit_core::{Cents, KioskId, VisitId};
use sqlx::{Any, Row, Transaction};

use super::BookingRequest;
use super::{Job, Plan, Settled};
use crate::claim_names;
use crate::claims::{claim, insert_claims};
use crate::email_outbox::VisitNews;
use crate::error::StoreError;
use crate::ledger::{EntryRows, balance_of, write_entries};
use crate::sql_lists::{batch_sql, numbered, placeholders};
use crate::time::secs;
use crate::visits::{Visit, VisitStatus};
use crate::week_counts::count_up_sql;

/// How the claims are inserted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ClaimMode {
    /// A granule someone else holds fails the statement, and the batch is written
    /// again with `SkipTaken`. The cheap way, for the usual case where the read under
    /// the lock was right.
    Plain,
    /// Granules someone else holds are skipped, then looked up: the booking moves to
    /// another kiosk or is refused.
    SkipTaken,
}

/// One column of the rows a `RETURNING` gave back: who the statement did not refuse.
fn returned<T>(rows: &[sqlx::any::AnyRow], column: &str) -> Result<HashSet<T>, StoreError>
where
    T: std::hash::Hash + Eq + for<'r> sqlx::Decode<'r, Any> + sqlx::Type<Any>,
{
    rows.iter()
        .map(|r| r.try_get::<T, _>(column).map_err(StoreError::from))
        .collect()
}

/// The weekly limit, as conditional upserts (one per distinct limit) so racing
/// bookings cannot pass it; a resident at the limit is answered with `WeeklyLimit`.
pub(super) async fn count_weeks(
    tx: &mut Transaction<'static, Any>,
    jobs: &[Job],
    plans: &[Plan],
    settled: &mut Settled,
) -> Result<(), StoreError> {
    let limits: HashSet<u32> = plans.iter().map(|p| p.weekly_limit).collect();
    for limit in limits {
        let mut group: Vec<&Plan> = plans.iter().filter(|p| p.weekly_limit == limit).collect();
        // One order for every writer's row locks: two batches cannot deadlock here.
        group.sort_by_key(|p| (jobs[p.job].req.resident, p.week.clone()));
        let pairs =
            (0..group.len()).map(|i| (format!("${}", 2 * i + 1), format!("${}", 2 * i + 2)));
        let mut q = sqlx::query(batch_sql(tx, count_up_sql(pairs, limit)));
        for p in &group {
            q = q.bind(jobs[p.job].req.resident.0).bind(p.week.clone());
        }
        let counted: HashSet<i64> = returned(&q.fetch_all(&mut **tx).await?, "resident_id")?;
        for p in group {
            if !counted.contains(&jobs[p.job].req.resident.0) {
                settled.push((p.job, Err(RuleViolation::WeeklyLimit.into())));
            }
        }
    }
    Ok(())
}

/// Takes each paid booking's price from its visitor's guarded balance in one
/// statement; a visitor without enough is answered with `InsufficientFunds`.
pub(super) async fn take_money(
    tx: &mut Transaction<'static, Any>,
    jobs: &[Job],
    plans: &[Plan],
    settled: &mut Settled,
) -> Result<(), StoreError> {
    let paid: Vec<&Plan> = plans.iter().filter(|p| p.price.amount.0 > 0).collect();
    if paid.is_empty() {
        return Ok(());
    }
    let values = numbered(paid.len(), ", ", |n| {
        format!(
            "(CAST(${} AS TEXT), CAST(${} AS BIGINT))",
            2 * n + 1,
            2 * n + 2
        )
    });
    let sql = format!(
        "WITH v(account, amount) AS (VALUES {values}) \
         UPDATE balances SET cents = cents - (SELECT v.amount FROM v WHERE v.account = balances.account) \
         WHERE account IN (SELECT account FROM v) \
         AND cents >= (SELECT v.amount FROM v WHERE v.account = balances.account) \
         RETURNING account"
    );
    let mut q = sqlx::query(batch_sql(tx, sql));
    for p in &paid {
        q = q
            .bind(LedgerAccount::VisitorBalance(jobs[p.job].req.visitor).key())
            .bind(p.price.amount.0);
    }
    let taken: HashSet<String> = returned(&q.fetch_all(&mut **tx).await?, "account")?;
    refuse_unpaid(tx, jobs, &paid, &taken, settled).await
}

/// Answers each paid booking whose visitor's balance was not in `taken` with
/// `InsufficientFunds`, saying how much there is.
pub(super) async fn refuse_unpaid(
    tx: &mut Transaction<'static, Any>,
    jobs: &[Job],
    paid: &[&Plan],
    taken: &HashSet<String>,
    settled: &mut Settled,
) -> Result<(), StoreError> {
    for p in paid {
        let key = LedgerAccount::VisitorBalance(jobs[p.job].req.visitor).key();
        if !taken.contains(&key) {
            let available = balance_of(tx, &key).await?;
            settled.push((
                p.job,
                Err(StoreError::InsufficientFunds {
                    needed: p.price.amount,
                    available,
                }),
            ));
        }
    }
    Ok(())
}

/// The visit rows; their ids by job.
pub(super) async fn insert_visits(
    tx: &mut Transaction<'static, Any>,
    jobs: &[Job],
    plans: &[Plan],
) -> Result<HashMap<usize, VisitId>, StoreError> {
    let sql = format!(
        "INSERT INTO visits (facility_id, resident_id, visitor_id, kind, privileged, \
         housing_kiosk_id, lobby_kiosk_id, start_at, end_at, charge_kind, price_cents, status, \
         refund_cents, created_at, lobby_code) VALUES {} RETURNING id, resident_id",
        plans
            .iter()
            .enumerate()
            .map(|(n, _)| {
                let b = n * 13;
                format!(
                    "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, 'booked', 0, ${}, ${})",
                    b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7, b + 8, b + 9, b + 10, b + 11,
                    b + 12, b + 13
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut q = sqlx::query(batch_sql(tx, sql));
    for p in plans {
        let req = &jobs[p.job].req;
        q = q
            .bind(p.facility.0)
            .bind(req.resident.0)
            .bind(req.visitor.0)
            .bind(req.kind.as_str())
            .bind(i64::from(p.privileged))
            .bind(p.placement.housing_kiosk.0)
            .bind(p.placement.lobby_kiosk.map(|k| k.0))
            .bind(secs(req.start))
            .bind(secs(p.end))
            .bind(p.price.kind.as_str())
            .bind(p.price.amount.0)
            .bind(secs(jobs[p.job].now))
            .bind(p.lobby_code.clone());
    }
    let by_resident: HashMap<i64, usize> = plans
        .iter()
        .map(|p| (jobs[p.job].req.resident.0, p.job))
        .collect();
    let mut ids = HashMap::new();
    for row in q.fetch_all(&mut **tx).await? {
        let resident: i64 = row.try_get("resident_id")?;
        let job = by_resident
            .get(&resident)
            .ok_or_else(|| StoreError::Corrupt("a visit row of no booking".into()))?;
        ids.insert(*job, VisitId(row.try_get("id")?));
    }
    if ids.len() != plans.len() {
        return Err(StoreError::Corrupt("visit rows missing".into()));
    }
    Ok(ids)
}

pub(super) enum Claims {
    /// Every booking holds its granules; some had to move to another kiosk.
    Taken(HashMap<usize, Placement>),
    /// These bookings cannot have their time (a person is busy, or no kiosk is free).
    Refused(Settled),
}

/// Claims every granule of every resource, in key order. What the read did not show
/// (a booking committed since by another connection) is refused by the primary key:
/// a busy person refuses the booking; a taken kiosk sends it to the next free one.
pub(super) async fn claim_all(
    tx: &mut Transaction<'static, Any>,
    jobs: &[Job],
    plans: &[Plan],
    ids: &HashMap<usize, VisitId>,
    mode: ClaimMode,
) -> Result<Claims, StoreError> {
    let mut rows: Vec<(String, i64, i64)> = Vec::new();
    for p in plans {
        let req = &jobs[p.job].req;
        let visit_id = ids[&p.job].0;
        let visit = Interval::new(req.start, p.end);
        let on_kiosk = visit.extended_by_minutes(p.gap);
        for key in [
            claim_names::resident(req.resident),
            claim_names::visitor(req.visitor),
        ] {
            rows.extend(visit.granules().map(|g| (key.clone(), g, visit_id)));
        }
        let mut kiosks = vec![p.placement.housing_kiosk];
        kiosks.extend(p.placement.lobby_kiosk);
        for k in kiosks {
            let key = claim_names::kiosk(k);
            rows.extend(on_kiosk.granules().map(|g| (key.clone(), g, visit_id)));
        }
    }
    // In key order (granule, resource), so two writers cannot deadlock.
    rows.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
    let inserted = insert_claims(tx, &rows, mode == ClaimMode::SkipTaken).await?;
    if inserted == rows.len() {
        return Ok(Claims::Taken(HashMap::new()));
    }
    let missing = missing_claims(tx, &rows).await?;
    let mut moved = HashMap::new();
    let mut refused = Vec::new();
    for p in plans {
        let visit_id = ids[&p.job];
        let Some(resources) = missing.get(&visit_id.0) else {
            continue;
        };
        if resources
            .iter()
            .any(|r| r.starts_with(claim_names::RESIDENT))
        {
            refused.push((p.job, Err(RuleViolation::ResidentBusy.into())));
            continue;
        }
        if resources
            .iter()
            .any(|r| r.starts_with(claim_names::VISITOR))
        {
            refused.push((p.job, Err(RuleViolation::VisitorBusy.into())));
            continue;
        }
        let req = &jobs[p.job].req;
        let on_kiosk = Interval::new(req.start, p.end).extended_by_minutes(p.gap);
        let mut placement = p.placement;
        if resources.contains(&claim_names::kiosk(p.placement.housing_kiosk)) {
            match move_kiosk(
                tx,
                &p.housing_kiosks,
                p.placement.housing_kiosk,
                on_kiosk,
                visit_id,
            )
            .await?
            {
                Some(k) => placement.housing_kiosk = k,
                None => {
                    refused.push((p.job, Err(RuleViolation::NoKioskFree.into())));
                    continue;
                }
            }
        }
        if let Some(lobby) = p.placement.lobby_kiosk
            && resources.contains(&claim_names::kiosk(lobby))
        {
            match move_kiosk(tx, &p.lobby_kiosks, lobby, on_kiosk, visit_id).await? {
                Some(k) => placement.lobby_kiosk = Some(k),
                None => {
                    refused.push((p.job, Err(RuleViolation::NoLobbyKioskFree.into())));
                    continue;
                }
            }
        }
        sqlx::query("UPDATE visits SET housing_kiosk_id = $1, lobby_kiosk_id = $2 WHERE id = $3")
            .bind(placement.housing_kiosk.0)
            .bind(placement.lobby_kiosk.map(|k| k.0))
            .bind(visit_id.0)
            .execute(&mut **tx)
            .await?;
        moved.insert(p.job, placement);
    }
    Ok(if refused.is_empty() {
        Claims::Taken(moved)
    } else {
        Claims::Refused(refused)
    })
}

/// For each visit id, the resources of `rows` it did not get.
async fn missing_claims(
    tx: &mut Transaction<'static, Any>,
    rows: &[(String, i64, i64)],
) -> Result<HashMap<i64, HashSet<String>>, StoreError> {
    let visits: Vec<i64> = rows
        .iter()
        .map(|r| r.2)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let sql = format!(
        "SELECT resource, granule, visit_id FROM claims WHERE visit_id IN ({})",
        numbered(visits.len(), ", ", |n| format!("${}", n + 1))
    );
    let mut q = sqlx::query(batch_sql(tx, sql));
    for v in &visits {
        q = q.bind(*v);
    }
    let mut held = HashSet::new();
    for row in q.fetch_all(&mut **tx).await? {
        held.insert((
            row.try_get::<String, _>("resource")?,
            row.try_get::<i64, _>("granule")?,
            row.try_get::<i64, _>("visit_id")?,
        ));
    }
    let mut missing: HashMap<i64, HashSet<String>> = HashMap::new();
    for (resource, granule, visit) in rows {
        if !held.contains(&(resource.clone(), *granule, *visit)) {
            missing.entry(*visit).or_default().insert(resource.clone());
        }
    }
    Ok(missing)
}

/// Gives up the taken kiosk's granules and claims the first other kiosk that is free.
async fn move_kiosk(
    tx: &mut Transaction<'static, Any>,
    kiosks: &[KioskId],
    taken: KioskId,
    interval: Interval,
    visit: VisitId,
) -> Result<Option<KioskId>, StoreError> {
    sqlx::query("DELETE FROM claims WHERE resource = $1 AND visit_id = $2")
        .bind(claim_names::kiosk(taken))
        .bind(visit.0)
        .execute(&mut **tx)
        .await?;
    for k in kiosks.iter().filter(|k| **k != taken) {
        if claim(tx, &[&claim_names::kiosk(*k)], interval, visit).await? {
            return Ok(Some(*k));
        }
    }
    Ok(None)
}

/// Each paid booking's journal entry and its rows, checked against what `take_money`
/// takes.
pub(super) fn booking_entries<'p>(
    jobs: &[Job],
    plans: &'p [Plan],
    ids: &HashMap<usize, VisitId>,
) -> Result<Vec<(&'p Plan, EntryRows)>, StoreError> {
    let mut entries: Vec<(&Plan, EntryRows)> = Vec::new();
    for p in plans {
        let job = &jobs[p.job];
        let req = &job.req;
        let visit = ids[&p.job];
        let entry = match p.price.kind {
            ChargeKind::Block if p.price.amount.0 > 0 => {
                JournalEntry::visit_charge(req.visitor, p.facility, visit, p.price.amount)?
            }
            ChargeKind::Hold if p.price.amount.0 > 0 => {
                JournalEntry::visit_hold(req.visitor, visit, p.price.amount)?
            }
            _ => continue,
        };
        // The balance was moved by `take_money`: the entry must say the same.
        if entry.sum() != 0
            || entry.effect_on(LedgerAccount::VisitorBalance(req.visitor))
                != Cents(-p.price.amount.0)
        {
            return Err(StoreError::Corrupt(
                "booking entry does not match the charge".into(),
            ));
        }
        let rows = EntryRows::new(entry, Some(req.visitor), Some(p.facility), job.now);
        entries.push((p, rows));
    }
    Ok(entries)
}

/// One balanced journal entry per paid booking, its postings and its audit line,
/// written as the ledger writes every entry.
pub(super) async fn write_ledger(
    tx: &mut Transaction<'static, Any>,
    jobs: &[Job],
    plans: &[Plan],
    ids: &HashMap<usize, VisitId>,
) -> Result<(), StoreError> {
    let entries: Vec<EntryRows> = booking_entries(jobs, plans, ids)?
        .into_iter()
        .map(|(_, rows)| rows)
        .collect();
    write_entries(tx, &entries).await?;
    Ok(())
}

/// The idempotency keys of the bookings that came with one.
pub(super) async fn remember_keys(
    tx: &mut Transaction<'static, Any>,
    jobs: &[Job],
    plans: &[Plan],
    ids: &HashMap<usize, VisitId>,
) -> Result<(), StoreError> {
    let keyed: Vec<(&Plan, &str)> = plans
        .iter()
        .filter_map(|p| jobs[p.job].key.as_deref().map(|k| (p, k)))
        .collect();
    if keyed.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO idempotency (account_id, idem_key, request_hash, status_code, body, \
         created_at) VALUES {}",
        placeholders(keyed.len(), 6, 1)
    );
    let mut q = sqlx::query(batch_sql(tx, sql));
    for (p, key) in keyed {
        let job = &jobs[p.job];
        q = q
            .bind(job.req.visitor.0)
            .bind(key)
            .bind(job.req.fingerprint())
            .bind(201i64)
            .bind(ids[&p.job].0.to_string())
            .bind(secs(job.now));
    }
    q.execute(&mut **tx).await?;
    Ok(())
}

/// The "booked" email of every booking, queued with it (`email_outbox`).
pub(super) async fn queue_emails(
    tx: &mut Transaction<'static, Any>,
    jobs: &[Job],
    plans: &[Plan],
    ids: &HashMap<usize, VisitId>,
) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO email_outbox (visit_id, news, sequence, start_at, end_at, created_at, \
         next_attempt_at) VALUES {}",
        placeholders(plans.len(), 7, 1)
    );
    let mut q = sqlx::query(batch_sql(tx, sql));
    for p in plans {
        let job = &jobs[p.job];
        q = q
            .bind(ids[&p.job].0)
            .bind(VisitNews::Booked.as_str())
            .bind(0i64)
            .bind(secs(job.req.start))
            .bind(secs(p.end))
            .bind(secs(job.now))
            .bind(secs(job.now));
    }
    q.execute(&mut **tx).await?;
    Ok(())
}

pub(super) fn new_visit(
    req: &BookingRequest,
    p: &Plan,
    placement: Placement,
    id: VisitId,
) -> Visit {
    Visit {
        id,
        facility: p.facility,
        resident: req.resident,
        visitor: req.visitor,
        kind: req.kind,
        privileged: p.privileged,
        housing_kiosk: placement.housing_kiosk,
        lobby_kiosk: placement.lobby_kiosk,
        start: req.start,
        end: p.end,
        charge_kind: p.price.kind,
        price: p.price.amount,
        status: VisitStatus::Booked,
        cancelled_by: None,
        cancel_reason: None,
        cancel_code: None,
        refund: Cents::ZERO,
        sequence: 0,
        actual_start: None,
        actual_end: None,
        end_reason: None,
        end_code: None,
        missed_by: None,
        connected_seconds: 0,
        lost_minutes: 0,
        lobby_code: p.lobby_code.clone(),
    }
}
