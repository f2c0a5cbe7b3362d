//! Forwarding: a party's RTP packet to the other members of its room, and keyframe
//! requests and rate ceilings to the senders.

use std::sync::atomic::Ordering;
use std::time::Instant;

use str0m::bwe::Bitrate;
use str0m::media::MediaKind;
use str0m::rtp::{RtpPacket, RtpWrite};

use super::Server;
use crate::peer::{Incoming, KeyframeNeed};
use crate::recorder::Packet;
use crate::room::Room;
use crate::{ParticipantId, RoomId, RoomRole};

impl Server {
    /// Asks the room's parties (or one of them) for a keyframe.
    pub(super) fn request_keyframes(
        &mut self,
        room: RoomId,
        only: Option<RoomRole>,
        need: KeyframeNeed,
    ) {
        let Some(r) = self.rooms.get(&room) else {
            return;
        };
        let senders: Vec<ParticipantId> = r
            .members
            .iter()
            .filter(|(_, role)| *role != RoomRole::Monitor && only.is_none_or(|o| o == *role))
            .map(|(p, _)| *p)
            .collect();
        self.request_keyframes_from(&senders, need);
    }

    /// When the gate opens: a keyframe from each party whose receivers are all
    /// connected. A receiver still connecting asks for one when it connects; asked now
    /// as well, the sender's keyframe would pass before that receiver could take it, and
    /// browsers ignore a second request within 300 ms of the first (the kiosk's first
    /// picture came 600 ms after its connection).
    pub(super) fn request_keyframes_at_gate(&mut self, room: RoomId) {
        let Some(r) = self.rooms.get(&room) else {
            return;
        };
        let connected = |p: ParticipantId| self.peers.get(&p).is_some_and(|peer| peer.connected);
        let senders: Vec<ParticipantId> = r
            .members
            .iter()
            .filter(|&&(p, role)| {
                role != RoomRole::Monitor
                    && r.members
                        .iter()
                        .filter(|&&(q, other)| q != p && other != role)
                        .all(|&(q, _)| connected(q))
            })
            .map(|(p, _)| *p)
            .collect();
        self.request_keyframes_from(&senders, KeyframeNeed::NewViewer);
    }

    fn request_keyframes_from(&mut self, senders: &[ParticipantId], need: KeyframeNeed) {
        let now = Instant::now();
        for &p in senders {
            if let Some(peer) = self.peers.get_mut(&p) {
                peer.request_keyframe(now, need);
            }
            // The request goes out on the sender's next timeout.
            self.mark(p);
        }
    }

    /// A receiver's downlink estimate changed: the other party, whose camera it
    /// watches, is told to send no more than that (see `crate::rate`). A monitor's
    /// estimate caps nobody.
    pub(super) fn cap_sender(
        &mut self,
        room: RoomId,
        receiver: RoomRole,
        estimate: Bitrate,
        now: Instant,
    ) {
        self.cap_sender_with(room, receiver, estimate, now, false);
    }

    /// [`Self::cap_sender`], the ceiling going out now even if it rose within the second:
    /// the receiver's link came back after a bad moment (`crate::rate::Recovery`).
    pub(super) fn cap_sender_at_once(
        &mut self,
        room: RoomId,
        receiver: RoomRole,
        estimate: Bitrate,
        now: Instant,
    ) {
        self.cap_sender_with(room, receiver, estimate, now, true);
    }

    fn cap_sender_with(
        &mut self,
        room: RoomId,
        receiver: RoomRole,
        estimate: Bitrate,
        now: Instant,
        at_once: bool,
    ) {
        let Some(sender_role) = receiver.other_party() else {
            return;
        };
        let Some(sender) = self.rooms.get(&room).and_then(|r| {
            r.members
                .iter()
                .find(|(_, role)| *role == sender_role)
                .map(|(p, _)| *p)
        }) else {
            return;
        };
        let capped = self.peers.get_mut(&sender).is_some_and(|peer| {
            if at_once {
                peer.cap_next_at_once();
            }
            peer.cap_uplink(now, estimate)
        });
        if capped {
            self.counters.uplink_caps.fetch_add(1, Ordering::Relaxed);
            // The REMB goes out on the sender's next timeout.
            self.mark(sender);
        }
    }

    pub(super) fn forward(
        &mut self,
        from: ParticipantId,
        room_id: RoomId,
        role: RoomRole,
        packet: &RtpPacket,
        now: Instant,
    ) {
        if role == RoomRole::Monitor {
            return;
        }
        let Some(room) = self.rooms.get_mut(&room_id) else {
            return;
        };
        if !room.forwarding(now) {
            return;
        }
        let Some(sender) = self.peers.get_mut(&from) else {
            return;
        };
        let ssrc = packet.header.ssrc;
        let Some(mid) = sender.rtc.direct_api().stream_rx(&ssrc).map(|s| s.mid()) else {
            return;
        };
        let Some(kind) = sender.kind_of(mid) else {
            return;
        };
        let pt = packet.header.payload_type;
        let Some(params) = sender.rtc.codec_config().find(|p| p.pt() == pt).copied() else {
            return;
        };
        let mut keyframe_from_sender = false;
        // The recording holds VP8 and Opus, the codecs the server accepts.
        if let Some(r) = room.recorder.as_mut() {
            let lost = r.write_packet(
                role,
                kind,
                Packet {
                    source: *ssrc,
                    seq: *packet.seq_no,
                    timestamp: packet.header.timestamp,
                    marker: packet.header.marker,
                    payload: &packet.payload,
                },
                now,
            );
            if lost {
                sender.request_keyframe(now, KeyframeNeed::Repair);
                keyframe_from_sender = true;
            }
        }
        // What the sender's header carried about its own stream is not the receiver's.
        let mut ext = packet.header.ext_vals.clone();
        ext.mid = None;
        ext.rid = None;
        ext.rid_repair = None;
        ext.transport_cc = None;
        let mut delivered = false;
        for &(to, to_role) in &room.members {
            if to == from || to_role == role {
                continue;
            }
            let Some(peer) = self.peers.get_mut(&to) else {
                continue;
            };
            if !peer.connected {
                continue;
            }
            let Some(out_mid) = peer.mid_for(kind, role) else {
                continue;
            };
            let Some(out_pt) = peer.pt_for(from, &params) else {
                continue;
            };
            let incoming = Incoming {
                seq: packet.seq_no,
                time: packet.header.timestamp,
                at: packet.timestamp,
                clock_rate: params.spec().clock_rate.get(),
            };
            let Some((seq, time)) = peer.rewrite(out_mid, ssrc, incoming) else {
                continue;
            };
            let mut api = peer.rtc.direct_api();
            let Some(stream) = api.stream_tx_by_mid(out_mid, None) else {
                continue;
            };
            stream.write_rtp(
                RtpWrite::new(out_pt, seq, time, packet.timestamp, packet.payload.clone())
                    .marker(packet.header.marker)
                    .ext_vals(ext.clone())
                    .nackable(kind == MediaKind::Video),
            );
            self.counters
                .media_forwarded
                .fetch_add(1, Ordering::Relaxed);
            if to_role != RoomRole::Monitor {
                delivered = true;
                if kind == MediaKind::Video {
                    peer.downlink.video_sent(now);
                }
            }
            peer.owes_timeout = true;
            if !peer.dirty {
                peer.dirty = true;
                self.dirty.push(to);
            }
        }
        if delivered && let Some(slot) = Room::party_slot(role) {
            room.last_forwarded[slot] = Some(now);
        }
        if keyframe_from_sender {
            self.mark(from);
        }
    }
}
