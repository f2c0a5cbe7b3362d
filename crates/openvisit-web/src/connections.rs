//! The accept loop, with the limits that keep a flood of connections from stopping the
//! server (docs/SECURITY.md): the whole request head must arrive within
//! `header_timeout`, a connection with no request in flight closes after `idle_timeout`,
//! at most `max_open` connections are open at once (below the process's file limit, so
//! `accept` never runs out of descriptors), and one address holds at most
//! `max_per_address`.
//!
//! When the server is full, a new connection takes the place of the one that has been
//! idle longest (one that sent no complete request yet counts as idle), so connections
//! that only hold a slot cannot lock out a person who sends a request; it is refused only
//! when every open connection is busy with a request.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tower_service::Service;

/// How many descriptors stay free for everything that is not a client connection (the
/// database, the media server, recordings, emails, logs).
const RESERVED_DESCRIPTORS: u64 = 256;
/// The default cap when the file limit is large.
const MAX_OPEN_DEFAULT: usize = 8192;

/// The limits the accept loop enforces.
#[derive(Debug, Clone)]
pub struct ConnectionLimits {
    /// Connections open at once, over all clients.
    pub max_open: usize,
    /// Connections open at once from one client address (0: no limit). Addresses in
    /// `unlimited` (a reverse proxy in front of the server) are exempt.
    pub max_per_address: usize,
    pub unlimited: Vec<IpAddr>,
    /// Reverse proxies whose `X-Forwarded-For` names the client (`forwarded.rs`).
    pub trusted_proxies: Vec<crate::forwarded::TrustedNet>,
    /// The time a client has to send a whole request head.
    pub header_timeout: Duration,
    /// How long a connection may stay open with no request in flight.
    pub idle_timeout: Duration,
}

impl ConnectionLimits {
    /// Defaults that fit this process: the file limit raised as far as the OS allows,
    /// and `max_open` kept `RESERVED_DESCRIPTORS` below it.
    pub fn for_this_process() -> ConnectionLimits {
        // Raise the soft limit to the hard one; if the OS refuses, keep what we have.
        let limit = rlimit::increase_nofile_limit(u64::MAX)
            .ok()
            .or_else(|| {
                rlimit::getrlimit(rlimit::Resource::NOFILE)
                    .ok()
                    .map(|l| l.0)
            })
            .unwrap_or(1024);
        ConnectionLimits {
            max_open: max_open_for(limit),
            ..ConnectionLimits::default()
        }
    }
}

/// The connection cap for a file limit of `limit` descriptors.
pub fn max_open_for(limit: u64) -> usize {
    let usable = limit.saturating_sub(RESERVED_DESCRIPTORS).max(limit / 2);
    usize::try_from(usable)
        .unwrap_or(MAX_OPEN_DEFAULT)
        .clamp(16, MAX_OPEN_DEFAULT)
}

impl Default for ConnectionLimits {
    fn default() -> ConnectionLimits {
        ConnectionLimits {
            max_open: max_open_for(1024),
            max_per_address: 64,
            unlimited: Vec::new(),
            trusted_proxies: Vec::new(),
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
        }
    }
}

/// What the accept loop knows of one open connection.
struct Conn {
    ip: IpAddr,
    /// Requests whose response (body included) is not finished.
    in_flight: AtomicUsize,
    /// Milliseconds since the registry started, at the last request start or end.
    last_active: AtomicU64,
    /// Set when the accept loop closes this connection to make room.
    evicted: AtomicBool,
    close: Notify,
}

impl Conn {
    fn idle(&self) -> bool {
        self.in_flight.load(Ordering::Acquire) == 0
    }
}

/// Every open connection, for the caps and for choosing whom to close.
struct Registry {
    started: Instant,
    limits: ConnectionLimits,
    inner: Mutex<Open>,
}

#[derive(Default)]
struct Open {
    next_id: u64,
    conns: HashMap<u64, Arc<Conn>>,
    per_ip: HashMap<IpAddr, usize>,
}

impl Open {
    fn remove(&mut self, id: u64) -> Option<Arc<Conn>> {
        let conn = self.conns.remove(&id)?;
        if let Some(n) = self.per_ip.get_mut(&conn.ip) {
            *n -= 1;
            if *n == 0 {
                self.per_ip.remove(&conn.ip);
            }
        }
        Some(conn)
    }

    /// Closes the connection idle longest (of `ip` only, if given). False if every
    /// candidate is busy.
    fn evict_idlest(&mut self, ip: Option<IpAddr>) -> bool {
        let victim = self
            .conns
            .iter()
            .filter(|(_, c)| ip.is_none_or(|ip| c.ip == ip) && c.idle())
            .min_by_key(|(_, c)| c.last_active.load(Ordering::Relaxed))
            .map(|(id, _)| *id);
        let Some(conn) = victim.and_then(|id| self.remove(id)) else {
            return false;
        };
        conn.evicted.store(true, Ordering::Release);
        conn.close.notify_one();
        metrics::counter!("http_connections_evicted_total").increment(1);
        true
    }
}

