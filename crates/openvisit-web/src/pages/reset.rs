//! Forgotten password: an emailed single-use link (one hour) to choose a new one. The
//! answer is the same whether or not the address has an account.

use std::net::SocketAddr;
use std::time::Duration;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use openvisit_store::accounts::{TokenPurpose, account_by_email, reset_password};
use serde::Deserialize;

use crate::csrf::CsrfForm;
use crate::i18n::Lang;
use crate::pages::PageMeta;
use crate::pages::account::MessagePage;
use crate::state::AppState;
use crate::verification::send_link;

#[derive(Template, WebTemplate)]
#[template(path = "forgot.html")]
pub struct ForgotPage {
    pub page: PageMeta,
}

pub async fn forgot_form(lang: Lang, uri: Uri, headers: HeaderMap) -> ForgotPage {
    ForgotPage {
        page: PageMeta::signed(lang, &uri, &headers, None),
    }
}

#[derive(Debug, Deserialize)]
pub struct ForgotFields {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub email: String,
}

fn note(page: PageMeta, title: &str, text: &str, link: Option<(&str, &str)>) -> MessagePage {
    MessagePage {
        title: page.t.t(title),
        text: page.t.t(text),
        link: link.map(|(href, label)| (href.to_owned(), page.t.t(label))),
        page,
    }
}

pub async fn forgot(
    State(s): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    lang: Lang,
    uri: Uri,
    headers: HeaderMap,
    CsrfForm(f): CsrfForm<ForgotFields>,
) -> Response {
    let page = PageMeta::signed(lang, &uri, &headers, None);
    if !s.limiter.allow(
        peer.ip(),
        "reset",
        s.attempts_per_minute,
        Duration::from_secs(60),
    ) {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            page.t.t("error-too_many_attempts"),
        )
            .into_response();
    }
    // Looked up and sent after the answer, so a known address takes no longer to
    // answer than an unknown one (the timing would tell who has an account).
    let state = s.clone();
    tokio::spawn(async move {
        match account_by_email(&state.db, &f.email).await {
            Ok(Some(account)) => send_link(&state, &account, TokenPurpose::ResetPassword).await,
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "cannot look up an account for a reset"),
        }
    });
    note(page, "forgot-title", "forgot-sent", None).into_response()
}

#[derive(Template, WebTemplate)]
#[template(path = "reset.html")]
pub struct ResetPage {
    pub page: PageMeta,
    pub token: String,
    pub error: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
pub struct TokenQuery {
    #[serde(default)]
    pub token: String,
}

pub async fn reset_form(lang: Lang, uri: Uri, headers: HeaderMap) -> ResetPage {
    let token = Query::<TokenQuery>::try_from_uri(&uri)
        .map(|Query(q)| q.token)
        .unwrap_or_default();
    ResetPage {
        page: PageMeta::signed(lang, &uri, &headers, None),
        token,
        error: None,
    }
}

#[derive(Debug, Deserialize)]
pub struct ResetFields {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub token: String,
    #[serde(default = "crate::pages::account::no_password")]
    pub password: secrecy::SecretString,
}

pub async fn reset(
    State(s): State<AppState>,
    lang: Lang,
    uri: Uri,
    headers: HeaderMap,
    CsrfForm(f): CsrfForm<ResetFields>,
) -> Response {
    let page = PageMeta::signed(lang, &uri, &headers, None);
    if !crate::extract::acceptable_password(&f.password) {
        let error = Some(page.t.t("error-weak_password"));
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            ResetPage {
                page,
                token: f.token,
                error,
            },
        )
            .into_response();
    }
    match reset_password(
        &s.db,
        f.token.trim(),
        secrecy::ExposeSecret::expose_secret(&f.password),
        s.clock.now(),
    )
    .await
    {
        Ok(Some(_)) => note(
            page,
            "reset-done-title",
            "reset-done",
            Some(("/sign-in", "nav-sign-in")),
        )
        .into_response(),
        Ok(None) => (
            StatusCode::GONE,
            note(
                page,
                "verify-bad-title",
                "verify-bad",
                Some(("/forgot-password", "forgot-link")),
            ),
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "password reset failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                note(page, "error-generic", "error-generic", None),
            )
                .into_response()
        }
    }
}

crate::csrf_form!(ForgotFields, ResetFields);
