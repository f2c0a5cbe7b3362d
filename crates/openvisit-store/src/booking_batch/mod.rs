//! The booking writer: one task per database that takes the bookings waiting at that
//! moment and writes them in one transaction, with one multi-row statement per table
//! rather than a dozen statements per booking.
//!
//! What decides is unchanged: the claims table's primary key (no two visits share a
//! resource's granule), the conditional weekly-count upsert and the guarded balance
//! row. A batch never holds two bookings of the same visitor or of the same resident,
//! so each of those rows is touched once per statement. A booking that fails a rule is
//! answered and left out; if that is only found by a write, the transaction is rolled
//! back and the rest are written again without it, so nothing is half-written.

mod plan;
mod request;
mod single_statement;
mod writes;

use std::collections::{HashMap, HashSet, VecDeque};

use jiff::Timestamp;
use openvisit_core::availability::Placement;
use openvisit_core::pricing::Quote;
use openvisit_core::{FacilityId, KioskId, VisitId};
use sqlx::{Any, AnyPool, Transaction};
use tokio::sync::{mpsc, oneshot};

use crate::backend::{Backend, MAX_ATTEMPTS, is_retryable};
use crate::error::StoreError;
use crate::schedule::FacilityConfig;
use plan::plan;
pub(crate) use request::replay;
pub use request::{Booked, BookingRequest};
pub(crate) use request::{booking_row, resident_for_booking};
use writes::{
    ClaimMode, Claims, claim_all, count_weeks, insert_visits, new_visit, queue_emails,
    remember_keys, take_money, write_ledger,
};

/// Each facility's configuration as last read, kept by a writer between batches.
type ConfigCache = HashMap<FacilityId, FacilityConfig>;

/// Bookings written in one transaction at most.
const MAX_BATCH: usize = 64;
/// How many times the writer yields to let more bookings join a batch.
const GATHER_YIELDS: usize = 8;

struct Job {
    req: BookingRequest,
    key: Option<String>,
    now: Timestamp,
    reply: oneshot::Sender<Result<Booked, StoreError>>,
}

/// Where bookings are sent to be written: one writer on SQLite (it has one writer
/// anyway), `POSTGRES_WRITERS` on PostgreSQL. A visitor's bookings always go to the
/// same writer, so their money is never spent by two batches at once; anything else
/// two writers share (a resident, a kiosk, a week's count) the database guards.
#[derive(Debug, Clone)]
pub(crate) struct BookingQueue(Vec<mpsc::Sender<Job>>);

/// Batch writers on PostgreSQL: enough to keep its backends busy while one of them
/// waits for the network.
const POSTGRES_WRITERS: usize = 2;

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job").finish_non_exhaustive()
    }
}

impl BookingQueue {
    /// Starts the writer on `pool` (SQLite: the one write connection). It stops when
    /// the last `Db` holding this queue is dropped.
    pub(crate) fn start(pool: &AnyPool, backend: Backend) -> BookingQueue {
        let writers = match backend {
            Backend::Sqlite => 1,
            Backend::Postgres => POSTGRES_WRITERS,
        };
        BookingQueue(
            (0..writers)
                .map(|_| {
                    let (tx, rx) = mpsc::channel(4 * MAX_BATCH);
                    tokio::spawn(writer(pool.clone(), backend, rx));
                    tx
                })
                .collect(),
        )
    }

    pub(crate) async fn book(
        &self,
        req: &BookingRequest,
        key: Option<&str>,
        now: Timestamp,
    ) -> Result<Booked, StoreError> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            req: req.clone(),
            key: key.map(str::to_owned),
            now,
            reply,
        };
        let stopped = || StoreError::Operator("the booking writer has stopped".into());
        let shard = usize::try_from(req.visitor.0.rem_euclid(self.0.len() as i64)).unwrap_or(0);
        self.0[shard].send(job).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

async fn writer(pool: AnyPool, backend: Backend, mut inbox: mpsc::Receiver<Job>) {
    let mut waiting: VecDeque<Job> = VecDeque::new();
    let mut configs = ConfigCache::new();
    loop {
        if waiting.is_empty() {
            match inbox.recv().await {
                Some(job) => waiting.push_back(job),
                None => return,
            }
        }
        // Let bookings sent at the same moment join: yield while more keep arriving.
        for round in 0..GATHER_YIELDS {
            let before = waiting.len();
            while waiting.len() < 4 * MAX_BATCH {
                match inbox.try_recv() {
                    Ok(job) => waiting.push_back(job),
                    Err(_) => break,
                }
            }
            if (round > 0 && waiting.len() == before) || waiting.len() >= MAX_BATCH {
                break;
            }
            tokio::task::yield_now().await;
        }
        let batch = take_batch(&mut waiting);
        let results = run_batch(&pool, backend, &batch, &mut configs).await;
        for (job, result) in batch.into_iter().zip(results) {
            // The caller may have gone away; what was written stays written.
            let _ = job.reply.send(result);
        }
    }
}

