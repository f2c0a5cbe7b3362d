//! Finding 2: about 1,100 idle TCP connections stopped a server under `ulimit -n 1024`,
//! and a connection trickling its headers stayed open for 100 s or more. Here the real
//! binary runs under that limit while 2,000 idle connections (from 40 addresses, so the
//! per-address cap alone cannot save it) and 200 slow-header connections hold on, and
//! come back when closed; `/healthz` and a signed-in page must keep answering.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpSocket;

/// The server's header-read timeout (connections.rs).
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

async fn connect_from(ip: Ipv4Addr, to: SocketAddr) -> Option<tokio::net::TcpStream> {
    let socket = TcpSocket::new_v4().ok()?;
    socket.bind(SocketAddr::new(IpAddr::V4(ip), 0)).ok()?;
    tokio::time::timeout(Duration::from_secs(2), socket.connect(to))
        .await
        .ok()?
        .ok()
}

/// One request on a fresh connection: its time, or `None` if it failed.
/// How long `path` took to answer 200, or why it did not. As HTTP clients do for an
/// idempotent request (RFC 9110 §9.2.2), a connection refused, or closed before any of
/// the answer arrived, is tried once more; the time counts from the first try.
async fn timed_get(to: SocketAddr, path: &str, cookie: &str) -> Result<Duration, String> {
    let start = Instant::now();
    match get_once(to, path, cookie).await {
        Err(Attempt::Retry(first)) => match get_once(to, path, cookie).await {
            Ok(()) => Ok(start.elapsed()),
            Err(Attempt::Retry(why) | Attempt::Fail(why)) => {
                Err(format!("{path}: {first}, then {why}"))
            }
        },
        Err(Attempt::Fail(why)) => Err(format!("{path}: {why}")),
        Ok(()) => Ok(start.elapsed()),
    }
}

enum Attempt {
    /// Nothing of the answer arrived: a client may try again.
    Retry(String),
    Fail(String),
}

