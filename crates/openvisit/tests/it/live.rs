//! Live visits through the real server: tickets, the signaling socket, headless WebRTC
//! peers (str0m) on loopback, the enforced end, staff monitoring and ending, and the
//! money that follows.

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use jiff::Timestamp;
use openvisit_core::{KioskId, ResidentId, VisitId};
use openvisit_media::loopback::{LoopbackPeer, OfferingPeer, SendRate};
use openvisit_store::kiosks::issue_kiosk_key;
use openvisit_store::resident_pins::set_resident_pin;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::harness::*;

const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// One participant: the signaling socket and, once it has offered, its media peer.
struct Participant {
    ws: Socket,
    peer: Option<LoopbackPeer>,
    /// Every message the server sent, in order.
    seen: Vec<Value>,
}

impl Participant {
    async fn connect(app: &TestApp, ticket: &Value) -> Participant {
        let path = ticket["socket"].as_str().expect("socket path");
        let url = format!("{}{}", app.base.replace("http://", "ws://"), path);
        let (ws, _) = tokio_tungstenite::connect_async(url).await.expect("socket");
        Participant {
            ws,
            peer: None,
            seen: Vec::new(),
        }
    }

    async fn send(&mut self, message: Value) {
        self.ws
            .send(Message::Text(message.to_string().into()))
            .await
            .expect("send");
    }

    /// Waits for the next message of `kind`, keeping everything seen.
    async fn expect(&mut self, kind: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let next = tokio::time::timeout(left, self.ws.next())
                .await
                .unwrap_or_else(|_| panic!("no {kind} message; saw {:?}", self.seen));
            let Some(Ok(Message::Text(text))) = next else {
                panic!("socket closed before {kind}; saw {:?}", self.seen);
            };
            let v: Value = serde_json::from_str(text.as_str()).expect("json");
            self.seen.push(v.clone());
            if v["type"] == kind {
                return v;
            }
        }
    }

    /// Sends an offer from a new headless peer and starts it with the answer.
    async fn start_media(&mut self, monitor: bool) {
        let offering = if monitor {
            OfferingPeer::monitor(LOOPBACK)
        } else {
            OfferingPeer::party(LOOPBACK)
        }
        .expect("peer");
        self.send(json!({ "type": "offer", "sdp": offering.offer_sdp }))
            .await;
        let answer = self.expect("answer").await;
        let rate = (!monitor).then_some(SendRate::LIGHT);
        self.peer = Some(
            offering
                .start(answer["sdp"].as_str().expect("sdp"), rate)
                .expect("peer starts"),
        );
    }

    fn peer(&self) -> &LoopbackPeer {
        self.peer.as_ref().expect("media started")
    }
}

/// GETs raw bytes with a client's session.
async fn fetch(client: &Client, path: &str) -> (u16, Vec<u8>) {
    let mut r = client.http.get(format!("{}{}", client.base, path));
    if let Some(c) = &client.cookie {
        r = r.header("cookie", c);
    }
    let r = r.send().await.expect("request");
    let status = r.status().as_u16();
    (
        status,
        r.bytes().await.map(|b| b.to_vec()).unwrap_or_default(),
    )
}

