//! Half-open time intervals and the 5-minute granules that bookings claim.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Seconds in one claim granule. Every UTC offset in use is a multiple of 15 minutes,
/// so 5-minute UTC granules line up with local quarter-hours.
pub const GRANULE_SECONDS: i64 = 300;

/// `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Interval {
    pub start: Timestamp,
    pub end: Timestamp,
}

impl Interval {
    pub fn new(start: Timestamp, end: Timestamp) -> Interval {
        Interval { start, end }
    }

    pub fn overlaps(&self, other: &Interval) -> bool {
        self.start < other.end && other.start < self.end
    }

    /// The same interval with `minutes` more at the end (a kiosk's gap after a visit).
    pub fn extended_by_minutes(&self, minutes: u32) -> Interval {
        Interval {
            start: self.start,
            end: add_minutes(self.end, i64::from(minutes)),
        }
    }

    /// Granule numbers covering the interval (start and end must be on the 5-minute grid).
    pub fn granules(&self) -> std::ops::Range<i64> {
        let first = self.start.as_second().div_euclid(GRANULE_SECONDS);
        let last = (self.end.as_second() + GRANULE_SECONDS - 1).div_euclid(GRANULE_SECONDS);
        first..last
    }

    pub fn minutes(&self) -> i64 {
        (self.end.as_second() - self.start.as_second()) / 60
    }
}

/// `ts` plus a number of minutes, saturating at the ends of time.
pub fn add_minutes(ts: Timestamp, minutes: i64) -> Timestamp {
    let secs = ts.as_second().saturating_add(minutes.saturating_mul(60));
    Timestamp::from_second(secs).unwrap_or(if minutes < 0 {
        Timestamp::MIN
    } else {
        Timestamp::MAX
    })
}

/// Whether `ts` sits on the 5-minute granule grid.
pub fn on_granule(ts: Timestamp) -> bool {
    ts.subsec_nanosecond() == 0 && ts.as_second().rem_euclid(GRANULE_SECONDS) == 0
}

/// A set of busy intervals sorted by start, for quick overlap checks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BusySet {
    sorted: Vec<Interval>,
    /// The longest interval, so a search can start far enough back.
    longest_seconds: i64,
}

impl BusySet {
    pub fn new(mut intervals: Vec<Interval>) -> BusySet {
        intervals.sort();
        let longest_seconds = intervals
            .iter()
            .map(|i| i.end.as_second() - i.start.as_second())
            .max()
            .unwrap_or(0);
        BusySet {
            sorted: intervals,
            longest_seconds,
        }
    }

    pub fn is_free(&self, want: &Interval) -> bool {
        let earliest = add_minutes(want.start, -(self.longest_seconds / 60) - 1);
        let from = self.sorted.partition_point(|i| i.start < earliest);
        self.sorted[from..]
            .iter()
            .take_while(|i| i.start < want.end)
            .all(|i| !i.overlaps(want))
    }

    pub fn intervals(&self) -> &[Interval] {
        &self.sorted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().expect("test timestamp")
    }

    #[test]
    fn granules_cover_exactly_the_interval() {
        let i = Interval::new(ts("2026-01-01T10:00:00Z"), ts("2026-01-01T10:15:00Z"));
        let g = i.granules();
        assert_eq!(g.end - g.start, 3);
        let next = Interval::new(ts("2026-01-01T10:15:00Z"), ts("2026-01-01T10:30:00Z"));
        assert_eq!(
            next.granules().start,
            g.end,
            "adjacent visits share no granule"
        );
    }

    #[test]
    fn busy_set_finds_overlaps_with_long_intervals_before() {
        let long = Interval::new(ts("2026-01-01T08:00:00Z"), ts("2026-01-01T12:00:00Z"));
        let short = Interval::new(ts("2026-01-01T09:00:00Z"), ts("2026-01-01T09:05:00Z"));
        let set = BusySet::new(vec![long, short]);
        let want = Interval::new(ts("2026-01-01T11:00:00Z"), ts("2026-01-01T11:30:00Z"));
        assert!(!set.is_free(&want));
        let after = Interval::new(ts("2026-01-01T12:00:00Z"), ts("2026-01-01T12:30:00Z"));
        assert!(set.is_free(&after));
    }
}
