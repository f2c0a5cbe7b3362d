//! The media port: datagrams read and sent in batches.
//!
//! On Linux one `recvmmsg` reads up to [`BATCH`] datagrams and one `sendmmsg` sends up to
//! [`BATCH`] (each to its own address), through tokio's readiness (`AsyncFd`), so a loop
//! turn costs two system calls whatever it moves. Elsewhere the same interface reads and
//! sends one datagram per call.

use std::net::SocketAddr;

/// Datagrams per system call.
pub(crate) const BATCH: usize = 64;
/// Room for one datagram: more than any path MTU; a longer one is dropped.
const DATAGRAM: usize = 2048;

/// What one read brought: up to [`BATCH`] datagrams and where each came from. Allocated
/// once and reused.
pub(crate) struct RecvBatch {
    bufs: Vec<u8>,
    lens: Vec<usize>,
    sources: Vec<Option<SocketAddr>>,
    /// When the kernel queued each datagram, in nanoseconds of the system clock (0 when
    /// unknown): how long datagrams wait before they are read is part of the latency.
    arrived: Vec<u64>,
    count: usize,
    #[cfg(target_os = "linux")]
    sys: linux::RecvScratch,
}

impl RecvBatch {
    pub fn new() -> RecvBatch {
        RecvBatch {
            bufs: vec![0; BATCH * DATAGRAM],
            lens: vec![0; BATCH],
            sources: vec![None; BATCH],
            arrived: vec![0; BATCH],
            count: 0,
            #[cfg(target_os = "linux")]
            sys: linux::RecvScratch::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.count
    }

    /// Bytes of the datagrams read.
    pub fn bytes(&self) -> usize {
        self.lens[..self.count].iter().sum()
    }

    /// Forgets the datagrams read.
    pub fn clear(&mut self) {
        self.count = 0;
    }

    /// The `i`th datagram and its source; `None` for one that was cut short or came
    /// from an address that is not IP.
    pub fn get(&self, i: usize) -> Option<(SocketAddr, &[u8])> {
        let source = (*self.sources.get(i)?)?;
        let len = *self.lens.get(i)?;
        let start = i * DATAGRAM;
        Some((source, self.bufs.get(start..start + len)?))
    }

    /// The kernel's arrival times of this batch's datagrams (see `arrived`).
    pub fn arrivals(&self) -> &[u64] {
        &self.arrived[..self.count]
    }
}

/// Transmits waiting for the end of the loop turn.
pub(crate) type Outbox = Vec<(SocketAddr, Vec<u8>)>;

#[cfg(target_os = "linux")]
pub(crate) use linux::MediaSocket;

#[cfg(not(target_os = "linux"))]
pub(crate) use plain::MediaSocket;

#[cfg(target_os = "linux")]
#[allow(
    unsafe_code,
    reason = "recvmmsg and sendmmsg through libc; each unsafe block says why it is sound"
)]
mod linux {
    use std::io;
    use std::mem::{size_of, zeroed};
    use std::net::{
        Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6, UdpSocket as StdUdpSocket,
    };
    use std::os::fd::AsRawFd;

    use tokio::io::Interest;
    use tokio::io::unix::AsyncFd;

    use super::{BATCH, DATAGRAM, Outbox, RecvBatch};

    /// The address and header arrays `recvmmsg` fills. Their pointers are set again
    /// before every call, so moving the batch between calls is harmless.
    pub(super) struct RecvScratch {
        names: Vec<libc::sockaddr_storage>,
        iovs: Vec<libc::iovec>,
        hdrs: Vec<libc::mmsghdr>,
        /// One control buffer per datagram for its arrival time; u64s for alignment.
        control: Vec<[u64; CONTROL_WORDS]>,
    }

