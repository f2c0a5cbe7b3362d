//! Which visits can be booked: one rule check used by booking, and an enumeration of
//! slots for a date range. Property tests hold the two to each other: every slot
//! offered passes the check, and every start that passes the check is offered.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;

use crate::facility::{FacilityRules, VisitKind};
use crate::hours::WeeklyHours;
use crate::ids::KioskId;
use crate::interval::{BusySet, Interval, add_minutes, on_granule};

/// A kiosk with the intervals it is already taken (each including the kiosk gap).
#[derive(Debug, Clone)]
pub struct KioskCalendar {
    pub kiosk: KioskId,
    pub busy: BusySet,
}

/// What the rules need to know about one booking request, loaded by the store.
#[derive(Debug, Clone)]
pub struct Schedule<'a> {
    pub rules: &'a FacilityRules,
    /// Visiting hours of the resident's housing unit.
    pub unit_hours: &'a WeeklyHours,
    /// Lobby hours, for on-site visits.
    pub lobby_hours: &'a WeeklyHours,
    pub housing_kiosks: &'a [KioskCalendar],
    pub lobby_kiosks: &'a [KioskCalendar],
    pub resident_busy: &'a BusySet,
    pub visitor_busy: &'a BusySet,
    /// Booked visits of the resident per week, keyed by the week's Monday (facility time).
    pub resident_week_counts: &'a BTreeMap<Date, u32>,
}

/// Why a visit cannot be booked at a given start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleViolation {
    #[error("this facility does not book this type of visit here")]
    KindNotOffered,
    #[error("this visit length is not offered")]
    LengthNotAllowed,
    #[error("visits must start on the facility's time grid")]
    NotOnGrid,
    #[error("this start is too soon; book further ahead")]
    TooSoon,
    #[error("this start is too far ahead")]
    TooFarAhead,
    #[error("the visit is outside visiting hours")]
    OutsideHours,
    #[error("no visits happen in this period (blackout)")]
    Blackout,
    #[error("the resident already has a visit at this time")]
    ResidentBusy,
    #[error("you already have a visit at this time")]
    VisitorBusy,
    #[error("no kiosk is free at this time")]
    NoKioskFree,
    #[error("no lobby kiosk is free at this time")]
    NoLobbyKioskFree,
    #[error("the resident has reached the weekly visit limit")]
    WeeklyLimit,
}

/// Where a bookable visit would take place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Placement {
    pub housing_kiosk: KioskId,
    pub lobby_kiosk: Option<KioskId>,
}

/// The Monday (facility time) of the week `ts` falls in.
pub fn week_of(rules: &FacilityRules, ts: Timestamp) -> Date {
    let date = rules.time_zone.to_datetime(ts).date();
    let back = i64::from(date.weekday().to_monday_zero_offset());
    date.checked_sub(jiff::Span::new().days(back))
        .unwrap_or(date)
}