async fn wait_for(what: &str, mut ok: impl FnMut() -> bool) {
    let until = Instant::now() + Duration::from_secs(15);
    while !ok() {
        assert!(Instant::now() < until, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Moves the server's clock so that it reads `at` now.
fn set_clock(app: &TestApp, at: Timestamp) {
    let now = app.state.clock.now();
    app.state
        .clock
        .advance_seconds(at.as_second() - now.as_second());
}

struct Booked {
    visit: i64,
    start: Timestamp,
    kiosk_key: String,
    visitor: Client,
    staff_email: String,
    resident: ResidentId,
}

impl Booked {
    /// Staff sign in when they need to (the test moves the clock past old sessions).
    async fn staff(&self, app: &TestApp) -> Client {
        app.client_for(&self.staff_email, STAFF_PASSWORD).await
    }
}

async fn book(app: &TestApp) -> Booked {
    book_with(app, false).await
}

/// Books a visit; with `privileged`, staff first grant the approval attorney status.
async fn book_with(app: &TestApp, privileged: bool) -> Booked {
    let db = app.db();
    let fx = fixture(db, 1, 1, settings()).await;
    let (visitor, email) = approved_visitor(db, &fx, &fx.residents).await;
    fund(db, visitor, 10_000).await;
    if privileged {
        let staff = app.client_for(&fx.staff_email, STAFF_PASSWORD).await;
        let (_, list) = staff.get("/api/v1/staff/approvals").await;
        let id = list[0]["id"].as_i64().expect("approval");
        let (status, body) = staff
            .post(
                &format!("/api/v1/staff/approvals/{id}"),
                json!({ "status": "approved", "privileged": true }),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["approval"]["privileged"], true, "{body}");
    }
    let client = app.client_for(&email, VISITOR_PASSWORD).await;
    let start = local_start(1, 12, 0);
    let (status, visit) = client
        .post(
            "/api/v1/visits",
            json!({ "resident_id": fx.residents[0].0, "kind": "remote", "start": start, "length_minutes": 15 }),
        )
        .await;
    assert_eq!(status, 201, "{visit}");
    let kiosk = KioskId(visit["housing_kiosk"].as_i64().expect("kiosk"));
    let kiosk_key = issue_kiosk_key(db, kiosk).await.expect("key");
    set_resident_pin(db, fx.residents[0], "2468")
        .await
        .expect("pin");
    Booked {
        visit: visit["id"].as_i64().expect("id"),
        start,
        kiosk_key,
        visitor: client,
        staff_email: fx.staff_email.clone(),
        resident: fx.residents[0],
    }
}

async fn kiosk_ticket(app: &TestApp, b: &Booked, pin: &str) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/kiosk/live-ticket", app.base))
        .bearer_auth(&b.kiosk_key)
        .json(&json!({ "visit_id": b.visit, "pin": pin }))
        .send()
        .await
        .expect("kiosk request");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn visitor_ticket(b: &Booked) -> Value {
    let (status, t) = b
        .visitor
        .post(
            &format!("/api/v1/visits/{}/live-ticket", b.visit),
            json!({}),
        )
        .await;
    assert_eq!(status, 201, "{t}");
    t
}

/// Both parties in and ready, media started.
async fn both_in(app: &TestApp, b: &Booked) -> (Participant, Participant) {
    let (status, t) = kiosk_ticket(app, b, "2468").await;
    assert_eq!(status, 201, "{t}");
    let mut resident = Participant::connect(app, &t).await;
    resident.expect("status").await;
    let mut visitor = Participant::connect(app, &visitor_ticket(b).await).await;
    visitor.expect("status").await;
    for p in [&mut visitor, &mut resident] {
        p.start_media(false).await;
        p.send(json!({ "type": "ready" })).await;
    }
    visitor.expect("started").await;
    resident.expect("started").await;
    (visitor, resident)
}

async fn visit_row(app: &TestApp, id: i64) -> openvisit_store::visits::Visit {
    let mut conn = app.db().pool.acquire().await.expect("conn");
    openvisit_store::visits::get_visit(&mut conn, VisitId(id))
        .await
        .expect("visit")
}

async fn settled(app: &TestApp, id: i64) -> openvisit_store::visits::Visit {
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        let v = visit_row(app, id).await;
        if v.status != openvisit_store::visits::VisitStatus::Booked {
            return v;
        }
        assert!(Instant::now() < until, "the visit was never settled");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_started_visit_flows_both_ways_is_watched_unseen_and_ends_at_the_scheduled_end() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let b = book(&app).await;
        let end = b.start + jiff::SignedDuration::from_mins(15);

        // Before the waiting room opens, a party is told when it does.
        set_clock(&app, b.start - jiff::SignedDuration::from_mins(30));
        let mut early = Participant::connect(&app, &visitor_ticket(&b).await).await;
        let refused = early.expect("error").await;
        assert_eq!(refused["code"], "not_open", "{refused}");

        // The wrong PIN does not sign the resident in.
        let (status, body) = kiosk_ticket(&app, &b, "0000").await;
        assert_eq!(status, 403, "{body}");

        // Both arrive 8 seconds before the scheduled end (R4: it still ends then).
        set_clock(&app, end - jiff::SignedDuration::from_secs(8));
        let (status, t) = kiosk_ticket(&app, &b, "2468").await;
        assert_eq!(status, 201, "{t}");
        let mut resident = Participant::connect(&app, &t).await;
        let mut visitor = Participant::connect(&app, &visitor_ticket(&b).await).await;
        visitor.expect("status").await;
        resident.expect("status").await;

        // Only the visitor is ready: no media crosses yet.
        visitor.send(json!({ "type": "ready" })).await;
        visitor.start_media(false).await;
        resident.start_media(false).await;
        wait_for("both connected", || {
            visitor.peer().is_connected() && resident.peer().is_connected()
        })
        .await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(
            visitor.peer().total_received(),
            0,
            "media before both were ready"
        );
        assert_eq!(
            resident.peer().total_received(),
            0,
            "media before both were ready"
        );

        resident.send(json!({ "type": "ready" })).await;
        let started = visitor.expect("started").await;
        assert_eq!(
            started["ends_at"],
            json!(end),
            "the end is the scheduled end"
        );
        wait_for("audio and video both ways", || {
            (0..2).all(|l| visitor.peer().received(l) > 3 && resident.peer().received(l) > 3)
        })
        .await;

        // A staff monitor receives both sides; the parties are told nothing about it.
        let (status, t) = b
            .staff(&app)
            .await
            .post(
                &format!("/api/v1/staff/visits/{}/live-ticket", b.visit),
                json!({}),
            )
            .await;
        assert_eq!(status, 201, "{t}");
        let mut monitor = Participant::connect(&app, &t).await;
        monitor.start_media(true).await;
        wait_for("the monitor sees and hears both", || {
            (0..4).all(|l| monitor.peer().received(l) > 2)
        })
        .await;
        // A visitor cannot watch as a monitor.
        let (status, _) = b
            .visitor
            .post(
                &format!("/api/v1/staff/visits/{}/live-ticket", b.visit),
                json!({}),
            )
            .await;
        assert_eq!(status, 403);

        // The end comes from the server at the scheduled end, for everyone.
        let ended = visitor.expect("ended").await;
        assert_eq!(ended["outcome"]["kind"], "completed", "{ended}");
        let ended = resident.expect("ended").await;
        assert_eq!(ended["outcome"]["kind"], "completed");
        let stopped_at = Instant::now();
        let counts = (
            visitor.peer().total_received(),
            resident.peer().total_received(),
            monitor.peer().total_received(),
        );
        tokio::time::sleep(Duration::from_millis(600)).await;
        assert_eq!(
            counts,
            (
                visitor.peer().total_received(),
                resident.peer().total_received(),
                monitor.peer().total_received(),
            ),
            "media kept flowing after the end"
        );
        for p in [&visitor, &resident, &monitor] {
            if let Some(last) = p.peer().last_received_at() {
                assert!(last <= stopped_at + Duration::from_millis(100));
            }
        }
        // No event ever mentioned a monitor to the parties.
        for seen in visitor.seen.iter().chain(resident.seen.iter()) {
            assert!(!seen.to_string().contains("monitor"), "{seen}");
        }

        let v = settled(&app, b.visit).await;
        assert_eq!(v.status, openvisit_store::visits::VisitStatus::Completed);
        let actual_start = v.actual_start.expect("actual start");
        assert!(actual_start >= end - jiff::SignedDuration::from_secs(9));
        assert_eq!(v.actual_end, Some(end));
        // Nobody joins after the end.
        let (status, _) = b
            .visitor
            .post(
                &format!("/api/v1/visits/{}/live-ticket", b.visit),
                json!({}),
            )
            .await;
        assert_eq!(status, 410);
        let _ = b.resident;

        // The recording: one WebM per party, for staff only (R14).
        let staff = b.staff(&app).await;
        let path = format!("/api/v1/staff/visits/{}/recording", b.visit);
        let until = Instant::now() + Duration::from_secs(10);
        let recording = loop {
            let (status, body) = staff.get(&path).await;
            if status == 200 {
                break body;
            }
            assert!(Instant::now() < until, "no recording: {status} {body}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let files: Vec<String> = recording["files"]
            .as_array()
            .expect("files")
            .iter()
            .filter_map(|f| f.as_str().map(str::to_owned))
            .collect();
        assert_eq!(files.len(), 2, "{recording}");
        let bytes = fetch(&staff, &files[0]).await;
        assert_eq!(bytes.0, 200);
        assert_eq!(&bytes.1[..4], &[0x1a, 0x45, 0xdf, 0xa3], "WebM");
        let (status, _) = b.visitor.get(&path).await;
        assert_eq!(status, 403, "visitors cannot fetch recordings");
        assert_eq!(fetch(&b.visitor, &files[0]).await.0, 403);
        assert_eq!(
            fetch(&staff, &format!("{path}/..%2F..%2Fetc%2Fpasswd"))
                .await
                .0,
            404
        );

        // Past the facility's retention period (30 days), the sweep deletes it.
        set_clock(&app, end + jiff::SignedDuration::from_hours(24 * 31));
        let db = app.db().clone();
        assert_eq!(
            openvisit_web::live::sweep_recordings(&db, app.state.clock.now()).await,
            1
        );
        let (status, _) = b.staff(&app).await.get(&path).await;
        assert_eq!(status, 404);
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_end_a_visit_with_a_reason_and_minutes_lost_to_a_server_fault_are_credited() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let b = book(&app).await;
        set_clock(&app, b.start);
        let (mut visitor, mut resident) = both_in(&app, &b).await;
        wait_for("media both ways", || {
            visitor.peer().received(1) > 3 && resident.peer().received(1) > 3
        })
        .await;

        // The media node fails for 7 seconds while both are connected and ready.
        let hub = app.state.live.clone().expect("live video");
        hub.media
            .inject_fault(openvisit_media::RoomId(b.visit), true)
            .expect("fault");
        tokio::time::sleep(Duration::from_secs(7)).await;
        hub.media
            .inject_fault(openvisit_media::RoomId(b.visit), false)
            .expect("repair");
        tokio::time::sleep(Duration::from_millis(1500)).await;

        // Ending needs a reason.
        let path = format!("/api/v1/staff/visits/{}/end", b.visit);
        let staff = b.staff(&app).await;
        let (status, _) = staff.post(&path, json!({ "reason": "  " })).await;
        assert_eq!(status, 422);
        let (status, _) = b.visitor.post(&path, json!({ "reason": "bye" })).await;
        assert_eq!(status, 403, "a visitor cannot end a visit as staff");
        let (status, body) = staff
            .post(&path, json!({ "reason": "contraband shown on camera" }))
            .await;
        assert_eq!(status, 202, "{body}");
        let ended = visitor.expect("ended").await;
        assert_eq!(ended["outcome"]["kind"], "ended_by_staff", "{ended}");
        resident.expect("ended").await;

        let v = settled(&app, b.visit).await;
        assert_eq!(v.status, openvisit_store::visits::VisitStatus::EndedByStaff);
        assert_eq!(v.end_reason.as_deref(), Some("contraband shown on camera"));
        // One minute lost of fifteen on a 2.85 block: 19 cents back, as a credit line.
        let (_, ledger) = b.visitor.get("/api/v1/ledger").await;
        let credit = ledger
            .as_array()
            .or_else(|| ledger["entries"].as_array())
            .expect("ledger lines")
            .iter()
            .find(|l| l["kind"] == "credit")
            .cloned()
            .unwrap_or_else(|| panic!("no credit line in {ledger}"));
        assert_eq!(credit["amount"], 19, "{credit}");
        assert!(
            credit["memo"].as_str().unwrap_or("").contains("fault"),
            "{credit}"
        );
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visit_nobody_joined_is_settled_as_missed_after_its_end() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let b = book(&app).await;
        let hub = app.state.live.clone().expect("live video");
        // During the visit, nothing is swept.
        set_clock(&app, b.start + jiff::SignedDuration::from_mins(5));
        assert_eq!(hub.sweep_missed().await, 0);
        // A minute after its end, it is settled as missed by both.
        set_clock(&app, b.start + jiff::SignedDuration::from_mins(17));
        assert_eq!(hub.sweep_missed().await, 1);
        let v = visit_row(&app, b.visit).await;
        assert_eq!(v.status, openvisit_store::visits::VisitStatus::Missed);
        assert_eq!(v.missed_by, Some(openvisit_store::visits::MissedBy::Both));
        assert_eq!(hub.sweep_missed().await, 0, "settled once");
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_privileged_visit_can_be_neither_watched_nor_recorded() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let b = book_with(&app, true).await;
        let (_, v) = b.visitor.get(&format!("/api/v1/visits/{}", b.visit)).await;
        assert_eq!(
            v["privileged"], true,
            "booked under a privileged approval: {v}"
        );
        set_clock(&app, b.start);
        let (mut visitor, mut resident) = both_in(&app, &b).await;
        wait_for("media both ways", || {
            visitor.peer().received(1) > 3 && resident.peer().received(1) > 3
        })
        .await;
        let staff = b.staff(&app).await;
        let (status, body) = staff
            .post(
                &format!("/api/v1/staff/visits/{}/live-ticket", b.visit),
                json!({}),
            )
            .await;
        assert_eq!(status, 403, "{body}");
        assert_eq!(body["error"], "privileged");
        let (status, _) = staff
            .post(
                &format!("/api/v1/staff/visits/{}/end", b.visit),
                json!({ "reason": "count" }),
            )
            .await;
        assert_eq!(status, 202);
        visitor.expect("ended").await;
        resident.expect("ended").await;
        settled(&app, b.visit).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let (status, _) = staff
            .get(&format!("/api/v1/staff/visits/{}/recording", b.visit))
            .await;
        assert_eq!(status, 404, "no recording of a privileged visit");
        let folder = app
            .outbox
            .with_extension("recordings")
            .join(format!("visit-{}", b.visit));
        assert!(!folder.exists(), "nothing written to {}", folder.display());
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_waiting_room_shows_status_and_notices_and_a_dropped_party_rejoins_with_the_same_end() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let b = book(&app).await;
        // Five minutes early: the waiting room is open (R5).
        set_clock(&app, b.start - jiff::SignedDuration::from_mins(5));
        let mut visitor = Participant::connect(&app, &visitor_ticket(&b).await).await;
        let first = visitor.expect("status").await;
        assert_eq!(first["phase"], "waiting");
        assert_eq!(first["kiosk_online"], false);
        assert_eq!(first["resident"], "away");

        // Staff post a notice: the family sees it at once (R18).
        let staff = b.staff(&app).await;
        let notices = format!("/api/v1/staff/visits/{}/notices", b.visit);
        let (status, body) = staff.post(&notices, json!({ "kind": "delay" })).await;
        assert_eq!(status, 201, "{body}");
        let notice = visitor.expect("notice").await;
        assert_eq!(notice["kind"], "delay");
        let (status, _) = staff
            .post(&notices, json!({ "kind": "other", "text": " " }))
            .await;
        assert_eq!(status, 422, "an 'other' notice needs words");
        let (status, _) = b.visitor.post(&notices, json!({ "kind": "delay" })).await;
        assert_eq!(status, 403);

        // The kiosk comes online and the resident signs in: the visitor sees both.
        let r = reqwest::Client::new()
            .get(format!("{}/api/v1/kiosk/next", app.base))
            .bearer_auth(&b.kiosk_key)
            .send()
            .await
            .expect("kiosk");
        let next: Value = r.json().await.expect("json");
        assert_eq!(next["next"]["visit"], b.visit, "{next}");
        assert_eq!(
            next["next"]["resident_name"], "Resident 0.",
            "first name and initial only"
        );
        let (status, t) = kiosk_ticket(&app, &b, "2468").await;
        assert_eq!(status, 201, "{t}");
        let mut resident = Participant::connect(&app, &t).await;
        // A party joining later still gets the notice.
        resident.expect("notice").await;
        let status = loop {
            let s = visitor.expect("status").await;
            if s["resident"] == "present" {
                break s;
            }
        };
        assert_eq!(status["kiosk_online"], true);

        for p in [&mut visitor, &mut resident] {
            p.start_media(false).await;
            p.send(json!({ "type": "ready" })).await;
        }
        let started = visitor.expect("started").await;
        // Started five minutes early: it lasts its 15 minutes, ending 10 after the start.
        let end = b.start + jiff::SignedDuration::from_mins(10);
        assert_eq!(started["ends_at"], json!(end));
        wait_for("media both ways", || {
            visitor.peer().received(1) > 3 && resident.peer().received(1) > 3
        })
        .await;

        // The visitor's connection drops; the resident is told.
        drop(visitor);
        loop {
            let s = resident.expect("status").await;
            if s["visitor"] == "away" {
                assert_eq!(s["ends_at"], json!(end));
                break;
            }
        }
        // They rejoin: media flows again and the end has not moved.
        let mut visitor = Participant::connect(&app, &visitor_ticket(&b).await).await;
        let s = visitor.expect("status").await;
        assert_eq!(s["ends_at"], json!(end), "{s}");
        visitor.start_media(false).await;
        visitor.send(json!({ "type": "ready" })).await;
        wait_for("media again after the rejoin", || {
            visitor.peer().received(1) > 3
        })
        .await;
        let (status, _) = staff
            .post(
                &format!("/api/v1/staff/visits/{}/end", b.visit),
                json!({ "reason": "test over" }),
            )
            .await;
        assert_eq!(status, 202);
        visitor.expect("ended").await;
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_ending_a_visit_before_it_started_cancels_it_with_a_full_refund_and_an_email() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let b = book(&app).await;
        set_clock(&app, b.start - jiff::SignedDuration::from_mins(5));
        let mut visitor = Participant::connect(&app, &visitor_ticket(&b).await).await;
        visitor.expect("status").await;
        let price = visit_row(&app, b.visit).await.price;
        let emails_before = app.email_summaries().len();
        let (status, body) = b
            .staff(&app)
            .await
            .post(
                &format!("/api/v1/staff/visits/{}/end", b.visit),
                json!({ "reason": "lockdown" }),
            )
            .await;
        assert_eq!(status, 202, "{body}");
        let ended = visitor.expect("ended").await;
        assert_eq!(ended["outcome"]["kind"], "ended_by_staff");
        let v = settled(&app, b.visit).await;
        assert_eq!(v.status, openvisit_store::visits::VisitStatus::Cancelled);
        assert_eq!(v.refund, price, "the whole price comes back");
        let until = Instant::now() + Duration::from_secs(5);
        while app.email_summaries().len() == emails_before {
            assert!(Instant::now() < until, "no cancellation email");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_on_site_visitor_joins_at_the_lobby_kiosk_with_the_booking_code_for_free() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let db = app.db();
        let fx = fixture(db, 1, 1, settings()).await;
        let (visitor, email) = approved_visitor(db, &fx, &fx.residents).await;
        fund(db, visitor, 1_000).await;
        let client = app.client_for(&email, VISITOR_PASSWORD).await;
        let start = local_start(1, 12, 0);
        let (status, visit) = client
            .post(
                "/api/v1/visits",
                json!({ "resident_id": fx.residents[0].0, "kind": "on_site", "start": start, "length_minutes": 15 }),
            )
            .await;
        assert_eq!(status, 201, "{visit}");
        assert_eq!(visit["price"], 0, "on-site visits are free");
        let id = visit["id"].as_i64().expect("id");
        let code = visit["lobby_code"]
            .as_str()
            .expect("a lobby code")
            .to_owned();
        let lobby_key = issue_kiosk_key(db, KioskId(visit["lobby_kiosk"].as_i64().expect("lobby")))
            .await
            .expect("key");
        let housing_key =
            issue_kiosk_key(db, KioskId(visit["housing_kiosk"].as_i64().expect("kiosk")))
                .await
                .expect("key");
        set_resident_pin(db, fx.residents[0], "2468")
            .await
            .expect("pin");
        set_clock(&app, start);

        // The remote Join is not for on-site visits.
        let (status, _) = client
            .post(&format!("/api/v1/visits/{id}/live-ticket"), json!({}))
            .await;
        assert_eq!(status, 409);
        let lobby = |body: Value| {
            let (base, key) = (app.base.clone(), lobby_key.clone());
            async move {
                let r = reqwest::Client::new()
                    .post(format!("{base}/api/v1/kiosk/live-ticket"))
                    .bearer_auth(key)
                    .json(&body)
                    .send()
                    .await
                    .expect("lobby");
                let status = r.status().as_u16();
                (status, r.json::<Value>().await.unwrap_or(Value::Null))
            }
        };
        let (status, body) = lobby(json!({ "code": "ZZZZZZZZ" })).await;
        assert_eq!(status, 403, "{body}");
        // Typed in lower case with a dash, as people do.
        let typed = format!("{}-{}", &code[..4], &code[4..]).to_lowercase();
        let (status, t) = lobby(json!({ "code": typed })).await;
        assert_eq!(status, 201, "{t}");
        assert_eq!(t["role"], "visitor");
        let mut on_site = Participant::connect(&app, &t).await;
        let r = reqwest::Client::new()
            .post(format!("{}/api/v1/kiosk/live-ticket", app.base))
            .bearer_auth(&housing_key)
            .json(&json!({ "visit_id": id, "pin": "2468" }))
            .send()
            .await
            .expect("kiosk");
        assert_eq!(r.status().as_u16(), 201);
        let t: Value = r.json().await.expect("json");
        let mut resident = Participant::connect(&app, &t).await;
        for p in [&mut on_site, &mut resident] {
            p.start_media(false).await;
            p.send(json!({ "type": "ready" })).await;
        }
        on_site.expect("started").await;
        wait_for("media both ways", || {
            on_site.peer().received(1) > 3 && resident.peer().received(1) > 3
        })
        .await;
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_one_minute_warning_reaches_both_sides_on_time() {
    let app = TestApp::spawn(openvisit_store::Backend::Sqlite).await;
    let b = book(&app).await;
    let end = b.start + jiff::SignedDuration::from_mins(15);
    // Started with 63 seconds left: the 5-minute warning has passed, the 1-minute one comes.
    set_clock(&app, end - jiff::SignedDuration::from_secs(63));
    let (mut visitor, mut resident) = both_in(&app, &b).await;
    let asked = Instant::now();
    let w = visitor.expect("warning").await;
    assert_eq!(w["minutes_left"], 1);
    let waited = asked.elapsed();
    assert!(
        waited >= Duration::from_secs(1) && waited < Duration::from_secs(6),
        "the warning came after {waited:?}, not about 3 s"
    );
    assert_eq!(resident.expect("warning").await["minutes_left"], 1);
    assert!(
        !visitor.seen.iter().any(|m| m["minutes_left"] == 5),
        "no 5-minute warning for a visit that started with less"
    );
    app.stop().await;
}
