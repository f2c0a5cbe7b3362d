//! Registration, email confirmation, sign-in and the account page, in both languages.
//! Every form carries a CSRF token; errors are shown in the visitor's language.

use std::net::SocketAddr;
use std::time::Duration;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use openvisit_store::accounts::{
    Account, SignIn, TokenPurpose, create_session, end_session, set_preferences, verify_email,
};
use serde::Deserialize;

use crate::auth::MaybeAccount;
use crate::csrf;
use crate::csrf::CsrfForm;
use crate::i18n::Lang;
use crate::pages::PageMeta;
use crate::routes::account::{RegisterForm, parse_registration, register_account};
use crate::state::AppState;
use crate::verification::send_link;
use secrecy::{ExposeSecret, SecretString};

/// Time zones offered to visitors, with their message keys.
pub const ZONES: &[(&str, &str)] = &[
    ("America/New_York", "tz-eastern"),
    ("America/Chicago", "tz-central"),
    ("America/Denver", "tz-mountain"),
    ("America/Phoenix", "tz-arizona"),
    ("America/Los_Angeles", "tz-pacific"),
    ("America/Anchorage", "tz-alaska"),
    ("Pacific/Honolulu", "tz-hawaii"),
];

/// Error codes the pages translate (`error-<code>` messages).
pub const ERROR_CODES: &[&str] = &[
    "invalid_email",
    "weak_password",
    "invalid_name",
    "invalid_language",
    "invalid_time_zone",
    "wrong_credentials",
    "code_required",
    "locked",
    "too_many_attempts",
    "invalid_message",
    "generic",
];

fn error_text(meta: &PageMeta, code: &str) -> String {
    let code = if ERROR_CODES.contains(&code) {
        code
    } else {
        "generic"
    };
    meta.t.t(&format!("error-{code}"))
}

/// Adds `Set-Cookie` headers to a response.
fn with_cookies(mut response: Response, cookies: impl IntoIterator<Item = String>) -> Response {
    for c in cookies {
        if let Ok(v) = HeaderValue::from_str(&c) {
            response.headers_mut().append(SET_COOKIE, v);
        }
    }
    response
}

fn redirect(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, to.to_owned())]).into_response()
}

#[derive(Template, WebTemplate)]
#[template(path = "message.html")]
pub struct MessagePage {
    pub page: PageMeta,
    pub title: String,
    pub text: String,
    pub link: Option<(String, String)>,
}

pub(crate) fn message(
    page: PageMeta,
    title: &str,
    text: &str,
    link: Option<(&str, &str)>,
) -> MessagePage {
    MessagePage {
        title: page.t.t(title),
        text: page.t.t(text),
        link: link.map(|(href, label)| (href.to_owned(), page.t.t(label))),
        page,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "register.html")]
pub struct RegisterPage {
    pub page: PageMeta,
    pub csrf: String,
    pub error: Option<String>,
    pub display_name: String,
    pub email: String,
    pub time_zone: String,
    pub zones: &'static [(&'static str, &'static str)],
}

pub async fn register_form(
    lang: Lang,
    uri: Uri,
    headers: HeaderMap,
    MaybeAccount(a): MaybeAccount,
) -> Response {
    let (token, cookie) = csrf::token_for(&headers);
    let page = PageMeta::for_account(lang, &uri, a.as_ref(), &token);
    let body = RegisterPage {
        page,
        csrf: token,
        error: None,
        display_name: String::new(),
        email: String::new(),
        time_zone: "America/Chicago".into(),
        zones: ZONES,
    };
    with_cookies(body.into_response(), cookie)
}

/// A form without a password field reads as an empty one.
pub fn no_password() -> SecretString {
    SecretString::from("")
}

#[derive(Debug, Deserialize)]
pub struct RegisterFields {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default = "no_password")]
    pub password: SecretString,
    #[serde(default)]
    pub language: String,
    #[serde(default)]
    pub time_zone: String,
}