    /// Room for one `SCM_TIMESTAMPNS` control message (header plus a timespec).
    const CONTROL_WORDS: usize = 8;
    // SAFETY (both): CMSG_SPACE only computes a size.
    const _: () = assert!(
        unsafe { libc::CMSG_SPACE(size_of::<libc::timespec>() as u32) } as usize
            <= size_of::<[u64; CONTROL_WORDS]>(),
        "the receive control buffer holds an SCM_TIMESTAMPNS message"
    );
    const _: () = assert!(
        unsafe { libc::CMSG_SPACE(size_of::<u16>() as u32) } as usize
            <= size_of::<[u64; SEND_CONTROL_WORDS]>(),
        "the send control buffer holds a UDP_SEGMENT message"
    );
    const _: () = assert!(
        MAX_SEGMENTS <= BATCH && DATAGRAM <= u16::MAX as usize,
        "a segmented send fits one batch of iovecs, a datagram's size a u16"
    );

    impl RecvScratch {
        pub(super) fn new() -> RecvScratch {
            // SAFETY: these are plain C structs for which all-zero bytes are a valid
            // value (null pointers, zero lengths).
            let (name, iov, hdr) = unsafe {
                (
                    zeroed::<libc::sockaddr_storage>(),
                    zeroed::<libc::iovec>(),
                    zeroed::<libc::mmsghdr>(),
                )
            };
            RecvScratch {
                names: vec![name; BATCH],
                iovs: vec![iov; BATCH],
                hdrs: vec![hdr; BATCH],
                control: vec![[0; CONTROL_WORDS]; BATCH],
            }
        }
    }

    pub(crate) struct MediaSocket {
        fd: AsyncFd<StdUdpSocket>,
        /// Destinations, buffers, control areas and headers for `sendmmsg`, reused.
        names: Vec<libc::sockaddr_storage>,
        iovs: Vec<libc::iovec>,
        controls: Vec<[u64; SEND_CONTROL_WORDS]>,
        hdrs: Vec<libc::mmsghdr>,
        /// Datagrams in each message of the last `fill`.
        segments: Vec<usize>,
        /// Whether runs of datagrams to one address go as one segmented send; off
        /// after the kernel refuses one.
        pub(super) gso: bool,
    }

    impl MediaSocket {
        /// Takes a non-blocking socket; must be called inside the Tokio runtime.
        pub fn new(socket: StdUdpSocket) -> io::Result<MediaSocket> {
            let scratch = RecvScratch::new();
            // Room for the datagrams of a whole batch or more each way (the kernel caps
            // this at net.core.[rw]mem_max; failing to raise it is harmless).
            for option in [libc::SO_RCVBUF, libc::SO_SNDBUF] {
                set_option(socket.as_raw_fd(), option, SOCKET_BUFFER);
            }
            // Arrival times, for the forwarding latency.
            set_option(socket.as_raw_fd(), libc::SO_TIMESTAMPNS, 1);
            // SAFETY: the socket owns its descriptor, which stays open and the same
            // until the AsyncFd (which owns the socket) is dropped.
            let fd = unsafe { AsyncFd::register_with_interest(socket, Interest::READABLE) }
                .map_err(|e| io::Error::other(e.to_string()))?;
            Ok(MediaSocket {
                fd,
                names: scratch.names,
                iovs: scratch.iovs,
                controls: vec![[0; SEND_CONTROL_WORDS]; BATCH],
                hdrs: scratch.hdrs,
                segments: vec![0; BATCH],
                gso: true,
            })
        }

        /// Waits until datagrams are queued and reads up to [`BATCH`] of them.
        ///
        /// Readiness is cleared only by a read that finds the queue empty (EAGAIN).
        /// Clearing it after a short read instead (`clear_ready`) saved that read but
        /// lost wake-ups in the benchmark: peers failed to connect and datagrams waited
        /// 10 ms and more.
        pub async fn recv(&self, batch: &mut RecvBatch) -> io::Result<usize> {
            loop {
                let mut guard = self.fd.readable().await?;
                match guard.try_io(|fd| recvmmsg(fd.as_raw_fd(), batch)) {
                    // Readiness stays set: the next turn reads again at once, and
                    // under load that read finds what arrived during the turn.
                    // (Clearing it after a short read cost an `epoll_wait` more.)
                    Ok(Ok(n)) => return Ok(n),
                    Ok(Err(e)) => return Err(e),
                    Err(_would_block) => {}
                }
            }
        }

