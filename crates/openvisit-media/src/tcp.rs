//! ICE over TCP (RFC 6544) for clients whose network blocks UDP: the media port number
//! also listens on TCP, and the server offers it as a passive candidate beside the UDP
//! one. Each connection carries the same STUN, DTLS and SRTP datagrams, every one behind
//! a two-byte length (RFC 4571). Browsers prefer UDP and use this only when UDP fails.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc::{self, Receiver, Sender};

/// A connection that carries nothing for this long is closed: ICE sends a check or a
/// keep-alive every few seconds.
const IDLE: Duration = Duration::from_secs(30);
/// A new connection must bring its first datagram (an ICE check) this soon, or it is
/// closed: a client opens the connection to send one.
const FIRST_DATAGRAM: Duration = Duration::from_secs(5);
/// Connections held at once; more are refused, so a flood cannot exhaust descriptors.
const MAX_CONNECTIONS: usize = 1024;
/// Connections held at once from one IP address, so one host cannot take them all. A
/// browser opens one per media connection; several visitors may share a NAT.
const MAX_PER_ADDRESS: usize = 32;
/// Datagrams read and not yet handled, from all connections: a full queue stops the
/// readers rather than growing.
const READ_QUEUE: usize = 4096;
/// Datagrams waiting to be written to one connection; beyond this they are dropped, as
/// a full UDP buffer drops them.
const WRITE_QUEUE: usize = 512;

/// The longest datagram a connection may carry (more than any path MTU); a longer
/// one closes the connection.
const LONGEST: usize = 2048;

/// A datagram read from a connection, or `None` when the connection closed.
pub(crate) type Frame = (SocketAddr, Option<Vec<u8>>);

/// A queue for the datagrams read from connections.
pub(crate) fn frame_queue() -> (Sender<Frame>, Receiver<Frame>) {
    mpsc::channel(READ_QUEUE)
}

