//! Getting into a live visit: tickets for the signaling socket (visitor, resident at the
//! housing kiosk, on-site visitor at the lobby kiosk, staff monitor), the kiosk's next
//! visit, the facility's live visits, and ending one.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use jiff::Timestamp;
use openvisit_core::VisitId;
use openvisit_core::facility::VisitKind;
use openvisit_media::RoomRole;
use openvisit_store::kiosks::{KioskVisit, next_visit_for_kiosk};
use openvisit_store::lobby::visit_by_lobby_code;
use openvisit_store::places::KioskKind;
use openvisit_store::resident_pins::check_resident_pin;
use openvisit_store::visits::{Visit, VisitStatus, get_visit};
use serde::{Deserialize, Serialize};

use crate::auth::{Kiosk, Staff, Visitor};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath};
use crate::live::LiveHub;
use crate::state::AppState;

/// A ticket into one visit's signaling socket. It works once, for two minutes.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LiveTicket {
    pub ticket: String,
    /// The socket to open: `ws(s)://<host>` + this path.
    pub socket: String,
    #[schema(value_type = String)]
    pub role: String,
    pub visit_id: i64,
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: Timestamp,
}

fn hub(s: &AppState) -> ApiResult<Arc<LiveHub>> {
    s.live.clone().ok_or_else(ApiError::unavailable)
}

fn role_name(role: RoomRole) -> &'static str {
    match role {
        RoomRole::Visitor => "visitor",
        RoomRole::Resident => "resident",
        RoomRole::Monitor => "monitor",
    }
}

fn ticket_for(
    hub: &LiveHub,
    visit: &Visit,
    role: RoomRole,
    account: Option<openvisit_core::AccountId>,
) -> ApiResult<(StatusCode, Json<LiveTicket>)> {
    if visit.status != VisitStatus::Booked {
        return Err(ApiError::says(
            StatusCode::GONE,
            "visit_over",
            "error-visit-over",
        ));
    }
    let (ticket, expires_at) = hub.issue_ticket(visit.id, role, account)?;
    Ok((
        StatusCode::CREATED,
        Json(LiveTicket {
            socket: format!("/api/v1/live?ticket={ticket}"),
            ticket,
            role: role_name(role).into(),
            visit_id: visit.id.0,
            expires_at,
        }),
    ))
}

async fn load(s: &AppState, id: i64) -> ApiResult<Visit> {
    let mut conn = s.db.conn().await?;
    Ok(get_visit(&mut conn, VisitId(id)).await?)
}

