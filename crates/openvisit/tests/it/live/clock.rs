//! The visit clock through the server: waiting room, start, warnings, the enforced end,
//! rejoin, and visits nobody joined.

use super::*;

async fn a_late_started_visit_flows_both_ways_is_watched_unseen_and_ends_at_the_scheduled_end(
    backend: openvisit_store::Backend,
) {
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

    // Both arrive 15 seconds before the scheduled end (R4: it still ends then).
    set_clock(&app, end - jiff::SignedDuration::from_secs(15));
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
    let (status, t) = ask_to_watch(&b.staff(&app).await, &b).await;
    assert_eq!(status, 201, "{t}");
    let mut monitor = Participant::connect(&app, &t).await;
    monitor.start_media(true).await;
    wait_for("the monitor sees and hears both", || {
        (0..4).all(|l| monitor.peer().received(l) > 2)
    })
    .await;
    // A visitor cannot watch as a monitor.
    let (status, _) = ask_to_watch(&b.visitor, &b).await;
    assert_eq!(status, 403);

    // The end comes from the server at the scheduled end, for everyone.
    let ended = visitor.expect("ended").await;
    assert_eq!(ended["outcome"]["kind"], "completed", "{ended}");
    let ended = resident.expect("ended").await;
    assert_eq!(ended["outcome"]["kind"], "completed");
    let stopped_at = Instant::now();
    // Packets the server sent just before the end may still be in the peers' sockets
    // when the WebSocket message arrives; those are allowed 100 ms (checked below).
    tokio::time::sleep(Duration::from_millis(150)).await;
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
    assert!(actual_start >= end - jiff::SignedDuration::from_secs(16));
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
    let files = recording_files(&staff, b.visit).await;
    assert_eq!(files.len(), 2, "{files:?}");
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
per_backend!(
    a_late_started_visit_flows_both_ways_is_watched_unseen_and_ends_at_the_scheduled_end,
    a_late_started_visit_flows_both_ways_is_watched_unseen_and_ends_at_the_scheduled_end,
    multi_thread
);

async fn a_visit_nobody_joined_is_settled_as_missed_after_its_end(
    backend: openvisit_store::Backend,
) {
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
    // Staff record why the resident did not come (audited); only for a missed visit.
    let staff = b.staff(&app).await;
    let path = format!("/api/v1/staff/visits/{}/no-show", b.visit);
    let (status, _) = staff.post(&path, json!({ "reason": " " })).await;
    assert_eq!(status, 422);
    let (status, body) = staff.post(&path, json!({ "reason": "at court" })).await;
    assert_eq!(status, 204, "{body}");
    let v = visit_row(&app, b.visit).await;
    assert_eq!(v.end_reason.as_deref(), Some("at court"));
    let (_, audit) = staff
        .get("/api/v1/staff/audit?action=visit.no_show_reason")
        .await;
    assert_eq!(audit.as_array().map(Vec::len), Some(1), "{audit}");
    app.stop().await;
}
per_backend!(
    a_visit_nobody_joined_is_settled_as_missed_after_its_end,
    a_visit_nobody_joined_is_settled_as_missed_after_its_end,
    multi_thread
);

async fn the_waiting_room_shows_status_and_notices_and_a_dropped_party_rejoins_with_the_same_end(
    backend: openvisit_store::Backend,
) {
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
    // Staff's words in English and Spanish: each page shows its reader's language.
    let (status, body) = staff
        .post(
            &notices,
            json!({ "kind": "delay", "text": "The count is running late.", "text_es": "El recuento va con retraso." }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let notice = visitor.expect("notice").await;
    assert_eq!(notice["kind"], "delay");
    assert_eq!(
        (notice["body"].as_str(), notice["body_es"].as_str()),
        (
            Some("The count is running late."),
            Some("El recuento va con retraso.")
        )
    );
    let (status, _) = staff
        .post(&notices, json!({ "kind": "other", "text": " " }))
        .await;
    assert_eq!(status, 422, "an 'other' notice needs words");
    let (status, body) = staff
        .post(
            &notices,
            json!({ "kind": "other", "text_es": "Traiga su identificación." }),
        )
        .await;
    assert_eq!(status, 201, "words in Spanish alone will do: {body}");
    assert_eq!(
        visitor.expect("notice").await["body_es"],
        "Traiga su identificación."
    );
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
    // A party joining later still gets the notices.
    assert_eq!(
        resident.expect("notice").await["body_es"],
        "El recuento va con retraso."
    );
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
    // Started about five minutes early: it lasts its 15 minutes, so it ends about 10
    // minutes after the scheduled start (R5), however long the joining took.
    let end: Timestamp = started["ends_at"]
        .as_str()
        .and_then(|t| t.parse().ok())
        .expect("ends_at");
    let ten = b.start + jiff::SignedDuration::from_mins(10);
    assert!(
        end >= ten && end < ten + jiff::SignedDuration::from_secs(60),
        "ends at {end}, not start + 15 minutes after an early start"
    );
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
    staff_ends(&staff, b.visit, "test over").await;
    visitor.expect("ended").await;
    app.stop().await;
}
per_backend!(
    the_waiting_room_shows_status_and_notices_and_a_dropped_party_rejoins_with_the_same_end,
    the_waiting_room_shows_status_and_notices_and_a_dropped_party_rejoins_with_the_same_end,
    multi_thread
);

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
        waited < Duration::from_secs(8),
        "the warning came after {waited:?}, not about 3 s"
    );
    assert_eq!(resident.expect("warning").await["minutes_left"], 1);
    assert!(
        !visitor.seen.iter().any(|m| m["minutes_left"] == 5),
        "no 5-minute warning for a visit that started with less"
    );
    app.stop().await;
}
