//! Headers every response carries (docs/SECURITY.md): a strict Content-Security-Policy
//! (the pages load scripts and styles only from this server and have no inline script;
//! the schedule board positions visits with `style` attributes, the only inline styling
//! allowed), no framing by another site, no MIME sniffing, no referrer to other sites,
//! `Cache-Control: no-store` on everything but the static files, and HSTS when the
//! server is reached over HTTPS. Behind a trusted proxy that terminates TLS
//! (`--trusted-proxy`, `X-Forwarded-Proto`), the cookies of a request that came over
//! HTTPS are `Secure` even when `--public-url` says `http://`; a request the proxy
//! passed on from plain HTTP is sent to the `https://` public URL.

use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, LOCATION, REFERRER_POLICY, SET_COOKIE,
    STRICT_TRANSPORT_SECURITY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::forwarded::{ClientScheme, Scheme};
use crate::state::AppState;

pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     style-src-attr 'unsafe-inline'; img-src 'self' data:; media-src 'self' blob:; \
     connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
     frame-ancestors 'none'";

/// `CSP`, with a form's answer allowed to lead on to Stripe Checkout's page.
pub const CSP_WITH_STRIPE: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     style-src-attr 'unsafe-inline'; img-src 'self' data:; media-src 'self' blob:; \
     connect-src 'self'; object-src 'none'; base-uri 'none'; \
     form-action 'self' https://checkout.stripe.com; frame-ancestors 'none'";

pub async fn add(State(s): State<AppState>, req: Request, next: Next) -> Response {
    // Pages and API answers hold personal data: no cache keeps them (a shared kiosk or
    // family computer, a proxy). The scripts and stylesheet may be cached.
    let cacheable = req.uri().path().starts_with("/static/");
    let scheme = req
        .extensions()
        .get::<ClientScheme>()
        .copied()
        .unwrap_or(ClientScheme(None))
        .0;
    let https_site = s.public_url.starts_with("https://");
    let mut res = if scheme == Some(Scheme::Http) && https_site {
        let path = req.uri().path_and_query().map_or("/", |p| p.as_str());
        let to = format!("{}{path}", s.public_url.trim_end_matches('/'));
        match HeaderValue::from_str(&to) {
            Ok(to) => (StatusCode::PERMANENT_REDIRECT, [(LOCATION, to)]).into_response(),
            Err(_) => StatusCode::BAD_REQUEST.into_response(),
        }
    } else {
        next.run(req).await
    };
    let h = res.headers_mut();
    if !cacheable && !h.contains_key(CACHE_CONTROL) {
        h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    // With Stripe, the funds form's answer sends the family on to Stripe's page.
    let csp = if s.stripe_webhook_secret.is_some() {
        CSP_WITH_STRIPE
    } else {
        CSP
    };
    h.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(csp));
    h.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(self), microphone=(self), geolocation=()"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    if scheme == Some(Scheme::Https) && !s.secure_cookies {
        make_cookies_secure(h);
    }
    if https_site || scheme == Some(Scheme::Https) {
        h.insert(
            STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    res
}

/// Adds `Secure` to every cookie the response sets without it.
fn make_cookies_secure(h: &mut HeaderMap) {
    let cookies: Vec<HeaderValue> = h
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| match v.to_str() {
            Ok(c)
                if !c
                    .split(';')
                    .any(|a| a.trim().eq_ignore_ascii_case("secure")) =>
            {
                HeaderValue::from_str(&format!("{c}; Secure")).unwrap_or_else(|_| v.clone())
            }
            _ => v.clone(),
        })
        .collect();
    h.remove(SET_COOKIE);
    for c in cookies {
        h.append(SET_COOKIE, c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cookie_becomes_secure_once() {
        let mut h = HeaderMap::new();
        h.append(
            SET_COOKIE,
            HeaderValue::from_static("ov_session=a; Path=/; HttpOnly"),
        );
        h.append(
            SET_COOKIE,
            HeaderValue::from_static("ov_lang=es; Path=/; Secure"),
        );
        make_cookies_secure(&mut h);
        let got: Vec<&str> = h
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        assert_eq!(
            got,
            [
                "ov_session=a; Path=/; HttpOnly; Secure",
                "ov_lang=es; Path=/; Secure"
            ]
        );
    }
}
