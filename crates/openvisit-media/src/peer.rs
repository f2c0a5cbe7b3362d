//! One participant's WebRTC connection and which of its m-lines carry what.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use str0m::Rtc;
use str0m::format::PayloadParams;
use str0m::media::{KeyframeRequestKind, MediaKind, Mid, Pt};
use str0m::rtp::{SeqNo, Ssrc};

use crate::{ParticipantId, Role, RoomId};

/// Keyframe requests to one source at most this often: a burst of loss must not turn
/// into a burst of keyframes.
const KEYFRAME_INTERVAL: Duration = Duration::from_millis(500);

pub(crate) struct Peer {
    pub id: ParticipantId,
    pub room: RoomId,
    pub role: Role,
    pub rtc: Rtc,
    /// The m-lines the client offered, in order.
    pub mids: Vec<(Mid, MediaKind)>,
    pub connected: bool,
    /// When str0m next wants `Input::Timeout`.
    pub wake_at: Instant,
    last_keyframe_request: Option<Instant>,
    /// How packets from a source are renumbered on each outgoing m-line.
    rewrites: HashMap<Mid, Rewrite>,
    /// The payload type this peer uses for a source's payload type, learnt once.
    pts: HashMap<(ParticipantId, Pt), Option<Pt>>,
}

/// Outgoing sequence numbers and timestamps on one m-line. A source keeps its spacing
/// (so a retransmission the server repaired lands where it belongs); when the source
/// changes (a party rejoined with a new stream), numbering goes on from where it was,
/// so the receiver sees one continuous stream.
#[derive(Debug, Clone, Copy)]
struct Rewrite {
    source: Ssrc,
    seq_offset: u64,
    ts_offset: u32,
    last_seq: u64,
    last_ts: u32,
}

impl Peer {
    pub fn new(id: ParticipantId, room: RoomId, role: Role, rtc: Rtc, now: Instant) -> Peer {
        Peer {
            id,
            room,
            role,
            rtc,
            mids: Vec::new(),
            connected: false,
            wake_at: now,
            last_keyframe_request: None,
            rewrites: HashMap::new(),
            pts: HashMap::new(),
        }
    }

    /// The sequence number and RTP time to send a source's packet with on `mid`.
    pub fn rewrite(&mut self, mid: Mid, source: Ssrc, seq: SeqNo, time: u32) -> (SeqNo, u32) {
        let seq = *seq;
        let r = self.rewrites.entry(mid).or_insert(Rewrite {
            source,
            seq_offset: 0,
            ts_offset: 0,
            last_seq: seq.saturating_sub(1),
            last_ts: time.wrapping_sub(1),
        });
        if r.source != source {
            r.source = source;
            r.seq_offset = (r.last_seq + 1).wrapping_sub(seq);
            r.ts_offset = r.last_ts.wrapping_add(1).wrapping_sub(time);
        }
        let out_seq = seq.wrapping_add(r.seq_offset);
        let out_ts = time.wrapping_add(r.ts_offset);
        if out_seq > r.last_seq {
            r.last_seq = out_seq;
            r.last_ts = out_ts;
        }
        (SeqNo::from(out_seq), out_ts)
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
    pub fn mid_for(&self, kind: MediaKind, source: Role) -> Option<Mid> {
        let nth = match (self.role, source) {
            (Role::Monitor, Role::Visitor) => 0,
            (Role::Monitor, Role::Resident) => 1,
            (Role::Monitor, Role::Monitor) => return None,
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

    /// Asks this peer for a fresh keyframe on its video, throttled.
    pub fn request_keyframe(&mut self, now: Instant) {
        if self.role == Role::Monitor {
            return;
        }
        if self
            .last_keyframe_request
            .is_some_and(|t| now.saturating_duration_since(t) < KEYFRAME_INTERVAL)
        {
            return;
        }
        let Some(mid) = self
            .mids
            .iter()
            .find(|(_, k)| *k == MediaKind::Video)
            .map(|(m, _)| *m)
        else {
            return;
        };
        let mut api = self.rtc.direct_api();
        if let Some(stream) = api.stream_rx_by_mid(mid, None) {
            stream.request_keyframe(KeyframeRequestKind::Pli);
            self.last_keyframe_request = Some(now);
        }
    }
}
