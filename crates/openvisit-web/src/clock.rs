//! The one place that reads the wall clock. Everything else gets `now` from here, so
//! tests can move time. It keeps milliseconds: a live visit's announced end, the media
//! gate and `ended` are one instant (R4, R5), so the clock must not round a start down
//! to its second.

use std::sync::atomic::{AtomicI64, Ordering};

use jiff::Timestamp;

/// Now, possibly shifted by an offset a test sets.
#[derive(Debug, Default)]
pub struct Clock {
    offset_seconds: AtomicI64,
}

impl Clock {
    pub fn now(&self) -> Timestamp {
        #[allow(
            clippy::disallowed_methods,
            reason = "the one place that reads the clock"
        )]
        let now = Timestamp::now();
        let offset = self.offset_seconds.load(Ordering::Relaxed);
        Timestamp::from_millisecond(now.as_millisecond() + offset * 1000).unwrap_or(now)
    }

    /// How far the clock has been moved, in seconds (tests compare the server's instants
    /// with their own clock's).
    pub fn offset_seconds(&self) -> i64 {
        self.offset_seconds.load(Ordering::Relaxed)
    }

    /// Moves the clock forward (tests only need this; production leaves it at zero).
    pub fn advance_seconds(&self, seconds: i64) {
        self.offset_seconds.fetch_add(seconds, Ordering::Relaxed);
    }
}
