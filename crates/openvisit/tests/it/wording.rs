//! Issue 23, "what families and officers see": the words on the pages, in English and
//! Spanish. Plurals follow each language's rules, a free visit says nothing about
//! money, "under way" waits for the start, the kiosk explains itself when it is not set
//! up, and the console shows weekdays and cancellation reasons in the reader's language.

use jiff::{SignedDuration, Timestamp};
use openvisit_core::facility::PricingMode;
use openvisit_store::facilities::FacilitySettings;
use serde_json::json;

use crate::harness::*;
use crate::security::page_text;

/// Books a remote visit through the API; its id.
async fn book(client: &Client, resident: openvisit_core::ResidentId, start: Timestamp) -> i64 {
    let v = client.book_remote(resident, start, 15).await;
    v["id"].as_i64().expect("id")
}

/// The page at `path` in `lang` (`?lang=` or `&lang=` is added), with the client's
/// session; it must answer `want`.
async fn text(app: &TestApp, client: &Client, path: &str, lang: &str, want: u16) -> String {
    let glue = if path.contains('?') { '&' } else { '?' };
    let path = format!("{path}{glue}lang={lang}");
    let (status, html) = page_text(&app.base, &path, client.cookie.as_deref()).await;
    assert_eq!(status, want, "{path}: {html}");
    assert!(!html.contains('⟦'), "{path} shows a raw message key");
    html
}

