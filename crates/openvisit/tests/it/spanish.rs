//! Issue 23, "Spanish everywhere" (R8): every page a visitor, a kiosk or staff see,
//! read in Spanish, holds no English outside names. English is recognised by its own
//! words: those the English messages use and the Spanish ones never do.

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde_json::json;

use crate::harness::*;
use crate::security::page_text;

/// The words (four letters or more, lower case) of one language's messages.
fn message_words(lang: &str) -> BTreeSet<String> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../openvisit-web/locales")
        .join(lang);
    let mut words = BTreeSet::new();
    for file in std::fs::read_dir(&dir).expect("locales").flatten() {
        let text = std::fs::read_to_string(file.path()).expect("ftl");
        for line in text.lines().filter(|l| !l.trim_start().starts_with('#')) {
            // The value after `key =`, or a continuation line; placeables and variant
            // keys are not words a reader sees.
            let value = match line.split_once(" = ") {
                Some((key, v)) if !key.starts_with(' ') => v,
                _ => line,
            };
            words.extend(words_of(&strip_placeables(value)));
        }
    }
    words
}

fn strip_placeables(text: &str) -> String {
    let mut out = String::new();
    let (mut braces, mut bracket) = (0usize, false);
    for c in text.chars() {
        match c {
            '{' => braces += 1,
            '}' => braces = braces.saturating_sub(1),
            '[' if braces == 0 => bracket = true,
            ']' if bracket => bracket = false,
            _ if braces == 0 && !bracket => out.push(c),
            _ => {}
        }
    }
    out
}

fn words_of(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphabetic())
        .filter(|w| w.chars().count() >= 4)
        .map(str::to_lowercase)
}

/// The text a reader sees on a page: no tags, scripts, styles or attributes.
fn visible_text(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        out.push(' ');
        let tag = &rest[open..];
        // Code (identifiers such as an audit line's action) is in no language.
        let skip_to = ["<script", "<style", "<code"]
            .iter()
            .find(|t| tag.starts_with(*t))
            .and_then(|t| tag.find(&format!("</{}", &t[1..])));
        rest = match skip_to {
            Some(end) => &tag[end..],
            None => &tag[1..],
        };
        match rest.find('>') {
            Some(close) => rest = &rest[close + 1..],
            None => return out,
        }
    }
    out.push_str(rest);
    out
}

