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

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

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
