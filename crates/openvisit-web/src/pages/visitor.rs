//! The signed-in visitor's pages: people they may visit (approvals, R11), booking
//! (R2, R12), their visits with cancellation (R13) and their funds. Every form carries
//! a CSRF token; bookings and deposits carry an idempotency key, so a double click or a
//! resent form books or charges once.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::header::LOCATION;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use openvisit_core::availability::Slot;
use openvisit_core::facility::VisitKind;
use openvisit_core::interval::add_minutes;
use openvisit_core::pricing::quote;
use openvisit_core::refund::CancelledBy;
use openvisit_core::{Cents, FacilityId, ResidentId, VisitId};
use openvisit_store::StoreError;
use openvisit_store::accounts::Account;
use openvisit_store::approvals::{
    ApprovalStatus, approvals_of_visitor, is_approved, request_approval,
};
use openvisit_store::booking::{BookingRequest, book_visit};
use openvisit_store::cancel::{cancel_visit, refund_preview};
use openvisit_store::facilities::{Facility, get_facility, list_facilities};
use openvisit_store::ledger::{visitor_balance, visitor_history};
use openvisit_store::payments::deposit;
use openvisit_store::residents::{get_resident, search_residents};
use openvisit_store::schedule::load_schedule;
use openvisit_store::visits::{VisitStatus, get_visit, visits_of_visitor};
use serde::Deserialize;

use crate::auth::MaybeAccount;
use crate::csrf;
use crate::i18n::{Lang, Tr};
use crate::notify::{self, VisitNews};
use crate::pages::PageMeta;
use crate::state::AppState;

fn see_other(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, to.to_owned())]).into_response()
}

/// The signed-in visitor, or where to send anyone else (the sign-in page, or home
/// for staff).
fn visitor(a: Option<Account>) -> Result<Account, &'static str> {
    match a {
        Some(a) if !a.role.is_staff() => Ok(a),
        Some(_) => Err("/"),
        None => Err("/sign-in"),
    }
}

fn failure(e: &StoreError) -> Response {
    tracing::error!(error = %e, "visitor page failed");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "something went wrong on our side; nothing was changed, please try again",
    )
        .into_response()
}

fn new_key() -> String {
    let mut b = [0u8; 16];
    let _ = getrandom::fill(&mut b);
    hex::encode(b)
}

/// `Monday, December 1, 09:30` style labels in a zone, in the page's language.
fn local_label(t: &Tr, ts: Timestamp, tz: &TimeZone) -> String {
    let dt = tz.to_datetime(ts);
    let day = t.t(&format!("weekday-{}", dt.weekday().to_monday_one_offset()));
    format!(
        "{day} {} {}",
        dt.date().strftime("%Y-%m-%d"),
        dt.time().strftime("%H:%M")
    )
}

fn zone(name: &str) -> TimeZone {
    TimeZone::get(name).unwrap_or(TimeZone::UTC)
}

// ---------------------------------------------------------------- people

pub struct Person {
    pub resident: i64,
    pub name: String,
    pub facility: String,
    pub status: String,
    pub can_book: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "people.html")]
pub struct PeoplePage {
    pub page: PageMeta,
    pub notice: Option<String>,
    pub error: Option<String>,
    pub people: Vec<Person>,
    pub facilities: Vec<(i64, String)>,
    pub facility: i64,
    pub query: String,
    pub searched: bool,
    pub found: Vec<(i64, String, String)>,
}

#[derive(Debug, Deserialize, Default)]
pub struct PeopleQuery {
    #[serde(default)]
    pub facility: Option<i64>,
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub notice: String,
}

