//! A headless WebRTC peer (str0m as the client) for tests and the capacity benchmark.
//!
//! It offers what a browser would (audio and video, or a monitor's receive-only lines),
//! sends VP8-sized frames and Opus-sized packets at a steady rate, and counts what it
//! receives per m-line. It runs on its own thread until stopped, or as a task on a
//! runtime the caller gives (`start_on`): the capacity benchmark puts its hundreds of
//! peers on one or two threads, so the server's sends do not each wake a sleeping
//! thread of their own, which peers on other machines would not cost it either.
//! A peer reaches the server over UDP, or (`party_over_tcp`) only over TCP, as a browser
//! does when its network blocks UDP. For an SFU that makes the offers to its receivers
//! (Janus's VideoRoom, the benchmark's reference), a peer can also only send
//! (`OfferingPeer::publisher`) or only receive, answering the server's offer
//! (`AnsweringPeer`). Peers given a [`Latencies`] stamp what they send and record how
//! long what they receive took, on this process's clock.

use std::io;
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use str0m::bwe::BweKind;
use str0m::change::{SdpAnswer, SdpOffer, SdpPendingOffer};
use str0m::media::{Direction, Frequency, MediaKind, MediaTime, Mid, Pt};
use str0m::net::{Protocol, Receive, TcpType, Transmit};
use str0m::{Candidate, Event, Input, Output, Rtc};
use tokio::sync::mpsc::{Receiver, Sender};

use crate::tcp::{self, Frame};

mod impair;
mod peer_io;
mod runner;
mod stamp;
use impair::{Bottleneck, VideoLoss};
use peer_io::PeerIo;
use runner::Runner;
pub use stamp::Latencies;

/// What a peer sends.
#[derive(Debug, Clone, Copy)]
pub struct SendRate {
    /// Video frames per second and bytes per frame (30 × 4200 ≈ 1 Mbit/s).
    pub video_fps: u32,
    pub video_frame_bytes: usize,
    /// Audio packets per second (Opus: 50) and bytes per packet.
    pub audio_pps: u32,
    pub audio_bytes: usize,
}

impl SendRate {
    /// About 1 Mbit/s of video plus Opus, like a visit's camera.
    pub const VISIT: SendRate = SendRate {
        video_fps: 30,
        video_frame_bytes: 4200,
        audio_pps: 50,
        audio_bytes: 120,
    };
    /// Light traffic for functional tests.
    pub const LIGHT: SendRate = SendRate {
        video_fps: 15,
        video_frame_bytes: 1000,
        audio_pps: 50,
        audio_bytes: 60,
    };
}

/// Counters a running peer updates.
#[derive(Debug, Default)]
pub struct PeerCounters {
    pub connected: AtomicBool,
    pub closed: AtomicBool,
    /// The server closed the connection properly (a DTLS close_notify arrived).
    pub closed_by_server: AtomicBool,
    /// Frames or packets received on each m-line, in offer order.
    pub received: [AtomicU64; 4],
    pub sent: AtomicU64,
    /// Datagrams sent to the server (media, RTCP, ICE and DTLS alike).
    pub datagrams_sent: AtomicU64,
    /// Video frames sent.
    pub sent_video: AtomicU64,
    /// When media was last received, in microseconds since the peer started.
    pub last_received_micros: AtomicU64,
    /// Keyframe requests (PLI or FIR) received for its video.
    pub keyframe_requests: AtomicU64,
    /// The last ceiling (REMB) the server sent for what this peer sends, in bit/s (0:
    /// none yet).
    pub uplink_ceiling_bps: AtomicU64,
}

/// How a peer reaches the server.
enum Link {
    Udp(UdpSocket),
    /// A connection to the server's media port over TCP (ICE-TCP, the active side).
    Tcp(TcpStream),
}

/// A peer that has made its offer and waits for the answer.
pub struct OfferingPeer {
    rtc: Rtc,
    link: Link,
    pending: SdpPendingOffer,
    mids: Vec<(Mid, MediaKind)>,
    latencies: Option<Arc<Latencies>>,
    /// The SDP offer to send through signaling.
    pub offer_sdp: String,
}

