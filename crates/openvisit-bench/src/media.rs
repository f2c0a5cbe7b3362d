//! Media capacity: concurrent 1:1 visits through the SFU, each side sending ~1 Mbit/s of
//! VP8-sized frames plus Opus (headless str0m peers on loopback, in this process), one
//! staff monitor on every fourth visit; beside the raw UDP relay ceiling measured in the
//! same run (recv + send of 1200-byte packets to sinks that read them, no WebRTC; both
//! counted per second of their own thread's CPU time). The load generators share the
//! machine, so the figures are a floor for the server. The peers run as tasks on
//! `peer_threads` threads (or, with 0, a thread each). On two cores or more, the thread
//! measured (the media thread, the relay) is pinned to one core and its load, with the
//! rest of this process, to another. Each level also reports how long the media thread
//! waited for its core while other threads had it, and what the hypervisor took (steal):
//! on a shared host these decide the latency tail. Beside each level, unless told not
//! to, the same load goes through Janus 1.1.2's VideoRoom (`janus`), and the last line
//! compares both servers at capacity.

pub mod heap;
mod janus;
mod relay;
mod threads;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime};

use openvisit_media::loopback::{Latencies, LoopbackPeer, OfferingPeer, SendRate};
use openvisit_media::{MediaConfig, MediaServer, RoomId, RoomOptions, RoomRole, latency_quantile};

use relay::{Mix, raw_relay};
use threads::{
    MEDIA_THREAD, PEER_THREAD, core_steal, pin_apart, thread_cpu, thread_id, thread_run_queue_wait,
};

const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

