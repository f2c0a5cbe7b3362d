//! Live visits through the real server: tickets, the signaling socket, headless WebRTC
//! peers (str0m) on loopback, the enforced end, staff monitoring and ending, and the
//! money that follows. The tests are split by subject: the visit clock, staff actions,
//! and the kiosks.

mod audio_loss;
mod clock;
mod crash;
mod end;
mod interop;
mod kiosks;
mod rate;
mod recordings;
mod replaced;
mod restart;
mod staff;

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
        self.expect_within(kind, Duration::from_secs(15)).await
    }

    /// [`Participant::expect`] with its own patience.
    async fn expect_within(&mut self, kind: &str, patience: Duration) -> Value {
        let deadline = Instant::now() + patience;
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
        self.start_media_on(LOOPBACK, monitor).await;
    }

    /// Starts media from a socket on `ip` (the media port's own address, for a visit
    /// that a browser joins from a non-loopback address).
    async fn start_media_on(&mut self, ip: IpAddr, monitor: bool) {
        self.start_media_edited(ip, monitor, str::to_owned).await;
    }

    /// Starts a party's media sending at `rate` (a visit's camera, say).
    async fn start_media_at(&mut self, rate: SendRate) {
        let offering = OfferingPeer::party(LOOPBACK).expect("peer");
        self.send(json!({ "type": "offer", "sdp": offering.offer_sdp }))
            .await;
        let answer = self.expect("answer").await;
        self.peer = Some(
            offering
                .start(answer["sdp"].as_str().expect("sdp"), Some(rate))
                .expect("peer starts"),
        );
    }

    /// Starts media with the offer as `edit` rewrites it (a stack that offers less).
    async fn start_media_edited(&mut self, ip: IpAddr, monitor: bool, edit: fn(&str) -> String) {
        let offering = if monitor {
            OfferingPeer::monitor(ip)
        } else {
            OfferingPeer::party(ip)
        }
        .expect("peer");
        self.send(json!({ "type": "offer", "sdp": edit(&offering.offer_sdp) }))
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
    book_under(app, privileged, settings()).await
}

/// Books a visit at a facility with `rules`.
async fn book_under(
    app: &TestApp,
    privileged: bool,
    rules: openvisit_store::facilities::FacilitySettings,
) -> Booked {
    let db = app.db();
    let fx = fixture(db, 1, 1, rules).await;
    let (visitor, email) = approved_visitor(db, &fx, &fx.residents).await;
    fund(db, visitor, 10_000).await;
    if privileged {
        let staff = app.client_for(&fx.staff_email, STAFF_PASSWORD).await;
        let body = grant_privileged(&staff, "/api/v1/staff/approvals").await;
        assert_eq!(body["approval"]["privileged"], true, "{body}");
    }
    let client = app.client_for(&email, VISITOR_PASSWORD).await;
    let start = local_start(1, 12, 0);
    let visit = client.book_remote(fx.residents[0], start, 15).await;
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

/// Staff end the visit through the API with `reason`; the request is accepted (202).
async fn staff_ends(staff: &Client, visit: i64, reason: &str) {
    let (status, body) = staff
        .post(
            &format!("/api/v1/staff/visits/{visit}/end"),
            json!({ "reason": reason }),
        )
        .await;
    assert_eq!(status, 202, "{body}");
}

/// `client` asks to watch the visit as staff: the status and the ticket (or error).
async fn ask_to_watch(client: &Client, b: &Booked) -> (u16, Value) {
    client
        .post(
            &format!("/api/v1/staff/visits/{}/live-ticket", b.visit),
            json!({}),
        )
        .await
}

/// Grants privileged (attorney) status on the first approval `list` (an approvals query
/// such as `/api/v1/staff/approvals?status=approved`) gives; the decision's answer.
async fn grant_privileged(staff: &Client, list: &str) -> Value {
    let (_, approvals) = staff.get(list).await;
    let id = approvals[0]["id"].as_i64().expect("approval");
    let (status, body) = staff
        .post(
            &format!("/api/v1/staff/approvals/{id}"),
            json!({ "status": "approved", "privileged": true }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

/// Where the server writes a visit's recording.
fn recording_folder(app: &TestApp, visit: i64) -> std::path::PathBuf {
    app.outbox
        .with_extension("recordings")
        .join(format!("visit-{visit}"))
}

/// The URLs of a visit's recording files, once it is assembled (waits up to 10 s).
async fn recording_files(staff: &Client, visit: i64) -> Vec<String> {
    let path = format!("/api/v1/staff/visits/{visit}/recording");
    let until = Instant::now() + Duration::from_secs(10);
    let recording = loop {
        let (status, body) = staff.get(&path).await;
        if status == 200 {
            break body;
        }
        assert!(Instant::now() < until, "no recording: {status} {body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    recording["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter_map(|f| f.as_str().map(str::to_owned))
        .collect()
}

async fn visit_row(app: &TestApp, id: i64) -> openvisit_store::visits::Visit {
    let mut conn = app.db().pool.acquire().await.expect("conn");
    openvisit_store::visits::get_visit(&mut conn, VisitId(id))
        .await
        .expect("visit")
}

pub(crate) async fn settled(app: &TestApp, id: i64) -> openvisit_store::visits::Visit {
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
