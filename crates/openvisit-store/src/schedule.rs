//! Loads what the core's availability rules need. Booking loads only the facility and
//! kiosk side (the claims table and the weekly counter guard people and limits inside
//! the transaction); listing availability loads the people's calendars too.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::Date;
use openvisit_core::availability::{KioskCalendar, Schedule};
use openvisit_core::facility::FacilityRules;
use openvisit_core::hours::WeeklyHours;
use openvisit_core::interval::{BusySet, Interval, add_minutes};
use openvisit_core::{AccountId, FacilityId, HousingUnitId, KioskId, ResidentId};
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use crate::error::StoreError;
use crate::facilities::{Facility, blackouts, get_facility};
use crate::places::{unit_and_lobby_hours, unit_and_lobby_kiosks, window_from_row};
use crate::time::{from_secs, secs};

/// What occupies a kiosk, a resident or a visitor: every visit that is not cancelled,
/// over its scheduled time. It is what the claims hold (only cancelling and moving a
/// visit release them), so the times offered are the times a booking accepts, also
/// after a visit that ended early. The one definition, for every query here.
macro_rules! occupying {
    () => {
        "status <> 'cancelled'"
    };
}

/// Owned inputs for a `Schedule`.
#[derive(Debug, Clone)]
pub struct ScheduleData {
    pub facility: Facility,
    /// The housing unit whose kiosks and hours these are.
    pub unit: HousingUnitId,
    pub rules: FacilityRules,
    pub unit_hours: WeeklyHours,
    pub lobby_hours: WeeklyHours,
    pub housing_kiosks: Vec<KioskCalendar>,
    pub lobby_kiosks: Vec<KioskCalendar>,
    pub resident_busy: BusySet,
    pub visitor_busy: BusySet,
    pub week_counts: BTreeMap<Date, u32>,
}

impl ScheduleData {
    pub fn schedule(&self) -> Schedule<'_> {
        Schedule {
            rules: &self.rules,
            unit_hours: &self.unit_hours,
            lobby_hours: &self.lobby_hours,
            housing_kiosks: &self.housing_kiosks,
            lobby_kiosks: &self.lobby_kiosks,
            resident_busy: &self.resident_busy,
            visitor_busy: &self.visitor_busy,
            resident_week_counts: &self.week_counts,
        }
    }
}

/// Booked visits touching `[from, to)` selected by `sql` (with `$1` the id, `$2` and
/// `$3` the bounds), as (kiosk or person id, interval).
async fn intervals(
    conn: &mut AnyConnection,
    sql: &'static str,
    id: i64,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<(i64, Interval)>, StoreError> {
    let rows = sqlx::query(sql)
        .bind(id)
        .bind(secs(from))
        .bind(secs(to))
        .fetch_all(conn)
        .await?;
    busy_rows(&rows)
}

/// (kiosk or person id `k`, [`start_at`, `end_at`)) of each row.
fn busy_rows(rows: &[sqlx::any::AnyRow]) -> Result<Vec<(i64, Interval)>, StoreError> {
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get::<Option<i64>, _>("k")?.unwrap_or(0),
                Interval::new(
                    from_secs(r.try_get("start_at")?)?,
                    from_secs(r.try_get("end_at")?)?,
                ),
            ))
        })
        .collect()
}

fn calendars(ids: Vec<KioskId>, busy: &[(i64, Interval)], gap: u32) -> Vec<KioskCalendar> {
    ids.into_iter()
        .map(|kiosk| KioskCalendar {
            kiosk,
            busy: BusySet::new(
                busy.iter()
                    .filter(|(k, _)| *k == kiosk.0)
                    .map(|(_, i)| i.extended_by_minutes(gap))
                    .collect(),
            ),
        })
        .collect()
}

