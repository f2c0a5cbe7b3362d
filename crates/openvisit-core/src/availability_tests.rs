//! Availability on DST days, and the property that slots offered are exactly the
//! starts that pass the booking check.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::{Date, Time, Weekday, date, time};
use jiff::tz::TimeZone;
use proptest::prelude::*;

use crate::availability::{KioskCalendar, RuleViolation, Schedule, week_of};
use crate::facility::{Blackout, FacilityRules, Pricing, PricingMode, VisitKind};
use crate::hours::{HoursWindow, WeeklyHours};
use crate::ids::KioskId;
use crate::interval::{BusySet, Interval, add_minutes};
use crate::money::Cents;

fn rules(zone: &str) -> FacilityRules {
    FacilityRules {
        time_zone: TimeZone::get(zone).expect("known zone"),
        offers_remote: true,
        offers_on_site: true,
        pricing: Pricing {
            mode: PricingMode::Block,
            increment_minutes: 15,
            fee_per_increment: Cents(300),
        },
        allowed_lengths: vec![15, 30, 45],
        slot_grid_minutes: 30,
        min_notice_minutes: 60,
        max_days_ahead: 30,
        cancel_notice_minutes: 24 * 60,
        weekly_limit_per_resident: 0,
        kiosk_gap_minutes: 0,
        blackouts: vec![],
    }
}

fn every_day(open: Time, close: Time) -> WeeklyHours {
    let days = [
        Weekday::Monday,
        Weekday::Tuesday,
        Weekday::Wednesday,
        Weekday::Thursday,
        Weekday::Friday,
        Weekday::Saturday,
        Weekday::Sunday,
    ];
    WeeklyHours {
        windows: days
            .into_iter()
            .map(|weekday| HoursWindow {
                weekday,
                open,
                close,
            })
            .collect(),
    }
}

fn kiosks(n: i64) -> Vec<KioskCalendar> {
    (1..=n)
        .map(|i| KioskCalendar {
            kiosk: KioskId(i),
            busy: BusySet::default(),
        })
        .collect()
}

fn labels(zone: &str, day: Date, open: Time, close: Time) -> Vec<String> {
    let rules = rules(zone);
    let hours = every_day(open, close);
    let kiosks = kiosks(1);
    let empty = BusySet::default();
    let counts = BTreeMap::new();
    let schedule = Schedule {
        rules: &rules,
        unit_hours: &hours,
        lobby_hours: &hours,
        housing_kiosks: &kiosks,
        lobby_kiosks: &kiosks,
        resident_busy: &empty,
        visitor_busy: &empty,
        resident_week_counts: &counts,
    };
    let now: Timestamp = "2026-01-01T00:00:00Z".parse().expect("ts");
    let mut long = rules.clone();
    long.max_days_ahead = 400;
    let schedule = Schedule {
        rules: &long,
        ..schedule
    };
    schedule
        .slots(VisitKind::Remote, 30, day, day, now)
        .into_iter()
        .map(|s| s.local_start[11..].to_owned())
        .collect()
}

#[test]
fn new_york_spring_forward_skips_the_missing_hour() {
    let got = labels(
        "America/New_York",
        date(2026, 3, 8),
        time(0, 0, 0, 0),
        time(4, 0, 0, 0),
    );
    assert_eq!(
        got,
        [
            "00:00:00-05:00",
            "00:30:00-05:00",
            "01:00:00-05:00",
            "01:30:00-05:00",
            "03:00:00-04:00",
            "03:30:00-04:00"
        ]
    );
}

#[test]
fn new_york_fall_back_offers_the_repeated_hour_twice() {
    let got = labels(
        "America/New_York",
        date(2026, 11, 1),
        time(0, 0, 0, 0),
        time(3, 0, 0, 0),
    );
    assert_eq!(
        got,
        [
            "00:00:00-04:00",
            "00:30:00-04:00",
            "01:00:00-04:00",
            "01:30:00-04:00",
            "01:00:00-05:00",
            "01:30:00-05:00",
            "02:00:00-05:00",
            "02:30:00-05:00"
        ]
    );
}

#[test]
fn london_spring_forward_skips_one_oclock() {
    let got = labels(
        "Europe/London",
        date(2026, 3, 29),
        time(0, 0, 0, 0),
        time(3, 0, 0, 0),
    );
    assert_eq!(
        got,
        [
            "00:00:00+00:00",
            "00:30:00+00:00",
            "02:00:00+01:00",
            "02:30:00+01:00"
        ]
    );
}

