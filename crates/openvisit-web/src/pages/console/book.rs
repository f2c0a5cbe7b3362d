//! Staff book for a family (a phone call, a walk-in): choose the approved family, then
//! the same calendar and times a family sees, in facility time; the booking goes
//! through `staff_booking::book_for_family` (the same rules, claims and ledger as the
//! website), with the facility's rules read aloud when the family has not accepted them.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::http::header::LOCATION;
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use jiff::civil::Date;
use openvisit_core::ApprovalId;
use openvisit_core::facility::VisitKind;
use openvisit_store::StoreError;
use openvisit_store::accounts::get_account;
use openvisit_store::approvals::{Approval, ApprovalStatus, approvals_of_facility};
use openvisit_store::booking::BookingRequest;
use openvisit_store::facilities::get_facility;
use openvisit_store::residents::get_resident;
use serde::Deserialize;

use super::{Nav, StaffView, failure};
use crate::csrf::CsrfForm;
use crate::pages::PageMeta;
use crate::pages::facilities::facility_words;
use crate::pages::visitor::picker::{self, PickerView};
use crate::state::AppState;

/// An approved family: who books, for whom.
pub struct Family {
    pub approval: i64,
    pub label: String,
}

/// The chosen family's booking: kind, length, the picker, and the rules if owed.
pub struct Chosen {
    pub approval: i64,
    pub label: String,
    pub kinds: Vec<(&'static str, String)>,
    pub kind: &'static str,
    pub lengths: Vec<u32>,
    pub length: u32,
    pub picker: PickerView,
    /// The facility's rules, a line each, when the family must still accept them.
    pub rules: Vec<String>,
    /// A walk-in at the lobby, where on-site visits are offered: the next free on-site
    /// start today and how it reads, or `None` with nothing free today.
    pub walk_in: Option<Option<WalkIn>>,
}

/// The next free on-site time today, for a family at the lobby now.
pub struct WalkIn {
    pub start: i64,
    pub label: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "console_book.html")]
