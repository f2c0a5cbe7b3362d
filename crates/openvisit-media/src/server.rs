//! The media thread: one UDP socket, every room and peer, and the forwarding loop.
//!
//! It runs on its own thread with a single-threaded Tokio runtime, so the sans-IO str0m
//! instances are only ever touched from here: no locks on the packet path.

use std::collections::BTreeSet;
use std::io;
use std::net::{SocketAddr, TcpListener as StdTcpListener, UdpSocket as StdUdpSocket};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rustc_hash::FxHashMap as HashMap;
use str0m::bwe::{Bitrate, BweKind};
use str0m::config::CryptoProvider;
use str0m::net::{Protocol, Receive, Transmit};
use str0m::{Event, IceConnectionState, Input, Output, PacerReason, Reason};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

mod forward;
mod rooms;

pub use rooms::answer_offer;

use crate::peer::{KeyframeNeed, Peer};
use crate::rate::{self, Nudge};
use crate::room::Room;
use crate::tcp::TcpLinks;
use crate::udp::{MediaSocket, Outbox, RecvBatch};
use crate::{Command, MediaConfig, MediaCounters, MediaEvent, ParticipantId, RoomId, RoomRole};

/// The longest the loop sleeps: bounds how late a gate deadline can be noticed even if
/// no packet or command arrives.
const MAX_SLEEP: Duration = Duration::from_millis(20);

/// A pacer timeout this close is taken at once, in the same turn: it is str0m's
/// "one packet per timeout" step, not a packet held back to pace the link.
const PACER_NOW: Duration = Duration::from_micros(20);

/// At most this many pacer steps per peer per drain, so one peer's burst cannot hold up
/// the loop; the rest go on the next turn.
const MAX_PACER_TURNS: u32 = 512;

/// How many free UDP ports to try, when any will do, for one whose number is free for TCP
/// too: another program's TCP connection can hold the number the system gave UDP.
const PORT_TRIES: usize = 8;

/// The UDP socket, and the same port number over TCP for clients whose network blocks
/// UDP. Without TCP (the number is taken for TCP) UDP still serves everyone else.
fn bind_ports(bind: SocketAddr) -> io::Result<(StdUdpSocket, Option<StdTcpListener>)> {
    let tries = if bind.port() == 0 { PORT_TRIES } else { 1 };
    let mut last = None;
    for _ in 0..tries {
        let socket = StdUdpSocket::bind(bind)?;
        let port = socket.local_addr()?.port();
        match StdTcpListener::bind(SocketAddr::new(bind.ip(), port))
            .and_then(|l| l.set_nonblocking(true).map(|()| l))
        {
            Ok(tcp) => return Ok((socket, Some(tcp))),
            Err(e) => last = Some((socket, e)),
        }
    }
    let Some((socket, e)) = last else {
        return Err(io::Error::other("no port tried"));
    };
    tracing::warn!(error = %e, port = socket.local_addr()?.port(), "media over TCP is off");
    Ok((socket, None))
}

