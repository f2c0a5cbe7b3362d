//! One participant's WebRTC connection and which of its m-lines carry what.

use std::time::{Duration, Instant};

use rustc_hash::FxHashMap as HashMap;
use str0m::Rtc;
use str0m::bwe::Bitrate;
use str0m::format::PayloadParams;
use str0m::media::{KeyframeRequestKind, MediaKind, Mid, Pt};
use str0m::rtp::{SeqNo, Ssrc};

use crate::rate::{Downlink, LossEstimate, Recovery, UplinkCap};
use crate::{ParticipantId, RoomId, RoomRole};

/// Keyframe requests to one source at most this often: a burst of loss must not turn
/// into a burst of keyframes.
const KEYFRAME_INTERVAL: Duration = Duration::from_millis(500);

/// Why the server asks a sender for a keyframe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyframeNeed {
    /// Someone starts watching: the visit's gate opened, or a receiver connected.
    NewViewer,
    /// A receiver lost the picture, or the recording has a gap.
    Repair,
}

/// What `Peer::rewrite` needs of an incoming packet.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Incoming {
    pub seq: SeqNo,
    pub time: u32,
    pub at: Instant,
    /// The codec's RTP clock (90,000 for video, 48,000 for Opus).
    pub clock_rate: u32,
}

pub(crate) struct Peer {
    pub id: ParticipantId,
    pub room: RoomId,
    pub role: RoomRole,
    pub rtc: Rtc,
    /// The m-lines the client offered, in order.
    pub mids: Vec<(Mid, MediaKind)>,
    pub connected: bool,
    /// When str0m next wants `Input::Timeout`.
    pub wake_at: Instant,
    /// Queued for the server's next timeout pass (see `Server::settle`).
    pub dirty: bool,
    /// str0m was given work (media written, a keyframe asked for, a timer due) that only
    /// a timeout acts on, and has had none since. A received datagram runs one inside
    /// str0m, so a peer that only received needs draining, not another timeout.
    pub owes_timeout: bool,
    keyframes: KeyframeThrottle,
    /// The ceiling last told to this peer for what it sends (from the other party's
    /// downlink).
    uplink: UplinkCap,
    /// What the server knows of this peer's downlink, for the room's flow report.
    pub downlink: Downlink,
    /// Whether the peer negotiated transport-wide congestion control feedback; without
    /// it the downlink is estimated from receiver reports' loss (`loss`).
    pub twcc: bool,
    pub loss: LossEstimate,
    /// Gets the downlink estimate back quickly after the link collapsed and came back.
    pub recovery: Recovery,
    /// How packets from a source are renumbered on each outgoing m-line.
    rewrites: HashMap<Mid, Rewrite>,
    /// The payload type this peer uses for a source's payload type, learnt once.
    pts: HashMap<(ParticipantId, Pt), Option<Pt>>,
}

/// Outgoing sequence numbers and timestamps on one m-line. A source keeps its spacing
/// (so a retransmission the server repaired lands where it belongs); when the source
/// changes (a party rejoined with a new stream), numbering goes on from where it was and
/// the timestamps advance by the time that passed, so the receiver sees one continuous
/// stream. The first number sent is below 65,536: the receiver assumes an SRTP rollover
/// counter of zero, whatever the source's counter is by then (a monitor joining late).
#[derive(Debug, Clone, Copy)]
struct Rewrite {
    source: Ssrc,
    seq_offset: i64,
    ts_offset: u32,
    last_seq: i64,
    last_ts: u32,
    last_at: Instant,
}

impl Rewrite {
    fn start(source: Ssrc, packet: Incoming) -> Rewrite {
        let seq = i64::try_from(*packet.seq).unwrap_or(0);
        Rewrite {
            source,
            seq_offset: i64::from(seq as u16) - seq,
            ts_offset: 0,
            last_seq: i64::from(seq as u16) - 1,
            last_ts: packet.time.wrapping_sub(1),
            last_at: packet.at,
        }
    }

    fn apply(&mut self, source: Ssrc, packet: Incoming) -> Option<(u64, u32)> {
        let seq = i64::try_from(*packet.seq).ok()?;
        if self.source != source {
            let elapsed = packet.at.saturating_duration_since(self.last_at);
            let ticks = (elapsed.as_secs_f64() * f64::from(packet.clock_rate)).round() as u32;
            self.source = source;
            self.seq_offset = self.last_seq + 1 - seq;
            self.ts_offset = self
                .last_ts
                .wrapping_add(ticks.max(1))
                .wrapping_sub(packet.time);
        }
        let out_seq = u64::try_from(seq + self.seq_offset).ok()?;
        let out_ts = packet.time.wrapping_add(self.ts_offset);
        if out_seq as i64 > self.last_seq {
            self.last_seq = out_seq as i64;
            self.last_ts = out_ts;
            self.last_at = packet.at;
        }
        Some((out_seq, out_ts))
    }
}

