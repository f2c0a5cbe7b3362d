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