/// The oldest waiting bookings with no visitor or resident twice; the others keep
/// their place in the queue.
fn take_batch(waiting: &mut VecDeque<Job>) -> Vec<Job> {
    let mut batch = Vec::new();
    let mut later = VecDeque::new();
    let mut visitors = HashSet::new();
    let mut residents = HashSet::new();
    while let Some(job) = waiting.pop_front() {
        let fresh = !visitors.contains(&job.req.visitor) && !residents.contains(&job.req.resident);
        // Anyone seen stays reserved, so a person's bookings are written in order.
        visitors.insert(job.req.visitor);
        residents.insert(job.req.resident);
        if fresh && batch.len() < MAX_BATCH {
            batch.push(job);
        } else {
            later.push_back(job);
        }
    }
    *waiting = later;
    batch
}

/// The result of each job, in order.
#[tracing::instrument(level = "debug", name = "db.booking_batch", skip_all, fields(size = jobs.len()))]
async fn run_batch(
    pool: &AnyPool,
    backend: Backend,
    jobs: &[Job],
    configs: &mut ConfigCache,
) -> Vec<Result<Booked, StoreError>> {
    let mut results: Vec<Option<Result<Booked, StoreError>>> = jobs.iter().map(|_| None).collect();
    let mut retries = 0;
    let mut rounds = 0;
    // After an unexpected error the rest go one at a time, so it reaches only its own.
    let mut alone = false;
    let mut mode = ClaimMode::Plain;
    loop {
        let mut pending: Vec<usize> = (0..jobs.len()).filter(|i| results[*i].is_none()).collect();
        if pending.is_empty() {
            break;
        }
        rounds += 1;
        if rounds > MAX_ATTEMPTS as usize + jobs.len() {
            for i in pending {
                results[i] = Some(Err(StoreError::conflict("error-try-again")));
            }
            break;
        }
        if alone {
            pending.truncate(1);
        }
        match attempt(pool, backend, jobs, &pending, mode, configs).await {
            Ok(settled) => {
                for (i, r) in settled {
                    results[i] = Some(r);
                }
            }
            // A granule was taken since the read (another writer): write the batch
            // again, skipping taken granules and moving or refusing their bookings.
            Err(e) if e.is_unique_violation() && mode == ClaimMode::Plain => {
                mode = ClaimMode::SkipTaken;
            }
            Err(e) if is_retryable(&e) && retries + 1 < MAX_ATTEMPTS => retries += 1,
            Err(e) if pending.len() == 1 => results[pending[0]] = Some(Err(e)),
            Err(_) => alone = true,
        }
    }
    results
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err(StoreError::Corrupt("booking left unanswered".into()))))
        .collect()
}

/// Jobs answered by one attempt; the others are tried again.
type Settled = Vec<(usize, Result<Booked, StoreError>)>;

async fn attempt(
    pool: &AnyPool,
    backend: Backend,
    jobs: &[Job],
    pending: &[usize],
    mode: ClaimMode,
    configs: &mut ConfigCache,
) -> Result<Settled, StoreError> {
    let mut tx = match backend {
        Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await?,
        Backend::Postgres => pool.begin().await?,
    };
    match write_batch(&mut tx, backend, jobs, pending, mode, configs).await {
        Ok(Step::Commit(settled)) => {
            tx.commit().await?;
            Ok(settled)
        }
        Ok(Step::Rollback(settled)) => {
            tx.rollback().await?;
            Ok(settled)
        }
        Err(e) => {
            let _ = tx.rollback().await;
            Err(e)
        }
    }
}

enum Step {
    /// Everything written is final: commit, then answer these.
    Commit(Settled),
    /// A write refused some bookings: roll back, answer these, write the rest again.
    Rollback(Settled),
}

/// A booking that passed the rules, with where and for how much.
struct Plan {
    job: usize,
    facility: FacilityId,
    privileged: bool,
    placement: Placement,
    /// The unit's and the lobby's kiosks in id order, for when the chosen one is taken.
    housing_kiosks: Vec<KioskId>,
    lobby_kiosks: Vec<KioskId>,
    end: Timestamp,
    price: Quote,
    lobby_code: Option<String>,
    weekly_limit: u32,
    week: String,
    gap: u32,
    /// PostgreSQL: the ids drawn for its visit and journal entry.
    reserved: Option<Reserved>,
}