impl Peer {
    pub fn new(id: ParticipantId, room: RoomId, role: RoomRole, rtc: Rtc, now: Instant) -> Peer {
        Peer {
            id,
            room,
            role,
            rtc,
            mids: Vec::new(),
            connected: false,
            wake_at: now,
            dirty: false,
            owes_timeout: true,
            keyframes: KeyframeThrottle::default(),
            uplink: UplinkCap::default(),
            downlink: Downlink::default(),
            twcc: true,
            loss: LossEstimate::default(),
            recovery: Recovery::default(),
            rewrites: HashMap::default(),
            pts: HashMap::default(),
        }
    }

    /// The sequence number and RTP time to send a source's packet with on `mid`; `None`
    /// for a packet older than the first one sent on that line.
    pub fn rewrite(&mut self, mid: Mid, source: Ssrc, packet: Incoming) -> Option<(SeqNo, u32)> {
        let r = self
            .rewrites
            .entry(mid)
            .or_insert_with(|| Rewrite::start(source, packet));
        let (seq, time) = r.apply(source, packet)?;
        Some((SeqNo::from(seq), time))
    }

    /// This peer's payload type for what `from` sends as `params`.
    pub fn pt_for(&mut self, from: ParticipantId, params: &PayloadParams) -> Option<Pt> {
        let rtc = &self.rtc;
        *self
            .pts
            .entry((from, params.pt()))
            .or_insert_with(|| rtc.codec_config().match_params(*params).map(|p| p.pt()))
    }

    /// The m-line on which this peer receives `kind` media coming from `source`.
    ///
    /// A party offers one audio and one video m-line (send and receive); what the other
    /// party sends goes out on the same line. A monitor offers receive-only lines in the
    /// order visitor audio, visitor video, resident audio, resident video: the nth line of
    /// a kind belongs to the nth party.
    pub fn mid_for(&self, kind: MediaKind, source: RoomRole) -> Option<Mid> {
        let nth = match (self.role, source) {
            (RoomRole::Monitor, RoomRole::Visitor) => 0,
            (RoomRole::Monitor, RoomRole::Resident) => 1,
            (RoomRole::Monitor, RoomRole::Monitor) => return None,
            (me, from) if me == from => return None,
            _ => 0,
        };
        self.mids
            .iter()
            .filter(|(_, k)| *k == kind)
            .nth(nth)
            .map(|(m, _)| *m)
    }

    pub fn kind_of(&self, mid: Mid) -> Option<MediaKind> {
        self.mids.iter().find(|(m, _)| *m == mid).map(|(_, k)| *k)
    }

    /// Asks this peer for a fresh keyframe on its video. Requests to repair a picture
    /// are throttled, and one that falls in the throttle goes out when it ends (see
    /// [`Peer::repair_due`]); one for a new viewer goes out at once, since that viewer
    /// sees nothing until it comes.
    pub fn request_keyframe(&mut self, now: Instant, need: KeyframeNeed) {
        if self.role == RoomRole::Monitor || !self.keyframes.ask(now, need) {
            return;
        }
        report_lost_picture(&mut self.rtc, &self.mids);
    }

    /// When a repair request held back by the throttle is to go out: the server wakes
    /// this peer then and asks again.
    pub fn repair_due(&self) -> Option<Instant> {
        self.keyframes.due
    }

    /// Tells this peer, in a REMB on the video it sends, that its receiver's downlink
    /// takes about `estimate` (see [`crate::rate`]). Returns whether a REMB was queued:
    /// it goes out on the peer's next timeout.
    /// The next ceiling for this peer goes out at once, even a rise within the second.
    pub fn cap_next_at_once(&mut self) {
        self.uplink.expire();
    }

    pub fn cap_uplink(&mut self, now: Instant, estimate: Bitrate) -> bool {
        if self.role == RoomRole::Monitor {
            return false;
        }
        let Some(mid) = self
            .mids
            .iter()
            .find(|(_, k)| *k == MediaKind::Video)
            .map(|(m, _)| *m)
        else {
            return false;
        };
        let mut api = self.rtc.direct_api();
        // No stream until the sender's first video packet: nothing to cap yet.
        let Some(stream) = api.stream_rx_by_mid(mid, None) else {
            return false;
        };
        if !self.uplink.offer(now, estimate) {
            return false;
        }
        stream.request_remb(estimate);
        true
    }
}

