//! How clients reach the media port: over TCP when their network blocks UDP, and at the
//! public address when the port is bound to every interface (behind NAT).

mod common;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use openvisit_media::loopback::{LoopbackPeer, OfferingPeer, SendRate};
use openvisit_media::{MediaConfig, MediaServer, RoomId, RoomRole};

use common::{LOOPBACK, open_room, wait_for};

/// A visitor or resident on UDP.
fn party() -> OfferingPeer {
    OfferingPeer::party(LOOPBACK).expect("peer")
}

/// Admits and starts the peer; also the candidate lines of the server's answer.
async fn admit(
    media: &MediaServer,
    room: RoomId,
    role: RoomRole,
    peer: OfferingPeer,
) -> (LoopbackPeer, Vec<String>) {
    let admitted = media
        .admit(room, role, peer.offer_sdp.clone())
        .await
        .expect("admitted");
    let answered = candidate_lines(&admitted.answer_sdp)
        .into_iter()
        .map(str::to_owned)
        .collect();
    let started = peer
        .start(&admitted.answer_sdp, Some(SendRate::LIGHT))
        .expect("peer starts");
    (started, answered)
}

/// Opens the gate and waits for audio and video to cross both ways.
async fn media_flows(media: &MediaServer, room: RoomId, a: &LoopbackPeer, b: &LoopbackPeer) {
    wait_for("both connected", || a.is_connected() && b.is_connected()).await;
    media
        .set_gate(room, Some(Instant::now() + Duration::from_secs(60)))
        .expect("gate");
    wait_for("audio and video both ways", || {
        (0..2).all(|line| a.received(line) > 5 && b.received(line) > 5)
    })
    .await;
}

/// The server's candidates (each bundled section repeats them; counted once).
fn candidate_lines(sdp: &str) -> Vec<&str> {
    let mut lines: Vec<&str> = sdp
        .lines()
        .filter(|l| l.starts_with("a=candidate"))
        .collect();
    lines.sort_unstable();
    lines.dedup();
    lines
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_party_whose_network_blocks_udp_gets_media_over_tcp() {
    let (media, _events) = MediaServer::start(&MediaConfig {
        bind: SocketAddr::new(LOOPBACK, 0),
        public_ip: None,
        tcp_only: false,
    })
    .expect("media server starts");
    assert!(media.serves_tcp());
    let room = RoomId(1);
    open_room(&media, room);

    let over_tcp = OfferingPeer::party_over_tcp(media.local_addr()).expect("TCP connects");
    let offered = candidate_lines(&over_tcp.offer_sdp);
    assert!(
        !offered.is_empty() && offered.iter().all(|l| l.contains(" tcp ")),
        "the visitor offers TCP only: {offered:?}"
    );
    let (visitor, answered) = admit(&media, room, RoomRole::Visitor, over_tcp).await;
    assert!(
        answered.iter().any(|l| l.contains(" udp "))
            && answered
                .iter()
                .any(|l| l.contains(" tcp ") && l.contains("tcptype passive")),
        "the server offers UDP and passive TCP: {answered:?}"
    );
    let (resident, _) = admit(&media, room, RoomRole::Resident, party()).await;
    media_flows(&media, room, &visitor, &resident).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_port_bound_to_every_interface_is_reached_at_its_public_address() {
    let (media, _events) = MediaServer::start(&MediaConfig {
        bind: SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0),
        public_ip: Some(LOOPBACK),
        tcp_only: false,
    })
    .expect("media server starts");
    let public = SocketAddr::new(LOOPBACK, media.local_addr().port());
    let room = RoomId(2);
    open_room(&media, room);
    let (visitor, _) = admit(&media, room, RoomRole::Visitor, party()).await;
    let (resident, _) = admit(
        &media,
        room,
        RoomRole::Resident,
        OfferingPeer::party_over_tcp(public).expect("TCP connects"),
    )
    .await;
    media_flows(&media, room, &visitor, &resident).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_the_port_number_is_taken_for_tcp_the_server_offers_udp_alone() {
    let taken = std::net::TcpListener::bind(SocketAddr::new(LOOPBACK, 0)).expect("TCP port");
    let (media, _events) = MediaServer::start(&MediaConfig {
        bind: taken.local_addr().expect("addr"),
        public_ip: None,
        tcp_only: false,
    })
    .expect("the media server starts on UDP");
    assert!(!media.serves_tcp());
    let room = RoomId(3);
    open_room(&media, room);
    let (visitor, answered) = admit(&media, room, RoomRole::Visitor, party()).await;
    assert!(
        answered.len() == 1 && answered[0].contains(" udp "),
        "UDP alone: {answered:?}"
    );
    let (resident, _) = admit(&media, room, RoomRole::Resident, party()).await;
    media_flows(&media, room, &visitor, &resident).await;
}