pub async fn run(
    visits: &[usize],
    seconds: u64,
    peer_threads: usize,
    with_janus: bool,
) -> anyhow::Result<()> {
    let janus = if with_janus {
        match janus::available() {
            Ok(janus) => Some(janus),
            Err(why) => {
                println!("Janus comparison skipped: {why}");
                None
            }
        }
    } else {
        println!("Janus comparison skipped: --no-janus");
        None
    };
    let ceiling = raw_relay(seconds, &Mix::UNIFORM)?;
    println!(
        "raw UDP relay ceiling: {ceiling:.0} packets in per core-second (recv + send of 1200-byte \
         packets, one out per in, to a sink that reads them, no WebRTC)"
    );
    let peer_runtime = PeerRuntime(match peer_threads {
        0 => None,
        n => Some(
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(n)
                .thread_name(PEER_THREAD)
                .enable_all()
                .build()?,
        ),
    });
    println!(
        "peers: {}",
        match peer_threads {
            0 => "a thread each".to_string(),
            n => format!("tasks on {n} thread(s)"),
        }
    );
    let mut levels = Vec::new();
    let mut pairs = Vec::new();
    for &n in visits {
        let r = sfu(n, seconds, peer_runtime.0.as_ref().map(|r| r.handle())).await?;
        let per_core = if r.cpu > 0.0 {
            r.packets_in / r.cpu
        } else {
            0.0
        };
        println!(
            "{n:>4} visits ({} monitors): in {:>6.0} pkt/s, out {:>6.0} pkt/s; media thread {:>5.1}% of a core \
             ({:.2}% per visit) => {per_core:>6.0} pkt/s per core = {:.2} of the raw ceiling; \
             {:.2}% of media units not delivered; forwarding latency p50 {}, p99 {} (goal <= 2 ms); \
             last media sent {} the enforced end (goal: at most 100 ms after), reached a peer {}{}{}",
            n.div_ceil(4),
            r.packets_in,
            r.packets_out,
            r.cpu * 100.0,
            r.cpu * 100.0 / n.max(1) as f64,
            per_core / ceiling,
            r.loss,
            millis(r.latency_p50_micros),
            millis(r.latency_p99_micros),
            from_end(r.last_sent_ms),
            from_end(r.last_media_ms),
            if r.pinned {
                "; media thread on core 0, peers on core 1"
            } else {
                ""
            },
            r.peer_cpu.map_or(String::new(), |c| format!(
                "; peers' threads {:.0}% of a core",
                c * 100.0
            )),
        );
        println!(
            "      rate control: {:.1} ceilings (REMB) sent a second; the pacer held video back {:.1} times a second \
             (such packets go out in a later turn, after the latency above is taken)",
            r.uplink_caps, r.paced_waits
        );
        let per_core_peers = janus::per_core(r.peer_datagrams_in, r.cpu);
        println!(
            "      seen from the peers: they sent the server {:.0} datagrams a second => {per_core_peers:.0} \
             per core-second of the media thread; forwarding latency sender to receiver p50 {}, p99 {}",
            r.peer_datagrams_in,
            millis(r.peers_latency_p50_micros),
            millis(r.peers_latency_p99_micros),
        );
        println!(
            "      memory: the media thread holds {:.0} KB per visit (goal <= 1024 KB at 120 visits); \
             the process grew {} per visit, the peers' connections included",
            r.heap_per_visit / 1024.0,
            r.resident_per_visit
                .map_or("?".to_string(), |b| format!("{:.0} KB", b / 1024.0)),
        );
        println!(
            "      interference: the media thread waited {} ms a second, ready to run, while \
             other threads had its core; the host took {} ms a second of core 0 from this \
             machine (steal)",
            r.media_waited_ms
                .map_or("?".to_string(), |ms| format!("{ms:.1}")),
            r.steal_ms.map_or("?".to_string(), |ms| format!("{ms:.1}")),
        );
        // The relay again, moving what this level's server moved: its mean datagram
        // size and as many sends per datagram in.
        let mut mix = Mix {
            bytes: r.mean_bytes_in.round().clamp(1.0, 1500.0) as usize,
            fan_out: (r.packets_out / r.packets_in.max(1.0)).max(1.0),
            rate: None,
        };
        let same = raw_relay(seconds, &mix)?;
        println!(
            "      the same packets relayed raw ({} bytes, {:.2} out per in): {same:.0} packets in per core-second => {:.2} of that ceiling",
            mix.bytes,
            mix.fan_out,
            per_core / same.max(1.0)
        );
        // And at the rate they came: a relay that is mostly idle pays a wake-up for
        // every few packets too, which the flat-out relay never does.
        mix.rate = Some(r.packets_in);
        let same_rate = raw_relay(seconds, &mix)?;
        println!(
            "      the same packets at the same rate ({:.0} a second) relayed raw: {same_rate:.0} packets in per core-second => {:.2} of that",
            r.packets_in,
            per_core / same_rate.max(1.0)
        );
        let openvisit_side = janus::Side {
            per_core: per_core_peers,
            sustained: r.loss <= MAX_LOSS_PERCENT
                && r.peers_latency_p99_micros
                    .is_some_and(|p99| p99 <= MAX_P99_MICROS),
        };
        let janus_side = match &janus {
            Some(janus) => janus_level(
                janus,
                n,
                seconds,
                peer_runtime.0.as_ref().map(|r| r.handle()),
                per_core_peers,
            )
            .await
            .map(|j| janus::Side {
                per_core: j.per_core(),
                sustained: j.loss <= MAX_LOSS_PERCENT
                    && j.latency_p99_micros
                        .is_some_and(|p99| p99 <= MAX_P99_MICROS),
            }),
            None => None,
        };
        pairs.push(janus::Pair {
            visits: n,
            openvisit: openvisit_side,
            janus: janus_side,
        });
        levels.push(Level {
            visits: n,
            per_core,
            of_ceiling: per_core / ceiling,
            of_same: per_core / same.max(1.0),
            sustained: r.loss <= MAX_LOSS_PERCENT
                && r.latency_p99_micros
                    .is_some_and(|p99| p99 <= MAX_P99_MICROS),
        });
    }
    println!("{}", capacity_line(&levels));
    if janus.is_some() {
        println!("{}", janus::comparison_line(&pairs));
    }
    Ok(())
}

/// Janus at one level, printed; `None` (said why) if it could not be run.
async fn janus_level(
    janus: &janus::Available,
    visits: usize,
    seconds: u64,
    peers_on: Option<&tokio::runtime::Handle>,
    openvisit_per_core: f64,
) -> Option<janus::JanusRun> {
    let j = match janus::level(janus, visits, seconds, peers_on).await {
        Ok(j) => j,
        Err(e) => {
            println!("      Janus 1.1.2 VideoRoom, the same load: failed: {e:#}");
            return None;
        }
    };
    println!(
        "      Janus 1.1.2 VideoRoom, the same load: the peers sent it {:.0} datagrams a second; \
         its hloop thread {:.1}% of a core, the whole process {:.1}% => {:.0} pkt in per core-second \
         of the hloop thread ({:.0} of the process); {:.2}% of media units not delivered; forwarding \
         latency sender to receiver p50 {}, p99 {}; resident memory grew {} per visit; {}/{} peers \
         connected{}; core 0 steal {} ms a second",
        j.packets_in,
        j.media_cpu * 100.0,
        j.process_cpu * 100.0,
        j.per_core(),
        j.per_process_core(),
        j.loss,
        millis(j.latency_p50_micros),
        millis(j.latency_p99_micros),
        j.resident_per_visit
            .map_or("?".to_string(), |b| format!("{:.0} KB", b / 1024.0)),
        j.connected,
        j.peers,
        if j.pinned {
            "; Janus on core 0, peers on core 1"
        } else {
            ""
        },
        j.steal_ms.map_or("?".to_string(), |ms| format!("{ms:.1}")),
    );
    if j.per_core() > 0.0 {
        println!(
            "      OpenVisit/Janus at {visits} visits: {:.2} (pkt in per core-second, media thread against hloop thread, the peers' count for both)",
            openvisit_per_core / j.per_core()
        );
    }
    Some(j)
}