        /// Sends everything in `out` and empties it: one `sendmmsg` per [`BATCH`]
        /// messages, where a message is one datagram or, with GSO, a run of datagrams
        /// to one address (`UDP_SEGMENT`: the kernel cuts it into datagrams of the first
        /// one's size, so all but the last must have that size). A forwarded video frame
        /// is a few equal packets to each receiver: one trip through the stack instead of
        /// one each. Returns how many datagrams went out; what the kernel refuses is
        /// dropped, as UDP may.
        pub fn send(&mut self, out: &mut Outbox) -> usize {
            let fd = self.fd.get_ref().as_raw_fd();
            if self.gso {
                // Each receiver's datagrams side by side, in the order they were queued.
                out.sort_by_key(|(to, _)| *to);
            }
            let mut sent = 0;
            let mut next = 0;
            while next < out.len() {
                let messages = self.fill(&out[next..]);
                // SAFETY: the first `messages` headers point at `self.names`,
                // `self.iovs` and `self.controls` entries set by `fill`, and each iovec
                // at a datagram in `out`; all of them live, unmoved, until the call
                // returns. The kernel only reads the buffers and writes `msg_len`.
                let r = unsafe {
                    libc::sendmmsg(
                        fd,
                        self.hdrs.as_mut_ptr(),
                        messages as libc::c_uint,
                        libc::MSG_DONTWAIT,
                    )
                };
                if r > 0 {
                    let done: usize = self.segments[..r as usize].iter().sum();
                    sent += done;
                    next += done;
                    continue;
                }
                let error = io::Error::last_os_error();
                if error.kind() == io::ErrorKind::WouldBlock {
                    // The send buffer is full: drop the rest of the turn.
                    break;
                }
                if self.segments[0] > 1 {
                    // The kernel or the route cannot segment: send one by one from now.
                    tracing::info!(error = %error, "UDP segmentation refused; sending datagrams one by one");
                    self.gso = false;
                } else {
                    // The first datagram was refused (a bad address): skip it.
                    next += 1;
                }
            }
            out.clear();
            sent
        }

        /// Points the headers at the messages `out` starts with; gives how many.
        fn fill(&mut self, out: &[(SocketAddr, Vec<u8>)]) -> usize {
            // One base pointer per array, every element's pointer derived from it:
            // indexing a Vec again would reborrow the whole array and, under Rust's
            // aliasing rules, invalidate the pointers already given to earlier headers.
            let names = self.names.as_mut_ptr();
            let iovs = self.iovs.as_mut_ptr();
            let controls = self.controls.as_mut_ptr();
            let mut messages = 0;
            let mut iov = 0;
            let mut at = 0;
            while messages < BATCH && iov < BATCH && at < out.len() {
                let (to, first) = &out[at];
                let size = first.len();
                let mut count = 1;
                while self.gso
                    && at + count < out.len()
                    && iov + count < BATCH
                    && count < MAX_SEGMENTS
                    && (count + 1) * size <= MAX_GSO_BYTES
                    && out[at + count].0 == *to
                    && out[at + count - 1].1.len() == size
                    && out[at + count].1.len() <= size
                {
                    count += 1;
                }
                // SAFETY: `messages` < BATCH and `iov + count` <= BATCH (the loops'
                // conditions), and each array holds BATCH elements, so every pointer
                // below stays inside its array; nothing else refers to them meanwhile.
                let (name, first_iov, control) = unsafe {
                    for (k, (_, data)) in out[at..at + count].iter().enumerate() {
                        iovs.add(iov + k).write(libc::iovec {
                            iov_base: data.as_ptr() as *mut libc::c_void,
                            iov_len: data.len(),
                        });
                    }
                    (names.add(messages), iovs.add(iov), controls.add(messages))
                };
                // SAFETY: as above; a reference to one element, from its own pointer.
                let name_len = encode(*to, unsafe { &mut *name });
                let control = if count > 1 {
                    // SAFETY: as above.
                    segment_size(unsafe { &mut *control }, size)
                } else {
                    (std::ptr::null_mut(), 0)
                };
                point_header(
                    &mut self.hdrs[messages],
                    (name, name_len),
                    (first_iov, count),
                    control,
                );
                self.segments[messages] = count;
                messages += 1;
                iov += count;
                at += count;
            }
            messages
        }
    }

