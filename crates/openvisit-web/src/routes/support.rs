//! The support inbox (R7): a ticket with its sender's visits at this facility and their
//! ledger, answering it (the sender gets the answer by email, in their language),
//! closing it, and goodwill credits. Support agents also see general questions.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use openvisit_core::{AccountId, Cents};
use openvisit_store::accounts::Role;
use openvisit_store::ledger::{LedgerLine, visitor_history};
use openvisit_store::support::{self, Reply};
use openvisit_store::support_tickets::SupportTicket;
use openvisit_store::visits::{Visit, visits_of_visitor};
use serde::{Deserialize, Serialize};

use crate::auth::Staff;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath};
use crate::i18n::{Lang, Tr};
use crate::mail::Email;
use crate::state::AppState;

fn general(staff: &Staff) -> bool {
    staff.account.role == Role::Support
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TicketDetail {
    pub ticket: SupportTicket,
    pub replies: Vec<Reply>,
    /// The sender's account, when the email belongs to a visitor.
    pub visitor: Option<AccountId>,
    /// Their visits at this facility.
    pub visits: Vec<Visit>,
    /// Their money: the ledger lines of their visits here, and those tied to no visit
    /// (deposits, credits), which explain the balance (one across facilities).
    pub ledger: Vec<LedgerLine>,
}

#[utoipa::path(
    get,
    path = "/staff/tickets/{reference}",
    tag = "support",
    params(("reference" = String, Path, description = "Support ticket reference, e.g. OV-ABC234")),
    responses((status = 200, body = TicketDetail), (status = 400, description = "Malformed request", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Not allowed", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody)),
    security(("session" = []))
)]
/// One question with what support needs to answer it.
pub async fn ticket(
    State(s): State<AppState>,
    staff: Staff,
    ApiPath(reference): ApiPath<String>,
) -> ApiResult<Json<TicketDetail>> {
    Ok(Json(
        ticket_detail(&s, staff.facility, general(&staff), &reference).await?,
    ))
}

/// A ticket this facility's staff may read (support agents also see general ones),
/// with its replies and the sender's visits here and ledger.
pub async fn ticket_detail(
    s: &AppState,
    facility: openvisit_core::FacilityId,
    general: bool,
    reference: &str,
) -> ApiResult<TicketDetail> {
    let mut conn = s.db.conn().await?;
    let ticket = support::visible_ticket(&mut conn, facility, general, reference).await?;
    let replies = support::replies(&mut conn, &ticket.reference).await?;
    // Only a signed-in sender's own account: an address typed into the form proves
    // nothing (security finding 11).
    let account = match ticket.account {
        Some(id) => Some(openvisit_store::accounts::get_account(&mut conn, id).await?)
            .filter(|a| !a.role.is_staff()),
        None => None,
    };
    let (visits, ledger) = match &account {
        Some(a) => {
            let visits: Vec<Visit> = visits_of_visitor(&mut conn, a.id)
                .await?
                .into_iter()
                .filter(|v| v.facility == facility)
                .collect();
            // Another facility's visits are not this facility's business; money with no
            // visit (deposits, credits) explains the balance and stays.
            let ledger = visitor_history(&mut conn, a.id)
                .await?
                .into_iter()
                .filter(|l| l.visit.is_none_or(|v| visits.iter().any(|x| x.id == v)))
                .collect();
            (visits, ledger)
        }
        None => (Vec::new(), Vec::new()),
    };
    Ok(TicketDetail {
        ticket,
        replies,
        visitor: account.map(|a| a.id),
        visits,
        ledger,
    })
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ReplyForm {
    #[schema(min_length = 1, max_length = 5000)]
    pub body: String,
}

#[utoipa::path(
    post,
    path = "/staff/tickets/{reference}/reply",
    tag = "support",
    params(("reference" = String, Path, description = "Support ticket reference")),
    request_body = ReplyForm,
    responses((status = 415, description = "The body must be JSON (Content-Type: application/json)", body = ErrorBody), (status = 200, body = SupportTicket), (status = 400, description = "Malformed request", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Not allowed", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 422, description = "Invalid input", body = ErrorBody)),
    security(("session" = []))
)]
/// Answers a question; the sender gets the answer by email. Audited.
pub async fn reply(
    State(s): State<AppState>,
    staff: Staff,
    ApiPath(reference): ApiPath<String>,
    ApiJson(f): ApiJson<ReplyForm>,
) -> ApiResult<Json<SupportTicket>> {
    let ticket = support::reply_to_ticket(
        &s.db,
        staff.account.id,
        staff.facility,
        general(&staff),
        &reference,
        &f.body,
        s.clock.now(),
    )
    .await?;
    let t = Tr {
        lang: Lang::parse(&ticket.language).unwrap_or(Lang::En),
    };
    let email = Email {
        message_id: None,
        to: ticket.email.clone(),
        subject: t.t_with(
            "email-reply-subject",
            &[("reference", ticket.reference.clone().into())],
        ),
        text: t.t_with(
            "email-reply-body",
            &[
                ("name", ticket.name.clone().into()),
                ("reference", ticket.reference.clone().into()),
                ("message", f.body.trim().to_owned().into()),
            ],
        ),
        attachments: Vec::new(),
    };
    if let Err(e) = s.mailer.send(email).await {
        tracing::error!(error = %e, "cannot send a ticket answer");
    }
    Ok(Json(ticket))
}

#[utoipa::path(
    post,
    path = "/staff/tickets/{reference}/close",
    tag = "support",
    params(("reference" = String, Path, description = "Support ticket reference")),
    responses((status = 200, body = SupportTicket), (status = 400, description = "Malformed request", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Not allowed", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody)),
    security(("session" = []))
)]
/// Closes a question. Audited.
pub async fn close(
    State(s): State<AppState>,
    staff: Staff,
    ApiPath(reference): ApiPath<String>,
) -> ApiResult<Json<SupportTicket>> {
    Ok(Json(
        support::close_ticket(
            &s.db,
            staff.account.id,
            staff.facility,
            general(&staff),
            &reference,
            s.clock.now(),
        )
        .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CreditForm {
    pub visitor_id: i64,
    /// At most $100.00 at a time, within the giver's daily cap.
    #[schema(minimum = 1, maximum = 10000)]
    pub amount_cents: i64,
    /// Why; the visitor reads it in their history.
    #[schema(min_length = 1, max_length = 300)]
    pub memo: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreditView {
    pub entry_id: i64,
    pub amount: Cents,
}

#[utoipa::path(
    post,
    path = "/staff/credits",
    tag = "support",
    request_body = CreditForm,
    responses((status = 415, description = "The body must be JSON (Content-Type: application/json)", body = ErrorBody), (status = 201, body = CreditView), (status = 400, description = "Malformed request", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Not allowed", body = ErrorBody), (status = 404, description = "No such visitor for this facility", body = ErrorBody), (status = 422, description = "Invalid input", body = ErrorBody)),
    security(("session" = []))
)]
/// A goodwill credit to a visitor of this facility: a ledger entry, audited.
pub async fn credit(
    State(s): State<AppState>,
    staff: Staff,
    ApiJson(f): ApiJson<CreditForm>,
) -> ApiResult<(StatusCode, Json<CreditView>)> {
    let amount = Cents(f.amount_cents);
    let entry_id = support::goodwill_credit(
        &s.db,
        staff.account.id,
        staff.facility,
        AccountId(f.visitor_id),
        amount,
        &f.memo,
        s.clock.now(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(CreditView { entry_id, amount })))
}