#[utoipa::path(
    post,
    path = "/visits/{id}/live-ticket",
    tag = "live",
    params(("id" = i64, Path, description = "Visit id")),
    responses((status = 201, body = LiveTicket), (status = 400, description = "Malformed request", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Not allowed", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "An on-site visit is joined at the lobby kiosk", body = ErrorBody), (status = 410, description = "The visit is over", body = ErrorBody), (status = 503, description = "Video is not running", body = ErrorBody)),
    security(("session" = []))
)]
/// The visitor's ticket into their own remote visit.
pub async fn visitor_ticket(
    State(s): State<AppState>,
    v: Visitor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<(StatusCode, Json<LiveTicket>)> {
    let visit = load(&s, id).await?;
    if visit.visitor != v.id() {
        // Another visitor's visit does not exist for this one.
        return Err(ApiError::not_found("visit"));
    }
    if visit.kind != VisitKind::Remote {
        return Err(ApiError::says(
            StatusCode::CONFLICT,
            "on_site",
            "error-on-site-visit",
        ));
    }
    ticket_for(&*hub(&s)?, &visit, RoomRole::Visitor, Some(v.id()))
}

#[utoipa::path(
    post,
    path = "/staff/visits/{id}/live-ticket",
    tag = "live",
    params(("id" = i64, Path, description = "Visit id")),
    responses((status = 201, body = LiveTicket), (status = 400, description = "Malformed request", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Not allowed, or a privileged visit", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 410, description = "The visit is over", body = ErrorBody), (status = 503, description = "Video is not running", body = ErrorBody)),
    security(("session" = []))
)]
/// A staff member's ticket to watch a visit of their facility (never a privileged one).
pub async fn monitor_ticket(
    State(s): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<(StatusCode, Json<LiveTicket>)> {
    let visit = load(&s, id).await?;
    if visit.facility != staff.facility {
        return Err(ApiError::not_found("visit"));
    }
    if visit.privileged {
        return Err(ApiError::says(
            StatusCode::FORBIDDEN,
            "privileged",
            "error-privileged-visit",
        ));
    }
    ticket_for(
        &*hub(&s)?,
        &visit,
        RoomRole::Monitor,
        Some(staff.account.id),
    )
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct KioskSignIn {
    /// The resident's PIN (housing kiosk).
    #[serde(default)]
    pub pin: Option<String>,
    /// The code from the booking confirmation (lobby kiosk).
    #[serde(default)]
    pub code: Option<String>,
    /// The visit the housing kiosk is showing.
    #[serde(default)]
    pub visit_id: Option<i64>,
}

#[utoipa::path(
    post,
    path = "/kiosk/live-ticket",
    tag = "kiosk",
    request_body = KioskSignIn,
    responses((status = 415, description = "The body must be JSON (Content-Type: application/json)", body = ErrorBody), (status = 201, body = LiveTicket), (status = 400, description = "Malformed request", body = ErrorBody), (status = 401, description = "Unknown kiosk", body = ErrorBody), (status = 403, description = "Wrong PIN or code", body = ErrorBody), (status = 404, description = "No such visit here", body = ErrorBody), (status = 409, description = "PIN locked for a while", body = ErrorBody), (status = 410, description = "The visit is over", body = ErrorBody), (status = 422, description = "Invalid input", body = ErrorBody), (status = 503, description = "Video is not running", body = ErrorBody)),
    security(("kiosk" = []))
)]
/// A kiosk signs someone in: the resident with their PIN at the housing kiosk, or the
/// on-site visitor with their booking code at the lobby kiosk.
pub async fn kiosk_ticket(
    State(s): State<AppState>,
    Kiosk(k): Kiosk,
    ApiJson(f): ApiJson<KioskSignIn>,
) -> ApiResult<(StatusCode, Json<LiveTicket>)> {
    let hub = hub(&s)?;
    let now = s.clock.now();
    match k.kind {
        KioskKind::Housing => {
            let (Some(id), Some(pin)) = (f.visit_id, f.pin.as_deref()) else {
                return Err(ApiError::bad_request("error-pin-required"));
            };
            let visit = load(&s, id).await?;
            if visit.housing_kiosk != k.id {
                return Err(ApiError::not_found("visit"));
            }
            if !check_resident_pin(&s.db, visit.resident, pin, now).await? {
                return Err(ApiError::says(
                    StatusCode::FORBIDDEN,
                    "wrong_pin",
                    "error-wrong-pin",
                ));
            }
            ticket_for(&hub, &visit, RoomRole::Resident, None)
        }
        KioskKind::Lobby => {
            let Some(code) = f.code.as_deref() else {
                return Err(ApiError::bad_request("error-lobby-code-required"));
            };
            let visit = visit_by_lobby_code(&s.db, k.facility, code, now)
                .await?
                .filter(|v| v.lobby_kiosk == Some(k.id));
            let Some(visit) = visit else {
                return Err(ApiError::says(
                    StatusCode::FORBIDDEN,
                    "wrong_code",
                    "error-wrong-code",
                ));
            };
            ticket_for(&hub, &visit, RoomRole::Visitor, Some(visit.visitor))
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct KioskNext {
    pub kiosk: String,
    pub time_zone: String,
    pub next: Option<KioskVisit>,
}

#[utoipa::path(
    get,
    path = "/kiosk/next",
    tag = "kiosk",
    responses((status = 200, body = KioskNext), (status = 401, description = "Unknown kiosk", body = ErrorBody)),
    security(("kiosk" = []))
)]
/// What a kiosk shows between visits: when its next visit begins, and with whom in a
/// privacy-respecting form (R6). Asking also tells families the kiosk is online (R18).
pub async fn kiosk_next(State(s): State<AppState>, Kiosk(k): Kiosk) -> ApiResult<Json<KioskNext>> {
    if let Some(hub) = &s.live {
        hub.kiosk_seen(k.id);
    }
    let next = next_visit_for_kiosk(&s.db, k.id, s.clock.now()).await?;
    Ok(Json(KioskNext {
        kiosk: k.name,
        time_zone: k.facility_time_zone,
        next,
    }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LiveVisitView {
    pub visit_id: i64,
    pub privileged: bool,
    #[schema(value_type = Object)]
    pub status: serde_json::Value,
}

#[utoipa::path(
    get,
    path = "/staff/live",
    tag = "live",
    responses((status = 200, body = Vec<LiveVisitView>), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Not allowed", body = ErrorBody)),
    security(("session" = []))
)]
/// The facility's visits that are live (or in their waiting room) now.
pub async fn live_visits(
    State(s): State<AppState>,
    staff: Staff,
) -> ApiResult<Json<Vec<LiveVisitView>>> {
    let Some(hub) = s.live.clone() else {
        return Ok(Json(Vec::new()));
    };
    let mut out: Vec<LiveVisitView> = hub
        .live_visits()
        .into_iter()
        .filter(|r| r.facility == staff.facility && !r.is_over())
        .map(|r| LiveVisitView {
            visit_id: r.visit.0,
            privileged: r.is_privileged(),
            status: serde_json::to_value(r.status(&hub)).unwrap_or_default(),
        })
        .collect();
    out.sort_by_key(|v| v.visit_id);
    Ok(Json(out))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct EndForm {
    #[schema(min_length = 1)]
    pub reason: String,
}

#[utoipa::path(
    post,
    path = "/staff/visits/{id}/end",
    tag = "live",
    params(("id" = i64, Path, description = "Visit id")),
    request_body = EndForm,
    responses((status = 415, description = "The body must be JSON (Content-Type: application/json)", body = ErrorBody), (status = 202, description = "Ending"), (status = 400, description = "Malformed request", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Not allowed", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "The visit is not live", body = ErrorBody), (status = 422, description = "Invalid input", body = ErrorBody), (status = 503, description = "Video is not running", body = ErrorBody)),
    security(("session" = []))
)]
/// Ends a live visit now, with a reason (audited; the visitor sees "ended by the
/// facility").
pub async fn end_visit(
    State(s): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i64>,
    ApiJson(f): ApiJson<EndForm>,
) -> ApiResult<StatusCode> {
    let reason = f.reason.trim();
    if reason.is_empty() {
        return Err(ApiError::says(
            StatusCode::UNPROCESSABLE_ENTITY,
            "reason_required",
            "error-end-reason",
        ));
    }
    let visit = load(&s, id).await?;
    if visit.facility != staff.facility {
        return Err(ApiError::not_found("visit"));
    }
    let hub = hub(&s)?;
    let Some(room) = hub.existing_room(visit.id).filter(|r| !r.is_over()) else {
        return Err(ApiError::says(
            StatusCode::CONFLICT,
            "not_live",
            "error-not-live",
        ));
    };
    end_live(&s, &hub, &room, staff.account.id, reason).await?;
    Ok(StatusCode::ACCEPTED)
}

/// Ends a live room for staff. A visit that has not started yet is cancelled by the
/// facility first (full refund and the cancellation email, R13, R15); one that has is
/// settled as ended by staff when the room closes.
pub async fn end_live(
    s: &AppState,
    hub: &Arc<LiveHub>,
    room: &Arc<crate::live::LiveRoom>,
    staff: openvisit_core::AccountId,
    reason: &str,
) -> ApiResult<()> {
    if !room.has_started() {
        openvisit_store::cancel::cancel_visit(
            &s.db,
            room.visit,
            openvisit_core::refund::CancelledBy::Facility,
            Some(staff),
            reason,
            s.clock.now(),
        )
        .await?;
        crate::notify::send_queued(s).await;
    }
    room.end_by_staff(hub, reason, staff);
    Ok(())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RecordingView {
    pub visit_id: i64,
    /// `ready`, or `failed`: assembling the files failed; the raw media is kept and the
    /// server tries again every ten minutes, up to `MAX_ASSEMBLY_ATTEMPTS` tries.
    pub state: openvisit_store::recordings::RecordingState,
    /// How many times assembling it was tried.
    pub attempts: u32,
    /// Why the last try failed (`failed` only).
    pub error: Option<String>,
    /// One WebM (VP8 + Opus) per party that sent media: the paths to fetch them. Empty
    /// while `failed`.
    pub files: Vec<String>,
    pub bytes: u64,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

async fn staff_recording(
    s: &AppState,
    staff: &Staff,
    id: i64,
) -> ApiResult<openvisit_store::recordings::Recording> {
    let visit = load(s, id).await?;
    if visit.facility != staff.facility {
        return Err(ApiError::not_found("visit"));
    }
    let mut conn = s.db.conn().await?;
    openvisit_store::recordings::recording_for_visit(&mut conn, visit.id)
        .await?
        .filter(|r| r.deleted_at.is_none())
        .ok_or_else(|| ApiError::not_found("recording"))
}

#[utoipa::path(
    get,
    path = "/staff/visits/{id}/recording",
    tag = "live",
    params(("id" = i64, Path, description = "Visit id")),
    responses((status = 200, body = RecordingView), (status = 400, description = "Malformed request", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Not allowed", body = ErrorBody), (status = 404, description = "No recording (privileged, not held, or deleted after the retention period)", body = ErrorBody)),
    security(("session" = []))
)]
/// A visit's recording, for staff of its facility only (R14).
pub async fn recording(
    State(s): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<RecordingView>> {
    let r = staff_recording(&s, &staff, id).await?;
    let ready = r.state == openvisit_store::recordings::RecordingState::Ready;
    // Each party's parts in order (a new part follows a long gap in the media).
    let files = openvisit_media::recording_files(std::path::Path::new(&r.path))
        .into_iter()
        .filter(|_| ready)
        .map(|(_, _, name)| format!("/api/v1/staff/visits/{id}/recording/{name}"))
        .collect();
    Ok(Json(RecordingView {
        visit_id: id,
        state: r.state,
        attempts: r.attempts,
        error: r.error,
        files,
        bytes: r.bytes,
        created_at: r.created_at,
    }))
}

#[utoipa::path(
    get,
    path = "/staff/visits/{id}/recording/{file}",
    tag = "live",
    params(("id" = i64, Path, description = "Visit id"), ("file" = String, Path, description = "visitor.webm or resident.webm, or a later part such as visitor-2.webm")),
    responses((status = 200, description = "The WebM file", content_type = "video/webm", body = Vec<u8>), (status = 400, description = "Malformed request", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Not allowed", body = ErrorBody), (status = 404, description = "No such file", body = ErrorBody)),
    security(("session" = []))
)]
/// One party's side of a recording, as WebM.
pub async fn recording_file(
    State(s): State<AppState>,
    staff: Staff,
    ApiPath((id, file)): ApiPath<(i64, String)>,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let r = staff_recording(&s, &staff, id).await?;
    // Only names the recorder writes, of a recording put together: nothing else from
    // the path reaches the file system.
    if r.state != openvisit_store::recordings::RecordingState::Ready
        || !openvisit_media::is_recording_file_name(&file)
    {
        return Err(ApiError::not_found("recording file"));
    }
    let name = file.as_str();
    let bytes = tokio::fs::read(std::path::Path::new(&r.path).join(name))
        .await
        .map_err(|_| ApiError::not_found("recording file"))?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "video/webm"),
            (axum::http::header::CACHE_CONTROL, "private, no-store"),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NoticeForm {
    pub kind: openvisit_store::notices::NoticeKind,
    /// Optional words of the staff's own in English (this or `text_es` is required for
    /// `other`), up to 500 characters.
    #[serde(default)]
    #[schema(max_length = 500)]
    pub text: String,
    /// The same in Spanish; each party reads its language, or the other one, marked.
    #[serde(default)]
    #[schema(max_length = 500)]
    pub text_es: String,
}

#[utoipa::path(
    post,
    path = "/staff/visits/{id}/notices",
    tag = "live",
    params(("id" = i64, Path, description = "Visit id")),
    request_body = NoticeForm,
    responses((status = 415, description = "The body must be JSON (Content-Type: application/json)", body = ErrorBody), (status = 201, body = openvisit_store::notices::Notice), (status = 400, description = "Malformed request", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Not allowed", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "The visit is over or cancelled", body = ErrorBody), (status = 422, description = "Invalid input", body = ErrorBody)),
    security(("session" = []))
)]
/// Posts a notice to a visit's waiting room (R18): the family sees it at once, in their
/// language, and whoever joins later sees it too. Audited.
pub async fn post_notice(
    State(s): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i64>,
    ApiJson(f): ApiJson<NoticeForm>,
) -> ApiResult<(StatusCode, Json<openvisit_store::notices::Notice>)> {
    let visit = load(&s, id).await?;
    if visit.facility != staff.facility {
        return Err(ApiError::not_found("visit"));
    }
    let notice = openvisit_store::notices::post_notice_of_kind(
        &s.db,
        visit.id,
        staff.account.id,
        f.kind,
        (&f.text, &f.text_es),
        s.clock.now(),
    )
    .await?;
    if let Some(room) = s.live.as_ref().and_then(|h| h.existing_room(visit.id)) {
        room.publish_notice(&notice);
    }
    Ok((StatusCode::CREATED, Json(notice)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NoShowForm {
    pub reason: String,
}

#[utoipa::path(
    post,
    path = "/staff/visits/{id}/no-show",
    tag = "staff",
    params(("id" = i64, Path, description = "Visit id")),
    request_body = NoShowForm,
    responses((status = 415, description = "The body must be JSON (Content-Type: application/json)", body = ErrorBody), (status = 204, description = "Recorded"), (status = 400, description = "Malformed request", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Not allowed", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "Not a visit the resident missed", body = ErrorBody), (status = 422, description = "Invalid input", body = ErrorBody)),
    security(("session" = []))
)]
/// Records why the resident did not come to a missed visit. Audited.
pub async fn no_show(
    State(s): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i64>,
    ApiJson(f): ApiJson<NoShowForm>,
) -> ApiResult<StatusCode> {
    openvisit_store::live::record_no_show_reason(
        &s.db,
        staff.account.id,
        staff.facility,
        VisitId(id),
        &f.reason,
        s.clock.now(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
