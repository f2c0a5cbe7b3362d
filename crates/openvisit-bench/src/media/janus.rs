//! The reference SFU beside OpenVisit's, in the same run: Janus 1.1.2's VideoRoom
//! (issue 20, part 3), started by the bench from the committed configuration
//! (crates/openvisit-bench/janus), pinned to the core OpenVisit's media thread had, and
//! fed by the same peers (the same generator, packet sizes and rates, visits of two
//! parties and a monitor on every fourth) on the other core.
//!
//! Counted the same way for both servers: packets in are the datagrams the peers sent
//! to the server (media, RTCP, ICE, DTLS), per second of the forwarding thread's CPU
//! time (OpenVisit's media thread; Janus's `hloop` threads, all its media with
//! `event_loops = 1`, and its whole process beside it); loss is media units the parties
//! sent against those the other party received; forwarding latency is from a unit's
//! stamp when its sender wrote it to when its receiver had it whole (the loopback peers'
//! `Latencies`, one clock in one process), so it includes the peers' own turns.
//! Memory differs: Janus runs alone in its process, so its resident memory's growth per
//! visit is its own; OpenVisit's server shares the bench's process with the peers.

mod api;
mod process;
mod visit;

use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use openvisit_media::loopback::{Latencies, LoopbackPeer};

use super::threads::{core_steal, machine_cores, pin_process_to};
use process::Janus;
use visit::{Setup, VisitPeers};

/// What running Janus needs: its binary, and the address its candidates and the peers'
/// use.
pub(super) struct Available {
    binary: PathBuf,
    host: Ipv4Addr,
}

/// Whether Janus can be run here; if not, why.
pub(super) fn available() -> Result<Available, String> {
    let binary = process::binary().ok_or(
        "the `janus` binary is not installed (apt-get install janus, Janus 1.1.2)".to_string(),
    )?;
    let host = process::host_ipv4().ok_or(
        "this machine has no IPv4 address other than loopback, and Janus gathers no \
         candidates on loopback"
            .to_string(),
    )?;
    Ok(Available { binary, host })
}

/// One level's figures for Janus.
pub(super) struct JanusRun {
    /// Datagrams the peers sent to Janus, per second.
    pub packets_in: f64,
    /// Cores Janus's media threads used, and its whole process.
    pub media_cpu: f64,
    pub process_cpu: f64,
    pub loss: f64,
    pub latency_p50_micros: Option<u64>,
    pub latency_p99_micros: Option<u64>,
    /// Janus's resident memory grown per visit, from its start to the window's end.
    pub resident_per_visit: Option<f64>,
    pub connected: usize,
    pub peers: usize,
    /// Whether Janus had core 0 and the peers core 1.
    pub pinned: bool,
    /// Milliseconds a second the host took of core 0 (steal).
    pub steal_ms: Option<f64>,
}

impl JanusRun {
    pub fn per_core(&self) -> f64 {
        per_core(self.packets_in, self.media_cpu)
    }

    pub fn per_process_core(&self) -> f64 {
        per_core(self.packets_in, self.process_cpu)
    }
}

/// Packets a second per core used.
pub(super) fn per_core(packets: f64, cores: f64) -> f64 {
    if cores > 0.0 { packets / cores } else { 0.0 }
}

