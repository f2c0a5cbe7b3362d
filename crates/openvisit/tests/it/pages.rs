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
