//! The visitor's pages, in English and Spanish (R1, R8, R9).

use crate::harness::*;

async fn page(
    app: &TestApp,
    path: &str,
    accept_language: &str,
    cookie: Option<&str>,
) -> (u16, String, Option<String>) {
    let mut req = reqwest::Client::new()
        .get(format!("{}{}", app.base, path))
        .header("accept-language", accept_language);
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    let res = req.send().await.expect("get");
    let status = res.status().as_u16();
    let set_cookie = res
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (status, res.text().await.expect("text"), set_cookie)
}

/// No raw message key or unfilled placeholder may reach a page.
fn assert_clean(path: &str, html: &str) {
    assert!(!html.contains('⟦'), "{path} shows a raw message key");
    assert!(
        !html.contains("{ $"),
        "{path} shows an unfilled placeholder"
    );
}

#[tokio::test]
async fn every_page_exists_in_english_and_spanish() {
    let app = TestApp::spawn(openvisit_store::Backend::Sqlite).await;
    openvisit_store::demo::seed_demo_if_empty(app.db(), jiff::Timestamp::now())
        .await
        .expect("demo");
    let pages = [
        "/",
        "/facilities",
        "/facilities?q=cedar",
        "/facilities/riverside-county-jail",
        "/facilities/cedar-valley-correctional",
        "/how-it-works",
        "/faq",
    ];
    for path in pages {
        let (status, en, _) = page(&app, path, "en-US,en;q=0.9", None).await;
        assert_eq!(status, 200, "{path}");
        assert!(en.contains("<html lang=\"en\">"), "{path}");
        assert_clean(path, &en);
        let (status, es, _) = page(&app, path, "es-MX,es;q=0.9", None).await;
        assert_eq!(status, 200, "{path}");
        assert!(es.contains("<html lang=\"es\">"), "{path}");
        assert_clean(path, &es);
        assert_ne!(en, es, "{path} differs between languages");
        // The switch link leads to the same page in the other language.
        assert!(en.contains("lang=es\" hreflang=\"es\""), "{path}");
        assert!(es.contains("lang=en\" hreflang=\"en\""), "{path}");
    }
    let (_, home_es, _) = page(&app, "/", "es", None).await;
    assert!(home_es.contains("Regístrate y empieza a comunicarte hoy mismo"));
    let (_, home_en, _) = page(&app, "/", "en", None).await;
    assert!(home_en.contains("Sign up and start communicating today"));
    app.stop().await;
}