/// Reads length-prefixed datagrams from `stream` into `frames` and writes what is sent on
/// the returned channel, each behind its length. Both halves run as tasks on the current
/// runtime and end when the connection closes or the returned sender is dropped.
pub(crate) fn spawn_framed(
    stream: TcpStream,
    remote: SocketAddr,
    frames: Sender<Frame>,
) -> Sender<Vec<u8>> {
    let _ = stream.set_nodelay(true);
    let (mut reader, mut writer) = stream.into_split();
    let (out, mut outgoing) = mpsc::channel::<Vec<u8>>(WRITE_QUEUE);
    tokio::spawn(async move {
        let mut buf = vec![0u8; LONGEST];
        let mut wait = FIRST_DATAGRAM;
        loop {
            let read = async {
                let len = usize::from(reader.read_u16().await?);
                let into = buf.get_mut(..len).ok_or_else(|| {
                    io::Error::new(io::ErrorKind::InvalidData, "longer than a datagram")
                })?;
                reader.read_exact(into).await?;
                io::Result::Ok(len)
            };
            match tokio::time::timeout(wait, read).await {
                Ok(Ok(len)) => {
                    wait = IDLE;
                    if frames
                        .send((remote, Some(buf[..len].to_vec())))
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
                _ => {
                    let _ = frames.send((remote, None)).await;
                    return;
                }
            }
        }
    });
    tokio::spawn(async move {
        while let Some(datagram) = outgoing.recv().await {
            // RFC 4571 framing; a datagram never exceeds the MTU, far below 64 KiB.
            let Ok(len) = u16::try_from(datagram.len()) else {
                continue;
            };
            let mut framed = Vec::with_capacity(datagram.len() + 2);
            framed.extend_from_slice(&len.to_be_bytes());
            framed.extend_from_slice(&datagram);
            if writer.write_all(&framed).await.is_err() {
                return;
            }
        }
    });
    out
}

/// The media port's TCP side: the listener and the open connections, by remote address.
pub(crate) struct TcpLinks {
    listener: Option<TcpListener>,
    links: HashMap<SocketAddr, Sender<Vec<u8>>>,
    frames_tx: Sender<Frame>,
    frames: Receiver<Frame>,
}

impl TcpLinks {
    /// `None` serves no TCP (the port number was taken for TCP).
    pub fn new(listener: Option<TcpListener>) -> TcpLinks {
        let (frames_tx, frames) = frame_queue();
        TcpLinks {
            listener,
            links: HashMap::new(),
            frames_tx,
            frames,
        }
    }

    /// Whether there is a listener, so answers offer the TCP candidate.
    pub fn listening(&self) -> bool {
        self.listener.is_some()
    }

    /// Waits for the next datagram from any connection, accepting new connections
    /// meanwhile (cancel-safe). A closed connection is forgotten and reported with
    /// `None`.
    pub async fn next_frame(&mut self) -> Frame {
        loop {
            let accepted = tokio::select! {
                frame = self.frames.recv() => {
                    // A sender half lives in `self`, so the channel never closes.
                    let Some((remote, datagram)) = frame else {
                        return std::future::pending().await;
                    };
                    if datagram.is_none() {
                        self.links.remove(&remote);
                    }
                    return (remote, datagram);
                }
                accepted = accept(self.listener.as_ref()) => accepted,
            };
            let Ok((stream, remote)) = accepted else {
                continue;
            };
            if self.links.len() >= MAX_CONNECTIONS {
                tracing::warn!(%remote, "media TCP connection refused: too many open");
                continue;
            }
            if self.links.keys().filter(|a| a.ip() == remote.ip()).count() >= MAX_PER_ADDRESS {
                tracing::warn!(%remote, "media TCP connection refused: too many from this address");
                continue;
            }
            let link = spawn_framed(stream, remote, self.frames_tx.clone());
            self.links.insert(remote, link);
        }
    }

    /// A datagram already read, without waiting.
    pub fn try_next_frame(&mut self) -> Option<Frame> {
        let (remote, datagram) = self.frames.try_recv().ok()?;
        if datagram.is_none() {
            self.links.remove(&remote);
        }
        Some((remote, datagram))
    }

    /// Sends one datagram to the connection from `to`; dropped if there is none.
    pub fn send(&mut self, to: SocketAddr, datagram: &[u8]) {
        if let Some(link) = self.links.get(&to)
            && let Err(mpsc::error::TrySendError::Closed(_)) = link.try_send(datagram.to_vec())
        {
            self.links.remove(&to);
        }
    }
}

/// The listener's next connection; never, without a listener.
async fn accept(listener: Option<&TcpListener>) -> io::Result<(TcpStream, SocketAddr)> {
    match listener {
        Some(l) => l.accept().await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `TcpLinks` on a free loopback port, taking connections and datagrams as the
    /// media loop does; returns the port's address.
    async fn serve_links() -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("address");
        let mut links = TcpLinks::new(Some(listener));
        tokio::spawn(async move {
            loop {
                links.next_frame().await;
            }
        });
        port
    }

    /// One address may hold `MAX_PER_ADDRESS` connections; the next is closed at once,
    /// and those it holds stay open.
    #[tokio::test]
    async fn one_address_cannot_hold_more_than_its_share_of_connections() {
        let port = serve_links().await;
        let mut held = Vec::new();
        for _ in 0..MAX_PER_ADDRESS {
            held.push(TcpStream::connect(port).await.expect("connect"));
        }
        let mut refused = TcpStream::connect(port).await.expect("connect");
        let mut byte = [0u8; 1];
        let read = tokio::time::timeout(Duration::from_secs(5), refused.read(&mut byte)).await;
        assert!(
            matches!(read, Ok(Ok(0)) | Ok(Err(_))),
            "the connection over the limit is closed: {read:?}"
        );
        for stream in &mut held {
            let read =
                tokio::time::timeout(Duration::from_millis(20), stream.read(&mut byte)).await;
            assert!(
                read.is_err(),
                "a connection within the limit stays open: {read:?}"
            );
        }
    }

    /// A connection that sends nothing is closed once `FIRST_DATAGRAM` has passed; one
    /// that sent a datagram is kept.
    #[tokio::test]
    async fn a_connection_that_sends_nothing_is_closed_soon() {
        let port = serve_links().await;
        let mut silent = TcpStream::connect(port).await.expect("connect");
        let mut talking = TcpStream::connect(port).await.expect("connect");
        talking.write_all(&[0, 1, 7]).await.expect("a datagram");
        let started = std::time::Instant::now();
        let mut byte = [0u8; 1];
        let read = tokio::time::timeout(FIRST_DATAGRAM * 2, silent.read(&mut byte)).await;
        assert!(
            matches!(read, Ok(Ok(0)) | Ok(Err(_))),
            "the silent connection is closed: {read:?}"
        );
        assert!(started.elapsed() >= FIRST_DATAGRAM - Duration::from_millis(100));
        let read = tokio::time::timeout(Duration::from_millis(20), talking.read(&mut byte)).await;
        assert!(
            read.is_err(),
            "the connection that sent a datagram stays open: {read:?}"
        );
    }
}
