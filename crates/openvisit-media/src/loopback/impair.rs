//! What a test does to a loopback peer's link: a narrow downlink, and lost video.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use str0m::media::Pt;

/// A narrow downlink, for tests: datagrams leave it one after another at its rate, in
/// the order they came; one that would wait more than [`Bottleneck::MAX_QUEUE`] is lost
/// (a router's full queue).
pub(super) struct Bottleneck {
    kbps: Arc<AtomicU32>,
    queue: VecDeque<(Instant, Vec<u8>, SocketAddr)>,
    /// When the link has sent what it holds.
    free_at: Instant,
}

impl Bottleneck {
    const MAX_QUEUE: Duration = Duration::from_millis(250);

    pub(super) fn new(kbps: &Arc<AtomicU32>, now: Instant) -> Bottleneck {
        Bottleneck {
            kbps: Arc::clone(kbps),
            queue: VecDeque::new(),
            free_at: now,
        }
    }

    /// Whether the link takes `datagram` (to deliver later, or to lose); `false` when
    /// it is unlimited and the datagram is to be handled now.
    pub(super) fn queues(&mut self, datagram: &[u8], source: SocketAddr, now: Instant) -> bool {
        let kbps = self.kbps.load(Ordering::Relaxed);
        if kbps == 0 && self.queue.is_empty() {
            return false;
        }
        let bits = (datagram.len() as u64 + 28) * 8;
        // Lifted while some wait: those still go first, then the rest at once.
        let sending = match kbps {
            0 => Duration::ZERO,
            k => Duration::from_micros(bits * 1000 / u64::from(k)),
        };
        let done = self.free_at.max(now) + sending;
        if done.saturating_duration_since(now) > Self::MAX_QUEUE {
            return true;
        }
        self.free_at = done;
        self.queue.push_back((done, datagram.to_vec(), source));
        true
    }

    pub(super) fn next_due(&self) -> Option<Instant> {
        self.queue.front().map(|(at, _, _)| *at)
    }

    pub(super) fn take_due(&mut self, now: Instant) -> Option<(Vec<u8>, SocketAddr)> {
        if self.next_due()? > now {
            return None;
        }
        self.queue
            .pop_front()
            .map(|(_, data, source)| (data, source))
    }
}

/// Loss of video packets on one direction of a peer's link, for tests.
pub(super) struct VideoLoss {
    /// One in every how many is lost (0: none).
    every: Arc<AtomicU32>,
    seen: u32,
}

impl VideoLoss {
    pub(super) fn new(every: &Arc<AtomicU32>) -> VideoLoss {
        VideoLoss {
            every: Arc::clone(every),
            seen: 0,
        }
    }

    /// Whether `datagram` is a video packet of payload type `pt` (not a retransmission,
    /// which has its own) that this loss takes. RTP headers travel in clear under SRTP.
    pub(super) fn takes(&mut self, datagram: &[u8], pt: Option<Pt>) -> bool {
        let every = self.every.load(Ordering::Relaxed);
        let (Some(pt), true) = (pt, every > 0) else {
            return false;
        };
        let video = datagram.len() > 12 && datagram[0] & 0xc0 == 0x80 && datagram[1] & 0x7f == *pt;
        if !video {
            return false;
        }
        self.seen = self.seen.wrapping_add(1);
        self.seen.is_multiple_of(every)
    }
}