async fn people_page(
    s: &AppState,
    lang: Lang,
    uri: &Uri,
    headers: &HeaderMap,
    a: &Account,
    q: PeopleQuery,
    error: Option<String>,
) -> Result<PeoplePage, StoreError> {
    let page = PageMeta::signed(lang, uri, headers, Some(a));
    let t = page.t;
    let mut conn = s.db.pool.acquire().await?;
    let mut people = Vec::new();
    for ap in approvals_of_visitor(&mut conn, a.id).await? {
        let r = get_resident(&mut conn, ap.resident).await?;
        let f = get_facility(&mut conn, r.facility).await?;
        people.push(Person {
            resident: r.id.0,
            name: r.full_name,
            facility: f.name,
            status: t.t(&format!("people-status-{}", ap.status.as_str())),
            can_book: ap.status == ApprovalStatus::Approved && r.active,
        });
    }
    let facilities: Vec<(i64, String)> = list_facilities(&mut conn, None)
        .await?
        .into_iter()
        .map(|f| (f.id.0, f.name))
        .collect();
    let facility = q
        .facility
        .or_else(|| facilities.first().map(|f| f.0))
        .unwrap_or(0);
    let query = q.q.trim().chars().take(100).collect::<String>();
    let searched = query.chars().count() >= 2;
    let found = if searched {
        search_residents(&mut conn, FacilityId(facility), &query)
            .await?
            .into_iter()
            .map(|r| (r.id.0, r.full_name, r.booking_number))
            .collect()
    } else {
        Vec::new()
    };
    let notice = (q.notice == "asked").then(|| t.t("people-asked"));
    Ok(PeoplePage {
        page,
        notice,
        error,
        people,
        facilities,
        facility,
        query,
        searched,
        found,
    })
}

pub async fn people(
    State(s): State<AppState>,
    lang: Lang,
    uri: Uri,
    headers: HeaderMap,
    MaybeAccount(a): MaybeAccount,
) -> Response {
    let a = match visitor(a) {
        Ok(a) => a,
        Err(to) => return see_other(to),
    };
    let q = Query::<PeopleQuery>::try_from_uri(&uri)
        .map(|Query(q)| q)
        .unwrap_or_default();
    match people_page(&s, lang, &uri, &headers, &a, q, None).await {
        Ok(p) => p.into_response(),
        Err(e) => failure(&e),
    }
}

#[derive(Debug, Deserialize)]
pub struct AskForm {
    #[serde(default)]
    pub csrf: String,
    pub resident_id: i64,
}

pub async fn people_post(
    State(s): State<AppState>,
    lang: Lang,
    uri: Uri,
    headers: HeaderMap,
    MaybeAccount(a): MaybeAccount,
    Form(f): Form<AskForm>,
) -> Response {
    let a = match visitor(a) {
        Ok(a) => a,
        Err(to) => return see_other(to),
    };
    if !csrf::check(&headers, &f.csrf) {
        return (
            StatusCode::FORBIDDEN,
            PageMeta::new(lang, &uri).t.t("form-expired"),
        )
            .into_response();
    }
    match request_approval(&s.db, a.id, ResidentId(f.resident_id), s.clock.now()).await {
        Ok(_) => see_other("/people?notice=asked"),
        Err(StoreError::Invalid(_)) if !a.email_verified => {
            let t = Tr { lang };
            match people_page(
                &s,
                lang,
                &uri,
                &headers,
                &a,
                PeopleQuery::default(),
                Some(t.t("people-unconfirmed")),
            )
            .await
            {
                Ok(p) => (StatusCode::UNPROCESSABLE_ENTITY, p).into_response(),
                Err(e) => failure(&e),
            }
        }
        Err(StoreError::NotFound(_) | StoreError::Invalid(_)) => see_other("/people"),
        Err(e) => failure(&e),
    }
}

// ---------------------------------------------------------------- visits

pub struct VisitRow {
    pub id: i64,
    pub with: String,
    pub when: String,
    pub kind: String,
    pub price: String,
    pub status: String,
    pub cancel: Option<String>,
    /// "Starts in 2 days and 3 hours".
    pub starts_in: String,
    /// The Join button works from 10 minutes before the start until the end.
    pub join_open: bool,
    pub join_note: String,
    /// The ledger entry that paid for the visit, for its receipt.
    pub receipt: Option<i64>,
}

/// Minutes before the start when a visit can be joined (R5).
pub const JOIN_EARLY_MINUTES: i64 = 10;