pub(crate) fn spawn(
    config: &MediaConfig,
    inbox: UnboundedReceiver<Command>,
    events: UnboundedSender<MediaEvent>,
    counters: Arc<MediaCounters>,
) -> io::Result<(SocketAddr, bool)> {
    let (socket, tcp) = bind_ports(config.bind)?;
    socket.set_nonblocking(true)?;
    let local = socket.local_addr()?;
    let ip = match config.public_ip {
        Some(ip) => ip,
        None if !local.ip().is_unspecified() => local.ip(),
        None => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "the media port is bound to a wildcard address: set the public address clients reach it at",
            ));
        }
    };
    let candidate = SocketAddr::new(ip, local.port());
    let serves_tcp = tcp.is_some();
    if config.tcp_only && !serves_tcp {
        return Err(io::Error::new(
            io::ErrorKind::AddrInUse,
            "media over TCP only, but the port number is taken for TCP",
        ));
    }
    let offers_udp = !config.tcp_only;
    let crypto = Arc::new(str0m::crypto::from_feature_flags());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    std::thread::Builder::new()
        .name("openvisit-media".into())
        .spawn(move || {
            runtime.block_on(async move {
                let socket = match MediaSocket::new(socket) {
                    Ok(s) => s,
                    Err(e) => {
                        tracing::error!(error = %e, "media socket");
                        return;
                    }
                };
                let tcp = tcp.and_then(|l| {
                    tokio::net::TcpListener::from_std(l)
                        .map_err(|e| tracing::warn!(error = %e, "media over TCP is off"))
                        .ok()
                });
                let mut server = Server {
                    tcp: TcpLinks::new(tcp),
                    socket,
                    candidate,
                    offers_udp,
                    crypto,
                    peers: HashMap::default(),
                    by_source: HashMap::default(),
                    rooms: HashMap::default(),
                    events,
                    counters,
                    next_id: 1,
                    dirty: Vec::new(),
                    wakes: BTreeSet::new(),
                    rooms_due: Instant::now(),
                    out: Vec::new(),
                    forwarded_at_last_send: 0,
                };
                server.run(inbox).await;
            });
        })?;
    Ok((local, serves_tcp))
}

/// What each outgoing video line keeps to answer retransmission requests: str0m keeps 3 s
/// (up to 1,000 packets) by default, most of a visit's memory on the server. A family's
/// round trip is well under a second, so 1.2 s (about 130 packets of a 1 Mbit/s camera)
/// still repairs every loss that can be repaired in time to be seen.
const RTX_PACKETS: usize = 384;
const RTX_AGE: std::time::Duration = std::time::Duration::from_millis(1200);

struct Server {
    socket: MediaSocket,
    /// The TCP side of the media port (RFC 6544).
    tcp: TcpLinks,
    /// The address clients reach the port at, UDP and TCP: the one candidate.
    candidate: SocketAddr,
    /// Whether answers offer UDP (not with `MediaConfig::tcp_only`).
    offers_udp: bool,
    crypto: Arc<CryptoProvider>,
    peers: HashMap<ParticipantId, Peer>,
    /// Which peer a remote address belongs to, learnt from ICE.
    by_source: HashMap<SocketAddr, ParticipantId>,
    rooms: HashMap<RoomId, Room>,
    events: UnboundedSender<MediaEvent>,
    counters: Arc<MediaCounters>,
    next_id: u64,
    /// Peers to drain before the loop sleeps (and time out, if they owe one): they
    /// received input, were written media, were asked for a keyframe, or are due.
    dirty: Vec<ParticipantId>,
    /// When each peer's str0m next wants a timeout, earliest first: the loop finds the
    /// due peers and its own wake-up without visiting every peer each turn.
    wakes: BTreeSet<(Instant, ParticipantId)>,
    /// The earliest instant any room has something due (its end, its flow report):
    /// rooms are visited only then.
    rooms_due: Instant,
    /// Datagrams to send at the end of the loop turn, all in one go.
    out: Outbox,
    /// `counters.media_forwarded` when the last send went out.
    forwarded_at_last_send: u64,
}

impl Server {
    async fn run(&mut self, mut inbox: UnboundedReceiver<Command>) {
        let mut batch = RecvBatch::new();
        loop {
            let now = Instant::now();
            if now >= self.rooms_due {
                self.enforce_deadlines(now);
                self.report_flows(now);
                self.rooms_due = self.next_room_event(now);
            }
            self.settle(now);
            self.flush();
            if batch.len() > 0 {
                self.record_latency(&batch);
            }
            let wake = self.next_wake(now);
            batch.clear();
            tokio::select! {
                biased;
                command = inbox.recv() => {
                    match command {
                        Some(Command::Shutdown) | None => break,
                        Some(c) => self.handle_command(c),
                    }
                }
                received = self.socket.recv(&mut batch) => {
                    if received.is_ok() {
                        let now = Instant::now();
                        self.counters
                            .packets_in
                            .fetch_add(batch.len() as u64, Ordering::Relaxed);
                        self.counters
                            .bytes_in
                            .fetch_add(batch.bytes() as u64, Ordering::Relaxed);
                        for i in 0..batch.len() {
                            if let Some((source, data)) = batch.get(i) {
                                self.receive(Protocol::Udp, source, data, now);
                            }
                        }
                    }
                }
                first = self.tcp.next_frame() => {
                    // What else the connections have brought, in the same turn.
                    let mut frame = Some(first);
                    let mut taken = 0;
                    while let Some((source, datagram)) = frame {
                        self.receive_tcp(source, datagram);
                        taken += 1;
                        frame = if taken < crate::udp::BATCH { self.tcp.try_next_frame() } else { None };
                    }
                }
                () = tokio::time::sleep_until(wake.into()) => {}
            }
        }
        for peer in self.peers.values_mut() {
            peer.rtc.disconnect();
        }
        self.flush();
    }