    /// Datagrams in one segmented send, at most (the kernel's `UDP_MAX_SEGMENTS`).
    const MAX_SEGMENTS: usize = 64;
    /// Bytes in one segmented send, at most: a UDP datagram's limit, less headers.
    const MAX_GSO_BYTES: usize = 65_000;

    /// Writes a `UDP_SEGMENT` control message for datagrams of `size` bytes into
    /// `buf`; gives the control area for a header.
    fn segment_size(
        buf: &mut [u64; SEND_CONTROL_WORDS],
        size: usize,
    ) -> (*mut libc::c_void, usize) {
        let size = u16::try_from(size).unwrap_or(u16::MAX);
        let base = buf.as_mut_ptr().cast::<libc::c_void>();
        // SAFETY: CMSG_SPACE(2) fits the buffer (asserted at compile time), which is
        // u64-aligned as a cmsghdr needs; the header and the u16 after it are
        // written inside it. The msghdr here only carries the control area for the
        // CMSG_FIRSTHDR computation.
        unsafe {
            let mut hdr: libc::msghdr = zeroed();
            hdr.msg_control = base;
            hdr.msg_controllen = libc::CMSG_SPACE(size_of::<u16>() as u32) as usize;
            let cmsg = libc::CMSG_FIRSTHDR(&raw const hdr);
            (*cmsg).cmsg_level = libc::SOL_UDP;
            (*cmsg).cmsg_type = libc::UDP_SEGMENT;
            (*cmsg).cmsg_len = libc::CMSG_LEN(size_of::<u16>() as u32) as usize;
            std::ptr::write_unaligned(libc::CMSG_DATA(cmsg).cast::<u16>(), size);
            (base, hdr.msg_controllen)
        }
    }

    /// Room for one `UDP_SEGMENT` control message, in u64s for alignment.
    const SEND_CONTROL_WORDS: usize = 4;

    /// Points a message header at one address, `iov_len` buffers from `iov` and a
    /// control area (null and 0 for none), with the results of an earlier call cleared.
    fn point_header(
        hdr: &mut libc::mmsghdr,
        (name, name_len): (*mut libc::sockaddr_storage, libc::socklen_t),
        (iov, iov_len): (*mut libc::iovec, usize),
        (control, control_len): (*mut libc::c_void, usize),
    ) {
        hdr.msg_hdr.msg_name = name.cast();
        hdr.msg_hdr.msg_namelen = name_len;
        hdr.msg_hdr.msg_iov = iov;
        hdr.msg_hdr.msg_iovlen = iov_len;
        hdr.msg_hdr.msg_control = control;
        hdr.msg_hdr.msg_controllen = control_len;
        hdr.msg_hdr.msg_flags = 0;
        hdr.msg_len = 0;
    }

    /// Bytes asked for each socket buffer.
    const SOCKET_BUFFER: libc::c_int = 4 << 20;

    fn set_option(fd: libc::c_int, option: libc::c_int, value: libc::c_int) {
        // SAFETY: `fd` is an open socket, and the option value is a c_int whose address
        // and size are passed together; the kernel only reads it.
        unsafe {
            libc::setsockopt(
                fd,
                libc::SOL_SOCKET,
                option,
                (&raw const value).cast(),
                size_of::<libc::c_int>() as libc::socklen_t,
            );
        }
    }

