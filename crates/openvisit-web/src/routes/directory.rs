//! The public facility directory and a facility's details (R1).

use axum::Json;
use axum::extract::State;
use openvisit_core::FacilityId;
use openvisit_core::facility::VisitKind;
use openvisit_core::pricing::quote;
use openvisit_store::facilities::{Facility, get_facility, list_facilities};
use openvisit_store::places::{hours, list_units};
use openvisit_store::residents::search_residents;
use serde::{Deserialize, Serialize};

use crate::auth::Visitor;
use crate::error::ApiResult;
use crate::error::ErrorBody;
use crate::extract::{ApiPath, ApiQuery};
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DirectoryQuery {
    pub q: Option<String>,
}

/// A facility as the public sees it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FacilityView {
    pub id: FacilityId,
    pub slug: String,
    pub name: String,
    pub city: String,
    pub state: String,
    pub address: String,
    pub phone: String,
    pub email: String,
    pub time_zone: String,
    pub visit_kinds: Vec<VisitKind>,
    /// Where on-site visits are booked elsewhere, how to arrange them (R1).
    pub on_site_elsewhere: Option<String>,
    pub pricing_mode: openvisit_core::facility::PricingMode,
    pub increment_minutes: u32,
    pub fee_per_increment_cents: i64,
    pub allowed_lengths: Vec<LengthPrice>,
    pub cancel_notice_minutes: u32,
    /// The visiting rules a visitor accepts before booking here (English, Spanish; both
    /// empty for none), and the revision an acceptance names.
    pub visit_rules: String,
    pub visit_rules_es: String,
    pub rules_revision: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LengthPrice {
    pub minutes: u32,
    pub remote_price_cents: i64,
}

impl From<Facility> for FacilityView {
    fn from(f: Facility) -> FacilityView {
        let s = &f.settings;
        let mut kinds = Vec::new();
        if s.offers_remote {
            kinds.push(VisitKind::Remote);
        }
        if s.offers_on_site {
            kinds.push(VisitKind::OnSite);
        }
        let on_site_elsewhere = (!s.offers_on_site).then(|| {
            if s.on_site_note.is_empty() {
                format!(
                    "Contact the facility for on-site visits: {} · {}",
                    f.phone, f.email
                )
            } else {
                s.on_site_note.clone()
            }
        });
        FacilityView {
            allowed_lengths: s
                .allowed_lengths
                .iter()
                .map(|m| LengthPrice {
                    minutes: *m,
                    remote_price_cents: quote(&s.pricing(), VisitKind::Remote, *m).amount.0,
                })
                .collect(),
            visit_kinds: kinds,
            on_site_elsewhere,
            pricing_mode: s.pricing_mode,
            increment_minutes: s.increment_minutes,
            fee_per_increment_cents: s.fee_cents,
            cancel_notice_minutes: s.cancel_notice_minutes,
            visit_rules: s.visit_rules.clone(),
            visit_rules_es: s.visit_rules_es.clone(),
            rules_revision: f.rules_revision,
            id: f.id,
            slug: f.slug,
            name: f.name,
            city: f.city,
            state: f.state,
            address: f.address,
            phone: f.phone,
            email: f.email,
            time_zone: f.time_zone,
        }
    }
}

#[utoipa::path(
    get,
    path = "/facilities",
    tag = "directory",
    params(DirectoryQuery),
    responses((status = 200, body = Vec<FacilityView>), (status = 400, description = "Malformed request", body = ErrorBody))
)]
pub async fn directory(
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<DirectoryQuery>,
) -> ApiResult<Json<Vec<FacilityView>>> {
    let mut conn = s.db.conn().await?;
    let list = list_facilities(&mut conn, q.q.as_deref()).await?;
    Ok(Json(list.into_iter().map(FacilityView::from).collect()))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FacilityDetail {
    #[serde(flatten)]
    pub facility: FacilityView,
    pub housing_units: Vec<UnitView>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UnitView {
    pub name: String,
    /// e.g. "Mon 08:00–11:30" in facility time.
    pub visiting_hours: Vec<String>,
}

#[utoipa::path(
    get,
    path = "/facilities/{id}",
    tag = "directory",
    params(("id" = i64, Path, description = "Facility id")),
    responses((status = 400, description = "Malformed request", body = ErrorBody), (status = 200, body = FacilityDetail), (status = 404, description = "Not found", body = ErrorBody))
)]
pub async fn facility(
    State(s): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<FacilityDetail>> {
    let mut conn = s.db.conn().await?;
    let f = get_facility(&mut conn, FacilityId(id)).await?;
    let mut units = Vec::new();
    for u in list_units(&mut conn, f.id).await? {
        let h = hours(&mut conn, f.id, Some(u.id)).await?;
        units.push(UnitView {
            name: u.name,
            visiting_hours: h
                .windows
                .iter()
                .map(|w| {
                    format!(
                        "{:?} {}–{}",
                        w.weekday,
                        w.open.strftime("%H:%M"),
                        w.close.strftime("%H:%M")
                    )
                })
                .collect(),
        });
    }
    Ok(Json(FacilityDetail {
        facility: f.into(),
        housing_units: units,
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResidentQuery {
    /// At least 2 letters of the name, or the booking number.
    #[param(min_length = 2)]
    pub q: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ResidentView {
    pub id: openvisit_core::ResidentId,
    /// The first name and last initial; the full name when `q` was the booking number.
    pub name: String,
    /// Only when `q` was this booking number.
    pub booking_number: Option<String>,
}

#[utoipa::path(
    get,
    path = "/facilities/{id}/residents",
    tag = "directory",
    params(("id" = i64, Path, description = "Facility id"), ResidentQuery),
    responses((status = 200, body = Vec<ResidentView>), (status = 400, description = "Malformed request", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Not allowed", body = ErrorBody), (status = 422, description = "Invalid input", body = ErrorBody)),
    security(("session" = []))
)]
/// A signed-in visitor looks up a resident to ask for approval: by name (first name and
/// last initial shown, at most 20) or by exact booking number (full name shown).
pub async fn residents(
    State(s): State<AppState>,
    _v: Visitor,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<ResidentQuery>,
) -> ApiResult<Json<Vec<ResidentView>>> {
    let mut conn = s.db.conn().await?;
    let found = search_residents(&mut conn, FacilityId(id), &q.q).await?;
    Ok(Json(
        found
            .into_iter()
            .map(|r| ResidentView {
                id: r.id,
                name: r.name,
                booking_number: r.booking_number,
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RulesAcceptance {
    /// The `rules_revision` the visitor was shown.
    pub revision: i64,
}

#[utoipa::path(
    post,
    path = "/facilities/{id}/rules/accept",
    tag = "directory",
    params(("id" = i64, Path, description = "Facility id")),
    request_body = RulesAcceptance,
    responses((status = 204, description = "Accepted; the visitor may book here"), (status = 400, description = "Malformed request", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Not allowed", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "The rules changed since that revision: read them again", body = ErrorBody), (status = 415, description = "The body must be JSON (Content-Type: application/json)", body = ErrorBody), (status = 422, description = "Invalid input", body = ErrorBody)),
    security(("session" = []))
)]
pub async fn accept_rules(
    State(s): State<AppState>,
    v: Visitor,
    ApiPath(id): ApiPath<i64>,
    crate::extract::ApiJson(f): crate::extract::ApiJson<RulesAcceptance>,
) -> ApiResult<axum::http::StatusCode> {
    openvisit_store::rules::accept_rules(&s.db, v.id(), FacilityId(id), f.revision, s.clock.now())
        .await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
