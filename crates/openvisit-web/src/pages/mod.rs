//! Server-rendered pages for visitors, in English and Spanish (R8, R9). Templates are
//! compile-checked and auto-escaping (askama); every visible string comes from
//! `locales/{en,es}/main.ftl`.

pub mod account;
pub mod app;
pub mod console;
pub mod contact;
pub mod facilities;
pub mod help;
pub mod kiosk;
pub mod ledger_text;
pub mod outbox;
pub mod reset;
pub mod room;
pub mod staff;
pub mod visitor;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, SET_COOKIE};
use axum::http::{HeaderValue, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};

use crate::i18n::{Lang, Tr, explicit_lang};
use crate::state::AppState;

/// What the layout needs: the translator and the link to the other language.
#[derive(Debug, Clone)]
pub struct PageMeta {
    pub t: Tr,
    pub switch_href: String,
    pub other_code: &'static str,
    /// The signed-in person's name, for the navigation.
    pub account: Option<String>,
    /// The form token (CSRF) for the sign-out button.
    pub csrf: String,
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
        // One leading slash: `//host/x` as a link would leave this site.
        let path = format!("/{}", uri.path().trim_start_matches('/'));
        PageMeta {
            t: Tr { lang },
            switch_href: format!("{path}?{query}lang={}", other.code()),
            other_code: other.code(),
            account: None,
            csrf: String::new(),
        }
    }

    /// For a page that shows who is signed in (the navigation changes).
    pub fn signed(
        lang: Lang,
        uri: &Uri,
        headers: &axum::http::HeaderMap,
        account: Option<&openvisit_store::accounts::Account>,
    ) -> PageMeta {
        let (token, _) = crate::csrf::token_for(headers);
        PageMeta::for_account(lang, uri, account, &token)
    }

    /// The same, for a page that knows who is signed in.
    pub fn for_account(
        lang: Lang,
        uri: &Uri,
        account: Option<&openvisit_store::accounts::Account>,
        csrf: &str,
    ) -> PageMeta {
        PageMeta {
            account: account.map(|a| a.display_name.clone()),
            csrf: csrf.to_owned(),
            ..PageMeta::new(lang, uri)
        }
    }
}

/// Gives every browser a CSRF cookie on its first page: the request is handled as if it
/// had sent it, and the response sets it. Over HTTPS the cookie is `__Host-ov_csrf;
/// Secure`, and only that one counts: a sibling subdomain can plant a plain `ov_csrf`,
/// never a `__Host-` one. The handlers read the token under its plain name either way.
async fn ensure_csrf_cookie(
    axum::extract::State(s): axum::extract::State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    use crate::csrf::{CSRF_COOKIE, SECURE_CSRF_COOKIE};
    if s.secure_cookies {
        let trusted = crate::auth::cookie_value(req.headers(), SECURE_CSRF_COOKIE);
        let others: Vec<String> = axum_extra::extract::CookieJar::from_headers(req.headers())
            .iter()
            .filter(|c| c.name() != CSRF_COOKIE)
            .map(|c| format!("{}={}", c.name(), c.value()))
            .chain(trusted.map(|t| format!("{CSRF_COOKIE}={t}")))
            .collect();
        req.headers_mut().remove(axum::http::header::COOKIE);
        if let Ok(v) = HeaderValue::from_str(&others.join("; ")) {
            req.headers_mut().insert(axum::http::header::COOKIE, v);
        }
    }
    let (token, set) = crate::csrf::token_for(req.headers());
    if set.is_some()
        && let Ok(v) = HeaderValue::from_str(&format!("{CSRF_COOKIE}={token}"))
    {
        req.headers_mut().append(axum::http::header::COOKIE, v);
    }
    let mut response = next.run(req).await;
    let set = set.map(|plain| {
        if s.secure_cookies {
            format!("{SECURE_CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Secure")
        } else {
            plain
        }
    });
    if let Some(cookie) = set
        && let Ok(v) = HeaderValue::from_str(&cookie)
    {
        response.headers_mut().append(SET_COOKIE, v);
    }
    response
}

/// Remembers an explicit `?lang=` choice in a cookie for the next pages.
async fn remember_language(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let chosen = explicit_lang(&parts);
    let mut response = next.run(Request::from_parts(parts, body)).await;
    if let Some(lang) = chosen {
        let cookie = crate::i18n::lang_cookie(lang.code(), s.secure_cookies);
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(SET_COOKIE, v);
        }
    }
    response
}

async fn visit_script() -> impl IntoResponse {
    script(include_str!("../../static/visit.js"))
}

async fn monitor_script() -> impl IntoResponse {
    script(include_str!("../../static/monitor.js"))
}

