//! `POST /api/v1/payments/stripe/webhook`: where Stripe sends its events. Not a route
//! for clients (so not in the OpenAPI document): no session, no CSRF token; the
//! signature under the endpoint's secret is the only authority. A refused signature
//! answers 400 and changes nothing; an event this server could not record answers 500,
//! and Stripe sends it again later.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use secrecy::ExposeSecret;

use super::events::read_event;
use super::signature::verify;
use crate::error::ApiError;
use crate::state::AppState;

pub async fn receive(State(s): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(secret) = s.stripe_webhook_secret.as_ref() else {
        return ApiError::not_found("page").into_response();
    };
    let header = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if let Err(why) = verify(&body, header, secret.expose_secret(), s.clock.now()) {
        metrics::counter!("openvisit_payment_events_refused_total").increment(1);
        tracing::warn!(error = %why, "a payment event was refused");
        return ApiError::says(
            StatusCode::BAD_REQUEST,
            "bad_signature",
            "error-bad-signature",
        )
        .into_response();
    }
    let event = match read_event(&body) {
        Ok(Some(event)) => event,
        Ok(None) => return axum::Json(serde_json::json!({ "outcome": "ignored" })).into_response(),
        Err(_) => {
            return ApiError::bad_request("error-payment-event-malformed").into_response();
        }
    };
    match openvisit_store::payments::credit_from_event(&s.db, &event, s.clock.now()).await {
        Ok(outcome) => {
            tracing::info!(
                event = event.id,
                kind = event.kind,
                reference = event.reference,
                ?outcome,
                "payment event"
            );
            axum::Json(serde_json::json!({ "outcome": outcome })).into_response()
        }
        Err(e) => ApiError::from(e).into_response(),
    }
}
