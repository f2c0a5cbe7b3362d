//! Facility reports (visits per day and unit, no-shows by side, revenue, refunds and
//! credits), as JSON or CSV.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use openvisit_core::message::Message;
use openvisit_store::StoreError;
use openvisit_store::facilities::get_facility;
use openvisit_store::reports::{ReportRow, facility_report, report_csv};
use serde::Deserialize;

use crate::auth::Staff;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiQuery;
use crate::state::AppState;

/// The longest range one report covers.
const MAX_DAYS: i32 = 366;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// First facility-local date, YYYY-MM-DD.
    #[param(value_type = String, format = Date)]
    pub from: Date,
    /// Last facility-local date, inclusive.
    #[param(value_type = String, format = Date)]
    pub to: Date,
}

async fn rows(s: &AppState, staff: &Staff, q: &ReportQuery) -> ApiResult<Vec<ReportRow>> {
    report_rows(s, staff.facility, q).await
}

/// The facility's report over the query's local dates (also shown on the console page).
pub async fn report_rows(
    s: &AppState,
    facility_id: openvisit_core::FacilityId,
    q: &ReportQuery,
) -> ApiResult<Vec<ReportRow>> {
    if q.to < q.from {
        return Err(ApiError::bad_request("error-dates-order"));
    }
    if (q.to - q.from).get_days() > MAX_DAYS {
        return Err(ApiError::new(
            axum::http::StatusCode::BAD_REQUEST,
            "bad_request",
            Message::new("error-report-days").with("most", MAX_DAYS),
        ));
    }
    let facility = {
        let mut conn = s.db.conn().await?;
        get_facility(&mut conn, facility_id).await?
    };
    let tz = jiff::tz::TimeZone::get(&facility.time_zone)
        .map_err(|_| StoreError::Corrupt("zone".into()))?;
    let start = openvisit_core::hours::local_instant(&tz, q.from, jiff::civil::Time::MIN)
        .ok_or_else(|| ApiError::bad_request("error-dates-range"))?;
    let end_day =
        q.to.tomorrow()
            .map_err(|_| ApiError::bad_request("error-dates-range"))?;
    let end = openvisit_core::hours::local_instant(&tz, end_day, jiff::civil::Time::MIN)
        .ok_or_else(|| ApiError::bad_request("error-dates-range"))?;
    Ok(facility_report(&s.db, facility_id, &tz, start, end).await?)
}

#[utoipa::path(
    get,
    path = "/staff/reports",
    tag = "staff",
    params(ReportQuery),
    responses((status = 200, body = Vec<ReportRow>), (status = 400, description = "Malformed request", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Not allowed", body = ErrorBody)),
    security(("session" = []))
)]
/// Visits and money per day (facility time) and housing unit.
pub async fn report(
    State(s): State<AppState>,
    staff: Staff,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> ApiResult<Json<Vec<ReportRow>>> {
    Ok(Json(rows(&s, &staff, &q).await?))
}

#[utoipa::path(
    get,
    path = "/staff/reports.csv",
    tag = "staff",
    params(ReportQuery),
    responses((status = 200, description = "The same report as CSV (amounts in cents)", content_type = "text/csv", body = String), (status = 400, description = "Malformed request", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Not allowed", body = ErrorBody)),
    security(("session" = []))
)]
/// The report as a CSV file.
pub async fn report_file(
    State(s): State<AppState>,
    staff: Staff,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> ApiResult<Response> {
    let csv = report_csv(&rows(&s, &staff, &q).await?)?;
    let name = format!("attachment; filename=\"visits-{}-{}.csv\"", q.from, q.to);
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/csv; charset=utf-8".to_owned(),
            ),
            (axum::http::header::CONTENT_DISPOSITION, name),
        ],
        csv,
    )
        .into_response())
}
