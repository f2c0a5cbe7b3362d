//! Issue 23, the booking picker: a month calendar with the days that have free times as
//! links, the chosen day's times grouped by morning, afternoon and evening in facility
//! time, and the visitor's own time under each only when it reads differently. Served
//! as plain HTML, so it works without JavaScript; `e2e/booking.mjs` drives it in
//! Chromium with and without.

use jiff::Timestamp;
use jiff::civil::Date;

use crate::harness::*;
use crate::security::page_text;

const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const MONTHS_ES: [&str; 12] = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
];

async fn page(app: &TestApp, client: &Client, path: &str, lang: &str) -> String {
    let (status, html) = page_text(
        &app.base,
        &format!("{path}&lang={lang}"),
        client.cookie.as_deref(),
    )
    .await;
    assert_eq!(status, 200, "{path}: {html}");
    assert!(!html.contains('⟦'), "{path} shows a raw message key");
    html
}

fn chicago_day(days: i64) -> Date {
    let tz = jiff::tz::TimeZone::get("America/Chicago").expect("zone");
    tz.to_datetime(Timestamp::now())
        .date()
        .checked_add(jiff::Span::new().days(days))
        .expect("date")
}

/// The text of every `<label class="slot">`, tags removed.
fn time_labels(html: &str) -> Vec<String> {
    html.split("<label class=\"slot\">")
        .skip(1)
        .map(|rest| {
            let label = &rest[..rest.find("</label>").expect("label end")];
            let mut text = String::new();
            let mut in_tag = false;
            for c in label.chars() {
                match c {
                    '<' => in_tag = true,
                    '>' => in_tag = false,
                    c if !in_tag => text.push(c),
                    _ => {}
                }
            }
            text.split_whitespace().collect::<Vec<_>>().join(" ")
        })
        .collect()
}

