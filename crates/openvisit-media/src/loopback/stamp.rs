//! Forwarding latency seen from outside the server: a sending peer writes the instant it
//! hands a unit (a video frame, an audio packet) to its stack into the unit's payload,
//! and a receiving peer in the same process subtracts it from the instant the unit is
//! whole again. One clock (this process's monotonic clock) at both ends, so any server
//! on the path is measured the same way, whatever it is.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// Marks a stamped payload, so a unit without a stamp is never read as one.
const MAGIC: [u8; 4] = *b"OVts";
/// The stamp's length: the mark and the microseconds since [`epoch`].
const STAMP_LEN: usize = 12;
/// Where the stamp goes in a video frame: after the VP8 keyframe header
/// (`vp8_like_frame`), inside the first packet of the frame.
const VIDEO_AT: usize = 10;
/// Where it goes in an audio packet: after the Opus TOC byte.
const AUDIO_AT: usize = 1;

/// The instant every stamp counts from, the same for every peer in the process.
fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fn micros_since_epoch(at: Instant) -> u64 {
    u64::try_from(at.saturating_duration_since(epoch()).as_micros()).unwrap_or(u64::MAX)
}

/// Where a stamp goes in a unit of this kind.
pub(super) fn offset(video: bool) -> usize {
    if video { VIDEO_AT } else { AUDIO_AT }
}

/// A copy of `data` carrying the instant `at` at `offset`; `data` unchanged when it is
/// too short to carry it.
pub(super) fn stamped(data: &[u8], offset: usize, at: Instant) -> Vec<u8> {
    let mut out = data.to_vec();
    if let Some(slot) = out.get_mut(offset..offset + STAMP_LEN) {
        slot[..4].copy_from_slice(&MAGIC);
        slot[4..].copy_from_slice(&micros_since_epoch(at).to_be_bytes());
    }
    out
}

/// Microseconds from the stamp in `data` (at either place a stamp can be) to `now`;
/// `None` for a unit without a stamp.
pub(super) fn age_micros(data: &[u8], now: Instant) -> Option<u64> {
    [VIDEO_AT, AUDIO_AT].into_iter().find_map(|at| {
        let slot = data.get(at..at + STAMP_LEN)?;
        if slot[..4] != MAGIC {
            return None;
        }
        let sent = u64::from_be_bytes(slot[4..].try_into().ok()?);
        Some(micros_since_epoch(now).saturating_sub(sent))
    })
}

/// A histogram of forwarding latencies that peers record into (shared by all the peers
/// of a benchmark level): [`Latencies::BUCKET_MICROS`] wide buckets up to
/// [`Latencies::BUCKETS`] of them, the last one also holding everything above.
#[derive(Debug)]
pub struct Latencies {
    buckets: Vec<AtomicU64>,
}

impl Default for Latencies {
    fn default() -> Self {
        // Stamps count from here on.
        let _ = epoch();
        Latencies {
            buckets: (0..Self::BUCKETS).map(|_| AtomicU64::new(0)).collect(),
        }
    }
}

impl Latencies {
    pub const BUCKET_MICROS: u64 = 25;
    /// 100 ms in all.
    pub const BUCKETS: usize = 4000;

    pub(super) fn record(&self, micros: u64) {
        let i = usize::try_from(micros / Self::BUCKET_MICROS)
            .unwrap_or(usize::MAX)
            .min(Self::BUCKETS - 1);
        if let Some(b) = self.buckets.get(i) {
            b.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The counts so far, bucket by bucket.
    pub fn snapshot(&self) -> Vec<u64> {
        self.buckets
            .iter()
            .map(|b| b.load(Ordering::Relaxed))
            .collect()
    }

    /// The latency at quantile `q` of what was recorded between two snapshots, as its
    /// bucket's upper edge in microseconds; `None` if nothing was.
    pub fn quantile(before: &[u64], after: &[u64], q: f64) -> Option<u64> {
        let counts: Vec<u64> = after
            .iter()
            .zip(before.iter().chain(std::iter::repeat(&0)))
            .map(|(a, b)| a.saturating_sub(*b))
            .collect();
        let total: u64 = counts.iter().sum();
        if total == 0 {
            return None;
        }
        let want = ((total as f64 * q).ceil() as u64).max(1);
        let mut seen = 0;
        for (i, c) in counts.iter().enumerate() {
            seen += c;
            if seen >= want {
                return Some((i as u64 + 1) * Self::BUCKET_MICROS);
            }
        }
        Some(counts.len() as u64 * Self::BUCKET_MICROS)
    }

    /// Units recorded between two snapshots.
    pub fn count(before: &[u64], after: &[u64]) -> u64 {
        after.iter().sum::<u64>() - before.iter().sum::<u64>().min(after.iter().sum())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_stamp_reads_back_as_its_age() {
        // Stamps count from the first use of the epoch; none is older.
        let _ = epoch();
        let sent = Instant::now();
        let frame = stamped(&[0u8; 4200], offset(true), sent);
        assert_eq!(frame.len(), 4200);
        let age = age_micros(&frame, sent + Duration::from_micros(1_234));
        assert_eq!(age, Some(1_234));
        let audio = stamped(&[0xfc; 120], offset(false), sent);
        assert_eq!(audio[0], 0xfc);
        assert_eq!(
            age_micros(&audio, sent + Duration::from_millis(2)),
            Some(2_000)
        );
    }

    #[test]
    fn a_unit_without_a_stamp_has_no_age() {
        assert_eq!(age_micros(&[0u8; 4200], Instant::now()), None);
        assert_eq!(age_micros(&[1, 2, 3], Instant::now()), None);
        // Too short to carry one: left as it was.
        assert_eq!(stamped(&[7u8; 5], 1, Instant::now()), vec![7u8; 5]);
    }

    #[test]
    fn quantiles_are_upper_bucket_edges_of_the_window() {
        let l = Latencies::default();
        l.record(10);
        let before = l.snapshot();
        for _ in 0..98 {
            l.record(30); // bucket 1: up to 50 µs
        }
        l.record(1_000); // bucket 40
        l.record(1_000_000); // beyond the last bucket: counted in it
        let after = l.snapshot();
        assert_eq!(Latencies::count(&before, &after), 100);
        assert_eq!(Latencies::quantile(&before, &after, 0.5), Some(50));
        assert_eq!(Latencies::quantile(&before, &after, 0.99), Some(1_025));
        assert_eq!(Latencies::quantile(&before, &after, 1.0), Some(100_000));
        assert_eq!(Latencies::quantile(&after, &after, 0.5), None);
    }
}
