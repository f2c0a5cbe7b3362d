//! What facility staff need from the spine: approvals, settings, the schedule,
//! cancelling with a refund, the audit log. Every query is limited to their facility.

use axum::Json;
use axum::extract::State;
use jiff::Timestamp;
use openvisit_core::refund::CancelledBy;
use openvisit_core::{ApprovalId, VisitId};
use openvisit_store::approvals::{
    Approval, ApprovalStatus, approvals_of_facility, decide_approval,
};
use openvisit_store::audit::AuditRecord;
use openvisit_store::cancel::{CancelOutcome, cancel_visit};
use openvisit_store::facilities::{Facility, FacilitySettings, get_facility, update_settings};
use openvisit_store::visits::{Visit, get_visit, visits_of_facility};
use serde::{Deserialize, Serialize};

use openvisit_store::support_tickets::{SupportTicket, tickets_for};

use crate::auth::{FacilityAdmin, Staff};
use crate::error::ErrorBody;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApprovalFilter {
    pub status: Option<ApprovalStatus>,
}

#[utoipa::path(
    get,
    path = "/staff/approvals",
    tag = "staff",
    params(ApprovalFilter),
    responses((status = 200, body = Vec<Approval>), (status = 400, description = "Malformed request", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Not allowed", body = ErrorBody)),
    security(("session" = []))
)]
pub async fn approvals(
    State(s): State<AppState>,
    staff: Staff,
    ApiQuery(f): ApiQuery<ApprovalFilter>,
) -> ApiResult<Json<Vec<Approval>>> {
    let mut conn = s.db.conn().await?;
    Ok(Json(
        approvals_of_facility(&mut conn, staff.facility, f.status).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DecisionForm {
    pub status: ApprovalStatus,
    #[serde(default)]
    pub reason: String,
    /// Grant (true) or withdraw (false) privileged (attorney) status: those visits are
    /// neither monitored nor recorded. Left out: unchanged.
    #[serde(default)]
    pub privileged: Option<bool>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DecisionView {
    pub approval: Approval,
    pub cancelled_visits: Vec<VisitId>,
}

#[utoipa::path(
    post,
    path = "/staff/approvals/{id}",
    tag = "staff",
    params(("id" = i64, Path, description = "Approval id")),
    request_body = DecisionForm,
    responses((status = 415, description = "The body must be JSON (Content-Type: application/json)", body = ErrorBody), (status = 200, body = DecisionView), (status = 400, description = "Malformed request", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Not allowed", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 422, description = "Invalid input", body = ErrorBody)),
    security(("session" = []))
)]
pub async fn decide(
    State(s): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i64>,
    ApiJson(f): ApiJson<DecisionForm>,
) -> ApiResult<Json<DecisionView>> {
    let (approval, cancelled_visits) = decide_approval(
        &s.db,
        staff.account.id,
        staff.facility,
        ApprovalId(id),
        f.status,
        &f.reason,
        s.clock.now(),
    )
    .await?;
    let approval = match f.privileged {
        Some(p) if p != approval.privileged => {
            let (approval, visits) = openvisit_store::approvals::set_privileged(
                &s.db,
                staff.account.id,
                staff.facility,
                approval.id,
                p,
                s.clock.now(),
            )
            .await?;
            if p && let Some(hub) = &s.live {
                for v in visits {
                    hub.make_private(v);
                }
            }
            approval
        }
        _ => approval,
    };
    Ok(Json(DecisionView {
        approval,
        cancelled_visits,
    }))
}

#[utoipa::path(
    get,
    path = "/staff/facility",
    tag = "staff",
    responses((status = 200, body = Facility), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Not allowed", body = ErrorBody)),
    security(("session" = []))
)]
pub async fn settings(State(s): State<AppState>, staff: Staff) -> ApiResult<Json<Facility>> {
    let mut conn = s.db.conn().await?;
    Ok(Json(get_facility(&mut conn, staff.facility).await?))
}

#[utoipa::path(
    put,
    path = "/staff/facility",
    tag = "staff",
    request_body = FacilitySettings,
    responses((status = 415, description = "The body must be JSON (Content-Type: application/json)", body = ErrorBody), (status = 200, body = Facility), (status = 400, description = "Malformed request", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Not allowed", body = ErrorBody), (status = 422, description = "Invalid input", body = ErrorBody)),
    security(("session" = []))
)]
pub async fn update(
    State(s): State<AppState>,
    FacilityAdmin(staff): FacilityAdmin,
    ApiJson(f): ApiJson<FacilitySettings>,
) -> ApiResult<Json<Facility>> {
    Ok(Json(
        update_settings(&s.db, staff.facility, &f, staff.account.id, s.clock.now()).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RangeQuery {
    #[param(value_type = String, format = DateTime)]
    pub from: Timestamp,
    #[param(value_type = String, format = DateTime)]
    pub to: Timestamp,
}

#[utoipa::path(
    get,
    path = "/staff/visits",
    tag = "staff",
    params(RangeQuery),
    responses((status = 200, body = Vec<Visit>), (status = 400, description = "Malformed request", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Not allowed", body = ErrorBody)),
    security(("session" = []))
)]
pub async fn schedule(
    State(s): State<AppState>,
    staff: Staff,
    ApiQuery(q): ApiQuery<RangeQuery>,
) -> ApiResult<Json<Vec<Visit>>> {
    if q.to <= q.from || q.to.as_second() - q.from.as_second() > 42 * 86_400 {
        return Err(ApiError::bad_request("error-range-42"));
    }
    let mut conn = s.db.conn().await?;
    Ok(Json(
        visits_of_facility(&mut conn, staff.facility, q.from, q.to).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CancelForm {
    pub reason: String,
}

#[utoipa::path(
    post,
    path = "/staff/visits/{id}/cancel",
    tag = "staff",
    params(("id" = i64, Path, description = "Visit id")),
    request_body = CancelForm,
    responses((status = 415, description = "The body must be JSON (Content-Type: application/json)", body = ErrorBody), (status = 422, description = "Invalid input", body = ErrorBody), (status = 200, body = CancelOutcome), (status = 400, description = "Malformed request", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Not allowed", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "Taken or limit reached", body = ErrorBody)),
    security(("session" = []))
)]
pub async fn cancel(
    State(s): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i64>,
    ApiJson(f): ApiJson<CancelForm>,
) -> ApiResult<Json<CancelOutcome>> {
    if f.reason.trim().is_empty() {
        return Err(ApiError::bad_request("error-cancel-reason"));
    }
    let mut conn = s.db.conn().await?;
    let visit = get_visit(&mut conn, VisitId(id)).await?;
    drop(conn);
    if visit.facility != staff.facility {
        return Err(ApiError::not_found("visit"));
    }
    let out = cancel_visit(
        &s.db,
        visit.id,
        CancelledBy::Facility,
        Some(staff.account.id),
        f.reason.trim(),
        s.clock.now(),
    )
    .await?;
    Ok(Json(out))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only this person's actions (account id).
    pub actor: Option<i64>,
    /// An action (`visit.end`) or a family of them ending in a dot (`ticket.`).
    pub action: Option<String>,
    /// From this instant (RFC 3339), inclusive.
    #[param(value_type = Option<String>, format = DateTime)]
    pub from: Option<jiff::Timestamp>,
    /// Until this instant, exclusive.
    #[param(value_type = Option<String>, format = DateTime)]
    pub to: Option<jiff::Timestamp>,
}

#[utoipa::path(
    get,
    path = "/staff/audit",
    tag = "staff",
    params(AuditQuery),
    responses((status = 200, body = Vec<AuditRecord>), (status = 400, description = "Malformed request", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Not allowed", body = ErrorBody)),
    security(("session" = []))
)]
/// The facility's audit log, newest first (at most 500), filtered by person, action and
/// time. The database refuses changes to it (append-only).
pub async fn audit(
    State(s): State<AppState>,
    staff: Staff,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Json<Vec<AuditRecord>>> {
    let mut conn = s.db.conn().await?;
    let filter = openvisit_store::audit::AuditFilter {
        actor: q.actor.map(openvisit_core::AccountId),
        action: q.action,
        from: q.from,
        to: q.to,
    };
    Ok(Json(
        openvisit_store::audit::audit_filtered(&mut conn, staff.facility, &filter, 500).await?,
    ))
}

#[utoipa::path(
    get,
    path = "/staff/tickets",
    tag = "staff",
    responses((status = 200, body = Vec<SupportTicket>), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Not allowed", body = ErrorBody)),
    security(("session" = []))
)]
pub async fn tickets(
    State(s): State<AppState>,
    staff: Staff,
) -> ApiResult<Json<Vec<SupportTicket>>> {
    let mut conn = s.db.conn().await?;
    let support = staff.account.role == openvisit_store::accounts::Role::Support;
    Ok(Json(tickets_for(&mut conn, staff.facility, support).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct StaffBookForm {
    /// The family's account: approved to visit the resident.
    pub visitor_id: i64,
    pub resident_id: i64,
    pub kind: openvisit_core::facility::VisitKind,
    #[schema(value_type = String, format = DateTime)]
    pub start: Timestamp,
    pub length_minutes: u32,
    /// Staff read the facility's visiting rules to the family and they agreed: records
    /// their acceptance when they had not accepted the current rules yet.
    #[serde(default)]
    pub rules_read: bool,
}

#[utoipa::path(
    post,
    path = "/staff/visits",
    tag = "staff",
    request_body = StaffBookForm,
    params(("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 200, pattern = "^[!-~]+$", description = "Retries with the same key return the first result (1 to 200 visible ASCII characters)")),
    responses((status = 201, description = "Booked for the family, charged to their balance", body = Visit), (status = 400, description = "Malformed request", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 402, description = "The family's balance does not cover the price", body = ErrorBody), (status = 403, description = "Not allowed, or the family is not approved for this resident", body = ErrorBody), (status = 404, description = "No such resident here", body = ErrorBody), (status = 409, description = "Taken, or the rules were not read to the family", body = ErrorBody), (status = 415, description = "The body must be JSON", body = ErrorBody), (status = 422, description = "Invalid input", body = ErrorBody)),
    security(("session" = []))
)]
pub async fn book_for_family(
    State(s): State<AppState>,
    staff: Staff,
    headers: axum::http::HeaderMap,
    ApiJson(f): ApiJson<StaffBookForm>,
) -> ApiResult<(axum::http::StatusCode, Json<Visit>)> {
    let key = crate::extract::idempotency_key(&headers)?;
    let req = openvisit_store::booking::BookingRequest {
        visitor: openvisit_core::AccountId(f.visitor_id),
        resident: openvisit_core::ResidentId(f.resident_id),
        kind: f.kind,
        start: f.start,
        length_minutes: f.length_minutes,
    };
    let booked = openvisit_store::staff_booking::book_for_family(
        &s.db,
        staff.account.id,
        staff.facility,
        &req,
        f.rules_read,
        key.as_deref(),
        s.clock.now(),
    )
    .await?;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(booked.visit().clone()),
    ))
}
