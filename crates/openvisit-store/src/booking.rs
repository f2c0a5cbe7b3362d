//! Booking: one transaction that checks the rules, claims 5-minute granules for every
//! resource the visit uses, bumps the resident's weekly count and takes the money.
//! The claims table's primary key decides who wins a race, on every backend.

use jiff::Timestamp;
use openvisit_core::availability::{RuleViolation, week_of};
use openvisit_core::facility::VisitKind;
use openvisit_core::interval::{Interval, add_minutes};
use openvisit_core::ledger::JournalEntry;
use openvisit_core::pricing::{ChargeKind, quote};
use openvisit_core::{AccountId, KioskId, ResidentId, VisitId};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::{Any, AnyConnection, AssertSqlSafe, Row, Transaction};

use crate::approvals::is_approved;
use crate::db::{Db, MAX_ATTEMPTS, is_retryable};
use crate::error::StoreError;
use crate::ledger::post_entry;
use crate::residents::get_resident;
use crate::schedule::load_schedule;
use crate::time::secs;
use crate::visits::{Visit, get_visit};

/// A visitor's request for a visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingRequest {
    pub visitor: AccountId,
    pub resident: ResidentId,
    pub kind: VisitKind,
    pub start: Timestamp,
    pub length_minutes: u32,
}

impl BookingRequest {
    fn fingerprint(&self) -> String {
        let text = format!(
            "{}|{}|{}|{}|{}",
            self.visitor,
            self.resident,
            self.kind.as_str(),
            self.start.as_second(),
            self.length_minutes
        );
        hex::encode(Sha256::digest(text.as_bytes()))
    }
}

/// What booking answers: a new visit, or the one an earlier request with the same
/// idempotency key made.
#[derive(Debug, Clone)]
pub enum Booked {
    New(Visit),
    Replayed(Visit),
}

impl Booked {
    pub fn visit(&self) -> &Visit {
        match self {
            Booked::New(v) | Booked::Replayed(v) => v,
        }
    }
}

/// Books a visit, retrying on serialization failures and deadlocks.
pub async fn book_visit(
    db: &Db,
    req: &BookingRequest,
    idempotency_key: Option<&str>,
    now: Timestamp,
) -> Result<Booked, StoreError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let mut tx = db.begin_write().await?;
        match book_in_tx(&mut tx, req, idempotency_key, now).await {
            Ok(Booked::Replayed(v)) => {
                tx.rollback().await?;
                return Ok(Booked::Replayed(v));
            }
            Ok(Booked::New(v)) => match tx.commit().await {
                Ok(()) => return Ok(Booked::New(v)),
                Err(e) => {
                    let e = StoreError::from(e);
                    if attempt < MAX_ATTEMPTS && is_retryable(&e) {
                        continue;
                    }
                    return Err(e);
                }
            },
            Err(e) => {
                let _ = tx.rollback().await;
                if attempt < MAX_ATTEMPTS && is_retryable(&e) {
                    continue;
                }
                // A racing request with the same key committed first: answer with it.
                if let (true, Some(key)) = (e.is_unique_violation(), idempotency_key) {
                    let mut conn = db.pool.acquire().await?;
                    if let Some(v) = replay(&mut conn, req, key).await? {
                        return Ok(Booked::Replayed(v));
                    }
                }
                return Err(e);
            }
        }
    }
}

async fn replay(
    conn: &mut AnyConnection,
    req: &BookingRequest,
    key: &str,
) -> Result<Option<Visit>, StoreError> {
    let row = sqlx::query(
        "SELECT request_hash, body FROM idempotency WHERE account_id = $1 AND idem_key = $2",
    )
    .bind(req.visitor.0)
    .bind(key)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let hash: String = row.try_get("request_hash")?;
    if hash != req.fingerprint() {
        return Err(StoreError::IdempotencyMismatch);
    }
    let body: String = row.try_get("body")?;
    let id: i64 = body
        .parse()
        .map_err(|_| StoreError::Corrupt("idempotency body".into()))?;
    Ok(Some(get_visit(conn, VisitId(id)).await?))
}

/// Inserts claims for `resource` over `interval`; false if any granule is taken
/// (what was inserted is removed again, so the transaction can go on).
async fn claim(
    conn: &mut AnyConnection,
    resource: &str,
    interval: Interval,
    visit: VisitId,
) -> Result<bool, StoreError> {
    let granules: Vec<i64> = interval.granules().collect();
    let mut sql = String::from("INSERT INTO claims (resource, granule, visit_id) VALUES ");
    for i in 0..granules.len() {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!("($1, ${}, $2)", i + 3));
    }
    sql.push_str(" ON CONFLICT DO NOTHING");
    let mut q = sqlx::query(AssertSqlSafe(sql)).bind(resource).bind(visit.0);
    for g in &granules {
        q = q.bind(*g);
    }
    let inserted = q.execute(&mut *conn).await?.rows_affected();
    if inserted == granules.len() as u64 {
        return Ok(true);
    }
    sqlx::query("DELETE FROM claims WHERE resource = $1 AND visit_id = $2")
        .bind(resource)
        .bind(visit.0)
        .execute(&mut *conn)
        .await?;
    Ok(false)
}

fn kiosk_key(k: KioskId) -> String {
    format!("kiosk:{k}")
}

