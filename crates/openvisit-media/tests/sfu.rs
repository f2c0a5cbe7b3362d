//! The media server with real WebRTC peers (str0m clients) on loopback: what is forwarded,
//! to whom, and when it stops.

mod common;

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime};

use openvisit_media::loopback::{LoopbackPeer, OfferingPeer, SendRate};
use openvisit_media::{
    EndCause, MediaConfig, MediaError, MediaEvent, MediaServer, RoomId, RoomOptions, RoomRole,
};
use tokio::sync::mpsc::UnboundedReceiver;

use common::{LOOPBACK, open_room, wait_for};

fn server() -> (MediaServer, UnboundedReceiver<MediaEvent>) {
    MediaServer::start(&MediaConfig {
        bind: SocketAddr::new(LOOPBACK, 0),
        public_ip: None,
        tcp_only: false,
    })
    .expect("media server starts")
}

async fn join(
    media: &MediaServer,
    room: RoomId,
    role: RoomRole,
    rate: Option<SendRate>,
) -> LoopbackPeer {
    let offering = match role {
        RoomRole::Monitor => OfferingPeer::monitor(LOOPBACK),
        _ => OfferingPeer::party(LOOPBACK),
    }
    .expect("peer socket");
    let admitted = media
        .admit(room, role, offering.offer_sdp.clone())
        .await
        .expect("admitted");
    offering
        .start(&admitted.answer_sdp, rate)
        .expect("peer starts")
}

