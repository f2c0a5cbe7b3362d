//! The API's error contract: a status and `{ "error": code, "message": text }` that a
//! person can act on, the text in the reader's language. Server faults are logged
//! inside the request span and never shown.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use openvisit_core::availability::RuleViolation;
use openvisit_core::message::Message;
use openvisit_store::StoreError;

use crate::i18n::{Lang, Tr, current_lang};
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

/// An error answer before it is written: its message is rendered in the reader's
/// language (`i18n::current_lang`) only when the answer is sent.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    /// The stable code programs match on.
    pub error: &'static str,
    pub message: Message,
    pub details: Option<serde_json::Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, error: &'static str, message: Message) -> ApiError {
        ApiError {
            status,
            error,
            message,
            details: None,
        }
    }

    /// An error whose message has no values.
    pub fn says(status: StatusCode, error: &'static str, id: &'static str) -> ApiError {
        ApiError::new(status, error, Message::new(id))
    }

    pub fn with_details(mut self, details: serde_json::Value) -> ApiError {
        self.details = Some(details);
        self
    }

    /// The message in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        Tr { lang }.message(&self.message)
    }

    pub fn unauthorized() -> ApiError {
        ApiError::says(
            StatusCode::UNAUTHORIZED,
            "sign_in_required",
            "error-sign-in-required",
        )
    }

    pub fn forbidden() -> ApiError {
        ApiError::says(StatusCode::FORBIDDEN, "forbidden", "error-forbidden")
    }

    /// Live video is not running on this server.
    pub fn unavailable() -> ApiError {
        ApiError::says(
            StatusCode::SERVICE_UNAVAILABLE,
            "video_unavailable",
            "error-video-unavailable",
        )
    }

    pub fn bad_request(id: &'static str) -> ApiError {
        ApiError::says(StatusCode::BAD_REQUEST, "bad_request", id)
    }

    /// `what` names the thing: `visit`, `resident`, `housing unit` … (a selector of
    /// `error-not-found`).
    pub fn not_found(what: &str) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            Message::new("error-not-found").with("what", what.replace(' ', "_")),
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: self.error,
            message: self.text(current_lang()),
            details: self.details,
            request_id: crate::request_id::current(),
        };
        (self.status, Json(body)).into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        use StatusCode as S;
        match e {
            StoreError::NotFound(what) => ApiError::not_found(what),
            StoreError::Invalid(m) => ApiError::new(S::UNPROCESSABLE_ENTITY, "invalid", m),
            StoreError::Conflict(m) => ApiError::new(S::CONFLICT, "conflict", m),
            StoreError::Forbidden => {
                ApiError::says(S::FORBIDDEN, "not_approved", "error-not-approved")
            }
            StoreError::Rule(v) => rule_error(v),
            StoreError::InsufficientFunds { needed, available } => ApiError::new(
                S::PAYMENT_REQUIRED,
                "add_funds",
                Message::new("error-add-funds")
                    .with("price", needed.to_string())
                    .with("balance", available.to_string()),
            )
            .with_details(serde_json::json!({
                "needed_cents": needed.0,
                "available_cents": available.0,
            })),
            StoreError::IdempotencyMismatch => ApiError::says(
                S::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "error-idempotency-key-reused",
            ),
            StoreError::Pricing(p) => {
                use openvisit_core::pricing::PricingError as P;
                // The reason and figures let a page say it in the reader's language.
                let (details, message) = match &p {
                    P::AboveCap {
                        fee,
                        increment,
                        per_minute,
                        cap,
                    } => (
                        serde_json::json!({ "reason": "above_cap", "per_minute": per_minute, "cap": cap }),
                        Message::new("error-price-above-cap")
                            .with("fee", fee.to_string())
                            .with("increment", *increment)
                            .with("per_minute", per_minute.as_str())
                            .with("cap", cap.as_str()),
                    ),
                    P::BadIncrement(n) => (
                        serde_json::json!({ "reason": "bad_increment" }),
                        Message::new("error-price-increment").with("increment", *n),
                    ),
                    P::NegativeFee => (
                        serde_json::json!({ "reason": "negative_fee" }),
                        Message::new("error-price-negative"),
                    ),
                    P::NoCap => (
                        serde_json::json!({ "reason": "no_cap" }),
                        Message::new("error-price-no-cap"),
                    ),
                };
                ApiError::new(S::UNPROCESSABLE_ENTITY, "price_refused", message)
                    .with_details(details)
            }
            StoreError::Ledger(l) => {
                use openvisit_core::ledger::LedgerError as L;
                let id = match l {
                    L::NotPositive => "error-amount-not-positive",
                    L::Overflow => "error-amount-too-large",
                };
                ApiError::says(S::UNPROCESSABLE_ENTITY, "invalid_amount", id)
            }
            StoreError::Cancel(openvisit_core::refund::CancelError::AlreadyStarted) => {
                ApiError::says(S::CONFLICT, "cannot_cancel", "error-cancel-started")
            }
            StoreError::Db(_)
            | StoreError::Migrate(_)
            | StoreError::Corrupt(_)
            | StoreError::Operator(_) => {
                tracing::error!(error = %e, "storage failure");
                ApiError::says(S::INTERNAL_SERVER_ERROR, "internal", "error-generic")
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
    ApiError::new(status, code, Message::new(rule_message(v)))
}

/// The message for a booking rule broken.
pub fn rule_message(v: RuleViolation) -> &'static str {
    use RuleViolation as R;
    match v {
        R::KindNotOffered => "error-rule-kind",
        R::LengthNotAllowed => "error-rule-length",
        R::NotOnGrid => "error-rule-grid",
        R::TooSoon => "error-rule-too-soon",
        R::TooFarAhead => "error-rule-too-far",
        R::OutsideHours => "error-rule-hours",
        R::Blackout => "error-rule-blackout",
        R::ResidentBusy => "error-rule-resident-busy",
        R::VisitorBusy => "error-rule-visitor-busy",
        R::NoKioskFree => "error-rule-no-kiosk",
        R::NoLobbyKioskFree => "error-rule-no-lobby-kiosk",
        R::WeeklyLimit => "error-rule-weekly-limit",
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
