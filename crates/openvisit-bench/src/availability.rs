//! Availability in the pure core, on data shaped like a busy facility.

use std::collections::BTreeMap;
use std::time::Instant;

use jiff::Timestamp;
use jiff::civil::{Time, Weekday, date};
use jiff::tz::TimeZone;
use openvisit_core::availability::{KioskCalendar, Schedule};
use openvisit_core::facility::{FacilityRules, Pricing, PricingMode, VisitKind};
use openvisit_core::hours::{HoursWindow, WeeklyHours};
use openvisit_core::interval::{BusySet, Interval, add_minutes};
use openvisit_core::{Cents, KioskId};

use crate::quantile;

const KIOSKS: i64 = 50;
const RESIDENTS: usize = 2000;

fn rules() -> FacilityRules {
    FacilityRules {
        time_zone: TimeZone::get("America/Chicago").expect("zone"),
        offers_remote: true,
        offers_on_site: false,
        pricing: Pricing {
            mode: PricingMode::Block,
            increment_minutes: 15,
            fee_per_increment: Cents(285),
        },
        allowed_lengths: vec![15, 30, 45],
        slot_grid_minutes: 15,
        min_notice_minutes: 60,
        max_days_ahead: 40,
        cancel_notice_minutes: 1440,
        weekly_limit_per_resident: 0,
        kiosk_gap_minutes: 5,
        blackouts: vec![],
    }
}

fn hours() -> WeeklyHours {
    let days = [
        Weekday::Monday,
        Weekday::Tuesday,
        Weekday::Wednesday,
        Weekday::Thursday,
        Weekday::Friday,
        Weekday::Saturday,
        Weekday::Sunday,
    ];
    let mut windows = Vec::new();
    for weekday in days {
        windows.push(HoursWindow {
            weekday,
            open: Time::constant(8, 0, 0, 0),
            close: Time::constant(11, 30, 0, 0),
        });
        windows.push(HoursWindow {
            weekday,
            open: Time::constant(13, 0, 0, 0),
            close: Time::constant(20, 0, 0, 0),
        });
    }
    WeeklyHours { windows }
}

/// Kiosks 70% booked with 30-minute visits (plus the 5-minute gap), and which
/// resident holds each visit.
fn booked(rules: &FacilityRules, hours: &WeeklyHours) -> (Vec<KioskCalendar>, Vec<Vec<Interval>>) {
    let mut per_kiosk: Vec<Vec<Interval>> = vec![Vec::new(); KIOSKS as usize];
    let mut per_resident: Vec<Vec<Interval>> = vec![Vec::new(); RESIDENTS];
    let mut seed: u64 = 42;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut day = date(2026, 12, 1);
    for _ in 0..31 {
        for span in hours.spans_on(&rules.time_zone, day) {
            for kiosk in per_kiosk.iter_mut() {
                let mut t = span.open;
                while add_minutes(t, 35) <= span.close {
                    if next() % 100 < 70 {
                        let visit = Interval::new(t, add_minutes(t, 30));
                        kiosk.push(visit.extended_by_minutes(rules.kiosk_gap_minutes));
                        per_resident[(next() % RESIDENTS as u64) as usize].push(visit);
                    }
                    t = add_minutes(t, 35);
                }
            }
        }
        day = day.tomorrow().expect("date");
    }
    let kiosks = per_kiosk
        .into_iter()
        .enumerate()
        .map(|(i, b)| KioskCalendar {
            kiosk: KioskId(i as i64 + 1),
            busy: BusySet::new(b),
        })
        .collect();
    (kiosks, per_resident)
}

fn report(name: &str, mut samples: Vec<f64>, goal_ms: f64) {
    samples.sort_by(f64::total_cmp);
    let p50 = quantile(&samples, 0.5);
    let p99 = quantile(&samples, 0.99);
    println!(
        "{name}: p50 {p50:.3} ms, p99 {p99:.3} ms (goal p99 <= {goal_ms} ms) over {} runs",
        samples.len()
    );
}

pub fn run(iterations: usize) -> anyhow::Result<()> {
    let rules = rules();
    let hours = hours();
    let (kiosks, residents) = booked(&rules, &hours);
    let now: Timestamp = "2026-11-30T12:00:00Z".parse()?;
    let counts = BTreeMap::new();
    let no_one = BusySet::default();
    let (from, to) = (date(2026, 12, 1), date(2026, 12, 31));

    // One resident's month: every kiosk of the unit, the resident's and visitor's visits.
    let mut samples = Vec::new();
    let mut offered = 0;
    for i in 0..iterations {
        let started = Instant::now();
        let resident_busy = BusySet::new(residents[i % RESIDENTS].clone());
        let s = Schedule {
            rules: &rules,
            unit_hours: &hours,
            lobby_hours: &hours,
            housing_kiosks: &kiosks,
            lobby_kiosks: &[],
            resident_busy: &resident_busy,
            visitor_busy: &no_one,
            resident_week_counts: &counts,
        };
        offered += s.slots(VisitKind::Remote, 30, from, to, now).len();
        samples.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    report("resident month (50 kiosks, 70% booked)", samples, 5.0);
    println!("  slots offered per month: {}", offered / iterations.max(1));

    // The facility grid: free starts of every kiosk for the month.
    let mut samples = Vec::new();
    let grid_iterations = (iterations / 10).max(10);
    let mut free = 0;
    for _ in 0..grid_iterations {
        let started = Instant::now();
        free = 0;
        for k in &kiosks {
            let s = Schedule {
                rules: &rules,
                unit_hours: &hours,
                lobby_hours: &hours,
                housing_kiosks: std::slice::from_ref(k),
                lobby_kiosks: &[],
                resident_busy: &no_one,
                visitor_busy: &no_one,
                resident_week_counts: &counts,
            };
            free += s.slots(VisitKind::Remote, 30, from, to, now).len();
        }
        samples.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    report("facility month grid (50 kiosks x 31 days)", samples, 25.0);
    println!("  free kiosk-starts in the grid: {free}");
    Ok(())
}
