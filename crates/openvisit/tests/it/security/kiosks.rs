//! Finding 15 (kiosks): a kiosk's device key travelled in a URL (`/kiosk/setup?key=…`),
//! so it sat in browser histories, proxy logs and screenshots. Staff now type a one-time
//! code, which is exchanged for a fresh key that only the kiosk's cookie holds.

use openvisit_store::kiosk_setup::issue_setup_code;

use crate::harness::*;

/// Posts a set-up code the way the kiosk's form does; the status and the cookie set.
async fn type_code(app: &TestApp, code: &str) -> (u16, Option<String>) {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let form = http
        .get(format!("{}/kiosk/setup", app.base))
        .send()
        .await
        .expect("get");
    let csrf = csrf_cookie(&form).expect("form token");
    let token = csrf.trim_start_matches("ov_csrf=").to_owned();
    let res = http
        .post(format!("{}/kiosk/setup", app.base))
        .header("cookie", &csrf)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(crate::pages::form_body(&[("csrf", &token), ("code", code)]))
        .send()
        .await
        .expect("post");
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("ov_kiosk="))
        .and_then(|c| c.split(';').next())
        .map(str::to_owned);
    (res.status().as_u16(), cookie)
}

async fn kiosk_page(app: &TestApp, cookie: Option<&str>) -> (u16, String) {
    let mut r = reqwest::Client::new()
        .get(format!("{}/kiosk", app.base))
        .header("accept-language", "es");
    if let Some(c) = cookie {
        r = r.header("cookie", c);
    }
    let res = r.send().await.expect("get");
    (res.status().as_u16(), res.text().await.expect("text"))
}

async fn a_kiosk_is_set_up_with_a_one_time_code_never_a_key_in_a_url(
    backend: openvisit_store::Backend,
) {
    let app = TestApp::spawn(backend).await;
    let fx = fixture(app.db(), 1, 1, settings()).await;
    let kiosk = unit_with_kiosk(app.db(), fx.facility, "West", 8 * 60, 20 * 60).await;

    // Not set up: the set-up form, in the kiosk's language.
    let (status, page) = kiosk_page(&app, None).await;
    assert_eq!(status, 401);
    assert!(page.contains("Configurar este quiosco"), "{page}");
    assert!(page.contains("name=\"code\""), "{page}");

    let code = issue_setup_code(app.db(), kiosk, app.state.clock.now())
        .await
        .expect("code");
    assert_eq!(type_code(&app, "ZZZZ-ZZZZ").await.0, 403, "a wrong code");
    // Typed in lower case without the dash, as people do.
    let typed = code.replace('-', " ").to_lowercase();
    let (status, cookie) = type_code(&app, &typed).await;
    assert_eq!(status, 303);
    let cookie = cookie.expect("the kiosk's key cookie");
    let (status, page) = kiosk_page(&app, Some(&cookie)).await;
    assert_eq!(status, 200, "{page}");

    // Once only; and setting it up again retires the old key.
    assert_eq!(type_code(&app, &code).await.0, 403, "a used code");
    let again = issue_setup_code(app.db(), kiosk, app.state.clock.now())
        .await
        .expect("code");
    let (status, newer) = type_code(&app, &again).await;
    assert_eq!(status, 303);
    assert_eq!(kiosk_page(&app, Some(&cookie)).await.0, 401, "the old key");
    assert_eq!(kiosk_page(&app, newer.as_deref()).await.0, 200);

    // A day old: refused.
    let stale = issue_setup_code(app.db(), kiosk, app.state.clock.now())
        .await
        .expect("code");
    app.state.clock.advance_seconds(24 * 3600 + 1);
    assert_eq!(type_code(&app, &stale).await.0, 403, "an expired code");

    // The old URL form does nothing.
    let res = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .get(format!("{}/kiosk/setup?key={}", app.base, "0".repeat(64)))
        .send()
        .await
        .expect("get");
    assert!(
        res.headers()
            .get("set-cookie")
            .is_none_or(|c| { !c.to_str().unwrap_or("").starts_with("ov_kiosk=") })
    );
    app.stop().await;
}
per_backend!(
    a_kiosk_is_set_up_with_a_one_time_code_never_a_key_in_a_url,
    a_kiosk_is_set_up_with_a_one_time_code_never_a_key_in_a_url,
    multi_thread
);
