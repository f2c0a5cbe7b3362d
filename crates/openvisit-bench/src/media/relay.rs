//! The raw UDP relay: what moving the same packets costs with no WebRTC at all.

use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::LOOPBACK;
use super::threads::{LOAD_THREAD, RELAY_THREAD, pin_apart, thread_cpu};

/// What the raw relay moves: packets of one size, each sent on to `fan_out` sinks on
/// average (1.25: every fourth packet also goes to a second sink), as fast as one
/// sender can, or evenly at `rate` packets a second.
pub(super) struct Mix {
    pub bytes: usize,
    pub fan_out: f64,
    pub rate: Option<f64>,
}

impl Mix {
    pub const UNIFORM: Mix = Mix {
        bytes: 1200,
        fan_out: 1.0,
        rate: None,
    };
}

/// One thread receiving and re-sending packets as fast as it can, fed by one sender
/// thread, its packets read by one thread per sink, as the peers read the server's: the
/// most a relay could move on this machine (or, with a rate, what it costs to move that
/// many). Counts packets in per second of the relay thread's CPU time, as the server's
/// are counted.
pub(super) fn raw_relay(seconds: u64, mix: &Mix) -> anyhow::Result<f64> {
    let relay = UdpSocket::bind(SocketAddr::new(LOOPBACK, 0))?;
    relay.set_read_timeout(Some(Duration::from_millis(100)))?;
    let relay_addr = relay.local_addr()?;
    let (bytes, extra, rate) = (mix.bytes, mix.fan_out - 1.0, mix.rate);
    let stop = Arc::new(AtomicBool::new(false));
    let moved = Arc::new(AtomicU64::new(0));
    let mut sink_addrs = Vec::new();
    let mut threads = Vec::new();
    for _ in 0..2 {
        let sink = UdpSocket::bind(SocketAddr::new(LOOPBACK, 0))?;
        sink.set_read_timeout(Some(Duration::from_millis(100)))?;
        sink_addrs.push(sink.local_addr()?);
        let stop = Arc::clone(&stop);
        threads.push(
            std::thread::Builder::new()
                .name(LOAD_THREAD.into())
                .spawn(move || {
                    let mut buf = [0u8; 2000];
                    while !stop.load(Ordering::Relaxed) {
                        let _ = sink.recv(&mut buf);
                    }
                })?,
        );
    }
    let (sink_addr, second_addr) = (sink_addrs[0], sink_addrs[1]);
    {
        let stop = Arc::clone(&stop);
        threads.push(
            std::thread::Builder::new()
                .name(LOAD_THREAD.into())
                .spawn(move || {
                    let Ok(s) = UdpSocket::bind(SocketAddr::new(LOOPBACK, 0)) else {
                        return;
                    };
                    let packet = vec![7u8; bytes];
                    let start = Instant::now();
                    let mut sent = 0u64;
                    while !stop.load(Ordering::Relaxed) {
                        if let Some(rate) = rate {
                            // Behind, it catches up at once, as a burst would come.
                            let due = start + Duration::from_secs_f64(sent as f64 / rate);
                            let now = Instant::now();
                            if due > now {
                                std::thread::sleep(due - now);
                            }
                        }
                        let _ = s.send_to(&packet, relay_addr);
                        sent += 1;
                    }
                })?,
        );
    }
    {
        let (stop, moved) = (Arc::clone(&stop), Arc::clone(&moved));
        threads.push(
            std::thread::Builder::new()
                .name(RELAY_THREAD.into())
                .spawn(move || {
                    let mut buf = [0u8; 2000];
                    let mut owed = 0.0;
                    while !stop.load(Ordering::Relaxed) {
                        if let Ok((n, _)) = relay.recv_from(&mut buf)
                            && relay.send_to(&buf[..n], sink_addr).is_ok()
                        {
                            owed += extra;
                            if owed >= 1.0 {
                                owed -= 1.0;
                                let _ = relay.send_to(&buf[..n], second_addr);
                            }
                            moved.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                })?,
        );
    }
    pin_apart(RELAY_THREAD, LOAD_THREAD);
    std::thread::sleep(Duration::from_millis(300));
    let m0 = moved.load(Ordering::Relaxed);
    let cpu0 = thread_cpu(RELAY_THREAD).unwrap_or(0.0);
    std::thread::sleep(Duration::from_secs(seconds));
    let cpu = thread_cpu(RELAY_THREAD).unwrap_or(0.0) - cpu0;
    let packets = (moved.load(Ordering::Relaxed) - m0) as f64;
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        let _ = t.join();
    }
    anyhow::ensure!(cpu > 0.0, "the relay thread's CPU time could not be read");
    Ok(packets / cpu)
}
