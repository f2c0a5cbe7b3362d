//! Server-rendered pages for visitors, in English and Spanish (R8, R9). Templates are
//! compile-checked and auto-escaping (askama); every visible string comes from
//! `locales/{en,es}/main.ftl`.

pub mod facilities;
pub mod help;

use axum::Router;
use axum::extract::Request;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, SET_COOKIE};
use axum::http::{HeaderValue, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::i18n::{LANG_COOKIE, Lang, Tr, explicit_lang};
use crate::state::AppState;

/// What the layout needs: the translator and the link to the other language.
#[derive(Debug, Clone)]
pub struct PageMeta {
    pub t: Tr,
    pub switch_href: String,
    pub other_code: &'static str,
}

impl PageMeta {
    /// For a page at `uri` in `lang`; the switch link keeps the page and its query.
    pub fn new(lang: Lang, uri: &Uri) -> PageMeta {
        let other = lang.other();
        let kept: Vec<&str> = uri
            .query()
            .unwrap_or("")
            .split('&')
            .filter(|kv| !kv.is_empty() && !kv.starts_with("lang="))
            .collect();
        let mut query = kept.join("&");
        if !query.is_empty() {
            query.push('&');
        }
        PageMeta {
            t: Tr { lang },
            switch_href: format!("{}?{query}lang={}", uri.path(), other.code()),
            other_code: other.code(),
        }
    }
}

/// Remembers an explicit `?lang=` choice in a cookie for the next pages.
async fn remember_language(req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let chosen = explicit_lang(&parts);
    let mut response = next.run(Request::from_parts(parts, body)).await;
    if let Some(lang) = chosen {
        let cookie = format!(
            "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
            lang.code()
        );
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(SET_COOKIE, v);
        }
    }
    response
}

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (CONTENT_TYPE, "text/css; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/site.css"),
    )
}

/// The visitor-facing pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(help::home))
        .route("/how-it-works", get(help::how_it_works))
        .route("/faq", get(help::faq))
        .route("/facilities", get(facilities::directory))
        .route("/facilities/{slug}", get(facilities::facility))
        .layer(axum::middleware::from_fn(remember_language))
        .route("/static/site.css", get(stylesheet))
}
