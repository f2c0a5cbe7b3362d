//! The review's test of visit emails, as it was run: the `openvisit` binary killed with
//! `kill -9` during a stream of bookings (with Idempotency-Key retries), cancels and
//! moves, started again, and every request that got no answer sent again. Every change
//! the database holds has exactly one email at a real SMTP server: one for the booking,
//! one per move, one for the cancellation. A repeat delivery of the same email (a
//! sender killed between the server's "250" and recording it) carries the same
//! Message-ID, which is how a receiver tells it from a second email.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use openvisit_store::Backend;
use serde_json::{Value, json};
use tokio::sync::Mutex;

use crate::harness::*;
use crate::security::demo::{Served, serve};

fn start_server(db_url: &str, data: &std::path::Path, smtp_port: u16) -> Served {
    let key = data.join("secret.key");
    let smtp = format!("127.0.0.1:{smtp_port}");
    serve(
        data,
        &[
            "--database-url",
            db_url,
            "--secret-key-file",
            key.to_str().expect("path"),
            "--smtp",
            &smtp,
        ],
    )
}

/// One request of the stream, and whether its answer came back.
#[derive(Debug, Clone)]
enum Op {
    Book {
        key: String,
        resident: i64,
        start: Timestamp,
    },
    Cancel {
        visit: i64,
    },
    Move {
        visit: i64,
        start: Timestamp,
    },
}

/// A request sent, and its answer (status and body) if one came.
type Sent = (Op, Option<(u16, Value)>);

/// Sends `op`; `None` when the server died before answering.
async fn send(http: &reqwest::Client, base: &str, cookie: &str, op: &Op) -> Option<(u16, Value)> {
    let req = match op {
        Op::Book {
            key,
            resident,
            start,
        } => http
            .post(format!("{base}/api/v1/visits"))
            .header("idempotency-key", key)
            .json(&json!({ "resident_id": resident, "kind": "remote", "start": start, "length_minutes": 15 })),
        Op::Cancel { visit } => http
            .post(format!("{base}/api/v1/visits/{visit}/cancel"))
            .json(&json!({})),
        Op::Move { visit, start } => http
            .post(format!("{base}/api/v1/visits/{visit}/reschedule"))
            .json(&json!({ "start": start })),
    };
    let res = req
        .header("cookie", cookie)
        .timeout(Duration::from_secs(20))
        .send()
        .await
        .ok()?;
    let status = res.status().as_u16();
    let body = res.json().await.ok()?;
    Some((status, body))
}

/// The `Message-ID` of each email the receiver holds, by the visit it names.
fn received(smtp: &SmtpReceiver) -> (BTreeMap<i64, BTreeSet<String>>, usize) {
    let mut by_visit: BTreeMap<i64, BTreeSet<String>> = BTreeMap::new();
    let messages = smtp.messages();
    for m in &messages {
        let Some(id) = m.lines().find_map(|l| {
            l.strip_prefix("Message-ID: ")
                .or(l.strip_prefix("Message-Id: "))
        }) else {
            continue;
        };
        let visit = id
            .trim()
            .strip_prefix("<visit-")
            .and_then(|r| r.split('.').next())
            .and_then(|v| v.parse().ok());
        if let Some(visit) = visit {
            by_visit
                .entry(visit)
                .or_default()
                .insert(id.trim().to_owned());
        }
    }
    (by_visit, messages.len())
}