#[test]
fn weeks_start_on_monday_in_facility_time() {
    let r = rules("America/New_York");
    // Monday 2026-11-30 00:30 in New York is still Monday; 03:00Z is Sunday evening there.
    let monday: Timestamp = "2026-11-30T05:30:00Z".parse().expect("ts");
    let sunday_evening: Timestamp = "2026-11-30T03:00:00Z".parse().expect("ts");
    assert_eq!(week_of(&r, monday), date(2026, 11, 30));
    assert_eq!(week_of(&r, sunday_evening), date(2026, 11, 23));
}

/// A random world: some busy time for the resident, the visitor and each kiosk.
#[derive(Debug, Clone)]
struct World {
    zone: &'static str,
    grid: u32,
    gap: u32,
    kiosks: Vec<Vec<(i64, i64)>>,
    lobby: Vec<Vec<(i64, i64)>>,
    resident: Vec<(i64, i64)>,
    visitor: Vec<(i64, i64)>,
    blackout: Option<(i64, i64)>,
    limit: u32,
    week_count: u32,
    now_offset: i64,
    length: u32,
    kind: VisitKind,
}

fn busy() -> impl Strategy<Value = Vec<(i64, i64)>> {
    // (start granule from base, granules long)
    prop::collection::vec((0i64..4 * 24 * 12, 1i64..24), 0..12)
}

fn world() -> impl Strategy<Value = World> {
    (
        prop::sample::select(vec![
            "America/New_York",
            "Europe/London",
            "America/Vancouver",
            "UTC",
        ]),
        prop::sample::select(vec![5u32, 15, 30]),
        prop::sample::select(vec![0u32, 5, 15]),
        (
            prop::collection::vec(busy(), 1..4),
            prop::collection::vec(busy(), 1..3),
            busy(),
            busy(),
            prop::option::of((0i64..4 * 24 * 12, 1i64..48)),
            0u32..3,
            0u32..3,
            0i64..3 * 24 * 12,
            prop::sample::select(vec![15u32, 30, 45]),
            prop::sample::select(vec![VisitKind::Remote, VisitKind::OnSite]),
        ),
    )
        .prop_map(
            |(
                zone,
                grid,
                gap,
                (
                    kiosks,
                    lobby,
                    resident,
                    visitor,
                    blackout,
                    limit,
                    week_count,
                    now_offset,
                    length,
                    kind,
                ),
            )| World {
                zone,
                grid,
                gap,
                kiosks,
                lobby,
                resident,
                visitor,
                blackout,
                limit,
                week_count,
                now_offset,
                length,
                kind,
            },
        )
}

/// (resident, visitor, kiosk, time) of an accepted booking.
type Booked = (i64, i64, KioskId, Interval);

const BASE: &str = "2026-10-30T00:00:00Z";

