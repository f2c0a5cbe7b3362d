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

#[tokio::test]
async fn booking_cancelling_and_reminding_send_emails_with_one_calendar_event() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let fx = fixture(app.db(), 1, 1, settings()).await;
        let (v, email) = approved_visitor(app.db(), &fx, &fx.residents).await;
        fund(app.db(), v, 2000).await;
        let c = app.client_for(&email, VISITOR_PASSWORD).await;
        let start = local_start(3, 10, 0);
        let (status, visit) = c.post("/api/v1/visits", json!({ "resident_id": fx.residents[0].0, "kind": "remote", "start": start, "length_minutes": 30 })).await;
        assert_eq!(status, 201, "{visit}");
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
}

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
