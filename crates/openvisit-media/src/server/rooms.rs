//! Rooms and who is in them: commands from the control handle (open, admit, gate,
//! remove, end), each room's end at its gate's instant, and its flow reports.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use str0m::bwe::Bitrate;
use str0m::change::SdpOffer;
use str0m::net::TcpType;
use str0m::{Candidate, Output, Rtc};

use super::{MAX_SLEEP, Server, transmit};
use crate::peer::Peer;
use crate::rate;

/// Staff watching one visit at once.
pub const MAX_MONITORS_PER_ROOM: usize = 4;
use crate::room::{FLOW_INTERVAL, Room};
use crate::{Admitted, Command, EndCause, MediaError, MediaEvent, ParticipantId, RoomId, RoomRole};

impl Server {
    /// The earliest end or flow report of any room, or `now + MAX_SLEEP`.
    pub(super) fn next_room_event(&self, now: Instant) -> Instant {
        let mut next = now + MAX_SLEEP;
        for room in self.rooms.values() {
            if let Some(until) = room.gate_until {
                next = next.min(until);
            }
            if let Some(at) = room.next_flow_report {
                next = next.min(at);
            }
        }
        next
    }

    pub(super) fn handle_command(&mut self, command: Command) {
        match command {
            Command::OpenRoom(id, options) => {
                self.rooms.entry(id).or_insert_with(|| Room::new(options));
            }
            Command::Admit {
                room,
                role,
                offer,
                reply,
            } => {
                let result = self.admit(room, role, &offer);
                let _ = reply.send(result);
            }
            Command::Gate { room, until } => {
                if let Some(r) = self.rooms.get_mut(&room) {
                    let opened = r.gate_until.is_none() && until.is_some();
                    r.gate_until = until;
                    r.next_flow_report = until.map(|_| Instant::now() + FLOW_INTERVAL);
                    if let Some(at) = r.gate_until.into_iter().chain(r.next_flow_report).min() {
                        self.rooms_due = self.rooms_due.min(at);
                    }
                    if opened {
                        // Start the pictures at once rather than at the next natural keyframe.
                        self.request_keyframes_at_gate(room);
                    }
                }
            }
            Command::Remove { room, participant } => self.remove_peer(room, participant),
            Command::EndRoom(room) => self.end_room(room, EndCause::Closed),
            Command::MakePrivate(room) => self.make_private(room),
            Command::Fault { room, dropping } => {
                if let Some(r) = self.rooms.get_mut(&room) {
                    r.dropping = dropping;
                }
            }
            Command::Shutdown => {}
        }
    }

    // Spans (at debug level, off by default) time the media server's work per room.
    #[tracing::instrument(level = "debug", name = "media.admit", skip_all, fields(room = room_id.0, role = ?role))]
    pub(super) fn admit(
        &mut self,
        room_id: RoomId,
        role: RoomRole,
        offer: &str,
    ) -> Result<Admitted, MediaError> {
        let room = self.rooms.get(&room_id).ok_or(MediaError::NoRoom)?;
        if role == RoomRole::Monitor && !room.options.monitorable {
            return Err(MediaError::NotMonitorable);
        }
        // Each monitor costs a peer; a room takes a few (a socket's new offer replaces
        // its old peer, so this bounds the room, not one person).
        if role == RoomRole::Monitor
            && room
                .members
                .iter()
                .filter(|(_, r)| *r == RoomRole::Monitor)
                .count()
                >= MAX_MONITORS_PER_ROOM
        {
            return Err(MediaError::TooManyMonitors);
        }
        let now = Instant::now();
        let (rtc, answer) = answer_offer(
            offer,
            &self.crypto,
            self.offers_udp.then_some(self.candidate),
            self.tcp.listening().then_some(self.candidate),
            now,
        )?;

        // A party joining again replaces their old connection.
        if role != RoomRole::Monitor {
            let old: Vec<ParticipantId> = room
                .members
                .iter()
                .filter(|(_, r)| *r == role)
                .map(|(p, _)| *p)
                .collect();
            for p in old {
                self.remove_peer(room_id, p);
            }
        }
        let id = ParticipantId(self.next_id);
        self.next_id += 1;
        let mut peer = Peer::new(id, room_id, role, rtc, now);
        // What the client offered decides how its downlink is estimated (`crate::rate`).
        peer.twcc = answer.contains("transport-cc");
        self.peers.insert(id, peer);
        self.wakes.insert((now, id));
        if let Some(room) = self.rooms.get_mut(&room_id) {
            room.members.push((id, role));
        }
        self.counters
            .peers
            .store(self.peers.len() as u64, Ordering::Relaxed);
        self.mark(id);
        Ok(Admitted {
            participant: id,
            answer_sdp: answer,
        })
    }