/// The facility's rules, the unit's and lobby's hours, and the kiosks with their
/// booked time between `from` and `to`. People's calendars are left empty.
/// `with_lobby` loads lobby kiosk bookings too (on-site visits).
pub async fn load_kiosk_schedule(
    conn: &mut AnyConnection,
    facility: FacilityId,
    unit: HousingUnitId,
    from: Timestamp,
    to: Timestamp,
    with_lobby: bool,
) -> Result<ScheduleData, StoreError> {
    let facility = get_facility(conn, facility).await?;
    let rules = facility.rules(blackouts(conn, facility.id, from).await?)?;
    let gap = rules.kiosk_gap_minutes;
    // Look a day further back so a long visit plus gap before `from` is seen.
    let wide_from = add_minutes(from, -(24 * 60));
    let (unit_hours, lobby_hours) = unit_and_lobby_hours(conn, facility.id, Some(unit)).await?;
    let (housing_ids, lobby_ids) = unit_and_lobby_kiosks(conn, facility.id, unit).await?;
    let housing_busy = intervals(
        conn,
        concat!(
            "SELECT v.housing_kiosk_id AS k, v.start_at, v.end_at FROM visits v \
             JOIN kiosks k ON k.id = v.housing_kiosk_id WHERE k.housing_unit_id = $1 \
             AND v.",
            occupying!(),
            " AND v.end_at > $2 AND v.start_at < $3"
        ),
        unit.0,
        wide_from,
        to,
    )
    .await?;
    let lobby_busy = if with_lobby {
        intervals(
            conn,
            concat!(
                "SELECT lobby_kiosk_id AS k, start_at, end_at FROM visits WHERE facility_id = $1 \
                 AND lobby_kiosk_id IS NOT NULL AND ",
                occupying!(),
                " AND end_at > $2 AND start_at < $3"
            ),
            facility.id.0,
            wide_from,
            to,
        )
        .await?
    } else {
        Vec::new()
    };
    Ok(ScheduleData {
        housing_kiosks: calendars(housing_ids, &housing_busy, gap),
        lobby_kiosks: calendars(lobby_ids, &lobby_busy, gap),
        resident_busy: BusySet::default(),
        visitor_busy: BusySet::default(),
        week_counts: BTreeMap::new(),
        facility,
        unit,
        rules,
        unit_hours,
        lobby_hours,
    })
}

/// Everything needed to list the visits one visitor can book with one resident
/// between `from` and `to`.
pub async fn load_schedule(
    conn: &mut AnyConnection,
    facility: FacilityId,
    unit: HousingUnitId,
    resident: ResidentId,
    visitor: AccountId,
    from: Timestamp,
    to: Timestamp,
) -> Result<ScheduleData, StoreError> {
    let mut data = load_kiosk_schedule(conn, facility, unit, from, to, true).await?;
    let wide_from = add_minutes(from, -(24 * 60));
    let resident_busy = intervals(
        conn,
        concat!(
            "SELECT resident_id AS k, start_at, end_at FROM visits WHERE resident_id = $1 AND ",
            occupying!(),
            " AND end_at > $2 AND start_at < $3"
        ),
        resident.0,
        wide_from,
        to,
    )
    .await?;
    let visitor_busy = intervals(
        conn,
        concat!(
            "SELECT visitor_id AS k, start_at, end_at FROM visits WHERE visitor_id = $1 AND ",
            occupying!(),
            " AND end_at > $2 AND start_at < $3"
        ),
        visitor.0,
        wide_from,
        to,
    )
    .await?;
    let rows = sqlx::query("SELECT week_start, visits FROM week_counts WHERE resident_id = $1")
        .bind(resident.0)
        .fetch_all(&mut *conn)
        .await?;
    for r in rows {
        let week: String = r.try_get("week_start")?;
        let n: i64 = r.try_get("visits")?;
        if let Ok(d) = week.parse::<Date>() {
            data.week_counts
                .insert(d, u32::try_from(n).unwrap_or(u32::MAX));
        }
    }
    data.resident_busy = BusySet::new(resident_busy.into_iter().map(|(_, i)| i).collect());
    data.visitor_busy = BusySet::new(visitor_busy.into_iter().map(|(_, i)| i).collect());
    Ok(data)
}

/// The longest visit a facility may offer (`FacilitySettings::validate`): a booked
/// visit never spans more than this.
const MAX_VISIT_MINUTES: i64 = 240;

/// One facility's units whose kiosk schedules a booking batch needs, and the time the
/// bookings cover.
pub(crate) struct UnitsWanted {
    pub facility: FacilityId,
    pub units: Vec<HousingUnitId>,
    pub with_lobby: bool,
    /// Earliest start and latest end of the bookings.
    pub span: Interval,
}

/// What booking reads of a facility that only staff change: the facility, its rules
/// with the blackouts that end after `blackouts_from`, and the visiting hours and
/// kiosks of every unit (`None`: the lobby). The booking writer keeps it in memory
/// under the facility's `config_revision`.
#[derive(Debug, Clone)]
pub(crate) struct FacilityConfig {
    pub revision: i64,
    pub facility: Facility,
    pub rules: FacilityRules,
    pub blackouts_from: Timestamp,
    pub hours: BTreeMap<Option<i64>, WeeklyHours>,
    pub kiosks: BTreeMap<Option<i64>, Vec<KioskId>>,
}

