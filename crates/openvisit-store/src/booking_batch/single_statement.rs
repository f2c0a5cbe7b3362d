//! PostgreSQL's write of a batch as one statement of data-modifying CTEs: the weekly
//! counts, the balances, the visits, their claims, the journal entries with their
//! postings and audit lines, and the idempotency keys. Separately they were eight
//! round trips, and the two writers spent much of their time waiting on them.
//!
//! The ids of the new visits and entries were drawn by the batch's first read, so
//! every row is known here. What decides is the same as in `writes`: the weekly
//! count's conditional upsert and the guarded balance answer which rows they let
//! through (a refusal rolls the batch back, as there), and the claims' primary key
//! fails the whole statement when a granule was taken since the read, which sends the
//! batch to `ClaimMode::SkipTaken`.

use std::collections::{HashMap, HashSet};

use openvisit_core::availability::RuleViolation;
use openvisit_core::interval::Interval;
use openvisit_core::ledger::LedgerAccount;
use openvisit_core::{KioskId, VisitId};
use sqlx::{Any, Row, Transaction};

use super::writes::{booking_entries, refuse_unpaid};
use super::{Job, Plan, Settled};
use crate::email_outbox::VisitNews;
use crate::error::StoreError;
use crate::time::secs;
use crate::week_counts::count_up_sql;

/// The parameters of a statement being built, numbered in the order they are pushed.
#[derive(Default)]
struct Params(Vec<Value>);

enum Value {
    Int(i64),
    OptInt(Option<i64>),
    Text(String),
    OptText(Option<String>),
}

impl Params {
    /// Adds a value and gives its placeholder.
    fn push(&mut self, v: Value) -> String {
        self.0.push(v);
        format!("${}", self.0.len())
    }
    /// `(p1, p2, …)` for one row.
    fn row(&mut self, values: Vec<Value>) -> String {
        let cells: Vec<String> = values.into_iter().map(|v| self.push(v)).collect();
        format!("({})", cells.join(", "))
    }
}