/// A visitor and a resident sending at `rate`, connected, and the room's gate open for
/// 30 s.
async fn both_parties_in_an_open_room(
    media: &MediaServer,
    room: RoomId,
    rate: SendRate,
) -> (LoopbackPeer, LoopbackPeer) {
    let visitor = join(media, room, RoomRole::Visitor, Some(rate)).await;
    let resident = join(media, room, RoomRole::Resident, Some(rate)).await;
    wait_for("both connected", || {
        visitor.is_connected() && resident.is_connected()
    })
    .await;
    media
        .set_gate(room, Some(Instant::now() + Duration::from_secs(30)))
        .expect("gate");
    (visitor, resident)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_flows_both_ways_only_while_the_gate_is_open_and_stops_at_the_deadline() {
    let (media, mut events) = server();
    let room = RoomId(1);
    open_room(&media, room);
    let visitor = join(&media, room, RoomRole::Visitor, Some(SendRate::LIGHT)).await;
    let resident = join(&media, room, RoomRole::Resident, Some(SendRate::LIGHT)).await;
    wait_for("both connected", || {
        visitor.is_connected() && resident.is_connected()
    })
    .await;

    // Connected and sending, but the gate is shut: nothing crosses.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(
        visitor.total_received(),
        0,
        "no media before the visit starts"
    );
    assert_eq!(
        resident.total_received(),
        0,
        "no media before the visit starts"
    );

    let deadline = Instant::now() + Duration::from_secs(3);
    let deadline_on_the_system_clock = SystemTime::now() + Duration::from_secs(3);
    media.set_gate(room, Some(deadline)).expect("gate");
    wait_for("audio and video both ways", || {
        (0..2).all(|line| visitor.received(line) > 5 && resident.received(line) > 5)
    })
    .await;

    // A monitor receives both sides on its four lines.
    let monitor = join(&media, room, RoomRole::Monitor, None).await;
    wait_for("monitor receives both parties", || {
        (0..4).all(|line| monitor.received(line) > 3)
    })
    .await;
    // The parties still have only their own two lines: nobody new appears to them.
    assert_eq!(visitor.received(2) + visitor.received(3), 0);
    assert_eq!(resident.received(2) + resident.received(3), 0);

    // The server ends the room at the deadline by itself.
    let ended = loop {
        match tokio::time::timeout(Duration::from_secs(10), events.recv()).await {
            Ok(Some(MediaEvent::RoomEnded { room: r, cause })) if r == room => {
                break (Instant::now(), cause);
            }
            Ok(Some(_)) => continue,
            other => panic!("no end event: {other:?}"),
        }
    };
    assert_eq!(ended.1, EndCause::Deadline);
    let late = ended.0.saturating_duration_since(deadline);
    assert!(
        late < Duration::from_millis(100),
        "ended {late:?} after the deadline"
    );

    // Nothing is forwarded after the end, whatever the clients keep sending.
    let after_end = Instant::now() + Duration::from_millis(150);
    tokio::time::sleep(Duration::from_millis(150)).await;
    let counts = (visitor.total_received(), resident.total_received());
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(
        counts,
        (visitor.total_received(), resident.total_received())
    );
    for peer in [&visitor, &resident, &monitor] {
        if let Some(last) = peer.last_received_at() {
            assert!(last <= after_end, "media arrived after the end");
        }
    }
    // The server's own record: its last send of media was within 100 ms of the end.
    let sent = media.last_media_sent().expect("media was sent");
    let late = sent
        .duration_since(deadline_on_the_system_clock)
        .unwrap_or_default();
    assert!(
        late < Duration::from_millis(100),
        "the server sent media {late:?} after the deadline"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_privileged_room_refuses_monitors() {
    let (media, _events) = server();
    let room = RoomId(7);
    media
        .open_room(
            room,
            RoomOptions {
                record_to: None,
                monitorable: false,
            },
        )
        .expect("room");
    let offering = OfferingPeer::monitor(LOOPBACK).expect("peer");
    let refused = media
        .admit(room, RoomRole::Monitor, offering.offer_sdp)
        .await;
    assert_eq!(refused, Err(MediaError::NotMonitorable));
    // A room that was never opened refuses everyone.
    let offering = OfferingPeer::party(LOOPBACK).expect("peer");
    let refused = media
        .admit(RoomId(8), RoomRole::Visitor, offering.offer_sdp)
        .await;
    assert_eq!(refused, Err(MediaError::NoRoom));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flow_reports_say_when_media_fails_on_the_server() {
    let (media, mut events) = server();
    let room = RoomId(3);
    open_room(&media, room);
    let (visitor, _resident) = both_parties_in_an_open_room(&media, room, SendRate::LIGHT).await;

    let mut next_flow = async || loop {
        match tokio::time::timeout(Duration::from_secs(5), events.recv()).await {
            Ok(Some(MediaEvent::Flow {
                visitor, resident, ..
            })) => return (visitor, resident),
            Ok(Some(_)) => continue,
            other => panic!("no flow report: {other:?}"),
        }
    };
    // Flowing both ways (allow the first report to come before the first frames).
    let mut flowing = next_flow().await;
    if flowing != (true, true) {
        flowing = next_flow().await;
    }
    assert_eq!(flowing, (true, true));

    // A server-side fault: every packet dropped. Both sides stop flowing.
    media.inject_fault(room, true).expect("fault");
    next_flow().await;
    assert_eq!(next_flow().await, (false, false));

    // Repaired: it flows again.
    media.inject_fault(room, false).expect("repair");
    next_flow().await;
    assert_eq!(next_flow().await, (true, true));

    // One side stops sending: only that side is reported as not flowing.
    visitor.set_sending(false);
    next_flow().await;
    assert_eq!(next_flow().await, (false, true));
    media.end_room(room).expect("end");
}

/// Video frames of four packets each, and Opus: a lost packet costs a whole frame unless
/// it is repaired.
const FOUR_PACKET_FRAMES: SendRate = SendRate {
    video_fps: 20,
    video_frame_bytes: 4000,
    audio_pps: 50,
    audio_bytes: 80,
};

/// Video frames `from` sent and `to` received in `window`.
async fn frames_across(from: &LoopbackPeer, to: &LoopbackPeer, window: Duration) -> (u64, u64) {
    let sent = || from.counters.sent_video.load(Ordering::Relaxed);
    let (sent0, got0) = (sent(), to.received(1));
    tokio::time::sleep(window).await;
    (sent() - sent0, to.received(1) - got0)
}

/// One video packet in ten lost on the visitor's uplink: the server asks for the lost
/// packets again (NACK) and the resident still gets nearly every frame, where without
/// repair about half of the frames (four packets each) never complete. The same
/// on the resident's downlink: the server resends from its own copies. With all of the
/// visitor's video lost, the resident still hears them; and video comes back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn video_recovers_from_loss_and_audio_goes_on_without_video() {
    let (media, _events) = server();
    let room = RoomId(5);
    open_room(&media, room);
    let (visitor, resident) = both_parties_in_an_open_room(&media, room, FOUR_PACKET_FRAMES).await;
    wait_for("video both ways", || {
        visitor.received(1) > 5 && resident.received(1) > 5
    })
    .await;

    for (link, lossy) in [("uplink", &visitor), ("downlink", &resident)] {
        if link == "uplink" {
            lossy.lose_video_out(10);
        } else {
            lossy.lose_video_in(10);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        let (sent, got) = frames_across(&visitor, &resident, Duration::from_secs(3)).await;
        assert!(sent >= 40, "the visitor sent {sent} frames");
        assert!(
            got * 100 >= sent * 95,
            "with 10% of packets lost on the {link}, the resident got {got} of {sent} frames"
        );
        lossy.lose_video_out(0);
        lossy.lose_video_in(0);
    }

    visitor.lose_video_out(1);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let audio = resident.received(0);
    let (sent, got) = frames_across(&visitor, &resident, Duration::from_secs(2)).await;
    let heard = resident.received(0) - audio;
    assert_eq!(got, 0, "no video gets through ({sent} frames sent)");
    assert!(
        heard >= 80,
        "audio goes on without video: {heard} packets in 2 s"
    );

    visitor.lose_video_out(0);
    let before = resident.received(1);
    wait_for("video again", || resident.received(1) > before + 10).await;
    media.end_room(room).expect("end");
}

/// A receiver that reports a lost picture twice within the server's throttle (500 ms
/// between repair requests to one sender) gets its second request through when the
/// throttle ends, not dropped: the sender is asked twice, the second time about 400 ms
/// after the first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repair_request_within_the_throttle_reaches_the_sender_when_it_ends() {
    let (media, _events) = server();
    let room = RoomId(6);
    open_room(&media, room);
    let (visitor, resident) = both_parties_in_an_open_room(&media, room, SendRate::LIGHT).await;
    wait_for("video both ways", || {
        visitor.received(1) > 2 && resident.received(1) > 2
    })
    .await;
    // Past the throttle of the requests made when the gate opened.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let asked = || visitor.counters.keyframe_requests.load(Ordering::Relaxed);
    let before = asked();

    resident.report_lost_picture();
    wait_for("the first request", || asked() > before).await;
    let first = Instant::now();
    tokio::time::sleep(Duration::from_millis(100)).await;
    resident.report_lost_picture();
    wait_for("the second request, held back", || asked() > before + 1).await;
    let gap = first.elapsed();
    assert!(
        gap >= Duration::from_millis(300),
        "the second request came {gap:?} after the first, inside the throttle"
    );
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(asked(), before + 2, "one request per report, no more");
    media.end_room(room).expect("end");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recorded_room_leaves_a_playable_webm_per_party() {
    let (media, mut events) = server();
    let folder = std::env::temp_dir().join(format!("ov-rec-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    let room = RoomId(11);
    media
        .open_room(
            room,
            RoomOptions {
                record_to: Some(folder.clone()),
                monitorable: true,
            },
        )
        .expect("room");
    let visitor = join(&media, room, RoomRole::Visitor, Some(SendRate::LIGHT)).await;
    let resident = join(&media, room, RoomRole::Resident, Some(SendRate::LIGHT)).await;
    wait_for("both connected", || {
        visitor.is_connected() && resident.is_connected()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    media
        .set_gate(room, Some(Instant::now() + Duration::from_secs(2)))
        .expect("gate");
    let closed = loop {
        match tokio::time::timeout(Duration::from_secs(10), events.recv()).await {
            Ok(Some(MediaEvent::RecordingClosed { room: r, folder })) if r == room => break folder,
            Ok(Some(_)) => continue,
            other => panic!("no recording: {other:?}"),
        }
    };
    assert_eq!(closed, folder);
    let files = openvisit_media::assemble_recording(&folder).expect("assembled");
    let names: Vec<_> = files
        .iter()
        .map(|f| {
            f.path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("")
                .to_owned()
        })
        .collect();
    assert_eq!(names, ["visitor.webm", "resident.webm"]);
    for f in &files {
        let bytes = std::fs::read(&f.path).expect("file");
        assert_eq!(
            &bytes[..4],
            &[0x1a, 0x45, 0xdf, 0xa3],
            "an EBML (WebM) file"
        );
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            text.contains("V_VP8") && text.contains("A_OPUS"),
            "VP8 and Opus tracks"
        );
        // Two seconds of light media: well over a few kilobytes, far under a minute's.
        assert!(f.bytes > 10_000 && f.bytes < 2_000_000, "{} bytes", f.bytes);
    }
    // The raw tracks are gone once assembled.
    let left: Vec<_> = std::fs::read_dir(&folder)
        .expect("folder")
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "raw"))
        .collect();
    assert!(left.is_empty());
    let _ = std::fs::remove_dir_all(&folder);
}

/// A resident on a slow downlink (400 kbit/s, against the visitor's 1 Mbit/s camera):
/// the server's estimate of that downlink falls, and it tells the visitor's sender to
/// send no more than that (a REMB ceiling), where a real browser lowers its bitrate.
/// The visitor's own downlink is fast: the resident's camera is left alone, even with
/// a staff monitor on a slow link watching both. When the resident's link is fast
/// again, the visitor's ceiling rises again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_downlink_caps_the_other_partys_camera_and_a_monitor_caps_nobody() {
    let (media, mut events) = server();
    let room = RoomId(8);
    open_room(&media, room);
    let (visitor, resident) = both_parties_in_an_open_room(&media, room, SendRate::VISIT).await;
    let monitor = join(&media, room, RoomRole::Monitor, None).await;
    wait_for("the monitor connected", || monitor.is_connected()).await;
    let ceiling = |p: &LoopbackPeer| p.uplink_ceiling().unwrap_or(u64::MAX);
    // Fast links both ways: what the parties send is not held down.
    wait_for("a ceiling for each party", || {
        visitor.uplink_ceiling().is_some() && resident.uplink_ceiling().is_some()
    })
    .await;
    assert!(
        ceiling(&visitor) >= 1_000_000,
        "{:?}",
        visitor.uplink_ceiling()
    );
    // The flow reports carry the same estimates, for the pages' note.
    let fast = |d: Option<u64>| d.is_some_and(|d| d >= 1_000_000);
    downlinks_reported(&mut events, "both downlinks fast", |v, r| {
        fast(v) && fast(r)
    })
    .await;

    resident.limit_downlink(400);
    monitor.limit_downlink(300);
    let slowed = Instant::now();
    wait_for(
        "the visitor's ceiling to fall to the resident's 400 kbit/s",
        || ceiling(&visitor) <= 450_000,
    )
    .await;
    eprintln!(
        "the visitor was capped {:?} after the resident's link slowed",
        slowed.elapsed()
    );
    downlinks_reported(&mut events, "the resident's downlink slow", |v, r| {
        fast(v) && r.is_some_and(|r| r <= 450_000)
    })
    .await;
    // The monitor's slow link has had as long: the resident's camera is not held down.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(
        ceiling(&resident) >= 1_000_000,
        "the resident's camera was capped at {:?} bit/s by a monitor's slow link",
        resident.uplink_ceiling()
    );

    resident.limit_downlink(0);
    wait_for("the visitor's ceiling to rise again", || {
        ceiling(&visitor) >= 1_000_000
    })
    .await;
    media.end_room(room).expect("end");
}

/// Waits (up to 10 s) for a flow report whose downlink estimates (visitor, resident)
/// satisfy `ok`.
async fn downlinks_reported(
    events: &mut UnboundedReceiver<MediaEvent>,
    what: &str,
    ok: impl Fn(Option<u64>, Option<u64>) -> bool,
) {
    let until = tokio::time::Instant::now() + Duration::from_secs(10);
    let mut last = None;
    loop {
        match tokio::time::timeout_at(until, events.recv()).await {
            Ok(Some(MediaEvent::Flow {
                visitor_downlink,
                resident_downlink,
                ..
            })) => {
                if ok(visitor_downlink, resident_downlink) {
                    return;
                }
                last = Some((visitor_downlink, resident_downlink));
            }
            Ok(Some(_)) => {}
            _ => panic!("no flow report with {what}; the last said {last:?}"),
        }
    }
}

/// A stack that reads candidates per media section (not only the first, as browsers
/// with BUNDLE do) finds the server's in every section of every answer: a party's two
/// and a monitor's four receive-only ones, each closed by `a=end-of-candidates`.
#[test]
fn every_section_of_an_answer_carries_the_servers_candidates() {
    for offering in [OfferingPeer::party, OfferingPeer::monitor] {
        let offer = offering(LOOPBACK).expect("peer").offer_sdp;
        let answer = openvisit_media::answer_offer_as_server(&offer).expect("answer");
        let sections: Vec<&str> = answer.split("\r\nm=").skip(1).collect();
        assert!(sections.len() >= 2, "{answer}");
        for s in sections {
            assert!(
                s.contains("a=candidate:"),
                "a section without candidates:\n{answer}"
            );
            assert!(s.contains("a=end-of-candidates"), "{answer}");
        }
    }
}

/// The opus fmtp line the answer gives for payload type `pt`.
fn opus_fmtp(answer: &str, pt: &str) -> String {
    assert!(
        answer.contains(&format!("a=rtpmap:{pt} opus/48000/2")),
        "opus not accepted on {pt}:\n{answer}"
    );
    answer
        .lines()
        .find(|l| l.starts_with(&format!("a=fmtp:{pt} ")))
        .unwrap_or_else(|| panic!("no fmtp for {pt}:\n{answer}"))
        .to_owned()
}

/// Audio that survives a lossy link and costs nothing in silence: the answer takes Opus
/// with in-band FEC and DTX from the offers of Chromium (fmtp with FEC), Firefox (its own
/// payload type and fmtp) and aiortc (no fmtp at all), so every one of them connects.
#[test]
fn the_answer_takes_opus_with_fec_and_dtx_from_every_kind_of_offer() {
    let chromium = OfferingPeer::party(LOOPBACK).expect("peer").offer_sdp;
    assert!(chromium.contains("a=rtpmap:111 opus/48000/2"), "{chromium}");
    let without_fmtp: String = chromium
        .split("\r\n")
        .filter(|l| !l.starts_with("a=fmtp:111"))
        .collect::<Vec<_>>()
        .join("\r\n");
    let firefox = without_fmtp
        .replace("UDP/TLS/RTP/SAVPF 111", "UDP/TLS/RTP/SAVPF 109")
        .replace(
            "a=rtpmap:111 opus/48000/2",
            "a=rtpmap:109 opus/48000/2\r\na=fmtp:109 maxplaybackrate=48000;stereo=1;useinbandfec=1",
        )
        .replace("a=rtcp-fb:111", "a=rtcp-fb:109");
    for (stack, offer, pt) in [
        ("chromium", chromium.clone(), "111"),
        ("firefox", firefox, "109"),
        ("aiortc", without_fmtp, "111"),
    ] {
        let answer = openvisit_media::answer_offer_as_server(&offer)
            .unwrap_or_else(|e| panic!("{stack}: {e}"));
        let fmtp = opus_fmtp(&answer, pt);
        assert!(fmtp.contains("useinbandfec=1"), "{stack}: {fmtp}");
        assert!(fmtp.contains("usedtx=1"), "{stack}: {fmtp}");
    }
}
