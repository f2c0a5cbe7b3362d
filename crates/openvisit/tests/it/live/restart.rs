//! A server restarted while a visit is live (an upgrade here; `kill -9` of the real
//! binary in `crash`): the visit carries on with the same announced end, what was
//! recorded before is kept as its own part, and the seconds the platform lost are
//! credited, never charged as a no-show (R4, R5, R13).

use super::*;

/// Both parties connected to a visit started two minutes early (so its end is counted
/// from the actual start), with media both ways. Returns the announced end as sent.
async fn a_live_visit(app: &TestApp, b: &Booked) -> (Participant, Participant, String) {
    set_clock(app, b.start - jiff::SignedDuration::from_mins(2));
    let (visitor, resident) = both_in(app, b).await;
    let started = visitor
        .seen
        .iter()
        .find(|m| m["type"] == "started")
        .cloned()
        .expect("started");
    wait_for("media both ways", || {
        visitor.peer().received(1) > 20 && resident.peer().received(1) > 20
    })
    .await;
    let ends_at = started["ends_at"].as_str().expect("ends_at").to_owned();
    (visitor, resident, ends_at)
}

/// The same visitor session, on the restarted server's address.
fn on(app: &TestApp, client: &Client) -> Client {
    Client {
        http: client.http.clone(),
        base: app.base.clone(),
        cookie: client.cookie.clone(),
    }
}

/// A party's new connection after the restart: ticket, socket, the status it is told.
async fn rejoin(app: &TestApp, b: &Booked, visitor: bool) -> (Participant, Value) {
    let ticket = if visitor {
        let (status, t) = on(app, &b.visitor)
            .post(
                &format!("/api/v1/visits/{}/live-ticket", b.visit),
                json!({}),
            )
            .await;
        assert_eq!(status, 201, "{t}");
        t
    } else {
        let (status, t) = kiosk_ticket(app, b, "2468").await;
        assert_eq!(status, 201, "{t}");
        t
    };
    let mut p = Participant::connect(app, &ticket).await;
    let status = p.expect("status").await;
    (p, status)
}

/// The credit lines on the visitor's ledger.
async fn credits(app: &TestApp, b: &Booked) -> Vec<Value> {
    let (_, ledger) = on(app, &b.visitor).get("/api/v1/ledger").await;
    ledger
        .as_array()
        .or_else(|| ledger["entries"].as_array())
        .expect("ledger lines")
        .iter()
        .filter(|l| l["kind"] == "credit")
        .cloned()
        .collect()
}

async fn a_visit_live_across_an_upgrade_keeps_its_end_and_recording_and_credits_the_outage(
    backend: openvisit_store::Backend,
) {
    let app = TestApp::spawn(backend).await;
    let b = book(&app).await;
    let (visitor, resident, ends_at) = a_live_visit(&app, &b).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let before = visit_row(&app, b.visit).await;
    let app = app.restart().await;
    drop((visitor, resident));
    // Down for eight seconds: a lost minute (R13).
    app.state.clock.advance_seconds(8);
    let (mut visitor, status) = rejoin(&app, &b, true).await;
    assert_eq!(status["phase"], "live", "{status}");
    assert_eq!(
        status["ends_at"].as_str(),
        Some(ends_at.as_str()),
        "the announced end does not move: {status}"
    );
    let (mut resident, _) = rejoin(&app, &b, false).await;
    for p in [&mut visitor, &mut resident] {
        p.start_media(false).await;
        p.send(json!({ "type": "ready" })).await;
    }
    wait_for("media both ways again", || {
        visitor.peer().received(1) > 20 && resident.peer().received(1) > 20
    })
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        !visitor.seen.iter().any(|m| m["type"] == "started"),
        "a resumed visit does not start again: {:?}",
        visitor.seen
    );

    let staff = b.staff(&app).await;
    staff_ends(&staff, b.visit, "count").await;
    visitor.expect("ended").await;
    let v = settled(&app, b.visit).await;
    assert_eq!(v.actual_start, before.actual_start, "the same start");
    assert_eq!(v.lost_minutes, 1, "the eight seconds down: {v:?}");
    let connected = v.connected_seconds;
    assert!(
        (4..=9).contains(&connected),
        "about 3 s before and 2–3 s after the restart were connected: {connected}"
    );
    let credits = credits(&app, &b).await;
    assert_eq!(credits.len(), 1, "credited once: {credits:?}");
    assert_eq!(
        credits[0]["amount"], 19,
        "a minute of fifteen on a 2.85 block"
    );

    // Before and after the restart, each its own part for each party.
    let files = recording_files(&staff, b.visit).await;
    for name in [
        "visitor.webm",
        "visitor-2.webm",
        "resident.webm",
        "resident-2.webm",
    ] {
        let f = files
            .iter()
            .find(|f| f.ends_with(&format!("/{name}")))
            .unwrap_or_else(|| panic!("no {name} in {files:?}"));
        let (status, bytes) = fetch(&staff, f).await;
        assert_eq!(status, 200, "{f}");
        assert!(
            bytes.len() > 1000,
            "{name} holds media: {} bytes",
            bytes.len()
        );
    }
    let left: Vec<String> = std::fs::read_dir(recording_folder(&app, b.visit))
        .expect("recording folder")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| !n.ends_with(".webm"))
        .collect();
    assert!(left.is_empty(), "raw files left behind: {left:?}");
    app.stop().await;
}
per_backend!(
    a_visit_live_across_an_upgrade_keeps_its_end_and_recording_and_credits_the_outage,
    a_visit_live_across_an_upgrade_keeps_its_end_and_recording_and_credits_the_outage,
    multi_thread
);

/// The review's worst case: nobody came back after the restart. The visit still ends at
/// its announced end, as completed with the seconds really connected, and the rest is
/// credited as lost to the platform: not "missed by both", not charged in full.
async fn a_visit_nobody_rejoins_after_a_restart_is_credited_not_called_a_no_show(
    backend: openvisit_store::Backend,
) {
    let app = TestApp::spawn(backend).await;
    let b = book(&app).await;
    let (visitor, resident, ends_at) = a_live_visit(&app, &b).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let app = app.restart().await;
    drop((visitor, resident));
    let end: Timestamp = ends_at.parse().expect("ends_at");
    set_clock(&app, end + jiff::SignedDuration::from_secs(2));

    let v = settled(&app, b.visit).await;
    assert_eq!(
        v.status,
        openvisit_store::visits::VisitStatus::Completed,
        "{v:?}"
    );
    assert_eq!(v.missed_by, None);
    assert_eq!(v.actual_end.map(|t| t.as_second()), Some(end.as_second()));
    let connected = v.connected_seconds;
    assert!((2..=6).contains(&connected), "{connected} s connected");
    assert_eq!(v.lost_minutes, 15, "every minute after the crash: {v:?}");
    let credits = credits(&app, &b).await;
    assert_eq!(credits.len(), 1, "{credits:?}");
    assert_eq!(credits[0]["amount"], 285, "the whole block back");

    // What was recorded before the restart is kept and assembled.
    let staff = b.staff(&app).await;
    let files = recording_files(&staff, b.visit).await;
    assert!(
        files.iter().any(|f| f.ends_with("/visitor.webm")),
        "{files:?}"
    );
    app.stop().await;
}
per_backend!(
    a_visit_nobody_rejoins_after_a_restart_is_credited_not_called_a_no_show,
    a_visit_nobody_rejoins_after_a_restart_is_credited_not_called_a_no_show,
    multi_thread
);