    /// Counts the batch's datagrams by how long they took from arrival to the send
    /// that just ended.
    fn record_latency(&self, batch: &RecvBatch) {
        let Ok(now) = SystemTime::now().duration_since(UNIX_EPOCH) else {
            return;
        };
        let now = u64::try_from(now.as_nanos()).unwrap_or(u64::MAX);
        for &arrived in batch.arrivals() {
            if arrived > 0 {
                let micros = now.saturating_sub(arrived) / 1000;
                self.counters.latency.record(micros, 1);
            }
        }
    }

    /// Sends the turn's datagrams.
    fn flush(&mut self) {
        if self.out.is_empty() {
            return;
        }
        let sent = self.socket.send(&mut self.out);
        self.counters
            .packets_out
            .fetch_add(sent as u64, Ordering::Relaxed);
        // Media written since the last send went out with this one.
        let forwarded = self.counters.media_forwarded.load(Ordering::Relaxed);
        if forwarded != self.forwarded_at_last_send {
            self.forwarded_at_last_send = forwarded;
            if let Ok(now) = SystemTime::now().duration_since(UNIX_EPOCH) {
                self.counters.last_media_sent_micros.store(
                    u64::try_from(now.as_micros()).unwrap_or(u64::MAX),
                    Ordering::Relaxed,
                );
            }
        }
    }

    fn next_wake(&self, now: Instant) -> Instant {
        let mut wake = (now + MAX_SLEEP).min(self.rooms_due);
        if let Some(&(at, _)) = self.wakes.first() {
            wake = wake.min(at);
        }
        wake.max(now + Duration::from_micros(200))
    }

    /// Queues a peer for a timeout and a drain in the next [`Server::settle`] (once,
    /// however often it is marked).
    fn mark(&mut self, id: ParticipantId) {
        if let Some(peer) = self.peers.get_mut(&id) {
            peer.owes_timeout = true;
            if !peer.dirty {
                peer.dirty = true;
                self.dirty.push(id);
            }
        }
    }

    /// Gives every peer that owes one an `Input::Timeout(now)`, and drains every queued
    /// peer's output. str0m's pacer sees packets written with `write_rtp` only on a
    /// timeout, so this is what sends forwarded media: once per batch of datagrams, not
    /// once per packet. `now` must be taken after the batch (str0m ignores a time before
    /// its last input).
    fn settle(&mut self, now: Instant) {
        for &(_, id) in self.wakes.range(..=(now, ParticipantId(u64::MAX))) {
            if let Some(peer) = self.peers.get_mut(&id) {
                peer.owes_timeout = true;
                if !peer.dirty {
                    peer.dirty = true;
                    self.dirty.push(id);
                }
            }
        }
        while let Some(id) = self.dirty.pop() {
            let Some(peer) = self.peers.get_mut(&id) else {
                continue;
            };
            peer.dirty = false;
            if peer.repair_due().is_some_and(|due| due <= now) {
                peer.request_keyframe(now, KeyframeNeed::Repair);
                peer.owes_timeout = true;
            }
            if std::mem::take(&mut peer.owes_timeout)
                && peer.rtc.handle_input(Input::Timeout(now)).is_err()
            {
                peer.rtc.disconnect();
            }
            self.drain(id, false, now);
        }
    }

