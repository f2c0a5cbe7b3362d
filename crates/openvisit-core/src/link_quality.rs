//! Whether a live visit's connection is slow enough that both pages should say so.
//!
//! Once a second the media server reports what it estimates each party's downlink takes.
//! Each party's camera is capped to the other party's downlink, so the slower of the two
//! sets how sharp a picture can be. Below [`WEAK_BPS`] in [`REPORTS`] reports in a row the
//! connection is slow; above [`CLEAR_BPS`] in as many, it is not. The gap between the two
//! keeps a link that hovers near one line from making the note blink. The browser's own
//! view (its camera's target, where it reports one) is the page's to add.

/// Below this a VP8 camera no longer gives a sharp picture (bit/s).
pub const WEAK_BPS: u64 = 250_000;
/// Above this the picture is sharp again (bit/s).
pub const CLEAR_BPS: u64 = 350_000;
/// Reports in a row that change the verdict: one report is not a trend.
pub const REPORTS: u8 = 2;

/// The verdict on one visit's connection, fed one report at a time.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LinkQuality {
    slow: bool,
    below: u8,
    above: u8,
}

impl LinkQuality {
    /// Whether the connection is slow now.
    pub fn is_slow(&self) -> bool {
        self.slow
    }

    /// Takes one report: the two parties' downlink estimates in bit/s (`None` where
    /// there is none yet, or the party has left). Returns the new verdict when this
    /// report changed it.
    pub fn observe(&mut self, downlinks: [Option<u64>; 2]) -> Option<bool> {
        let Some(slowest) = downlinks.into_iter().flatten().min() else {
            // Nobody to judge: the verdict stands until there is.
            self.below = 0;
            self.above = 0;
            return None;
        };
        self.below = if slowest < WEAK_BPS {
            self.below.saturating_add(1)
        } else {
            0
        };
        self.above = if slowest > CLEAR_BPS {
            self.above.saturating_add(1)
        } else {
            0
        };
        let verdict = if self.below >= REPORTS {
            true
        } else if self.above >= REPORTS {
            false
        } else {
            self.slow
        };
        if verdict == self.slow {
            return None;
        }
        self.slow = verdict;
        Some(verdict)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const FAST: Option<u64> = Some(1_200_000);

    #[test]
    fn two_slow_reports_make_it_slow_and_two_fast_ones_clear_it() {
        let mut q = LinkQuality::default();
        assert_eq!(q.observe([FAST, FAST]), None);
        // The resident's downlink narrows: the first report is not yet a trend.
        assert_eq!(q.observe([FAST, Some(200_000)]), None);
        assert!(!q.is_slow());
        assert_eq!(q.observe([FAST, Some(180_000)]), Some(true));
        assert!(q.is_slow());
        assert_eq!(q.observe([FAST, Some(150_000)]), None);
        // Back between the lines: still slow.
        assert_eq!(q.observe([FAST, Some(300_000)]), None);
        assert_eq!(q.observe([FAST, Some(300_000)]), None);
        assert!(q.is_slow());
        assert_eq!(q.observe([FAST, Some(400_000)]), None);
        assert_eq!(q.observe([FAST, Some(900_000)]), Some(false));
        assert!(!q.is_slow());
    }

    #[test]
    fn either_partys_link_counts_and_a_missing_estimate_changes_nothing() {
        let mut q = LinkQuality::default();
        assert_eq!(q.observe([Some(100_000), None]), None);
        assert_eq!(q.observe([Some(100_000), FAST]), Some(true));
        // The slow party leaves: nothing to judge, and the note stays until a report says.
        assert_eq!(q.observe([None, None]), None);
        assert!(q.is_slow());
        assert_eq!(q.observe([None, FAST]), None);
        assert_eq!(q.observe([None, FAST]), Some(false));
    }

    fn report() -> impl Strategy<Value = [Option<u64>; 2]> {
        let one = prop::option::weighted(0.9, 0u64..3_000_000);
        [one.clone(), one]
    }

    proptest! {
        /// The verdict follows the slowest estimate, needs two reports on the same side
        /// of the gap to change, and never changes on a report inside the gap.
        #[test]
        fn the_verdict_changes_only_on_a_run_of_reports_past_a_line(
            reports in prop::collection::vec(report(), 1..60),
        ) {
            let mut q = LinkQuality::default();
            let mut previous: Option<u64> = None;
            for r in reports {
                let before = q.is_slow();
                let slowest = r.into_iter().flatten().min();
                let changed = q.observe(r);
                prop_assert_eq!(changed.is_some(), q.is_slow() != before);
                if let Some(slow) = changed {
                    let (now, then) = (slowest.unwrap_or(0), previous.unwrap_or(0));
                    prop_assert!(slowest.is_some() && previous.is_some());
                    if slow {
                        prop_assert!(now < WEAK_BPS && then < WEAK_BPS);
                    } else {
                        prop_assert!(now > CLEAR_BPS && then > CLEAR_BPS);
                    }
                }
                if let Some(s) = slowest && (WEAK_BPS..=CLEAR_BPS).contains(&s) {
                    prop_assert_eq!(changed, None);
                }
                if let (Some(now), Some(then)) = (slowest, previous) {
                    if now < WEAK_BPS && then < WEAK_BPS {
                        prop_assert!(q.is_slow());
                    }
                    if now > CLEAR_BPS && then > CLEAR_BPS {
                        prop_assert!(!q.is_slow());
                    }
                }
                previous = slowest;
            }
        }
    }
}