/// Starts a fresh Janus, runs `visits` visits through it for `seconds`, and stops it.
pub(super) async fn level(
    janus: &Available,
    visits: usize,
    seconds: u64,
    peers_on: Option<&tokio::runtime::Handle>,
) -> anyhow::Result<JanusRun> {
    let core = (machine_cores() >= 2).then_some(0);
    let server = Janus::start(&janus.binary, core, janus.host).await?;
    let session = api::Session::create(server.port).await?;
    let control = session.attach().await?;
    let resident_before = server.resident();
    let latencies = Arc::new(Latencies::default());
    let setup = Setup {
        session: &session,
        control,
        host: janus.host,
        latencies: &latencies,
        peers_on,
    };
    let mut all: Vec<VisitPeers> = Vec::new();
    for v in 0..visits {
        all.push(visit::publish(setup, v).await?);
    }
    let until = Instant::now() + Duration::from_secs(20);
    while every(&all).iter().any(|p| !p.is_connected()) && Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for (v, peers) in all.iter_mut().enumerate() {
        visit::receive(setup, peers, v % 4 == 0).await?;
    }
    let until = Instant::now() + Duration::from_secs(20);
    while every(&all).iter().any(|p| !p.is_connected()) && Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let pinned = core.is_some() && pin_process_to(1);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let count = |all: &[VisitPeers]| Counts {
        datagrams: every(all)
            .iter()
            .map(|p| p.counters.datagrams_sent.load(Ordering::Relaxed))
            .sum(),
        sent: all
            .iter()
            .flat_map(|v| &v.publishers)
            .map(|p| p.counters.sent.load(Ordering::Relaxed))
            .sum(),
        received: all
            .iter()
            .flat_map(|v| &v.receivers)
            .map(LoopbackPeer::total_received)
            .sum(),
    };
    let before = count(&all);
    let latencies_before = latencies.snapshot();
    let cpu_before = server.cpu();
    let steal_before = core_steal(0);
    let start = Instant::now();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    let elapsed = start.elapsed().as_secs_f64();
    let after = count(&all);
    let latencies_after = latencies.snapshot();
    let cpu_after = server.cpu();
    let steal_ms = steal_before
        .zip(core_steal(0))
        .map(|(b, a)| (a - b) * 1000.0 / elapsed);
    let resident_per_visit = server
        .resident()
        .zip(resident_before)
        .map(|(a, b)| (a as f64 - b as f64) / visits.max(1) as f64);
    let connected = every(&all).iter().filter(|p| p.is_connected()).count();
    let peers = every(&all).len();
    for v in all {
        for p in v.publishers.into_iter().chain(v.receivers).chain(v.monitor) {
            p.stop();
        }
    }
    drop(session);
    drop(server);
    let (media_cpu, process_cpu) = match cpu_before.zip(cpu_after) {
        Some((b, a)) => (
            (a.media - b.media) / elapsed,
            (a.process - b.process) / elapsed,
        ),
        None => (0.0, 0.0),
    };
    let sent = after.sent - before.sent;
    let received = after.received - before.received;
    Ok(JanusRun {
        packets_in: (after.datagrams - before.datagrams) as f64 / elapsed,
        media_cpu,
        process_cpu,
        loss: loss_percent(sent, received),
        latency_p50_micros: Latencies::quantile(&latencies_before, &latencies_after, 0.5),
        latency_p99_micros: Latencies::quantile(&latencies_before, &latencies_after, 0.99),
        resident_per_visit,
        connected,
        peers,
        pinned,
        steal_ms,
    })
}

/// Every peer of these visits.
fn every(all: &[VisitPeers]) -> Vec<&LoopbackPeer> {
    all.iter()
        .flat_map(|v| v.publishers.iter().chain(&v.receivers).chain(&v.monitor))
        .collect()
}

struct Counts {
    datagrams: u64,
    sent: u64,
    received: u64,
}

/// Units sent and not received, in percent: units in flight at the window's edges move
/// a few hundredths either way, and more arriving than were sent is no loss.
pub(super) fn loss_percent(sent: u64, received: u64) -> f64 {
    if sent == 0 {
        100.0
    } else {
        (100.0 * (1.0 - received as f64 / sent as f64)).max(0.0)
    }
}

/// One server's figures at one level, for the comparison.
#[derive(Debug, Clone, Copy)]
pub(super) struct Side {
    pub per_core: f64,
    /// Whether the level kept the latency and loss goals (measured between the peers).
    pub sustained: bool,
}

/// Both servers at one level.
pub(super) struct Pair {
    pub visits: usize,
    pub openvisit: Side,
    pub janus: Option<Side>,
}

/// The goal: OpenVisit forwards at least this many times Janus's packets per
/// core-second at capacity.
const GOAL_RATIO: f64 = 1.5;

