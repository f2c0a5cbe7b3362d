//! How much comes back when a visit is cancelled (R13).

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::interval::add_minutes;
use crate::money::Cents;

/// Who cancelled a visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CancelledBy {
    Visitor,
    Facility,
}

impl CancelledBy {
    pub fn as_str(self) -> &'static str {
        match self {
            CancelledBy::Visitor => "visitor",
            CancelledBy::Facility => "facility",
        }
    }
}

/// Why a visitor's cancellation is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CancelError {
    #[error("this visit has already started or ended and can no longer be cancelled")]
    AlreadyStarted,
}

/// The refund for cancelling a visit that cost `paid` and starts at `start`.
/// The facility cancelling always refunds in full. A visitor cancelling at least the
/// notice period before start gets everything back; later, nothing (the slot was held
/// for them), but they may still cancel to free the time.
pub fn refund_on_cancel(
    paid: Cents,
    start: Timestamp,
    now: Timestamp,
    by: CancelledBy,
    notice_minutes: u32,
) -> Result<Cents, CancelError> {
    if now >= start && by == CancelledBy::Visitor {
        return Err(CancelError::AlreadyStarted);
    }
    let full = match by {
        CancelledBy::Facility => true,
        CancelledBy::Visitor => now <= add_minutes(start, -i64::from(notice_minutes)),
    };
    Ok(if full { paid } else { Cents::ZERO })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().expect("test timestamp")
    }

    #[test]
    fn refund_policy() {
        let start = ts("2026-12-01T18:00:00Z");
        let paid = Cents(600);
        let day = 24 * 60;
        let cases = [
            ("2026-11-30T18:00:00Z", CancelledBy::Visitor, Ok(paid)),
            (
                "2026-11-30T18:00:01Z",
                CancelledBy::Visitor,
                Ok(Cents::ZERO),
            ),
            ("2026-12-01T17:59:00Z", CancelledBy::Facility, Ok(paid)),
            (
                "2026-12-01T18:00:00Z",
                CancelledBy::Visitor,
                Err(CancelError::AlreadyStarted),
            ),
            ("2026-12-01T18:05:00Z", CancelledBy::Facility, Ok(paid)),
        ];
        for (now, by, want) in cases {
            assert_eq!(
                refund_on_cancel(paid, start, ts(now), by, day),
                want,
                "{now} {by:?}"
            );
        }
    }
}
