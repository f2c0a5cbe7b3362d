//! The support inbox (R7): contact-form questions with their status; one question with
//! the sender's visits here and their ledger, a reply (emailed to the sender), closing,
//! and goodwill credits.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use openvisit_store::accounts::Role;
use openvisit_store::support_tickets::{SupportTicket, tickets_for};

use super::{Nav, StaffView, dollars, facility_zone, failure, local_time};
use crate::pages::PageMeta;
use crate::pages::visitor::{status_code, zone};
use crate::routes::support::ticket_detail;
use crate::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "console_inbox.html")]
pub struct InboxPage {
    pub page: PageMeta,
    pub nav: Nav,
    /// (ticket, when received, whether it is general rather than this facility's)
    pub tickets: Vec<(SupportTicket, String, bool)>,
}

pub async fn inbox(State(s): State<AppState>, v: StaffView) -> Response {
    let v = v.at("support");
    let general = v.account.role == Role::Support;
    let read = async {
        let mut conn = s.db.conn().await?;
        let f = openvisit_store::facilities::get_facility(&mut conn, v.facility).await?;
        let t = tickets_for(&mut conn, v.facility, general).await?;
        Ok::<_, openvisit_store::StoreError>((f, t))
    };
    let (facility, tickets) = match read.await {
        Ok(x) => x,
        Err(e) => return failure(&e),
    };
    let tz = zone(&facility.time_zone);
    InboxPage {
        tickets: tickets
            .into_iter()
            .map(|t| {
                let when = local_time(t.created_at, &tz);
                let general = t.facility.is_none();
                (t, when, general)
            })
            .collect(),
        page: v.page,
        nav: v.nav,
    }
    .into_response()
}

pub struct VisitLine {
    pub id: i64,
    pub when: String,
    pub status: &'static str,
    pub price: String,
    pub refund: String,
}

pub struct MoneyLine {
    pub when: String,
    pub kind: String,
    pub amount: String,
    pub memo: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "console_ticket.html")]
pub struct TicketPage {
    pub page: PageMeta,
    pub nav: Nav,
    pub ticket: SupportTicket,
    pub status_key: String,
    pub received: String,
    pub replies: Vec<(String, String)>,
    pub visitor: Option<i64>,
    pub visits: Vec<VisitLine>,
    pub ledger: Vec<MoneyLine>,
}

pub async fn ticket(
    State(s): State<AppState>,
    v: StaffView,
    Path(reference): Path<String>,
) -> Response {
    let v = v.at("support");
    let general = v.account.role == Role::Support;
    let d = match ticket_detail(&s, v.facility, general, &reference).await {
        Ok(d) => d,
        Err(e) if e.status == axum::http::StatusCode::NOT_FOUND => {
            return axum::http::StatusCode::NOT_FOUND.into_response();
        }
        Err(e) => return e.into_response(),
    };
    let tz = match facility_zone(&s, v.facility).await {
        Ok(tz) => tz,
        Err(e) => return super::failure(&e),
    };
    TicketPage {
        received: local_time(d.ticket.created_at, &tz),
        replies: d
            .replies
            .iter()
            .map(|r| (local_time(r.created_at, &tz), r.body.clone()))
            .collect(),
        visitor: d.visitor.map(|a| a.0),
        visits: d
            .visits
            .iter()
            .map(|x| VisitLine {
                id: x.id.0,
                when: local_time(x.start, &tz),
                status: status_code(x.status),
                price: dollars(x.price),
                refund: dollars(x.refund),
            })
            .collect(),
        ledger: d
            .ledger
            .iter()
            .map(|l| MoneyLine {
                when: local_time(l.at, &tz),
                kind: crate::pages::ledger_text::what(&v.page.t, l),
                amount: dollars(l.amount),
                memo: [
                    crate::pages::ledger_text::visit(&v.page.t, l),
                    crate::pages::ledger_text::note(&v.page.t, l),
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" · "),
            })
            .collect(),
        status_key: format!("console-ticket-{}", d.ticket.status),
        ticket: d.ticket,
        page: v.page,
        nav: v.nav,
    }
    .into_response()
}
