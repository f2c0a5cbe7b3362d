//! The review's test, as it was run: the `openvisit` binary killed with `kill -9` while a
//! visit is live, down for a few seconds, started again. The parties come back with new
//! tickets to the same visit: the same announced end, media again, the seconds lost to
//! the crash credited once, and the recording before the crash kept as its own part.

use openvisit_store::facilities::FacilitySettings;
use openvisit_store::places::add_hours;

use super::*;
use crate::security::demo::{Served, serve};

/// `openvisit serve` as its own process on `db_url`, with the key file in `data`.
fn start_server(db_url: &str, data: &std::path::Path) -> Served {
    let key = data.join("secret.key");
    let key = key.to_str().expect("path");
    serve(data, &["--database-url", db_url, "--secret-key-file", key])
}

/// A server's address as the socket helpers want it.
fn app_at(server: &Served) -> SocketBase {
    SocketBase {
        base: server.base.clone(),
    }
}

/// Just enough of a `TestApp` for `Participant::connect_to`.
struct SocketBase {
    base: String,
}

async fn connect(at: &SocketBase, ticket: &Value) -> Participant {
    let path = ticket["socket"].as_str().expect("socket path");
    let url = format!("{}{}", at.base.replace("http://", "ws://"), path);
    let (ws, _) = tokio_tungstenite::connect_async(url).await.expect("socket");
    Participant {
        ws,
        peer: None,
        seen: Vec::new(),
    }
}

async fn ticket(
    server: &Served,
    visitor: &Client,
    kiosk_key: &str,
    visit: i64,
    who: &str,
) -> Value {
    let (status, t) = if who == "visitor" {
        visitor
            .post(&format!("/api/v1/visits/{visit}/live-ticket"), json!({}))
            .await
    } else {
        let r = reqwest::Client::new()
            .post(format!("{}/api/v1/kiosk/live-ticket", server.base))
            .bearer_auth(kiosk_key)
            .json(&json!({ "visit_id": visit, "pin": "2468" }))
            .send()
            .await
            .expect("kiosk request");
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    };
    assert_eq!(status, 201, "{who}: {t}");
    t
}

/// Both parties on `server`: sockets, media, ready. Returns them and the first status.
async fn both_join(
    server: &Served,
    visitor: &Client,
    kiosk_key: &str,
    visit: i64,
) -> (Participant, Participant, Value) {
    let at = app_at(server);
    let mut v = connect(
        &at,
        &ticket(server, visitor, kiosk_key, visit, "visitor").await,
    )
    .await;
    let status = v.expect("status").await;
    let mut r = connect(
        &at,
        &ticket(server, visitor, kiosk_key, visit, "kiosk").await,
    )
    .await;
    r.expect("status").await;
    for p in [&mut v, &mut r] {
        p.start_media(false).await;
        p.send(json!({ "type": "ready" })).await;
    }
    wait_for("media both ways", || {
        v.peer().received(1) > 20 && r.peer().received(1) > 20
    })
    .await;
    (v, r, status)
}

