//! A visitor asks to be approved for a resident and sees where that stands (R11).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use openvisit_core::ResidentId;
use openvisit_store::StoreError;
use openvisit_store::approvals::{Approval, approvals_of_visitor, request_approval};
use serde::Deserialize;

use crate::auth::Visitor;
use crate::error::ApiResult;
use crate::extract::ApiJson;
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub struct ApprovalForm {
    pub resident_id: i64,
}

pub async fn request(
    State(s): State<AppState>,
    v: Visitor,
    ApiJson(f): ApiJson<ApprovalForm>,
) -> ApiResult<(StatusCode, Json<Approval>)> {
    let a = request_approval(&s.db, v.id(), ResidentId(f.resident_id), s.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(a)))
}

pub async fn mine(State(s): State<AppState>, v: Visitor) -> ApiResult<Json<Vec<Approval>>> {
    let mut conn = s.db.pool.acquire().await.map_err(StoreError::from)?;
    Ok(Json(approvals_of_visitor(&mut conn, v.id()).await?))
}
