//! The facility's console: staff run visitation from these pages. They read through the
//! store and act through the JSON API (`/static/console.js` sends each form to its
//! endpoint), so a page and a program get the same checks, errors and audit entries.

pub mod approvals;
pub mod audit;
mod audit_detail;
pub mod book;
pub mod emails;
pub mod reports;
pub mod roster;
pub mod schedule;
pub mod settings;
pub mod support;

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::header::LOCATION;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use jiff::tz::TimeZone;
use jiff::{Timestamp, civil::Date};
use openvisit_core::FacilityId;
use openvisit_store::StoreError;
use openvisit_store::accounts::{Account, Role};

use crate::auth::MaybeAccount;
use crate::i18n::Lang;
use crate::pages::PageMeta;
use crate::state::AppState;

/// The console's navigation: where the reader is and what their role may open.
#[derive(Debug, Clone)]
pub struct Nav {
    pub section: &'static str,
    /// Facility admins change settings and the roster; officers and support only read.
    pub admin: bool,
}

/// A signed-in staff member reading a console page.
pub struct StaffView {
    pub account: Account,
    pub facility: FacilityId,
    pub page: PageMeta,
    pub nav: Nav,
}

/// Why someone else cannot see a staff page.
pub enum Refusal {
    NotStaff,
    SignedOut,
    /// The session could not be read: the failure page to answer.
    Failed(Box<Response>),
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::NotStaff => StatusCode::FORBIDDEN.into_response(),
            Refusal::SignedOut => (StatusCode::SEE_OTHER, [(LOCATION, "/sign-in")]).into_response(),
            Refusal::Failed(page) => *page,
        }
    }
}

/// The staff member behind a request, or why the page is refused.
pub fn staff(a: Option<Account>) -> Result<(Account, FacilityId), Refusal> {
    match a {
        Some(a) if a.role.is_staff() => match a.facility {
            Some(f) => Ok((a, f)),
            None => Err(Refusal::NotStaff),
        },
        Some(_) => Err(Refusal::NotStaff),
        None => Err(Refusal::SignedOut),
    }
}

impl FromRequestParts<AppState> for StaffView {
    type Rejection = Refusal;

    /// The signed-in staff member with the page's frame (language, sign-out token);
    /// anyone else is refused.
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Refusal> {
        let MaybeAccount(a) = MaybeAccount::from_request_parts(parts, state)
            .await
            .map_err(|page| Refusal::Failed(Box::new(page)))?;
        let Ok(lang) = Lang::from_request_parts(parts, state).await;
        let (account, facility) = staff(a)?;
        let page = PageMeta::signed(lang, &parts.uri, &parts.headers, Some(&account));
        Ok(StaffView {
            nav: Nav {
                section: "",
                admin: account.role == Role::FacilityAdmin,
            },
            account,
            facility,
            page,
        })
    }
}

impl StaffView {
    /// The view, in the navigation's `section`.
    pub fn at(mut self, section: &'static str) -> StaffView {
        self.nav.section = section;
        self
    }
}

/// A page whose reading failed: logged, and a plain answer without details.
pub fn failure(e: &StoreError) -> Response {
    match e {
        StoreError::NotFound(_) => StatusCode::NOT_FOUND.into_response(),
        _ => {
            tracing::error!(error = %e, "console page failed");
            crate::pages::failure_page()
        }
    }
}

/// The facility's time zone (pages show facility-local times).
pub async fn facility_zone(s: &AppState, facility: FacilityId) -> Result<TimeZone, StoreError> {
    let mut conn = s.db.conn().await?;
    let f = openvisit_store::facilities::get_facility(&mut conn, facility).await?;
    Ok(crate::pages::visitor::zone(&f.time_zone))
}

/// `2026-11-30 09:00` in the facility's zone (`01:30 CST` in the hour that happens twice).
pub fn local_time(ts: Timestamp, tz: &TimeZone) -> String {
    openvisit_core::local_time::date_and_clock(ts, tz)
}

/// `HH:MM` in the facility's zone.
pub fn local_clock(ts: Timestamp, tz: &TimeZone) -> String {
    openvisit_core::local_time::clock(ts, tz)
}

/// The instant a local date begins in `tz` (the first instant of that day, DST-safe).
pub fn day_start(date: Date, tz: &TimeZone) -> Option<Timestamp> {
    openvisit_core::hours::local_instant(tz, date, jiff::civil::Time::MIN)
}

/// Today in the facility's zone.
pub fn today(now: Timestamp, tz: &TimeZone) -> Date {
    tz.to_datetime(now).date()
}

/// `$12.34` for cents (money in the console is dollars).
pub fn dollars(cents: openvisit_core::Cents) -> String {
    cents.to_string()
}