/// A picture-loss report (PLI) on the first video line of `mids` that str0m receives
/// on: the sender is to send a keyframe. It goes out on the connection's next timeout.
pub(crate) fn report_lost_picture(rtc: &mut Rtc, mids: &[(Mid, MediaKind)]) {
    let Some(mid) = mids
        .iter()
        .find(|(_, k)| *k == MediaKind::Video)
        .map(|(m, _)| *m)
    else {
        return;
    };
    if let Some(stream) = rtc.direct_api().stream_rx_by_mid(mid, None) {
        stream.request_keyframe(KeyframeRequestKind::Pli);
    }
}

/// Keyframe requests to one sender: repairs at most once per [`KEYFRAME_INTERVAL`]; one
/// that comes sooner is kept for the end of the interval rather than dropped (a receiver
/// whose request fell in it would otherwise wait for its browser to ask again).
#[derive(Debug, Default)]
struct KeyframeThrottle {
    last: Option<Instant>,
    due: Option<Instant>,
}

impl KeyframeThrottle {
    /// Whether to send a request now; if not, it is due later.
    fn ask(&mut self, now: Instant, need: KeyframeNeed) -> bool {
        if need == KeyframeNeed::Repair
            && let Some(last) = self.last
            && now.saturating_duration_since(last) < KEYFRAME_INTERVAL
        {
            self.due.get_or_insert(last + KEYFRAME_INTERVAL);
            return false;
        }
        // This request brings a keyframe: a repair held back is answered by it.
        self.last = Some(now);
        self.due = None;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packet(seq: u64, time: u32, at: Instant) -> Incoming {
        Incoming {
            seq: SeqNo::from(seq),
            time,
            at,
            clock_rate: 90_000,
        }
    }

    #[test]
    fn a_repair_asked_for_too_soon_goes_out_when_the_interval_ends() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut k = KeyframeThrottle::default();
        assert!(k.ask(t0, KeyframeNeed::Repair));
        assert_eq!(k.due, None);
        // Two more within the interval: held for its end, once.
        assert!(!k.ask(t0 + ms(100), KeyframeNeed::Repair));
        assert!(!k.ask(t0 + ms(300), KeyframeNeed::Repair));
        assert_eq!(k.due, Some(t0 + KEYFRAME_INTERVAL));
        // When it is due, it goes out, and nothing more is owed.
        assert!(k.ask(t0 + KEYFRAME_INTERVAL, KeyframeNeed::Repair));
        assert_eq!(k.due, None);
        // A new viewer's request is never held, and answers a repair held back.
        assert!(!k.ask(t0 + ms(600), KeyframeNeed::Repair));
        assert!(k.ask(t0 + ms(650), KeyframeNeed::NewViewer));
        assert_eq!(k.due, None);
    }

    #[test]
    fn the_first_number_sent_has_no_rollover_whatever_the_source_is_at() {
        let t0 = Instant::now();
        let a = Ssrc::from(1);
        // The source has wrapped past 65,535 three times (a monitor joins late).
        let first = 3 * 65_536 + 100;
        let mut r = Rewrite::start(a, packet(first, 5000, t0));
        assert_eq!(r.apply(a, packet(first, 5000, t0)), Some((100, 5000)));
        assert_eq!(r.apply(a, packet(first + 1, 5090, t0)), Some((101, 5090)));
        // A repaired packet keeps its place; one older than the first is dropped.
        assert_eq!(r.apply(a, packet(first + 3, 5200, t0)), Some((103, 5200)));
        assert_eq!(r.apply(a, packet(first + 2, 5100, t0)), Some((102, 5100)));
        assert_eq!(r.apply(a, packet(first - 200, 1, t0)), None);
    }

    #[test]
    fn a_new_source_continues_the_numbering_and_the_clock() {
        let t0 = Instant::now();
        let (a, b) = (Ssrc::from(1), Ssrc::from(2));
        let mut r = Rewrite::start(a, packet(10, 1000, t0));
        assert_eq!(r.apply(a, packet(10, 1000, t0)), Some((10, 1000)));
        assert_eq!(r.apply(a, packet(11, 4000, t0)), Some((11, 4000)));
        // Half a second later the party rejoins with another stream.
        let later = t0 + Duration::from_millis(500);
        assert_eq!(
            r.apply(b, packet(40_000, 7, later)),
            Some((12, 4000 + 45_000))
        );
        assert_eq!(
            r.apply(b, packet(40_001, 3007, later)),
            Some((13, 4000 + 48_000))
        );
    }
}
