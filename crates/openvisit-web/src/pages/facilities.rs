//! The public directory and a facility's page (R1, R2): which visits are booked here,
//! the price in plain words, visiting hours, and where on-site visits are arranged.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use openvisit_core::Cents;
use openvisit_core::facility::{PricingMode, VisitKind};
use openvisit_core::pricing::quote;
use openvisit_store::StoreError;
use openvisit_store::facilities::{Facility, facility_by_slug, list_facilities};
use openvisit_store::places::{hours, list_units};
use serde::Deserialize;

use crate::auth::MaybeAccount;
use crate::i18n::{Lang, Tr};
use crate::pages::PageMeta;
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub struct Search {
    #[serde(default)]
    pub q: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "facilities.html")]
pub struct DirectoryPage {
    pub page: PageMeta,
    pub query: String,
    pub summary: String,
    pub facilities: Vec<Facility>,
}

#[derive(Template, WebTemplate)]
#[template(path = "not_found.html")]
pub struct NotFoundPage {
    pub page: PageMeta,
    pub message: String,
}

fn server_error(lang: Lang, uri: &Uri, e: &StoreError) -> Response {
    tracing::error!(error = %e, "page failed");
    let page = PageMeta::new(lang, uri);
    let message = page.t.t("facility-not-found");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        NotFoundPage { page, message },
    )
        .into_response()
}

pub async fn directory(
    State(s): State<AppState>,
    lang: Lang,
    uri: Uri,
    headers: HeaderMap,
    MaybeAccount(a): MaybeAccount,
) -> Response {
    // A malformed query string is treated as no search, not an error page.
    let query = Query::<Search>::try_from_uri(&uri)
        .map(|Query(s)| s.q)
        .unwrap_or_default();
    let query = query.trim().chars().take(100).collect::<String>();
    let found = match s.db.conn().await {
        Ok(mut conn) => list_facilities(&mut conn, Some(&query)).await,
        Err(e) => Err(e),
    };
    let facilities = match found {
        Ok(f) => f,
        Err(e) => return server_error(lang, &uri, &e),
    };
    let page = PageMeta::signed(lang, &uri, &headers, a.as_ref());
    let summary = if facilities.is_empty() && !query.is_empty() {
        page.t
            .t_with("facilities-none", &[("query", query.clone().into())])
    } else {
        page.t
            .t_with("facilities-count", &[("count", facilities.len().into())])
    };
    DirectoryPage {
        page,
        query,
        summary,
        facilities,
    }
    .into_response()
}

pub struct UnitHours {
    pub name: String,
    pub hours: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "facility.html")]
pub struct FacilityPage {
    pub page: PageMeta,
    pub name: String,
    pub city: String,
    pub state: String,
    pub address: String,
    pub phone: String,
    pub email: String,
    pub offers_remote: bool,
    pub offers_on_site: bool,
    pub on_site_note: String,
    pub price_text: String,
    pub lengths: Vec<String>,
    pub cancel_text: String,
    pub hours_note: String,
    pub units: Vec<UnitHours>,
}

/// The remote price in plain words (R2, R3).
/// Words a facility wrote in English and Spanish, in the reader's language; when it
/// wrote only the other, that one, said to be in the other language.
pub fn facility_words(t: &Tr, english: &str, spanish: &str) -> String {
    let (mine, other) = match t.lang {
        Lang::Es => (spanish.trim(), english.trim()),
        Lang::En => (english.trim(), spanish.trim()),
    };
    match (mine.is_empty(), other.is_empty()) {
        (false, _) => mine.to_owned(),
        (true, false) => t.t_with(
            "facility-words-other-language",
            &[("words", other.to_owned().into())],
        ),
        (true, true) => String::new(),
    }
}