async fn get_once(to: SocketAddr, path: &str, cookie: &str) -> Result<(), Attempt> {
    let mut s = connect_from(Ipv4Addr::LOCALHOST, to)
        .await
        .ok_or_else(|| Attempt::Retry("no connection".into()))?;
    let req = format!(
        "GET {path} HTTP/1.1\r\nHost: {to}\r\ncookie: {cookie}\r\nconnection: close\r\n\r\n"
    );
    s.write_all(req.as_bytes())
        .await
        .map_err(|e| Attempt::Retry(format!("write: {e}")))?;
    let mut head = [0u8; 12];
    let mut got = 0;
    let read = tokio::time::timeout(Duration::from_secs(5), async {
        while got < head.len() {
            match s.read(&mut head[got..]).await {
                Ok(0) => return Err(got),
                Ok(n) => got += n,
                Err(_) => return Err(got),
            }
        }
        Ok(())
    })
    .await
    .map_err(|_| Attempt::Fail("no answer in 5 s".into()))?;
    match read {
        Ok(()) if &head[9..12] == b"200" => Ok(()),
        Ok(()) => Err(Attempt::Fail(String::from_utf8_lossy(&head).into_owned())),
        Err(0) => Err(Attempt::Retry("closed before answering".into())),
        Err(n) => Err(Attempt::Fail(format!(
            "closed after {n} bytes of the answer"
        ))),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_and_slow_connections_do_not_stop_a_server_with_1024_descriptors() {
    let data = std::env::temp_dir().join(format!("ov_conn_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
        l.local_addr().expect("addr").port()
    };
    let to = SocketAddr::from(([127, 0, 0, 1], port));
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -n 1024 && exec {} serve --bind {to} --data-dir {}",
            env!("CARGO_BIN_EXE_openvisit"),
            data.display()
        ))
        .env_remove("OPENVISIT_DATABASE_URL")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start openvisit");
    let pid = child.id();
    let http = reqwest::Client::new();
    let mut up = false;
    for _ in 0..300 {
        if http
            .get(format!("http://{to}/healthz"))
            .send()
            .await
            .is_ok()
        {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(up, "the server starts");
    let login = http
        .post(format!("http://{to}/api/v1/auth/login"))
        .json(&serde_json::json!({
            "email": openvisit_store::demo::DEMO_VISITOR_EMAIL,
            "password": openvisit_store::demo::DEMO_VISITOR_PASSWORD,
        }))
        .send()
        .await
        .expect("login");
    let cookie = login
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .expect("session cookie")
        .to_owned();
    let rss_before = rss_kib(pid);

    let stop = Arc::new(AtomicBool::new(false));
    let opened = Arc::new(AtomicUsize::new(0));
    let mut attackers = Vec::new();
    // 2,000 connections that send nothing, 50 from each of 40 addresses; each comes
    // back a second after the server closes it.
    for i in 0..2000u32 {
        let ip = Ipv4Addr::new(127, 0, 1, 1 + (i / 50) as u8);
        let (stop, opened) = (stop.clone(), opened.clone());
        attackers.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                if let Some(mut s) = connect_from(ip, to).await {
                    opened.fetch_add(1, Ordering::Relaxed);
                    let mut buf = [0u8; 64];
                    let _ = tokio::time::timeout(Duration::from_secs(30), s.read(&mut buf)).await;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }));
    }
    // 200 connections that send a header byte every second; each records how long the
    // server let it live.
    let lifetimes = Arc::new(std::sync::Mutex::new(Vec::new()));
    for i in 0..200u32 {
        let ip = Ipv4Addr::new(127, 0, 2, 1 + (i / 20) as u8);
        let (stop, lifetimes) = (stop.clone(), lifetimes.clone());
        attackers.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let Some(mut s) = connect_from(ip, to).await else {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                };
                let born = Instant::now();
                let _ = s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await;
                let mut closed = false;
                while !stop.load(Ordering::Relaxed) {
                    if s.write_all(b"x").await.is_err() {
                        closed = true;
                        break;
                    }
                    let mut buf = [0u8; 256];
                    if let Ok(Ok(0) | Err(_)) =
                        tokio::time::timeout(Duration::from_secs(1), s.read(&mut buf)).await
                    {
                        closed = true;
                        break;
                    }
                }
                if closed && let Ok(mut l) = lifetimes.lock() {
                    l.push(born.elapsed());
                }
            }
        }));
    }
    // Probes for longer than the header timeout: a fresh connection each time.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut health = Vec::new();
    let mut page = Vec::new();
    let mut failures: Vec<String> = Vec::new();
    let mut rss_peak = 0;
    let probing = Instant::now();
    while probing.elapsed() < HEADER_TIMEOUT + Duration::from_secs(4) {
        match timed_get(to, "/healthz", "").await {
            Ok(t) => health.push(t),
            Err(why) => failures.push(why),
        }
        match timed_get(to, "/account", &cookie).await {
            Ok(t) => page.push(t),
            Err(why) => failures.push(why),
        }
        rss_peak = rss_peak.max(rss_kib(pid));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let attack_opened = opened.load(Ordering::Relaxed);
    stop.store(true, Ordering::Relaxed);
    for a in attackers {
        a.abort();
    }
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&data);

    let p99 = |v: &mut Vec<Duration>| {
        v.sort();
        v[(v.len() * 99 / 100).min(v.len() - 1)]
    };
    let (n_health, n_page) = (health.len(), page.len());
    let (health_p99, page_p99) = (p99(&mut health), p99(&mut page));
    let lifetimes = lifetimes.lock().expect("lifetimes").clone();
    let longest = lifetimes.iter().max().copied().unwrap_or_default();
    println!(
        "connections: {attack_opened} idle opened; healthz p99 {health_p99:?} ({n_health}), \
         signed-in page p99 {page_p99:?} ({n_page}), {failures:?} failed; {} slow closed, \
         the longest after {longest:?}; RSS {} -> {} KiB",
        lifetimes.len(),
        rss_before,
        rss_peak
    );
    assert!(attack_opened >= 2000, "the idle connections were opened");
    assert!(
        failures.is_empty(),
        "every probe was answered: {failures:?}"
    );
    // A server the attack stops answers after seconds (a full backlog: the kernel's
    // one-second SYN retry) or not at all; the bound leaves room for the other tests
    // sharing these two cores, which alone took the p99 past 100 ms.
    assert!(health_p99 <= Duration::from_millis(500), "{health_p99:?}");
    assert!(page_p99 <= Duration::from_millis(500), "{page_p99:?}");
    assert!(lifetimes.len() >= 200, "every slow connection was closed");
    assert!(
        longest <= HEADER_TIMEOUT + Duration::from_secs(2),
        "a slow connection lived {longest:?}"
    );
    assert!(
        rss_peak.saturating_sub(rss_before) < 128 * 1024,
        "memory stays bounded: {rss_before} -> {rss_peak} KiB"
    );
}

/// Without any pressure, a connection that trickles its headers and one that sends
/// nothing are closed by the header timeout alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_that_never_finishes_its_headers_is_closed_after_the_timeout() {
    let app = crate::harness::TestApp::spawn(openvisit_store::Backend::Sqlite).await;
    let to: SocketAddr = app
        .base
        .trim_start_matches("http://")
        .parse()
        .expect("addr");
    let started = Instant::now();
    let silent = connect_from(Ipv4Addr::LOCALHOST, to).await.expect("silent");
    let mut slow = connect_from(Ipv4Addr::LOCALHOST, to).await.expect("slow");
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("write");
    let closed_at = |mut s: tokio::net::TcpStream, trickle: bool| async move {
        let mut buf = [0u8; 256];
        loop {
            if trickle && s.write_all(b"x").await.is_err() {
                return started.elapsed();
            }
            match tokio::time::timeout(Duration::from_millis(500), s.read(&mut buf)).await {
                Ok(Ok(0) | Err(_)) => return started.elapsed(),
                _ if started.elapsed() > Duration::from_secs(30) => return started.elapsed(),
                _ => {}
            }
        }
    };
    let (silent_closed, slow_closed) =
        tokio::join!(closed_at(silent, false), closed_at(slow, true));
    println!("silent closed after {silent_closed:?}, slow after {slow_closed:?}");
    for closed in [silent_closed, slow_closed] {
        assert!(
            closed >= HEADER_TIMEOUT - Duration::from_millis(500)
                && closed <= HEADER_TIMEOUT + Duration::from_secs(2),
            "closed after {closed:?}"
        );
    }
    app.stop().await;
}
