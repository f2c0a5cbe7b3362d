//! Helpers for tests that run `openvisit serve` as its own process.

use serde_json::json;

/// A port on 127.0.0.1 that was free a moment ago (nothing listens on it now).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Signs in at `base` over the API; the whole `Set-Cookie` of the session (name, value
/// and attributes). Fails the test unless the sign-in succeeds.
pub async fn sign_in(http: &reqwest::Client, base: &str, email: &str, password: &str) -> String {
    let res = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), 200, "sign-in as {email}");
    res.headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .expect("a session cookie")
        .to_owned()
}

/// `name=value` of a `Set-Cookie`, as a client sends it back.
pub fn cookie_pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap_or_default().to_owned()
}