    pub(super) fn remove_peer(&mut self, room: RoomId, participant: ParticipantId) {
        if let Some(mut peer) = self.peers.remove(&participant) {
            self.wakes.remove(&(peer.wake_at, participant));
            self.close_politely(&mut peer);
            self.by_source.retain(|_, p| *p != participant);
            let _ = self.events.send(MediaEvent::Disconnected {
                room,
                participant,
                role: peer.role,
            });
        }
        if let Some(r) = self.rooms.get_mut(&room) {
            r.members.retain(|(p, _)| *p != participant);
        }
        self.counters
            .peers
            .store(self.peers.len() as u64, Ordering::Relaxed);
    }

    /// Drops the room's monitors, refuses new ones and deletes its recording so far.
    fn make_private(&mut self, room: RoomId) {
        let Some(r) = self.rooms.get_mut(&room) else {
            return;
        };
        r.options.monitorable = false;
        r.options.record_to = None;
        let recorder = r.recorder.take();
        let monitors: Vec<ParticipantId> = r
            .members
            .iter()
            .filter(|(_, role)| *role == RoomRole::Monitor)
            .map(|(p, _)| *p)
            .collect();
        for p in monitors {
            self.remove_peer(room, p);
        }
        if let Some(recorder) = recorder
            && let Err(e) = recorder.discard()
        {
            tracing::error!(room = room.0, error = %e, "deleting the recording of a privileged visit");
        }
    }

    #[tracing::instrument(level = "debug", name = "media.end_room", skip_all, fields(room = room.0))]
    pub(super) fn end_room(&mut self, room: RoomId, cause: EndCause) {
        let Some(r) = self.rooms.remove(&room) else {
            return;
        };
        for (p, _) in &r.members {
            let p = *p;
            if let Some(mut peer) = self.peers.remove(&p) {
                self.wakes.remove(&(peer.wake_at, p));
                // The close goes out now, so the client learns at once, not at its ICE
                // timeout.
                self.close_politely(&mut peer);
            }
            self.by_source.retain(|_, q| *q != p);
        }
        self.counters
            .peers
            .store(self.peers.len() as u64, Ordering::Relaxed);
        let _ = self.events.send(MediaEvent::RoomEnded { room, cause });
        if let Some(recorder) = r.recorder {
            let folder = recorder.finish();
            let _ = self
                .events
                .send(MediaEvent::RecordingClosed { room, folder });
        }
    }

    /// Ends a peer's connection the way WebRTC stacks expect: an RTCP BYE and a DTLS
    /// `close_notify`, sent at once, so the client's connection closes rather than
    /// staying "connected" to a port that has gone silent.
    pub(super) fn close_politely(&mut self, peer: &mut Peer) {
        if peer.rtc.close().is_ok() {
            // A bounded drain: BYE and close_notify are a few datagrams.
            for _ in 0..64 {
                match peer.rtc.poll_output() {
                    Ok(Output::Transmit(t)) => transmit(&mut self.out, &mut self.tcp, t),
                    Ok(Output::Event(_)) => {}
                    Ok(Output::Timeout(_)) | Err(_) => break,
                }
            }
        }
        peer.rtc.disconnect();
    }

    pub(super) fn enforce_deadlines(&mut self, now: Instant) {
        let due: Vec<RoomId> = self
            .rooms
            .iter()
            .filter(|(_, r)| r.gate_until.is_some_and(|u| u <= now))
            .map(|(id, _)| *id)
            .collect();
        for room in due {
            self.end_room(room, EndCause::Deadline);
        }
    }

    pub(super) fn report_flows(&mut self, now: Instant) {
        for (id, room) in &mut self.rooms {
            let Some(at) = room.next_flow_report else {
                continue;
            };
            if at > now {
                continue;
            }
            room.next_flow_report = Some(at + FLOW_INTERVAL);
            if let Some(r) = room.recorder.as_mut() {
                r.flush();
            }
            let downlink = |role: RoomRole| {
                room.members
                    .iter()
                    .find(|(_, r)| *r == role)
                    .and_then(|(p, _)| self.peers.get(p))
                    .and_then(|peer| peer.downlink.report(now))
            };
            let _ = self.events.send(MediaEvent::Flow {
                room: *id,
                visitor: room.flowed(RoomRole::Visitor, now),
                resident: room.flowed(RoomRole::Resident, now),
                visitor_downlink: downlink(RoomRole::Visitor),
                resident_downlink: downlink(RoomRole::Resident),
            });
        }
    }
}

