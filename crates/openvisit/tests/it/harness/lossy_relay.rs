//! A lossy link in front of the media port, for browsers: a UDP relay that passes every
//! datagram between clients and the server and loses a share of the audio packets the
//! clients send, at random, as a poor uplink would. Browsers cannot be told to lose
//! packets themselves; the server is announced at the relay's address instead.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::net::UdpSocket;
use tokio::task::JoinHandle;

/// The relay's counts of client audio packets, passed on and lost.
#[derive(Default)]
pub struct RelayCounts {
    pub audio_passed: AtomicU64,
    pub audio_lost: AtomicU64,
}

/// Stops relaying when dropped.
pub struct LossyRelay {
    pub counts: Arc<RelayCounts>,
    tasks: Arc<std::sync::Mutex<Vec<JoinHandle<()>>>>,
}

impl LossyRelay {
    /// Relays datagrams arriving at `listen` to `server`, and the server's answers back
    /// to each client, losing `percent` % of the client packets that are RTP with
    /// payload type `audio_pt` (RTP headers are in clear under SRTP).
    pub fn start(listen: UdpSocket, server: SocketAddr, audio_pt: u8, percent: u64) -> LossyRelay {
        let counts = Arc::new(RelayCounts::default());
        let tasks = Arc::new(std::sync::Mutex::new(Vec::new()));
        let main = tokio::spawn(relay(
            Arc::new(listen),
            server,
            audio_pt,
            percent,
            Arc::clone(&counts),
            Arc::clone(&tasks),
        ));
        tasks.lock().expect("tasks").push(main);
        LossyRelay { counts, tasks }
    }
}

impl Drop for LossyRelay {
    fn drop(&mut self) {
        for t in self.tasks.lock().expect("tasks").drain(..) {
            t.abort();
        }
    }
}

async fn relay(
    listen: Arc<UdpSocket>,
    server: SocketAddr,
    audio_pt: u8,
    percent: u64,
    counts: Arc<RelayCounts>,
    tasks: Arc<std::sync::Mutex<Vec<JoinHandle<()>>>>,
) {
    // One socket towards the server per client, so the server tells clients apart.
    let mut upstream: HashMap<SocketAddr, Arc<UdpSocket>> = HashMap::new();
    let mut random = 0x9e37_79b9_7f4a_7c15_u64;
    let mut buf = vec![0u8; 2048];
    loop {
        let Ok((n, client)) = listen.recv_from(&mut buf).await else {
            return;
        };
        let up = match upstream.get(&client) {
            Some(up) => Arc::clone(up),
            None => {
                let up = Arc::new(UdpSocket::bind("127.0.0.1:0").await.expect("bind"));
                up.connect(server).await.expect("connect");
                let back = tokio::spawn(answers(Arc::clone(&up), Arc::clone(&listen), client));
                tasks.lock().expect("tasks").push(back);
                upstream.insert(client, Arc::clone(&up));
                up
            }
        };
        let packet = &buf[..n];
        let audio = n > 12 && packet[0] & 0xc0 == 0x80 && packet[1] & 0x7f == audio_pt;
        if audio {
            // xorshift64: the same losses in every run.
            random ^= random << 13;
            random ^= random >> 7;
            random ^= random << 17;
            if random % 100 < percent {
                counts.audio_lost.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            counts.audio_passed.fetch_add(1, Ordering::Relaxed);
        }
        let _ = up.send(packet).await;
    }
}

/// The server's datagrams to one client, passed back from the relay's address.
async fn answers(up: Arc<UdpSocket>, listen: Arc<UdpSocket>, client: SocketAddr) {
    let mut buf = vec![0u8; 2048];
    while let Ok(n) = up.recv(&mut buf).await {
        let _ = listen.send_to(&buf[..n], client).await;
    }
}
