//! Staff set a facility up: housing units, kiosks, visiting hours, blackouts.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use jiff::Timestamp;
use openvisit_core::hours::parse_weekly_hours;
use openvisit_core::message::Message;
use openvisit_core::{HousingUnitId, KioskId, VisitId};
use openvisit_store::blackouts::{
    BlackoutRecord, add_blackout, affected_visits, current_blackouts,
};
use openvisit_store::setup::{UnitLayout, add_kiosk, add_unit, layout, set_hours};
use openvisit_store::visits::Visit;
use serde::{Deserialize, Serialize};

use crate::auth::{FacilityAdmin, Staff};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath};
use crate::state::AppState;

#[utoipa::path(get, path = "/staff/units", tag = "setup",
    responses((status = 200, body = Vec<UnitLayout>), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Not allowed", body = ErrorBody)),
    security(("session" = [])))]
pub async fn units(State(s): State<AppState>, staff: Staff) -> ApiResult<Json<Vec<UnitLayout>>> {
    let mut conn = s.db.conn().await?;
    Ok(Json(layout(&mut conn, staff.facility).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewUnit {
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Created {
    pub id: i64,
}

#[utoipa::path(post, path = "/staff/units", tag = "setup", request_body = NewUnit,
    responses((status = 201, body = Created), (status = 400, description = "Malformed request", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Not allowed", body = ErrorBody), (status = 409, description = "The name is taken", body = ErrorBody), (status = 415, description = "The body must be JSON", body = ErrorBody), (status = 422, description = "Invalid input", body = ErrorBody)),
    security(("session" = [])))]
pub async fn new_unit(
    State(s): State<AppState>,
    FacilityAdmin(staff): FacilityAdmin,
    ApiJson(f): ApiJson<NewUnit>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let id = add_unit(
        &s.db,
        staff.facility,
        &f.name,
        Some(staff.account.id),
        s.clock.now(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(Created { id: id.0 })))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewKiosk {
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// The housing unit; leave out for a lobby kiosk (on-site visits).
    #[serde(default)]
    pub housing_unit_id: Option<i64>,
}

#[utoipa::path(post, path = "/staff/kiosks", tag = "setup", request_body = NewKiosk,
    responses((status = 201, body = Created), (status = 400, description = "Malformed request", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Not allowed", body = ErrorBody), (status = 404, description = "No such unit here", body = ErrorBody), (status = 409, description = "The name is taken", body = ErrorBody), (status = 415, description = "The body must be JSON", body = ErrorBody), (status = 422, description = "Invalid input", body = ErrorBody)),
    security(("session" = [])))]
pub async fn new_kiosk(
    State(s): State<AppState>,
    FacilityAdmin(staff): FacilityAdmin,
    ApiJson(f): ApiJson<NewKiosk>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let id: KioskId = add_kiosk(
        &s.db,
        staff.facility,
        f.housing_unit_id.map(HousingUnitId),
        &f.name,
        Some(staff.account.id),
        s.clock.now(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(Created { id: id.0 })))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct HoursForm {
    /// The housing unit; leave out for the lobby.
    #[serde(default)]
    pub housing_unit_id: Option<i64>,
    /// Facility-local hours, e.g. `mon-fri 08:00-11:30,13:00-20:00; sat 09:00-12:00`.
    pub hours: String,
}

#[utoipa::path(put, path = "/staff/hours", tag = "setup", request_body = HoursForm,
    responses((status = 204, description = "Hours replaced"), (status = 400, description = "Malformed request", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Not allowed", body = ErrorBody), (status = 404, description = "No such unit here", body = ErrorBody), (status = 415, description = "The body must be JSON", body = ErrorBody), (status = 422, description = "Invalid input", body = ErrorBody)),
    security(("session" = [])))]
pub async fn hours(
    State(s): State<AppState>,
    FacilityAdmin(staff): FacilityAdmin,
    ApiJson(f): ApiJson<HoursForm>,
) -> ApiResult<StatusCode> {
    let windows = parse_weekly_hours(&f.hours).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_hours",
            Message::new("error-hours-parse")
                .with("part", e.part.as_str())
                .with("why", e.why),
        )
    })?;
    set_hours(
        &s.db,
        staff.facility,
        f.housing_unit_id.map(HousingUnitId),
        &windows,
        Some(staff.account.id),
        s.clock.now(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/staff/blackouts/{id}/lift", tag = "setup",
    params(("id" = i64, Path, description = "Blackout id")),
    responses((status = 204, description = "Lifted: removed if it had not begun, else ended now"), (status = 400, description = "Malformed request", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Not allowed", body = ErrorBody), (status = 404, description = "No such blackout here", body = ErrorBody), (status = 409, description = "Already over", body = ErrorBody)),
    security(("session" = [])))]
/// Lifts a blackout early (the lockdown is over). Visits it cancelled stay cancelled and
/// refunded; its times are offered again. Audited.
pub async fn lift_blackout(
    State(s): State<AppState>,
    FacilityAdmin(staff): FacilityAdmin,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    openvisit_store::blackouts::lift_blackout(
        &s.db,
        staff.facility,
        id,
        Some(staff.account.id),
        s.clock.now(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RetentionForm {
    /// How many days recordings of this facility's visits are kept (R14), 1 to 3650.
    #[schema(minimum = 1, maximum = 3650)]
    pub days: u32,
}

#[utoipa::path(put, path = "/staff/recording-days", tag = "setup", request_body = RetentionForm,
    responses((status = 204, description = "Saved; the hourly sweep uses it from now on"), (status = 400, description = "Malformed request", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Not allowed", body = ErrorBody), (status = 415, description = "The body must be JSON", body = ErrorBody), (status = 422, description = "Invalid input", body = ErrorBody)),
    security(("session" = [])))]
/// Sets how long the facility keeps visit recordings. Audited.
pub async fn recording_days(
    State(s): State<AppState>,
    FacilityAdmin(staff): FacilityAdmin,
    ApiJson(f): ApiJson<RetentionForm>,
) -> ApiResult<StatusCode> {
    openvisit_store::recordings::set_recording_days(
        &s.db,
        staff.facility,
        f.days,
        staff.account.id,
        s.clock.now(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/staff/blackouts", tag = "setup",
    responses((status = 200, body = Vec<BlackoutRecord>), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Not allowed", body = ErrorBody)),
    security(("session" = [])))]
pub async fn blackouts(
    State(s): State<AppState>,
    staff: Staff,
) -> ApiResult<Json<Vec<BlackoutRecord>>> {
    let mut conn = s.db.conn().await?;
    Ok(Json(
        current_blackouts(&mut conn, staff.facility, s.clock.now()).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct BlackoutForm {
    #[schema(value_type = String, format = DateTime)]
    pub start: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub end: Timestamp,
    pub reason: String,
    /// Without `true`, nothing changes: the answer lists the visits that would be
    /// cancelled, so staff can see who is affected first.
    #[serde(default)]
    pub confirm: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BlackoutOutcome {
    /// Present once created (with `confirm: true`).
    pub blackout: Option<BlackoutRecord>,
    /// Visits in the period: to be cancelled (preview) or cancelled with a full refund.
    pub affected_visits: Vec<Visit>,
    pub cancelled_visits: Vec<VisitId>,
}

#[utoipa::path(post, path = "/staff/blackouts", tag = "setup", request_body = BlackoutForm,
    responses((status = 200, description = "Preview: who would be affected", body = BlackoutOutcome), (status = 201, description = "Created; visits inside cancelled and refunded", body = BlackoutOutcome), (status = 400, description = "Malformed request", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Not allowed", body = ErrorBody), (status = 415, description = "The body must be JSON", body = ErrorBody), (status = 422, description = "Invalid input", body = ErrorBody)),
    security(("session" = [])))]
pub async fn new_blackout(
    State(s): State<AppState>,
    FacilityAdmin(staff): FacilityAdmin,
    ApiJson(f): ApiJson<BlackoutForm>,
) -> ApiResult<(StatusCode, Json<BlackoutOutcome>)> {
    let mut conn = s.db.conn().await?;
    let affected = affected_visits(&mut conn, staff.facility, f.start, f.end).await?;
    drop(conn);
    if !f.confirm {
        if f.start >= f.end || f.reason.trim().is_empty() {
            return Err(ApiError::says(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                "error-blackout-form",
            ));
        }
        return Ok((
            StatusCode::OK,
            Json(BlackoutOutcome {
                blackout: None,
                affected_visits: affected,
                cancelled_visits: Vec::new(),
            }),
        ));
    }
    let (blackout, cancelled) = add_blackout(
        &s.db,
        staff.facility,
        f.start,
        f.end,
        &f.reason,
        Some(staff.account.id),
        s.clock.now(),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(BlackoutOutcome {
            blackout: Some(blackout),
            affected_visits: affected,
            cancelled_visits: cancelled,
        }),
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewName {
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
}

#[utoipa::path(put, path = "/staff/units/{id}", tag = "setup", request_body = NewName,
    params(("id" = i64, Path, description = "Housing unit id")),
    responses((status = 204, description = "Renamed"), (status = 400, description = "Malformed request", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Not allowed", body = ErrorBody), (status = 404, description = "No such unit here", body = ErrorBody), (status = 409, description = "The name is taken", body = ErrorBody), (status = 415, description = "The body must be JSON", body = ErrorBody), (status = 422, description = "Invalid input", body = ErrorBody)),
    security(("session" = [])))]
pub async fn rename_unit(
    State(s): State<AppState>,
    FacilityAdmin(staff): FacilityAdmin,
    ApiPath(id): ApiPath<i64>,
    ApiJson(f): ApiJson<NewName>,
) -> ApiResult<StatusCode> {
    openvisit_store::kiosk_changes::rename_unit(
        &s.db,
        staff.facility,
        HousingUnitId(id),
        &f.name,
        staff.account.id,
        s.clock.now(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(put, path = "/staff/kiosks/{id}", tag = "setup", request_body = NewName,
    params(("id" = i64, Path, description = "Kiosk id")),
    responses((status = 204, description = "Renamed"), (status = 400, description = "Malformed request", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Not allowed", body = ErrorBody), (status = 404, description = "No such kiosk here", body = ErrorBody), (status = 409, description = "The name is taken", body = ErrorBody), (status = 415, description = "The body must be JSON", body = ErrorBody), (status = 422, description = "Invalid input", body = ErrorBody)),
    security(("session" = [])))]
pub async fn rename_kiosk(
    State(s): State<AppState>,
    FacilityAdmin(staff): FacilityAdmin,
    ApiPath(id): ApiPath<i64>,
    ApiJson(f): ApiJson<NewName>,
) -> ApiResult<StatusCode> {
    openvisit_store::kiosk_changes::rename_kiosk(
        &s.db,
        staff.facility,
        KioskId(id),
        &f.name,
        staff.account.id,
        s.clock.now(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RetireForm {
    /// Why, in staff's words (1 to 300 characters, needed to confirm); each affected
    /// family is told.
    #[serde(default)]
    #[schema(max_length = 300)]
    pub reason: String,
    /// Without `true`, nothing changes: the answer lists the visits retiring the kiosk
    /// would cancel, so staff see who is affected first.
    #[serde(default)]
    pub confirm: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RetireOutcome {
    pub retired: bool,
    /// The booked visits that use the kiosk: to be cancelled (preview) or cancelled
    /// with a full refund.
    pub affected_visits: Vec<Visit>,
}

#[utoipa::path(post, path = "/staff/kiosks/{id}/retire", tag = "setup", request_body = RetireForm,
    params(("id" = i64, Path, description = "Kiosk id")),
    responses((status = 200, description = "Preview (who would be affected), or retired with `confirm: true`", body = RetireOutcome), (status = 400, description = "Malformed request", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Not allowed", body = ErrorBody), (status = 404, description = "No such kiosk in service here", body = ErrorBody), (status = 415, description = "The body must be JSON", body = ErrorBody), (status = 422, description = "Invalid input", body = ErrorBody)),
    security(("session" = [])))]
pub async fn retire_kiosk(
    State(s): State<AppState>,
    FacilityAdmin(staff): FacilityAdmin,
    ApiPath(id): ApiPath<i64>,
    ApiJson(f): ApiJson<RetireForm>,
) -> ApiResult<Json<RetireOutcome>> {
    let now = s.clock.now();
    if !f.confirm {
        let mut conn = s.db.conn().await?;
        let affected = openvisit_store::kiosk_changes::retirement_preview(
            &mut conn,
            staff.facility,
            KioskId(id),
            now,
        )
        .await?;
        return Ok(Json(RetireOutcome {
            retired: false,
            affected_visits: affected,
        }));
    }
    let cancelled = openvisit_store::kiosk_changes::retire_kiosk(
        &s.db,
        staff.facility,
        KioskId(id),
        &f.reason,
        staff.account.id,
        now,
    )
    .await?;
    Ok(Json(RetireOutcome {
        retired: true,
        affected_visits: cancelled,
    }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UnitRetireOutcome {
    pub retired: bool,
    /// People who still live in the unit: it cannot be retired until the roster moves
    /// them (then 0).
    pub residents: i64,
    /// The booked visits its kiosks hold: to be cancelled (preview) or cancelled with a
    /// full refund.
    pub affected_visits: Vec<Visit>,
}

#[utoipa::path(post, path = "/staff/units/{id}/retire", tag = "setup", request_body = RetireForm,
    params(("id" = i64, Path, description = "Housing unit id")),
    responses((status = 200, description = "Preview (who lives there, which visits its kiosks hold), or retired with its kiosks with `confirm: true`", body = UnitRetireOutcome), (status = 400, description = "Malformed request", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Not allowed", body = ErrorBody), (status = 404, description = "No such unit in service here", body = ErrorBody), (status = 409, description = "People still live in the unit: move them first", body = ErrorBody), (status = 415, description = "The body must be JSON", body = ErrorBody), (status = 422, description = "Invalid input", body = ErrorBody)),
    security(("session" = [])))]
pub async fn retire_unit(
    State(s): State<AppState>,
    FacilityAdmin(staff): FacilityAdmin,
    ApiPath(id): ApiPath<i64>,
    ApiJson(f): ApiJson<RetireForm>,
) -> ApiResult<Json<UnitRetireOutcome>> {
    let now = s.clock.now();
    if !f.confirm {
        let mut conn = s.db.conn().await?;
        let preview = openvisit_store::kiosk_changes::unit_retirement_preview(
            &mut conn,
            staff.facility,
            HousingUnitId(id),
            now,
        )
        .await?;
        return Ok(Json(UnitRetireOutcome {
            retired: false,
            residents: preview.residents,
            affected_visits: preview.visits,
        }));
    }
    let cancelled = openvisit_store::kiosk_changes::retire_unit(
        &s.db,
        staff.facility,
        HousingUnitId(id),
        &f.reason,
        staff.account.id,
        now,
    )
    .await?;
    Ok(Json(UnitRetireOutcome {
        retired: true,
        residents: 0,
        affected_visits: cancelled,
    }))
}
