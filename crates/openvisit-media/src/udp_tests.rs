//! The media port's sockets on loopback: the Linux batches (with segmented sends) and
//! the one-datagram-per-call fallback other systems use.

use std::io;
use std::net::{Ipv4Addr, SocketAddr, UdpSocket as StdUdpSocket};

use super::*;

/// What both sockets offer, so one round trip checks each.
trait Port: Sized {
    fn open(socket: StdUdpSocket) -> io::Result<Self>;
    fn send_all(&mut self, out: &mut Outbox) -> usize;
    async fn read(&self, batch: &mut RecvBatch) -> io::Result<usize>;
}

impl Port for linux::MediaSocket {
    fn open(socket: StdUdpSocket) -> io::Result<Self> {
        linux::MediaSocket::new(socket)
    }
    fn send_all(&mut self, out: &mut Outbox) -> usize {
        self.send(out)
    }
    async fn read(&self, batch: &mut RecvBatch) -> io::Result<usize> {
        self.recv(batch).await
    }
}

impl Port for plain::MediaSocket {
    fn open(socket: StdUdpSocket) -> io::Result<Self> {
        plain::MediaSocket::new(socket)
    }
    fn send_all(&mut self, out: &mut Outbox) -> usize {
        self.send(out)
    }
    async fn read(&self, batch: &mut RecvBatch) -> io::Result<usize> {
        self.recv(batch).await
    }
}

fn bind<P: Port>() -> io::Result<(SocketAddr, P)> {
    let socket = StdUdpSocket::bind((Ipv4Addr::LOCALHOST, 0))?;
    socket.set_nonblocking(true)?;
    Ok((socket.local_addr()?, P::open(socket)?))
}

/// Reads from `port` until `count` datagrams came; each with its source.
async fn read_all<P: Port>(port: &P, count: usize) -> io::Result<Vec<(SocketAddr, Vec<u8>)>> {
    let mut batch = RecvBatch::new();
    let mut seen = Vec::new();
    while seen.len() < count {
        let n = port.read(&mut batch).await?;
        assert!(n <= BATCH);
        for i in 0..n {
            let (from, data) = batch
                .get(i)
                .ok_or_else(|| io::Error::other("no datagram"))?;
            seen.push((from, data.to_vec()));
        }
    }
    Ok(seen)
}

/// Seventy datagrams of growing sizes (more than one batch) from one socket to
/// another arrive whole, in order, with their source.
async fn round_trip<P: Port>() -> io::Result<()> {
    let (a_addr, mut a) = bind::<P>()?;
    let (b_addr, b) = bind::<P>()?;
    let mut out: Outbox = (0..70u8)
        .map(|i| (b_addr, vec![i; 10 + usize::from(i)]))
        .collect();
    assert_eq!(a.send_all(&mut out), 70);
    assert!(out.is_empty());
    let seen = read_all(&b, 70).await?;
    for (i, (from, data)) in seen.iter().enumerate() {
        assert_eq!(*from, a_addr);
        assert_eq!(data, &vec![i as u8; 10 + i]);
    }
    Ok(())
}

#[tokio::test]
async fn a_batch_reads_and_sends_many_datagrams_with_their_addresses() -> io::Result<()> {
    round_trip::<linux::MediaSocket>().await
}

/// The fallback for other systems must read and send the same as the Linux batches.
#[tokio::test]
async fn the_fallback_reads_and_sends_datagrams_with_their_addresses() -> io::Result<()> {
    round_trip::<plain::MediaSocket>().await
}

/// Runs of equal datagrams to one address go as one segmented send; each must still
/// arrive as its own datagram, whole and in order, beside other receivers'.
#[tokio::test]
async fn a_frame_sent_in_one_segmented_send_arrives_as_its_datagrams() -> io::Result<()> {
    let (_, mut a) = bind::<linux::MediaSocket>()?;
    let receivers = [bind::<linux::MediaSocket>()?, bind::<linux::MediaSocket>()?];
    // Interleaved as the forwarding loop queues them: four packets of a frame (three
    // full, one short), then a short audio packet, to each receiver.
    let sizes = [1100usize, 1100, 1100, 700, 120];
    let mut out: Outbox = Vec::new();
    for (n, size) in sizes.iter().enumerate() {
        for (r, (to, _)) in receivers.iter().enumerate() {
            out.push((*to, vec![(10 * r + n) as u8; *size]));
        }
    }
    assert_eq!(a.send(&mut out), 2 * sizes.len());
    assert!(a.gso, "the kernel took the segmented sends");
    for (r, (_, socket)) in receivers.iter().enumerate() {
        let seen: Vec<Vec<u8>> = read_all(socket, sizes.len())
            .await?
            .into_iter()
            .map(|(_, data)| data)
            .collect();
        let expected: Vec<Vec<u8>> = sizes
            .iter()
            .enumerate()
            .map(|(n, size)| vec![(10 * r + n) as u8; *size])
            .collect();
        assert_eq!(seen, expected, "receiver {r}");
    }
    Ok(())
}
