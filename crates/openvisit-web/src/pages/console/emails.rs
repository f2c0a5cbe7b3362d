//! The visit emails that could not be delivered (the email outbox's failures): still
//! being tried, or given up after the last attempt. Staff call or write to the family
//! another way; the same list is `GET /api/v1/staff/undelivered-emails`.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use openvisit_store::email_outbox::{MAX_ATTEMPTS, VisitNews, undelivered};

use super::{Nav, StaffView, failure, local_time};
use crate::pages::PageMeta;
use crate::pages::visitor::zone;
use crate::state::AppState;

pub struct EmailLine {
    pub queued: String,
    pub visit_id: i64,
    pub visitor_email: String,
    pub news: String,
    pub given_up: bool,
    pub attempts: String,
    pub last_error: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "console_emails.html")]
pub struct EmailsPage {
    pub page: PageMeta,
    pub nav: Nav,
    pub lines: Vec<EmailLine>,
}

pub async fn page(State(s): State<AppState>, v: StaffView) -> Response {
    let v = v.at("emails");
    let read = async {
        let mut conn = s.db.conn().await?;
        let facility = openvisit_store::facilities::get_facility(&mut conn, v.facility).await?;
        let rows = undelivered(&mut conn, v.facility).await?;
        Ok::<_, openvisit_store::StoreError>((zone(&facility.time_zone), rows))
    };
    let (tz, rows) = match read.await {
        Ok(x) => x,
        Err(e) => return failure(&e),
    };
    let t = &v.page.t;
    let lines = rows
        .into_iter()
        .map(|r| EmailLine {
            queued: local_time(r.queued_at, &tz),
            visit_id: r.visit_id,
            visitor_email: r.visitor_email,
            news: t.t(match r.news {
                VisitNews::Booked => "console-email-news-booked",
                VisitNews::Changed => "console-email-news-changed",
                VisitNews::Cancelled => "console-email-news-cancelled",
                VisitNews::Reminder => "console-email-news-reminder",
            }),
            given_up: r.state == "dead",
            attempts: t.t_with(
                "console-email-attempts",
                &[
                    ("count", r.attempts.to_string().into()),
                    ("most", MAX_ATTEMPTS.to_string().into()),
                ],
            ),
            last_error: r.last_error.unwrap_or_default(),
        })
        .collect();
    EmailsPage {
        lines,
        page: v.page,
        nav: v.nav,
    }
    .into_response()
}
