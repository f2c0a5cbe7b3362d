//! The HTTP face of OpenVisit: the JSON API under `/api/v1`, sessions, metrics.
//!
//! It owns routing, authentication, the error contract and request metrics. It holds no
//! business rule of its own: rules live in `openvisit-core`, data in `openvisit-store`.
//! The server takes a bound listener and a shutdown future, so tests run it on a
//! random port.

mod api_links;
pub mod auth;
pub mod clock;
pub mod connections;
pub mod csrf;
pub mod error;
pub mod extract;
pub mod forwarded;
pub mod fuzzing;
pub mod i18n;
pub mod live;
pub mod mail;
pub mod metrics_layer;
pub mod notify;
pub mod origin;
pub mod pages;
pub mod rate_limit;
pub mod request_id;
pub mod routes;
pub mod security_headers;
pub mod smtp_relay;
pub mod state;
pub mod stripe;
pub mod tls;
pub mod verification;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use tokio::net::TcpListener;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use connections::ConnectionLimits;
pub use state::AppState;

/// The API's routes, with the OpenAPI document generated from the same registrations,
/// so a route cannot exist without being described.
pub fn api_router() -> OpenApiRouter<AppState> {
    use routes::*;
    let v1 = OpenApiRouter::new()
        .routes(routes!(account::register))
        .routes(routes!(account::login))
        .routes(routes!(account::verify))
        .routes(routes!(account::logout))
        .routes(routes!(account::me))
        .routes(routes!(directory::directory))
        .routes(routes!(directory::facility))
        .routes(routes!(directory::residents))
        .routes(routes!(directory::accept_rules))
        .routes(routes!(setup::rename_unit))
        .routes(routes!(setup::rename_kiosk))
        .routes(routes!(setup::retire_kiosk))
        .routes(routes!(setup::retire_unit))
        .routes(routes!(approvals::mine, approvals::request))
        .routes(routes!(visits::availability))
        .routes(routes!(visits::list, visits::book))
        .routes(routes!(visits::detail))
        .routes(routes!(visits::cancel))
        .routes(routes!(visits::reschedule))
        .routes(routes!(money::balance))
        .routes(routes!(money::ledger))
        .routes(routes!(money::add_funds))
        .routes(routes!(staff::approvals))
        .routes(routes!(staff::decide))
        .routes(routes!(staff::settings, staff::update))
        .routes(routes!(staff::schedule, staff::book_for_family))
        .routes(routes!(staff::cancel))
        .routes(routes!(staff::audit))
        .routes(routes!(staff::tickets))
        .routes(routes!(setup::units, setup::new_unit))
        .routes(routes!(setup::new_kiosk))
        .routes(routes!(setup::hours))
        .routes(routes!(setup::recording_days))
        .routes(routes!(setup::lift_blackout))
        .routes(routes!(setup::blackouts, setup::new_blackout))
        .routes(routes!(live::visitor_ticket))
        .routes(routes!(live::monitor_ticket))
        .routes(routes!(live::kiosk_ticket))
        .routes(routes!(live::kiosk_next))
        .routes(routes!(live::live_visits))
        .routes(routes!(live::end_visit))
        .routes(routes!(live::recording))
        .routes(routes!(live::recording_file))
        .routes(routes!(live::post_notice))
        .routes(routes!(live::no_show))
        .routes(routes!(support::ticket))
        .routes(routes!(support::reply))
        .routes(routes!(support::close))
        .routes(routes!(support::credit))
        .routes(routes!(reports::report))
        .routes(routes!(reports::report_file))
        .routes(routes!(emails::list))
        .routes(routes!(roster::upload));
    OpenApiRouter::with_openapi(ApiDoc::openapi()).nest("/api/v1", v1)
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "OpenVisit API",
        description = "Video visitation for jails and prisons: facilities, availability, \
                       visits, approvals, money and the staff side. Sign in with \
                       POST /api/v1/auth/login; the session cookie authenticates the rest."
    ),
    modifiers(&SessionCookie)
)]
struct ApiDoc;

/// Declares the `ov_session` cookie as the security scheme.
struct SessionCookie;

impl utoipa::Modify for SessionCookie {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(auth::SESSION_COOKIE))),
        );
        // Kiosks send their device key as `Authorization: Bearer <key>` (or the kiosk
        // cookie the kiosk page sets).
        components.add_security_scheme(
            "kiosk",
            SecurityScheme::Http(utoipa::openapi::security::Http::new(
                utoipa::openapi::security::HttpAuthScheme::Bearer,
            )),
        );
    }
}

/// Every route of the application.
pub fn app(state: AppState) -> Router {
    let (api, mut doc) = api_router().split_for_parts();
    let missing = api_links::add(&mut doc);
    if !missing.is_empty() {
        tracing::error!(?missing, "OpenAPI links to operations the document lacks");
    }
    let doc = std::sync::Arc::new(doc);
    Router::new()
        .merge(api)
        .merge(pages::router(&state))
        .route(
            "/api/openapi.json",
            get(move || {
                let doc = doc.clone();
                async move { axum::Json(doc.as_ref().clone()) }
            }),
        )
        // The signaling socket (docs/SIGNALING.md): not JSON over HTTP, so not in the
        // OpenAPI document.
        .route("/api/v1/live", get(live::signal::socket))
        // Stripe's events: signed by Stripe, not a route for clients (stripe/webhook.rs).
        .route(
            "/api/v1/payments/stripe/webhook",
            axum::routing::post(stripe::webhook::receive),
        )
        .route("/healthz", get(|| async { "ok" }))
        .route("/metrics", get(metrics_layer::render))
        .fallback(not_found)
        // Inside the origin guard: a refused cross-site write never reaches it.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            notify::deliver_after,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            origin::guard,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security_headers::add,
        ))
        .layer(axum::middleware::from_fn(metrics_layer::track))
        // The reader's language for errors built anywhere below (`i18n::current_lang`).
        .layer(axum::middleware::from_fn(i18n::scope_lang))
        // The request's span (its id, method and route) around everything below, the
        // answer's log line (metrics_layer) included; server faults logged at error.
        .layer(tower_http::trace::TraceLayer::new_for_http().make_span_with(request_id::span))
        .layer(axum::middleware::from_fn(request_id::assign))
        .with_state(state)
}

/// Unknown API paths answer in the API's JSON format; anything else gets a page in the
/// visitor's language.
async fn not_found(lang: i18n::Lang, uri: axum::http::Uri) -> axum::response::Response {
    use axum::response::IntoResponse;
    if uri.path().starts_with("/api/") {
        return error::ApiError::not_found("page").into_response();
    }
    let page = pages::PageMeta::new(lang, &uri);
    let message = page.t.t("page-not-found");
    (
        axum::http::StatusCode::NOT_FOUND,
        pages::facilities::NotFoundPage { page, message },
    )
        .into_response()
}

/// Serves until `shutdown` resolves, with the default connection limits.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with_limits(listener, state, ConnectionLimits::default(), None, shutdown).await
}

/// Serves until `shutdown` resolves, under `limits` (connections.rs), over HTTPS with
/// `tls`.
pub async fn serve_with_limits(
    listener: TcpListener,
    state: AppState,
    limits: ConnectionLimits,
    tls: Option<Arc<tls::TlsFiles>>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    connections::serve(listener, app(state), limits, tls, shutdown).await
}
