//! Rate adaptation: what a receiver's downlink can take is told to the sender.
//!
//! The server estimates each connection's downlink from the receiver's transport-wide
//! congestion feedback (str0m's send-side estimator, GoogCC's design). In a visit each
//! party's camera is watched by one other party, so that party's downlink estimate caps
//! what the camera should send: the server tells the sender in a REMB, which browsers
//! take as a ceiling on their own uplink estimate. A staff monitor's downlink caps
//! nothing: staff on a slow link must not lower the family's picture.
//!
//! A client that negotiates no transport-wide feedback is estimated from the loss its
//! receiver reports carry instead ([`LossEstimate`]).

use std::time::{Duration, Instant};

use str0m::bwe::Bitrate;

/// Where a connection's downlink estimate starts, before feedback says more: what one
/// visit camera sends (about 1 Mbit/s) with room for audio and retransmissions.
pub const START_ESTIMATE: Bitrate = Bitrate::kbps(1_200);

/// What the estimator probes towards: a 720p camera (browsers' usual ceiling for one
/// VP8 stream). Higher would cost padding and give the family nothing.
pub const DESIRED: Bitrate = Bitrate::kbps(2_500);

/// A cap that falls by more than this share goes out at once: the sender is
/// overrunning the receiver now.
const FALL: f64 = 0.05;

/// A cap that rises (or falls a little) goes out at most this often, so the sender
/// gets one ceiling a second, not one per feedback report.
const REFRESH: Duration = Duration::from_secs(1);

/// The ceiling last told to one sender, and when.
#[derive(Debug, Default, Clone, Copy)]
pub struct UplinkCap {
    last: Option<(Instant, Bitrate)>,
}

impl UplinkCap {
    /// Whether `estimate` (the receiving party's downlink) is to be sent to the sender
    /// now; if so it becomes the ceiling last told.
    /// Makes the next offer go out whatever it is (the estimator was just started again
    /// after a bad moment: the sender must hear of it now, not within the second).
    pub fn expire(&mut self) {
        self.last = self.last.map(|(_, b)| (Instant::now() - REFRESH, b));
    }

    pub fn offer(&mut self, now: Instant, estimate: Bitrate) -> bool {
        let send = match self.last {
            None => true,
            Some((at, last)) => {
                let fell = estimate.as_f64() < last.as_f64() * (1.0 - FALL);
                let changed = estimate.as_u64() != last.as_u64();
                fell || (changed && now.saturating_duration_since(at) >= REFRESH)
            }
        };
        if send {
            self.last = Some((now, estimate));
        }
        send
    }
}

/// Where a loss-based estimate may fall to: about an audio stream and a still picture.
pub const LOSS_FLOOR: Bitrate = Bitrate::kbps(30);

/// A downlink estimate for a connection without transport-wide congestion feedback (a
/// stack that sends only REMB and receiver reports): the loss-based rule of GoogCC, fed
/// the fraction lost that each receiver report carries. More than 10% lost: down by half
/// the loss; under 2%: up 8%; in between: hold. Its REMBs are not used: a receiver-side
/// estimate only grows with what arrives, so capping its sender by it locks both low.
#[derive(Debug, Clone, Copy)]
pub struct LossEstimate {
    estimate: Bitrate,
}

impl Default for LossEstimate {
    fn default() -> LossEstimate {
        LossEstimate {
            estimate: START_ESTIMATE,
        }
    }
}

impl LossEstimate {
    /// Takes one report's fraction lost (0 to 1) and gives the new estimate.
    pub fn update(&mut self, loss: f32) -> Bitrate {
        let loss = f64::from(loss.clamp(0.0, 1.0));
        let now = self.estimate.as_f64();
        let next = if loss > 0.10 {
            now * (1.0 - 0.5 * loss)
        } else if loss < 0.02 {
            now * 1.08
        } else {
            now
        };
        let next = next.clamp(LOSS_FLOOR.as_f64(), DESIRED.as_f64());
        self.estimate = Bitrate::bps(next.round() as u64);
        self.estimate
    }
}

/// An estimate under this share of the link's last good one means the link collapsed.
const COLLAPSED: f64 = 0.5;
/// Back at this share of the last good estimate, the link has recovered.
const RECOVERED: f64 = 0.85;
/// Loss under this share of what was sent is a clean report.
const CLEAN_LOSS: f32 = 0.02;
/// Clean reports in a row after a collapse before the estimator starts again from the
/// rate the link had; the first asks for a probe. (Starting again on the first clean
/// report was slower: the queue of the bad moment was still draining, and the
/// estimator fell back at once.)
const CLEAN_BEFORE_RESET: u32 = 2;
/// Probes asked for in one recovery before the lower rate is taken as the link's own.
const MAX_PROBES: u32 = 10;
/// Reports during and after a recovery in which the raw estimate may lift the smoothed
/// one: str0m's estimate event is a 3 s average, which would lag the recovery by seconds.
const HOLD_REPORTS: u32 = 3;