pub async fn register(
    State(s): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    lang: Lang,
    uri: Uri,
    headers: HeaderMap,
    CsrfForm(f): CsrfForm<RegisterFields>,
) -> Response {
    let (token, _) = csrf::token_for(&headers);
    let page = PageMeta::new(lang, &uri);
    let refuse = |page: PageMeta, code: &str, f: &RegisterFields| {
        let error = Some(error_text(&page, code));
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            RegisterPage {
                page,
                csrf: token.clone(),
                error,
                display_name: f.display_name.clone(),
                email: f.email.clone(),
                time_zone: f.time_zone.clone(),
                zones: ZONES,
            },
        )
            .into_response()
    };
    if !s.limiter.allow(
        peer.ip(),
        "register",
        s.attempts_per_minute,
        Duration::from_secs(60),
    ) {
        return refuse(page, "too_many_attempts", &f);
    }
    let parsed = parse_registration(RegisterForm {
        email: f.email.clone(),
        password: f.password.clone(),
        display_name: f.display_name.clone(),
        language: Some(f.language.clone()),
        time_zone: Some(f.time_zone.clone()),
    });
    let new = match parsed {
        Ok(n) => n,
        Err(e) => return refuse(page, e.error, &f),
    };
    if let Err(e) = register_account(&s, &new).await {
        return refuse(page, e.error, &f);
    }
    message(
        page,
        "register-sent-title",
        "register-sent",
        Some(("/sign-in", "nav-sign-in")),
    )
    .into_response()
}

#[derive(Debug, Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    pub token: String,
}

pub async fn verify(State(s): State<AppState>, lang: Lang, uri: Uri) -> Response {
    let token = Query::<TokenQuery>::try_from_uri(&uri)
        .map(|Query(q)| q.token)
        .unwrap_or_default();
    let page = PageMeta::new(lang, &uri);
    match verify_email(&s.db, token.trim(), s.clock.now()).await {
        Ok(Some(_)) => message(
            page,
            "verify-ok-title",
            "verify-ok",
            Some(("/sign-in", "nav-sign-in")),
        )
        .into_response(),
        Ok(None) => (
            StatusCode::GONE,
            message(
                page,
                "verify-bad-title",
                "verify-bad",
                Some(("/sign-in", "nav-sign-in")),
            ),
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "verification failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                message(page, "error-generic", "error-generic", None),
            )
                .into_response()
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "sign_in.html")]
pub struct SignInPage {
    pub page: PageMeta,
    pub csrf: String,
    pub error: Option<String>,
    pub email: String,
}

pub async fn sign_in_form(lang: Lang, uri: Uri, headers: HeaderMap) -> Response {
    let (token, cookie) = csrf::token_for(&headers);
    let body = SignInPage {
        page: PageMeta::new(lang, &uri),
        csrf: token,
        error: None,
        email: String::new(),
    };
    with_cookies(body.into_response(), cookie)
}

#[derive(Debug, Deserialize)]
pub struct SignInFields {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub email: String,
    #[serde(default = "no_password")]
    pub password: SecretString,
    /// Staff only: the code from their authenticator app.
    #[serde(default)]
    pub code: String,
}

pub async fn sign_in(
    State(s): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    lang: Lang,
    uri: Uri,
    headers: HeaderMap,
    CsrfForm(f): CsrfForm<SignInFields>,
) -> Response {
    let (token, _) = csrf::token_for(&headers);
    let page = PageMeta::new(lang, &uri);
    let refuse = |page: PageMeta, code: &str, status: StatusCode| {
        let error = Some(error_text(&page, code));
        (
            status,
            SignInPage {
                page,
                csrf: token.clone(),
                error,
                email: f.email.clone(),
            },
        )
            .into_response()
    };
    if !s.limiter.allow(
        peer.ip(),
        "sign-in",
        s.attempts_per_minute,
        Duration::from_secs(60),
    ) {
        return refuse(page, "too_many_attempts", StatusCode::TOO_MANY_REQUESTS);
    }
    let signed = openvisit_store::accounts::check_sign_in(
        &s.db,
        &f.email,
        f.password.expose_secret(),
        Some(f.code.as_str()),
        s.clock.now(),
    )
    .await;
    let account = match signed {
        Ok(SignIn::Ok(a)) => a,
        Ok(SignIn::Refused) => return refuse(page, "wrong_credentials", StatusCode::UNAUTHORIZED),
        Ok(SignIn::Locked { .. }) => return refuse(page, "locked", StatusCode::LOCKED),
        Ok(SignIn::CodeRequired) => {
            return refuse(page, "code_required", StatusCode::UNAUTHORIZED);
        }
        Err(e) => {
            tracing::error!(error = %e, "sign-in failed");
            return refuse(page, "generic", StatusCode::INTERNAL_SERVER_ERROR);
        }
    };
    let hours = if account.role.is_staff() { 12 } else { 24 * 14 };
    let expires = openvisit_core::interval::add_minutes(s.clock.now(), hours * 60);
    let session = match create_session(&s.db, account.id, expires, s.clock.now()).await {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(error = %e, "cannot open a session");
            return refuse(page, "generic", StatusCode::INTERNAL_SERVER_ERROR);
        }
    };
    // A language chosen on the site before signing in is kept and remembered for the
    // account; otherwise the account's language becomes the site's.
    let mut account = account;
    let chose = crate::i18n::has_lang_cookie(&headers);
    if chose && lang.code() != account.language {
        if let Err(e) = set_preferences(&s.db, account.id, lang.code(), &account.time_zone).await {
            tracing::error!(error = %e, "cannot save the language");
        }
        account.language = lang.code().to_owned();
    }
    // Staff land on the live visits of their facility; visitors on their account.
    let home = if account.role.is_staff() {
        "/staff/live"
    } else {
        "/account"
    };
    with_cookies(
        redirect(home),
        [
            crate::auth::session_cookie(&s, &session, hours * 3600),
            crate::i18n::lang_cookie(&account.language, s.secure_cookies),
        ],
    )
}