async fn console_script() -> impl IntoResponse {
    script(include_str!("../../static/console.js"))
}

async fn book_script() -> impl IntoResponse {
    script(include_str!("../../static/book.js"))
}

async fn kiosk_script() -> impl IntoResponse {
    script(include_str!("../../static/kiosk.js"))
}

fn script(body: &'static str) -> impl IntoResponse {
    (
        [
            (CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
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
/// A staff page: its path and its handler.
pub type StaffPage = (&'static str, fn() -> MethodRouter<AppState>);

/// Every staff page, for the router and for the authorization matrix test (a page
/// added here is checked for every role without further work).
pub const STAFF_PAGES: &[StaffPage] = &[
    ("/staff/live", || get(staff::live)),
    ("/staff/visits/{id}/recording", || get(staff::recording)),
    ("/staff/schedule", || get(console::schedule::board)),
    ("/staff/book", || {
        get(console::book::page).post(console::book::book)
    }),
    ("/staff/visits/{id}", || get(console::schedule::visit)),
    ("/staff/approvals", || get(console::approvals::page)),
    ("/staff/roster", || get(console::roster::page)),
    ("/staff/settings", || get(console::settings::page)),
    ("/staff/reports", || get(console::reports::page)),
    ("/staff/audit", || get(console::audit::page)),
    ("/staff/emails", || get(console::emails::page)),
    ("/staff/support", || get(console::support::inbox)),
    ("/staff/support/{reference}", || {
        get(console::support::ticket)
    }),
];

pub fn router(state: &AppState) -> Router<AppState> {
    let staff_pages = STAFF_PAGES
        .iter()
        .fold(Router::new(), |r, (path, handler)| r.route(path, handler()));
    staff_pages
        .route("/", get(help::home))
        .route("/how-it-works", get(help::how_it_works))
        .route("/faq", get(help::faq))
        .route("/facilities", get(facilities::directory))
        .route("/facilities/{slug}", get(facilities::facility))
        .route(
            "/register",
            get(account::register_form).post(account::register),
        )
        .route("/verify", get(account::verify))
        .route(
            "/sign-in",
            get(account::sign_in_form).post(account::sign_in),
        )
        .route("/sign-out", axum::routing::post(account::sign_out))
        .route(
            "/account",
            get(account::account).post(account::account_post),
        )
        .route("/dev/outbox", get(outbox::outbox))
        .route("/contact", get(contact::form).post(contact::send))
        .route(
            "/forgot-password",
            get(reset::forgot_form).post(reset::forgot),
        )
        .route("/reset-password", get(reset::reset_form).post(reset::reset))
        .route("/people", get(visitor::people).post(visitor::people_post))
        .route("/visits", get(visitor::visits))
        .route(
            "/visits/{id}/cancel",
            axum::routing::get(visitor::cancel_confirm).post(visitor::cancel),
        )
        .route(
            "/visits/{id}/move",
            axum::routing::get(visitor::move_form).post(visitor::move_post),
        )
        .route("/visits/{id}/join", get(visitor::join))
        .route("/receipts/{entry}", get(visitor::receipt))
        .route("/book", get(visitor::book).post(visitor::book_post))
        .route("/book/rules", axum::routing::post(visitor::rules_accept))
        .route("/funds", get(visitor::funds).post(visitor::funds_post))
        .route("/kiosk", get(kiosk::page))
        .route("/kiosk/setup", get(kiosk::setup_form).post(kiosk::setup))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            remember_language,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            ensure_csrf_cookie,
        ))
        .route("/static/site.css", get(stylesheet))
        .route("/static/visit.js", get(visit_script))
        .route("/static/kiosk.js", get(kiosk_script))
        .route("/static/book.js", get(book_script))
        .route("/static/app.js", get(app::register_script))
        .route("/static/icons/icon-192.png", get(app::icon_192))
        .route("/static/icons/icon-512.png", get(app::icon_512))
        .route("/manifest.webmanifest", get(app::manifest))
        .route("/sw.js", get(app::service_worker))
        .route("/offline", get(app::offline))
        .route("/static/monitor.js", get(monitor_script))
        .route("/static/console.js", get(console_script))
}

/// The page for a request that failed on our side, in the reader's language: nothing
/// about the fault (that is in the log, under the request's id), a way back home.
pub fn failure_page() -> axum::response::Response {
    let page = PageMeta::new(crate::i18n::current_lang(), &Uri::from_static("/"));
    (
        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        account::message(
            page,
            "error-generic-title",
            "error-generic",
            Some(("/", "nav-home")),
        ),
    )
        .into_response()
}
