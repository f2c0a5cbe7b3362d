//! One participant's WebRTC connection and which of its m-lines carry what.

use std::time::{Duration, Instant};

use str0m::Rtc;
use str0m::media::{KeyframeRequestKind, MediaKind, Mid};

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
        }
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
        if let Some(mut writer) = self.rtc.writer(mid)
            && writer
                .request_keyframe(None, KeyframeRequestKind::Pli)
                .is_ok()
        {
            self.last_keyframe_request = Some(now);
        }
    }
}