/// The comparison's capacity line: each server's capacity (the most visits of a level
/// that kept latency p99 <= 2 ms and loss <= 0.1%, both measured between the peers),
/// its packets in per core-second there, and their ratio against the goal.
pub(super) fn comparison_line(pairs: &[Pair]) -> String {
    let capacity = |side: fn(&Pair) -> Option<Side>| {
        pairs
            .iter()
            .filter_map(|p| side(p).map(|s| (p.visits, s)))
            .filter(|(_, s)| s.sustained)
            .max_by_key(|(visits, _)| *visits)
    };
    let openvisit = capacity(|p| Some(p.openvisit));
    let janus = capacity(|p| p.janus);
    if pairs.iter().all(|p| p.janus.is_none()) {
        return "capacity beside Janus: not measured (Janus did not run)".to_string();
    }
    let said = |name: &str, side: Option<(usize, Side)>| match side {
        Some((visits, s)) => format!(
            "{name} {visits} visits, {:.0} pkt in per core-second",
            s.per_core
        ),
        None => format!("{name}: no level kept p99 <= 2 ms and loss <= 0.1%"),
    };
    let mut line = format!(
        "capacity beside Janus 1.1.2 (each at its most visits with latency between the peers \
         p99 <= 2 ms and loss <= 0.1%): {}; {}",
        said("OpenVisit", openvisit),
        said("Janus", janus)
    );
    if let (Some((_, o)), Some((_, j))) = (openvisit, janus)
        && j.per_core > 0.0
    {
        let ratio = o.per_core / j.per_core;
        line.push_str(&format!(
            " => OpenVisit/Janus {ratio:.2} (goal >= {GOAL_RATIO}: {})",
            if ratio >= GOAL_RATIO {
                "met"
            } else {
                "not met"
            }
        ));
    }
    // And at the same load: the most visits both ran.
    if let Some((visits, o, j)) = pairs
        .iter()
        .filter_map(|p| p.janus.map(|j| (p.visits, p.openvisit, j)))
        .max_by_key(|(visits, _, _)| *visits)
        && j.per_core > 0.0
    {
        line.push_str(&format!(
            "; at {visits} visits, the same load on both: {:.0} against {:.0} = {:.2}",
            o.per_core,
            j.per_core,
            o.per_core / j.per_core
        ));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn side(per_core: f64, sustained: bool) -> Side {
        Side {
            per_core,
            sustained,
        }
    }

    #[test]
    fn the_ratio_is_taken_at_each_servers_capacity() {
        let pairs = [
            Pair {
                visits: 20,
                openvisit: side(40_000.0, true),
                janus: Some(side(20_000.0, true)),
            },
            Pair {
                visits: 80,
                openvisit: side(60_000.0, true),
                janus: Some(side(25_000.0, false)),
            },
            Pair {
                visits: 120,
                openvisit: side(65_000.0, false),
                janus: Some(side(26_000.0, false)),
            },
        ];
        let line = comparison_line(&pairs);
        assert!(line.contains("OpenVisit 80 visits, 60000 pkt in"), "{line}");
        assert!(line.contains("Janus 20 visits, 20000 pkt in"), "{line}");
        assert!(
            line.contains("OpenVisit/Janus 3.00 (goal >= 1.5: met)"),
            "{line}"
        );
        assert!(
            line.contains("at 120 visits, the same load on both: 65000 against 26000 = 2.50"),
            "{line}"
        );
    }

    #[test]
    fn a_ratio_under_the_goal_and_a_server_without_capacity_are_said() {
        let under = [Pair {
            visits: 40,
            openvisit: side(30_000.0, true),
            janus: Some(side(25_000.0, true)),
        }];
        assert!(comparison_line(&under).contains("1.20 (goal >= 1.5: not met)"));
        let none = [Pair {
            visits: 40,
            openvisit: side(30_000.0, true),
            janus: Some(side(25_000.0, false)),
        }];
        let line = comparison_line(&none);
        assert!(line.contains("Janus: no level kept"), "{line}");
        assert!(!line.contains("goal >="), "{line}");
        let skipped = [Pair {
            visits: 40,
            openvisit: side(30_000.0, true),
            janus: None,
        }];
        assert!(comparison_line(&skipped).contains("not measured"));
    }

    #[test]
    fn loss_counts_units_not_received() {
        assert_eq!(loss_percent(0, 0), 100.0);
        assert_eq!(loss_percent(1000, 1001), 0.0);
        assert!((loss_percent(1000, 999) - 0.1).abs() < 1e-9);
    }
}
