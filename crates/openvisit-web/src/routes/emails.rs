//! The visit emails that could not be delivered, for the facility's staff: still being
//! tried (`pending`, with the last error) or given up after the last attempt (`dead`).

use axum::Json;
use axum::extract::State;
use openvisit_store::email_outbox::{Undelivered, undelivered};

use crate::auth::Staff;
use crate::error::{ApiResult, ErrorBody};
use crate::state::AppState;

#[utoipa::path(
    get,
    path = "/staff/undelivered-emails",
    tag = "staff",
    responses((status = 200, description = "The facility's visit emails that failed at least once and are not delivered, newest first (at most 200)", body = Vec<Undelivered>), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Not allowed", body = ErrorBody)),
    security(("session" = []))
)]
pub async fn list(State(s): State<AppState>, staff: Staff) -> ApiResult<Json<Vec<Undelivered>>> {
    let mut conn = s.db.conn().await?;
    Ok(Json(undelivered(&mut conn, staff.facility).await?))
}