/// A peer that has answered the server's offer (receive-only) and waits to be started.
pub struct AnsweringPeer {
    rtc: Rtc,
    link: Link,
    mids: Vec<(Mid, MediaKind)>,
    latencies: Option<Arc<Latencies>>,
    /// The SDP answer to send through signaling.
    pub answer_sdp: String,
}

/// A running peer.
pub struct LoopbackPeer {
    pub counters: Arc<PeerCounters>,
    sending: Arc<AtomicBool>,
    /// Every how many video packets one is lost on the way out, and on the way in (0:
    /// none).
    loss_out: Arc<AtomicU32>,
    loss_in: Arc<AtomicU32>,
    /// Picture-loss reports it is to send on the video it receives.
    lost_pictures: Arc<AtomicU32>,
    /// The rate its downlink carries, in kbit/s (0: as fast as loopback goes).
    downlink_kbps: Arc<AtomicU32>,
    stop: Arc<AtomicBool>,
    /// Its own thread (`start`); none for a task on a runtime (`start_on`), which ends
    /// at its next wake-up after `stop`.
    thread: Option<JoinHandle<()>>,
    started: Instant,
}

impl OfferingPeer {
    /// A visitor or resident: one audio and one video line, both ways.
    pub fn party(bind_ip: std::net::IpAddr) -> io::Result<OfferingPeer> {
        OfferingPeer::new(
            Link::Udp(UdpSocket::bind(SocketAddr::new(bind_ip, 0))?),
            &[
                (MediaKind::Audio, Direction::SendRecv),
                (MediaKind::Video, Direction::SendRecv),
            ],
        )
    }

    /// A party's camera and microphone alone: one audio and one video line, send-only,
    /// for an SFU where a party publishes on one connection and receives on another.
    pub fn publisher(bind_ip: std::net::IpAddr) -> io::Result<OfferingPeer> {
        OfferingPeer::new(
            Link::Udp(UdpSocket::bind(SocketAddr::new(bind_ip, 0))?),
            &[
                (MediaKind::Audio, Direction::SendOnly),
                (MediaKind::Video, Direction::SendOnly),
            ],
        )
    }

    /// Stamps what it sends and records, into `latencies`, how long what it receives
    /// took from its sender (see `stamp`).
    #[must_use]
    pub fn with_latencies(mut self, latencies: &Arc<Latencies>) -> OfferingPeer {
        self.latencies = Some(Arc::clone(latencies));
        self
    }

    /// A staff monitor: receive-only visitor audio, visitor video, resident audio,
    /// resident video.
    pub fn monitor(bind_ip: std::net::IpAddr) -> io::Result<OfferingPeer> {
        OfferingPeer::new(
            Link::Udp(UdpSocket::bind(SocketAddr::new(bind_ip, 0))?),
            &[
                (MediaKind::Audio, Direction::RecvOnly),
                (MediaKind::Video, Direction::RecvOnly),
                (MediaKind::Audio, Direction::RecvOnly),
                (MediaKind::Video, Direction::RecvOnly),
            ],
        )
    }

    /// A visitor or resident whose only way to the server is a TCP connection to its
    /// media port (`server`, the address of its candidates): the offer has no UDP
    /// candidate at all.
    pub fn party_over_tcp(server: SocketAddr) -> io::Result<OfferingPeer> {
        OfferingPeer::new(
            Link::Tcp(TcpStream::connect(server)?),
            &[
                (MediaKind::Audio, Direction::SendRecv),
                (MediaKind::Video, Direction::SendRecv),
            ],
        )
    }

    fn new(link: Link, lines: &[(MediaKind, Direction)]) -> io::Result<Self> {
        let mut rtc = Rtc::builder().build(Instant::now());
        let candidate = match &link {
            Link::Udp(socket) => Candidate::host(socket.local_addr()?, "udp"),
            Link::Tcp(stream) => Candidate::builder()
                .tcp()
                .host(stream.local_addr()?)
                .tcptype(TcpType::Active)
                .build(),
        }
        .map_err(io::Error::other)?;
        rtc.add_local_candidate(candidate);
        let mut change = rtc.sdp_api();
        let mut mids = Vec::new();
        for (kind, dir) in lines {
            mids.push((change.add_media(*kind, *dir, None, None, None), *kind));
        }
        let (offer, pending) = change.apply().ok_or_else(|| io::Error::other("no offer"))?;
        Ok(OfferingPeer {
            rtc,
            link,
            pending,
            mids,
            latencies: None,
            offer_sdp: offer.to_sdp_string(),
        })
    }