impl Registry {
    fn millis(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Makes room for a connection from `ip` and registers it, or answers `None` when
    /// it must be refused.
    fn admit(&self, ip: IpAddr) -> Option<(u64, Arc<Conn>)> {
        let mut open = self.inner.lock().ok()?;
        let limits = &self.limits;
        if limits.max_per_address > 0
            && !limits.unlimited.contains(&ip)
            && open.per_ip.get(&ip).copied().unwrap_or(0) >= limits.max_per_address
            && !open.evict_idlest(Some(ip))
        {
            return None;
        }
        if open.conns.len() >= limits.max_open && !open.evict_idlest(None) {
            return None;
        }
        let conn = Arc::new(Conn {
            ip,
            in_flight: AtomicUsize::new(0),
            last_active: AtomicU64::new(self.millis()),
            evicted: AtomicBool::new(false),
            close: Notify::new(),
        });
        open.next_id += 1;
        let id = open.next_id;
        open.conns.insert(id, conn.clone());
        *open.per_ip.entry(ip).or_default() += 1;
        Some((id, conn))
    }

    fn release(&self, id: u64) {
        if let Ok(mut open) = self.inner.lock() {
            open.remove(id);
        }
    }

    /// Closes the idlest connection after the OS refused a descriptor.
    fn shed(&self) -> bool {
        self.inner
            .lock()
            .map(|mut open| open.evict_idlest(None))
            .unwrap_or(false)
    }

    fn open_count(&self) -> usize {
        self.inner.lock().map(|o| o.conns.len()).unwrap_or(0)
    }
}

/// Serves `router` on `listener` under `limits` until `shutdown` resolves; then stops
/// accepting and lets requests in flight finish (at most 10 seconds).
/// With `tls`, every connection is HTTPS (the handshake must finish within the header
/// timeout).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    tls: Option<Arc<crate::tls::TlsFiles>>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let registry = Arc::new(Registry {
        started: Instant::now(),
        limits,
        inner: Mutex::new(Open::default()),
    });
    // Each connection task holds a clone of `tasks`, and watches `stopping`.
    let tasks = Arc::new(());
    let (stop_tx, stopping) = tokio::sync::watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let (stream, addr) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of descriptors (or a connection reset before accept): close
                    // the idlest connection, or wait a moment if none can go.
                    if !registry.shed() {
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    continue;
                }
            },
        };
        let Some((id, conn)) = registry.admit(addr.ip()) else {
            metrics::counter!("http_connections_refused_total").increment(1);
            drop(stream);
            continue;
        };
        metrics::gauge!("http_connections_open").set(registry.open_count() as f64);
        let _ = stream.set_nodelay(true);
        let registry = registry.clone();
        let router = router.clone();
        let done = tasks.clone();
        let stopping = stopping.clone();
        let tls = tls.as_ref().map(|t| t.current());
        tokio::spawn(async move {
            match tls {
                None => {
                    serve_connection(stream, addr, false, router, &registry, &conn, stopping).await;
                }
                Some(config) => {
                    let handshake = tokio_rustls::TlsAcceptor::from(config).accept(stream);
                    match tokio::time::timeout(registry.limits.header_timeout, handshake).await {
                        Ok(Ok(stream)) => {
                            serve_connection(
                                stream, addr, true, router, &registry, &conn, stopping,
                            )
                            .await;
                        }
                        Ok(Err(e)) => {
                            metrics::counter!("http_tls_handshakes_failed_total").increment(1);
                            tracing::debug!(error = %e, "TLS handshake failed");
                        }
                        Err(_) => {
                            metrics::counter!("http_tls_handshakes_failed_total").increment(1);
                        }
                    }
                }
            }
            registry.release(id);
            drop(done);
        });
    }
    // Tell every connection to finish its request and close, then wait (bounded).
    let _ = stop_tx.send(true);
    let deadline = Instant::now() + Duration::from_secs(10);
    while Arc::strong_count(&tasks) > 1 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