/// What a level must keep to count as sustained: the latency goal, and loss a
/// family would not see.
const MAX_P99_MICROS: u64 = 2_000;
const MAX_LOSS_PERCENT: f64 = 0.1;

/// One level's figures for the capacity line.
struct Level {
    visits: usize,
    per_core: f64,
    of_ceiling: f64,
    of_same: f64,
    sustained: bool,
}

/// The machine's capacity in this run: the most visits of a level that kept latency p99
/// within 2 ms and loss within 0.1%, and what one core forwarded there against the
/// ceilings. Levels above it are what overload looks like; levels below it carry less
/// than the machine can, so their packets per core-second include more idle wake-ups.
fn capacity_line(levels: &[Level]) -> String {
    let Some(best) = levels
        .iter()
        .filter(|l| l.sustained)
        .max_by_key(|l| l.visits)
    else {
        return "capacity: no level kept latency p99 <= 2 ms and loss <= 0.1%".to_string();
    };
    format!(
        "capacity: {} visits (the most of any level with latency p99 <= 2 ms and loss <= 0.1%): \
         {:.0} pkt in per core-second there = {:.2} of the 1200-byte ceiling, {:.2} of the same \
         packets relayed raw (goal: at least 1/3)",
        best.visits, best.per_core, best.of_ceiling, best.of_same
    )
}

/// The peers' runtime, shut down without waiting: a runtime may not be dropped (which
/// waits) inside the bench's own.
struct PeerRuntime(Option<tokio::runtime::Runtime>);