/// Ids drawn from the sequences before the batch writes.
#[derive(Debug, Clone, Copy)]
struct Reserved {
    visit: VisitId,
    entry: i64,
}

async fn write_batch(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    jobs: &[Job],
    pending: &[usize],
    mode: ClaimMode,
    configs: &mut ConfigCache,
) -> Result<Step, StoreError> {
    let mut settled: Settled = Vec::new();
    let plans = plan(tx, backend, jobs, pending, configs, &mut settled).await?;
    if plans.is_empty() {
        return Ok(Step::Commit(settled));
    }
    if backend == Backend::Postgres && mode == ClaimMode::Plain {
        let (ids, refused) = single_statement::write_batch(tx, jobs, &plans).await?;
        if !refused.is_empty() {
            settled.extend(refused);
            return Ok(Step::Rollback(settled));
        }
        for p in &plans {
            let visit = new_visit(&jobs[p.job].req, p, p.placement, ids[&p.job]);
            settled.push((p.job, Ok(Booked::New(visit))));
        }
        return Ok(Step::Commit(settled));
    }
    let before = settled.len();
    count_weeks(tx, jobs, &plans, &mut settled).await?;
    take_money(tx, jobs, &plans, &mut settled).await?;
    if settled.len() > before {
        return Ok(Step::Rollback(settled));
    }
    let ids = insert_visits(tx, jobs, &plans).await?;
    let moved = match claim_all(tx, jobs, &plans, &ids, mode).await? {
        Claims::Taken(moved) => moved,
        Claims::Refused(refused) => {
            settled.extend(refused);
            return Ok(Step::Rollback(settled));
        }
    };
    write_ledger(tx, jobs, &plans, &ids).await?;
    remember_keys(tx, jobs, &plans, &ids).await?;
    queue_emails(tx, jobs, &plans, &ids).await?;
    for p in &plans {
        let placement = moved.get(&p.job).copied().unwrap_or(p.placement);
        let visit = new_visit(&jobs[p.job].req, p, placement, ids[&p.job]);
        settled.push((p.job, Ok(Booked::New(visit))));
    }
    Ok(Step::Commit(settled))
}

#[cfg(test)]
mod tests {
    use openvisit_core::facility::VisitKind;
    use openvisit_core::{AccountId, ResidentId};

    use super::*;

    fn job(visitor: i64, resident: i64) -> Job {
        Job {
            req: BookingRequest {
                visitor: AccountId(visitor),
                resident: ResidentId(resident),
                kind: VisitKind::Remote,
                start: Timestamp::UNIX_EPOCH,
                length_minutes: 30,
            },
            key: None,
            now: Timestamp::UNIX_EPOCH,
            reply: oneshot::channel().0,
        }
    }

    fn people(jobs: &[Job]) -> Vec<(i64, i64)> {
        jobs.iter()
            .map(|j| (j.req.visitor.0, j.req.resident.0))
            .collect()
    }

    #[test]
    fn a_batch_holds_each_visitor_and_resident_once_and_keeps_their_order() {
        let mut waiting: VecDeque<Job> = [(1, 10), (2, 20), (1, 11), (3, 10), (4, 40), (1, 12)]
            .into_iter()
            .map(|(v, r)| job(v, r))
            .collect();
        let first = take_batch(&mut waiting);
        assert_eq!(people(&first), vec![(1, 10), (2, 20), (4, 40)]);
        let rest: Vec<Job> = waiting.drain(..).collect();
        assert_eq!(people(&rest), vec![(1, 11), (3, 10), (1, 12)]);
        let mut waiting: VecDeque<Job> = rest.into_iter().collect();
        // Visitor 1's second booking goes before their third, resident 10's in turn.
        assert_eq!(people(&take_batch(&mut waiting)), vec![(1, 11), (3, 10)]);
        assert_eq!(people(&take_batch(&mut waiting)), vec![(1, 12)]);
        assert!(waiting.is_empty());
    }

    #[test]
    fn a_batch_stops_at_its_size() {
        let mut waiting: VecDeque<Job> = (0..MAX_BATCH as i64 + 5).map(|i| job(i, i)).collect();
        assert_eq!(take_batch(&mut waiting).len(), MAX_BATCH);
        assert_eq!(waiting.len(), 5);
        assert_eq!(waiting[0].req.visitor.0, MAX_BATCH as i64);
    }
}
