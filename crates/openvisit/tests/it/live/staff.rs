//! Staff in a live visit: ending it (with a reason, before it starts), fault credits,
//! and privileged visits nobody may watch or record.

use super::*;

async fn staff_end_a_visit_with_a_reason_and_minutes_lost_to_a_server_fault_are_credited(
    backend: openvisit_store::Backend,
) {
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
    // What happened is data (the minutes lost), written in the reader's language by
    // the pages; the memo holds only words staff wrote.
    assert_eq!(credit["minutes"], 1, "{credit}");
    assert_eq!(credit["memo"], "", "{credit}");
    app.stop().await;
}
per_backend!(
    staff_end_a_visit_with_a_reason_and_minutes_lost_to_a_server_fault_are_credited,
    staff_end_a_visit_with_a_reason_and_minutes_lost_to_a_server_fault_are_credited,
    multi_thread
);

async fn a_privileged_visit_can_be_neither_watched_nor_recorded(backend: openvisit_store::Backend) {
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
    let (status, body) = ask_to_watch(&staff, &b).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"], "privileged");
    staff_ends(&staff, b.visit, "count").await;
    visitor.expect("ended").await;
    resident.expect("ended").await;
    settled(&app, b.visit).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (status, _) = staff
        .get(&format!("/api/v1/staff/visits/{}/recording", b.visit))
        .await;
    assert_eq!(status, 404, "no recording of a privileged visit");
    let folder = recording_folder(&app, b.visit);
    assert!(!folder.exists(), "nothing written to {}", folder.display());
    app.stop().await;
}
per_backend!(
    a_privileged_visit_can_be_neither_watched_nor_recorded,
    a_privileged_visit_can_be_neither_watched_nor_recorded,
    multi_thread
);

async fn staff_ending_a_visit_before_it_started_cancels_it_with_a_full_refund_and_an_email(
    backend: openvisit_store::Backend,
) {
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
per_backend!(
    staff_ending_a_visit_before_it_started_cancels_it_with_a_full_refund_and_an_email,
    staff_ending_a_visit_before_it_started_cancels_it_with_a_full_refund_and_an_email,
    multi_thread
);

/// Security finding 8: every offer on a monitor socket added a media peer that stayed
/// until the room ended (3 sockets × 300 offers: +63 MB). A new offer now replaces the
/// socket's old peer, closing the socket removes it, and a room takes four monitors.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_monitor_holds_one_media_peer_however_often_it_offers() {
    let app = TestApp::spawn(openvisit_store::Backend::Sqlite).await;
    let b = book(&app).await;
    set_clock(&app, b.start);
    let (_visitor, _resident) = both_in(&app, &b).await;
    let hub = app.state.live.clone().expect("live video");
    let peers = || hub.media.counters().peers;
    let staff = b.staff(&app).await;
    let monitor_socket = || async {
        let (status, t) = ask_to_watch(&staff, &b).await;
        assert_eq!(status, 201, "{t}");
        Participant::connect(&app, &t).await
    };
    let parties = peers();
    let mut greedy = monitor_socket().await;
    for _ in 0..100 {
        let offer = OfferingPeer::monitor(LOOPBACK).expect("peer");
        greedy
            .send(json!({ "type": "offer", "sdp": offer.offer_sdp }))
            .await;
        greedy.expect("answer").await;
    }
    assert_eq!(peers(), parties + 1, "100 offers, one peer");
    let mut others = Vec::new();
    for _ in 0..3 {
        let mut m = monitor_socket().await;
        m.start_media(true).await;
        others.push(m);
    }
    assert_eq!(peers(), parties + 4);
    let mut fifth = monitor_socket().await;
    let offer = OfferingPeer::monitor(LOOPBACK).expect("peer");
    fifth
        .send(json!({ "type": "offer", "sdp": offer.offer_sdp }))
        .await;
    let refused = fifth.expect("error").await;
    assert_eq!(refused["code"], "too_many_monitors", "{refused}");
    drop(greedy);
    wait_for("the closed socket's peer is removed", || {
        peers() == parties + 3
    })
    .await;
    app.stop().await;
}

