//! The HTTP face of OpenVisit: the JSON API under `/api/v1`, sessions, metrics.
//!
//! It owns routing, authentication, the error contract and request metrics. It holds no
//! business rule of its own: rules live in `openvisit-core`, data in `openvisit-store`.
//! The server takes a bound listener and a shutdown future, so tests run it on a
//! random port.

pub mod auth;
pub mod clock;
pub mod error;
pub mod extract;
pub mod metrics_layer;
pub mod routes;
pub mod state;

use std::future::Future;

use axum::Router;
use axum::routing::{get, post};
use tokio::net::TcpListener;

pub use state::AppState;

/// Every route of the application.
pub fn app(state: AppState) -> Router {
    use routes::*;
    let api = Router::new()
        .route("/auth/register", post(account::register))
        .route("/auth/login", post(account::login))
        .route("/auth/logout", post(account::logout))
        .route("/me", get(account::me))
        .route("/facilities", get(directory::directory))
        .route("/facilities/{id}", get(directory::facility))
        .route("/facilities/{id}/residents", get(directory::residents))
        .route("/approvals", get(approvals::mine).post(approvals::request))
        .route("/availability", get(visits::availability))
        .route("/visits", get(visits::list).post(visits::book))
        .route("/visits/{id}", get(visits::detail))
        .route("/visits/{id}/cancel", post(visits::cancel))
        .route("/balance", get(money::balance))
        .route("/ledger", get(money::ledger))
        .route("/deposits", post(money::add_funds))
        .route("/staff/approvals", get(staff::approvals))
        .route("/staff/approvals/{id}", post(staff::decide))
        .route("/staff/facility", get(staff::settings).put(staff::update))
        .route("/staff/visits", get(staff::schedule))
        .route("/staff/visits/{id}/cancel", post(staff::cancel))
        .route("/staff/audit", get(staff::audit));
    Router::new()
        .nest("/api/v1", api)
        .route("/healthz", get(|| async { "ok" }))
        .route("/metrics", get(metrics_layer::render))
        .fallback(|| async { error::ApiError::not_found("page") })
        .layer(axum::middleware::from_fn(metrics_layer::track))
        .with_state(state)
}

/// Serves until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown)
        .await
}
