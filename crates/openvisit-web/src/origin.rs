//! Cross-origin protection for every state-changing request, as one layer no handler
//! can leave out. SameSite=Lax cookies do not stop a page on another origin of the same
//! site (a sibling subdomain, another port) from sending a signed-in person's cookies
//! with a `POST`; the browser's own headers tell such a request apart:
//!
//! - `Sec-Fetch-Site` (every current browser): only `same-origin` and `none` (typed in the
//!   address bar, a bookmark) pass;
//! - without it, `Origin`, if present, must be this server's origin (the `Host` the
//!   request was sent to, or the public URL);
//! - a request with neither header comes from a program, not a browser page, and carries
//!   no ambient authority a page could borrow: it passes.
//!
//! `GET`, `HEAD` and `OPTIONS` never change anything and always pass.

use axum::extract::{Request, State};
use axum::http::header::{HOST, ORIGIN};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::i18n::Lang;
use crate::pages::PageMeta;
use crate::state::AppState;

/// Whether a request with these headers, to a server reached at `public_url`, came from
/// this server's own pages (or from no page at all).
pub fn same_origin(method: &Method, headers: &HeaderMap, public_url: &str) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return true;
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = header("sec-fetch-site") {
        return matches!(site, "same-origin" | "none");
    }
    let Some(origin) = headers.get(ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers.get(HOST).and_then(|v| v.to_str().ok());
    let authority = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"));
    let public = public_url.trim_end_matches('/');
    authority.is_some_and(|a| host.is_some_and(|h| a.eq_ignore_ascii_case(h)))
        || origin.eq_ignore_ascii_case(public)
}

/// The layer: refuses a cross-origin state change with 403, in the API's JSON format
/// under `/api/` and as a page in the visitor's language elsewhere.
pub async fn guard(State(s): State<AppState>, lang: Lang, req: Request, next: Next) -> Response {
    if same_origin(req.method(), req.headers(), &s.public_url) {
        return next.run(req).await;
    }
    metrics::counter!("http_cross_origin_refused_total").increment(1);
    if req.uri().path().starts_with("/api/") {
        return ApiError::says(StatusCode::FORBIDDEN, "cross_origin", "error-cross-origin")
            .into_response();
    }
    let page = PageMeta::new(lang, req.uri());
    let message = page.t.t("cross-origin-refused");
    (
        StatusCode::FORBIDDEN,
        crate::pages::facilities::NotFoundPage { page, message },
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().expect("header"));
        }
        h
    }

    const PUBLIC: &str = "https://visits.example.org";

    #[test]
    fn a_page_of_another_origin_cannot_change_anything() {
        let post = Method::POST;
        let same_site = headers(&[("sec-fetch-site", "same-site"), ("host", "a:1")]);
        assert!(!same_origin(&post, &same_site, PUBLIC));
        let cross = headers(&[("sec-fetch-site", "cross-site")]);
        assert!(!same_origin(&post, &cross, PUBLIC));
        let other_port = headers(&[("origin", "http://127.0.0.1:9"), ("host", "127.0.0.1:8080")]);
        assert!(!same_origin(&post, &other_port, PUBLIC));
        let null = headers(&[("origin", "null"), ("host", "127.0.0.1:8080")]);
        assert!(!same_origin(&Method::DELETE, &null, PUBLIC));
    }

    #[test]
    fn own_pages_programs_and_reads_pass() {
        let post = Method::POST;
        assert!(same_origin(
            &post,
            &headers(&[("sec-fetch-site", "same-origin")]),
            PUBLIC
        ));
        assert!(same_origin(
            &post,
            &headers(&[
                ("origin", "http://127.0.0.1:8080"),
                ("host", "127.0.0.1:8080")
            ]),
            PUBLIC
        ));
        // Behind a proxy that rewrites Host, the public URL is the origin.
        assert!(same_origin(
            &post,
            &headers(&[("origin", PUBLIC), ("host", "10.0.0.5:8080")]),
            PUBLIC
        ));
        // curl and other programs send neither header.
        assert!(same_origin(&post, &HeaderMap::new(), PUBLIC));
        let cross_read = headers(&[("sec-fetch-site", "cross-site")]);
        assert!(same_origin(&Method::GET, &cross_read, PUBLIC));
    }
}