async fn serve_connection<S>(
    stream: S,
    addr: SocketAddr,
    over_tls: bool,
    router: Router,
    registry: &Arc<Registry>,
    conn: &Arc<Conn>,
    mut stopping: tokio::sync::watch::Receiver<bool>,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let svc = {
        let registry = registry.clone();
        let conn = conn.clone();
        hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
            let mut router = router.clone();
            let guard = InFlight::start(&registry, &conn);
            let client = crate::forwarded::client_addr(
                req.headers(),
                addr,
                &registry.limits.trusted_proxies,
            );
            let scheme = crate::forwarded::client_scheme(
                req.headers(),
                addr,
                &registry.limits.trusted_proxies,
                over_tls,
            );
            req.extensions_mut().insert(ConnectInfo(client));
            req.extensions_mut().insert(scheme);
            async move {
                let res = router.call(req.map(Body::new)).await?;
                Ok::<_, Infallible>(res.map(|body| Body::new(Tracked { body, guard })))
            }
        })
    };
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(registry.limits.header_timeout)
        .max_buf_size(64 * 1024);
    let connection = builder
        .serve_connection(TokioIo::new(stream), svc)
        .with_upgrades();
    tokio::pin!(connection);
    let idle = registry.limits.idle_timeout;
    loop {
        let since = registry
            .millis()
            .saturating_sub(conn.last_active.load(Ordering::Relaxed));
        let left = idle.saturating_sub(Duration::from_millis(since));
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(e) = result {
                    tracing::trace!(error = %e, "connection closed");
                }
                return;
            }
            Ok(()) = stopping.changed() => {
                connection.as_mut().graceful_shutdown();
            }
            () = conn.close.notified() => {
                if conn.evicted.load(Ordering::Acquire) {
                    return;
                }
            }
            () = tokio::time::sleep(left) => {
                let since = registry
                    .millis()
                    .saturating_sub(conn.last_active.load(Ordering::Relaxed));
                if conn.idle() && Duration::from_millis(since) >= idle {
                    metrics::counter!("http_connections_idle_closed_total").increment(1);
                    return;
                }
                if !conn.idle() {
                    // Busy: look again after a whole idle period.
                    conn.last_active.store(registry.millis(), Ordering::Relaxed);
                }
            }
        }
    }
}

/// Marks a request in flight on its connection until its response body is done.
struct InFlight {
    registry: Arc<Registry>,
    conn: Arc<Conn>,
}

impl InFlight {
    fn start(registry: &Arc<Registry>, conn: &Arc<Conn>) -> InFlight {
        conn.in_flight.fetch_add(1, Ordering::AcqRel);
        conn.last_active.store(registry.millis(), Ordering::Relaxed);
        InFlight {
            registry: registry.clone(),
            conn: conn.clone(),
        }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.conn
            .last_active
            .store(self.registry.millis(), Ordering::Relaxed);
        self.conn.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A response body that keeps its request in flight until it is sent or dropped.
struct Tracked {
    body: Body,
    #[allow(dead_code, reason = "held for its Drop")]
    guard: InFlight,
}

impl http_body::Body for Tracked {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_leaves_descriptors_for_the_rest_of_the_server() {
        assert_eq!(max_open_for(1024), 768);
        assert_eq!(max_open_for(4096), 3840);
        assert_eq!(max_open_for(1 << 20), MAX_OPEN_DEFAULT);
        // A tiny limit still leaves half for connections.
        assert_eq!(max_open_for(256), 128);
    }

    fn registry(max_open: usize, per_address: usize) -> Registry {
        Registry {
            started: Instant::now(),
            limits: ConnectionLimits {
                max_open,
                max_per_address: per_address,
                ..ConnectionLimits::default()
            },
            inner: Mutex::new(Open::default()),
        }
    }

    #[test]
    fn a_full_server_closes_the_idlest_connection_and_refuses_only_when_all_are_busy() {
        let r = registry(2, 0);
        let a: IpAddr = [10, 0, 0, 1].into();
        let (_, first) = r.admit(a).expect("first");
        let (_, second) = r.admit(a).expect("second");
        second.in_flight.fetch_add(1, Ordering::AcqRel);
        // Full: the idle first one makes room.
        let (_, third) = r.admit(a).expect("third");
        assert!(first.evicted.load(Ordering::Acquire));
        assert!(!second.evicted.load(Ordering::Acquire));
        third.in_flight.fetch_add(1, Ordering::AcqRel);
        // Both busy: refused.
        assert!(r.admit(a).is_none());
        assert_eq!(r.open_count(), 2);
    }

    #[test]
    fn one_address_cannot_take_more_than_its_share() {
        let r = registry(100, 2);
        let greedy: IpAddr = [10, 0, 0, 1].into();
        let other: IpAddr = [10, 0, 0, 2].into();
        let (_, a) = r.admit(greedy).expect("a");
        let (_, b) = r.admit(greedy).expect("b");
        a.in_flight.fetch_add(1, Ordering::AcqRel);
        b.in_flight.fetch_add(1, Ordering::AcqRel);
        assert!(r.admit(greedy).is_none(), "a third from one address");
        assert!(r.admit(other).is_some(), "another address still gets in");
    }
}
