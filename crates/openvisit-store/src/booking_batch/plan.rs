//! The read half of a batch: under the write lock, who may book, the facility side
//! of the schedule, and where each booking goes.

use std::collections::{HashMap, HashSet};

use openvisit_core::availability::{RuleViolation, week_of};
use openvisit_core::facility::VisitKind;
use openvisit_core::interval::{BusySet, Interval, add_minutes};
use openvisit_core::pricing::quote;
use openvisit_core::{FacilityId, HousingUnitId, KioskId, VisitId};
use sqlx::{Any, Row, Transaction};

use super::{Booked, booking_row, replay, resident_for_booking};
use super::{ConfigCache, Job, Plan, Reserved, Settled};
use crate::backend::Backend;
use crate::error::StoreError;
use crate::lobby::unused_lobby_code;
use crate::schedule::{ScheduleData, UnitsWanted, load_facility_config, load_unit_schedules};
use crate::sql_lists::{batch_sql, numbered};

/// Reads what the rules need, under the write lock, and places each booking; those
/// that break a rule are answered here (nothing was written for them). One that finds
/// no kiosk only because bookings earlier in the batch took them is left for the next
/// round: they may still be refused by a write.
pub(super) async fn plan(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    jobs: &[Job],
    pending: &[usize],
    configs: &mut ConfigCache,
    settled: &mut Settled,
) -> Result<Vec<Plan>, StoreError> {
    let mut live = Vec::new();
    for &i in pending {
        let job = &jobs[i];
        match &job.key {
            Some(key) => match replay(tx, &job.req, key).await {
                Ok(Some(v)) => settled.push((i, Ok(Booked::Replayed(v)))),
                Ok(None) => live.push(i),
                Err(e) => settled.push((i, Err(e))),
            },
            None => live.push(i),
        }
    }
    let Found {
        mut places,
        revisions,
        mut reserved,
    } = residents_and_approvals(tx, backend, jobs, &live).await?;
    let mut people = Vec::new();
    for i in live {
        match places.get(&i) {
            Some(Ok(place)) => people.push((i, *place)),
            Some(Err(_)) => {
                if let Some(Err(e)) = places.remove(&i) {
                    settled.push((i, Err(e)));
                }
            }
            // No approval row for the pair: say whether the resident exists at all.
            None => {
                let err = resident_for_booking(tx, &jobs[i].req)
                    .await
                    .err()
                    .unwrap_or(StoreError::Forbidden);
                settled.push((i, Err(err)));
            }
        }
    }
    let mut schedules = load_schedules(tx, jobs, &people, &revisions, configs).await?;
    // What the database holds, before this batch marks its own kiosks taken.
    let read = schedules.clone();
    let busy = busy_people(tx, jobs, &people).await?;
    let mut plans = Vec::new();
    for (i, (facility, unit, privileged)) in people {
        let req = &jobs[i].req;
        let Some(data) = schedules.get_mut(&(facility, unit)) else {
            return Err(StoreError::Corrupt("schedule not loaded".into()));
        };
        let end = add_minutes(req.start, i64::from(req.length_minutes));
        let visit = Interval::new(req.start, end);
        let checked = data
            .schedule()
            .check(req.kind, req.length_minutes, req.start, jobs[i].now);
        let placement = match checked {
            Ok(_) | Err(RuleViolation::NoKioskFree | RuleViolation::NoLobbyKioskFree)
                if busy.contains(&(crate::claim_names::resident(req.resident), i)) =>
            {
                Err(RuleViolation::ResidentBusy)
            }
            Ok(_) | Err(RuleViolation::NoKioskFree | RuleViolation::NoLobbyKioskFree)
                if busy.contains(&(crate::claim_names::visitor(req.visitor), i)) =>
            {
                Err(RuleViolation::VisitorBusy)
            }
            other => other,
        };
        let placement = match placement {
            Ok(p) => p,
            // Taken only by bookings of this batch, which may yet be refused: decide
            // in the next round, once they are written.
            Err(RuleViolation::NoKioskFree | RuleViolation::NoLobbyKioskFree)
                if read.get(&(facility, unit)).is_some_and(|d| {
                    d.schedule()
                        .check(req.kind, req.length_minutes, req.start, jobs[i].now)
                        .is_ok()
                }) =>
            {
                continue;
            }
            Err(e) => {
                settled.push((i, Err(e.into())));
                continue;
            }
        };
        let rules = &data.rules;
        let gap = rules.kiosk_gap_minutes;
        // Later bookings of this batch see this one's kiosks as taken.
        let on_kiosk = visit.extended_by_minutes(gap);
        mark_taken(&mut data.housing_kiosks, placement.housing_kiosk, on_kiosk);
        if let Some(lobby) = placement.lobby_kiosk {
            mark_taken(&mut data.lobby_kiosks, lobby, on_kiosk);
        }
        let lobby_code = match req.kind {
            VisitKind::OnSite => Some(unused_lobby_code(tx, facility).await?),
            VisitKind::Remote => None,
        };
        plans.push(Plan {
            job: i,
            facility,
            privileged,
            placement,
            housing_kiosks: data.housing_kiosks.iter().map(|k| k.kiosk).collect(),
            lobby_kiosks: data.lobby_kiosks.iter().map(|k| k.kiosk).collect(),
            end,
            price: quote(&rules.pricing, req.kind, req.length_minutes),
            lobby_code,
            weekly_limit: rules.weekly_limit_per_resident,
            week: week_of(rules, req.start).to_string(),
            gap,
            reserved: reserved.remove(&i),
        });
    }
    Ok(plans)
}

