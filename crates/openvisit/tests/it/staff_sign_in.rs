//! Staff sign in with a second factor (an authenticator code, once per time step), are
//! locked out after repeated failures, and their sessions end after 30 idle minutes;
//! visitors' sessions do not.

use serde_json::{Value, json};

use crate::harness::*;

async fn login(app: &TestApp, body: Value) -> (u16, Value, Option<String>) {
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/login", app.base))
        .json(&body)
        .send()
        .await
        .expect("login");
    let status = r.status().as_u16();
    let cookie = r
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::to_owned);
    (status, r.json().await.unwrap_or(Value::Null), cookie)
}

async fn me(app: &TestApp, cookie: &str) -> u16 {
    reqwest::Client::new()
        .get(format!("{}/api/v1/me", app.base))
        .header("cookie", cookie)
        .send()
        .await
        .expect("me")
        .status()
        .as_u16()
}

async fn staff_need_a_one_time_code_and_are_signed_out_after_thirty_idle_minutes(
    backend: openvisit_store::Backend,
) {
    let app = TestApp::spawn(backend).await;
    let db = app.db();
    let fx = fixture(db, 1, 1, settings()).await;
    let secret = openvisit_store::accounts::totp_secret_for_email(db, &fx.staff_email)
        .await
        .expect("secret")
        .expect("staff are enrolled when created");
    let now = || app.state.clock.now();
    let code = |at| openvisit_core::credentials::totp::code_at(&secret, at).expect("code");
    let creds = |code: Option<String>| json!({ "email": fx.staff_email, "password": STAFF_PASSWORD, "code": code });

    // The right password alone is not enough.
    let (status, body, cookie) = login(&app, creds(None)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("code_required")),
        "{body}"
    );
    assert!(cookie.is_none());
    // A wrong code is refused like a wrong password.
    let wrong = if code(now()) == "000000" {
        "111111"
    } else {
        "000000"
    };
    let (status, body, _) = login(&app, creds(Some(wrong.into()))).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("wrong_credentials"))
    );
    // The right code signs in, once.
    let right = code(now());
    let (status, body, cookie) = login(&app, creds(Some(right.clone()))).await;
    assert_eq!(status, 200, "{body}");
    let cookie = cookie.expect("session");
    assert_eq!(me(&app, &cookie).await, 200);
    let (status, _, _) = login(&app, creds(Some(right))).await;
    assert_eq!(status, 401, "a code works once");

    // 29 idle minutes: still signed in (and the use counts); then 31 idle: signed out.
    app.state.clock.advance_seconds(29 * 60);
    assert_eq!(me(&app, &cookie).await, 200);
    app.state.clock.advance_seconds(29 * 60);
    assert_eq!(
        me(&app, &cookie).await,
        200,
        "each request restarts the idle time"
    );
    app.state.clock.advance_seconds(31 * 60);
    assert_eq!(
        me(&app, &cookie).await,
        401,
        "31 idle minutes end a staff session"
    );

    // A visitor's session is not cut after 31 idle minutes.
    let (_, email) = approved_visitor(db, &fx, &fx.residents).await;
    let visitor = app.client_for(&email, VISITOR_PASSWORD).await;
    let vcookie = visitor.cookie.clone().expect("cookie");
    app.state.clock.advance_seconds(31 * 60);
    assert_eq!(me(&app, &vcookie).await, 200);

    // Five failures in a row lock the account (the replayed code above was the
    // first), even for the right code after.
    for _ in 0..3 {
        let (status, _, _) = login(&app, creds(Some(wrong.into()))).await;
        assert_eq!(status, 401);
    }
    let (status, body, _) = login(&app, creds(Some(wrong.into()))).await;
    assert_eq!(status, 423, "{body}");
    let (status, _, _) = login(&app, creds(Some(code(now())))).await;
    assert_eq!(status, 423, "locked even with the right code");
    app.stop().await;
}
per_backend!(
    staff_need_a_one_time_code_and_are_signed_out_after_thirty_idle_minutes,
    staff_need_a_one_time_code_and_are_signed_out_after_thirty_idle_minutes,
    multi_thread
);