pub struct BookPage {
    pub page: PageMeta,
    pub nav: Nav,
    pub families: Vec<Family>,
    pub chosen: Option<Chosen>,
    pub error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct BookQuery {
    #[serde(default)]
    pub approval: Option<i64>,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub length: u32,
    #[serde(default)]
    pub day: String,
}

async fn approved(s: &AppState, v: &StaffView) -> Result<Vec<(Approval, String)>, StoreError> {
    let mut conn = s.db.conn().await?;
    let mut out = Vec::new();
    for a in approvals_of_facility(&mut conn, v.facility, Some(ApprovalStatus::Approved)).await? {
        let visitor = get_account(&mut conn, a.visitor).await?;
        let resident = get_resident(&mut conn, a.resident).await?;
        let label = v.page.t.t_with(
            "console-book-family",
            &[
                ("visitor", visitor.display_name.into()),
                ("resident", resident.full_name.into()),
            ],
        );
        out.push((a, label));
    }
    Ok(out)
}

/// The next free on-site time today for the family `c` describes, as staff read it.
async fn walk_in(
    conn: &mut openvisit_store::AnyConnection,
    t: &crate::i18n::Tr,
    now: Timestamp,
    c: &picker::Choice<'_>,
) -> Result<Option<WalkIn>, StoreError> {
    let on_site = picker::Choice {
        kind: VisitKind::OnSite,
        ..*c
    };
    let next = picker::next_today(conn, now, &on_site).await?;
    let theirs = jiff::tz::TimeZone::get(&c.facility.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    Ok(next.map(|at| WalkIn {
        start: at.as_second(),
        label: t.t_with(
            "console-book-walk-in",
            &[
                (
                    "time",
                    openvisit_core::local_time::clock(at, &theirs).into(),
                ),
                ("minutes", c.length.into()),
            ],
        ),
    }))
}

async fn build(
    s: &AppState,
    v: StaffView,
    q: &BookQuery,
    error: Option<String>,
) -> Result<BookPage, StoreError> {
    let families = approved(s, &v).await?;
    let mut chosen = None;
    if let Some((a, label)) = families.iter().find(|(a, _)| Some(a.id.0) == q.approval) {
        let t = v.page.t;
        let mut conn = s.db.conn().await?;
        let f = get_facility(&mut conn, v.facility).await?;
        let resident = get_resident(&mut conn, a.resident).await?;
        // Times in facility time only: the family's own zone is theirs to read.
        let mut family = get_account(&mut conn, a.visitor).await?;
        family.time_zone = f.time_zone.clone();
        let mut kinds = Vec::new();
        if f.settings.offers_remote {
            kinds.push(("remote", t.t("visits-kind-remote")));
        }
        if f.settings.offers_on_site {
            kinds.push(("on_site", t.t("visits-kind-on_site")));
        }
        let kind = kinds
            .iter()
            .map(|k| k.0)
            .find(|k| *k == q.kind)
            .or_else(|| kinds.first().map(|k| k.0))
            .unwrap_or("remote");
        let lengths = f.settings.allowed_lengths.clone();
        let length = if lengths.contains(&q.length) {
            q.length
        } else {
            lengths.first().copied().unwrap_or(30)
        };
        let approval = a.id.0;
        let href = |d: Date| {
            format!(
                "/staff/book?approval={approval}&kind={kind}&length={length}&day={d}#times-title"
            )
        };
        let choice = picker::Choice {
            facility: &f,
            resident: &resident,
            visitor: &family,
            kind: VisitKind::parse(kind).unwrap_or(VisitKind::Remote),
            length,
            day: &q.day,
        };
        let view = picker::build(&mut conn, &t, s.clock.now(), &choice, &href).await?;
        let walk_in = if f.settings.offers_on_site {
            Some(walk_in(&mut conn, &t, s.clock.now(), &choice).await?)
        } else {
            None
        };
        let owed = openvisit_store::rules::rules_owed(&mut conn, a.visitor, a.resident).await?;
        let rules = match owed {
            Some(_) => facility_words(&t, &f.settings.visit_rules, &f.settings.visit_rules_es)
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect(),
            None => Vec::new(),
        };
        chosen = Some(Chosen {
            approval,
            label: label.clone(),
            kinds,
            kind,
            lengths,
            length,
            picker: view,
            rules,
            walk_in,
        });
    }
    let v = v.at("book");
    Ok(BookPage {
        families: families
            .into_iter()
            .map(|(a, label)| Family {
                approval: a.id.0,
                label,
            })
            .collect(),
        chosen,
        error,
        page: v.page,
        nav: v.nav,
    })
}

pub async fn page(State(s): State<AppState>, v: StaffView, Query(q): Query<BookQuery>) -> Response {
    match build(&s, v, &q, None).await {
        Ok(p) => p.into_response(),
        Err(e) => failure(&e),
    }
}

#[derive(Debug, Deserialize)]
pub struct StaffBookFields {
    #[serde(default)]
    pub csrf: String,
    pub approval: i64,
    pub kind: String,
    pub length: u32,
    pub start: i64,
    /// "on" when staff read the rules to the family and they agreed.
    #[serde(default)]
    pub rules_read: Option<String>,
}

crate::csrf_form!(StaffBookFields);

pub async fn book(
    State(s): State<AppState>,
    v: StaffView,
    CsrfForm(f): CsrfForm<StaffBookFields>,
) -> Response {
    let (Some(kind), Ok(start)) = (VisitKind::parse(&f.kind), Timestamp::from_second(f.start))
    else {
        return (StatusCode::SEE_OTHER, [(LOCATION, "/staff/book")]).into_response();
    };
    let found = async {
        let mut conn = s.db.conn().await?;
        let approvals =
            approvals_of_facility(&mut conn, v.facility, Some(ApprovalStatus::Approved)).await?;
        Ok::<_, StoreError>(
            approvals
                .into_iter()
                .find(|a| a.id == ApprovalId(f.approval)),
        )
    };
    let approval = match found.await {
        Ok(Some(a)) => a,
        Ok(None) => return (StatusCode::SEE_OTHER, [(LOCATION, "/staff/book")]).into_response(),
        Err(e) => return failure(&e),
    };
    let req = BookingRequest {
        visitor: approval.visitor,
        resident: approval.resident,
        kind,
        start,
        length_minutes: f.length,
    };
    let booked = openvisit_store::staff_booking::book_for_family(
        &s.db,
        v.account.id,
        v.facility,
        &req,
        f.rules_read.is_some(),
        None,
        s.clock.now(),
    )
    .await;
    let t = v.page.t;
    let error = match booked {
        Ok(b) => {
            let to = format!("/staff/visits/{}", b.visit().id);
            return (StatusCode::SEE_OTHER, [(LOCATION, to)]).into_response();
        }
        Err(StoreError::Rule(r)) => t.t(crate::error::rule_message(r)),
        Err(StoreError::Invalid(m) | StoreError::Conflict(m)) => t.message(&m),
        Err(StoreError::InsufficientFunds { needed, available }) => t.t_with(
            "console-book-funds",
            &[
                ("price", needed.to_string().into()),
                ("balance", available.to_string().into()),
            ],
        ),
        Err(StoreError::Forbidden) => t.t("error-not-approved"),
        Err(e) => return failure(&e),
    };
    let day = jiff::tz::TimeZone::get(&match s.db.conn().await {
        Ok(mut conn) => get_facility(&mut conn, v.facility)
            .await
            .map(|f| f.time_zone)
            .unwrap_or_default(),
        Err(_) => String::new(),
    })
    .map(|tz| tz.to_datetime(start).date().to_string())
    .unwrap_or_default();
    let q = BookQuery {
        approval: Some(f.approval),
        kind: f.kind.clone(),
        length: f.length,
        day,
    };
    match build(&s, v, &q, Some(error)).await {
        Ok(p) => (StatusCode::CONFLICT, p).into_response(),
        Err(e) => failure(&e),
    }
}