fn mark_taken(
    kiosks: &mut [openvisit_core::availability::KioskCalendar],
    kiosk: KioskId,
    interval: Interval,
) {
    if let Some(k) = kiosks.iter_mut().find(|k| k.kiosk == kiosk) {
        let mut busy = k.busy.intervals().to_vec();
        busy.push(interval);
        k.busy = BusySet::new(busy);
    }
}

/// What the batch's first read found.
#[derive(Default)]
struct Found {
    places: Places,
    /// Each facility's `config_revision`.
    revisions: HashMap<FacilityId, i64>,
    /// PostgreSQL: ids drawn for each job's visit and journal entry.
    reserved: HashMap<usize, Reserved>,
}

/// Each job's (facility, unit, privileged), or why it may not book (no entry where
/// the visitor has no approval row for the resident); and each facility's
/// `config_revision`. On PostgreSQL the
/// resident, approval and facility rows are share-locked until commit, so a
/// suspension, a release or a blackout racing with the batch waits for it and then
/// sees (and cancels) the new visits; and the same read draws the ids of the rows the
/// batch will write, so they can all be written in one statement (`single_statement`).
async fn residents_and_approvals(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    jobs: &[Job],
    live: &[usize],
) -> Result<Found, StoreError> {
    let mut found = Found::default();
    if live.is_empty() {
        return Ok(found);
    }
    let mut sql = String::from(
        "SELECT r.id AS resident_id, a.visitor_id AS visitor_id, r.facility_id, \
         r.housing_unit_id, r.status, a.status AS approval, a.privileged AS privileged, \
         f.config_revision AS config_revision",
    );
    if backend == Backend::Postgres {
        // Ids drawn for a booking refused later are skipped; nothing needs them dense.
        sql.push_str(
            ", nextval(pg_get_serial_sequence('visits', 'id')) AS new_visit_id, \
             nextval(pg_get_serial_sequence('ledger_entries', 'id')) AS new_entry_id",
        );
    }
    sql.push_str(
        " FROM residents r JOIN approvals a ON a.resident_id = r.id \
         JOIN facilities f ON f.id = r.facility_id WHERE ",
    );
    sql.push_str(&numbered(live.len(), " OR ", |n| {
        format!("(r.id = ${} AND a.visitor_id = ${})", 2 * n + 1, 2 * n + 2)
    }));
    if backend == Backend::Postgres {
        sql.push_str(" FOR SHARE");
    }
    let mut q = sqlx::query(batch_sql(tx, sql));
    for &i in live {
        q = q.bind(jobs[i].req.resident.0).bind(jobs[i].req.visitor.0);
    }
    let rows = q.fetch_all(&mut **tx).await?;
    let mut by_pair = HashMap::new();
    for row in &rows {
        let r: i64 = row.try_get("resident_id")?;
        let v: i64 = row.try_get("visitor_id")?;
        found.revisions.insert(
            FacilityId(row.try_get("facility_id")?),
            row.try_get::<i64, _>("config_revision")?,
        );
        let reserved = match backend {
            Backend::Postgres => Some(Reserved {
                visit: VisitId(row.try_get("new_visit_id")?),
                entry: row.try_get("new_entry_id")?,
            }),
            Backend::Sqlite => None,
        };
        by_pair.insert((r, v), (booking_row(row), reserved));
    }
    for &i in live {
        let req = &jobs[i].req;
        if let Some((place, reserved)) = by_pair.remove(&(req.resident.0, req.visitor.0)) {
            found.places.insert(i, place);
            if let Some(r) = reserved {
                found.reserved.insert(i, r);
            }
        }
    }
    Ok(found)
}

