//! Booking, cancellation and reminder emails with calendar invitations (R15).

use icalendar::{Calendar, Component};
use serde_json::{Value, json};

use crate::harness::*;

fn ics_of(email: &Value) -> Calendar {
    let text = email["attachments"][0]["text"]
        .as_str()
        .expect("an .ics attachment");
    text.parse().expect("the invitation parses")
}

fn event_prop(cal: &Calendar, name: &str) -> Option<String> {
    cal.components
        .iter()
        .find_map(|c| c.as_event())
        .and_then(|e| e.property_value(name).map(str::to_owned))
}

async fn booking_cancelling_and_reminding_send_emails_with_one_calendar_event(
    backend: openvisit_store::Backend,
) {
    let app = TestApp::spawn(backend).await;
    let fx = fixture(app.db(), 1, 1, settings()).await;
    let (v, email) = approved_visitor(app.db(), &fx, &fx.residents).await;
    fund(app.db(), v, 2000).await;
    let c = app.client_for(&email, VISITOR_PASSWORD).await;
    let start = local_start(3, 10, 0);
    let visit = c.book_remote(fx.residents[0], start, 30).await;
    let booked = app
        .email_summaries()
        .into_iter()
        .find(|e| e["to"] == email)
        .expect("a booking email");
    assert!(
        booked["subject"]
            .as_str()
            .is_some_and(|s| s.contains("is booked")),
        "{booked}"
    );
    let cal = ics_of(&booked);
    let uid = event_prop(&cal, "UID").expect("uid");
    assert_eq!(uid, format!("visit-{}@openvisit", visit["id"]));
    // iTIP: the sender organizes, the visitor attends.
    let ics_text = booked["attachments"][0]["text"]
        .as_str()
        .unwrap_or_default()
        .replace("\r\n ", "");
    assert!(
        ics_text.lines().any(|l| l.starts_with("ATTENDEE;CN=")
            && l.contains("PARTSTAT=ACCEPTED")
            && l.ends_with(&format!(":mailto:{email}"))),
        "the visitor is the attendee: {ics_text}"
    );
    assert!(
        event_prop(&cal, "ORGANIZER").is_some_and(|o| o == "mailto:no-reply@openvisit.localhost"),
        "the sender organizes: {ics_text}"
    );
    let utc = |ts: &str| {
        ts.parse::<jiff::Timestamp>()
            .expect("ts")
            .strftime("%Y%m%dT%H%M%SZ")
            .to_string()
    };
    assert_eq!(
        event_prop(&cal, "DTSTART"),
        Some(utc(visit["start"].as_str().expect("start")))
    );
    assert_eq!(
        event_prop(&cal, "DTEND"),
        Some(utc(visit["end"].as_str().expect("end")))
    );
    assert_eq!(event_prop(&cal, "SEQUENCE").as_deref(), Some("0"));

    let (status, _) = c
        .post(&format!("/api/v1/visits/{}/cancel", visit["id"]), json!({}))
        .await;
    assert_eq!(status, 200);
    let cancelled = app
        .email_summaries()
        .into_iter()
        .rev()
        .find(|e| e["to"] == email)
        .expect("a cancellation email");
    assert!(
        cancelled["text"]
            .as_str()
            .is_some_and(|t| t.contains("$5.70 went back")),
        "{cancelled}"
    );
    let cal = ics_of(&cancelled);
    assert_eq!(event_prop(&cal, "UID"), Some(uid), "the same event");
    assert_eq!(event_prop(&cal, "STATUS").as_deref(), Some("CANCELLED"));
    assert_eq!(event_prop(&cal, "SEQUENCE").as_deref(), Some("1"));

    // A visit two hours ahead gets one reminder, however often the job runs.
    let soon = c.post("/api/v1/visits", json!({ "resident_id": fx.residents[0].0, "kind": "remote", "start": next_quarter_hour_in(120), "length_minutes": 15 })).await;
    let (status, body) = soon;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        openvisit_web::notify::send_due_reminders(&app.state, 24 * 60).await,
        1
    );
    assert_eq!(
        openvisit_web::notify::send_due_reminders(&app.state, 24 * 60).await,
        0
    );
    let reminder = app
        .email_summaries()
        .into_iter()
        .rev()
        .find(|e| e["to"] == email)
        .expect("a reminder");
    assert!(
        reminder["subject"]
            .as_str()
            .is_some_and(|s| s.starts_with("Reminder")),
        "{reminder}"
    );
    app.stop().await;
}
per_backend!(
    booking_cancelling_and_reminding_send_emails_with_one_calendar_event,
    booking_cancelling_and_reminding_send_emails_with_one_calendar_event
);