    fn recvmmsg(fd: libc::c_int, batch: &mut RecvBatch) -> io::Result<usize> {
        let s = &mut batch.sys;
        // One base pointer per array, as in `fill`.
        let bufs = batch.bufs.as_mut_ptr();
        let names = s.names.as_mut_ptr();
        let iovs = s.iovs.as_mut_ptr();
        let controls = s.control.as_mut_ptr();
        for (i, hdr) in s.hdrs.iter_mut().enumerate() {
            // SAFETY: i < BATCH; `bufs` holds BATCH * DATAGRAM bytes and the other arrays
            // BATCH elements each, so every pointer stays inside its array.
            let (buf, name, iov, control) = unsafe {
                (
                    bufs.add(i * DATAGRAM),
                    names.add(i),
                    iovs.add(i),
                    controls.add(i),
                )
            };
            // SAFETY: `iov` points at this header's own iovec (see above).
            unsafe {
                iov.write(libc::iovec {
                    iov_base: buf.cast(),
                    iov_len: DATAGRAM,
                });
            }
            point_header(
                hdr,
                (name, size_of::<libc::sockaddr_storage>() as libc::socklen_t),
                (iov, 1),
                (control.cast(), size_of::<[u64; CONTROL_WORDS]>()),
            );
        }
        // SAFETY: every header points at its own `names` entry and control buffer
        // (sized as given) and its own iovec, which covers a distinct DATAGRAM-byte slice of `bufs`; all are
        // owned by `batch`, which is borrowed mutably for the whole call, so nothing
        // else touches or moves them while the kernel writes.
        let r = unsafe {
            libc::recvmmsg(
                fd,
                s.hdrs.as_mut_ptr(),
                BATCH as libc::c_uint,
                libc::MSG_DONTWAIT,
                std::ptr::null_mut(),
            )
        };
        if r < 0 {
            batch.count = 0;
            return Err(io::Error::last_os_error());
        }
        let n = r as usize;
        for i in 0..n {
            let hdr = &s.hdrs[i];
            let cut = hdr.msg_hdr.msg_flags & libc::MSG_TRUNC != 0;
            batch.lens[i] = (hdr.msg_len as usize).min(DATAGRAM);
            batch.sources[i] = if cut {
                None
            } else {
                decode(&s.names[i], hdr.msg_hdr.msg_namelen)
            };
            batch.arrived[i] = arrival(&hdr.msg_hdr);
        }
        batch.count = n;
        Ok(n)
    }

    /// The `SCM_TIMESTAMPNS` arrival time in a received header, in nanoseconds; 0 if none.
    fn arrival(hdr: &libc::msghdr) -> u64 {
        // SAFETY: `hdr` is a header recvmmsg just filled: its control pointer and length
        // describe our control buffer, and the CMSG macros stay within that length.
        // The timespec is read unaligned from the message's data.
        unsafe {
            let mut cmsg = libc::CMSG_FIRSTHDR(hdr);
            while !cmsg.is_null() {
                if (*cmsg).cmsg_level == libc::SOL_SOCKET
                    && (*cmsg).cmsg_type == libc::SCM_TIMESTAMPNS
                {
                    let t = libc::CMSG_DATA(cmsg)
                        .cast::<libc::timespec>()
                        .read_unaligned();
                    return u64::try_from(t.tv_sec).unwrap_or(0) * 1_000_000_000
                        + u64::try_from(t.tv_nsec).unwrap_or(0);
                }
                cmsg = libc::CMSG_NXTHDR(hdr, cmsg);
            }
        }
        0
    }

    fn decode(name: &libc::sockaddr_storage, len: libc::socklen_t) -> Option<SocketAddr> {
        let len = len as usize;
        match libc::c_int::from(name.ss_family) {
            libc::AF_INET if len >= size_of::<libc::sockaddr_in>() => {
                // SAFETY: the kernel wrote an AF_INET address of this size, and
                // sockaddr_storage is large and aligned enough for any sockaddr.
                let a = unsafe { &*(std::ptr::from_ref(name).cast::<libc::sockaddr_in>()) };
                Some(SocketAddr::V4(SocketAddrV4::new(
                    Ipv4Addr::from(u32::from_be(a.sin_addr.s_addr)),
                    u16::from_be(a.sin_port),
                )))
            }
            libc::AF_INET6 if len >= size_of::<libc::sockaddr_in6>() => {
                // SAFETY: as above, for an AF_INET6 address.
                let a = unsafe { &*(std::ptr::from_ref(name).cast::<libc::sockaddr_in6>()) };
                Some(SocketAddr::V6(SocketAddrV6::new(
                    Ipv6Addr::from(a.sin6_addr.s6_addr),
                    u16::from_be(a.sin6_port),
                    a.sin6_flowinfo,
                    a.sin6_scope_id,
                )))
            }
            _ => None,
        }
    }

