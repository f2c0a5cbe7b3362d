//! OpenVisit's media server: a small WebRTC SFU built on str0m.
//!
//! Media always flows through this server, never peer to peer, because the facility must
//! be able to watch, record and cut a visit. The rest of OpenVisit talks to it only
//! through [`MediaServer`]'s control interface (open a room, admit a participant, open or
//! close the gate, end the room) and the [`MediaEvent`]s it sends back, so it can later run
//! as its own process on several media nodes.
//!
//! One UDP port carries every participant (ICE-lite, host candidate on a configurable
//! public address). A visit is a room with at most one visitor, one resident and any
//! number of receive-only monitors. Media is forwarded only while the room's gate is open
//! and before its deadline: the session rules decide when that is; this crate enforces it
//! to the millisecond, whatever the clients do.

mod frames;
mod peer;
mod rate;
mod recorder;
mod room;
mod server;
mod tcp;
mod udp;

pub mod loopback;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use serde::Serialize;

pub use recorder::{RecordingFile, assemble_recording, is_recording_file_name, recording_files};

/// Answers `offer` exactly as an admission does, with UDP and TCP host candidates on a
/// loopback port, without a running server: what the fuzz target for SDP offers and
/// tests of hostile offers call.
pub fn answer_offer_as_server(offer: &str) -> Result<String, MediaError> {
    static CRYPTO: std::sync::OnceLock<Arc<str0m::crypto::CryptoProvider>> =
        std::sync::OnceLock::new();
    let crypto = CRYPTO.get_or_init(|| Arc::new(str0m::crypto::from_feature_flags()));
    let addr = SocketAddr::from(([127, 0, 0, 1], 9));
    server::answer_offer(
        offer,
        crypto,
        Some(addr),
        Some(addr),
        std::time::Instant::now(),
    )
    .map(|(_, answer)| answer)
}
use tokio::sync::{mpsc as tokio_mpsc, oneshot};

/// A room is one visit; the caller uses the visit's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct RoomId(pub i64);

/// One connection to the media server, assigned on admission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ParticipantId(pub u64);

/// Who a participant is in the room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RoomRole {
    Visitor,
    Resident,
    /// Staff watching: receives both sides, sends nothing, unseen by the parties.
    Monitor,
}

