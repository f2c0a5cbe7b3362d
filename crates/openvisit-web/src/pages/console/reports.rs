//! Reports: visits per day and unit, no-shows by side, revenue, refunds and credits,
//! with the same figures as CSV.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use openvisit_store::reports::ReportRow;
use serde::Deserialize;

use super::{Nav, StaffView, dollars, facility_zone, today};
use crate::pages::PageMeta;
use crate::routes::reports::{ReportQuery, report_rows};
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub struct RangeForm {
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
}

/// A report line with money as text.
pub struct Line {
    pub row: ReportRow,
    pub revenue: String,
    pub refunds: String,
    pub credits: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "console_reports.html")]
pub struct ReportsPage {
    pub page: PageMeta,
    pub nav: Nav,
    pub from: String,
    pub to: String,
    pub lines: Vec<Line>,
    pub totals: Line,
    pub error: Option<String>,
}

pub async fn page(State(s): State<AppState>, v: StaffView, Query(q): Query<RangeForm>) -> Response {
    let v = v.at("reports");
    let tz = match facility_zone(&s, v.facility).await {
        Ok(tz) => tz,
        Err(e) => return super::failure(&e),
    };
    let to_default = today(s.clock.now(), &tz);
    let from_default = to_default
        .checked_sub(jiff::Span::new().days(6))
        .unwrap_or(to_default);
    let parse = |t: &Option<String>, d: Date| {
        t.as_deref()
            .filter(|t| !t.is_empty())
            .map_or(Some(d), |t| t.parse::<Date>().ok())
    };
    let mut error = None;
    let mut rows = Vec::new();
    let (from, to) = (parse(&q.from, from_default), parse(&q.to, to_default));
    match (from, to) {
        (Some(from), Some(to)) => {
            match report_rows(&s, v.facility, &ReportQuery { from, to }).await {
                Ok(r) => rows = r,
                Err(e) => {
                    error = Some(v.page.t.t_with(
                        "console-err-generic",
                        &[("message", e.text(v.page.t.lang).into())],
                    ))
                }
            }
        }
        _ => error = Some(v.page.t.t("console-report-bad-dates")),
    }
    let mut total = ReportRow::default();
    for r in &rows {
        total.booked += r.booked;
        total.completed += r.completed;
        total.missed_by_visitor += r.missed_by_visitor;
        total.missed_by_resident += r.missed_by_resident;
        total.missed_by_both += r.missed_by_both;
        total.cancelled += r.cancelled;
        total.ended_by_staff += r.ended_by_staff;
        total.failed += r.failed;
        total.revenue = openvisit_core::Cents(total.revenue.0 + r.revenue.0);
        total.refunds = openvisit_core::Cents(total.refunds.0 + r.refunds.0);
        total.credits = openvisit_core::Cents(total.credits.0 + r.credits.0);
    }
    let line = |row: ReportRow| Line {
        revenue: dollars(row.revenue),
        refunds: dollars(row.refunds),
        credits: dollars(row.credits),
        row,
    };
    ReportsPage {
        from: from.unwrap_or(from_default).to_string(),
        to: to.unwrap_or(to_default).to_string(),
        lines: rows.into_iter().map(line).collect(),
        totals: line(total),
        error,
        page: v.page,
        nav: v.nav,
    }
    .into_response()
}