impl Drop for PeerRuntime {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

struct SfuRun {
    packets_in: f64,
    packets_out: f64,
    /// Mean size of a datagram in.
    mean_bytes_in: f64,
    /// Cores the media thread used (CPU seconds per second).
    cpu: f64,
    /// Whether the media thread had core 0 to itself and the peers core 1.
    pinned: bool,
    /// Cores the peers' threads used (with `--peer-threads` above 0): near 1 per thread,
    /// the load generator is saturated and sends in bursts, which shows in latency.
    peer_cpu: Option<f64>,
    /// Milliseconds per second the media thread was ready to run but another thread had
    /// its core (the kernel's run-queue wait), and the host hypervisor kept core 0 from
    /// this machine (steal): both delay datagrams without being the server's work, and
    /// on a shared host they decide the latency tail.
    media_waited_ms: Option<f64>,
    steal_ms: Option<f64>,
    loss: f64,
    /// Per second: REMB ceilings sent to senders, and times the pacer held video back.
    uplink_caps: f64,
    paced_waits: f64,
    /// From a datagram's arrival at the server's socket to the end of the send after
    /// its read (Linux; a bucket's upper edge).
    latency_p50_micros: Option<u64>,
    latency_p99_micros: Option<u64>,
    /// Datagrams the peers sent the server per second (the count used beside Janus),
    /// and forwarding latency measured between the peers, as for Janus: from a unit's
    /// stamp at its sender to its receiver having it whole (the peers' turns included).
    peer_datagrams_in: f64,
    peers_latency_p50_micros: Option<u64>,
    peers_latency_p99_micros: Option<u64>,
    /// When the server last sent forwarded media, in milliseconds from the enforced end
    /// (every room's, at one instant): negative before it; `None` if it sent none.
    last_sent_ms: Option<f64>,
    /// When the last media reached a peer, the same way. With the peers' thread
    /// saturated it handles its queue late, and this is later than the server's send.
    last_media_ms: Option<f64>,
    /// Bytes the media thread holds per visit (its heap, see `heap`), and the process's
    /// resident memory grown per visit (the server and the visits' peers together).
    heap_per_visit: f64,
    resident_per_visit: Option<f64>,
}

/// Milliseconds from the enforced end, said in words.
fn from_end(ms: Option<f64>) -> String {
    ms.map_or("unknown".to_string(), |ms| {
        if ms >= 0.0 {
            format!("{ms:.2} ms after")
        } else {
            format!("{:.2} ms before", -ms)
        }
    })
}

/// Milliseconds from `end` to `at`: negative when `at` is before.
fn millis_after(end: Instant, at: Instant) -> f64 {
    if at >= end {
        at.duration_since(end).as_secs_f64() * 1000.0
    } else {
        -(end.duration_since(at).as_secs_f64() * 1000.0)
    }
}

fn millis(micros: Option<u64>) -> String {
    micros.map_or("unknown".to_string(), |us| {
        format!("{:.2} ms", us as f64 / 1000.0)
    })
}

async fn sfu(
    visits: usize,
    seconds: u64,
    peers_on: Option<&tokio::runtime::Handle>,
) -> anyhow::Result<SfuRun> {
    let start = |offering: OfferingPeer, answer: &str, rate: Option<SendRate>| match peers_on {
        Some(rt) => offering.start_on(answer, rate, rt),
        None => offering.start(answer, rate),
    };
    let (media, _events) = MediaServer::start(&MediaConfig {
        bind: SocketAddr::new(LOOPBACK, 0),
        public_ip: None,
        tcp_only: false,
    })?;
    // What the media thread holds from here on is what the visits cost it.
    // (The thread may take a moment to show under its name.)
    let mut tid = None;
    for _ in 0..100 {
        tid = thread_id(MEDIA_THREAD);
        if tid.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    match tid {
        Some(tid) => heap::count_thread(tid),
        None => eprintln!("the media thread was not found: its heap is not counted"),
    }
    let resident_before = heap::resident();
    let latencies = Arc::new(Latencies::default());
    let mut peers: Vec<LoopbackPeer> = Vec::new();
    let mut monitors: Vec<LoopbackPeer> = Vec::new();
    for v in 0..visits {
        let room = RoomId(i64::try_from(v)?);
        media.open_room(
            room,
            RoomOptions {
                record_to: None,
                monitorable: true,
            },
        )?;
        for role in [RoomRole::Visitor, RoomRole::Resident] {
            let offering = OfferingPeer::party(LOOPBACK)?.with_latencies(&latencies);
            let a = media.admit(room, role, offering.offer_sdp.clone()).await?;
            peers.push(start(offering, &a.answer_sdp, Some(SendRate::VISIT))?);
        }
        if v % 4 == 0 {
            let offering = OfferingPeer::monitor(LOOPBACK)?.with_latencies(&latencies);
            let a = media
                .admit(room, RoomRole::Monitor, offering.offer_sdp.clone())
                .await?;
            monitors.push(start(offering, &a.answer_sdp, None)?);
        }
        media.set_gate(room, Some(Instant::now() + Duration::from_secs(3600)))?;
    }
    let until = Instant::now() + Duration::from_secs(10);
    while peers.iter().any(|p| !p.is_connected()) && Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let pinned = peers_on.is_some() && pin_apart(MEDIA_THREAD, PEER_THREAD);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = media.counters();
    let latency_before = media.latency_histogram();
    let sent0: u64 = peers
        .iter()
        .map(|p| p.counters.sent.load(Ordering::Relaxed))
        .sum();
    let recv0: u64 = peers.iter().map(LoopbackPeer::total_received).sum();
    let datagrams = |peers: &[LoopbackPeer], monitors: &[LoopbackPeer]| -> u64 {
        peers
            .iter()
            .chain(monitors)
            .map(|p| p.counters.datagrams_sent.load(Ordering::Relaxed))
            .sum()
    };
    let datagrams0 = datagrams(&peers, &monitors);
    let peer_latency_before = latencies.snapshot();
    let cpu0 = thread_cpu(MEDIA_THREAD).unwrap_or(0.0);
    let peer_cpu0 = thread_cpu(PEER_THREAD);
    let waited0 = thread_run_queue_wait(MEDIA_THREAD);
    let steal0 = core_steal(0);
    let start = Instant::now();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    let elapsed = start.elapsed().as_secs_f64();
    let peer_datagrams_in = (datagrams(&peers, &monitors) - datagrams0) as f64 / elapsed;
    let peer_latency_after = latencies.snapshot();
    let cpu = (thread_cpu(MEDIA_THREAD).unwrap_or(0.0) - cpu0) / elapsed;
    let heap_per_visit = heap::held() as f64 / visits.max(1) as f64;
    let resident_per_visit = heap::resident()
        .zip(resident_before)
        .map(|(after, before)| (after as f64 - before as f64) / visits.max(1) as f64);
    let peer_cpu = peer_cpu0
        .zip(thread_cpu(PEER_THREAD))
        .map(|(before, after)| (after - before) / elapsed);
    let per_second_ms = |(before, after): (f64, f64)| (after - before) * 1000.0 / elapsed;
    let media_waited_ms = waited0
        .zip(thread_run_queue_wait(MEDIA_THREAD))
        .map(per_second_ms);
    let steal_ms = steal0.zip(core_steal(0)).map(per_second_ms);
    let after = media.counters();
    let latency_after = media.latency_histogram();
    let latency_p50_micros = latency_quantile(&latency_before, &latency_after, 0.5);
    let latency_p99_micros = latency_quantile(&latency_before, &latency_after, 0.99);
    let sent: u64 = peers
        .iter()
        .map(|p| p.counters.sent.load(Ordering::Relaxed))
        .sum::<u64>()
        - sent0;
    let received: u64 = peers.iter().map(LoopbackPeer::total_received).sum::<u64>() - recv0;
    // Forwarded media units are frames (video) and packets (audio); count the packets
    // the server received instead, which is what a relay would move.
    let packets_in = (after.packets_in - before.packets_in) as f64 / elapsed;
    let packets_out = (after.packets_out - before.packets_out) as f64 / elapsed;
    let uplink_caps = (after.uplink_caps - before.uplink_caps) as f64 / elapsed;
    let paced_waits = (after.paced_waits - before.paced_waits) as f64 / elapsed;
    // Units in flight at the window's edges move a few hundredths of a percent either
    // way; more arriving than were sent in the window is no loss.
    let loss = janus::loss_percent(sent, received);
    // The enforced end: every room's gate closes at one instant, the most the loop has
    // to end at once. Media still arriving at a peer after it was forwarded late.
    let end = Instant::now() + Duration::from_millis(300);
    // The same instant on the system clock, which the server's last send is stamped in.
    let end_system = SystemTime::now() + Duration::from_millis(300);
    for v in 0..visits {
        media.set_gate(RoomId(i64::try_from(v)?), Some(end))?;
    }
    tokio::time::sleep(Duration::from_millis(1300)).await;
    let last_media_ms = peers
        .iter()
        .chain(&monitors)
        .filter_map(LoopbackPeer::last_received_at)
        .max()
        .map(|last| millis_after(end, last));
    let last_sent_ms = media
        .last_media_sent()
        .map(|sent| match sent.duration_since(end_system) {
            Ok(after) => after.as_secs_f64() * 1000.0,
            Err(before) => -(before.duration().as_secs_f64() * 1000.0),
        });
    for p in peers.into_iter().chain(monitors) {
        p.stop();
    }
    let mean_bytes_in = (after.bytes_in - before.bytes_in) as f64
        / (after.packets_in - before.packets_in).max(1) as f64;
    Ok(SfuRun {
        packets_in,
        packets_out,
        mean_bytes_in,
        cpu,
        pinned,
        peer_cpu,
        media_waited_ms,
        steal_ms,
        loss,
        uplink_caps,
        paced_waits,
        latency_p50_micros,
        latency_p99_micros,
        peer_datagrams_in,
        peers_latency_p50_micros: Latencies::quantile(
            &peer_latency_before,
            &peer_latency_after,
            0.5,
        ),
        peers_latency_p99_micros: Latencies::quantile(
            &peer_latency_before,
            &peer_latency_after,
            0.99,
        ),
        last_sent_ms,
        last_media_ms,
        heap_per_visit,
        resident_per_visit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(visits: usize, per_core: f64, sustained: bool) -> Level {
        Level {
            visits,
            per_core,
            of_ceiling: per_core / 100_000.0,
            of_same: per_core / 90_000.0,
            sustained,
        }
    }

    #[test]
    fn capacity_is_the_most_visits_of_a_sustained_level() {
        // 120 missed the latency goal; 160 kept it again (a quieter moment): the most
        // visits that were sustained counts, with its own figures.
        let levels = [
            level(10, 20_000.0, true),
            level(80, 40_000.0, true),
            level(120, 45_000.0, false),
            level(160, 50_000.0, true),
        ];
        let line = capacity_line(&levels);
        assert!(line.starts_with("capacity: 160 visits"), "{line}");
        assert!(
            line.contains("50000 pkt in per core-second there = 0.50"),
            "{line}"
        );
        assert!(line.contains("0.56 of the same packets"), "{line}");
    }

    #[test]
    fn no_sustained_level_says_so() {
        let line = capacity_line(&[level(10, 20_000.0, false)]);
        assert!(line.contains("no level kept"), "{line}");
    }
}
