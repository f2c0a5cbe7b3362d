//! The booking picker: a month calendar with the days that have free times marked, and
//! the chosen day's free times grouped by part of the day, in facility time with the
//! visitor's own time beside each only where the two differ. Built from the slots the
//! core offered; no I/O.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use openvisit_core::availability::Slot;
use openvisit_core::facility::VisitKind;
use openvisit_core::interval::add_minutes;
use openvisit_core::local_time::clock;
use openvisit_store::AnyConnection;
use openvisit_store::StoreError;
use openvisit_store::accounts::Account;
use openvisit_store::facilities::Facility;
use openvisit_store::residents::Resident;
use openvisit_store::schedule::load_schedule;

use super::zone;
use crate::i18n::Tr;

/// How many days ahead, today included, a visitor can book or move a visit to.
pub const BOOKING_DAYS: i64 = 14;

/// What the picker offers times for.
#[derive(Clone, Copy)]
pub struct Choice<'a> {
    pub facility: &'a Facility,
    pub resident: &'a Resident,
    pub visitor: &'a Account,
    pub kind: VisitKind,
    pub length: u32,
    /// The day asked for (`YYYY-MM-DD`), or anything else for the first with free times.
    pub day: &'a str,
}

/// The calendar and the chosen day's times, ready for `picker_days.html` and
/// `picker_times.html`.
pub struct PickerView {
    pub weekdays: Vec<WeekdayHead>,
    pub months: Vec<Month>,
    pub no_days: bool,
    pub day_title: String,
    pub zone_note: String,
    pub groups: Vec<TimeGroup>,
}

/// The free times of the next [`BOOKING_DAYS`] for `c`, as the core offers them (every
/// one of which a booking at that moment accepts), laid out as a calendar and a day.
pub async fn build(
    conn: &mut AnyConnection,
    t: &Tr,
    now: Timestamp,
    c: &Choice<'_>,
    href: &(dyn Fn(Date) -> String + Sync),
) -> Result<PickerView, StoreError> {
    let theirs = zone(&c.facility.time_zone);
    let mine = zone(&c.visitor.time_zone);
    let today = theirs.to_datetime(now).date();
    let last = today
        .checked_add(jiff::Span::new().days(BOOKING_DAYS - 1))
        .unwrap_or(today);
    let start =
        openvisit_core::hours::local_instant(&theirs, today, jiff::civil::Time::MIN).unwrap_or(now);
    let end = add_minutes(start, (BOOKING_DAYS + 2) * 24 * 60);
    let data = load_schedule(
        conn,
        c.facility.id,
        c.resident.unit,
        c.resident.id,
        c.visitor.id,
        start,
        end,
    )
    .await?;
    let slots: Vec<Slot> = data.schedule().slots(c.kind, c.length, today, last, now);
    let free = free_days(&slots, &theirs);
    // The day asked for if it has free times, else the first that has.
    let day = c
        .day
        .parse::<Date>()
        .ok()
        .filter(|d| free.iter().any(|(f, _)| f == d))
        .or_else(|| free.first().map(|(d, _)| *d));
    let starts: Vec<Timestamp> = slots
        .iter()
        .map(|sl| sl.start)
        .filter(|st| Some(theirs.to_datetime(*st).date()) == day)
        .collect();
    let zone_note = if zones_differ(&starts, &theirs, &mine) {
        t.t_with(
            "book-zone-differs",
            &[
                ("zone", c.facility.time_zone.clone().into()),
                ("your_zone", c.visitor.time_zone.clone().into()),
            ],
        )
    } else {
        t.t_with(
            "book-zone-same",
            &[("zone", c.facility.time_zone.clone().into())],
        )
    };
    Ok(PickerView {
        weekdays: weekday_heads(t),
        months: calendar(t, today, last, &free, day, href),
        no_days: free.is_empty(),
        day_title: day
            .map(|d| t.t_with("book-times", &[("day", long_day(t, d).into())]))
            .unwrap_or_default(),
        zone_note,
        groups: time_groups(t, &starts, &theirs, &mine),
    })
}

/// The first free start today (facility time), from `now` on: for a walk-in at the lobby,
/// the same slots the calendar offers.
pub async fn next_today(
    conn: &mut AnyConnection,
    now: Timestamp,
    c: &Choice<'_>,
) -> Result<Option<Timestamp>, StoreError> {
    let theirs = zone(&c.facility.time_zone);
    let today = theirs.to_datetime(now).date();
    let start =
        openvisit_core::hours::local_instant(&theirs, today, jiff::civil::Time::MIN).unwrap_or(now);
    let data = load_schedule(
        conn,
        c.facility.id,
        c.resident.unit,
        c.resident.id,
        c.visitor.id,
        start,
        add_minutes(start, 2 * 24 * 60),
    )
    .await?;
    Ok(data
        .schedule()
        .slots(c.kind, c.length, today, today, now)
        .first()
        .map(|s| s.start))
}

/// A weekday's column heading: the short name shown, the full name for screen readers.
pub struct WeekdayHead {
    pub short: String,
    pub long: String,
}

/// One month of the calendar, in weeks from Monday.
pub struct Month {
    pub caption: String,
    pub weeks: Vec<Vec<DayCell>>,
}

/// A calendar cell: empty (before the 1st or after the last of the month), a day
/// without free times, or a day with free times (a link that shows them).
pub struct DayCell {
    pub day: Option<i8>,
    pub href: Option<String>,
    /// What a screen reader says for a day with free times: its date and how many.
    pub spoken: String,
    pub chosen: bool,
}