    /// A datagram from a TCP connection, or `None`: the connection closed.
    fn receive_tcp(&mut self, source: SocketAddr, datagram: Option<Vec<u8>>) {
        let Some(data) = datagram else {
            self.by_source.remove(&source);
            return;
        };
        self.counters.packets_in.fetch_add(1, Ordering::Relaxed);
        self.counters
            .bytes_in
            .fetch_add(data.len() as u64, Ordering::Relaxed);
        self.receive(Protocol::Tcp, source, &data, Instant::now());
    }

    /// Hands a datagram to the peer it belongs to. It arrived at the candidate's address
    /// whatever the socket is bound to (a wildcard behind NAT): str0m answers ICE checks
    /// only on an address it offered.
    fn receive(&mut self, proto: Protocol, source: SocketAddr, data: &[u8], now: Instant) {
        let Ok(receive) = Receive::new(proto, source, self.candidate, data) else {
            return;
        };
        let input = Input::Receive(now, receive);
        let id = match self.by_source.get(&source) {
            Some(id) => *id,
            None => {
                // STUN from a new address: find the peer whose ICE credentials match.
                let Some(peer) = self.peers.values().find(|p| p.rtc.accepts(&input)) else {
                    return;
                };
                self.by_source.insert(source, peer.id);
                peer.id
            }
        };
        let Some(peer) = self.peers.get_mut(&id) else {
            return;
        };
        match peer.rtc.handle_input(input) {
            // str0m runs its timers after every datagram it takes: what was owed is done.
            Ok(()) => peer.owes_timeout = false,
            Err(_) => peer.rtc.disconnect(),
        }
        if !peer.dirty {
            peer.dirty = true;
            self.dirty.push(id);
        }
        // str0m holds one received RTP packet at a time: take it out before the next
        // datagram goes in. The rest of the output waits for `settle`.
        self.drain(id, true, now);
    }