async fn every_change_has_exactly_one_email_after_a_kill(backend: Backend) {
    let tdb = TestDb::new(backend).await;
    let data = std::env::temp_dir().join(format!("{}_mailkill", unique_name()));
    std::fs::create_dir_all(&data).expect("data dir");
    let key = openvisit_store::secrets::Keyring::new_key_line().expect("key");
    std::fs::write(data.join("secret.key"), &key).expect("key file");
    let db = tdb
        .db
        .clone()
        .with_keyring(openvisit_store::secrets::Keyring::from_text(&key).expect("keyring"));
    let fx = fixture(&db, 4, 1, settings()).await;
    let resident = fx.residents[0].0;
    let (visitor, email) = approved_visitor(&db, &fx, &fx.residents).await;
    for _ in 0..4 {
        fund(&db, visitor, 50_000).await;
    }
    let smtp = SmtpReceiver::start();

    let first = start_server(&tdb.any_url(), &data, smtp.port);
    let http = reqwest::Client::new();
    let cookie = cookie_pair(&sign_in(&http, &first.base, &email, VISITOR_PASSWORD).await);

    // Distinct quarter hours two to nine days ahead (no reminder is due for any), and
    // a separate set to move visits to.
    let slots: Vec<Timestamp> = (2..=9)
        .flat_map(|day| (8..20).flat_map(move |h| [0, 15, 30, 45].map(|m| local_start(day, h, m))))
        .collect();
    let (book_at, move_to) = slots.split_at(slots.len() * 3 / 4);
    let book_at: Arc<Mutex<Vec<Timestamp>>> = Arc::new(Mutex::new(book_at.to_vec()));
    let move_to: Arc<Mutex<Vec<Timestamp>>> = Arc::new(Mutex::new(move_to.to_vec()));
    // Every request sent, with its answer if one came.
    let sent: Arc<Mutex<Vec<Sent>>> = Arc::new(Mutex::new(Vec::new()));

    let mut streams = Vec::new();
    for stream in 0..4 {
        let (http, base, cookie) = (http.clone(), first.base.clone(), cookie.clone());
        let (book_at, move_to, sent) = (book_at.clone(), move_to.clone(), sent.clone());
        streams.push(tokio::spawn(async move {
            for n in 0.. {
                let Some(start) = book_at.lock().await.pop() else {
                    return;
                };
                let book = Op::Book {
                    key: format!("s{stream}-{n}"),
                    resident,
                    start,
                };
                let answer = send(&http, &base, &cookie, &book).await;
                let visit = answer
                    .as_ref()
                    .filter(|(status, _)| *status == 201)
                    .and_then(|(_, v)| v["id"].as_i64());
                let died = answer.is_none();
                sent.lock().await.push((book, answer));
                let Some(visit) = visit else {
                    if died {
                        return;
                    }
                    continue;
                };
                let then = match n % 3 {
                    0 => Op::Cancel { visit },
                    1 => match move_to.lock().await.pop() {
                        Some(start) => Op::Move { visit, start },
                        None => continue,
                    },
                    _ => continue,
                };
                let answer = send(&http, &base, &cookie, &then).await;
                let died = answer.is_none();
                sent.lock().await.push((then, answer));
                if died {
                    return;
                }
            }
        }));
    }
    // Killed in the middle of the stream, once it is long enough to test something
    // (however slow the machine), at a moment that differs from run to run.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while sent.lock().await.len() < 30 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let after = u64::from(Timestamp::now().subsec_nanosecond().unsigned_abs()) % 400;
    tokio::time::sleep(Duration::from_millis(after)).await;
    first.kill();
    for s in streams {
        s.await.expect("stream");
    }

    let second = start_server(&tdb.any_url(), &data, smtp.port);
    // Every request that got no answer, sent again as a client would.
    let unanswered: Vec<Op> = sent
        .lock()
        .await
        .iter()
        .filter(|(_, a)| a.is_none())
        .map(|(op, _)| op.clone())
        .collect();
    for op in &unanswered {
        let answer = send(&http, &second.base, &cookie, op).await;
        let (status, body) = answer.expect("the restarted server answers");
        match op {
            Op::Book { .. } => assert_eq!(status, 201, "a retried booking: {body}"),
            // Done before the kill (409) or now (200).
            Op::Cancel { .. } => assert!(matches!(status, 200 | 409), "{status} {body}"),
            Op::Move { .. } => assert!(matches!(status, 200 | 409), "{status} {body}"),
        }
    }
    let requests = sent.lock().await.len();
    assert!(
        requests >= 20,
        "the stream was too short to test anything: {requests} requests"
    );

    // What the database holds: a booking, each move, a cancellation.
    let visits = {
        let mut conn = db.pool.acquire().await.expect("conn");
        openvisit_store::visits::visits_of_visitor(&mut conn, visitor)
            .await
            .expect("visits")
    };
    let expected: BTreeMap<i64, usize> = visits
        .iter()
        .map(|v| {
            let cancelled = v.status == openvisit_store::visits::VisitStatus::Cancelled;
            (
                v.id.0,
                1 + usize::try_from(v.sequence).expect("sequence") + usize::from(cancelled),
            )
        })
        .collect();
    let want: usize = expected.values().sum();
    // Emails whose sender died while holding them wait out their lease (30 s).
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    let (got, deliveries) = loop {
        let (got, deliveries) = received(&smtp);
        let distinct: usize = got.values().map(BTreeSet::len).sum();
        if distinct >= want || std::time::Instant::now() > deadline {
            break (got, deliveries);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let counts: BTreeMap<i64, usize> = got.iter().map(|(v, ids)| (*v, ids.len())).collect();
    assert_eq!(
        counts,
        expected,
        "{backend:?}: emails per visit (booking + moves + cancellation) after a kill -9 \
         {after} ms into {requests} requests, {} sent again",
        unanswered.len()
    );
    eprintln!(
        "{backend:?}: killed {after} ms in; {requests} requests, {} without an answer; \
         {want} emails, {deliveries} deliveries",
        unanswered.len()
    );
    drop(second);
    drop(smtp);
    let _ = std::fs::remove_dir_all(&data);
    tdb.cleanup().await;
}
per_backend!(
    killed_mid_stream,
    every_change_has_exactly_one_email_after_a_kill
);

/// With the mail server down, a booking still succeeds; its email waits in the outbox,
/// is tried again after 1, 2, 4 … minutes, shows to the facility's staff with the
/// error, and after the eighth attempt is given up (dead), still shown.
#[tokio::test]
async fn an_email_that_cannot_be_delivered_is_retried_and_then_shown_to_staff_as_dead() {
    let mailer = openvisit_web::mail::SmtpMailer::new(
        "127.0.0.1",
        free_port(),
        "OpenVisit <no-reply@openvisit.localhost>",
    )
    .expect("mailer");
    let app = TestApp::spawn_with_mailer(Backend::Sqlite, Some(Arc::new(mailer))).await;
    let fx = fixture(app.db(), 1, 1, settings()).await;
    let (v, email) = approved_visitor(app.db(), &fx, &fx.residents).await;
    fund(app.db(), v, 2000).await;
    let c = app.client_for(&email, VISITOR_PASSWORD).await;
    let (status, visit) = c
        .post(
            "/api/v1/visits",
            json!({ "resident_id": fx.residents[0].0, "kind": "remote", "start": local_start(3, 10, 0), "length_minutes": 15 }),
        )
        .await;
    assert_eq!(
        status, 201,
        "booked although the mail server is down: {visit}"
    );

    let staff = app.client_for(&fx.staff_email, STAFF_PASSWORD).await;
    let (status, list) = staff.get("/api/v1/staff/undelivered-emails").await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(list[0]["visit_id"], visit["id"]);
    assert_eq!(list[0]["news"], "booked");
    assert_eq!(list[0]["state"], "pending");
    assert_eq!(list[0]["attempts"], 1);
    assert!(
        list[0]["last_error"]
            .as_str()
            .is_some_and(|e| !e.is_empty()),
        "{list}"
    );

    // Not tried again before its wait is over, then once per wait.
    assert_eq!(openvisit_web::notify::send_queued(&app.state).await, 0);
    let (_, list) = staff.get("/api/v1/staff/undelivered-emails").await;
    assert_eq!(list[0]["attempts"], 1, "tried again too soon: {list}");
    for attempt in 2..=8 {
        app.state.clock.advance_seconds(3600);
        openvisit_web::notify::send_queued(&app.state).await;
        // A new sign-in: a staff session ends after a while without use.
        let staff = app.client_for(&fx.staff_email, STAFF_PASSWORD).await;
        let (_, list) = staff.get("/api/v1/staff/undelivered-emails").await;
        assert_eq!(list[0]["attempts"], attempt, "{list}");
        let state = if attempt < 8 { "pending" } else { "dead" };
        assert_eq!(list[0]["state"], state, "after attempt {attempt}: {list}");
    }
    // Dead is dead: no ninth attempt.
    app.state.clock.advance_seconds(3600);
    openvisit_web::notify::send_queued(&app.state).await;
    let staff = app.client_for(&fx.staff_email, STAFF_PASSWORD).await;
    let (_, list) = staff.get("/api/v1/staff/undelivered-emails").await;
    assert_eq!(list[0]["attempts"], 8, "{list}");

    // The console shows it too, in the reader's language.
    let cookie = staff.cookie.as_deref();
    let (status, page) = crate::security::page_text(&app.base, "/staff/emails", cookie).await;
    assert_eq!(status, 200);
    for shown in [
        format!("#{}", visit["id"]),
        email.clone(),
        "Visit booked".into(),
        "Given up".into(),
        "8 of 8 attempts".into(),
    ] {
        assert!(page.contains(&shown), "{shown:?} not on the page: {page}");
    }
    let (_, page) = crate::security::page_text(&app.base, "/staff/emails?lang=es", cookie).await;
    for shown in [
        "Correos no entregados",
        "Visita reservada",
        "Abandonado",
        "8 de 8 intentos",
    ] {
        assert!(page.contains(shown), "{shown:?} not on the page: {page}");
    }

    // Another facility's staff see none of it.
    let other = fixture(app.db(), 1, 1, settings()).await;
    let theirs = app.client_for(&other.staff_email, STAFF_PASSWORD).await;
    let (status, list) = theirs.get("/api/v1/staff/undelivered-emails").await;
    assert_eq!(status, 200);
    assert_eq!(list.as_array().map(Vec::len), Some(0), "{list}");
    let (_, page) =
        crate::security::page_text(&app.base, "/staff/emails", theirs.cookie.as_deref()).await;
    assert!(
        page.contains("Every visit email has been delivered.") && !page.contains(&email),
        "{page}"
    );
    app.stop().await;
}
