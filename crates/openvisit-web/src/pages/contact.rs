//! The contact form (R7): a question becomes a ticket with a reference, emailed to the
//! sender in their language.

use std::net::SocketAddr;
use std::time::Duration;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use openvisit_core::FacilityId;
use openvisit_store::facilities::list_facilities;
use openvisit_store::support_tickets::{NewSupportTicket, open_ticket};
use serde::Deserialize;

use crate::auth::MaybeAccount;
use crate::csrf::CsrfForm;
use crate::i18n::Lang;
use crate::mail::Email;
use crate::pages::PageMeta;
use crate::pages::account::MessagePage;
use crate::state::AppState;

/// Support-ticket confirmations one address receives per hour.
const CONFIRMATIONS_PER_RECIPIENT: u32 = 3;

#[derive(Template, WebTemplate)]
#[template(path = "contact.html")]
pub struct ContactPage {
    pub page: PageMeta,
    pub error: Option<String>,
    pub name: String,
    pub email: String,
    pub message: String,
    pub facilities: Vec<(i64, String)>,
}

async fn facilities(s: &AppState) -> Vec<(i64, String)> {
    match s.db.conn().await {
        Ok(mut conn) => list_facilities(&mut conn, None)
            .await
            .map(|f| f.into_iter().map(|f| (f.id.0, f.name)).collect())
            .unwrap_or_default(),
        Err(_) => Vec::new(),
    }
}

pub async fn form(
    State(s): State<AppState>,
    lang: Lang,
    uri: Uri,
    headers: HeaderMap,
    MaybeAccount(a): MaybeAccount,
) -> ContactPage {
    ContactPage {
        page: PageMeta::signed(lang, &uri, &headers, a.as_ref()),
        error: None,
        name: a
            .as_ref()
            .map(|a| a.display_name.clone())
            .unwrap_or_default(),
        email: a.as_ref().map(|a| a.email.clone()).unwrap_or_default(),
        message: String::new(),
        facilities: facilities(&s).await,
    }
}

#[derive(Debug, Deserialize)]
pub struct ContactFields {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub facility: i64,
    #[serde(default)]
    pub message: String,
}

pub async fn send(
    State(s): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    lang: Lang,
    uri: Uri,
    headers: HeaderMap,
    MaybeAccount(a): MaybeAccount,
    CsrfForm(f): CsrfForm<ContactFields>,
) -> Response {
    let page = PageMeta::signed(lang, &uri, &headers, a.as_ref());
    let name = f.name.trim().to_owned();
    // A signed-in sender is answered at their account's address: the question is theirs.
    let email = match &a {
        Some(a) if !a.role.is_staff() => a.email.clone(),
        _ => f.email.trim().to_lowercase(),
    };
    let message = f.message.trim().to_owned();
    let code = if !s
        .limiter
        .allow(peer.ip(), "contact", 5, Duration::from_secs(600))
    {
        Some("too_many_attempts")
    } else if name.is_empty() || name.chars().count() > 100 {
        Some("invalid_name")
    } else if !email
        .split_once('@')
        .is_some_and(|(u, d)| !u.is_empty() && d.contains('.'))
        || email.len() > 254
    {
        Some("invalid_email")
    } else if message.is_empty() || message.chars().count() > 4000 {
        Some("invalid_message")
    } else {
        None
    };
    if let Some(code) = code {
        let error = Some(page.t.t(&format!("error-{code}")));
        let status = if code == "too_many_attempts" {
            StatusCode::TOO_MANY_REQUESTS
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        return (
            status,
            ContactPage {
                page,
                error,
                name,
                email,
                message,
                facilities: facilities(&s).await,
            },
        )
            .into_response();
    }
    let ticket = NewSupportTicket {
        facility: (f.facility > 0).then_some(FacilityId(f.facility)),
        // Linked only to the account signed in now, never to the address typed.
        account: a.as_ref().filter(|a| !a.role.is_staff()).map(|a| a.id),
        name: name.clone(),
        email: email.clone(),
        language: lang.code().into(),
        message: message.clone(),
    };
    let reference = match open_ticket(&s.db, &ticket, s.clock.now()).await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "cannot store a ticket");
            let error = Some(page.t.t("error-generic"));
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                ContactPage {
                    page,
                    error,
                    name,
                    email,
                    message,
                    facilities: facilities(&s).await,
                },
            )
                .into_response();
        }
    };
    let t = page.t;
    let confirmation = Email {
        message_id: None,
        to: email,
        subject: t.t_with(
            "email-ticket-subject",
            &[("reference", reference.clone().into())],
        ),
        text: t.t_with(
            "email-ticket-body",
            &[
                ("name", name.into()),
                ("reference", reference.clone().into()),
                ("message", message.into()),
            ],
        ),
        attachments: Vec::new(),
    };
    // The question is kept whatever happens; the confirmation goes to one address a
    // few times an hour at most, so the form cannot flood a stranger's mailbox.
    if !s.limiter.allow_mail_to(
        &confirmation.to,
        "contact-mail",
        CONFIRMATIONS_PER_RECIPIENT,
        Duration::from_secs(3600),
    ) {
        tracing::warn!(reference = %reference, "ticket confirmation not sent: too many to this address");
    } else if let Err(e) = s.mailer.send(confirmation).await {
        tracing::error!(error = %e, "cannot send a ticket confirmation");
    }
    MessagePage {
        title: t.t("contact-sent-title"),
        text: t.t_with("contact-sent", &[("reference", reference.into())]),
        link: None,
        page,
    }
    .into_response()
}

crate::csrf_form!(ContactFields);