#[derive(Debug, Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    pub csrf: String,
}

pub async fn sign_out(
    State(s): State<AppState>,
    headers: HeaderMap,
    CsrfForm(_): CsrfForm<CsrfOnly>,
) -> Response {
    if let Some(token) = crate::auth::session_token_from(&headers, &s) {
        let _ = end_session(&s.db, &token).await;
    }
    let mut res = with_cookies(redirect("/"), [crate::auth::session_cookie(&s, "", 0)]);
    // A shared computer keeps nothing of the signed-in pages.
    res.headers_mut().insert(
        "clear-site-data",
        axum::http::HeaderValue::from_static(CLEAR_ON_SIGN_OUT),
    );
    res
}

/// What a browser drops when its person signs out.
pub const CLEAR_ON_SIGN_OUT: &str = "\"cache\", \"storage\"";

#[derive(Template, WebTemplate)]
#[template(path = "account.html")]
pub struct AccountPage {
    pub page: PageMeta,
    pub notice: Option<String>,
    pub name: String,
    pub email: String,
    pub verified: bool,
    pub language: String,
    pub time_zone: String,
    pub zones: &'static [(&'static str, &'static str)],
}

fn account_page(
    lang: Lang,
    uri: &Uri,
    a: &Account,
    csrf: &str,
    notice: Option<String>,
) -> AccountPage {
    AccountPage {
        page: PageMeta::for_account(lang, uri, Some(a), csrf),
        notice,
        name: a.display_name.clone(),
        email: a.email.clone(),
        verified: a.email_verified,
        language: a.language.clone(),
        time_zone: a.time_zone.clone(),
        zones: ZONES,
    }
}

pub async fn account(
    lang: Lang,
    uri: Uri,
    headers: HeaderMap,
    MaybeAccount(a): MaybeAccount,
) -> Response {
    let Some(a) = a else {
        return redirect("/sign-in");
    };
    let (token, cookie) = csrf::token_for(&headers);
    with_cookies(
        account_page(lang, &uri, &a, &token, None).into_response(),
        cookie,
    )
}

#[derive(Debug, Deserialize)]
pub struct AccountFields {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub language: String,
    #[serde(default)]
    pub time_zone: String,
}

pub async fn account_post(
    State(s): State<AppState>,
    lang: Lang,
    uri: Uri,
    headers: HeaderMap,
    MaybeAccount(a): MaybeAccount,
    CsrfForm(f): CsrfForm<AccountFields>,
) -> Response {
    let Some(mut a) = a else {
        return redirect("/sign-in");
    };
    let (token, _) = csrf::token_for(&headers);
    if f.action == "resend" {
        send_link(&s, &a, TokenPurpose::VerifyEmail).await;
        let page = account_page(lang, &uri, &a, &token, None);
        let notice = Some(page.page.t.t("account-resent"));
        return AccountPage { notice, ..page }.into_response();
    }
    let Some(new_lang) = Lang::parse(&f.language) else {
        return redirect("/account");
    };
    if !ZONES.iter().any(|(z, _)| *z == f.time_zone) {
        return redirect("/account");
    }
    if let Err(e) = set_preferences(&s.db, a.id, new_lang.code(), &f.time_zone).await {
        tracing::error!(error = %e, "cannot save preferences");
        return redirect("/account");
    }
    a.language = new_lang.code().to_owned();
    a.time_zone = f.time_zone.clone();
    let page = account_page(new_lang, &uri, &a, &token, None);
    let notice = Some(page.page.t.t("account-language-saved"));
    with_cookies(
        AccountPage { notice, ..page }.into_response(),
        [crate::i18n::lang_cookie(new_lang.code(), s.secure_cookies)],
    )
}

crate::csrf_form!(RegisterFields, SignInFields, CsrfOnly, AccountFields);