fn starts_in(t: &Tr, start: Timestamp, now: Timestamp) -> String {
    let minutes = (start.as_second() - now.as_second()).div_euclid(60);
    if minutes <= 0 {
        t.t("visits-started")
    } else if minutes >= 24 * 60 {
        t.ta(
            "visits-starts-in-days",
            &[
                ("days", (minutes / (24 * 60)).into()),
                ("hours", (minutes % (24 * 60) / 60).into()),
            ],
        )
    } else if minutes >= 60 {
        t.ta(
            "visits-starts-in-hours",
            &[
                ("hours", (minutes / 60).into()),
                ("minutes", (minutes % 60).into()),
            ],
        )
    } else {
        t.ta("visits-starts-in-minutes", &[("minutes", minutes.into())])
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "visits.html")]
pub struct VisitsPage {
    pub page: PageMeta,
    pub notice: Option<String>,
    pub error: Option<String>,
    pub upcoming: Vec<VisitRow>,
    pub past: Vec<VisitRow>,
}

#[derive(Debug, Deserialize, Default)]
pub struct NoticeQuery {
    #[serde(default)]
    pub notice: String,
    #[serde(default)]
    pub refund: i64,
}

pub async fn visits(
    State(s): State<AppState>,
    lang: Lang,
    uri: Uri,
    headers: HeaderMap,
    MaybeAccount(a): MaybeAccount,
) -> Response {
    let a = match visitor(a) {
        Ok(a) => a,
        Err(to) => return see_other(to),
    };
    let page = PageMeta::signed(lang, &uri, &headers, Some(&a));
    let t = page.t;
    let q = Query::<NoticeQuery>::try_from_uri(&uri)
        .map(|Query(q)| q)
        .unwrap_or_default();
    let notice = match q.notice.as_str() {
        "booked" => Some(t.t("visits-booked")),
        "cancelled" => Some(t.ta(
            "visits-cancelled",
            &[("refund", Cents(q.refund).to_string().into())],
        )),
        _ => None,
    };
    let rows = async {
        let mut conn = s.db.pool.acquire().await?;
        let now = s.clock.now();
        let mine = zone(&a.time_zone);
        // The entry that paid for each visit (charge or hold), for its receipt.
        let receipts: std::collections::HashMap<i64, i64> = visitor_history(&mut conn, a.id)
            .await?
            .into_iter()
            .filter(|l| l.amount.0 < 0)
            .filter_map(|l| l.visit.map(|v| (v.0, l.entry_id)))
            .collect();
        let (mut upcoming, mut past) = (Vec::new(), Vec::new());
        for v in visits_of_visitor(&mut conn, a.id).await? {
            let r = get_resident(&mut conn, v.resident).await?;
            let f = get_facility(&mut conn, v.facility).await?;
            let theirs = zone(&f.time_zone);
            let cancel = if v.status == VisitStatus::Booked {
                refund_preview(
                    v.charge_kind,
                    v.price,
                    v.start,
                    now,
                    CancelledBy::Visitor,
                    f.settings.cancel_notice_minutes,
                )
                .ok()
                .map(|refund| t.ta("visits-cancel", &[("refund", refund.to_string().into())]))
            } else {
                None
            };
            let row = VisitRow {
                id: v.id.0,
                with: t.ta("visits-with", &[("name", r.full_name.into())]),
                when: t.ta(
                    "visits-when",
                    &[
                        ("facility_time", local_label(&t, v.start, &theirs).into()),
                        ("your_time", local_label(&t, v.start, &mine).into()),
                    ],
                ),
                kind: t.t(&format!("visits-kind-{}", v.kind.as_str())),
                price: t.ta("visits-price", &[("price", v.price.to_string().into())]),
                status: t.t(&format!("visits-status-{}", status_code(v.status))),
                cancel,
                starts_in: starts_in(&t, v.start, now),
                join_open: v.status == VisitStatus::Booked
                    && now >= add_minutes(v.start, -JOIN_EARLY_MINUTES)
                    && now < v.end,
                join_note: t.ta(
                    "visits-join-opens",
                    &[(
                        "time",
                        mine.to_datetime(add_minutes(v.start, -JOIN_EARLY_MINUTES))
                            .time()
                            .strftime("%H:%M")
                            .to_string()
                            .into(),
                    )],
                ),
                receipt: receipts.get(&v.id.0).copied(),
            };
            if v.status == VisitStatus::Booked && v.end > now {
                upcoming.push(row);
            } else {
                past.push(row);
            }
        }
        past.reverse();
        Ok::<_, StoreError>((upcoming, past))
    }
    .await;
    match rows {
        Ok((upcoming, past)) => VisitsPage {
            page,
            notice,
            error: None,
            upcoming,
            past,
        }
        .into_response(),
        Err(e) => failure(&e),
    }
}

