//! The API's error contract: a status and `{ "error": code, "message": text }` that a
//! person can act on. Server faults are logged inside the request span and never shown.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use openvisit_core::availability::RuleViolation;
use openvisit_store::StoreError;
use serde::Serialize;

/// Every error answer: a stable code for programs and a message for people.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub details: Option<serde_json::Value>,
    /// The request's id (also in the `X-Request-Id` header): quote it when reporting a
    /// problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: ErrorBody,
}

impl ApiError {
    pub fn new(status: StatusCode, error: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            body: ErrorBody {
                error,
                message: message.into(),
                details: None,
                request_id: None,
            },
        }
    }

    pub fn with_details(mut self, details: serde_json::Value) -> ApiError {
        self.body.details = Some(details);
        self
    }

    pub fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "sign_in_required",
            "sign in to continue",
        )
    }

    pub fn forbidden() -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "you are not allowed to do this",
        )
    }

    /// Live video is not running on this server.
    pub fn unavailable() -> ApiError {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "video_unavailable",
            "video is not available on this server right now; try again in a minute",
        )
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn not_found(what: &str) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} not found"),
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(mut self) -> Response {
        if self.body.request_id.is_none() {
            self.body.request_id = crate::request_id::current();
        }
        (self.status, Json(self.body)).into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        use StatusCode as S;
        match e {
            StoreError::NotFound(what) => ApiError::not_found(what),
            StoreError::Invalid(m) => ApiError::new(S::UNPROCESSABLE_ENTITY, "invalid", m),
            StoreError::Conflict(m) => ApiError::new(S::CONFLICT, "conflict", m),
            StoreError::Forbidden => ApiError::new(
                S::FORBIDDEN,
                "not_approved",
                "you are not approved to visit this person yet; ask the facility for approval",
            ),
            StoreError::Rule(v) => rule_error(v),
            StoreError::InsufficientFunds { needed, available } => ApiError::new(
                S::PAYMENT_REQUIRED,
                "add_funds",
                StoreError::InsufficientFunds { needed, available }.to_string(),
            )
            .with_details(serde_json::json!({
                "needed_cents": needed.0,
                "available_cents": available.0,
            })),
            StoreError::IdempotencyMismatch => ApiError::new(
                S::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                e.to_string(),
            ),
            StoreError::Pricing(p) => {
                use openvisit_core::pricing::PricingError as P;
                // The reason and figures let a page say it in the reader's language.
                let details = match &p {
                    P::AboveCap {
                        per_minute, cap, ..
                    } => {
                        serde_json::json!({ "reason": "above_cap", "per_minute": per_minute, "cap": cap })
                    }
                    P::BadIncrement(_) => serde_json::json!({ "reason": "bad_increment" }),
                    P::NegativeFee => serde_json::json!({ "reason": "negative_fee" }),
                    P::NoCap => serde_json::json!({ "reason": "no_cap" }),
                };
                ApiError::new(S::UNPROCESSABLE_ENTITY, "price_refused", p.to_string())
                    .with_details(details)
            }
            StoreError::Ledger(l) => {
                ApiError::new(S::UNPROCESSABLE_ENTITY, "invalid_amount", l.to_string())
            }
            StoreError::Cancel(c) => ApiError::new(S::CONFLICT, "cannot_cancel", c.to_string()),
            StoreError::Db(_) | StoreError::Migrate(_) | StoreError::Corrupt(_) => {
                tracing::error!(error = %e, "storage failure");
                ApiError::new(
                    S::INTERNAL_SERVER_ERROR,
                    "internal",
                    "something went wrong on our side; nothing was changed, please try again",
                )
            }
        }
    }
}

/// Taken slots are 409 (try another time); other rule breaks are 422 (change the request).
pub fn rule_error(v: RuleViolation) -> ApiError {
    let status = match v {
        RuleViolation::ResidentBusy
        | RuleViolation::VisitorBusy
        | RuleViolation::NoKioskFree
        | RuleViolation::NoLobbyKioskFree
        | RuleViolation::WeeklyLimit => StatusCode::CONFLICT,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let code = match v {
        RuleViolation::WeeklyLimit => "weekly_limit",
        RuleViolation::ResidentBusy
        | RuleViolation::VisitorBusy
        | RuleViolation::NoKioskFree
        | RuleViolation::NoLobbyKioskFree => "slot_taken",
        _ => "not_bookable",
    };
    ApiError::new(status, code, v.to_string())
}

pub type ApiResult<T> = Result<T, ApiError>;
