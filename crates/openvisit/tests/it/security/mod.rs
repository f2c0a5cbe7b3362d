//! The security suite (docs/SECURITY.md): one test per finding of the outside review,
//! each tried from outside as an attacker or a careless operator would (another origin
//! in a real browser, the binary under a low file limit, a stranger reading the outbox).
//! The authorization matrix is `authz.rs`.

mod connections;
mod contact;
mod cookies;
mod credits;
mod cross_origin;
pub(crate) mod demo;
mod fuzz;
mod headers;
mod https;
mod kiosks;
mod metrics;
mod outbox;
mod proxy;
mod reports_and_settings;
mod request_ids;
mod residents;
mod secrets;
mod sign_in;

/// A page's body as text, with the session `cookie` if given.
pub(crate) async fn page_text(base: &str, path: &str, cookie: Option<&str>) -> (u16, String) {
    let mut req = reqwest::Client::new().get(format!("{base}{path}"));
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    let res = req.send().await.expect("get");
    (res.status().as_u16(), res.text().await.expect("text"))
}