fn status_code(s: VisitStatus) -> &'static str {
    match s {
        VisitStatus::Booked => "booked",
        VisitStatus::Cancelled => "cancelled",
        VisitStatus::Completed => "completed",
        VisitStatus::Missed => "missed",
        VisitStatus::EndedByStaff => "ended_by_staff",
        VisitStatus::Failed => "failed",
    }
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    pub csrf: String,
}

pub async fn cancel(
    State(s): State<AppState>,
    lang: Lang,
    uri: Uri,
    headers: HeaderMap,
    MaybeAccount(a): MaybeAccount,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let a = match visitor(a) {
        Ok(a) => a,
        Err(to) => return see_other(to),
    };
    if !csrf::check(&headers, &f.csrf) {
        return (
            StatusCode::FORBIDDEN,
            PageMeta::new(lang, &uri).t.t("form-expired"),
        )
            .into_response();
    }
    let owned = match s.db.pool.acquire().await {
        Ok(mut conn) => get_visit(&mut conn, VisitId(id))
            .await
            .map(|v| v.visitor == a.id)
            .unwrap_or(false),
        Err(_) => false,
    };
    if !owned {
        return see_other("/visits");
    }
    match cancel_visit(
        &s.db,
        VisitId(id),
        CancelledBy::Visitor,
        Some(a.id),
        "cancelled by the visitor",
        s.clock.now(),
    )
    .await
    {
        Ok(out) => {
            notify::visit_news(&s, out.visit, VisitNews::Cancelled).await;
            see_other(&format!("/visits?notice=cancelled&refund={}", out.refund.0))
        }
        Err(_) => see_other("/visits"),
    }
}

// ---------------------------------------------------------------- booking