/// Every page of a visitor, a kiosk and staff, and a Spanish-speaking family's emails, in
/// Spanish, with English found by the
/// words only English messages use. Names (of people, the facility and its places) and
/// the product's own name are not English.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_in_spanish_holds_no_english_outside_names() {
    let english: BTreeSet<String> = message_words("en")
        .difference(&message_words("es"))
        .cloned()
        .collect();
    assert!(english.contains("your"), "the English words are found");

    let app = TestApp::spawn(openvisit_store::Backend::Sqlite).await;
    let db = app.db();
    let fx = fixture(db, 1, 1, settings()).await;
    let (visitor, email) = approved_visitor(db, &fx, &fx.residents).await;
    // A Spanish-speaking family: its emails are written in Spanish.
    openvisit_store::accounts::set_preferences(db, visitor, "es", "America/New_York")
        .await
        .expect("language");
    let client = app.client_for(&email, VISITOR_PASSWORD).await;
    let (status, added) = client
        .post(
            "/api/v1/deposits",
            json!({ "amount_cents": 2000, "payment_token": "tok_visa" }),
        )
        .await;
    assert_eq!(status, 201, "{added}");
    let start = local_start(3, 12, 0);
    let booked = client.book_remote(fx.residents[0], start, 15).await;
    let visit = booked["id"].as_i64().expect("id");
    let cancelled = client
        .book_remote(
            fx.residents[0],
            start + jiff::SignedDuration::from_hours(1),
            15,
        )
        .await;
    let gone = cancelled["id"].as_i64().expect("id");
    let (status, answer) = client
        .post(&format!("/api/v1/visits/{gone}/cancel"), json!({}))
        .await;
    assert_eq!(status, 200, "{answer}");
    let staff = app.client_for(&fx.staff_email, STAFF_PASSWORD).await;
    // A family's question for the support inbox, and a visit's recording, so that their
    // pages are read too.
    let reference = openvisit_store::support_tickets::open_ticket(
        db,
        &openvisit_store::support_tickets::NewSupportTicket {
            facility: Some(fx.facility),
            account: Some(visitor),
            name: "Lucía Gómez".into(),
            email: email.clone(),
            language: "es".into(),
            message: "¿Puedo cambiar la hora de mi visita?".into(),
        },
        jiff::Timestamp::now(),
    )
    .await
    .expect("ticket");
    openvisit_store::recordings::save_recording(
        db,
        openvisit_core::VisitId(visit),
        fx.facility,
        "recordings/crawl",
        4096,
        jiff::Timestamp::now(),
    )
    .await
    .expect("recording");

    // Names are not English: every name the pages may show, word by word.
    let mut names: BTreeSet<String> = ["openvisit"].iter().map(|s| s.to_string()).collect();
    for sql in [
        "SELECT display_name AS n FROM accounts",
        "SELECT full_name AS n FROM residents",
        "SELECT name AS n FROM facilities",
        "SELECT name AS n FROM housing_units",
        "SELECT name AS n FROM kiosks",
        "SELECT email AS n FROM accounts",
        "SELECT email AS n FROM facilities",
    ] {
        let mut conn = db.pool.acquire().await.expect("conn");
        for row in sqlx::query(sql).fetch_all(&mut *conn).await.expect("names") {
            let n: String = sqlx::Row::try_get(&row, "n").expect("name");
            names.extend(words_of(&n));
        }
    }
    let slug = {
        let mut conn = db.pool.acquire().await.expect("conn");
        openvisit_store::facilities::get_facility(&mut conn, fx.facility)
            .await
            .expect("facility")
            .slug
    };
    let entry = {
        let mut conn = db.pool.acquire().await.expect("conn");
        openvisit_store::ledger::visitor_history(&mut conn, visitor)
            .await
            .expect("history")[0]
            .entry_id
    };

    let visitor_pages = [
        "/".to_owned(),
        "/facilities".to_owned(),
        format!("/facilities/{slug}"),
        "/faq".to_owned(),
        "/how-it-works".to_owned(),
        "/contact".to_owned(),
        "/people".to_owned(),
        format!("/book?resident={}", fx.residents[0].0),
        "/visits".to_owned(),
        format!("/visits/{visit}/cancel"),
        format!("/visits/{visit}/join"),
        format!("/visits/{visit}/move"),
        "/funds".to_owned(),
        format!("/receipts/{entry}"),
        "/account".to_owned(),
    ];
    let anonymous_pages = [
        "/sign-in",
        "/reset-password",
        "/kiosk",
        "/kiosk/setup",
        "/offline",
    ];
    let staff_pages = [
        "/staff/schedule".to_owned(),
        format!("/staff/visits/{visit}"),
        format!("/staff/visits/{gone}"),
        "/staff/approvals".to_owned(),
        "/staff/settings".to_owned(),
        "/staff/reports".to_owned(),
        "/staff/audit".to_owned(),
        "/staff/support".to_owned(),
        "/staff/emails".to_owned(),
        "/staff/live".to_owned(),
        "/staff/roster".to_owned(),
        format!("/staff/support/{reference}"),
        format!("/staff/visits/{visit}/recording"),
    ];
    let mut found = Vec::new();
    let mut crawled = 0;
    for (pages, cookie) in [
        (visitor_pages.to_vec(), client.cookie.clone()),
        (
            anonymous_pages.iter().map(|p| p.to_string()).collect(),
            None,
        ),
        (staff_pages.to_vec(), staff.cookie.clone()),
    ] {
        for path in pages {
            let glue = if path.contains('?') { '&' } else { '?' };
            let (status, html) = page_text(
                &app.base,
                &format!("{path}{glue}lang=es"),
                cookie.as_deref(),
            )
            .await;
            assert!(status == 200 || status == 401, "{path}: {status} {html}");
            assert!(html.contains("lang=\"es\""), "{path} is not in Spanish");
            crawled += 1;
            let text = visible_text(&html);
            let hits: BTreeSet<String> = words_of(&text)
                .filter(|w| english.contains(w) && !names.contains(w))
                .collect();
            if !hits.is_empty() {
                found.push(format!("{path}: {hits:?}"));
            }
        }
    }
    // The family's emails: the booking, the cancellation.
    openvisit_web::notify::send_queued(&app.state).await;
    let emails: Vec<serde_json::Value> = app
        .email_summaries()
        .into_iter()
        .filter(|e| e["to"] == email.as_str())
        .collect();
    assert!(emails.len() >= 3, "{emails:?}");
    for e in &emails {
        let text = format!("{} {}", e["subject"], e["text"]);
        let hits: BTreeSet<String> = words_of(&text)
            .filter(|w| english.contains(w) && !names.contains(w))
            .collect();
        if !hits.is_empty() {
            found.push(format!("email {}: {hits:?}", e["subject"]));
        }
    }
    assert!(crawled >= 33, "{crawled} pages");
    assert!(
        found.is_empty(),
        "English on Spanish pages:\n{}",
        found.join("\n")
    );
    app.stop().await;
}