#[tokio::test]
async fn a_language_chosen_on_the_page_is_remembered() {
    let app = TestApp::spawn(openvisit_store::Backend::Sqlite).await;
    let (_, html, cookie) = page(&app, "/faq?lang=es", "en", None).await;
    assert!(html.contains("Preguntas y respuestas"));
    let cookie = cookie.expect("the choice is remembered");
    let pair = cookie.split(';').next().expect("pair");
    assert_eq!(pair, "ov_lang=es");
    // An English browser, but the visitor chose Spanish.
    let (_, html, _) = page(&app, "/how-it-works", "en-US", Some(pair)).await;
    assert!(
        html.contains("Cómo funcionan las visitas por video"),
        "{html}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_remote_only_facility_says_where_to_arrange_on_site_visits() {
    let app = TestApp::spawn(openvisit_store::Backend::Sqlite).await;
    openvisit_store::demo::seed_demo_if_empty(app.db(), jiff::Timestamp::now())
        .await
        .expect("demo");
    let (_, html, _) = page(&app, "/facilities/cedar-valley-correctional", "en", None).await;
    assert!(html.contains("On-site visits are not booked through OpenVisit here."));
    assert!(
        html.contains("(555) 010-2000"),
        "the facility's own contact details"
    );
    assert!(
        !html.contains("at a kiosk in the facility&#39;s lobby"),
        "on-site is not offered"
    );
    assert!(
        html.contains("$7.50 for every 30 minutes, charged by the minute"),
        "price in plain words"
    );
    assert!(
        html.contains("Monday: 08:00–11:30, 13:00–20:00"),
        "hours in facility time"
    );
    let (_, html, _) = page(&app, "/facilities/riverside-county-jail", "es", None).await;
    assert!(html.contains("Visitas presenciales, en un quiosco del vestíbulo del centro"));
    assert!(html.contains("Las visitas en los quioscos del vestíbulo son gratuitas."));
    assert!(html.contains("$2.85 por cada 15 minutos"));
    assert!(html.contains("30 minutos: $5.70"));
    app.stop().await;
}

#[tokio::test]
async fn search_finds_by_city_and_state_and_escapes_what_was_typed() {
    let app = TestApp::spawn(openvisit_store::Backend::Sqlite).await;
    openvisit_store::demo::seed_demo_if_empty(app.db(), jiff::Timestamp::now())
        .await
        .expect("demo");
    let (_, html, _) = page(&app, "/facilities?q=riverside", "en", None).await;
    assert!(html.contains("/facilities/riverside-county-jail"));
    assert!(!html.contains("/facilities/cedar-valley-correctional"));
    let (_, html, _) = page(&app, "/facilities?q=CO", "en", None).await;
    assert!(
        html.contains("/facilities/cedar-valley-correctional"),
        "by state"
    );
    let (_, html, _) = page(
        &app,
        "/facilities?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "es",
        None,
    )
    .await;
    assert!(!html.contains("<script>"), "what was typed is escaped");
    assert!(
        html.contains("Ningún centro coincide con «&#60;script&#62;alert(1)&#60;/script&#62;»"),
        "{html}"
    );
    let (status, html, _) = page(&app, "/facilities/nowhere", "es", None).await;
    assert_eq!(status, 404);
    assert!(html.contains("No encontramos ese centro"));
    let (status, html, _) = page(&app, "/no-such-page", "es", None).await;
    assert_eq!(status, 404);
    assert!(html.contains("Esta página no existe"));
    app.stop().await;
}

pub(crate) fn form_body(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| {
            let enc: String = v
                .bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                        (b as char).to_string()
                    }
                    _ => format!("%{b:02X}"),
                })
                .collect();
            format!("{k}={enc}")
        })
        .collect::<Vec<_>>()
        .join("&")
}

