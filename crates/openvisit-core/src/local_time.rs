//! Local times as people read them. On the night clocks fall back, an hour of wall
//! time happens twice (01:00–02:00 in America/Chicago on the first Sunday of November);
//! a local time in that hour carries its zone's abbreviation ("01:30 CDT", "01:30
//! CST"), so two different visits never read the same.

use jiff::Timestamp;
use jiff::tz::TimeZone;

/// Whether the wall time `ts` shows in `tz` happens twice.
pub fn is_ambiguous(ts: Timestamp, tz: &TimeZone) -> bool {
    tz.to_ambiguous_timestamp(tz.to_datetime(ts)).is_ambiguous()
}

/// `HH:MM` in `tz`, with the zone's abbreviation when that wall time happens twice.
pub fn clock(ts: Timestamp, tz: &TimeZone) -> String {
    with_zone_if_ambiguous(tz.to_datetime(ts).strftime("%H:%M").to_string(), ts, tz)
}

/// `YYYY-MM-DD HH:MM` in `tz`, with the zone's abbreviation when it happens twice.
pub fn date_and_clock(ts: Timestamp, tz: &TimeZone) -> String {
    with_zone_if_ambiguous(
        tz.to_datetime(ts).strftime("%Y-%m-%d %H:%M").to_string(),
        ts,
        tz,
    )
}

fn with_zone_if_ambiguous(label: String, ts: Timestamp, tz: &TimeZone) -> String {
    if is_ambiguous(ts, tz) {
        let info = tz.to_offset_info(ts);
        format!("{label} {}", info.abbreviation())
    } else {
        label
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chicago() -> TimeZone {
        TimeZone::get("America/Chicago").expect("zone")
    }

    fn at(s: &str) -> Timestamp {
        s.parse().expect("timestamp")
    }

    #[test]
    fn the_hour_that_happens_twice_reads_differently_each_time() {
        // 2027-11-07: 01:30 CDT is 06:30 UTC, 01:30 CST is 07:30 UTC.
        let tz = chicago();
        assert_eq!(clock(at("2027-11-07T06:30:00Z"), &tz), "01:30 CDT");
        assert_eq!(clock(at("2027-11-07T07:30:00Z"), &tz), "01:30 CST");
        assert_eq!(
            date_and_clock(at("2027-11-07T07:30:00Z"), &tz),
            "2027-11-07 01:30 CST"
        );
    }

    #[test]
    fn every_other_time_reads_as_before() {
        let tz = chicago();
        assert_eq!(clock(at("2027-11-07T09:00:00Z"), &tz), "03:00");
        assert_eq!(clock(at("2027-11-07T05:59:00Z"), &tz), "00:59");
        // The spring-forward night has no repeated hour.
        assert_eq!(clock(at("2027-03-14T08:30:00Z"), &tz), "03:30");
        assert_eq!(
            date_and_clock(at("2026-12-01T15:00:00Z"), &tz),
            "2026-12-01 09:00"
        );
        assert!(!is_ambiguous(at("2026-12-01T15:00:00Z"), &TimeZone::UTC));
    }
}