fn granule_interval(base: Timestamp, (start, len): (i64, i64), gap: u32) -> Interval {
    let s = add_minutes(base, start * 5);
    Interval::new(s, add_minutes(s, len * 5)).extended_by_minutes(gap)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn slots_offered_are_exactly_the_bookable_starts(w in world()) {
        let base: Timestamp = BASE.parse().expect("ts");
        let mut r = rules(w.zone);
        r.slot_grid_minutes = w.grid;
        r.kiosk_gap_minutes = w.gap;
        r.weekly_limit_per_resident = w.limit;
        r.max_days_ahead = 3;
        r.blackouts = w.blackout.iter().map(|b| {
            let i = granule_interval(base, *b, 0);
            Blackout { start: i.start, end: i.end, reason: "lockdown".into() }
        }).collect();
        let unit = every_day(time(8, 0, 0, 0), time(20, 0, 0, 0));
        let lobby = every_day(time(9, 0, 0, 0), time(17, 0, 0, 0));
        let cal = |v: &Vec<Vec<(i64, i64)>>| v.iter().enumerate().map(|(i, b)| KioskCalendar {
            kiosk: KioskId(i as i64 + 1),
            busy: BusySet::new(b.iter().map(|x| granule_interval(base, *x, w.gap)).collect()),
        }).collect::<Vec<_>>();
        let housing = cal(&w.kiosks);
        let lobby_k = cal(&w.lobby);
        let resident = BusySet::new(w.resident.iter().map(|x| granule_interval(base, *x, 0)).collect());
        let visitor = BusySet::new(w.visitor.iter().map(|x| granule_interval(base, *x, 0)).collect());
        let now = add_minutes(base, w.now_offset * 5);
        let mut counts = BTreeMap::new();
        let from = r.time_zone.to_datetime(base).date();
        let to = from.checked_add(jiff::Span::new().days(5)).expect("date");
        counts.insert(week_of(&r, add_minutes(base, 3 * 24 * 60)), w.week_count);
        let s = Schedule {
            rules: &r,
            unit_hours: &unit,
            lobby_hours: &lobby,
            housing_kiosks: &housing,
            lobby_kiosks: &lobby_k,
            resident_busy: &resident,
            visitor_busy: &visitor,
            resident_week_counts: &counts,
        };
        let offered: Vec<Timestamp> = s.slots(w.kind, w.length, from, to, now).into_iter().map(|x| x.start).collect();
        // Every 5-minute instant from a day before to a day after the range.
        let mut bookable = Vec::new();
        let mut t = add_minutes(base, -24 * 60);
        let stop = add_minutes(base, 7 * 24 * 60);
        while t < stop {
            if s.check(w.kind, w.length, t, now).is_ok() {
                let d = r.time_zone.to_datetime(t).date();
                if from <= d && d <= to {
                    bookable.push(t);
                }
            }
            t = add_minutes(t, 5);
        }
        prop_assert_eq!(offered, bookable);
    }

    #[test]
    fn accepted_bookings_never_overlap_on_any_resource(
        requests in prop::collection::vec((0i64..3, 0i64..3, 0i64..(12 * 12), prop::sample::select(vec![15u32, 30, 45])), 1..60),
        gap in prop::sample::select(vec![0u32, 5, 10]),
    ) {
        let mut r = rules("UTC");
        r.slot_grid_minutes = 5;
        r.kiosk_gap_minutes = gap;
        r.min_notice_minutes = 0;
        let hours = every_day(time(8, 0, 0, 0), time(20, 0, 0, 0));
        let day: Timestamp = "2026-12-01T08:00:00Z".parse().expect("ts");
        let now: Timestamp = "2026-11-30T00:00:00Z".parse().expect("ts");
        // accepted: (resident, visitor, kiosk, interval)
        let mut accepted: Vec<Booked> = Vec::new();
        for (resident, visitor, offset, length) in requests {
            let start = add_minutes(day, offset * 5);
            let busy_of = |f: &dyn Fn(&Booked) -> bool, gap: u32| {
                BusySet::new(accepted.iter().filter(|a| f(a)).map(|a| a.3.extended_by_minutes(gap)).collect())
            };
            let housing: Vec<KioskCalendar> = (1..=2).map(|k| KioskCalendar {
                kiosk: KioskId(k),
                busy: busy_of(&|a| a.2 == KioskId(k), gap),
            }).collect();
            let rb = busy_of(&|a| a.0 == resident, 0);
            let vb = busy_of(&|a| a.1 == visitor, 0);
            let counts = BTreeMap::new();
            let s = Schedule {
                rules: &r, unit_hours: &hours, lobby_hours: &hours, housing_kiosks: &housing,
                lobby_kiosks: &[], resident_busy: &rb, visitor_busy: &vb, resident_week_counts: &counts,
            };
            match s.check(VisitKind::Remote, length, start, now) {
                Ok(p) => accepted.push((resident, visitor, p.housing_kiosk, Interval::new(start, add_minutes(start, i64::from(length))))),
                Err(e) => prop_assert!(matches!(e, RuleViolation::ResidentBusy | RuleViolation::VisitorBusy | RuleViolation::NoKioskFree | RuleViolation::OutsideHours), "{e:?}"),
            }
        }
        for (i, a) in accepted.iter().enumerate() {
            for b in &accepted[i + 1..] {
                let kiosk_clash = a.2 == b.2 && a.3.extended_by_minutes(gap).overlaps(&b.3.extended_by_minutes(gap));
                let same_person = a.0 == b.0 || a.1 == b.1;
                prop_assert!(!kiosk_clash, "{a:?} {b:?}");
                prop_assert!(!(same_person && a.3.overlaps(&b.3)), "{a:?} {b:?}");
            }
        }
    }
}
