//! Balance, ledger history and adding funds.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use openvisit_core::Cents;
use openvisit_store::StoreError;
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
    let mut conn = s.db.pool.acquire().await.map_err(StoreError::from)?;
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
    let mut conn = s.db.pool.acquire().await.map_err(StoreError::from)?;
    Ok(Json(visitor_history(&mut conn, v.id()).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DepositForm {
    pub amount_cents: i64,
    /// The token the payment form gave; the test provider declines `decline`.
    pub payment_token: String,
}

#[utoipa::path(
    post,
    path = "/deposits",
    tag = "money",
    request_body = DepositForm,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key credit once")),
    responses((status = 409, description = "A payment with this key is still being processed", body = ErrorBody), (status = 415, description = "The body must be JSON (Content-Type: application/json)", body = ErrorBody), (status = 201, description = "Funds added; the new balance", body = BalanceView), (status = 400, description = "Malformed request", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Not allowed", body = ErrorBody), (status = 422, description = "Invalid input", body = ErrorBody)),
    security(("session" = []))
)]
pub async fn add_funds(
    State(s): State<AppState>,
    v: Visitor,
    headers: HeaderMap,
    ApiJson(f): ApiJson<DepositForm>,
) -> ApiResult<(StatusCode, Json<BalanceView>)> {
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
    };
    Ok((
        StatusCode::CREATED,
        Json(BalanceView {
            balance_cents: b.0,
            balance: b.to_string(),
        }),
    ))
}
