//! Availability, booking, listing and cancelling visits.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use jiff::civil::Date;
use openvisit_core::availability::{RuleViolation, Slot};
use openvisit_core::facility::VisitKind;
use openvisit_core::interval::add_minutes;
use openvisit_core::message::Message;
use openvisit_core::refund::CancelledBy;
use openvisit_core::{ResidentId, VisitId};
use openvisit_store::StoreError;
use openvisit_store::approvals::is_approved;
use openvisit_store::booking::{Booked, BookingRequest, book_visit};
use openvisit_store::cancel::{CancelOutcome, cancel_visit, refund_preview};
use openvisit_store::facilities::get_facility;
use openvisit_store::residents::get_resident;
use openvisit_store::schedule::load_schedule;
use openvisit_store::visits::{Visit, VisitStatus, get_visit, visits_of_visitor};
use serde::{Deserialize, Serialize};

use crate::auth::Visitor;
use crate::error::ErrorBody;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath, ApiQuery, idempotency_key};
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AvailabilityQuery {
    pub resident_id: i64,
    pub kind: VisitKind,
    pub length_minutes: u32,
    /// First facility-local date, YYYY-MM-DD.
    #[param(value_type = String, format = Date)]
    pub from: Date,
    /// Last facility-local date, inclusive.
    #[param(value_type = String, format = Date)]
    pub to: Date,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AvailabilityView {
    pub time_zone: String,
    pub slots: Vec<Slot>,
}

/// Longest range one availability request may cover.
const MAX_RANGE_DAYS: i32 = 42;

async fn slots_for(
    s: &AppState,
    visitor: openvisit_core::AccountId,
    resident: ResidentId,
    kind: VisitKind,
    length: u32,
    from: Date,
    to: Date,
) -> ApiResult<(String, Vec<Slot>)> {
    let mut conn = s.db.conn().await?;
    let r = get_resident(&mut conn, resident).await?;
    if !is_approved(&mut conn, visitor, resident).await? {
        return Err(StoreError::Forbidden.into());
    }
    let f = get_facility(&mut conn, r.facility).await?;
    let tz =
        jiff::tz::TimeZone::get(&f.time_zone).map_err(|_| StoreError::Corrupt("zone".into()))?;
    let start = openvisit_core::hours::local_instant(&tz, from, jiff::civil::Time::MIN)
        .ok_or_else(|| ApiError::bad_request("error-dates-range"))?;
    let end_day = to
        .tomorrow()
        .map_err(|_| ApiError::bad_request("error-dates-range"))?;
    let end = openvisit_core::hours::local_instant(&tz, end_day, jiff::civil::Time::MIN)
        .ok_or_else(|| ApiError::bad_request("error-dates-range"))?;
    let data = load_schedule(
        &mut conn,
        r.facility,
        r.unit,
        r.id,
        visitor,
        start,
        add_minutes(end, 24 * 60),
    )
    .await?;
    let slots = data.schedule().slots(kind, length, from, to, s.clock.now());
    Ok((f.time_zone, slots))
}

#[utoipa::path(
    get,
    path = "/availability",
    tag = "visits",
    params(AvailabilityQuery),
    responses((status = 200, body = AvailabilityView), (status = 400, description = "Malformed request", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Not allowed", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 422, description = "Invalid input", body = ErrorBody)),
    security(("session" = []))
)]
pub async fn availability(
    State(s): State<AppState>,
    v: Visitor,
    ApiQuery(q): ApiQuery<AvailabilityQuery>,
) -> ApiResult<Json<AvailabilityView>> {
    let days = (q.to - q.from).get_days();
    if q.to < q.from || days > MAX_RANGE_DAYS {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad_range",
            Message::new("error-range-days").with("most", MAX_RANGE_DAYS),
        ));
    }
    let (time_zone, slots) = slots_for(
        &s,
        v.id(),
        ResidentId(q.resident_id),
        q.kind,
        q.length_minutes,
        q.from,
        q.to,
    )
    .await?;
    Ok(Json(AvailabilityView { time_zone, slots }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct BookForm {
    pub resident_id: i64,
    pub kind: VisitKind,
    #[schema(value_type = String, format = DateTime)]
    pub start: Timestamp,
    pub length_minutes: u32,
}

#[utoipa::path(
    post,
    path = "/visits",
    tag = "visits",
    params(("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 200, pattern = "^[!-~]+$", description = "Retries with the same key return the first result (1 to 200 visible ASCII characters)")),
    request_body = BookForm,
    responses((status = 415, description = "The body must be JSON (Content-Type: application/json)", body = ErrorBody), (status = 201, description = "Booked (or, with a repeated Idempotency-Key, the first booking again)", body = Visit), (status = 400, description = "Malformed request", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 402, description = "Not enough funds", body = ErrorBody), (status = 403, description = "Not allowed", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "Taken or limit reached", body = ErrorBody), (status = 422, description = "Invalid input", body = ErrorBody)),
    security(("session" = []))
)]
pub async fn book(
    State(s): State<AppState>,
    v: Visitor,
    headers: HeaderMap,
    ApiJson(form): ApiJson<BookForm>,
) -> ApiResult<Response> {
    let key = idempotency_key(&headers)?;
    let req = BookingRequest {
        visitor: v.id(),
        resident: ResidentId(form.resident_id),
        kind: form.kind,
        start: form.start,
        length_minutes: form.length_minutes,
    };
    let now = s.clock.now();
    match book_visit(&s.db, &req, key.as_deref(), now).await {
        Ok(Booked::New(visit)) => {
            metrics::counter!("openvisit_bookings_total", "outcome" => "booked").increment(1);
            Ok((StatusCode::CREATED, Json(visit)).into_response())
        }
        Ok(Booked::Replayed(visit)) => {
            // The first answer may have been lost with its server: what it left in the
            // outbox goes out before this one (`notify::deliver_after`).
            Ok((
                StatusCode::CREATED,
                [("idempotent-replayed", "true")],
                Json(visit),
            )
                .into_response())
        }
        Err(StoreError::Rule(rule)) => {
            let err = crate::error::rule_error(rule);
            if err.status != StatusCode::CONFLICT {
                metrics::counter!("openvisit_bookings_total", "outcome" => "refused").increment(1);
                return Err(err);
            }
            metrics::counter!("openvisit_bookings_total", "outcome" => "conflict").increment(1);
            let nearest = nearest_free(&s, &req, rule).await.unwrap_or_default();
            Err(err.with_details(serde_json::json!({ "nearest": nearest })))
        }
        Err(e) => {
            metrics::counter!("openvisit_bookings_total", "outcome" => "refused").increment(1);
            Err(e.into())
        }
    }
}

/// Up to three free starts closest to the one that was taken, same day or next.
async fn nearest_free(
    s: &AppState,
    req: &BookingRequest,
    rule: RuleViolation,
) -> ApiResult<Vec<Slot>> {
    if rule == RuleViolation::WeeklyLimit {
        return Ok(Vec::new());
    }
    let mut conn = s.db.conn().await?;
    let r = get_resident(&mut conn, req.resident).await?;
    let f = get_facility(&mut conn, r.facility).await?;
    drop(conn);
    let tz =
        jiff::tz::TimeZone::get(&f.time_zone).map_err(|_| StoreError::Corrupt("zone".into()))?;
    let day = tz.to_datetime(req.start).date();
    let next = day.tomorrow().unwrap_or(day);
    let (_, mut slots) = slots_for(
        s,
        req.visitor,
        req.resident,
        req.kind,
        req.length_minutes,
        day,
        next,
    )
    .await?;
    slots.sort_by_key(|x| (x.start.as_second() - req.start.as_second()).abs());
    slots.truncate(3);
    slots.sort_by_key(|x| x.start);
    Ok(slots)
}

#[utoipa::path(
    get,
    path = "/visits",
    tag = "visits",
    responses((status = 200, body = Vec<Visit>), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Not allowed", body = ErrorBody)),
    security(("session" = []))
)]
pub async fn list(State(s): State<AppState>, v: Visitor) -> ApiResult<Json<Vec<Visit>>> {
    let mut conn = s.db.conn().await?;
    Ok(Json(visits_of_visitor(&mut conn, v.id()).await?))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VisitDetail {
    #[serde(flatten)]
    pub visit: Visit,
    /// What cancelling now would give back, if it can still be cancelled.
    pub refund_if_cancelled_now_cents: Option<i64>,
}

async fn own_visit(s: &AppState, v: &Visitor, id: i64) -> ApiResult<Visit> {
    let mut conn = s.db.conn().await?;
    let visit = get_visit(&mut conn, VisitId(id)).await?;
    // Someone else's visit is "not found", so ids cannot be probed.
    if visit.visitor != v.id() {
        return Err(ApiError::not_found("visit"));
    }
    Ok(visit)
}

#[utoipa::path(
    get,
    path = "/visits/{id}",
    tag = "visits",
    params(("id" = i64, Path, description = "Visit id")),
    responses((status = 400, description = "Malformed request", body = ErrorBody), (status = 200, body = VisitDetail), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Not allowed", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody)),
    security(("session" = []))
)]
pub async fn detail(
    State(s): State<AppState>,
    v: Visitor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<VisitDetail>> {
    let visit = own_visit(&s, &v, id).await?;
    let mut conn = s.db.conn().await?;
    let f = get_facility(&mut conn, visit.facility).await?;
    let refund = if visit.status == VisitStatus::Booked {
        refund_preview(
            visit.charge_kind,
            visit.price,
            visit.start,
            s.clock.now(),
            CancelledBy::Visitor,
            f.settings.cancel_notice_minutes,
        )
        .ok()
        .map(|c| c.0)
    } else {
        None
    };
    Ok(Json(VisitDetail {
        visit,
        refund_if_cancelled_now_cents: refund,
    }))
}

#[utoipa::path(
    post,
    path = "/visits/{id}/cancel",
    tag = "visits",
    params(("id" = i64, Path, description = "Visit id")),
    responses((status = 400, description = "Malformed request", body = ErrorBody), (status = 200, body = CancelOutcome), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Not allowed", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "Taken or limit reached", body = ErrorBody)),
    security(("session" = []))
)]
pub async fn cancel(
    State(s): State<AppState>,
    v: Visitor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<CancelOutcome>> {
    let visit = own_visit(&s, &v, id).await?;
    let out = cancel_visit(
        &s.db,
        visit.id,
        CancelledBy::Visitor,
        Some(v.id()),
        openvisit_store::visits::SystemReason::ByVisitor,
        s.clock.now(),
    )
    .await?;
    Ok(Json(out))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RescheduleForm {
    /// The new start (same length, kind and price).
    #[schema(value_type = String, format = DateTime)]
    pub start: Timestamp,
}

#[utoipa::path(
    post,
    path = "/visits/{id}/reschedule",
    tag = "visits",
    params(("id" = i64, Path, description = "Visit id")),
    request_body = RescheduleForm,
    responses((status = 200, description = "Moved; an email with the updated invitation is sent", body = Visit), (status = 400, description = "Malformed request", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Not allowed", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "The new time is taken", body = ErrorBody), (status = 415, description = "The body must be JSON", body = ErrorBody), (status = 422, description = "Too late to move, or not a bookable time", body = ErrorBody)),
    security(("session" = []))
)]
pub async fn reschedule(
    State(s): State<AppState>,
    v: Visitor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(f): ApiJson<RescheduleForm>,
) -> ApiResult<Json<Visit>> {
    let moved = openvisit_store::reschedule::reschedule_visit(
        &s.db,
        VisitId(id),
        v.id(),
        f.start,
        s.clock.now(),
    )
    .await?;
    Ok(Json(moved))
}