    /// Applies the server's answer and starts the peer on a thread of its own.
    pub fn start(self, answer_sdp: &str, rate: Option<SendRate>) -> io::Result<LoopbackPeer> {
        let (run, mut peer) = self.answered(answer_sdp, rate)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let thread = std::thread::Builder::new()
            .name("loopback-peer".into())
            .spawn(move || runtime.block_on(run.run()))?;
        peer.thread = Some(thread);
        Ok(peer)
    }

    /// Applies the server's answer and starts the peer as a task on `runtime`.
    pub fn start_on(
        self,
        answer_sdp: &str,
        rate: Option<SendRate>,
        runtime: &tokio::runtime::Handle,
    ) -> io::Result<LoopbackPeer> {
        let (run, peer) = self.answered(answer_sdp, rate)?;
        runtime.spawn(run.run());
        Ok(peer)
    }

    fn answered(
        mut self,
        answer_sdp: &str,
        rate: Option<SendRate>,
    ) -> io::Result<(Runner, LoopbackPeer)> {
        let answer = SdpAnswer::from_sdp_string(answer_sdp).map_err(io::Error::other)?;
        self.rtc
            .sdp_api()
            .accept_answer(self.pending, answer)
            .map_err(io::Error::other)?;
        Ok(launch(self.rtc, self.link, self.mids, rate, self.latencies))
    }
}

impl AnsweringPeer {
    /// A peer bound to `bind_ip` that answers the server's offer `offer_sdp`, receiving
    /// every line it offers and sending nothing (a subscriber to one or more feeds).
    pub fn receiver(bind_ip: std::net::IpAddr, offer_sdp: &str) -> io::Result<AnsweringPeer> {
        let socket = UdpSocket::bind(SocketAddr::new(bind_ip, 0))?;
        let mut rtc = Rtc::builder().build(Instant::now());
        let candidate = Candidate::host(socket.local_addr()?, "udp").map_err(io::Error::other)?;
        rtc.add_local_candidate(candidate);
        let offer = SdpOffer::from_sdp_string(offer_sdp).map_err(io::Error::other)?;
        let offered: Vec<Mid> = offer.media_lines.iter().map(|m| m.mid()).collect();
        let answer = rtc
            .sdp_api()
            .accept_offer(offer)
            .map_err(io::Error::other)?;
        let mids = offered
            .into_iter()
            .filter_map(|mid| rtc.media(mid).map(|m| (mid, m.kind())))
            .collect();
        Ok(AnsweringPeer {
            rtc,
            link: Link::Udp(socket),
            mids,
            latencies: None,
            answer_sdp: answer.to_sdp_string(),
        })
    }

    /// Records, into `latencies`, how long what it receives took from its sender.
    #[must_use]
    pub fn with_latencies(mut self, latencies: &Arc<Latencies>) -> AnsweringPeer {
        self.latencies = Some(Arc::clone(latencies));
        self
    }

    /// Starts the peer as a task on `runtime`.
    pub fn start_on(self, runtime: &tokio::runtime::Handle) -> LoopbackPeer {
        let (run, peer) = launch(self.rtc, self.link, self.mids, None, self.latencies);
        runtime.spawn(run.run());
        peer
    }

    /// Starts the peer on a thread of its own.
    pub fn start(self) -> io::Result<LoopbackPeer> {
        let (run, mut peer) = launch(self.rtc, self.link, self.mids, None, self.latencies);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let thread = std::thread::Builder::new()
            .name("loopback-peer".into())
            .spawn(move || runtime.block_on(run.run()))?;
        peer.thread = Some(thread);
        Ok(peer)
    }
}