    fn encode(to: SocketAddr, name: &mut libc::sockaddr_storage) -> libc::socklen_t {
        match to {
            SocketAddr::V4(a) => {
                // SAFETY: sockaddr_storage is large and aligned enough for a
                // sockaddr_in, and every field is overwritten here.
                let s = unsafe { &mut *(std::ptr::from_mut(name).cast::<libc::sockaddr_in>()) };
                s.sin_family = libc::AF_INET as libc::sa_family_t;
                s.sin_port = a.port().to_be();
                s.sin_addr = libc::in_addr {
                    s_addr: u32::from(*a.ip()).to_be(),
                };
                s.sin_zero = [0; 8];
                size_of::<libc::sockaddr_in>() as libc::socklen_t
            }
            SocketAddr::V6(a) => {
                // SAFETY: as above, for a sockaddr_in6.
                let s = unsafe { &mut *(std::ptr::from_mut(name).cast::<libc::sockaddr_in6>()) };
                s.sin6_family = libc::AF_INET6 as libc::sa_family_t;
                s.sin6_port = a.port().to_be();
                s.sin6_flowinfo = a.flowinfo();
                s.sin6_addr = libc::in6_addr {
                    s6_addr: a.ip().octets(),
                };
                s.sin6_scope_id = a.scope_id();
                size_of::<libc::sockaddr_in6>() as libc::socklen_t
            }
        }
    }
}

// Also built by the tests on Linux, so the fallback is compiled and tried somewhere.
#[cfg(any(not(target_os = "linux"), test))]
mod plain {
    use std::io;
    use std::net::UdpSocket as StdUdpSocket;

    use tokio::net::UdpSocket;

    use super::{BATCH, DATAGRAM, Outbox, RecvBatch};

    pub(crate) struct MediaSocket {
        socket: UdpSocket,
        /// The same socket, for sends: Tokio's `try_send_to` refuses until its
        /// reactor has seen the socket writable, which dropped every datagram of a
        /// turn sent before the first wait.
        sender: StdUdpSocket,
    }

    impl MediaSocket {
        /// Takes a non-blocking socket; must be called inside the Tokio runtime.
        pub fn new(socket: StdUdpSocket) -> io::Result<MediaSocket> {
            Ok(MediaSocket {
                sender: socket.try_clone()?,
                socket: UdpSocket::from_std(socket)?,
            })
        }

        pub async fn recv(&self, batch: &mut RecvBatch) -> io::Result<usize> {
            batch.count = 0;
            let (n, from) = self.socket.recv_from(&mut batch.bufs[..DATAGRAM]).await?;
            batch.lens[0] = n;
            batch.sources[0] = Some(from);
            batch.arrived.fill(0);
            batch.count = 1;
            while batch.count < BATCH {
                let i = batch.count;
                let buf = &mut batch.bufs[i * DATAGRAM..(i + 1) * DATAGRAM];
                match self.socket.try_recv_from(buf) {
                    Ok((n, from)) => {
                        batch.lens[i] = n;
                        batch.sources[i] = Some(from);
                        batch.count += 1;
                    }
                    Err(_) => break,
                }
            }
            Ok(batch.count)
        }

        pub fn send(&mut self, out: &mut Outbox) -> usize {
            let sent = out
                .iter()
                .filter(|(to, data)| self.sender.send_to(data, *to).is_ok())
                .count();
            out.clear();
            sent
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
#[path = "udp_tests.rs"]
mod tests;