/// A start on the 15-minute grid at least `minutes` from now (inside 08:00–20:00
/// Chicago time, or the next morning).
fn next_quarter_hour_in(minutes: i64) -> jiff::Timestamp {
    let tz = jiff::tz::TimeZone::get("America/Chicago").expect("tz");
    let earliest = jiff::Timestamp::now().as_second() + minutes * 60;
    let mut t = earliest + (900 - earliest.rem_euclid(900));
    loop {
        let ts = jiff::Timestamp::from_second(t).expect("ts");
        let h = tz.to_datetime(ts).hour();
        if (8..19).contains(&h) {
            return ts;
        }
        t += 900;
    }
}

async fn moving_a_visit_keeps_its_invitation_frees_the_old_time_and_never_half_moves(
    backend: openvisit_store::Backend,
) {
    let app = TestApp::spawn(backend).await;
    let fx = fixture(app.db(), 1, 2, settings()).await;
    let (v, email) = approved_visitor(app.db(), &fx, &fx.residents[..1]).await;
    let (w, other_email) = approved_visitor(app.db(), &fx, &fx.residents[1..]).await;
    fund(app.db(), v, 2000).await;
    fund(app.db(), w, 2000).await;
    let c = app.client_for(&email, VISITOR_PASSWORD).await;
    let other = app.client_for(&other_email, VISITOR_PASSWORD).await;
    let (old, new, taken) = (
        local_start(3, 10, 0),
        local_start(4, 15, 0),
        local_start(5, 9, 0),
    );
    let (_, visit) = c.post("/api/v1/visits", json!({ "resident_id": fx.residents[0].0, "kind": "remote", "start": old, "length_minutes": 30 })).await;
    let id = visit["id"].as_i64().expect("id");
    // The other visitor holds the only kiosk at `taken`.
    let _ = other.book_remote(fx.residents[1], taken, 30).await;
    let (status, body) = c
        .post(
            &format!("/api/v1/visits/{id}/reschedule"),
            json!({ "start": taken }),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("slot_taken")),
        "{body}"
    );
    let (_, still) = c.get(&format!("/api/v1/visits/{id}")).await;
    assert_eq!(
        still["start"], visit["start"],
        "a refused move changes nothing"
    );
    let (status, moved) = c
        .post(
            &format!("/api/v1/visits/{id}/reschedule"),
            json!({ "start": new }),
        )
        .await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(
        (
            moved["id"].as_i64(),
            moved["sequence"].as_i64(),
            moved["price"].as_i64()
        ),
        (Some(id), Some(1), Some(570))
    );
    // The old time is free for someone else now.
    other.book_remote(fx.residents[1], old, 30).await;
    let changed = app
        .email_summaries()
        .into_iter()
        .rev()
        .find(|e| e["to"] == email)
        .expect("a change email");
    assert!(
        changed["subject"]
            .as_str()
            .is_some_and(|s| s.contains("new time")),
        "{changed}"
    );
    let cal = ics_of(&changed);
    assert_eq!(
        event_prop(&cal, "UID"),
        Some(format!("visit-{id}@openvisit"))
    );
    assert_eq!(event_prop(&cal, "SEQUENCE").as_deref(), Some("1"));
    assert_eq!(
        event_prop(&cal, "DTSTART"),
        Some(new.strftime("%Y%m%dT%H%M%SZ").to_string())
    );
    // The balance did not move; the ledger balances; no overlaps.
    let (_, bal) = c.get("/api/v1/balance").await;
    assert_eq!(bal["balance_cents"], 2000 - 570);
    let mut conn = app.db().pool.acquire().await.expect("conn");
    assert_eq!(
        openvisit_store::visits::overlapping_visits(&mut conn)
            .await
            .expect("pairs"),
        0
    );
    drop(conn);
    // Inside the notice period a visit can no longer be moved.
    app.state
        .clock
        .advance_seconds(new.as_second() - jiff::Timestamp::now().as_second() - 3600);
    let (status, body) = c
        .post(
            &format!("/api/v1/visits/{id}/reschedule"),
            json!({ "start": local_start(6, 9, 0) }),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    app.stop().await;
}
per_backend!(
    moving_a_visit_keeps_its_invitation_frees_the_old_time_and_never_half_moves,
    moving_a_visit_keeps_its_invitation_frees_the_old_time_and_never_half_moves
);
