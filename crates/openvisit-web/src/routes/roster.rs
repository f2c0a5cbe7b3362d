//! Uploading the roster: the CSV a jail management system exports (booking_number,
//! full_name, housing_unit). A preview says who would be added, moved and released,
//! and which visits would stay or be cancelled; applying it does so.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use openvisit_core::message::Message;
use openvisit_store::roster::{RosterChanges, apply_roster};
use serde::Deserialize;

use crate::auth::FacilityAdmin;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiQuery;
use crate::state::AppState;

/// The largest roster accepted.
const MAX_BYTES: usize = 5 * 1024 * 1024;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RosterQuery {
    /// `true` applies the roster; otherwise nothing changes and the answer is a preview.
    #[serde(default)]
    pub apply: bool,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct RosterView {
    pub applied: bool,
    pub added: Vec<String>,
    pub moved: Vec<String>,
    pub released: Vec<String>,
    pub unchanged: usize,
    /// Visits cancelled (and refunded) because their resident moved or was released.
    pub cancelled_visits: Vec<i64>,
    /// Visits of moved residents that stay, on a free kiosk of the new unit.
    pub kept_visits: Vec<i64>,
}

fn view(applied: bool, c: RosterChanges) -> RosterView {
    RosterView {
        applied,
        added: c.added,
        moved: c.moved,
        released: c.released,
        unchanged: c.unchanged,
        cancelled_visits: c.cancelled_visits.into_iter().map(|v| v.0).collect(),
        kept_visits: c.kept_visits.into_iter().map(|v| v.0).collect(),
    }
}

#[utoipa::path(
    post,
    path = "/staff/roster",
    tag = "setup",
    params(RosterQuery),
    request_body(content = String, content_type = "text/csv", description = "booking_number,full_name,housing_unit"),
    responses((status = 200, body = RosterView), (status = 400, description = "Malformed request", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Not allowed", body = ErrorBody), (status = 413, description = "Larger than 5 MB", body = ErrorBody), (status = 415, description = "The body must be CSV (Content-Type: text/csv)", body = ErrorBody), (status = 422, description = "A line of the file is wrong (the message says which)", body = ErrorBody)),
    security(("session" = []))
)]
/// Previews or applies a roster upload for the facility (admins only, audited).
pub async fn upload(
    State(s): State<AppState>,
    FacilityAdmin(staff): FacilityAdmin,
    ApiQuery(q): ApiQuery<RosterQuery>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<RosterView>> {
    // Only CSV: a form or a `text/plain` request another page can send without asking
    // the browser first is refused (docs/SECURITY.md, cross-site requests).
    let is_csv = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("text/csv"));
    if !is_csv {
        return Err(ApiError::says(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "error-roster-csv",
        ));
    }
    // Read it here rather than through an extractor, so the 5 MB limit (not the
    // default 2 MB) holds and a larger file gets the API's error format.
    let too_large = || {
        ApiError::says(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            "error-roster-too-large",
        )
    };
    let bytes = axum::body::to_bytes(body, MAX_BYTES)
        .await
        .map_err(|_| too_large())?;
    let body = String::from_utf8(bytes.to_vec())
        .map_err(|_| ApiError::bad_request("error-roster-utf8"))?;
    let entries = openvisit_core::roster::parse_roster(&body).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad_roster",
            roster_message(&e),
        )
    })?;
    let changes = apply_roster(
        &s.db,
        staff.facility,
        &entries,
        Some(staff.account.id),
        !q.apply,
        s.clock.now(),
    )
    .await?;
    Ok(Json(view(q.apply, changes)))
}

/// Why a roster file was refused, in the reader's language (the CSV reader's own
/// words about a line stay as it gives them).
fn roster_message(e: &openvisit_core::roster::RosterError) -> Message {
    use openvisit_core::roster::RosterError as E;
    match e {
        E::Line { line, message } => Message::new("error-roster-line")
            .with("line", i64::try_from(*line).unwrap_or(i64::MAX))
            .with("detail", message.as_str()),
        E::Duplicate(number) => {
            Message::new("error-roster-duplicate").with("number", number.as_str())
        }
        E::Empty => Message::new("error-roster-empty"),
    }
}