async fn a_question_from_the_contact_form_gets_a_reference_by_email_and_reaches_staff(
    backend: openvisit_store::Backend,
) {
    let app = TestApp::spawn(backend).await;
    let fx = fixture(app.db(), 1, 1, settings()).await;
    let http = reqwest::Client::new();
    let res = http
        .get(format!("{}/contact", app.base))
        .header("accept-language", "es")
        .send()
        .await
        .expect("get");
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("ov_csrf="))
        .expect("a form token cookie")
        .split(';')
        .next()
        .expect("pair")
        .to_owned();
    let token = cookie.trim_start_matches("ov_csrf=").to_owned();
    let html = res.text().await.expect("html");
    assert!(html.contains("Haznos una pregunta"));
    let facility = fx.facility.0.to_string();
    let fields = [
        ("csrf", token.as_str()),
        ("name", "Luz"),
        ("email", "luz@example.com"),
        ("facility", facility.as_str()),
        (
            "message",
            "¿Puedo llevar a mi hija a la visita en el vestíbulo?",
        ),
    ];
    // Without the form token (a forged post from another site): refused, nothing stored.
    let forged = http
        .post(format!("{}/contact", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_body(&fields[1..]))
        .send()
        .await
        .expect("post");
    assert_eq!(forged.status(), 403);
    let res = http
        .post(format!("{}/contact", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", &cookie)
        .header("accept-language", "es")
        .body(form_body(&fields))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 200);
    let html = res.text().await.expect("html");
    let start = html.find("OV-").expect("a reference on the page");
    let reference = &html[start..start + 9];
    let sent = app
        .email_summaries()
        .into_iter()
        .find(|e| e["to"] == "luz@example.com")
        .expect("a confirmation email");
    assert!(
        sent["subject"]
            .as_str()
            .is_some_and(|s| s.contains(reference) && s.contains("Recibimos")),
        "{sent}"
    );
    let staff_email: String = {
        use sqlx::Row;
        sqlx::query("SELECT email FROM accounts WHERE id = $1")
            .bind(fx.staff.0)
            .fetch_one(&app.db().pool)
            .await
            .expect("row")
            .try_get("email")
            .expect("email")
    };
    let staff = app.client_for(&staff_email, "staff-password-1").await;
    let (status, tickets) = staff.get("/api/v1/staff/tickets").await;
    assert_eq!(status, 200);
    assert_eq!(tickets[0]["reference"], reference);
    assert_eq!(
        tickets.as_array().map(Vec::len),
        Some(1),
        "the forged post stored nothing"
    );
    app.stop().await;
}
per_backend!(
    a_question_from_the_contact_form_gets_a_reference_by_email_and_reaches_staff,
    a_question_from_the_contact_form_gets_a_reference_by_email_and_reaches_staff
);

#[tokio::test]
async fn a_forgotten_password_is_reset_by_an_emailed_link() {
    let app = TestApp::spawn(openvisit_store::Backend::Sqlite).await;
    let fx = fixture(app.db(), 1, 1, settings()).await;
    let (_v, email) = approved_visitor(app.db(), &fx, &fx.residents).await;
    let http = reqwest::Client::new();
    let res = http
        .get(format!("{}/forgot-password", app.base))
        .send()
        .await
        .expect("get");
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("ov_csrf="))
        .expect("token")
        .split(';')
        .next()
        .expect("pair")
        .to_owned();
    let token = cookie.trim_start_matches("ov_csrf=").to_owned();
    let post = |path: &'static str, fields: Vec<(&'static str, String)>| {
        let http = http.clone();
        let cookie = cookie.clone();
        let base = app.base.clone();
        async move {
            let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let res = http
                .post(format!("{base}{path}"))
                .header("content-type", "application/x-www-form-urlencoded")
                .header("cookie", cookie)
                .body(form_body(&pairs))
                .send()
                .await
                .expect("post");
            (res.status().as_u16(), res.text().await.expect("text"))
        }
    };
    // Unknown and known addresses get the same answer; only the known one gets an email.
    let (s1, unknown) = post(
        "/forgot-password",
        vec![
            ("csrf", token.clone()),
            ("email", "nobody@example.com".into()),
        ],
    )
    .await;
    let (s2, known) = post(
        "/forgot-password",
        vec![("csrf", token.clone()), ("email", email.clone())],
    )
    .await;
    assert_eq!((s1, s2), (200, 200));
    assert_eq!(
        unknown.replace("nobody@example.com", ""),
        known.replace(&email, "")
    );
    assert!(
        app.emails()
            .iter()
            .all(|e| !e.contains("nobody@example.com"))
    );
    let link = app.link_sent_to(&email, "/reset-password").await;
    let reset_token = link.split("token=").nth(1).expect("token").to_owned();
    let (status, _) = post(
        "/reset-password",
        vec![
            ("csrf", token.clone()),
            ("token", reset_token.clone()),
            ("password", "short".into()),
        ],
    )
    .await;
    assert_eq!(status, 422, "a short password is refused");
    let (status, html) = post(
        "/reset-password",
        vec![
            ("csrf", token.clone()),
            ("token", reset_token.clone()),
            ("password", "a brand new password".into()),
        ],
    )
    .await;
    assert_eq!(status, 200, "{html}");
    let (status, _) = post(
        "/reset-password",
        vec![
            ("csrf", token.clone()),
            ("token", reset_token),
            ("password", "another new password".into()),
        ],
    )
    .await;
    assert_eq!(status, 410, "the link works once");
    let anon = app.anonymous();
    let (status, _) = anon
        .post(
            "/api/v1/auth/login",
            serde_json::json!({ "email": email, "password": VISITOR_PASSWORD }),
        )
        .await;
    assert_eq!(status, 401, "the old password no longer works");
    let (status, _) = anon
        .post(
            "/api/v1/auth/login",
            serde_json::json!({ "email": email, "password": "a brand new password" }),
        )
        .await;
    assert_eq!(status, 200);
    app.stop().await;
}

