//! Weekly visiting hours in facility local time, turned into UTC instants per day.

use jiff::Timestamp;
use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;

/// One opening on a weekday, e.g. Monday 08:00–11:00 facility time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoursWindow {
    pub weekday: Weekday,
    pub open: Time,
    pub close: Time,
}

/// The hours of a housing unit or a lobby.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WeeklyHours {
    pub windows: Vec<HoursWindow>,
}

/// An opening on one date, as instants. On a DST day its length differs from the
/// wall-clock length: 00:00–04:00 lasts 3 hours on a spring-forward day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenSpan {
    pub open: Timestamp,
    pub close: Timestamp,
}

/// The local time as an instant; a time skipped by DST moves forward, a repeated
/// time takes its first occurrence (RFC 5545 "compatible").
pub fn local_instant(tz: &TimeZone, date: Date, time: Time) -> Option<Timestamp> {
    tz.to_ambiguous_timestamp(date.to_datetime(time))
        .compatible()
        .ok()
}

impl WeeklyHours {
    /// The openings on `date`, in the facility's zone.
    pub fn spans_on(&self, tz: &TimeZone, date: Date) -> Vec<OpenSpan> {
        self.windows
            .iter()
            .filter(|w| w.weekday == date.weekday() && w.open < w.close)
            .filter_map(|w| {
                let open = local_instant(tz, date, w.open)?;
                // `Time::MAX` stands for 24:00: the opening lasts until the next midnight.
                let close = if w.close == Time::MAX {
                    local_instant(tz, date.tomorrow().ok()?, Time::MIN)?
                } else {
                    local_instant(tz, date, w.close)?
                };
                (open < close).then_some(OpenSpan { open, close })
            })
            .collect()
    }

    /// Whether `[start, end)` lies inside one opening.
    pub fn contains(&self, tz: &TimeZone, start: Timestamp, end: Timestamp) -> bool {
        let date = tz.to_datetime(start).date();
        self.spans_on(tz, date)
            .iter()
            .any(|s| s.open <= start && end <= s.close)
    }
}

/// A weekly-hours line that cannot be read, with what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "cannot read the hours {part:?}: {why}; write e.g. \"mon-fri 08:00-11:30,13:00-20:00; sat 09:00-12:00\""
)]
pub struct HoursParseError {
    pub part: String,
    /// Which rule the part breaks, a code the web layer words in the reader's language:
    /// `days-then-times`, `range-backwards`, `unknown-day`, `span-form`, `time-form`,
    /// `open-before-close` or `no-hours`.
    pub why: &'static str,
}

fn parse_day(s: &str) -> Option<Weekday> {
    Some(match s.get(..3)?.to_ascii_lowercase().as_str() {
        "mon" => Weekday::Monday,
        "tue" => Weekday::Tuesday,
        "wed" => Weekday::Wednesday,
        "thu" => Weekday::Thursday,
        "fri" => Weekday::Friday,
        "sat" => Weekday::Saturday,
        "sun" => Weekday::Sunday,
        _ => return None,
    })
}

/// Minutes after midnight for `HH:MM`; `24:00` is allowed as a closing time.
fn parse_minute(s: &str) -> Option<u32> {
    let (h, m) = s.split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    // Checked: a huge hour once overflowed (found by the fuzz target `weekly_hours`).
    let total = h.checked_mul(60)?.checked_add(m)?;
    (m < 60 && total <= 24 * 60).then_some(total)
}

/// Parses `mon-fri 08:00-11:30,13:00-20:00; sat,sun 09:00-12:00` into
/// (weekday 1 = Monday … 7, open minute, close minute) triples.
pub fn parse_weekly_hours(text: &str) -> Result<Vec<(i8, u32, u32)>, HoursParseError> {
    let err = |part: &str, why| HoursParseError {
        part: part.trim().to_owned(),
        why,
    };
    let mut out = Vec::new();
    for part in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let (days, spans) = part
            .split_once(' ')
            .ok_or_else(|| err(part, "days-then-times"))?;
        let mut weekdays = Vec::new();
        for d in days.split(',') {
            match d.split_once('-') {
                Some((a, b)) => {
                    let (a, b) = (parse_day(a), parse_day(b));
                    let (Some(a), Some(b)) = (a, b) else {
                        return Err(err(part, "unknown-day"));
                    };
                    let (a, b) = (a.to_monday_one_offset(), b.to_monday_one_offset());
                    if a > b {
                        return Err(err(part, "range-backwards"));
                    }
                    weekdays.extend(a..=b);
                }
                None => weekdays.push(
                    parse_day(d)
                        .ok_or_else(|| err(part, "unknown-day"))?
                        .to_monday_one_offset(),
                ),
            }
        }
        for span in spans.split(',').map(str::trim) {
            let (open, close) = span.split_once('-').ok_or_else(|| err(part, "span-form"))?;
            let (Some(open), Some(close)) = (parse_minute(open.trim()), parse_minute(close.trim()))
            else {
                return Err(err(part, "time-form"));
            };
            if open >= close {
                return Err(err(part, "open-before-close"));
            }
            for w in &weekdays {
                out.push((*w, open, close));
            }
        }
    }
    if out.is_empty() {
        return Err(err(text, "no-hours"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn an_hour_too_large_to_count_in_minutes_is_refused_not_wrapped() {
        // 71582789 × 60 overflows u32; wrapped, it read as a time of day.
        for text in [
            "sun 00:00-71582789:00",
            "mon 4294967295:00-24:00",
            "tue 71582788:16-24:00",
        ] {
            assert!(parse_weekly_hours(text).is_err(), "{text}");
        }
    }

    #[test]
    fn weekly_hours_parse_and_refuse_with_a_hint() {
        let got =
            parse_weekly_hours("mon-wed 08:00-11:30,13:00-20:00; sun 09:00-24:00").expect("valid");
        assert_eq!(got.len(), 7);
        assert_eq!(got[0], (1, 480, 690));
        assert_eq!(got[5], (3, 780, 1200));
        assert_eq!(got[6], (7, 540, 1440));
        for bad in [
            "",
            "funday 08:00-09:00",
            "mon 09:00-08:00",
            "mon 8-9",
            "fri-mon 08:00-09:00",
            "mon 08:00-24:30",
        ] {
            let e = parse_weekly_hours(bad).expect_err(bad);
            assert!(e.to_string().contains("mon-fri"), "{e}");
        }
    }

    #[test]
    fn hours_until_midnight_include_the_last_quarter_hour() {
        let tz = TimeZone::get("America/Chicago").expect("zone");
        let hours = WeeklyHours {
            windows: vec![HoursWindow {
                weekday: Weekday::Tuesday,
                open: Time::MIN,
                close: Time::MAX,
            }],
        };
        let spans = hours.spans_on(&tz, date(2026, 12, 1));
        assert_eq!(spans.len(), 1);
        assert_eq!(
            spans[0].close.as_second() - spans[0].open.as_second(),
            24 * 3600
        );
    }
}