impl RoomRole {
    /// The party on the other side of a visit.
    pub fn other_party(self) -> Option<RoomRole> {
        match self {
            RoomRole::Visitor => Some(RoomRole::Resident),
            RoomRole::Resident => Some(RoomRole::Visitor),
            RoomRole::Monitor => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct MediaConfig {
    /// The UDP address to listen on; port 0 picks a free one.
    pub bind: SocketAddr,
    /// The address clients reach the UDP port at (the host candidate). Defaults to the
    /// bound address when that is not a wildcard.
    pub public_ip: Option<IpAddr>,
    /// Offer media over TCP only (the same port number), not UDP: for a network where
    /// UDP never reaches the server, and to test the TCP path with a browser that would
    /// otherwise choose UDP. Starting fails if the port number is taken for TCP.
    pub tcp_only: bool,
}

/// How a room behaves, fixed when it opens.
#[derive(Debug, Clone, Default)]
pub struct RoomOptions {
    /// Where to write the visit's media as it arrives (a folder per visit). `None` for a
    /// privileged visit: nothing is written.
    pub record_to: Option<PathBuf>,
    /// Whether staff may watch. False for privileged visits: monitors are refused.
    pub monitorable: bool,
}

/// Why a room ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EndCause {
    /// The deadline passed: the server cut the media itself.
    Deadline,
    /// The controller ended it (staff, or the session rules).
    Closed,
}

/// What the media server reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum MediaEvent {
    /// ICE and DTLS are up for this participant.
    Connected {
        room: RoomId,
        participant: ParticipantId,
        role: RoomRole,
    },
    /// The participant's connection is gone.
    Disconnected {
        room: RoomId,
        participant: ParticipantId,
        role: RoomRole,
    },
    /// Once a second while the gate is open: whether each party's media reached the
    /// server and was forwarded in the last second, and what the server estimates each
    /// party's downlink takes, in bit/s (`None` until it has an estimate; see
    /// `rate.rs`).
    Flow {
        room: RoomId,
        visitor: bool,
        resident: bool,
        visitor_downlink: Option<u64>,
        resident_downlink: Option<u64>,
    },
    RoomEnded {
        room: RoomId,
        cause: EndCause,
    },
    /// A room's raw recording is closed on disk; [`assemble_recording`] makes the files.
    RecordingClosed {
        room: RoomId,
        folder: PathBuf,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MediaError {
    #[error("the media server could not start: {0}")]
    Start(String),
    #[error("the media server has stopped")]
    Stopped,
    #[error("this visit's media room is not open")]
    NoRoom,
    #[error("this visit is privileged: it cannot be watched")]
    NotMonitorable,
    #[error("the session description was refused: {0}")]
    BadOffer(String),
    #[error("this visit already has as many watchers as it can take")]
    TooManyMonitors,
}

/// Packet counters for benchmarks and metrics.
#[derive(Debug, Default)]
pub struct MediaCounters {
    pub packets_in: AtomicU64,
    /// Bytes of the datagrams in.
    pub bytes_in: AtomicU64,
    pub packets_out: AtomicU64,
    pub media_forwarded: AtomicU64,
    /// When the last send that carried forwarded media ended, in microseconds since the
    /// Unix epoch (0: none yet): how the server keeps a visit's end, whatever the
    /// receivers do with what they get.
    pub last_media_sent_micros: AtomicU64,
    /// Ceilings (REMB) sent to senders from their receivers' downlink estimates.
    pub uplink_caps: AtomicU64,
    /// Times a peer's output stopped with video held back by the pacer (sent over the
    /// following turns to keep within the receiver's estimate).
    pub paced_waits: AtomicU64,
    pub peers: AtomicU64,
    /// Forwarding latency: datagrams in, counted by how long they took from arriving
    /// at the socket to the end of the send that followed their read.
    pub latency: LatencyHistogram,
}

/// Counts of datagrams by latency, in [`LatencyHistogram::BUCKET_MICROS`] steps; the
/// last bucket holds everything slower.
#[derive(Debug)]
pub struct LatencyHistogram(pub [AtomicU64; LatencyHistogram::BUCKETS]);

impl LatencyHistogram {
    pub const BUCKETS: usize = 200;
    pub const BUCKET_MICROS: u64 = 50;

    pub fn record(&self, micros: u64, count: u64) {
        let i = usize::try_from(micros / Self::BUCKET_MICROS)
            .unwrap_or(usize::MAX)
            .min(Self::BUCKETS - 1);
        self.0[i].fetch_add(count, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> Vec<u64> {
        self.0.iter().map(|c| c.load(Ordering::Relaxed)).collect()
    }
}

impl Default for LatencyHistogram {
    fn default() -> Self {
        LatencyHistogram(std::array::from_fn(|_| AtomicU64::new(0)))
    }
}

/// The upper edge, in microseconds, of the bucket where the `q` quantile of the
/// difference `after - before` of two [`LatencyHistogram::snapshot`]s lies; `None`
/// when nothing was counted in between.
pub fn latency_quantile(before: &[u64], after: &[u64], q: f64) -> Option<u64> {
    let counts: Vec<u64> = after
        .iter()
        .zip(before.iter().chain(std::iter::repeat(&0)))
        .map(|(a, b)| a.saturating_sub(*b))
        .collect();
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return None;
    }
    let want = (total as f64 * q).ceil() as u64;
    let mut seen = 0;
    for (i, c) in counts.iter().enumerate() {
        seen += c;
        if seen >= want {
            return Some((i as u64 + 1) * LatencyHistogram::BUCKET_MICROS);
        }
    }
    Some(counts.len() as u64 * LatencyHistogram::BUCKET_MICROS)
}

/// A snapshot of [`MediaCounters`].
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct CounterSnapshot {
    pub packets_in: u64,
    pub bytes_in: u64,
    pub packets_out: u64,
    pub media_forwarded: u64,
    pub peers: u64,
    pub uplink_caps: u64,
    pub paced_waits: u64,
}

pub(crate) enum Command {
    OpenRoom(RoomId, RoomOptions),
    Admit {
        room: RoomId,
        role: RoomRole,
        offer: String,
        reply: oneshot::Sender<Result<Admitted, MediaError>>,
    },
    Gate {
        room: RoomId,
        until: Option<Instant>,
    },
    Remove {
        room: RoomId,
        participant: ParticipantId,
    },
    EndRoom(RoomId),
    MakePrivate(RoomId),
    Fault {
        room: RoomId,
        dropping: bool,
    },
    Shutdown,
}

/// The answer to an admission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Admitted {
    pub participant: ParticipantId,
    /// The SDP answer (JSON `{"type":"answer","sdp":…}` shape is up to the caller).
    pub answer_sdp: String,
}

/// The control interface. Cloning is cheap; every clone talks to the same server.
#[derive(Clone)]
pub struct MediaServer {
    commands: tokio_mpsc::UnboundedSender<Command>,
    local_addr: SocketAddr,
    serves_tcp: bool,
    counters: Arc<MediaCounters>,
}

impl MediaServer {
    /// Binds the UDP port (and the same port number over TCP, if free) and starts the
    /// media thread. Events come out of the receiver.
    pub fn start(
        config: &MediaConfig,
    ) -> Result<(MediaServer, tokio_mpsc::UnboundedReceiver<MediaEvent>), MediaError> {
        let (commands, inbox) = tokio_mpsc::unbounded_channel();
        let (events, outbox) = tokio_mpsc::unbounded_channel();
        let counters = Arc::new(MediaCounters::default());
        let (local_addr, serves_tcp) = server::spawn(config, inbox, events, Arc::clone(&counters))
            .map_err(|e| MediaError::Start(e.to_string()))?;
        Ok((
            MediaServer {
                commands,
                local_addr,
                serves_tcp,
                counters,
            },
            outbox,
        ))
    }

    /// The UDP address media arrives at.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Whether the same port number also serves media over TCP (it was free at start).
    pub fn serves_tcp(&self) -> bool {
        self.serves_tcp
    }

    fn send(&self, c: Command) -> Result<(), MediaError> {
        self.commands.send(c).map_err(|_| MediaError::Stopped)
    }

    /// Opens a visit's room (again opening an open room keeps it as it is).
    pub fn open_room(&self, room: RoomId, options: RoomOptions) -> Result<(), MediaError> {
        self.send(Command::OpenRoom(room, options))
    }

    /// Admits a participant with their SDP offer and returns the answer. A party that
    /// is admitted again (a rejoin) replaces their earlier connection.
    pub async fn admit(
        &self,
        room: RoomId,
        role: RoomRole,
        offer_sdp: String,
    ) -> Result<Admitted, MediaError> {
        let (reply, answer) = oneshot::channel();
        self.send(Command::Admit {
            room,
            role,
            offer: offer_sdp,
            reply,
        })?;
        answer.await.map_err(|_| MediaError::Stopped)?
    }

    /// Opens the gate until `until` (media flows, and the room ends by itself at that
    /// instant), or closes it with `None`.
    pub fn set_gate(&self, room: RoomId, until: Option<Instant>) -> Result<(), MediaError> {
        self.send(Command::Gate { room, until })
    }

    /// Drops one participant's connection.
    pub fn remove(&self, room: RoomId, participant: ParticipantId) -> Result<(), MediaError> {
        self.send(Command::Remove { room, participant })
    }

    /// Ends a room now: no more media, every peer is closed.
    pub fn end_room(&self, room: RoomId) -> Result<(), MediaError> {
        self.send(Command::EndRoom(room))
    }

    /// Makes a running room privileged (R14): its monitors are dropped and refused from
    /// now on, and its recording stops and is deleted, what was written so far included.
    pub fn make_private(&self, room: RoomId) -> Result<(), MediaError> {
        self.send(Command::MakePrivate(room))
    }

    /// Fault injection for tests and drills: while `dropping`, the server throws away
    /// every media packet of the room, as a broken media node would.
    pub fn inject_fault(&self, room: RoomId, dropping: bool) -> Result<(), MediaError> {
        self.send(Command::Fault { room, dropping })
    }

    /// Datagrams in by forwarding latency (see [`MediaCounters::latency`]).
    pub fn latency_histogram(&self) -> Vec<u64> {
        self.counters.latency.snapshot()
    }

    /// When the server last sent forwarded media, if ever.
    pub fn last_media_sent(&self) -> Option<std::time::SystemTime> {
        match self.counters.last_media_sent_micros.load(Ordering::Relaxed) {
            0 => None,
            us => Some(std::time::UNIX_EPOCH + std::time::Duration::from_micros(us)),
        }
    }

    pub fn counters(&self) -> CounterSnapshot {
        CounterSnapshot {
            packets_in: self.counters.packets_in.load(Ordering::Relaxed),
            bytes_in: self.counters.bytes_in.load(Ordering::Relaxed),
            packets_out: self.counters.packets_out.load(Ordering::Relaxed),
            media_forwarded: self.counters.media_forwarded.load(Ordering::Relaxed),
            peers: self.counters.peers.load(Ordering::Relaxed),
            uplink_caps: self.counters.uplink_caps.load(Ordering::Relaxed),
            paced_waits: self.counters.paced_waits.load(Ordering::Relaxed),
        }
    }
}

impl Drop for MediaServer {
    fn drop(&mut self) {
        // The last handle stops the thread; earlier clones dropping is harmless because
        // the channel stays open while any sender lives.
        if Arc::strong_count(&self.counters) == 2 {
            let _ = self.commands.send(Command::Shutdown);
        }
    }
}