/// Writes the whole batch. `Ok` with the bookings a limit refused (empty when all
/// were written); the caller rolls back if any were.
pub(super) async fn write_batch(
    tx: &mut Transaction<'static, Any>,
    jobs: &[Job],
    plans: &[Plan],
) -> Result<(HashMap<usize, VisitId>, Settled), StoreError> {
    let mut ids = HashMap::new();
    let mut entry_ids = HashMap::new();
    for p in plans {
        let r = p
            .reserved
            .ok_or_else(|| StoreError::Corrupt("no id drawn for a booking".into()))?;
        ids.insert(p.job, r.visit);
        entry_ids.insert(p.job, r.entry);
    }
    let mut params = Params::default();
    let mut ctes: Vec<String> = Vec::new();
    let mut answers: Vec<String> = Vec::new();

    // Weekly counts: one conditional upsert per distinct limit, rows in one order for
    // every writer so two batches cannot deadlock on them.
    let limits: HashSet<u32> = plans.iter().map(|p| p.weekly_limit).collect();
    for (n, limit) in limits.into_iter().enumerate() {
        let mut group: Vec<&Plan> = plans.iter().filter(|p| p.weekly_limit == limit).collect();
        group.sort_by_key(|p| (jobs[p.job].req.resident, p.week.clone()));
        let pairs: Vec<(String, String)> = group
            .iter()
            .map(|p| {
                (
                    params.push(Value::Int(jobs[p.job].req.resident.0)),
                    params.push(Value::Text(p.week.clone())),
                )
            })
            .collect();
        ctes.push(format!("counted{n} AS ({})", count_up_sql(pairs, limit)));
        answers.push(format!(
            "SELECT 'counted' AS what, CAST(resident_id AS TEXT) AS who FROM counted{n}"
        ));
    }

    // Money: the guarded balance rows.
    let paid: Vec<&Plan> = plans.iter().filter(|p| p.price.amount.0 > 0).collect();
    if !paid.is_empty() {
        let rows: Vec<String> = paid
            .iter()
            .map(|p| {
                params.row(vec![
                    Value::Text(LedgerAccount::VisitorBalance(jobs[p.job].req.visitor).key()),
                    Value::Int(p.price.amount.0),
                ])
            })
            .collect();
        ctes.push(format!(
            "paid AS (UPDATE balances SET cents = balances.cents - x.amount \
             FROM (VALUES {}) AS x(account, amount) \
             WHERE balances.account = x.account AND balances.cents >= x.amount \
             RETURNING balances.account)",
            rows.join(", ")
        ));
        answers.push("SELECT 'paid' AS what, account AS who FROM paid".into());
    }

    // Visits, with the ids drawn for them.
    let rows: Vec<String> = plans
        .iter()
        .map(|p| {
            let req = &jobs[p.job].req;
            params.row(vec![
                Value::Int(ids[&p.job].0),
                Value::Int(p.facility.0),
                Value::Int(req.resident.0),
                Value::Int(req.visitor.0),
                Value::Text(req.kind.as_str().into()),
                Value::Int(i64::from(p.privileged)),
                Value::Int(p.placement.housing_kiosk.0),
                Value::OptInt(p.placement.lobby_kiosk.map(|k| k.0)),
                Value::Int(secs(req.start)),
                Value::Int(secs(p.end)),
                Value::Text(p.price.kind.as_str().into()),
                Value::Int(p.price.amount.0),
                Value::Int(secs(jobs[p.job].now)),
                Value::OptText(p.lobby_code.clone()),
            ])
        })
        .collect();
    ctes.push(format!(
        "visits_written AS (INSERT INTO visits (id, facility_id, resident_id, visitor_id, kind, \
         privileged, housing_kiosk_id, lobby_kiosk_id, start_at, end_at, charge_kind, \
         price_cents, created_at, lobby_code, status, refund_cents) \
         SELECT *, 'booked', 0 FROM (VALUES {}) AS x)",
        rows.join(", ")
    ));

    // Claims: a range of granules per resource, expanded by the database and inserted
    // in key order (as `claim_all` does, byte order of the resource).
    let mut rows = Vec::new();
    for p in plans {
        let req = &jobs[p.job].req;
        let visit = Interval::new(req.start, p.end);
        let on_kiosk = visit.extended_by_minutes(p.gap);
        let mut ranges = vec![
            (crate::claim_names::resident(req.resident), visit.granules()),
            (crate::claim_names::visitor(req.visitor), visit.granules()),
        ];
        let kiosks: Vec<KioskId> = std::iter::once(p.placement.housing_kiosk)
            .chain(p.placement.lobby_kiosk)
            .collect();
        ranges.extend(
            kiosks
                .into_iter()
                .map(|k| (crate::claim_names::kiosk(k), on_kiosk.granules())),
        );
        for (resource, granules) in ranges {
            rows.push(params.row(vec![
                Value::Text(resource),
                Value::Int(ids[&p.job].0),
                Value::Int(granules.start),
                Value::Int(granules.end),
            ]));
        }
    }
    ctes.push(format!(
        "claimed AS (INSERT INTO claims (resource, granule, visit_id) \
         SELECT x.resource, g, x.visit FROM (VALUES {}) AS x(resource, visit, first, past), \
         generate_series(x.first, x.past - 1) AS g ORDER BY g, x.resource COLLATE \"C\")",
        rows.join(", ")
    ));

    // The journal: entries, postings and one audit line each.
    let entries = booking_entries(jobs, plans, &ids)?;
    if !entries.is_empty() {
        let mut entry_rows = Vec::new();
        let mut posting_rows = Vec::new();
        let mut audit_rows = Vec::new();
        for (p, e) in &entries {
            let entry = entry_ids[&p.job];
            entry_rows.push(params.row(vec![
                Value::Int(entry),
                Value::Text(e.entry.kind().as_str().into()),
                Value::OptInt(e.entry.visit().map(|v| v.0)),
                Value::OptInt(e.actor.map(|a| a.0)),
                Value::Text(e.memo.clone()),
                Value::OptInt(e.minutes.map(i64::from)),
                Value::Int(secs(e.at)),
            ]));
            for (account, cents) in e.postings() {
                posting_rows.push(params.row(vec![
                    Value::Int(entry),
                    Value::Text(account),
                    Value::Int(cents),
                ]));
            }
            let a = e.audit(entry);
            audit_rows.push(params.row(vec![
                Value::Int(secs(a.at)),
                Value::OptInt(a.actor.map(|x| x.0)),
                Value::OptInt(a.facility.map(|x| x.0)),
                Value::Text(a.action.into()),
                Value::Text(a.subject),
                Value::Text(a.detail),
            ]));
        }
        ctes.push(format!(
            "entries AS (INSERT INTO ledger_entries (id, kind, visit_id, actor_id, memo, \
             minutes, created_at) VALUES {})",
            entry_rows.join(", ")
        ));
        ctes.push(format!(
            "postings AS (INSERT INTO ledger_postings (entry_id, account, amount_cents) VALUES {})",
            posting_rows.join(", ")
        ));
        ctes.push(format!(
            "audited AS (INSERT INTO audit_log (at, actor_id, facility_id, action, subject, \
             detail) VALUES {})",
            audit_rows.join(", ")
        ));
    }

    // Idempotency keys of the bookings that came with one.
    let keyed: Vec<String> = plans
        .iter()
        .filter_map(|p| {
            let job = &jobs[p.job];
            let key = job.key.as_deref()?;
            Some(params.row(vec![
                Value::Int(job.req.visitor.0),
                Value::Text(key.into()),
                Value::Text(job.req.fingerprint()),
                Value::Int(201),
                Value::Text(ids[&p.job].0.to_string()),
                Value::Int(secs(job.now)),
            ]))
        })
        .collect();
    if !keyed.is_empty() {
        ctes.push(format!(
            "keys AS (INSERT INTO idempotency (account_id, idem_key, request_hash, status_code, \
             body, created_at) VALUES {})",
            keyed.join(", ")
        ));
    }

    // The "booked" email of every booking (`email_outbox`).
    let mails: Vec<String> = plans
        .iter()
        .map(|p| {
            let job = &jobs[p.job];
            params.row(vec![
                Value::Int(ids[&p.job].0),
                Value::Text(VisitNews::Booked.as_str().into()),
                Value::Int(secs(job.req.start)),
                Value::Int(secs(p.end)),
                Value::Int(secs(job.now)),
            ])
        })
        .collect();
    ctes.push(format!(
        "mailed AS (INSERT INTO email_outbox (visit_id, news, start_at, end_at, created_at, \
         sequence, next_attempt_at) SELECT v, n, s, e, c, 0, c FROM (VALUES {}) AS x(v, n, s, e, c))",
        mails.join(", ")
    ));

    let sql = format!("WITH {} {}", ctes.join(", "), answers.join(" UNION ALL "));
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for v in params.0 {
        q = match v {
            Value::Int(i) => q.bind(i),
            Value::OptInt(i) => q.bind(i),
            Value::Text(t) => q.bind(t),
            Value::OptText(t) => q.bind(t),
        };
    }
    let mut counted = HashSet::new();
    let mut taken = HashSet::new();
    for row in q.fetch_all(&mut **tx).await? {
        let who: String = row.try_get("who")?;
        match row.try_get::<String, _>("what")?.as_str() {
            "counted" => counted.insert(who),
            _ => taken.insert(who),
        };
    }
    let mut refused = Settled::new();
    for p in plans {
        if !counted.contains(&jobs[p.job].req.resident.0.to_string()) {
            refused.push((p.job, Err(RuleViolation::WeeklyLimit.into())));
        }
    }
    refuse_unpaid(tx, jobs, &paid, &taken, &mut refused).await?;
    Ok((ids, refused))
}
