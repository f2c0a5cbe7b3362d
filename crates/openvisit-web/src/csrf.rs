//! Protection against cross-site form posts: a random token in a cookie that every
//! form repeats in a hidden field (double submit). A site that cannot read our cookie
//! cannot forge the field. The session cookie is SameSite=Lax as well.

use axum::http::HeaderMap;
use axum::http::header::COOKIE;

pub const CSRF_COOKIE: &str = "ov_csrf";
/// The cookie's name over HTTPS (host-only, `Secure`; see `pages::ensure_csrf_cookie`).
pub const SECURE_CSRF_COOKIE: &str = "__Host-ov_csrf";

fn cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == CSRF_COOKIE)
        .map(|(_, v)| v.to_owned())
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The token for a form, and the cookie to set if the browser has none yet.
pub fn token_for(headers: &HeaderMap) -> (String, Option<String>) {
    if let Some(t) = cookie(headers) {
        return (t, None);
    }
    let mut bytes = [0u8; 32];
    if getrandom::fill(&mut bytes).is_err() {
        // Without randomness no form can be protected; an empty token never matches.
        return (String::new(), None);
    }
    let token = hex::encode(bytes);
    let set = format!("{CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax");
    (token, Some(set))
}

/// Whether a posted form carries the token of this browser's cookie.
pub fn check(headers: &HeaderMap, submitted: &str) -> bool {
    match cookie(headers) {
        // Compare every byte, so timing does not tell how much matched.
        Some(expected) if expected.len() == submitted.len() => {
            expected
                .bytes()
                .zip(submitted.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
        }
        _ => false,
    }
}