/// A negotiated peer, ready to run: its runner and the handle that watches it.
fn launch(
    rtc: Rtc,
    link: Link,
    mids: Vec<(Mid, MediaKind)>,
    rate: Option<SendRate>,
    latencies: Option<Arc<Latencies>>,
) -> (Runner, LoopbackPeer) {
    let counters = Arc::new(PeerCounters::default());
    let sending = Arc::new(AtomicBool::new(rate.is_some()));
    let loss_out = Arc::new(AtomicU32::new(0));
    let loss_in = Arc::new(AtomicU32::new(0));
    let lost_pictures = Arc::new(AtomicU32::new(0));
    let downlink_kbps = Arc::new(AtomicU32::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let run = Runner {
        rtc,
        link,
        mids,
        latencies,
        counters: Arc::clone(&counters),
        sending: Arc::clone(&sending),
        loss_out: VideoLoss::new(&loss_out),
        loss_in: VideoLoss::new(&loss_in),
        lost_pictures: Arc::clone(&lost_pictures),
        downlink: Bottleneck::new(&downlink_kbps, started),
        video_pt: None,
        stop: Arc::clone(&stop),
        rate: rate.unwrap_or(SendRate::LIGHT),
        started,
    };
    let peer = LoopbackPeer {
        counters,
        sending,
        loss_out,
        loss_in,
        lost_pictures,
        downlink_kbps,
        stop,
        thread: None,
        started,
    };
    (run, peer)
}

impl LoopbackPeer {
    pub fn received(&self, line: usize) -> u64 {
        self.counters
            .received
            .get(line)
            .map_or(0, |c| c.load(Ordering::Relaxed))
    }

    pub fn total_received(&self) -> u64 {
        (0..4).map(|i| self.received(i)).sum()
    }

    /// Whether the server closed the connection with a DTLS close_notify.
    pub fn closed_by_server(&self) -> bool {
        self.counters.closed_by_server.load(Ordering::Relaxed)
    }

    pub fn is_connected(&self) -> bool {
        self.counters.connected.load(Ordering::Relaxed)
    }

    /// Whether the server has closed this peer (or it failed).
    pub fn is_closed(&self) -> bool {
        self.counters.closed.load(Ordering::Relaxed)
    }

    /// Stops or resumes sending media while staying connected.
    pub fn set_sending(&self, on: bool) {
        self.sending.store(on, Ordering::Relaxed);
    }

    /// Loses one in every `every` video packets this peer sends (0: none; 1: all), as a
    /// lossy uplink would. Retransmissions get through.
    pub fn lose_video_out(&self, every: u32) {
        self.loss_out.store(every, Ordering::Relaxed);
    }

    /// Loses one in every `every` video packets that reach this peer, as a lossy
    /// downlink would. Retransmissions get through.
    pub fn lose_video_in(&self, every: u32) {
        self.loss_in.store(every, Ordering::Relaxed);
    }

    /// Narrows this peer's downlink to `kbps` (0: unlimited), as a family's slow
    /// connection would: what arrives faster queues, up to a quarter second, and what
    /// does not fit is lost.
    pub fn limit_downlink(&self, kbps: u32) {
        self.downlink_kbps.store(kbps, Ordering::Relaxed);
    }

    /// The last ceiling the server set on what this peer sends (a REMB), in bit/s.
    pub fn uplink_ceiling(&self) -> Option<u64> {
        match self.counters.uplink_ceiling_bps.load(Ordering::Relaxed) {
            0 => None,
            bps => Some(bps),
        }
    }

    /// Reports the video it receives as lost (a PLI), as a browser does when it cannot
    /// decode: the server is to ask the sender for a keyframe.
    pub fn report_lost_picture(&self) {
        self.lost_pictures.fetch_add(1, Ordering::Relaxed);
    }

    /// When media last arrived, if ever.
    pub fn last_received_at(&self) -> Option<Instant> {
        match self.counters.last_received_micros.load(Ordering::Relaxed) {
            0 => None,
            us => Some(self.started + Duration::from_micros(us)),
        }
    }

    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for LoopbackPeer {
    fn drop(&mut self) {
        self.halt();
    }
}
