//! Booking: one transaction that checks the rules, claims 5-minute granules for every
//! resource the visit uses, bumps the resident's weekly count and takes the money.
//! The claims table's primary key decides who wins a race, on every backend.

use jiff::Timestamp;
use openvisit_core::availability::KioskCalendar;
use openvisit_core::availability::{RuleViolation, week_of};
use openvisit_core::facility::VisitKind;
use openvisit_core::interval::{Interval, add_minutes};
use openvisit_core::ledger::JournalEntry;
use openvisit_core::pricing::{ChargeKind, quote};
use openvisit_core::{AccountId, Cents, FacilityId, HousingUnitId, KioskId, ResidentId, VisitId};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::{Any, AnyConnection, AssertSqlSafe, Row, Transaction};

use crate::db::{Backend, Db, MAX_ATTEMPTS, is_retryable};
use crate::error::StoreError;
use crate::ledger::post_entry;
use crate::lobby::unused_lobby_code;
use crate::schedule::{ScheduleData, load_kiosk_schedule};
use crate::time::secs;
use crate::visits::{Visit, VisitStatus, get_visit};

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
    // Read the facility side of the schedule before taking the write lock: it only
    // chooses a kiosk and checks the rules, the writes decide. This keeps SQLite's one
    // writer, and PostgreSQL's row locks, busy for as short a time as possible.
    let snapshot = {
        let mut conn = db.pool.acquire().await?;
        if let Some(key) = idempotency_key
            && let Some(v) = replay(&mut conn, req, key).await?
        {
            return Ok(Booked::Replayed(v));
        }
        let (facility, unit, _) = resident_for_booking(&mut conn, req, Backend::Sqlite).await?;
        load_booking_schedule(&mut conn, req, facility, unit).await?
    };
    let mut attempt = 0;
    loop {
        attempt += 1;
        let mut tx = db.begin_write().await?;
        match book_in_tx(&mut tx, db.backend, req, idempotency_key, now, &snapshot).await {
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

async fn load_booking_schedule(
    conn: &mut AnyConnection,
    req: &BookingRequest,
    facility: FacilityId,
    unit: HousingUnitId,
) -> Result<ScheduleData, StoreError> {
    let end = add_minutes(req.start, i64::from(req.length_minutes));
    load_kiosk_schedule(
        conn,
        facility,
        unit,
        add_minutes(req.start, -24 * 60),
        add_minutes(end, 24 * 60),
        req.kind == VisitKind::OnSite,
    )
    .await
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

/// Inserts claims for each of `resources` over `interval` in one statement; false if
/// any granule is taken (what was inserted is removed again, so the transaction can go
/// on).
pub(crate) async fn claim(
    conn: &mut AnyConnection,
    resources: &[&str],
    interval: Interval,
    visit: VisitId,
) -> Result<bool, StoreError> {
    let granules: Vec<i64> = interval.granules().collect();
    let mut sql = String::from("INSERT INTO claims (resource, granule, visit_id) VALUES ");
    let mut n = 1;
    for (r, _) in resources.iter().enumerate() {
        for (g, _) in granules.iter().enumerate() {
            if r + g > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("(${}, ${}, ${})", n, n + 1, n + 2));
            n += 3;
        }
    }
    sql.push_str(" ON CONFLICT DO NOTHING");
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for r in resources {
        for g in &granules {
            q = q.bind(*r).bind(*g).bind(visit.0);
        }
    }
    let inserted = q.execute(&mut *conn).await?.rows_affected();
    if inserted == (granules.len() * resources.len()) as u64 {
        return Ok(true);
    }
    for r in resources {
        sqlx::query("DELETE FROM claims WHERE resource = $1 AND visit_id = $2")
            .bind(*r)
            .bind(visit.0)
            .execute(&mut *conn)
            .await?;
    }
    Ok(false)
}

fn kiosk_key(k: KioskId) -> String {
    format!("kiosk:{k}")
}

/// The resident's facility and unit, refusing a released resident or a visitor who
/// is not approved for them. On PostgreSQL inside the booking transaction the resident,
/// approval and facility rows are share-locked until commit, so a suspension, a release
/// or a blackout that races with this booking waits for it, then sees and cancels the
/// new visit.
async fn resident_for_booking(
    conn: &mut AnyConnection,
    req: &BookingRequest,
    backend: Backend,
) -> Result<(FacilityId, HousingUnitId, bool), StoreError> {
    if backend == Backend::Postgres {
        let locked = sqlx::query(
            "SELECT r.facility_id, r.housing_unit_id, r.status, a.status AS approval, \
             a.privileged AS privileged \
             FROM residents r JOIN approvals a ON a.resident_id = r.id AND a.visitor_id = $2 \
             JOIN facilities f ON f.id = r.facility_id WHERE r.id = $1 FOR SHARE",
        )
        .bind(req.resident.0)
        .bind(req.visitor.0)
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(row) = locked {
            return booking_row(&row);
        }
    }
    let row = sqlx::query(
        "SELECT r.facility_id, r.housing_unit_id, r.status, a.status AS approval, \
         a.privileged AS privileged \
         FROM residents r LEFT JOIN approvals a ON a.resident_id = r.id AND a.visitor_id = $2 \
         WHERE r.id = $1",
    )
    .bind(req.resident.0)
    .bind(req.visitor.0)
    .fetch_optional(conn)
    .await?
    .ok_or(StoreError::NotFound("resident"))?;
    booking_row(&row)
}

/// The resident's facility and unit, and whether the approval is privileged (attorney).
fn booking_row(row: &sqlx::any::AnyRow) -> Result<(FacilityId, HousingUnitId, bool), StoreError> {
    if row.try_get::<String, _>("status")? != "active" {
        return Err(StoreError::Invalid(
            "this person is no longer at the facility".into(),
        ));
    }
    if row.try_get::<Option<String>, _>("approval")?.as_deref() != Some("approved") {
        return Err(StoreError::Forbidden);
    }
    Ok((
        FacilityId(row.try_get("facility_id")?),
        HousingUnitId(row.try_get("housing_unit_id")?),
        row.try_get::<Option<i64>, _>("privileged")?.unwrap_or(0) != 0,
    ))
}

/// After a person claim failed: which of the two was busy.
pub(crate) async fn busy_person(
    conn: &mut AnyConnection,
    resident_key: &str,
    interval: Interval,
) -> Result<RuleViolation, StoreError> {
    let g = interval.granules();
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM claims WHERE resource = $1 AND granule >= $2 AND granule < $3",
    )
    .bind(resident_key)
    .bind(g.start)
    .bind(g.end)
    .fetch_one(conn)
    .await?;
    Ok(if row.try_get::<i64, _>("n")? > 0 {
        RuleViolation::ResidentBusy
    } else {
        RuleViolation::VisitorBusy
    })
}

/// The booking itself. About a dozen statements: the schedule's facility side is read
/// for the rule check and the kiosk choice, and everything that races (people, kiosks,
/// the weekly limit, the balance) is decided by writes that cannot both succeed.
async fn book_in_tx(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    req: &BookingRequest,
    key: Option<&str>,
    now: Timestamp,
    snapshot: &ScheduleData,
) -> Result<Booked, StoreError> {
    if let Some(key) = key
        && let Some(v) = replay(tx, req, key).await?
    {
        return Ok(Booked::Replayed(v));
    }
    let (facility, unit, privileged) = resident_for_booking(tx, req, backend).await?;
    let end = add_minutes(req.start, i64::from(req.length_minutes));
    // Blackouts again, under the lock: one may have been declared since the snapshot.
    let blacked_out = sqlx::query(
        "SELECT COUNT(*) AS n FROM blackouts WHERE facility_id = $1 AND start_at < $2 AND end_at > $3",
    )
    .bind(facility.0)
    .bind(secs(end))
    .bind(secs(req.start))
    .fetch_one(&mut **tx)
    .await?
    .try_get::<i64, _>("n")?;
    if blacked_out > 0 {
        return Err(RuleViolation::Blackout.into());
    }
    // The resident moved since the snapshot (a roster import): read their new unit.
    let reloaded;
    let data = if snapshot.unit == unit {
        snapshot
    } else {
        reloaded = load_booking_schedule(tx, req, facility, unit).await?;
        &reloaded
    };
    let placement = match data
        .schedule()
        .check(req.kind, req.length_minutes, req.start, now)
    {
        // The kiosks look taken, but the people's claims come first and give the more
        // useful answer ("you already have a visit then"); the kiosk claims decide.
        Err(RuleViolation::NoKioskFree | RuleViolation::NoLobbyKioskFree) => {
            first_kiosks(data, req.kind)?
        }
        other => other?,
    };
    let rules = &data.rules;
    let price = quote(&rules.pricing, req.kind, req.length_minutes);
    let lobby_code = match req.kind {
        VisitKind::OnSite => Some(unused_lobby_code(tx, facility).await?),
        VisitKind::Remote => None,
    };

    let row = sqlx::query(
        "INSERT INTO visits (facility_id, resident_id, visitor_id, kind, privileged, \
         housing_kiosk_id, lobby_kiosk_id, start_at, end_at, charge_kind, price_cents, status, \
         refund_cents, created_at, lobby_code) VALUES ($1, $2, $3, $4, $13, $5, $6, $7, $8, $9, \
         $10, 'booked', 0, $11, $12) RETURNING id",
    )
    .bind(facility.0)
    .bind(req.resident.0)
    .bind(req.visitor.0)
    .bind(req.kind.as_str())
    .bind(placement.housing_kiosk.0)
    .bind(placement.lobby_kiosk.map(|k| k.0))
    .bind(secs(req.start))
    .bind(secs(end))
    .bind(price.kind.as_str())
    .bind(price.amount.0)
    .bind(secs(now))
    .bind(lobby_code.as_deref())
    .bind(i64::from(privileged))
    .fetch_one(&mut **tx)
    .await?;
    let visit_id = VisitId(row.try_get("id")?);
    let visit = Interval::new(req.start, end);
    let on_kiosk = visit.extended_by_minutes(rules.kiosk_gap_minutes);

    // People first, then kiosks in id order (the one the check chose first): one
    // global order keeps deadlocks rare.
    let resident_key = format!("resident:{}", req.resident);
    let visitor_key = format!("visitor:{}", req.visitor);
    if !claim(tx, &[&resident_key, &visitor_key], visit, visit_id).await? {
        return Err(busy_person(tx, &resident_key, visit).await?.into());
    }
    let housing = claim_first_free(
        tx,
        &data.housing_kiosks,
        placement.housing_kiosk,
        on_kiosk,
        visit_id,
    )
    .await?
    .ok_or(RuleViolation::NoKioskFree)?;
    let lobby = match placement.lobby_kiosk {
        None => None,
        Some(first) => Some(
            claim_first_free(tx, &data.lobby_kiosks, first, on_kiosk, visit_id)
                .await?
                .ok_or(RuleViolation::NoLobbyKioskFree)?,
        ),
    };
    if housing != placement.housing_kiosk || lobby != placement.lobby_kiosk {
        sqlx::query("UPDATE visits SET housing_kiosk_id = $1, lobby_kiosk_id = $2 WHERE id = $3")
            .bind(housing.0)
            .bind(lobby.map(|k| k.0))
            .bind(visit_id.0)
            .execute(&mut **tx)
            .await?;
    }

    // The weekly limit, as a conditional upsert so racing bookings cannot pass it.
    let limit = i64::from(rules.weekly_limit_per_resident);
    let counted = sqlx::query(
        "INSERT INTO week_counts (resident_id, week_start, visits) VALUES ($1, $2, 1) \
         ON CONFLICT (resident_id, week_start) DO UPDATE SET visits = week_counts.visits + 1 \
         WHERE $3 = 0 OR week_counts.visits < $3",
    )
    .bind(req.resident.0)
    .bind(week_of(rules, req.start).to_string())
    .bind(limit)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if counted == 0 {
        return Err(RuleViolation::WeeklyLimit.into());
    }

    let memo = format!("Visit #{visit_id}");
    let entry = match price.kind {
        ChargeKind::Block if price.amount.0 > 0 => Some(JournalEntry::visit_charge(
            req.visitor,
            facility,
            visit_id,
            price.amount,
        )?),
        ChargeKind::Hold if price.amount.0 > 0 => Some(JournalEntry::visit_hold(
            req.visitor,
            visit_id,
            price.amount,
        )?),
        _ => None,
    };
    if let Some(e) = entry {
        post_entry(tx, &e, Some(req.visitor), Some(facility), &memo, now).await?;
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
    Ok(Booked::New(Visit {
        id: visit_id,
        facility,
        resident: req.resident,
        visitor: req.visitor,
        kind: req.kind,
        privileged,
        housing_kiosk: housing,
        lobby_kiosk: lobby,
        start: req.start,
        end,
        charge_kind: price.kind,
        price: price.amount,
        status: VisitStatus::Booked,
        cancelled_by: None,
        cancel_reason: None,
        refund: Cents::ZERO,
        sequence: 0,
        actual_start: None,
        actual_end: None,
        end_reason: None,
        missed_by: None,
        connected_seconds: 0,
        lost_minutes: 0,
        lobby_code,
    }))
}

/// Claims the kiosk the rule check chose, else the others in id order; the kiosk won.
pub(crate) async fn claim_first_free(
    conn: &mut AnyConnection,
    kiosks: &[KioskCalendar],
    first: KioskId,
    interval: Interval,
    visit: VisitId,
) -> Result<Option<KioskId>, StoreError> {
    let order =
        std::iter::once(first).chain(kiosks.iter().map(|k| k.kiosk).filter(|k| *k != first));
    for k in order {
        if claim(conn, &[&kiosk_key(k)], interval, visit).await? {
            return Ok(Some(k));
        }
    }
    Ok(None)
}

/// When the snapshot shows every kiosk taken: start the claims at the first kiosks and
/// let them decide (a person already busy gets the more precise answer first).
pub(crate) fn first_kiosks(
    data: &ScheduleData,
    kind: VisitKind,
) -> Result<openvisit_core::availability::Placement, RuleViolation> {
    let housing_kiosk = data
        .housing_kiosks
        .first()
        .map(|k| k.kiosk)
        .ok_or(RuleViolation::NoKioskFree)?;
    let lobby_kiosk = match kind {
        VisitKind::OnSite => Some(
            data.lobby_kiosks
                .first()
                .map(|k| k.kiosk)
                .ok_or(RuleViolation::NoLobbyKioskFree)?,
        ),
        VisitKind::Remote => None,
    };
    Ok(openvisit_core::availability::Placement {
        housing_kiosk,
        lobby_kiosk,
    })
}