/// Our side of an SDP offer: a peer as the server runs it (ICE-lite, RTP mode, Opus and
/// VP8 only, bandwidth estimation on) with its host candidates, and the answer's text.
/// Offers come from the network, so this is a fuzz target (`fuzz/`): any text gives an
/// answer or a `BadOffer`, never a panic.
pub fn answer_offer(
    offer: &str,
    crypto: &Arc<str0m::crypto::CryptoProvider>,
    udp: Option<std::net::SocketAddr>,
    tcp: Option<std::net::SocketAddr>,
    now: Instant,
) -> Result<(Rtc, String), MediaError> {
    let offer =
        SdpOffer::from_sdp_string(offer).map_err(|e| MediaError::BadOffer(e.to_string()))?;
    // RTP mode: packets are passed on as they come (payloads shared, not copied);
    // only the recorder puts frames together.
    let mut config = Rtc::builder()
        .set_ice_lite(true)
        .set_rtp_mode(true)
        // Only what the recording can hold: every browser offers both.
        .clear_codecs();
    // Opus with in-band FEC (a lost packet is rebuilt from the next one, so speech
    // survives a lossy link) and DTX (silence costs next to nothing). Browsers, aiortc
    // and other stacks offering plain opus/48000/2 all match: str0m only scores fmtp.
    config.codec_config().add_config(
        str0m::media::Pt::from(111u8),
        None,
        str0m::format::Codec::Opus,
        str0m::media::Frequency::FORTY_EIGHT_KHZ,
        Some(2),
        str0m::format::FormatParams {
            min_p_time: Some(10),
            use_inband_fec: Some(true),
            use_dtx: Some(true),
            ..Default::default()
        },
    );
    let mut rtc = config
        .enable_vp8(true)
        .set_crypto_provider(Arc::clone(crypto))
        // Estimates this participant's downlink, to cap what the other party's
        // camera sends (see `crate::rate`).
        .enable_bwe(Some(rate::START_ESTIMATE))
        // Receiver reports' loss, once a second: the downlink estimate of a client that
        // sends no transport-wide feedback.
        .set_stats_interval(Some(std::time::Duration::from_secs(1)))
        .build(now);
    rtc.bwe().set_bitrate(Bitrate::ZERO, rate::DESIRED);
    if let Some(addr) = udp {
        let c = Candidate::host(addr, "udp").map_err(|e| MediaError::BadOffer(e.to_string()))?;
        rtc.add_local_candidate(c);
    }
    if let Some(addr) = tcp {
        let c = Candidate::builder()
            .tcp()
            .host(addr)
            .tcptype(TcpType::Passive)
            .build()
            .map_err(|e| MediaError::BadOffer(e.to_string()))?;
        rtc.add_local_candidate(c);
    }
    let answer = rtc
        .sdp_api()
        .accept_offer(offer)
        .map_err(|e| MediaError::BadOffer(e.to_string()))?;
    Ok((rtc, candidates_in_every_section(&answer.to_sdp_string())))
}

/// str0m writes the server's candidates into the first media section only; with BUNDLE
/// that is enough for a browser, but a stack that takes candidates per section leaves
/// the others without a transport and never connects. The server bundles everything on
/// one transport (max-bundle) and says so in every section: each accepted section gets
/// the same candidates and `a=end-of-candidates` (docs/SIGNALING.md).
pub(crate) fn candidates_in_every_section(sdp: &str) -> String {
    let lines: Vec<&str> = sdp.split("\r\n").filter(|l| !l.is_empty()).collect();
    let is_candidate = |l: &&str| l.starts_with("a=candidate:") || *l == "a=end-of-candidates";
    let mut candidates: Vec<&str> = lines.iter().copied().filter(is_candidate).collect();
    candidates.dedup();
    if candidates.is_empty() {
        return sdp.to_owned();
    }
    if !candidates.contains(&"a=end-of-candidates") {
        candidates.push("a=end-of-candidates");
    }
    let mut out = String::with_capacity(sdp.len() + 512);
    let mut section: Vec<&str> = Vec::new();
    let flush = |section: &mut Vec<&str>, out: &mut String| {
        let accepted = section
            .first()
            .is_some_and(|m| m.starts_with("m=") && m.split(' ').nth(1) != Some("0"));
        for l in section.iter().filter(|l| !accepted || !is_candidate(l)) {
            out.push_str(l);
            out.push_str("\r\n");
        }
        if accepted {
            for c in &candidates {
                out.push_str(c);
                out.push_str("\r\n");
            }
        }
        section.clear();
    };
    for l in lines {
        if l.starts_with("m=") {
            flush(&mut section, &mut out);
        }
        section.push(l);
    }
    flush(&mut section, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::candidates_in_every_section;

    #[test]
    fn every_accepted_section_carries_the_candidates_once() {
        let answer = "v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1 2\r\n\
            m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n\
            a=candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host\r\n\
            a=candidate:2 1 tcp 2105458943 127.0.0.1 5000 typ host tcptype passive\r\n\
            m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\n\
            m=video 0 UDP/TLS/RTP/SAVPF 96\r\na=mid:2\r\n";
        let out = candidates_in_every_section(answer);
        let sections: Vec<&str> = out.split("m=").skip(1).collect();
        assert_eq!(sections.len(), 3);
        for s in &sections[..2] {
            assert_eq!(s.matches("a=candidate:").count(), 2, "{out}");
            assert_eq!(s.matches("a=end-of-candidates").count(), 1, "{out}");
        }
        assert!(
            !sections[2].contains("a=candidate:"),
            "a rejected section: {out}"
        );
        assert!(out.starts_with("v=0\r\n") && out.ends_with("\r\n"));
        assert_eq!(out.matches("a=group:BUNDLE").count(), 1);
    }
}