pub fn price_text(t: &Tr, f: &Facility) -> String {
    let s = &f.settings;
    let fee = Cents(s.fee_cents).to_string();
    match s.pricing_mode {
        PricingMode::Free => t.t("facility-price-free"),
        _ if s.fee_cents == 0 => t.t("facility-price-free"),
        PricingMode::Block => t.t_with(
            "facility-price-block",
            &[
                ("fee", fee.into()),
                ("increment", s.increment_minutes.into()),
            ],
        ),
        PricingMode::PerMinute => t.t_with(
            "facility-price-per-minute",
            &[
                ("fee", fee.into()),
                ("increment", s.increment_minutes.into()),
            ],
        ),
    }
}

pub async fn facility(
    State(s): State<AppState>,
    lang: Lang,
    uri: Uri,
    headers: HeaderMap,
    MaybeAccount(a): MaybeAccount,
    Path(slug): Path<String>,
) -> Response {
    let mut conn = match s.db.conn().await {
        Ok(c) => c,
        Err(e) => return server_error(lang, &uri, &e),
    };
    let f = match facility_by_slug(&mut conn, &slug).await {
        Ok(f) => f,
        Err(StoreError::NotFound(_)) => {
            let page = PageMeta::new(lang, &uri);
            let message = page.t.t("facility-not-found");
            return (StatusCode::NOT_FOUND, NotFoundPage { page, message }).into_response();
        }
        Err(e) => return server_error(lang, &uri, &e),
    };
    let page = PageMeta::signed(lang, &uri, &headers, a.as_ref());
    let t = page.t;
    let mut units = Vec::new();
    let unit_list = match list_units(&mut conn, f.id).await {
        Ok(u) => u,
        Err(e) => return server_error(lang, &uri, &e),
    };
    for u in unit_list {
        let h = match hours(&mut conn, f.id, Some(u.id)).await {
            Ok(h) => h,
            Err(e) => return server_error(lang, &uri, &e),
        };
        let mut windows = h.windows.clone();
        windows.sort_by_key(|w| (w.weekday.to_monday_one_offset(), w.open));
        // One line a day: "Monday 08:00–11:30, 13:00–20:00".
        let mut days: Vec<(i8, Vec<String>)> = Vec::new();
        for w in &windows {
            let day = w.weekday.to_monday_one_offset();
            let close = if w.close == jiff::civil::Time::MAX {
                "24:00".to_owned()
            } else {
                w.close.strftime("%H:%M").to_string()
            };
            let span = format!("{}–{close}", w.open.strftime("%H:%M"));
            match days.last_mut() {
                Some((d, spans)) if *d == day => spans.push(span),
                _ => days.push((day, vec![span])),
            }
        }
        units.push(UnitHours {
            name: u.name,
            hours: days
                .into_iter()
                .map(|(day, spans)| {
                    format!("{}: {}", t.t(&format!("weekday-{day}")), spans.join(", "))
                })
                .collect(),
        });
    }
    let s_ = &f.settings;
    let lengths = s_
        .allowed_lengths
        .iter()
        .map(|m| {
            let price = quote(&s_.pricing(), VisitKind::Remote, *m)
                .amount
                .to_string();
            t.t_with(
                "facility-length-price",
                &[("minutes", (*m).into()), ("price", price.into())],
            )
        })
        .collect();
    FacilityPage {
        price_text: price_text(&t, &f),
        // Whole hours read as hours; a cutoff such as 30 or 90 minutes, in minutes.
        cancel_text: match s_.cancel_notice_minutes {
            m if m % 60 == 0 => t.t_with("facility-cancel", &[("hours", (m / 60).into())]),
            m => t.t_with("facility-cancel-minutes", &[("minutes", m.into())]),
        },
        hours_note: t.t_with(
            "facility-hours-note",
            &[("zone", f.time_zone.clone().into())],
        ),
        offers_remote: s_.offers_remote,
        offers_on_site: s_.offers_on_site,
        on_site_note: facility_words(&t, &s_.on_site_note, &s_.on_site_note_es),
        lengths,
        units,
        page,
        name: f.name,
        city: f.city,
        state: f.state,
        address: f.address,
        phone: f.phone,
        email: f.email,
    }
    .into_response()
}