/// Where each job's resident is, or why it may not book.
type Places = HashMap<usize, Result<(FacilityId, HousingUnitId, bool), StoreError>>;

/// The facility side of the schedule for each (facility, unit) in the batch, over
/// the time its bookings cover: the kept configuration (read again only when its
/// revision moved) and one or two queries per facility for the booked kiosks.
async fn load_schedules(
    tx: &mut Transaction<'static, Any>,
    jobs: &[Job],
    people: &[(usize, (FacilityId, HousingUnitId, bool))],
    revisions: &HashMap<FacilityId, i64>,
    configs: &mut ConfigCache,
) -> Result<HashMap<(FacilityId, HousingUnitId), ScheduleData>, StoreError> {
    let mut wanted: HashMap<FacilityId, UnitsWanted> = HashMap::new();
    for (i, (facility, unit, _)) in people {
        let req = &jobs[*i].req;
        let visit = Interval::new(
            req.start,
            add_minutes(req.start, i64::from(req.length_minutes)),
        );
        let w = wanted.entry(*facility).or_insert_with(|| UnitsWanted {
            facility: *facility,
            units: Vec::new(),
            with_lobby: false,
            span: visit,
        });
        if !w.units.contains(unit) {
            w.units.push(*unit);
        }
        w.with_lobby |= req.kind == VisitKind::OnSite;
        w.span = Interval::new(w.span.start.min(visit.start), w.span.end.max(visit.end));
    }
    let mut out = HashMap::new();
    for w in wanted.values() {
        let revision = revisions
            .get(&w.facility)
            .copied()
            .ok_or_else(|| StoreError::Corrupt("facility revision not read".into()))?;
        let fresh = configs
            .get(&w.facility)
            .is_some_and(|c| c.revision == revision && c.blackouts_from <= w.span.start);
        if !fresh {
            // A day early, so bookings a little earlier than this batch's reuse it.
            let from = add_minutes(w.span.start, -24 * 60);
            let config = load_facility_config(tx, w.facility, revision, from).await?;
            configs.insert(w.facility, config);
        }
        let Some(config) = configs.get(&w.facility) else {
            return Err(StoreError::Corrupt(
                "facility configuration not kept".into(),
            ));
        };
        for (unit, data) in load_unit_schedules(tx, w, config).await? {
            out.insert((w.facility, unit), data);
        }
    }
    Ok(out)
}

/// (person key, job) for each job whose resident or visitor already holds a granule
/// of the visit's time: one probe of the claims key (granule, resource) per job.
async fn busy_people(
    tx: &mut Transaction<'static, Any>,
    jobs: &[Job],
    people: &[(usize, (FacilityId, HousingUnitId, bool))],
) -> Result<HashSet<(String, usize)>, StoreError> {
    let mut out = HashSet::new();
    if people.is_empty() {
        return Ok(out);
    }
    let mut wanted: HashMap<String, Vec<(usize, std::ops::Range<i64>)>> = HashMap::new();
    let mut probes = Vec::new();
    for (i, _) in people {
        let req = &jobs[*i].req;
        let end = add_minutes(req.start, i64::from(req.length_minutes));
        let g = Interval::new(req.start, end).granules();
        let keys = [
            crate::claim_names::resident(req.resident),
            crate::claim_names::visitor(req.visitor),
        ];
        for key in &keys {
            wanted.entry(key.clone()).or_default().push((*i, g.clone()));
        }
        probes.push((g, keys));
    }
    let sql = format!(
        "SELECT resource, granule FROM claims WHERE {}",
        numbered(probes.len(), " OR ", |n| {
            let b = 4 * n;
            format!(
                "(granule >= ${} AND granule < ${} AND resource IN (${}, ${}))",
                b + 1,
                b + 2,
                b + 3,
                b + 4
            )
        })
    );
    let mut q = sqlx::query(batch_sql(tx, sql));
    for (g, [resident, visitor]) in probes {
        q = q.bind(g.start).bind(g.end).bind(resident).bind(visitor);
    }
    for row in q.fetch_all(&mut **tx).await? {
        let resource: String = row.try_get("resource")?;
        let granule: i64 = row.try_get("granule")?;
        if let Some(list) = wanted.get(&resource) {
            for (i, range) in list {
                if range.contains(&granule) {
                    out.insert((resource.clone(), *i));
                }
            }
        }
    }
    Ok(out)
}