/// What [`Recovery`] asks of the estimator.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Nudge {
    /// Set this desired rate: a little higher than before, so str0m probes for it.
    Probe(Bitrate),
    /// Start estimating again from this rate (str0m probes above it at once).
    Reset(Bitrate),
    /// The recovery is over: the desired rate is [`DESIRED`] again.
    Settle,
}

/// Getting the picture back after a bad moment. When a family's link collapses for a
/// few seconds and comes back, str0m's estimate climbs back about 8% a second (a
/// multiplicative increase meant for a link of unknown size), and after heavy loss it
/// may refuse to probe for seconds more: half a minute of a poor picture. But the link's
/// size is known: the estimate it held before. On the first clean report after a
/// collapse this asks for a probe (str0m probes when the desired rate rises); if the
/// next clean report still finds the estimate low, the estimator starts again from 85%
/// of what the link held (the rate WebRTC probes after a large drop). A link that is
/// still bad shows it within a report and the estimate falls again; while it stays low
/// each clean report asks for a probe, and one that stays slower is taken at its new
/// rate after [`MAX_PROBES`] probes.
#[derive(Debug, Default, Clone, Copy)]
pub struct Recovery {
    /// The estimate the link last held with clean reports, outside a recovery (at most
    /// [`DESIRED`]: nothing above is ever asked for).
    good: Option<Bitrate>,
    recovering: bool,
    /// In a recovery: clean reports in a row, probes asked for, and whether the
    /// estimator was started again.
    clean: u32,
    probes: u32,
    reset: bool,
    /// The latest raw estimate, the latest smoothed one, and for how many more reports
    /// the raw one lifts the smoothed one.
    raw: Option<Bitrate>,
    smoothed: Option<Bitrate>,
    hold: u32,
}

impl Recovery {
    /// One stats report of the connection: the estimator's current estimate and the
    /// share of what was sent that was lost. Returns what to ask of the estimator now.
    pub fn report(&mut self, estimate: Bitrate, loss: Option<f32>) -> Option<Nudge> {
        self.raw = Some(estimate);
        let nudge = self.step(estimate, loss);
        if self.recovering {
            self.hold = HOLD_REPORTS;
        } else {
            self.hold = self.hold.saturating_sub(1);
        }
        nudge
    }

    /// What the sender is capped by, given the estimator's smoothed estimate: during a
    /// recovery and a few seconds after, the raw estimate when it is higher.
    pub fn lift(&mut self, smoothed: Bitrate) -> Bitrate {
        self.smoothed = Some(smoothed);
        self.lifted().unwrap_or(smoothed)
    }

    /// The raw estimate when it is to lift the smoothed one now.
    pub fn lifted(&self) -> Option<Bitrate> {
        let raw = self.raw?;
        let above = self.smoothed.is_none_or(|s| raw.as_u64() > s.as_u64());
        (self.hold > 0 && above).then_some(raw)
    }

    fn remember(&mut self, estimate: Bitrate) {
        self.good = Some(Bitrate::bps(estimate.as_u64().min(DESIRED.as_u64())));
    }

    fn step(&mut self, estimate: Bitrate, loss: Option<f32>) -> Option<Nudge> {
        let clean = loss.is_none_or(|l| l < CLEAN_LOSS);
        let est = estimate.as_f64();
        let Some(good) = self.good.map(|g| g.as_f64()) else {
            if clean {
                self.remember(estimate);
            }
            return None;
        };
        if !self.recovering {
            if est >= good * COLLAPSED {
                if clean {
                    self.remember(estimate);
                }
                return None;
            }
            self.recovering = true;
            self.clean = 0;
            self.probes = 0;
            self.reset = false;
        }
        if est >= good * RECOVERED || self.probes >= MAX_PROBES {
            // Back, or this is the link's size now.
            let nudged = self.probes > 0 || self.reset;
            self.recovering = false;
            self.remember(estimate);
            return nudged.then_some(Nudge::Settle);
        }
        self.clean = if clean { self.clean + 1 } else { 0 };
        if self.clean == 0 {
            return None;
        }
        if self.clean >= CLEAN_BEFORE_RESET && !self.reset {
            self.reset = true;
            let from = Bitrate::bps((good * RECOVERED).round() as u64);
            // The estimator holds this from now: the sender may be told at once.
            self.raw = Some(from);
            return Some(Nudge::Reset(from));
        }
        // str0m probes when the desired rate rises: a little more each time.
        self.probes += 1;
        Some(Nudge::Probe(Bitrate::bps(
            DESIRED.as_u64() + u64::from(self.probes) * 1_000,
        )))
    }
}