/// Morning, afternoon or evening, and its free times.
pub struct TimeGroup {
    pub title: String,
    pub times: Vec<TimeChoice>,
}

/// A free start time: its value for the form, the facility's clock, and the visitor's
/// own when it reads differently.
pub struct TimeChoice {
    pub start: i64,
    pub facility: String,
    pub yours: Option<String>,
}

/// The days with free times, in order, with how many each has (facility days).
pub fn free_days(slots: &[Slot], facility: &TimeZone) -> Vec<(Date, usize)> {
    let mut days: Vec<(Date, usize)> = Vec::new();
    for slot in slots {
        let d = facility.to_datetime(slot.start).date();
        match days.last_mut() {
            Some((day, n)) if *day == d => *n += 1,
            _ => days.push((d, 1)),
        }
    }
    days
}

pub fn weekday_heads(t: &Tr) -> Vec<WeekdayHead> {
    (1..=7)
        .map(|n| WeekdayHead {
            short: t.t(&format!("weekday-short-{n}")),
            long: t.t(&format!("weekday-{n}")),
        })
        .collect()
}

/// "Tuesday 8 December" in the reader's language.
pub fn long_day(t: &Tr, d: Date) -> String {
    t.t_with(
        "book-long-day",
        &[
            (
                "weekday",
                t.t(&format!("weekday-{}", d.weekday().to_monday_one_offset()))
                    .into(),
            ),
            ("day", i64::from(d.day()).into()),
            ("month", t.t(&format!("month-{}", d.month())).into()),
        ],
    )
}

/// The months from `first`'s to `last`'s, each day with free times a link made by `href`.
pub fn calendar(
    t: &Tr,
    first: Date,
    last: Date,
    free: &[(Date, usize)],
    chosen: Option<Date>,
    href: &dyn Fn(Date) -> String,
) -> Vec<Month> {
    let mut months = Vec::new();
    let mut month = first.first_of_month();
    while month <= last {
        let mut weeks: Vec<Vec<DayCell>> = Vec::new();
        let mut week: Vec<DayCell> = (0..month.weekday().to_monday_zero_offset())
            .map(|_| DayCell::empty())
            .collect();
        for day in month.series(jiff::Span::new().days(1)) {
            if day.month() != month.month() || day.year() != month.year() {
                break;
            }
            let cell = match free.iter().find(|(d, _)| *d == day) {
                Some((_, count)) => DayCell {
                    day: Some(day.day()),
                    href: Some(href(day)),
                    spoken: t.t_with(
                        "book-day-option",
                        &[("day", long_day(t, day).into()), ("count", (*count).into())],
                    ),
                    chosen: chosen == Some(day),
                },
                None => DayCell {
                    day: Some(day.day()),
                    ..DayCell::empty()
                },
            };
            week.push(cell);
            if week.len() == 7 {
                weeks.push(std::mem::take(&mut week));
            }
        }
        if !week.is_empty() {
            week.resize_with(7, DayCell::empty);
            weeks.push(week);
        }
        months.push(Month {
            caption: t.t_with(
                "book-month",
                &[
                    ("month", t.t(&format!("month-{}", month.month())).into()),
                    // A string, so that no locale groups its digits.
                    ("year", month.year().to_string().into()),
                ],
            ),
            weeks,
        });
        month = match month.last_of_month().tomorrow() {
            Ok(next) => next,
            Err(_) => break,
        };
    }
    months
}

impl DayCell {
    fn empty() -> Self {
        DayCell {
            day: None,
            href: None,
            spoken: String::new(),
            chosen: false,
        }
    }
}

/// The day's free times by part of the day (before noon, before 17:00, after), in
/// facility time; the visitor's own time is added where its offset differs, with its
/// weekday when it falls on another day.
pub fn time_groups(
    t: &Tr,
    starts: &[Timestamp],
    facility: &TimeZone,
    visitor: &TimeZone,
) -> Vec<TimeGroup> {
    let parts = ["book-morning", "book-afternoon", "book-evening"];
    let mut groups: Vec<TimeGroup> = parts
        .iter()
        .map(|key| TimeGroup {
            title: t.t(key),
            times: Vec::new(),
        })
        .collect();
    for &start in starts {
        let hour = facility.to_datetime(start).hour();
        let part = match hour {
            0..=11 => 0,
            12..=16 => 1,
            _ => 2,
        };
        groups[part].times.push(TimeChoice {
            start: start.as_second(),
            facility: clock(start, facility),
            yours: yours(t, start, facility, visitor),
        });
    }
    groups.retain(|g| !g.times.is_empty());
    groups
}

fn yours(t: &Tr, start: Timestamp, facility: &TimeZone, visitor: &TimeZone) -> Option<String> {
    if facility.to_offset(start) == visitor.to_offset(start) {
        return None;
    }
    let mine = visitor.to_datetime(start);
    let time = if mine.date() == facility.to_datetime(start).date() {
        clock(start, visitor)
    } else {
        let day = t.t(&format!(
            "weekday-short-{}",
            mine.weekday().to_monday_one_offset()
        ));
        format!("{day} {}", clock(start, visitor))
    };
    Some(t.t_with("book-your-time", &[("time", time.into())]))
}

/// Whether any of the times reads differently in the visitor's zone.
pub fn zones_differ(starts: &[Timestamp], facility: &TimeZone, visitor: &TimeZone) -> bool {
    starts
        .iter()
        .any(|&s| facility.to_offset(s) != visitor.to_offset(s))
}