    /// Polls one peer's output until its timeout (or, with `until_media`, until the
    /// first RTP packet it received). Media is forwarded at once: `write_rtp` on the
    /// receivers, which are marked for `settle`.
    fn drain(&mut self, id: ParticipantId, until_media: bool, now: Instant) {
        let mut keyframe_wanted: Option<KeyframeNeed> = None;
        let mut pacer_turns = 0;
        let mut gone = false;
        let Some(peer) = self.peers.get(&id) else {
            return;
        };
        let (room, role) = (peer.room, peer.role);
        loop {
            let Some(peer) = self.peers.get_mut(&id) else {
                return;
            };
            if !peer.rtc.is_alive() {
                gone = true;
                break;
            }
            match peer.rtc.poll_output() {
                Ok(Output::Timeout(t)) => {
                    // The pacer lets one packet out per timeout: what it lets out now
                    // goes in this turn, not after the loop's next sleep.
                    if matches!(peer.rtc.last_timeout_reason(), Reason::Pacer(_))
                        && t <= now + PACER_NOW
                        && pacer_turns < MAX_PACER_TURNS
                    {
                        pacer_turns += 1;
                        if peer.rtc.handle_input(Input::Timeout(t.max(now))).is_err() {
                            peer.rtc.disconnect();
                        }
                        continue;
                    }
                    if peer.rtc.last_timeout_reason() == Reason::Pacer(PacerReason::Paced) {
                        self.counters.paced_waits.fetch_add(1, Ordering::Relaxed);
                    }
                    // A held-back keyframe request wakes the peer too.
                    let t = peer.repair_due().map_or(t, |due| due.min(t));
                    if t != peer.wake_at {
                        self.wakes.remove(&(peer.wake_at, id));
                        self.wakes.insert((t, id));
                        peer.wake_at = t;
                    }
                    break;
                }
                Ok(Output::Transmit(t)) => transmit(&mut self.out, &mut self.tcp, t),
                Ok(Output::Event(event)) => match event {
                    Event::Connected => {
                        peer.connected = true;
                        peer.downlink.connected(now);
                        keyframe_wanted = Some(KeyframeNeed::NewViewer);
                        let _ = self.events.send(MediaEvent::Connected {
                            room,
                            participant: id,
                            role,
                        });
                    }
                    Event::IceConnectionStateChange(IceConnectionState::Disconnected) => {
                        peer.rtc.disconnect();
                    }
                    Event::MediaAdded(added) => {
                        if added.kind == str0m::media::MediaKind::Video
                            && let Some(tx) =
                                peer.rtc.direct_api().stream_tx_by_mid(added.mid, None)
                        {
                            tx.set_rtx_cache(RTX_PACKETS, RTX_AGE, Some(0.15));
                        }
                        peer.mids.push((added.mid, added.kind));
                    }
                    Event::RtpPacket(packet) => {
                        self.forward(id, room, role, &packet, now);
                        if until_media {
                            break;
                        }
                    }
                    Event::KeyframeRequest(_) => {
                        keyframe_wanted = keyframe_wanted.or(Some(KeyframeNeed::Repair));
                    }
                    Event::EgressBitrateEstimate(
                        BweKind::Twcc { estimate, .. } | BweKind::Remb { estimate, .. },
                    ) if peer.twcc => {
                        let estimate = peer.recovery.lift(estimate);
                        peer.downlink.estimated(estimate);
                        self.cap_sender(room, role, estimate, now);
                    }
                    // After a bad moment, probe for the capacity the link had before
                    // rather than climb back 8% a second (`crate::rate::Recovery`).
                    Event::PeerStats(stats) if peer.twcc => {
                        let nudge = stats.bwe_tx.and_then(|estimate| {
                            peer.recovery.report(estimate, stats.egress_loss_fraction)
                        });
                        match nudge {
                            Some(Nudge::Probe(desired)) => {
                                peer.rtc.bwe().set_bitrate(Bitrate::ZERO, desired);
                            }
                            Some(Nudge::Reset(from)) => {
                                peer.rtc.bwe().reset(from);
                                peer.rtc.bwe().set_bitrate(Bitrate::ZERO, rate::DESIRED);
                            }
                            Some(Nudge::Settle) => {
                                peer.rtc.bwe().set_bitrate(Bitrate::ZERO, rate::DESIRED);
                            }
                            None => {}
                        }
                        if nudge.is_some() {
                            peer.owes_timeout = true;
                        }
                        if let Some(raw) = peer.recovery.lifted() {
                            peer.downlink.estimated(raw);
                            if matches!(nudge, Some(Nudge::Reset(_))) {
                                self.cap_sender_at_once(room, role, raw, now);
                            } else {
                                self.cap_sender(room, role, raw, now);
                            }
                        }
                    }
                    // Without transport-wide feedback, the loss its receiver reports
                    // tell is the estimate (a REMB from such a client is not used).
                    Event::MediaEgressStats(stats) if !peer.twcc => {
                        if let Some(loss) = stats.loss {
                            let estimate = peer.loss.update(loss);
                            peer.downlink.estimated(estimate);
                            self.cap_sender(room, role, estimate, now);
                        }
                    }
                    _ => {}
                },
                Err(e) => {
                    tracing::debug!(error = %e, "media peer failed");
                    peer.rtc.disconnect();
                    gone = true;
                    break;
                }
            }
        }
        if gone {
            self.remove_peer(room, id);
            return;
        }
        if let Some(need) = keyframe_wanted {
            // A receiver lost the picture (or just connected): ask the senders.
            let source = if role == RoomRole::Monitor {
                None
            } else {
                role.other_party()
            };
            self.request_keyframes(room, source, need);
        }
    }
}

/// Queues a datagram for the turn's UDP send, or writes it to its TCP connection.
fn transmit(out: &mut Outbox, tcp: &mut TcpLinks, t: Transmit) {
    match t.proto {
        Protocol::Udp => out.push((t.destination, t.contents.into())),
        _ => tcp.send(t.destination, &t.contents),
    }
}
