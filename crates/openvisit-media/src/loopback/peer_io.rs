//! A running loopback peer's way to the server: its UDP socket, or its TCP stream's
//! frames.

use super::*;

/// A running peer's way to the server.
pub(super) struct PeerIo {
    pub(super) proto: Protocol,
    /// The address of the peer's candidate.
    pub(super) local: SocketAddr,
    pub(super) path: Path,
}

pub(super) enum Path {
    Udp {
        /// Sends go through the std handle (non-blocking, the same socket): Tokio's
        /// `try_send_to` refuses until its reactor has seen the socket writable.
        std: UdpSocket,
        socket: tokio::net::UdpSocket,
    },
    Tcp {
        out: Sender<Vec<u8>>,
        frames: Receiver<Frame>,
    },
}

impl PeerIo {
    /// Must run inside the runtime the peer runs on.
    pub(super) fn new(link: &Link) -> io::Result<PeerIo> {
        match link {
            Link::Udp(std) => {
                let std = std.try_clone()?;
                let socket = std.try_clone()?;
                socket.set_nonblocking(true)?;
                Ok(PeerIo {
                    proto: Protocol::Udp,
                    local: std.local_addr()?,
                    path: Path::Udp {
                        std,
                        socket: tokio::net::UdpSocket::from_std(socket)?,
                    },
                })
            }
            Link::Tcp(stream) => {
                let stream = stream.try_clone()?;
                stream.set_nonblocking(true)?;
                let (local, server) = (stream.local_addr()?, stream.peer_addr()?);
                let (frames_tx, frames) = tcp::frame_queue();
                let out =
                    tcp::spawn_framed(tokio::net::TcpStream::from_std(stream)?, server, frames_tx);
                Ok(PeerIo {
                    proto: Protocol::Tcp,
                    local,
                    path: Path::Tcp { out, frames },
                })
            }
        }
    }

    /// Sends a datagram; a full buffer drops it, as a network would.
    pub(super) fn send(&self, t: &Transmit) {
        match &self.path {
            Path::Udp { std, .. } => {
                let _ = std.send_to(&t.contents, t.destination);
            }
            Path::Tcp { out, .. } => {
                let _ = out.try_send(t.contents.to_vec());
            }
        }
    }

    /// What has arrived first, else waits for a datagram until `until`. Returns its
    /// length in `buf` and its source.
    pub(super) async fn recv(
        &mut self,
        buf: &mut [u8],
        until: Instant,
    ) -> Option<(usize, SocketAddr)> {
        match &mut self.path {
            Path::Udp { socket, .. } => match socket.try_recv_from(buf) {
                Ok(got) => Some(got),
                Err(_) if Instant::now() >= until => None,
                Err(_) => {
                    let sleep = pin!(tokio::time::sleep_until(until.into()));
                    tokio::select! {
                        got = socket.recv_from(buf) => got.ok(),
                        () = sleep => None,
                    }
                }
            },
            Path::Tcp { frames, .. } => {
                let frame = match frames.try_recv() {
                    Ok(frame) => frame,
                    Err(_) if Instant::now() >= until => return None,
                    Err(_) => {
                        let sleep = pin!(tokio::time::sleep_until(until.into()));
                        tokio::select! {
                            frame = frames.recv() => frame.unwrap_or((self.local, None)),
                            () = sleep => return None,
                        }
                    }
                };
                let (source, datagram) = frame;
                let Some(datagram) = datagram else {
                    // The connection closed: nothing more will come; wait as if idle.
                    tokio::time::sleep_until(until.into()).await;
                    return None;
                };
                let n = datagram.len();
                buf.get_mut(..n)?.copy_from_slice(&datagram);
                Some((n, source))
            }
        }
    }
}