async fn book_in_tx(
    tx: &mut Transaction<'static, Any>,
    req: &BookingRequest,
    key: Option<&str>,
    now: Timestamp,
) -> Result<Booked, StoreError> {
    if let Some(key) = key
        && let Some(v) = replay(tx, req, key).await?
    {
        return Ok(Booked::Replayed(v));
    }
    let resident = get_resident(tx, req.resident).await?;
    if !resident.active {
        return Err(StoreError::Invalid(
            "this person is no longer at the facility".into(),
        ));
    }
    if !is_approved(tx, req.visitor, req.resident).await? {
        return Err(StoreError::Forbidden);
    }
    let end = add_minutes(req.start, i64::from(req.length_minutes));
    let data = load_schedule(
        tx,
        resident.facility,
        resident.unit,
        resident.id,
        req.visitor,
        add_minutes(req.start, -24 * 60),
        add_minutes(end, 24 * 60),
    )
    .await?;
    let schedule = data.schedule();
    let placement = schedule.check(req.kind, req.length_minutes, req.start, now)?;
    let rules = &data.rules;
    let price = quote(&rules.pricing, req.kind, req.length_minutes);

    let row = sqlx::query(
        "INSERT INTO visits (facility_id, resident_id, visitor_id, kind, privileged, \
         housing_kiosk_id, lobby_kiosk_id, start_at, end_at, charge_kind, price_cents, status, \
         refund_cents, created_at) VALUES ($1, $2, $3, $4, 0, $5, $6, $7, $8, $9, $10, 'booked', \
         0, $11) RETURNING id",
    )
    .bind(resident.facility.0)
    .bind(resident.id.0)
    .bind(req.visitor.0)
    .bind(req.kind.as_str())
    .bind(placement.housing_kiosk.0)
    .bind(placement.lobby_kiosk.map(|k| k.0))
    .bind(secs(req.start))
    .bind(secs(end))
    .bind(price.kind.as_str())
    .bind(price.amount.0)
    .bind(secs(now))
    .fetch_one(&mut **tx)
    .await?;
    let visit_id = VisitId(row.try_get("id")?);
    let visit = Interval::new(req.start, end);
    let on_kiosk = visit.extended_by_minutes(rules.kiosk_gap_minutes);

    // People first, then kiosks in id order: one global order keeps deadlocks rare.
    if !claim(tx, &format!("resident:{}", req.resident), visit, visit_id).await? {
        return Err(RuleViolation::ResidentBusy.into());
    }
    if !claim(tx, &format!("visitor:{}", req.visitor), visit, visit_id).await? {
        return Err(RuleViolation::VisitorBusy.into());
    }
    let mut housing = None;
    for k in data.housing_kiosks.iter().map(|k| k.kiosk) {
        if claim(tx, &kiosk_key(k), on_kiosk, visit_id).await? {
            housing = Some(k);
            break;
        }
    }
    let housing = housing.ok_or(RuleViolation::NoKioskFree)?;
    let mut lobby = None;
    if req.kind == VisitKind::OnSite {
        for k in data.lobby_kiosks.iter().map(|k| k.kiosk) {
            if claim(tx, &kiosk_key(k), on_kiosk, visit_id).await? {
                lobby = Some(k);
                break;
            }
        }
        if lobby.is_none() {
            return Err(RuleViolation::NoLobbyKioskFree.into());
        }
    }
    if housing != placement.housing_kiosk || lobby != placement.lobby_kiosk {
        sqlx::query("UPDATE visits SET housing_kiosk_id = $1, lobby_kiosk_id = $2 WHERE id = $3")
            .bind(housing.0)
            .bind(lobby.map(|k| k.0))
            .bind(visit_id.0)
            .execute(&mut **tx)
            .await?;
    }

    // The weekly limit, as a conditional update so racing bookings cannot pass it.
    let week = week_of(rules, req.start).to_string();
    sqlx::query(
        "INSERT INTO week_counts (resident_id, week_start, visits) VALUES ($1, $2, 0) \
         ON CONFLICT DO NOTHING",
    )
    .bind(req.resident.0)
    .bind(&week)
    .execute(&mut **tx)
    .await?;
    let limit = i64::from(rules.weekly_limit_per_resident);
    let counted = sqlx::query(
        "UPDATE week_counts SET visits = visits + 1 WHERE resident_id = $1 AND week_start = $2 \
         AND ($3 = 0 OR visits < $3)",
    )
    .bind(req.resident.0)
    .bind(&week)
    .bind(limit)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if counted == 0 {
        return Err(RuleViolation::WeeklyLimit.into());
    }

    let memo = format!("Visit #{visit_id}");
    match price.kind {
        ChargeKind::Free => {}
        ChargeKind::Block if price.amount.0 > 0 => {
            let e =
                JournalEntry::visit_charge(req.visitor, resident.facility, visit_id, price.amount)?;
            post_entry(
                tx,
                &e,
                Some(req.visitor),
                Some(resident.facility),
                &memo,
                now,
            )
            .await?;
        }
        ChargeKind::Hold if price.amount.0 > 0 => {
            let e = JournalEntry::visit_hold(req.visitor, visit_id, price.amount)?;
            post_entry(
                tx,
                &e,
                Some(req.visitor),
                Some(resident.facility),
                &memo,
                now,
            )
            .await?;
        }
        _ => {}
    }
    if let Some(key) = key {
        sqlx::query(
            "INSERT INTO idempotency (account_id, idem_key, request_hash, status_code, body, \
             created_at) VALUES ($1, $2, $3, 201, $4, $5)",
        )
        .bind(req.visitor.0)
        .bind(key)
        .bind(req.fingerprint())
        .bind(visit_id.0.to_string())
        .bind(secs(now))
        .execute(&mut **tx)
        .await?;
    }
    Ok(Booked::New(get_visit(tx, visit_id).await?))
}