#[tokio::test]
async fn my_visits_count_down_open_the_join_button_ten_minutes_early_and_keep_receipts() {
    let app = TestApp::spawn(openvisit_store::Backend::Sqlite).await;
    let fx = fixture(app.db(), 1, 1, settings()).await;
    let (v, email) = approved_visitor(app.db(), &fx, &fx.residents).await;
    fund(app.db(), v, 2000).await;
    let c = app.client_for(&email, VISITOR_PASSWORD).await;
    let start = local_start(3, 10, 0);
    let (status, visit) = c.post("/api/v1/visits", serde_json::json!({ "resident_id": fx.residents[0].0, "kind": "remote", "start": start, "length_minutes": 30 })).await;
    assert_eq!(status, 201, "{visit}");
    let id = visit["id"].as_i64().expect("id");
    let cookie = c.cookie.clone().expect("session");
    let get = |path: String| {
        let (base, cookie) = (app.base.clone(), cookie.clone());
        async move {
            let res = reqwest::Client::new()
                .get(format!("{base}{path}"))
                .header("cookie", cookie)
                .header("accept-language", "en")
                .send()
                .await
                .expect("get");
            (res.status().as_u16(), res.text().await.expect("text"))
        }
    };
    let (_, html) = get("/visits".into()).await;
    assert!(
        html.contains("Starts in 2 days") || html.contains("Starts in 3 days"),
        "a countdown"
    );
    assert!(
        !html.contains(&format!("/visits/{id}/join")),
        "no Join button days ahead"
    );
    assert!(html.contains("You can join from"));
    // Eleven minutes before the start: still closed. Nine minutes before: open.
    let to_start = start.as_second() - jiff::Timestamp::now().as_second();
    app.state.clock.advance_seconds(to_start - 11 * 60);
    let (_, html) = get("/visits".into()).await;
    assert!(
        !html.contains(&format!("/visits/{id}/join")),
        "closed 11 minutes before"
    );
    app.state.clock.advance_seconds(2 * 60);
    let (_, html) = get("/visits".into()).await;
    assert!(
        html.contains(&format!("/visits/{id}/join")),
        "open 9 minutes before: {html}"
    );
    // After the end it is a past visit with its receipt.
    app.state.clock.advance_seconds(60 * 60);
    let (_, html) = get("/visits".into()).await;
    let at = html.find("/receipts/").expect("a receipt link");
    let entry: String = html[at + 10..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let (status, receipt) = get(format!("/receipts/{entry}")).await;
    assert_eq!(status, 200);
    assert!(
        receipt.contains("Visit paid")
            && receipt.contains("-$5.70")
            && receipt.contains("Resident 0"),
        "{receipt}"
    );
    // Someone else's receipt does not exist for this visitor.
    let (_other, other_email) = approved_visitor(app.db(), &fx, &fx.residents).await;
    let other = app.client_for(&other_email, VISITOR_PASSWORD).await;
    let res = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .get(format!("{}/receipts/{entry}", app.base))
        .header("cookie", other.cookie.expect("session"))
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 303, "redirected away");
    app.stop().await;
}

/// The app manifest names real icons of the sizes it says, and the offline page and
/// service worker are served, in the reader's language where there are words.
#[tokio::test]
async fn the_app_manifest_icons_and_offline_page_are_served() {
    let app = TestApp::spawn(openvisit_store::Backend::Sqlite).await;
    let http = reqwest::Client::new();
    let res = http
        .get(format!("{}/manifest.webmanifest?lang=es", app.base))
        .send()
        .await
        .expect("manifest");
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/manifest+json");
    let m: serde_json::Value = res.json().await.expect("json");
    assert_eq!(m["lang"], "es");
    assert_eq!(m["start_url"], "/");
    assert!(
        m["description"]
            .as_str()
            .is_some_and(|d| d.starts_with("Reserva")),
        "{m}"
    );
    for icon in m["icons"].as_array().expect("icons") {
        let src = icon["src"].as_str().expect("src");
        let bytes = http
            .get(format!("{}{src}", app.base))
            .send()
            .await
            .expect("icon")
            .bytes()
            .await
            .expect("bytes");
        // A PNG whose header says the size the manifest does.
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{src}");
        let width = u32::from_be_bytes(bytes[16..20].try_into().expect("width"));
        let height = u32::from_be_bytes(bytes[20..24].try_into().expect("height"));
        assert_eq!(icon["sizes"], format!("{width}x{height}"), "{src}");
    }
    let sw = http
        .get(format!("{}/sw.js", app.base))
        .send()
        .await
        .expect("sw");
    assert_eq!(sw.status(), 200);
    assert!(sw.text().await.expect("text").contains("/offline"));
    let offline = http
        .get(format!("{}/offline?lang=es", app.base))
        .send()
        .await
        .expect("offline")
        .text()
        .await
        .expect("text");
    assert!(offline.contains("<h1>No tienes conexión</h1>"), "{offline}");
    app.stop().await;
}
