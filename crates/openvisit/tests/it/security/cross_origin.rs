//! Finding 3: the JSON API relied on SameSite=Lax alone, so a page on another origin
//! of the same site cancelled a visitor's visit with a bodiless POST and had a
//! `text/plain` roster applied as staff. Tried from a real page in Chromium
//! (`e2e/cross_origin.mjs`), and with hand-made headers for the cases a browser sends.

use crate::browser::run_e2e;
use crate::harness::*;

fn session_token(c: &Client) -> String {
    c.cookie
        .as_deref()
        .and_then(|c| c.strip_prefix("ov_session="))
        .expect("session cookie")
        .to_owned()
}

async fn book(c: &Client, fx: &Fixture, hour: i8) -> i64 {
    let visit = c
        .book_remote(fx.residents[0], local_start(3, hour, 0), 15)
        .await;
    visit["id"].as_i64().expect("id")
}

async fn active_residents(app: &TestApp, fx: &Fixture) -> usize {
    let mut conn = app.db().pool.acquire().await.expect("conn");
    openvisit_store::residents::all_residents(&mut conn, fx.facility)
        .await
        .expect("residents")
        .iter()
        .filter(|r| r.active)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_of_another_origin_cannot_cancel_a_visit_or_upload_a_roster() {
    let chromium = chromium();
    let app = TestApp::spawn(openvisit_store::Backend::Sqlite).await;
    let fx = fixture(app.db(), 2, 3, settings()).await;
    let (v, email) = approved_visitor(app.db(), &fx, &fx.residents).await;
    fund(app.db(), v, 10_000).await;
    let visitor = app.client_for(&email, VISITOR_PASSWORD).await;
    let staff = app.client_for(&fx.staff_email, STAFF_PASSWORD).await;
    let attacked = book(&visitor, &fx, 9).await;
    let control = book(&visitor, &fx, 11).await;
    let out = run_e2e(
        "cross_origin.mjs",
        vec![
            app.base.clone(),
            session_token(&visitor),
            session_token(&staff),
            attacked.to_string(),
            control.to_string(),
        ],
        chromium,
    )
    .await
    .unwrap_or_else(|e| panic!("cross_origin.mjs failed:\n{e}"));
    let result: serde_json::Value = serde_json::from_str(out.trim()).expect("json");
    assert_eq!(
        result["control"], 200,
        "the same request from the site itself works"
    );
    let (_, v) = visitor.get(&format!("/api/v1/visits/{attacked}")).await;
    assert_eq!(
        v["status"], "booked",
        "the other page's POST changed nothing: {v}"
    );
    let (_, v) = visitor.get(&format!("/api/v1/visits/{control}")).await;
    assert_eq!(v["status"], "cancelled", "{v}");
    assert_eq!(
        active_residents(&app, &fx).await,
        3,
        "no roster was applied"
    );
    app.stop().await;
}

#[tokio::test]
async fn state_changes_need_the_sites_own_origin_and_the_roster_needs_csv() {
    let app = TestApp::spawn(openvisit_store::Backend::Sqlite).await;
    let fx = fixture(app.db(), 2, 3, settings()).await;
    let (v, email) = approved_visitor(app.db(), &fx, &fx.residents).await;
    fund(app.db(), v, 10_000).await;
    let visitor = app.client_for(&email, VISITOR_PASSWORD).await;
    let visit = book(&visitor, &fx, 9).await;
    let host = app.base.trim_start_matches("http://").to_owned();
    let cancel = |headers: Vec<(&'static str, String)>| {
        let mut req = visitor
            .http
            .post(format!("{}/api/v1/visits/{visit}/cancel", app.base))
            .header("cookie", visitor.cookie.clone().expect("cookie"));
        for (k, v) in headers {
            req = req.header(k, v);
        }
        async move {
            let res = req.send().await.expect("post");
            let status = res.status().as_u16();
            (
                status,
                res.json::<serde_json::Value>().await.unwrap_or_default(),
            )
        }
    };
    for refused in [
        vec![("sec-fetch-site", "same-site".to_owned())],
        vec![("sec-fetch-site", "cross-site".to_owned())],
        vec![("origin", "http://127.0.0.1:1".to_owned())],
        vec![("origin", "null".to_owned())],
    ] {
        let (status, body) = cancel(refused.clone()).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (403, Some("cross_origin")),
            "{refused:?}"
        );
    }
    let (_, v) = visitor.get(&format!("/api/v1/visits/{visit}")).await;
    assert_eq!(v["status"], "booked");
    // The roster as anything but CSV is refused before it is read.
    let staff = app.client_for(&fx.staff_email, STAFF_PASSWORD).await;
    for content_type in ["text/plain", "application/x-www-form-urlencoded"] {
        let (status, body) = staff
            .raw_post(
                "/api/v1/staff/roster?apply=true",
                content_type,
                "booking_number,full_name,housing_unit\nX1,Nobody Here,A Pod\n",
            )
            .await;
        assert_eq!(status, 415, "{content_type}: {body}");
    }
    assert_eq!(active_residents(&app, &fx).await, 3);
    // The site's own page, and a program with no browser headers, may cancel.
    let (status, _) = cancel(vec![
        ("origin", format!("http://{host}")),
        ("sec-fetch-site", "same-origin".to_owned()),
    ])
    .await;
    assert_eq!(status, 200);
    app.stop().await;
}
