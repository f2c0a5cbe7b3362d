//! One visit in Janus's VideoRoom, as OpenVisit carries one: a room; each party
//! publishes its camera and microphone (a send-only peer offering, the same generator
//! and rate as in OpenVisit's run) and receives the other party's (Janus offers, a
//! receive-only peer answers); on every fourth visit a monitor receives both parties on
//! one connection. Janus lets a feed be received only once its publisher's connection
//! is up, so a visit opens in two steps: `publish`, then, once the publishers are
//! connected, `receive`.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::Duration;

use openvisit_media::loopback::{AnsweringPeer, Latencies, LoopbackPeer, OfferingPeer, SendRate};
use serde_json::json;

use super::api::{Session, jsep_sdp};

/// A visit's peers in Janus.
pub(crate) struct VisitPeers {
    room: u64,
    feeds: [u64; 2],
    /// The parties' send-only peers.
    pub publishers: Vec<LoopbackPeer>,
    /// The parties' receive-only peers, each receiving the other party.
    pub receivers: Vec<LoopbackPeer>,
    /// The monitor's receive-only peer, receiving both parties.
    pub monitor: Option<LoopbackPeer>,
}

/// Where the peers run: tasks on the bench's peers' runtime, or a thread each.
#[derive(Clone, Copy)]
pub(crate) struct Setup<'a> {
    pub session: &'a Session,
    /// A handle outside any room, to create rooms with.
    pub control: u64,
    pub host: Ipv4Addr,
    pub latencies: &'a Arc<Latencies>,
    pub peers_on: Option<&'a tokio::runtime::Handle>,
}

/// Opens visit `v` (room and feed ids derived from it) and starts its publishers.
pub(crate) async fn publish(setup: Setup<'_>, v: usize) -> anyhow::Result<VisitPeers> {
    let Setup { session, .. } = setup;
    let room = 100_000 + u64::try_from(v)?;
    session
        .message(
            setup.control,
            json!({
                "request": "create",
                "room": room,
                "is_private": true,
                "publishers": 3,
                "bitrate": 3_000_000,
                "bitrate_cap": false,
                "fir_freq": 0,
                "audiocodec": "opus",
                "videocodec": "vp8",
                "transport_wide_cc_ext": true,
                "notify_joining": false,
            }),
        )
        .await?;
    let feeds = [room * 10 + 1, room * 10 + 2];
    let mut publishers = Vec::new();
    for feed in feeds {
        publishers.push(publisher(setup, room, feed).await?);
    }
    Ok(VisitPeers {
        room,
        feeds,
        publishers,
        receivers: Vec::new(),
        monitor: None,
    })
}

/// Starts what receives in a visit whose publishers are connected: each party's
/// receiver, and the monitor if `monitored`.
pub(crate) async fn receive(
    setup: Setup<'_>,
    visit: &mut VisitPeers,
    monitored: bool,
) -> anyhow::Result<()> {
    let (room, feeds) = (visit.room, visit.feeds);
    // The first party receives the second's feed, the second the first's.
    for other in [feeds[1], feeds[0]] {
        visit
            .receivers
            .push(subscribe(setup, room, &[other]).await?);
    }
    if monitored {
        visit.monitor = Some(subscribe(setup, room, &feeds).await?);
    }
    Ok(())
}

/// A party's camera and microphone into the room as feed `feed`.
async fn publisher(setup: Setup<'_>, room: u64, feed: u64) -> anyhow::Result<LoopbackPeer> {
    let session = setup.session;
    let handle = session.attach().await?;
    session
        .exchange(
            handle,
            json!({"request": "join", "ptype": "publisher", "room": room, "id": feed}),
            None,
        )
        .await?;
    let offering = OfferingPeer::publisher(IpAddr::V4(setup.host))?.with_latencies(setup.latencies);
    let event = session
        .exchange(
            handle,
            json!({"request": "configure", "audio": true, "video": true}),
            Some(json!({"type": "offer", "sdp": offering.offer_sdp})),
        )
        .await?;
    let answer = jsep_sdp(&event, "answer")?;
    let rate = Some(SendRate::VISIT);
    Ok(match setup.peers_on {
        Some(rt) => offering.start_on(&answer, rate, rt)?,
        None => offering.start(&answer, rate)?,
    })
}

/// A receive-only connection to `feeds` (each already published).
async fn subscribe(setup: Setup<'_>, room: u64, feeds: &[u64]) -> anyhow::Result<LoopbackPeer> {
    let session = setup.session;
    let handle = session.attach().await?;
    let streams: Vec<_> = feeds.iter().map(|feed| json!({"feed": feed})).collect();
    let join = json!({"request": "join", "ptype": "subscriber", "room": room, "streams": streams});
    // Until Janus has finished its side of a publisher's connection (a moment after
    // ours), the feed is not there yet: 428, asked again.
    let mut tries = 0;
    let event = loop {
        match session.exchange(handle, join.clone(), None).await {
            Err(e) if tries < 50 && e.to_string().contains("428") => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            result => break result?,
        }
    };
    let offer = jsep_sdp(&event, "offer")?;
    let answering =
        AnsweringPeer::receiver(IpAddr::V4(setup.host), &offer)?.with_latencies(setup.latencies);
    session
        .exchange(
            handle,
            json!({"request": "start"}),
            Some(json!({"type": "answer", "sdp": answering.answer_sdp})),
        )
        .await?;
    Ok(match setup.peers_on {
        Some(rt) => answering.start_on(rt),
        None => answering.start()?,
    })
}