#[derive(Template, WebTemplate)]
#[template(path = "book.html")]
pub struct BookPage {
    pub page: PageMeta,
    pub title: String,
    pub error: Option<String>,
    pub funds_link: Option<String>,
    pub resident: i64,
    pub kinds: Vec<(&'static str, String)>,
    pub kind: &'static str,
    pub lengths: Vec<(u32, String)>,
    pub length: u32,
    pub show_days: bool,
    pub days: Vec<(String, String)>,
    pub day: String,
    pub times_title: String,
    pub times: Vec<(i64, String)>,
    pub price_text: String,
    pub key: String,
}

#[derive(Debug, Deserialize, Default)]
pub struct BookQuery {
    #[serde(default)]
    pub resident: i64,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub length: u32,
    #[serde(default)]
    pub day: String,
}

/// Builds the booking page for the choices so far; `error` explains a refused booking.
async fn book_page(
    s: &AppState,
    lang: Lang,
    uri: &Uri,
    headers: &HeaderMap,
    a: &Account,
    q: &BookQuery,
    error: Option<(String, Option<String>)>,
) -> Result<Option<BookPage>, StoreError> {
    let page = PageMeta::signed(lang, uri, headers, Some(a));
    let t = page.t;
    let mut conn = s.db.pool.acquire().await?;
    let resident = match get_resident(&mut conn, ResidentId(q.resident)).await {
        Ok(r) => r,
        Err(StoreError::NotFound(_)) => return Ok(None),
        Err(e) => return Err(e),
    };
    if !is_approved(&mut conn, a.id, resident.id).await? {
        return Ok(None);
    }
    let f: Facility = get_facility(&mut conn, resident.facility).await?;
    let settings = &f.settings;
    let mut kinds = Vec::new();
    if settings.offers_remote {
        kinds.push(("remote", t.t("visits-kind-remote")));
    }
    if settings.offers_on_site {
        kinds.push(("on_site", t.t("visits-kind-on_site")));
    }
    let kind_value: &'static str = kinds
        .iter()
        .map(|k| k.0)
        .find(|k| *k == q.kind)
        .or_else(|| kinds.first().map(|k| k.0))
        .unwrap_or("remote");
    let kind = VisitKind::parse(kind_value).unwrap_or(VisitKind::Remote);
    let lengths: Vec<(u32, String)> = settings
        .allowed_lengths
        .iter()
        .map(|m| {
            (
                *m,
                t.ta(
                    "book-length-option",
                    &[
                        ("minutes", (*m).into()),
                        (
                            "price",
                            quote(&settings.pricing(), kind, *m)
                                .amount
                                .to_string()
                                .into(),
                        ),
                    ],
                ),
            )
        })
        .collect();
    let length = if settings.allowed_lengths.contains(&q.length) {
        q.length
    } else {
        settings.allowed_lengths.first().copied().unwrap_or(30)
    };
    let show_days = q.length != 0;
    let theirs = zone(&f.time_zone);
    let mine = zone(&a.time_zone);
    let now = s.clock.now();
    let (mut days, mut times) = (Vec::new(), Vec::new());
    let mut times_title = String::new();
    if show_days {
        let today = theirs.to_datetime(now).date();
        let last = today
            .checked_add(jiff::Span::new().days(13))
            .unwrap_or(today);
        let start = openvisit_core::hours::local_instant(&theirs, today, jiff::civil::Time::MIN)
            .unwrap_or(now);
        let end = add_minutes(start, 16 * 24 * 60);
        let data = load_schedule(
            &mut conn,
            f.id,
            resident.unit,
            resident.id,
            a.id,
            start,
            end,
        )
        .await?;
        let slots: Vec<Slot> = data.schedule().slots(kind, length, today, last, now);
        let mut by_day: Vec<(Date, usize)> = Vec::new();
        for slot in &slots {
            let d = theirs.to_datetime(slot.start).date();
            match by_day.last_mut() {
                Some((day, n)) if *day == d => *n += 1,
                _ => by_day.push((d, 1)),
            }
        }
        for (d, n) in &by_day {
            let label = format!(
                "{} {}",
                t.t(&format!("weekday-{}", d.weekday().to_monday_one_offset())),
                d.strftime("%Y-%m-%d")
            );
            days.push((
                d.to_string(),
                t.ta(
                    "book-day-option",
                    &[("day", label.into()), ("count", (*n).into())],
                ),
            ));
        }
        if let Ok(chosen) = q.day.parse::<Date>() {
            times_title = t.ta("book-times", &[("day", chosen.to_string().into())]);
            for slot in slots
                .iter()
                .filter(|sl| theirs.to_datetime(sl.start).date() == chosen)
            {
                let label = t.ta(
                    "book-time-option",
                    &[
                        (
                            "facility_time",
                            theirs
                                .to_datetime(slot.start)
                                .time()
                                .strftime("%H:%M")
                                .to_string()
                                .into(),
                        ),
                        ("your_time", local_label(&t, slot.start, &mine).into()),
                    ],
                );
                times.push((slot.start.as_second(), label));
            }
        }
    }
    let price = quote(&settings.pricing(), kind, length).amount;
    let balance = visitor_balance(&mut conn, a.id).await?;
    let price_text = if price.0 == 0 {
        t.t("book-price-free")
    } else {
        t.ta(
            "book-price",
            &[
                ("price", price.to_string().into()),
                ("balance", balance.to_string().into()),
            ],
        )
    };
    let (error, funds_link) = match error {
        Some((e, link)) => (Some(e), link),
        None => (None, None),
    };
    Ok(Some(BookPage {
        title: t.ta("book-title", &[("name", resident.full_name.into())]),
        page,
        error,
        funds_link,
        resident: resident.id.0,
        kinds,
        kind: kind_value,
        lengths,
        length,
        show_days,
        days,
        day: q.day.clone(),
        times_title,
        times,
        price_text,
        key: new_key(),
    }))
}

pub async fn book(
    State(s): State<AppState>,
    lang: Lang,
    uri: Uri,
    headers: HeaderMap,
    MaybeAccount(a): MaybeAccount,
) -> Response {
    let a = match visitor(a) {
        Ok(a) => a,
        Err(to) => return see_other(to),
    };
    let q = Query::<BookQuery>::try_from_uri(&uri)
        .map(|Query(q)| q)
        .unwrap_or_default();
    match book_page(&s, lang, &uri, &headers, &a, &q, None).await {
        Ok(Some(p)) => p.into_response(),
        Ok(None) => see_other("/people"),
        Err(e) => failure(&e),
    }
}

#[derive(Debug, Deserialize)]
pub struct BookForm {
    #[serde(default)]
    pub csrf: String,
    pub resident: i64,
    pub kind: String,
    pub length: u32,
    pub start: i64,
    #[serde(default)]
    pub key: String,
}

pub async fn book_post(
    State(s): State<AppState>,
    lang: Lang,
    uri: Uri,
    headers: HeaderMap,
    MaybeAccount(a): MaybeAccount,
    Form(f): Form<BookForm>,
) -> Response {
    let a = match visitor(a) {
        Ok(a) => a,
        Err(to) => return see_other(to),
    };
    if !csrf::check(&headers, &f.csrf) {
        return (
            StatusCode::FORBIDDEN,
            PageMeta::new(lang, &uri).t.t("form-expired"),
        )
            .into_response();
    }
    let (Some(kind), Ok(start)) = (VisitKind::parse(&f.kind), Timestamp::from_second(f.start))
    else {
        return see_other(&format!("/book?resident={}", f.resident));
    };
    let req = BookingRequest {
        visitor: a.id,
        resident: ResidentId(f.resident),
        kind,
        start,
        length_minutes: f.length,
    };
    let key = (!f.key.is_empty() && f.key.len() <= 64).then_some(f.key.as_str());
    let t = Tr { lang };
    // The facility-local day of the chosen time, to come back to it.
    let theirs_day = match s.db.pool.acquire().await {
        Ok(mut conn) => match get_resident(&mut conn, req.resident).await {
            Ok(r) => match get_facility(&mut conn, r.facility).await {
                Ok(fac) => zone(&fac.time_zone).to_datetime(start).date().to_string(),
                Err(_) => String::new(),
            },
            Err(_) => String::new(),
        },
        Err(_) => String::new(),
    };
    let error = match book_visit(&s.db, &req, key, s.clock.now()).await {
        Ok(openvisit_store::booking::Booked::New(v)) => {
            notify::visit_news(&s, v.id, VisitNews::Booked).await;
            return see_other("/visits?notice=booked");
        }
        Ok(openvisit_store::booking::Booked::Replayed(_)) => {
            return see_other("/visits?notice=booked");
        }
        Err(StoreError::InsufficientFunds { needed, available }) => {
            let back = format!(
                "/book?resident={}&kind={}&length={}&day={theirs_day}",
                f.resident, f.kind, f.length
            );
            let link = format!("/funds?back={}", urlencode(&back));
            (
                t.ta(
                    "book-add-funds",
                    &[
                        ("balance", available.to_string().into()),
                        ("price", needed.to_string().into()),
                    ],
                ),
                Some(link),
            )
        }
        Err(StoreError::Rule(_)) => (t.t("book-taken"), None),
        Err(e @ (StoreError::Forbidden | StoreError::NotFound(_) | StoreError::Invalid(_))) => {
            tracing::info!(error = %e, "booking refused");
            return see_other("/people");
        }
        Err(e) => return failure(&e),
    };
    let q = BookQuery {
        resident: f.resident,
        kind: f.kind.clone(),
        length: f.length,
        day: theirs_day,
    };
    match book_page(&s, lang, &uri, &headers, &a, &q, Some(error)).await {
        Ok(Some(p)) => (StatusCode::CONFLICT, p).into_response(),
        Ok(None) => see_other("/people"),
        Err(e) => failure(&e),
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

// ---------------------------------------------------------------- funds

#[derive(Template, WebTemplate)]
#[template(path = "funds.html")]
pub struct FundsPage {
    pub page: PageMeta,
    pub notice: Option<String>,
    pub error: Option<String>,
    pub back: Option<String>,
    pub back_value: String,
    pub balance: String,
    pub key: String,
    pub amounts: Vec<(i64, String)>,
    pub history: Vec<(i64, String, String, String)>,
}

#[derive(Debug, Deserialize, Default)]
pub struct FundsQuery {
    #[serde(default)]
    pub back: String,
    #[serde(default)]
    pub added: bool,
}

/// Only a path on this site may be a "back" link.
fn safe_back(back: &str) -> Option<String> {
    (back.starts_with("/book?") && !back.contains("//")).then(|| back.to_owned())
}

/// What the funds page says above the form.
struct FundsMessage<'a> {
    back: &'a str,
    added: bool,
    error: Option<String>,
}

async fn funds_page(
    s: &AppState,
    lang: Lang,
    uri: &Uri,
    headers: &HeaderMap,
    a: &Account,
    msg: FundsMessage<'_>,
) -> Result<FundsPage, StoreError> {
    let FundsMessage {
        back,
        added: notice,
        error,
    } = msg;
    let page = PageMeta::signed(lang, uri, headers, Some(a));
    let t = page.t;
    let mut conn = s.db.pool.acquire().await?;
    let balance = visitor_balance(&mut conn, a.id).await?;
    let mine = zone(&a.time_zone);
    let history = visitor_history(&mut conn, a.id)
        .await?
        .into_iter()
        .map(|l| {
            (
                l.entry_id,
                local_label(&t, l.at, &mine),
                l.memo,
                l.amount.to_string(),
            )
        })
        .collect();
    Ok(FundsPage {
        notice: notice.then(|| t.ta("funds-added", &[("balance", balance.to_string().into())])),
        error,
        back: safe_back(back),
        back_value: safe_back(back).unwrap_or_default(),
        balance: t.ta("funds-balance", &[("balance", balance.to_string().into())]),
        key: new_key(),
        amounts: [1000, 2000, 5000]
            .iter()
            .map(|c| (*c, Cents(*c).to_string()))
            .collect(),
        history,
        page,
    })
}

pub async fn funds(
    State(s): State<AppState>,
    lang: Lang,
    uri: Uri,
    headers: HeaderMap,
    MaybeAccount(a): MaybeAccount,
) -> Response {
    let a = match visitor(a) {
        Ok(a) => a,
        Err(to) => return see_other(to),
    };
    let q = Query::<FundsQuery>::try_from_uri(&uri)
        .map(|Query(q)| q)
        .unwrap_or_default();
    match funds_page(
        &s,
        lang,
        &uri,
        &headers,
        &a,
        FundsMessage {
            back: &q.back,
            added: q.added,
            error: None,
        },
    )
    .await
    {
        Ok(p) => p.into_response(),
        Err(e) => failure(&e),
    }
}

#[derive(Debug, Deserialize)]
pub struct FundsForm {
    #[serde(default)]
    pub csrf: String,
    pub amount_cents: i64,
    #[serde(default)]
    pub card: String,
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub back: String,
}

pub async fn funds_post(
    State(s): State<AppState>,
    lang: Lang,
    uri: Uri,
    headers: HeaderMap,
    MaybeAccount(a): MaybeAccount,
    Form(f): Form<FundsForm>,
) -> Response {
    let a = match visitor(a) {
        Ok(a) => a,
        Err(to) => return see_other(to),
    };
    if !csrf::check(&headers, &f.csrf) {
        return (
            StatusCode::FORBIDDEN,
            PageMeta::new(lang, &uri).t.t("form-expired"),
        )
            .into_response();
    }
    // The demo's test provider declines the card number "decline".
    let token = if f.card.trim() == "decline" {
        "decline"
    } else {
        "ok"
    };
    let key = (!f.key.is_empty() && f.key.len() <= 64).then_some(f.key.as_str());
    match deposit(
        &s.db,
        s.payments.as_ref(),
        a.id,
        Cents(f.amount_cents),
        token,
        key,
        s.clock.now(),
    )
    .await
    {
        Ok(_) => {
            let back = safe_back(&f.back)
                .map(|b| format!("&back={}", urlencode(&b)))
                .unwrap_or_default();
            see_other(&format!("/funds?added=true{back}"))
        }
        Err(StoreError::Invalid(m) | StoreError::Conflict(m)) => {
            match funds_page(
                &s,
                lang,
                &uri,
                &headers,
                &a,
                FundsMessage {
                    back: &f.back,
                    added: false,
                    error: Some(m),
                },
            )
            .await
            {
                Ok(p) => (StatusCode::UNPROCESSABLE_ENTITY, p).into_response(),
                Err(e) => failure(&e),
            }
        }
        Err(e) => failure(&e),
    }
}

// ---------------------------------------------------------------- join and receipts

/// Where the Join button leads. The video page comes with live video; until then this
/// says so plainly instead of showing a room that does not work.
pub async fn join(
    State(s): State<AppState>,
    lang: Lang,
    uri: Uri,
    headers: HeaderMap,
    MaybeAccount(a): MaybeAccount,
    Path(id): Path<i64>,
) -> Response {
    let a = match visitor(a) {
        Ok(a) => a,
        Err(to) => return see_other(to),
    };
    let visit = match s.db.pool.acquire().await {
        Ok(mut conn) => get_visit(&mut conn, VisitId(id)).await.ok(),
        Err(_) => None,
    };
    let Some(visit) = visit.filter(|v| v.visitor == a.id) else {
        return see_other("/visits");
    };
    let page = PageMeta::signed(lang, &uri, &headers, Some(&a));
    let now = s.clock.now();
    let text = if now < add_minutes(visit.start, -JOIN_EARLY_MINUTES) {
        "join-not-yet"
    } else {
        "join-unavailable"
    };
    crate::pages::account::MessagePage {
        title: page.t.t("join-title"),
        text: page.t.t(text),
        link: Some(("/visits".into(), page.t.t("nav-visits"))),
        page,
    }
    .into_response()
}

#[derive(Template, WebTemplate)]
#[template(path = "receipt.html")]
pub struct ReceiptPage {
    pub page: PageMeta,
    pub title: String,
    pub date: String,
    pub what: String,
    pub amount: String,
    pub memo: String,
    pub visit: Option<String>,
}

/// A receipt for one money movement on the visitor's balance.
pub async fn receipt(
    State(s): State<AppState>,
    lang: Lang,
    uri: Uri,
    headers: HeaderMap,
    MaybeAccount(a): MaybeAccount,
    Path(entry): Path<i64>,
) -> Response {
    let a = match visitor(a) {
        Ok(a) => a,
        Err(to) => return see_other(to),
    };
    let page = PageMeta::signed(lang, &uri, &headers, Some(&a));
    let t = page.t;
    let built = async {
        let mut conn = s.db.pool.acquire().await?;
        // Only the visitor's own entries exist for them.
        let Some(line) = visitor_history(&mut conn, a.id)
            .await?
            .into_iter()
            .find(|l| l.entry_id == entry)
        else {
            return Ok(None);
        };
        let mine = zone(&a.time_zone);
        let visit = match line.visit {
            Some(v) => {
                let v = get_visit(&mut conn, v).await?;
                let r = get_resident(&mut conn, v.resident).await?;
                let f = get_facility(&mut conn, v.facility).await?;
                Some(format!(
                    "{} · {} · {}",
                    r.full_name,
                    f.name,
                    local_label(&t, v.start, &zone(&f.time_zone))
                ))
            }
            None => None,
        };
        Ok::<_, StoreError>(Some(ReceiptPage {
            title: t.ta("receipt-title", &[("number", format!("R-{entry}").into())]),
            date: local_label(&t, line.at, &mine),
            what: t.t(&format!("entry-{}", line.kind.as_str())),
            amount: line.amount.to_string(),
            memo: line.memo,
            visit,
            page,
        }))
    }
    .await;
    match built {
        Ok(Some(p)) => p.into_response(),
        Ok(None) => see_other("/funds"),
        Err(e) => failure(&e),
    }
}