async fn slug_of(app: &TestApp, fx: &Fixture) -> String {
    let mut conn = app.db().pool.acquire().await.expect("conn");
    openvisit_store::facilities::get_facility(&mut conn, fx.facility)
        .await
        .expect("facility")
        .slug
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn countdowns_use_singular_forms_and_under_way_waits_for_the_start() {
    let app = TestApp::spawn(openvisit_store::Backend::Sqlite).await;
    let db = app.db();
    let fx = fixture(db, 1, 1, settings()).await;
    let (visitor, email) = approved_visitor(db, &fx, &fx.residents).await;
    fund(db, visitor, 10_000).await;
    let client = app.client_for(&email, VISITOR_PASSWORD).await;
    let first = local_start(3, 12, 0);
    book(&client, fx.residents[0], first).await;
    book(
        &client,
        fx.residents[0],
        first + SignedDuration::from_hours(1),
    )
    .await;
    book(
        &client,
        fx.residents[0],
        first + SignedDuration::from_hours(25),
    )
    .await;

    // Half a minute before the first visit: it has not started, and it starts in one
    // minute (not "0 minutes", and not "Under way now").
    let target = first - SignedDuration::from_secs(30);
    let move_by = target.as_second() - app.state.clock.now().as_second();
    app.state.clock.advance_seconds(move_by);

    let en = text(&app, &client, "/visits", "en", 200).await;
    assert!(!en.contains("Under way now"), "{en}");
    assert!(en.contains("Starts in 1 minute<"), "{en}");
    assert!(en.contains("Starts in 1 hour and 1 minute<"), "{en}");
    assert!(en.contains("Starts in 1 day and 1 hour<"), "{en}");
    assert!(!en.contains(" 1 days") && !en.contains(" 1 hours"), "{en}");
    // Inside the 24-hour notice a paid visit gives nothing back, and says so in words;
    // the visit a day away still shows its refund.
    assert!(
        en.contains("Cancel this visit (too late for a refund)"),
        "{en}"
    );
    assert!(
        en.contains("Cancel this visit (you get $2.85 back)"),
        "{en}"
    );
    assert!(!en.contains("$0.00 back"), "{en}");
    let es = text(&app, &client, "/visits", "es", 200).await;
    assert!(!es.contains("En curso"), "{es}");
    assert!(es.contains("Empieza en 1 minuto<"), "{es}");
    assert!(es.contains("Empieza en 1 hora y 1 minuto<"), "{es}");
    assert!(es.contains("Empieza en 1 día y 1 hora<"), "{es}");
    assert!(
        es.contains("Cancelar esta visita (ya es tarde para un reembolso)"),
        "{es}"
    );

    // Once the start has passed, it is under way.
    app.state.clock.advance_seconds(60);
    let en = text(&app, &client, "/visits", "en", 200).await;
    assert!(en.contains("Under way now"), "{en}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_free_visit_is_cancelled_without_talk_of_money() {
    let app = TestApp::spawn(openvisit_store::Backend::Sqlite).await;
    let db = app.db();
    let free = FacilitySettings {
        pricing_mode: PricingMode::Free,
        fee_cents: 0,
        ..settings()
    };
    let fx = fixture(db, 1, 1, free).await;
    let (_, email) = approved_visitor(db, &fx, &fx.residents).await;
    let client = app.client_for(&email, VISITOR_PASSWORD).await;
    let id = book(&client, fx.residents[0], local_start(3, 12, 0)).await;

    let en = text(&app, &client, "/visits", "en", 200).await;
    assert!(en.contains("Cancel this visit</a>"), "{en}");
    assert!(en.contains("Free"), "{en}");
    assert!(!en.contains("$0.00") && !en.contains("back)"), "{en}");
    let es = text(&app, &client, "/visits", "es", 200).await;
    assert!(es.contains("Cancelar esta visita</a>"), "{es}");
    // Cancelling asks once, without talk of money for a free visit.
    let ask = text(&app, &client, &format!("/visits/{id}/cancel"), "en", 200).await;
    assert!(ask.contains("Cancel this visit?"), "{ask}");
    assert!(ask.contains("Yes, cancel the visit</button>"), "{ask}");
    assert!(ask.contains("No, keep the visit"), "{ask}");
    assert!(!ask.contains('$'), "{ask}");
    let ask = text(&app, &client, &format!("/visits/{id}/cancel"), "es", 200).await;
    assert!(ask.contains("¿Cancelar esta visita?"), "{ask}");
    assert!(ask.contains("Sí, cancelar la visita</button>"), "{ask}");
    assert!(es.contains("Gratuita"), "{es}");
    assert!(!es.contains("$0.00") && !es.contains("de vuelta"), "{es}");

    // Cancel with the page's form, as a browser does; the answer names no money.
    for (lang, done) in [
        ("en", "The visit is cancelled.<"),
        ("es", "La visita está cancelada.<"),
    ] {
        let id = if lang == "en" {
            id
        } else {
            book(&client, fx.residents[0], local_start(4, 12, 0)).await
        };
        let http = reqwest::Client::new();
        let session = client.cookie.clone().expect("session");
        let form = http
            .get(format!("{}/visits?lang={lang}", app.base))
            .header("cookie", &session)
            .send()
            .await
            .expect("get");
        let csrf = csrf_cookie(&form).expect("form token");
        let token = csrf.trim_start_matches("ov_csrf=").to_owned();
        let res = http
            .post(format!("{}/visits/{id}/cancel", app.base))
            .header("cookie", format!("{session}; {csrf}; ov_lang={lang}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(crate::pages::form_body(&[("csrf", &token)]))
            .send()
            .await
            .expect("post");
        assert_eq!(res.status().as_u16(), 200, "followed to the visits page");
        let page = res.text().await.expect("text");
        assert!(page.contains(done), "{page}");
        assert!(!page.contains("$0.00"), "{page}");
    }
    // Nor do the cancellation emails (the account's language: English).
    openvisit_web::notify::send_queued(&app.state).await;
    let cancelled: Vec<String> = app
        .email_summaries()
        .into_iter()
        .filter(|e| e["to"] == email.as_str())
        .filter(|e| {
            e["subject"]
                .as_str()
                .is_some_and(|s| s.contains("is cancelled"))
        })
        .filter_map(|e| e["text"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(cancelled.len(), 2, "one email per cancelled visit");
    for text in cancelled {
        assert!(text.contains("is cancelled"), "{text}");
        assert!(
            !text.contains("$0.00") && !text.contains("went back"),
            "{text}"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn the_cancellation_cutoff_reads_naturally_at_zero_and_one_hour() {
    let app = TestApp::spawn(openvisit_store::Backend::Sqlite).await;
    let anyone = app.anonymous();
    let cutoff = |minutes| FacilitySettings {
        cancel_notice_minutes: minutes,
        ..settings()
    };
    let none = fixture(app.db(), 1, 0, cutoff(0)).await;
    let path = format!("/facilities/{}", slug_of(&app, &none).await);
    let en = text(&app, &anyone, &path, "en", 200).await;
    assert!(
        en.contains("You can cancel until the visit starts for a full refund."),
        "{en}"
    );
    assert!(!en.contains("0 hours"), "{en}");
    let es = text(&app, &anyone, &path, "es", 200).await;
    assert!(
        es.contains("Puedes cancelar hasta que empiece la visita y recibir el reembolso completo."),
        "{es}"
    );
    assert!(!es.contains("0 horas"), "{es}");

    let hour = fixture(app.db(), 1, 0, cutoff(60)).await;
    let path = format!("/facilities/{}", slug_of(&app, &hour).await);
    let en = text(&app, &anyone, &path, "en", 200).await;
    assert!(
        en.contains("You can cancel up to 1 hour before a visit for a full refund."),
        "{en}"
    );
    let es = text(&app, &anyone, &path, "es", 200).await;
    assert!(
        es.contains("Puedes cancelar hasta 1 hora antes de una visita"),
        "{es}"
    );

    // Not whole hours: in minutes, never rounded down to "until the visit starts".
    let half = fixture(app.db(), 1, 0, cutoff(30)).await;
    let path = format!("/facilities/{}", slug_of(&app, &half).await);
    let en = text(&app, &anyone, &path, "en", 200).await;
    assert!(
        en.contains("You can cancel up to 30 minutes before a visit for a full refund."),
        "{en}"
    );
    let es = text(&app, &anyone, &path, "es", 200).await;
    assert!(
        es.contains("Puedes cancelar hasta 30 minutos antes de una visita"),
        "{es}"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_day_with_one_free_time_says_so_in_the_singular() {
    let app = TestApp::spawn(openvisit_store::Backend::Sqlite).await;
    let db = app.db();
    let fx = fixture(db, 1, 0, settings()).await;
    // A unit open a quarter of an hour a day: one 15-minute time each day.
    let mut tx = db.begin_write().await.expect("tx");
    let unit = openvisit_store::places::create_unit(&mut tx, fx.facility, "Q Pod")
        .await
        .expect("unit");
    openvisit_store::places::create_kiosk(&mut tx, fx.facility, Some(unit), "Q kiosk")
        .await
        .expect("kiosk");
    for weekday in 1..=7 {
        openvisit_store::places::add_hours(&mut tx, fx.facility, Some(unit), weekday, 600, 615)
            .await
            .expect("hours");
    }
    let resident =
        openvisit_store::residents::create_resident(&mut tx, fx.facility, "Q00001", "Quinn", unit)
            .await
            .expect("resident");
    tx.commit().await.expect("commit");
    let (_, email) = approved_visitor(db, &fx, &[resident]).await;
    let client = app.client_for(&email, VISITOR_PASSWORD).await;
    let path = format!("/book?resident={}&kind=remote&length=15", resident.0);
    let en = text(&app, &client, &path, "en", 200).await;
    assert!(en.contains(": 1 free time<"), "{en}");
    assert!(!en.contains("1 free times"), "{en}");
    let es = text(&app, &client, &path, "es", 200).await;
    assert!(es.contains(": 1 horario libre<"), "{es}");
    assert!(!es.contains("1 horarios libres"), "{es}");
    app.stop().await;
}

#[tokio::test]
async fn a_kiosk_without_its_key_explains_how_to_set_it_up_in_the_browsers_language() {
    let app = TestApp::spawn(openvisit_store::Backend::Sqlite).await;
    for (accept, lang, title, words) in [
        (
            "en-US,en;q=0.9",
            "en",
            "<title>Set up this kiosk · OpenVisit</title>",
            [
                "This screen is not set up as a kiosk yet",
                "openvisit kiosk-key",
            ],
        ),
        (
            "es-MX,es;q=0.9",
            "es",
            "<title>Configurar este quiosco · OpenVisit</title>",
            [
                "Esta pantalla todavía no está configurada como quiosco",
                "openvisit kiosk-key",
            ],
        ),
    ] {
        let res = reqwest::Client::new()
            .get(format!("{}/kiosk", app.base))
            .header("accept-language", accept)
            .send()
            .await
            .expect("get");
        assert_eq!(res.status().as_u16(), 401);
        let kind = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        assert!(kind.starts_with("text/html"), "{kind}");
        let html = res.text().await.expect("text");
        assert!(html.contains(&format!("<html lang=\"{lang}\">")), "{html}");
        assert!(html.contains(title), "{html}");
        assert!(html.contains("<main id=\"main\">"), "{html}");
        for w in words {
            assert!(html.contains(w), "{w}: {html}");
        }
        assert!(html.contains("action=\"/kiosk/setup\""), "{html}");
    }
    app.stop().await;
}

/// A server where a funded visitor booked a paid visit and cancelled it: the server, the
/// visitor, the visitor's and the staff's clients, and the visit.
struct Cancelled {
    app: TestApp,
    visitor: openvisit_core::AccountId,
    staff: Client,
    staff_email: String,
    id: i64,
}

async fn a_visitor_cancelled() -> Cancelled {
    let app = TestApp::spawn(openvisit_store::Backend::Sqlite).await;
    let db = app.db();
    let fx = fixture(db, 1, 1, settings()).await;
    let (visitor, email) = approved_visitor(db, &fx, &fx.residents).await;
    fund(db, visitor, 10_000).await;
    let client = app.client_for(&email, VISITOR_PASSWORD).await;
    let id = book(&client, fx.residents[0], local_start(3, 12, 0)).await;
    let (status, answer) = client
        .post(&format!("/api/v1/visits/{id}/cancel"), json!({}))
        .await;
    assert_eq!(status, 200, "{answer}");
    let staff = app.client_for(&fx.staff_email, STAFF_PASSWORD).await;
    Cancelled {
        app,
        visitor,
        staff,
        staff_email: fx.staff_email,
        id,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_shows_weekdays_and_a_visitors_cancellation_in_the_readers_language() {
    let Cancelled { app, staff, id, .. } = a_visitor_cancelled().await;

    let en = text(&app, &staff, "/staff/settings", "en", 200).await;
    assert!(en.contains("Monday 08:00–20:00"), "{en}");
    let es = text(&app, &staff, "/staff/settings", "es", 200).await;
    assert!(es.contains("lunes 08:00–20:00"), "{es}");
    assert!(es.contains("domingo 08:00–20:00"), "{es}");
    for day in ["Monday", "Tuesday", "Sunday"] {
        assert!(!es.contains(day), "{day} on a Spanish page: {es}");
    }

    let path = format!("/staff/visits/{id}");
    let en = text(&app, &staff, &path, "en", 200).await;
    assert!(en.contains("Cancelled · cancelled by the visitor<"), "{en}");
    let es = text(&app, &staff, &path, "es", 200).await;
    assert!(es.contains("Cancelada · la canceló el visitante<"), "{es}");
    assert!(!es.contains("cancelled by the visitor"), "{es}");
    // What happened is stored, not an English sentence.
    let mut conn = app.db().pool.acquire().await.expect("conn");
    let stored = openvisit_store::visits::get_visit(&mut conn, openvisit_core::VisitId(id))
        .await
        .expect("visit");
    assert_eq!(
        (stored.cancel_code, stored.cancel_reason.as_deref()),
        (Some(openvisit_store::visits::SystemReason::ByVisitor), None)
    );
    drop(conn);
    app.stop().await;
}

/// The audit log names each person by role and name (a visitor's own payment is the
/// visitor's, not "another facility's staff") and reads its details as text: money as
/// money, ledger postings by account, field names in the reader's language.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_log_names_people_by_role_and_reads_its_details_as_text() {
    let Cancelled {
        app,
        visitor,
        staff,
        ..
    } = a_visitor_cancelled().await;

    let en = text(&app, &staff, "/staff/audit", "en", 200).await;
    // The fixture's visitor is called "Visitor", its administrator "Officer".
    assert!(en.contains("Visitor · Visitor"), "{en}");
    assert!(en.contains("Facility administrator · Officer"), "{en}");
    assert!(!en.contains("Another facility"), "{en}");
    assert!(
        en.contains(&format!("Visitor balance #{} −$", visitor.0)),
        "{en}"
    );
    assert!(
        en.contains("was: waiting; reason: —; now: approved"),
        "{en}"
    );
    assert!(!en.contains("{\""), "raw JSON on the page: {en}");

    let es = text(&app, &staff, "/staff/audit", "es", 200).await;
    assert!(es.contains("Visitante · Visitor"), "{es}");
    assert!(es.contains("Administrador del centro · Officer"), "{es}");
    assert!(
        es.contains(&format!("Saldo del visitante #{} −$", visitor.0)),
        "{es}"
    );
    assert!(
        es.contains("antes: en espera; motivo: —; ahora: aprobado"),
        "{es}"
    );
    for english in ["Visitor balance", "postings", "pending", "approved"] {
        assert!(!es.contains(english), "{english} on a Spanish page: {es}");
    }
    app.stop().await;
}

/// A family's money history and receipts say what happened in their language: no
/// English memo, no provider reference, no internal visit number; a refund names the
/// visit by its resident and time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_money_history_reads_in_spanish_without_references_or_internal_numbers() {
    let app = TestApp::spawn(openvisit_store::Backend::Sqlite).await;
    let db = app.db();
    let fx = fixture(db, 1, 1, settings()).await;
    let (_, email) = approved_visitor(db, &fx, &fx.residents).await;
    let client = app.client_for(&email, VISITOR_PASSWORD).await;
    // Funds through the payment provider, as a family adds them.
    let (status, added) = client
        .post(
            "/api/v1/deposits",
            json!({ "amount_cents": 2000, "payment_token": "tok_visa" }),
        )
        .await;
    assert_eq!(status, 201, "{added}");
    let id = book(&client, fx.residents[0], local_start(3, 12, 0)).await;
    let (status, answer) = client
        .post(&format!("/api/v1/visits/{id}/cancel"), json!({}))
        .await;
    assert_eq!(status, 200, "{answer}");

    let es = text(&app, &client, "/funds", "es", 200).await;
    assert!(es.contains("Fondos agregados"), "{es}");
    assert!(es.contains("Reembolso · con "), "{es}");
    for english in ["Funds added", "Refund", "Visit #", "Demo funds"] {
        assert!(!es.contains(english), "{english:?} on a Spanish page: {es}");
    }
    let en = text(&app, &client, "/funds", "en", 200).await;
    assert!(en.contains("Refund · with "), "{en}");
    assert!(!en.contains("(test-"), "a provider reference: {en}");
    app.stop().await;
}

/// A facility writes its own words (where on-site visits are booked) in English and in
/// Spanish; a family reads its language, and when the facility wrote only the other
/// one, reads that, marked as such.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_facilitys_own_words_are_read_in_the_familys_language_or_marked_as_the_other() {
    let app = TestApp::spawn(openvisit_store::Backend::Sqlite).await;
    let db = app.db();
    let fx = fixture(db, 1, 1, settings()).await;
    let staff = app.client_for(&fx.staff_email, STAFF_PASSWORD).await;
    let slug = slug_of(&app, &fx).await;
    let anon = app.anonymous();
    let (status, facility) = staff.get("/api/v1/staff/facility").await;
    assert_eq!(status, 200, "{facility}");
    let mut s = facility["settings"].clone();
    s["offers_on_site"] = json!(false);
    s["on_site_note"] = json!("Call the front desk to book on-site visits.");
    s["on_site_note_es"] = json!("");
    let (status, answer) = staff.put("/api/v1/staff/facility", s.clone()).await;
    assert_eq!(status, 200, "{answer}");
    let page = format!("/facilities/{slug}");
    let es = text(&app, &anon, &page, "es", 200).await;
    assert!(
        es.contains("(El centro lo escribió solo en inglés.) Call the front desk"),
        "{es}"
    );

    s["on_site_note_es"] = json!("Llame a la recepción para reservar visitas presenciales.");
    let (status, answer) = staff.put("/api/v1/staff/facility", s).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer["settings"]["on_site_note_es"],
        "Llame a la recepción para reservar visitas presenciales.",
        "{answer}"
    );
    let es = text(&app, &anon, &page, "es", 200).await;
    assert!(es.contains("Llame a la recepción"), "{es}");
    assert!(!es.contains("Call the front desk"), "{es}");
    let en = text(&app, &anon, &page, "en", 200).await;
    assert!(en.contains("Call the front desk"), "{en}");
    assert!(!en.contains("Llame"), "{en}");
    app.stop().await;
}

/// The schedule board runs a day: a line at the current time, each visit's standing at
/// a glance (waiting while its waiting room is open, cancelled struck through), and the
/// day's visits as a list readable at any length and on a phone, in both languages.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_schedule_board_shows_now_and_where_each_visit_stands_with_a_list_for_phones() {
    let Cancelled {
        app,
        staff_email,
        id,
        ..
    } = a_visitor_cancelled().await;
    let db = app.db();
    let mut conn = db.pool.acquire().await.expect("conn");
    let cancelled = openvisit_store::visits::get_visit(&mut conn, openvisit_core::VisitId(id))
        .await
        .expect("visit");
    drop(conn);
    // Another visit, booked, with its waiting room open now.
    let (visitor, email) = {
        let fx_resident = cancelled.resident;
        let mut conn = db.pool.acquire().await.expect("conn");
        let f = openvisit_store::facilities::get_facility(&mut conn, cancelled.facility)
            .await
            .expect("facility");
        drop(conn);
        let fx = Fixture {
            facility: f.id,
            residents: vec![fx_resident],
            staff: cancelled.visitor,
            staff_email: String::new(),
        };
        approved_visitor(db, &fx, &fx.residents).await
    };
    fund(db, visitor, 10_000).await;
    let client = app.client_for(&email, VISITOR_PASSWORD).await;
    let start = cancelled.start + SignedDuration::from_hours(2);
    book(&client, cancelled.resident, start).await;
    let now = app.state.clock.now();
    app.state
        .clock
        .advance_seconds(start.as_second() - 300 - now.as_second());
    // Days later: staff sign in again.
    let staff = app.client_for(&staff_email, STAFF_PASSWORD).await;

    let day = {
        let mut conn = db.pool.acquire().await.expect("conn");
        let f = openvisit_store::facilities::get_facility(&mut conn, cancelled.facility)
            .await
            .expect("facility");
        jiff::tz::TimeZone::get(&f.time_zone)
            .expect("zone")
            .to_datetime(start)
            .date()
            .to_string()
    };
    let path = format!("/staff/schedule?date={day}");
    let en = text(&app, &staff, &path, "en", 200).await;
    assert!(
        en.contains("class=\"board-now\""),
        "a line at the current time: {en}"
    );
    assert!(en.contains("board-visit status-waiting"), "{en}");
    assert!(en.contains("board-visit status-cancelled"), "{en}");
    let list = &en[en.find("id=\"day-list\"").expect("the day's list")..];
    assert!(list.contains("In the waiting room"), "{list}");
    assert!(list.contains("Cancelled"), "{list}");
    assert!(
        list.contains("Resident 0"),
        "names readable in the list: {list}"
    );
    let es = text(&app, &staff, &path, "es", 200).await;
    let list = &es[es.find("id=\"day-list\"").expect("the day's list")..];
    assert!(list.contains("En la sala de espera"), "{list}");
    assert!(list.contains("Cancelada"), "{list}");
    app.stop().await;
}