/// Security finding 6: privileged status granted after booking left the visit watched
/// and recorded (R14). Granting it now applies to the visit running at once: the monitor
/// is dropped and refused, the recording so far is deleted, and the parties go on.
async fn granting_privileged_status_during_a_visit_drops_its_monitor_and_deletes_its_recording(
    backend: openvisit_store::Backend,
) {
    let app = TestApp::spawn(backend).await;
    let b = book(&app).await;
    set_clock(&app, b.start);
    let (visitor, resident) = both_in(&app, &b).await;
    let staff = b.staff(&app).await;
    let (status, t) = ask_to_watch(&staff, &b).await;
    assert_eq!(status, 201, "{t}");
    let mut monitor = Participant::connect(&app, &t).await;
    monitor.start_media(true).await;
    wait_for("the monitor sees the visit", || {
        monitor.peer().total_received() > 3
    })
    .await;
    let folder = recording_folder(&app, b.visit);
    assert!(folder.exists(), "the visit is being recorded");

    grant_privileged(&staff, "/api/v1/staff/approvals?status=approved").await;

    let dropped = monitor.expect("error").await;
    assert_eq!(dropped["code"], "privileged", "{dropped}");
    wait_for("the recording so far is deleted", || !folder.exists()).await;
    let (_, v) = b.visitor.get(&format!("/api/v1/visits/{}", b.visit)).await;
    assert_eq!(v["privileged"], true, "{v}");
    let (status, body) = ask_to_watch(&staff, &b).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"], "privileged");

    // The visit itself goes on, unwatched and unrecorded.
    let (seen_v, seen_r) = (visitor.peer().received(1), resident.peer().received(1));
    wait_for("media still flows both ways", || {
        visitor.peer().received(1) > seen_v + 3 && resident.peer().received(1) > seen_r + 3
    })
    .await;
    assert!(!folder.exists(), "nothing is written after the grant");
    staff_ends(&staff, b.visit, "count").await;
    settled(&app, b.visit).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (status, _) = staff
        .get(&format!("/api/v1/staff/visits/{}/recording", b.visit))
        .await;
    assert_eq!(
        status, 404,
        "no recording of a visit that became privileged"
    );
    assert!(!folder.exists());
    app.stop().await;
}
per_backend!(
    granting_privileged_status_during_a_visit_drops_its_monitor_and_deletes_its_recording,
    granting_privileged_status_during_a_visit_drops_its_monitor_and_deletes_its_recording,
    multi_thread
);

/// One definition of what occupies a kiosk and a resident, read by availability and by
/// booking alike: after staff end a visit early, the times offered are the times a
/// booking accepts (once, the rest of the ended visit's slot was offered and then
/// refused with 409 `slot_taken`).
async fn after_a_visit_ended_early_every_time_offered_can_be_booked(
    backend: openvisit_store::Backend,
) {
    let app = TestApp::spawn(backend).await;
    let rules = openvisit_store::facilities::FacilitySettings {
        slot_grid_minutes: 5,
        min_notice_minutes: 0,
        ..settings()
    };
    let b = book_under(&app, false, rules).await;
    set_clock(&app, b.start);
    let (mut visitor, _resident) = both_in(&app, &b).await;
    set_clock(&app, b.start + jiff::SignedDuration::from_mins(1));
    let staff = b.staff(&app).await;
    staff_ends(&staff, b.visit, "count").await;
    visitor.expect("ended").await;
    settled(&app, b.visit).await;

    let day = jiff::tz::TimeZone::get("America/Chicago")
        .expect("zone")
        .to_datetime(b.start)
        .date();
    let (status, avail) = b
        .visitor
        .get(&format!(
            "/api/v1/availability?resident_id={}&kind=remote&length_minutes=15&from={day}&to={day}",
            b.resident.0
        ))
        .await;
    assert_eq!(status, 200, "{avail}");
    let offered: Vec<Timestamp> = avail["slots"]
        .as_array()
        .expect("slots")
        .iter()
        .filter_map(|s| s["start"].as_str()?.parse().ok())
        .filter(|t| *t < b.start + jiff::SignedDuration::from_mins(30))
        .collect();
    // The ended visit's slot (to 12:15) still holds the kiosk and the resident.
    let first = *offered.first().expect("times after the visit are offered");
    assert_eq!(
        first,
        b.start + jiff::SignedDuration::from_mins(15),
        "{offered:?}"
    );
    let (status, booked) = b
        .visitor
        .post(
            "/api/v1/visits",
            json!({ "resident_id": b.resident.0, "kind": "remote", "start": first, "length_minutes": 15 }),
        )
        .await;
    assert_eq!(status, 201, "the first time offered is accepted: {booked}");
    app.stop().await;
}
per_backend!(
    after_a_visit_ended_early_every_time_offered_can_be_booked,
    after_a_visit_ended_early_every_time_offered_can_be_booked,
    multi_thread
);
