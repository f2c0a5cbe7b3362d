//! A visitor asks to be approved for a resident and sees where that stands (R11).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use openvisit_core::ResidentId;
use openvisit_store::approvals::{Approval, approvals_of_visitor, request_approval};
use serde::Deserialize;

use crate::auth::Visitor;
use crate::error::ApiResult;
use crate::error::ErrorBody;
use crate::extract::ApiJson;
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ApprovalForm {
    pub resident_id: i64,
}

#[utoipa::path(
    post,
    path = "/approvals",
    tag = "approvals",
    request_body = ApprovalForm,
    responses((status = 415, description = "The body must be JSON (Content-Type: application/json)", body = ErrorBody), (status = 201, body = Approval), (status = 400, description = "Malformed request", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Not allowed", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 422, description = "Invalid input", body = ErrorBody)),
    security(("session" = []))
)]
pub async fn request(
    State(s): State<AppState>,
    v: Visitor,
    ApiJson(f): ApiJson<ApprovalForm>,
) -> ApiResult<(StatusCode, Json<Approval>)> {
    let a = request_approval(&s.db, v.id(), ResidentId(f.resident_id), s.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(a)))
}

#[utoipa::path(
    get,
    path = "/approvals",
    tag = "approvals",
    responses((status = 200, body = Vec<Approval>), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Not allowed", body = ErrorBody)),
    security(("session" = []))
)]
pub async fn mine(State(s): State<AppState>, v: Visitor) -> ApiResult<Json<Vec<Approval>>> {
    let mut conn = s.db.conn().await?;
    Ok(Json(approvals_of_visitor(&mut conn, v.id()).await?))
}