/// How long a new connection's estimate is a guess: the estimator starts from
/// [`START_ESTIMATE`] and needs some seconds of feedback to know the link.
pub const ESTIMATE_SETTLES: Duration = Duration::from_secs(5);

/// How recently video must have reached a party for its downlink estimate to say
/// anything about the picture it sees.
const VIDEO_RECENT: Duration = Duration::from_secs(1);

/// What the server knows of one party's downlink, for the room's flow report (and the
/// pages' "the connection is slow").
#[derive(Debug, Default, Clone, Copy)]
pub struct Downlink {
    connected_at: Option<Instant>,
    estimate: Option<Bitrate>,
    video_at: Option<Instant>,
}

impl Downlink {
    pub fn connected(&mut self, now: Instant) {
        self.connected_at = Some(now);
    }

    /// The estimator's latest word.
    pub fn estimated(&mut self, estimate: Bitrate) {
        self.estimate = Some(estimate);
    }

    /// Video was just forwarded to this party.
    pub fn video_sent(&mut self, now: Instant) {
        self.video_at = Some(now);
    }

    /// The estimate in bit/s, once the connection is [`ESTIMATE_SETTLES`] old and while
    /// video reaches the party; `None` otherwise: a guess, or (camera off, nothing sent)
    /// no picture for the link to make less sharp.
    pub fn report(&self, now: Instant) -> Option<u64> {
        let settled = self
            .connected_at
            .is_some_and(|at| now.saturating_duration_since(at) >= ESTIMATE_SETTLES);
        let watching = self
            .video_at
            .is_some_and(|at| now.saturating_duration_since(at) <= VIDEO_RECENT);
        self.estimate
            .filter(|_| settled && watching)
            .map(|e| e.as_u64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_probe(n: Option<Nudge>) -> bool {
        matches!(n, Some(Nudge::Probe(d)) if d.as_u64() > DESIRED.as_u64())
    }

    /// A link good at 2 Mbit/s collapses to 150 kbit/s (lossy reports), then is
    /// restored: the first clean report asks for a probe; if the next still finds the
    /// estimate low, the estimator starts again from 85% of what the link held; once it
    /// is back the desired rate is normal again.
    #[test]
    fn a_collapsed_link_is_probed_then_started_again_once_it_is_clean() {
        let mut r = Recovery::default();
        for _ in 0..5 {
            assert_eq!(r.report(Bitrate::kbps(2_000), Some(0.0)), None);
        }
        // The collapse: lossy and low; nothing asked for.
        for _ in 0..10 {
            assert_eq!(r.report(Bitrate::kbps(150), Some(0.4)), None);
        }
        assert!(is_probe(r.report(Bitrate::kbps(170), Some(0.0))));
        // The smoothed estimate lags: the raw one caps the sender meanwhile.
        assert_eq!(r.lift(Bitrate::kbps(100)), Bitrate::kbps(170));
        assert_eq!(
            r.report(Bitrate::kbps(170), Some(0.01)),
            Some(Nudge::Reset(Bitrate::kbps(1_700)))
        );
        // The sender is told the rate the estimator starts again from, at once.
        assert_eq!(r.lifted(), Some(Bitrate::kbps(1_700)));
        // Back above 85% of what it held: the desired rate is normal again.
        assert_eq!(
            r.report(Bitrate::kbps(1_800), Some(0.0)),
            Some(Nudge::Settle)
        );
        assert_eq!(r.report(Bitrate::kbps(1_900), Some(0.0)), None);
        // For a few reports more the raw estimate lifts the lagging average, then not.
        assert_eq!(r.lift(Bitrate::kbps(1_200)), Bitrate::kbps(1_900));
        r.report(Bitrate::kbps(1_900), Some(0.0));
        r.report(Bitrate::kbps(1_900), Some(0.0));
        assert_eq!(r.lift(Bitrate::kbps(1_500)), Bitrate::kbps(1_500));
    }

    /// A lossy report in between means the link is not back: nothing is asked for
    /// then, and the count of clean reports starts again.
    #[test]
    fn a_lossy_report_holds_the_recovery_back() {
        let mut r = Recovery::default();
        r.report(Bitrate::kbps(2_000), Some(0.0));
        r.report(Bitrate::kbps(150), Some(0.4));
        assert!(is_probe(r.report(Bitrate::kbps(150), Some(0.0))));
        assert_eq!(r.report(Bitrate::kbps(150), Some(0.3)), None);
        assert!(is_probe(r.report(Bitrate::kbps(150), Some(0.0))));
        assert!(matches!(
            r.report(Bitrate::kbps(150), Some(0.0)),
            Some(Nudge::Reset(_))
        ));
    }

    /// A link that really is slower now is not nudged forever: after the reset and ten
    /// probes its rate is the one it is known by.
    #[test]
    fn a_link_that_stays_slower_is_taken_at_its_new_rate() {
        let mut r = Recovery::default();
        r.report(Bitrate::kbps(2_000), Some(0.0));
        r.report(Bitrate::kbps(300), Some(0.3));
        let nudges: Vec<Nudge> = (0..20)
            .filter_map(|_| r.report(Bitrate::kbps(300), Some(0.0)))
            .collect();
        let probes = nudges.iter().filter(|n| is_probe(Some(**n))).count();
        let resets = nudges
            .iter()
            .filter(|n| matches!(n, Nudge::Reset(_)))
            .count();
        assert_eq!((probes, resets), (10, 1), "{nudges:?}");
        assert_eq!(nudges.last(), Some(&Nudge::Settle));
        // Now 300 kbit/s is the link's good rate: a fall to 200 is no collapse.
        assert_eq!(r.report(Bitrate::kbps(200), Some(0.0)), None);
    }

    /// Small moves are not a collapse.
    #[test]
    fn an_estimate_that_dips_a_little_asks_for_nothing() {
        let mut r = Recovery::default();
        for kbps in [2_000, 1_500, 1_100, 1_900, 1_200, 2_100] {
            assert_eq!(r.report(Bitrate::kbps(kbps), Some(0.0)), None);
        }
    }

    #[test]
    fn a_loss_based_estimate_falls_with_loss_and_climbs_back_without() {
        let mut e = LossEstimate::default();
        let start = e.update(0.05).as_u64();
        assert_eq!(start, START_ESTIMATE.as_u64(), "5% lost: hold");
        let mut low = start;
        for _ in 0..15 {
            low = e.update(0.6).as_u64();
        }
        assert_eq!(
            low,
            LOSS_FLOOR.as_u64(),
            "heavy loss brings it to the floor"
        );
        let mut high = low;
        for _ in 0..60 {
            high = e.update(0.0).as_u64();
        }
        assert_eq!(high, DESIRED.as_u64(), "no loss: back up to the ceiling");
    }

    #[test]
    fn a_downlink_is_reported_once_settled_and_only_while_video_reaches_it() {
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        let mut d = Downlink::default();
        d.connected(t0);
        d.estimated(Bitrate::kbps(1_200));
        d.video_sent(at(4_000));
        // Still the starting guess.
        assert_eq!(d.report(at(4_500)), None);
        d.video_sent(at(5_000));
        d.estimated(Bitrate::kbps(200));
        assert_eq!(d.report(at(5_500)), Some(200_000));
        // The other party's camera went off: no picture to judge.
        assert_eq!(d.report(at(6_500)), None);
        d.video_sent(at(7_000));
        assert_eq!(d.report(at(7_000)), Some(200_000));
    }

    impl UplinkCap {
        fn last(&self) -> Option<Bitrate> {
            self.last.map(|(_, b)| b)
        }
    }

    #[test]
    fn the_first_estimate_goes_out_at_once() {
        let mut cap = UplinkCap::default();
        assert!(cap.offer(Instant::now(), Bitrate::kbps(900)));
        assert_eq!(cap.last(), Some(Bitrate::kbps(900)));
    }

    #[test]
    fn a_sharp_fall_goes_out_at_once_and_a_rise_waits_a_second() {
        let t0 = Instant::now();
        let mut cap = UplinkCap::default();
        assert!(cap.offer(t0, Bitrate::kbps(1000)));
        // A fall of 20%, 100 ms later: the sender must slow down now.
        assert!(cap.offer(t0 + Duration::from_millis(100), Bitrate::kbps(800)));
        // A rise within the second is held back...
        assert!(!cap.offer(t0 + Duration::from_millis(500), Bitrate::kbps(1500)));
        assert_eq!(cap.last(), Some(Bitrate::kbps(800)));
        // ...and goes out once a second has passed since the last cap.
        assert!(cap.offer(t0 + Duration::from_millis(1100), Bitrate::kbps(1500)));
        assert_eq!(cap.last(), Some(Bitrate::kbps(1500)));
    }

    #[test]
    fn a_small_fall_or_the_same_estimate_is_not_repeated_within_the_second() {
        let t0 = Instant::now();
        let mut cap = UplinkCap::default();
        assert!(cap.offer(t0, Bitrate::kbps(1000)));
        assert!(!cap.offer(t0 + Duration::from_millis(200), Bitrate::kbps(980)));
        assert!(!cap.offer(t0 + Duration::from_millis(2000), Bitrate::kbps(1000)));
        assert!(cap.offer(t0 + Duration::from_millis(2000), Bitrate::kbps(980)));
    }
}
