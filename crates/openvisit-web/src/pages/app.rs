//! The visitor site as a phone app, since most families book and join from a phone: the
//! web app manifest (in the reader's language), its icons, the service worker
//! (`static/sw.js`: pages from the network, an offline page when there is none) and that
//! offline page.

use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use crate::i18n::Lang;
use crate::pages::PageMeta;

/// The manifest: name, colours, start page and icons (maskable: the drawing keeps to the
/// central 80%).
pub async fn manifest(lang: Lang) -> Response {
    let t = crate::i18n::Tr { lang };
    let body = serde_json::json!({
        "name": t.t("site-name"),
        "short_name": t.t("site-name"),
        "description": t.t("app-description"),
        "lang": lang.code(),
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0b5394",
        "icons": [
            { "src": "/static/icons/icon-192.png", "sizes": "192x192", "type": "image/png", "purpose": "any maskable" },
            { "src": "/static/icons/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any maskable" },
        ],
    });
    (
        [
            (CONTENT_TYPE, "application/manifest+json"),
            (CACHE_CONTROL, "no-cache"),
        ],
        body.to_string(),
    )
        .into_response()
}

/// The service worker, from the site's root so that it serves every page.
pub async fn service_worker() -> Response {
    (
        [
            (CONTENT_TYPE, "text/javascript; charset=utf-8"),
            // A new version is picked up at the next visit.
            (CACHE_CONTROL, "no-cache"),
        ],
        include_str!("../../static/sw.js"),
    )
        .into_response()
}

pub async fn register_script() -> Response {
    (
        [
            (CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/app.js"),
    )
        .into_response()
}

fn png(bytes: &'static [u8]) -> Response {
    (
        [
            (CONTENT_TYPE, "image/png"),
            (CACHE_CONTROL, "public, max-age=86400"),
        ],
        bytes,
    )
        .into_response()
}

pub async fn icon_192() -> Response {
    png(include_bytes!("../../static/icons/icon-192.png"))
}

pub async fn icon_512() -> Response {
    png(include_bytes!("../../static/icons/icon-512.png"))
}

/// What the app shows when a page cannot be reached: nothing personal, a way to retry.
pub async fn offline(lang: Lang, uri: Uri) -> Response {
    let page = PageMeta::new(lang, &uri);
    (
        StatusCode::OK,
        crate::pages::account::message(
            page,
            "offline-title",
            "offline-text",
            Some(("/", "offline-retry")),
        ),
    )
        .into_response()
}
