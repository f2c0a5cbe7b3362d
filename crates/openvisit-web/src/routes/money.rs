//! Balance, ledger history and adding funds.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use openvisit_core::Cents;
use openvisit_store::ledger::{LedgerLine, visitor_balance, visitor_history};
use openvisit_store::payments::{Deposited, deposit};
use serde::{Deserialize, Serialize};

use crate::auth::Visitor;
use crate::error::ApiResult;
use crate::error::ErrorBody;
use crate::extract::{ApiJson, idempotency_key};
use crate::state::AppState;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BalanceView {
    pub balance_cents: i64,
    pub balance: String,
}

#[utoipa::path(
    get,
    path = "/balance",
    tag = "money",
    responses((status = 200, body = BalanceView), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Not allowed", body = ErrorBody)),
    security(("session" = []))
)]
pub async fn balance(State(s): State<AppState>, v: Visitor) -> ApiResult<Json<BalanceView>> {
    let mut conn = s.db.conn().await?;
    let b = visitor_balance(&mut conn, v.id()).await?;
    Ok(Json(BalanceView {
        balance_cents: b.0,
        balance: b.to_string(),
    }))
}

#[utoipa::path(
    get,
    path = "/ledger",
    tag = "money",
    responses((status = 200, body = Vec<LedgerLine>), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Not allowed", body = ErrorBody)),
    security(("session" = []))
)]
pub async fn ledger(State(s): State<AppState>, v: Visitor) -> ApiResult<Json<Vec<LedgerLine>>> {
    let mut conn = s.db.conn().await?;
    Ok(Json(visitor_history(&mut conn, v.id()).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DepositForm {
    /// $1.00 to $500.00.
    #[schema(minimum = 100, maximum = 50000)]
    pub amount_cents: i64,
    /// The token the payment form gave; the test provider declines `decline`. Unused
    /// where the provider takes the card on its own page (Stripe).
    #[serde(default)]
    pub payment_token: String,
}

/// Where the family pays, when the provider takes the card on its own page.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CheckoutView {
    /// Send the family here; the balance is credited when the provider confirms the
    /// payment (`GET /balance` shows it).
    pub checkout_url: String,
}

#[utoipa::path(
    post,
    path = "/deposits",
    tag = "money",
    request_body = DepositForm,
    params(("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 200, pattern = "^[!-~]+$", description = "Retries with the same key credit once (1 to 200 visible ASCII characters)")),
    responses((status = 409, description = "A payment with this key is still being processed", body = ErrorBody), (status = 415, description = "The body must be JSON (Content-Type: application/json)", body = ErrorBody), (status = 201, description = "Funds added; the new balance", body = BalanceView), (status = 202, description = "The family pays on the provider's page (Stripe); credited when the provider confirms", body = CheckoutView), (status = 400, description = "Malformed request", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Not allowed", body = ErrorBody), (status = 422, description = "Invalid input", body = ErrorBody)),
    security(("session" = []))
)]
pub async fn add_funds(
    State(s): State<AppState>,
    v: Visitor,
    headers: HeaderMap,
    ApiJson(f): ApiJson<DepositForm>,
) -> ApiResult<Response> {
    let key = idempotency_key(&headers)?;
    let b = match deposit(
        &s.db,
        s.payments.as_ref(),
        v.id(),
        Cents(f.amount_cents),
        &f.payment_token,
        key.as_deref(),
        s.clock.now(),
    )
    .await?
    {
        Deposited::New(b) | Deposited::Replayed(b) => b,
        Deposited::Checkout { url } => {
            return Ok((
                StatusCode::ACCEPTED,
                Json(CheckoutView { checkout_url: url }),
            )
                .into_response());
        }
    };
    Ok((
        StatusCode::CREATED,
        Json(BalanceView {
            balance_cents: b.0,
            balance: b.to_string(),
        }),
    )
        .into_response())
}