/// Reads a facility's configuration; `revision` is the `config_revision` read under
/// the same lock.
pub(crate) async fn load_facility_config(
    conn: &mut AnyConnection,
    facility: FacilityId,
    revision: i64,
    blackouts_from: Timestamp,
) -> Result<FacilityConfig, StoreError> {
    let facility = get_facility(conn, facility).await?;
    let rules = facility.rules(blackouts(conn, facility.id, blackouts_from).await?)?;
    let mut hours: BTreeMap<Option<i64>, WeeklyHours> = BTreeMap::new();
    let rows = sqlx::query(
        "SELECT housing_unit_id, weekday, open_minute, close_minute FROM visiting_hours \
         WHERE facility_id = $1",
    )
    .bind(facility.id.0)
    .fetch_all(&mut *conn)
    .await?;
    for r in &rows {
        let unit: Option<i64> = r.try_get("housing_unit_id")?;
        hours
            .entry(unit)
            .or_default()
            .windows
            .push(window_from_row(r)?);
    }
    let mut kiosks: BTreeMap<Option<i64>, Vec<KioskId>> = BTreeMap::new();
    let rows = sqlx::query(
        "SELECT id, kind, housing_unit_id FROM kiosks WHERE facility_id = $1 \
         AND retired_at IS NULL ORDER BY id",
    )
    .bind(facility.id.0)
    .fetch_all(&mut *conn)
    .await?;
    for r in &rows {
        let unit = if r.try_get::<String, _>("kind")? == "lobby" {
            None
        } else {
            r.try_get::<Option<i64>, _>("housing_unit_id")?
        };
        kiosks
            .entry(unit)
            .or_default()
            .push(KioskId(r.try_get("id")?));
    }
    Ok(FacilityConfig {
        revision,
        facility,
        rules,
        blackouts_from,
        hours,
        kiosks,
    })
}

/// The facility side of the schedule of each wanted unit over `wanted.span`: the
/// configuration plus the kiosks' booked visits, in one query (two with the lobby).
pub(crate) async fn load_unit_schedules(
    conn: &mut AnyConnection,
    wanted: &UnitsWanted,
    config: &FacilityConfig,
) -> Result<BTreeMap<HousingUnitId, ScheduleData>, StoreError> {
    let facility = &config.facility;
    let rules = &config.rules;
    let gap = i64::from(rules.kiosk_gap_minutes);
    // A booked visit [s, e) holds its kiosk until e + gap: it matters if it ends after
    // span.start - gap and starts before span.end + gap.
    let from = add_minutes(wanted.span.start, -gap);
    let to = add_minutes(wanted.span.end, gap);
    let unit_kiosks: Vec<KioskId> = wanted
        .units
        .iter()
        .filter_map(|u| config.kiosks.get(&Some(u.0)))
        .flatten()
        .copied()
        .collect();
    let housing_busy = kiosk_visits(conn, "housing_kiosk_id", &unit_kiosks, from, to).await?;
    let lobby_busy = match (wanted.with_lobby, config.kiosks.get(&None)) {
        (true, Some(lobby)) => kiosk_visits(conn, "lobby_kiosk_id", lobby, from, to).await?,
        _ => Vec::new(),
    };
    let gap = rules.kiosk_gap_minutes;
    let lobby_hours = config.hours.get(&None).cloned().unwrap_or_default();
    let lobby_kiosks = calendars(
        config.kiosks.get(&None).cloned().unwrap_or_default(),
        &lobby_busy,
        gap,
    );
    let mut out = BTreeMap::new();
    for unit in &wanted.units {
        out.insert(
            *unit,
            ScheduleData {
                housing_kiosks: calendars(
                    config
                        .kiosks
                        .get(&Some(unit.0))
                        .cloned()
                        .unwrap_or_default(),
                    &housing_busy,
                    gap,
                ),
                lobby_kiosks: lobby_kiosks.clone(),
                resident_busy: BusySet::default(),
                visitor_busy: BusySet::default(),
                week_counts: BTreeMap::new(),
                facility: facility.clone(),
                unit: *unit,
                rules: rules.clone(),
                unit_hours: config.hours.get(&Some(unit.0)).cloned().unwrap_or_default(),
                lobby_hours: lobby_hours.clone(),
            },
        );
    }
    Ok(out)
}

/// The visits occupying `kiosks` (`occupying!`) that end after `from` and start before `to`;
/// `column` is `housing_kiosk_id` or `lobby_kiosk_id`. One index range per kiosk: no
/// visit is longer than MAX_VISIT_MINUTES, so the start bounds it from below too.
async fn kiosk_visits(
    conn: &mut AnyConnection,
    column: &'static str,
    kiosks: &[KioskId],
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<(i64, Interval)>, StoreError> {
    if kiosks.is_empty() {
        return Ok(Vec::new());
    }
    let n = kiosks.len();
    let list = (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut q = sqlx::query(AssertSqlSafe(format!(
        "SELECT {column} AS k, start_at, end_at FROM visits WHERE {column} IN ({list}) \
         AND start_at > ${} AND start_at < ${} AND end_at > ${} AND {}",
        n + 1,
        n + 2,
        n + 3,
        occupying!()
    )));
    for k in kiosks {
        q = q.bind(k.0);
    }
    let rows = q
        .bind(secs(add_minutes(from, -MAX_VISIT_MINUTES)))
        .bind(secs(to))
        .bind(secs(from))
        .fetch_all(conn)
        .await?;
    busy_rows(&rows)
}