/// The `<legend>`s of the time groups, in order.
fn groups(html: &str) -> Vec<&str> {
    html.split("<fieldset class=\"times\"><legend>")
        .skip(1)
        .map(|rest| &rest[..rest.find("</legend>").expect("legend end")])
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_picker_is_a_calendar_of_free_days_and_a_days_times_by_part_of_the_day() {
    let app = TestApp::spawn(openvisit_store::Backend::Sqlite).await;
    let db = app.db();
    // Open every day 08:00–20:00 Chicago time; the visitor lives in New York, an hour on.
    let fx = fixture(db, 1, 1, settings()).await;
    let (visitor, email) = approved_visitor(db, &fx, &fx.residents).await;
    fund(db, visitor, 10_000).await;
    let client = app.client_for(&email, VISITOR_PASSWORD).await;
    let resident = fx.residents[0].0;
    let day = chicago_day(3);
    let path = format!("/book?resident={resident}&kind=remote&length=30&day={day}");

    let en = page(&app, &client, &path, "en").await;
    // A month calendar, headed by the month and the weekdays.
    let today = chicago_day(0);
    let caption = format!(
        "<caption>{} {}</caption>",
        MONTHS_EN[today.month() as usize - 1],
        today.year()
    );
    assert!(en.contains(&caption), "no {caption}: {en}");
    assert!(en.contains("<abbr title=\"Monday\">Mon</abbr>"), "{en}");
    // Two weeks of days, every one open: 13 or 14 links (today's times may be past).
    let links = en.matches("<td><a href=\"/book?").count();
    assert!((13..=14).contains(&links), "{links} day links: {en}");
    // The chosen day is marked, and read out with its number of free times.
    assert_eq!(en.matches("aria-current=\"date\"").count(), 1, "{en}");
    let chosen = format!("day={day}#times-title\" aria-current=\"date\"");
    assert!(
        en.contains(&chosen),
        "day {day} is not the chosen one: {en}"
    );
    assert!(en.contains(": 47 free times</span>"), "{en}");
    // Its times: 08:00 to 19:30 every quarter hour, in three groups, each once, without the date.
    assert_eq!(groups(&en), ["Morning", "Afternoon", "Evening"], "{en}");
    let labels = time_labels(&en);
    assert_eq!(labels.len(), 47, "{labels:?}");
    assert_eq!(labels[0], "08:00 09:00 your time");
    assert_eq!(labels[46], "19:30 20:30 your time");
    assert!(
        en.contains("Free times on ") && en.contains(&format!(" {} ", day.day())),
        "{en}"
    );
    assert!(
        !labels.iter().any(|l| l.contains('-')),
        "a time repeats its date: {labels:?}"
    );
    assert!(
        en.contains("your own time (America/New_York) is under each"),
        "{en}"
    );

    // In Spanish: the month, the weekdays and the parts of the day.
    let es = page(&app, &client, &path, "es").await;
    let caption = format!(
        "<caption>{} de {}</caption>",
        MONTHS_ES[today.month() as usize - 1],
        today.year()
    );
    assert!(es.contains(&caption), "no {caption}: {es}");
    assert!(es.contains("<abbr title=\"lunes\">lun</abbr>"), "{es}");
    assert_eq!(groups(&es), ["Mañana", "Tarde", "Noche"], "{es}");
    assert_eq!(time_labels(&es)[0], "08:00 09:00 tu hora");
    assert!(es.contains(": 47 horarios libres</span>"), "{es}");

    // In the facility's own zone, a time is just its time.
    openvisit_store::accounts::set_preferences(db, visitor, "en", "America/Chicago")
        .await
        .expect("zone");
    let same = page(&app, &client, &path, "en").await;
    let labels = time_labels(&same);
    assert_eq!(labels[0], "08:00");
    assert!(labels.iter().all(|l| l.len() == 5), "{labels:?}");
    assert!(
        same.contains("(America/Chicago), the same as yours"),
        "{same}"
    );

    // Where the visitor's date is another day, their time says which.
    openvisit_store::accounts::set_preferences(db, visitor, "en", "Asia/Tokyo")
        .await
        .expect("zone");
    let far = page(&app, &client, &path, "en").await;
    let labels = time_labels(&far);
    let next_day = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][day
        .tomorrow()
        .expect("tomorrow")
        .weekday()
        .to_monday_zero_offset()
        as usize];
    // Tokyo is 15 hours ahead of Chicago in winter: 08:00 is 23:00 the same day there,
    // 09:00 is midnight the next.
    assert_eq!(labels[0], "08:00 23:00 your time");
    assert_eq!(labels[4], format!("09:00 {next_day} 00:00 your time"));

    // A day without free times (yesterday) falls back to the first day with some.
    let yesterday = chicago_day(-1);
    let back = page(
        &app,
        &client,
        &format!("/book?resident={resident}&kind=remote&length=30&day={yesterday}"),
        "en",
    )
    .await;
    assert_eq!(back.matches("aria-current=\"date\"").count(), 1, "{back}");
    assert!(
        !back.contains(&format!("day={yesterday}#times-title")),
        "{back}"
    );
    assert!(!time_labels(&back).is_empty(), "{back}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_moves_a_visit_on_the_website_until_the_cancellation_notice() {
    let app = TestApp::spawn(openvisit_store::Backend::Sqlite).await;
    let db = app.db();
    let fx = fixture(db, 1, 1, settings()).await;
    let (visitor, email) = approved_visitor(db, &fx, &fx.residents).await;
    fund(db, visitor, 10_000).await;
    let client = app.client_for(&email, VISITOR_PASSWORD).await;
    let booked_at = local_start(3, 10, 0);
    let (status, v) = client
        .post(
            "/api/v1/visits",
            serde_json::json!({ "resident_id": fx.residents[0].0, "kind": "remote", "start": booked_at, "length_minutes": 30 }),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    let id = v["id"].as_i64().expect("id");

    let (_, visits) = page_text(&app.base, "/visits?lang=en", client.cookie.as_deref()).await;
    assert!(
        visits.contains(&format!("href=\"/visits/{id}/move\"")),
        "{visits}"
    );
    // The picker for the visit's own kind and length, the price kept.
    let day = chicago_day(4);
    let path = format!("/visits/{id}/move?day={day}");
    let en = page(&app, &client, &path, "en").await;
    assert!(en.contains("The price stays $5.70"), "{en}");
    assert!(
        en.contains(&format!("day={day}#times-title\" aria-current=\"date\"")),
        "{en}"
    );
    assert_eq!(groups(&en), ["Morning", "Afternoon", "Evening"], "{en}");
    let es = page(&app, &client, &path, "es").await;
    assert!(es.contains("Cambiar el horario de tu visita con"), "{es}");

    let new_start = local_start(4, 14, 15);
    let (status, after) = client
        .submit_form(&path, &[("start", &new_start.as_second().to_string())])
        .await;
    assert_eq!(status, 200, "{after}");
    assert!(after.contains("Your visit was moved."), "{after}");
    let mut conn = db.pool.acquire().await.expect("conn");
    let moved = openvisit_store::visits::get_visit(&mut conn, openvisit_core::VisitId(id))
        .await
        .expect("visit");
    drop(conn);
    assert_eq!(moved.start, new_start);
    assert_eq!(moved.sequence, 1, "the calendar invitation is updated");
    assert_eq!(moved.price.0, 570, "the price is unchanged");

    // A facility whose cancellation notice is ten days: too late to move a visit in three.
    let strict = fixture(
        db,
        1,
        1,
        openvisit_store::facilities::FacilitySettings {
            cancel_notice_minutes: 10 * 24 * 60,
            ..settings()
        },
    )
    .await;
    let (other, other_email) = approved_visitor(db, &strict, &strict.residents).await;
    fund(db, other, 10_000).await;
    let late = app.client_for(&other_email, VISITOR_PASSWORD).await;
    let (status, v) = late
        .post(
            "/api/v1/visits",
            serde_json::json!({ "resident_id": strict.residents[0].0, "kind": "remote", "start": booked_at, "length_minutes": 30 }),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    let late_id = v["id"].as_i64().expect("id");
    let (_, visits) = page_text(&app.base, "/visits?lang=en", late.cookie.as_deref()).await;
    assert!(
        !visits.contains(&format!("/visits/{late_id}/move")),
        "{visits}"
    );
    let path = format!("/visits/{late_id}/move?day={day}");
    let es = page(&app, &late, &path, "es").await;
    assert!(
        es.contains("Ya es tarde para cambiar esta visita: las visitas se pueden cambiar hasta 240 horas antes de empezar."),
        "{es}"
    );
    assert!(!es.contains("name=\"start\""), "{es}");
    // Sent anyway, the store refuses it, in the reader's language.
    let (status, refused) = late
        .submit_form(
            &format!("{path}&lang=es"),
            &[("start", &new_start.as_second().to_string())],
        )
        .await;
    assert_eq!(status, 409, "{refused}");
    assert!(
        refused.contains("una visita se puede mover hasta 240 horas antes"),
        "{refused}"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_facilitys_rules_are_read_and_accepted_before_booking_and_again_after_a_change() {
    let app = TestApp::spawn(openvisit_store::Backend::Sqlite).await;
    let db = app.db();
    let fx = fixture(db, 1, 1, settings()).await;
    let staff = app.client_for(&fx.staff_email, STAFF_PASSWORD).await;
    let (status, facility) = staff.get("/api/v1/staff/facility").await;
    assert_eq!(status, 200, "{facility}");
    let mut s = facility["settings"].clone();
    s["visit_rules"] = serde_json::json!("Dress modestly.\nOnly approved people on camera.");
    s["visit_rules_es"] =
        serde_json::json!("Vístete con recato.\nSolo personas aprobadas en cámara.");
    let (status, answer) = staff.put("/api/v1/staff/facility", s.clone()).await;
    assert_eq!(status, 200, "{answer}");

    let (visitor, email) = approved_visitor(db, &fx, &fx.residents).await;
    fund(db, visitor, 10_000).await;
    let client = app.client_for(&email, VISITOR_PASSWORD).await;
    let resident = fx.residents[0].0;
    let book = serde_json::json!({ "resident_id": resident, "kind": "remote", "start": local_start(3, 10, 0), "length_minutes": 30 });

    // The booking page shows the rules, in the reader's language, instead of the picker.
    let path = format!("/book?resident={resident}");
    let es = page(&app, &client, &path, "es").await;
    assert!(es.contains("<li>Vístete con recato.</li>"), "{es}");
    assert!(es.contains("Leí estas normas y las cumpliré"), "{es}");
    assert!(!es.contains("class=\"calendar\""), "{es}");
    // The API refuses a booking until they are accepted, and says how.
    let (status, refused) = client.post("/api/v1/visits?lang=en", book.clone()).await;
    assert_eq!(status, 409, "{refused}");
    assert!(
        refused["message"]
            .as_str()
            .is_some_and(|m| m.contains("visiting rules")),
        "{refused}"
    );

    // Accepted on the page (its form, with its token), the picker shows.
    let res = client
        .http
        .get(format!("{}{path}", app.base))
        .header("cookie", client.cookie.clone().unwrap_or_default())
        .send()
        .await
        .expect("rules page");
    let csrf = csrf_cookie(&res).expect("form token");
    let token = csrf.trim_start_matches("ov_csrf=").to_owned();
    let facility_id = facility["id"].as_i64().expect("facility id").to_string();
    let answer = client
        .http
        .post(format!("{}/book/rules", app.base))
        .header(
            "cookie",
            format!("{}; {csrf}", client.cookie.clone().unwrap_or_default()),
        )
        .header("content-type", "application/x-www-form-urlencoded")
        .body(crate::pages::form_body(&[
            ("csrf", token.as_str()),
            ("facility", facility_id.as_str()),
            ("revision", "1"),
            ("resident", &resident.to_string()),
        ]))
        .send()
        .await
        .expect("accept");
    assert_eq!(answer.status(), 200, "redirected to the booking page");
    let picker = answer.text().await.expect("page");
    assert!(picker.contains("class=\"calendar\""), "{picker}");
    let (status, v) = client.post("/api/v1/visits", book.clone()).await;
    assert_eq!(status, 201, "{v}");

    // The facility changes its rules: the next booking asks again; an acceptance of the
    // old text is refused.
    s["visit_rules"] = serde_json::json!("Dress modestly.\nNo phones on camera.");
    let (status, answer) = staff.put("/api/v1/staff/facility", s).await;
    assert_eq!(status, 200, "{answer}");
    let again = serde_json::json!({ "resident_id": resident, "kind": "remote", "start": local_start(4, 10, 0), "length_minutes": 30 });
    let (status, refused) = client.post("/api/v1/visits", again.clone()).await;
    assert_eq!(status, 409, "{refused}");
    let accept = format!("/api/v1/facilities/{facility_id}/rules/accept");
    let (status, stale) = client
        .post(&accept, serde_json::json!({ "revision": 1 }))
        .await;
    assert_eq!(status, 409, "{stale}");
    let (_, f) = client
        .get(&format!("/api/v1/facilities/{facility_id}"))
        .await;
    assert_eq!(f["rules_revision"], 2, "{f}");
    let (status, _) = client
        .post(&accept, serde_json::json!({ "revision": 2 }))
        .await;
    assert_eq!(status, 204);
    let (status, v) = client.post("/api/v1/visits", again).await;
    assert_eq!(status, 201, "{v}");
    // Each acceptance is on the audit log.
    let mut conn = db.pool.acquire().await.expect("conn");
    let accepted = openvisit_store::audit::audit_for_facility(&mut conn, fx.facility, 100)
        .await
        .expect("audit")
        .into_iter()
        .filter(|l| l.action == "rules.accepted")
        .count();
    assert_eq!(accepted, 2);
    drop(conn);
    app.stop().await;
}
