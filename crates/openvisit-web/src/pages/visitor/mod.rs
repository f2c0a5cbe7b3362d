//! The signed-in visitor's pages: people they may visit (approvals, R11), booking
//! (R2, R12), their visits with cancellation (R13) and their funds. Every form carries
//! a CSRF token; bookings and deposits carry an idempotency key, so a double click or a
//! resent form books or charges once.

pub(super) use askama::Template;
pub(super) use askama_web::WebTemplate;
pub(super) use axum::extract::{Path, Query, State};
pub(super) use axum::http::header::LOCATION;
pub(super) use axum::http::{HeaderMap, StatusCode, Uri};
pub(super) use axum::response::{IntoResponse, Response};
pub(super) use jiff::Timestamp;
pub(super) use jiff::civil::Date;
pub(super) use jiff::tz::TimeZone;
pub(super) use openvisit_core::facility::VisitKind;
pub(super) use openvisit_core::interval::add_minutes;
pub(super) use openvisit_core::pricing::quote;
pub(super) use openvisit_core::refund::CancelledBy;
pub(super) use openvisit_core::{Cents, FacilityId, ResidentId, VisitId};
pub(super) use openvisit_store::StoreError;
pub(super) use openvisit_store::accounts::Account;
pub(super) use openvisit_store::approvals::{
    ApprovalStatus, approvals_of_visitor, is_approved, request_approval,
};
pub(super) use openvisit_store::booking::{BookingRequest, book_visit};
pub(super) use openvisit_store::cancel::{cancel_visit, refund_preview};
pub(super) use openvisit_store::facilities::{Facility, get_facility, list_facilities};
pub(super) use openvisit_store::ledger::{visitor_balance, visitor_history};
pub(super) use openvisit_store::payments::deposit;
pub(super) use openvisit_store::residents::{get_resident, search_residents};
pub(super) use openvisit_store::visits::{VisitStatus, get_visit, visits_of_visitor};
pub(super) use serde::Deserialize;

pub(super) use crate::auth::MaybeAccount;
pub(super) use crate::csrf::CsrfForm;
pub(super) use crate::i18n::{Lang, Tr};
pub(super) use crate::pages::PageMeta;
pub(super) use crate::state::AppState;

pub(super) fn see_other(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, to.to_owned())]).into_response()
}

/// The signed-in visitor, or where to send anyone else (the sign-in page, or home
/// for staff).
pub(super) fn visitor(a: Option<Account>) -> Result<Account, &'static str> {
    match a {
        Some(a) if !a.role.is_staff() => Ok(a),
        Some(_) => Err("/"),
        None => Err("/sign-in"),
    }
}

/// The signed-in visitor a visitor page is for. Anyone else is sent where `visitor`
/// says (the sign-in page, or home for staff) before the handler runs; a form post has
/// its token checked after this, by `CsrfForm`.
pub struct VisitorPage(pub Account);

impl axum::extract::FromRequestParts<AppState> for VisitorPage {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Response> {
        let MaybeAccount(a) = MaybeAccount::from_request_parts(parts, state).await?;
        visitor(a).map(VisitorPage).map_err(see_other)
    }
}

/// The visitor's own visit `id` while it is booked; None for anyone else's, or once it
/// is cancelled, under way or over.
pub(super) async fn own_booked_visit(
    conn: &mut openvisit_store::AnyConnection,
    a: &Account,
    id: i64,
) -> Result<Option<openvisit_store::visits::Visit>, StoreError> {
    match get_visit(conn, VisitId(id)).await {
        Ok(v) if v.visitor == a.id && v.status == VisitStatus::Booked => Ok(Some(v)),
        Ok(_) | Err(StoreError::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

pub(super) fn failure(e: &StoreError) -> Response {
    tracing::error!(error = %e, "visitor page failed");
    crate::pages::failure_page()
}

pub(super) fn new_key() -> String {
    let mut b = [0u8; 16];
    let _ = getrandom::fill(&mut b);
    hex::encode(b)
}

/// `Monday, December 1, 09:30` style labels in a zone, in the page's language.
pub(crate) fn local_label(t: &Tr, ts: Timestamp, tz: &TimeZone) -> String {
    let dt = tz.to_datetime(ts);
    let day = t.t(&format!("weekday-{}", dt.weekday().to_monday_one_offset()));
    format!(
        "{day} {} {}",
        dt.date().strftime("%Y-%m-%d"),
        openvisit_core::local_time::clock(ts, tz)
    )
}

pub(crate) fn zone(name: &str) -> TimeZone {
    TimeZone::get(name).unwrap_or(TimeZone::UTC)
}

/// Percent-encodes a path for a query value.
pub(crate) fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

mod booking;
mod funds;
mod join;
mod moving;
mod people;
pub(crate) mod picker;
mod rules;
mod visits;

pub use booking::{book, book_post};
pub use funds::{funds, funds_post};
pub use join::{join, receipt};
pub use moving::{move_form, move_post};
pub use people::{people, people_post};
pub use rules::rules_accept;
pub use visits::{cancel, cancel_confirm, status_code, visits};