impl Schedule<'_> {
    /// Checks every booking rule for a visit of `kind` and `length_minutes` at `start`,
    /// and picks the first free kiosk(s). Independent of how slots are enumerated.
    pub fn check(
        &self,
        kind: VisitKind,
        length_minutes: u32,
        start: Timestamp,
        now: Timestamp,
    ) -> Result<Placement, RuleViolation> {
        let rules = self.rules;
        if !rules.offers(kind) {
            return Err(RuleViolation::KindNotOffered);
        }
        if !rules.allowed_lengths.contains(&length_minutes) || !length_minutes.is_multiple_of(5) {
            return Err(RuleViolation::LengthNotAllowed);
        }
        if !on_granule(start) {
            return Err(RuleViolation::NotOnGrid);
        }
        let end = add_minutes(start, i64::from(length_minutes));
        let visit = Interval::new(start, end);
        if start < add_minutes(now, i64::from(rules.min_notice_minutes)) {
            return Err(RuleViolation::TooSoon);
        }
        if start > add_minutes(now, i64::from(rules.max_days_ahead) * 24 * 60) {
            return Err(RuleViolation::TooFarAhead);
        }
        let tz = &rules.time_zone;
        let date = tz.to_datetime(start).date();
        let grid = i64::from(rules.slot_grid_minutes.max(5)) * 60;
        let span = self
            .unit_hours
            .spans_on(tz, date)
            .into_iter()
            .find(|s| s.open <= start && end <= s.close)
            .ok_or(RuleViolation::OutsideHours)?;
        if (start.as_second() - span.open.as_second()) % grid != 0 {
            return Err(RuleViolation::NotOnGrid);
        }
        self.check_within_hours(kind, visit)
    }

    /// The rules that remain once `visit` is known to start on the grid inside the
    /// unit's hours and the booking window: lobby hours, blackouts, people, the weekly
    /// limit and kiosks.
    fn check_within_hours(
        &self,
        kind: VisitKind,
        visit: Interval,
    ) -> Result<Placement, RuleViolation> {
        let rules = self.rules;
        let tz = &rules.time_zone;
        let (start, end) = (visit.start, visit.end);
        if kind == VisitKind::OnSite && !self.lobby_hours.contains(tz, start, end) {
            return Err(RuleViolation::OutsideHours);
        }
        if rules
            .blackouts
            .iter()
            .any(|b| visit.overlaps(&Interval::new(b.start, b.end)))
        {
            return Err(RuleViolation::Blackout);
        }
        if !self.resident_busy.is_free(&visit) {
            return Err(RuleViolation::ResidentBusy);
        }
        if !self.visitor_busy.is_free(&visit) {
            return Err(RuleViolation::VisitorBusy);
        }
        let limit = rules.weekly_limit_per_resident;
        if limit > 0
            && self
                .resident_week_counts
                .get(&week_of(rules, start))
                .copied()
                .unwrap_or(0)
                >= limit
        {
            return Err(RuleViolation::WeeklyLimit);
        }
        let on_kiosk = visit.extended_by_minutes(rules.kiosk_gap_minutes);
        let housing_kiosk = self
            .housing_kiosks
            .iter()
            .find(|k| k.busy.is_free(&on_kiosk))
            .map(|k| k.kiosk)
            .ok_or(RuleViolation::NoKioskFree)?;
        let lobby_kiosk = match kind {
            VisitKind::Remote => None,
            VisitKind::OnSite => Some(
                self.lobby_kiosks
                    .iter()
                    .find(|k| k.busy.is_free(&on_kiosk))
                    .map(|k| k.kiosk)
                    .ok_or(RuleViolation::NoLobbyKioskFree)?,
            ),
        };
        Ok(Placement {
            housing_kiosk,
            lobby_kiosk,
        })
    }

    /// Every bookable start from `from` to `to` (facility dates, inclusive), in order.
    /// Starts step through UTC from each opening, so a repeated local hour on a
    /// fall-back day yields two slots and a skipped hour yields none.
    pub fn slots(
        &self,
        kind: VisitKind,
        length_minutes: u32,
        from: Date,
        to: Date,
        now: Timestamp,
    ) -> Vec<Slot> {
        let mut out = Vec::new();
        let rules = self.rules;
        let tz = &rules.time_zone;
        // The same request-level rules `check` applies first, once for the whole range.
        if !rules.offers(kind)
            || !rules.allowed_lengths.contains(&length_minutes)
            || !length_minutes.is_multiple_of(5)
        {
            return out;
        }
        let earliest = add_minutes(now, i64::from(rules.min_notice_minutes));
        let latest = add_minutes(now, i64::from(rules.max_days_ahead) * 24 * 60);
        let grid = i64::from(rules.slot_grid_minutes.max(5));
        let mut date = from;
        while date <= to {
            for span in self.unit_hours.spans_on(tz, date) {
                let mut start = span.open;
                loop {
                    let end = add_minutes(start, i64::from(length_minutes));
                    if end > span.close || start > latest {
                        break;
                    }
                    if start >= earliest
                        && on_granule(start)
                        && let Ok(placement) =
                            self.check_within_hours(kind, Interval::new(start, end))
                    {
                        out.push(Slot::new(rules, start, length_minutes, placement));
                    }
                    start = add_minutes(start, grid);
                }
            }
            match date.tomorrow() {
                Ok(next) => date = next,
                Err(_) => break,
            }
        }
        out
    }
}

/// One bookable start, labelled in facility local time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Slot {
    #[schema(value_type = String, format = DateTime)]
    pub start: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub end: Timestamp,
    /// Facility-local start with its UTC offset, e.g. `2026-11-01T01:30:00-05:00`.
    pub local_start: String,
    #[serde(skip)]
    pub placement: Placement,
}

impl Slot {
    fn new(rules: &FacilityRules, start: Timestamp, length: u32, placement: Placement) -> Slot {
        let zoned = start.to_zoned_datetime(rules.time_zone.clone());
        Slot {
            start,
            end: add_minutes(start, i64::from(length)),
            local_start: zoned.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string(),
            placement,
        }
    }
}