async fn a_server_killed_mid_visit_resumes_it_with_the_same_end_and_credits_the_lost_seconds(
    backend: openvisit_store::Backend,
) {
    let tdb = TestDb::new(backend).await;
    // The server process opens the secrets the fixture seals: the same key file.
    let data = std::env::temp_dir().join(format!("{}_crash", unique_name()));
    std::fs::create_dir_all(&data).expect("data dir");
    let key = openvisit_store::secrets::Keyring::new_key_line().expect("key");
    std::fs::write(data.join("secret.key"), &key).expect("key file");
    let db = tdb
        .db
        .clone()
        .with_keyring(openvisit_store::secrets::Keyring::from_text(&key).expect("keyring"));
    // Open all day and bookable at once, so the visit can start now on the real clock.
    let fx = fixture(
        &db,
        1,
        1,
        FacilitySettings {
            min_notice_minutes: 0,
            slot_grid_minutes: 5,
            ..settings()
        },
    )
    .await;
    let mut tx = db.begin_write().await.expect("tx");
    let unit = openvisit_store::places::list_units(&mut tx, fx.facility)
        .await
        .expect("units")[0]
        .id;
    // One window from midnight to midnight, not the fixture's day plus the hours around
    // it: a visit must fit in one window, and one starting at 19:55 would straddle two.
    sqlx::query("DELETE FROM visiting_hours WHERE facility_id = $1")
        .bind(fx.facility.0)
        .execute(&mut *tx)
        .await
        .expect("clear hours");
    for weekday in 1..=7 {
        for unit in [Some(unit), None] {
            add_hours(&mut tx, fx.facility, unit, weekday, 0, 24 * 60)
                .await
                .expect("hours");
        }
    }
    tx.commit().await.expect("commit");
    let (visitor_id, email) = approved_visitor(&db, &fx, &fx.residents).await;
    fund(&db, visitor_id, 10_000).await;
    set_resident_pin(&db, fx.residents[0], "2468")
        .await
        .expect("pin");

    let first = start_server(&tdb.any_url(), &data);
    let cookie = Some(cookie_pair(
        &sign_in(
            &reqwest::Client::new(),
            &first.base,
            &email,
            VISITOR_PASSWORD,
        )
        .await,
    ));
    let visitor = first.client(cookie.clone());
    // The next five-minute mark at least a minute away: the waiting room is open and
    // both can start early, so the end is counted from the real start.
    let now = Timestamp::now().as_second();
    let start = Timestamp::from_second(((now + 60) / 300 + 1) * 300).expect("start");
    let booked = visitor.book_remote(fx.residents[0], start, 15).await;
    let visit = booked["id"].as_i64().expect("id");
    let kiosk = KioskId(booked["housing_kiosk"].as_i64().expect("kiosk"));
    let kiosk_key = issue_kiosk_key(&db, kiosk).await.expect("key");

    let (mut v, _r, _) = both_join(&first, &visitor, &kiosk_key, visit).await;
    let started = v.expect("started").await;
    let ends_at = started["ends_at"].as_str().expect("ends_at").to_owned();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let actual_start = visit_row_in(&db, visit).await.actual_start;

    first.kill();
    // Down for six seconds: a lost minute (R13).
    tokio::time::sleep(Duration::from_secs(6)).await;
    let second = start_server(&tdb.any_url(), &data);
    let visitor = second.client(cookie);
    let (mut v, _r, status) = both_join(&second, &visitor, &kiosk_key, visit).await;
    assert_eq!(status["phase"], "live", "{status}");
    assert_eq!(
        status["ends_at"].as_str(),
        Some(ends_at.as_str()),
        "the announced end did not move: {status}"
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        !v.seen.iter().any(|m| m["type"] == "started"),
        "the visit did not start again: {:?}",
        v.seen
    );

    let token = openvisit_store::accounts::create_session(
        &db,
        fx.staff,
        Timestamp::now() + jiff::SignedDuration::from_hours(1),
        Timestamp::now(),
    )
    .await
    .expect("staff session");
    let staff = second.client(Some(format!("ov_session={token}")));
    let (status, body) = staff
        .post(
            &format!("/api/v1/staff/visits/{visit}/end"),
            json!({ "reason": "count" }),
        )
        .await;
    assert_eq!(status, 202, "{body}");
    v.expect("ended").await;
    let row = settled_in(&db, visit).await;
    assert_eq!(row.actual_start, actual_start, "the same start");
    assert_eq!(row.lost_minutes, 1, "{row:?}");
    assert!(
        (4..=10).contains(&row.connected_seconds),
        "about 3 s before the crash and 2 s after: {row:?}"
    );
    let (_, ledger) = visitor.get("/api/v1/ledger").await;
    let credits: Vec<&Value> = ledger
        .as_array()
        .or_else(|| ledger["entries"].as_array())
        .expect("ledger")
        .iter()
        .filter(|l| l["kind"] == "credit")
        .collect();
    assert_eq!(credits.len(), 1, "credited once: {credits:?}");
    assert_eq!(
        credits[0]["amount"], 19,
        "a minute of fifteen on a 2.85 block"
    );

    let files = recording_files(&staff, visit).await;
    for name in [
        "visitor.webm",
        "visitor-2.webm",
        "resident.webm",
        "resident-2.webm",
    ] {
        assert!(
            files.iter().any(|f| f.ends_with(&format!("/{name}"))),
            "no {name} in {files:?}"
        );
    }
    second.kill();
    let _ = std::fs::remove_dir_all(&data);
    tdb.cleanup().await;
}
per_backend!(
    a_server_killed_mid_visit_resumes_it_with_the_same_end_and_credits_the_lost_seconds,
    a_server_killed_mid_visit_resumes_it_with_the_same_end_and_credits_the_lost_seconds,
    multi_thread
);

async fn visit_row_in(db: &openvisit_store::Db, id: i64) -> openvisit_store::visits::Visit {
    let mut conn = db.pool.acquire().await.expect("conn");
    openvisit_store::visits::get_visit(&mut conn, VisitId(id))
        .await
        .expect("visit")
}

async fn settled_in(db: &openvisit_store::Db, id: i64) -> openvisit_store::visits::Visit {
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        let v = visit_row_in(db, id).await;
        if v.status != openvisit_store::visits::VisitStatus::Booked {
            return v;
        }
        assert!(Instant::now() < until, "the visit was never settled");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
