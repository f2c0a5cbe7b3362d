//! Register, sign in, sign out, who am I.

use axum::Json;
use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use jiff::tz::TimeZone;
use openvisit_core::message::Message;
use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::ConnectInfo;
use openvisit_store::StoreError;
use openvisit_store::accounts::{
    Account, NewAccount, Role, SignIn, TokenPurpose, check_sign_in, create_account, create_session,
    end_session, get_account, verify_email,
};
use serde::{Deserialize, Serialize};

use secrecy::{ExposeSecret, SecretString};

use crate::auth::SignedIn;
use crate::error::ErrorBody;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::state::AppState;
use crate::verification::send_link;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RegisterForm {
    #[schema(max_length = 254)]
    pub email: String,
    /// 10 to 200 characters.
    #[schema(value_type = String, min_length = 10, max_length = 200)]
    pub password: SecretString,
    #[schema(min_length = 1, max_length = 100)]
    pub display_name: String,
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default)]
    pub time_zone: Option<String>,
}

/// Checks a registration; only valid values go further (parse, don't validate).
pub fn parse_registration(f: RegisterForm) -> Result<NewAccount, ApiError> {
    let email = f.email.trim().to_lowercase();
    let valid_email = email.len() <= 254
        && email.split_once('@').is_some_and(|(user, domain)| {
            !user.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        })
        && !email.contains(char::is_whitespace);
    if !valid_email {
        return Err(ApiError::says(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_email",
            "error-invalid_email",
        ));
    }
    if !crate::extract::acceptable_password(&f.password) {
        return Err(ApiError::says(
            StatusCode::UNPROCESSABLE_ENTITY,
            "weak_password",
            "error-weak_password",
        ));
    }
    let name = f.display_name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::says(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_name",
            "error-invalid_name",
        ));
    }
    let language = match f.language.as_deref() {
        None | Some("en") => "en",
        Some("es") => "es",
        Some(_) => {
            return Err(ApiError::says(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_language",
                "error-invalid_language",
            ));
        }
    };
    let time_zone = f.time_zone.unwrap_or_else(|| "America/Chicago".into());
    if TimeZone::get(&time_zone).is_err() {
        return Err(ApiError::says(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_time_zone",
            "error-invalid_time_zone",
        ));
    }
    Ok(NewAccount {
        email_verified: false,
        email,
        password: f.password,
        display_name: name.to_owned(),
        role: Role::Visitor,
        facility: None,
        language: language.into(),
        time_zone,
    })
}

/// What registration answers, whether or not the address was new, so it never tells
/// who has an account.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Registered {
    pub message: String,
}

fn too_many() -> ApiError {
    ApiError::says(
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_attempts",
        "error-too_many_attempts",
    )
}

#[utoipa::path(
    post,
    path = "/auth/register",
    tag = "account",
    request_body = RegisterForm,
    responses((status = 202, description = "If the address is new, an account was made and a confirmation link emailed", body = Registered), (status = 400, description = "Malformed request", body = ErrorBody), (status = 415, description = "The body must be JSON (Content-Type: application/json)", body = ErrorBody), (status = 422, description = "Invalid input", body = ErrorBody), (status = 429, description = "Too many attempts", body = ErrorBody))
)]
pub async fn register(
    State(s): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiJson(form): ApiJson<RegisterForm>,
) -> ApiResult<(StatusCode, Json<Registered>)> {
    if !s.limiter.allow(
        peer.ip(),
        "register",
        s.attempts_per_minute,
        Duration::from_secs(60),
    ) {
        return Err(too_many());
    }
    let new = parse_registration(form)?;
    register_account(&s, &new).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(Registered {
            message: "check your email for a link to confirm your address".into(),
        }),
    ))
}

/// Creates the account and emails the confirmation link; an address already in use
/// gets no account and no error (the owner can reset their password instead).
pub async fn register_account(s: &AppState, new: &NewAccount) -> ApiResult<()> {
    match create_account(&s.db, new, s.clock.now()).await {
        Ok(id) => {
            let mut conn = s.db.conn().await?;
            let account = get_account(&mut conn, id).await?;
            drop(conn);
            send_link(s, &account, TokenPurpose::VerifyEmail).await;
            Ok(())
        }
        Err(StoreError::Conflict(_)) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct VerifyForm {
    /// The token from the emailed link.
    pub token: String,
}

#[utoipa::path(
    post,
    path = "/auth/verify",
    tag = "account",
    request_body = VerifyForm,
    responses((status = 200, description = "The address is confirmed", body = Account), (status = 400, description = "Malformed request", body = ErrorBody), (status = 410, description = "The link is unknown, used or expired", body = ErrorBody), (status = 415, description = "The body must be JSON (Content-Type: application/json)", body = ErrorBody), (status = 422, description = "Invalid input", body = ErrorBody))
)]
pub async fn verify(
    State(s): State<AppState>,
    ApiJson(f): ApiJson<VerifyForm>,
) -> ApiResult<Json<Account>> {
    verify_email(&s.db, f.token.trim(), s.clock.now())
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::says(StatusCode::GONE, "link_expired", "error-link-expired"))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LoginForm {
    pub email: String,
    #[schema(value_type = String)]
    pub password: SecretString,
    /// Staff only: the 6-digit code from their authenticator app.
    #[serde(default)]
    pub code: Option<String>,
}

#[utoipa::path(
    post,
    path = "/auth/login",
    tag = "account",
    request_body = LoginForm,
    responses((status = 200, description = "Signed in; the session cookie is set", body = Account), (status = 400, description = "Malformed request", body = ErrorBody), (status = 401, description = "Wrong email, password or code, or a staff code is needed", body = ErrorBody), (status = 415, description = "The body must be JSON (Content-Type: application/json)", body = ErrorBody), (status = 422, description = "Invalid input", body = ErrorBody), (status = 423, description = "Locked after repeated wrong passwords", body = ErrorBody), (status = 429, description = "Too many attempts", body = ErrorBody))
)]
pub async fn login(
    State(s): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiJson(form): ApiJson<LoginForm>,
) -> ApiResult<Response> {
    if !s.limiter.allow(
        peer.ip(),
        "sign-in",
        s.attempts_per_minute,
        Duration::from_secs(60),
    ) {
        return Err(too_many());
    }
    let signed = check_sign_in(
        &s.db,
        &form.email,
        form.password.expose_secret(),
        form.code.as_deref(),
        s.clock.now(),
    )
    .await?;
    match signed {
        SignIn::Ok(account) => signed_in_response(&s, account, StatusCode::OK).await,
        SignIn::Refused => Err(ApiError::says(
            StatusCode::UNAUTHORIZED,
            "wrong_credentials",
            "error-wrong_credentials",
        )),
        SignIn::CodeRequired => Err(ApiError::says(
            StatusCode::UNAUTHORIZED,
            "code_required",
            "error-code_required",
        )),
        SignIn::Locked { until } => Err(ApiError::new(
            StatusCode::LOCKED,
            "locked",
            Message::new("error-locked-until").with("until", until.to_string()),
        )),
    }
}

async fn signed_in_response(
    s: &AppState,
    account: Account,
    status: StatusCode,
) -> ApiResult<Response> {
    let hours = if account.role.is_staff() { 12 } else { 24 * 14 };
    let expires = openvisit_core::interval::add_minutes(s.clock.now(), hours * 60);
    let token = create_session(&s.db, account.id, expires, s.clock.now()).await?;
    let cookie = crate::auth::session_cookie(s, &token, hours * 3600);
    let mut headers = HeaderMap::new();
    headers.insert(
        SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(|_| ApiError::bad_request("error-generic"))?,
    );
    Ok((status, headers, Json(account)).into_response())
}

#[utoipa::path(
    post,
    path = "/auth/logout",
    tag = "account",
    responses((status = 204, description = "Signed out"))
)]
pub async fn logout(State(s): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    if let Some(t) = crate::auth::session_token_from(&headers, &s) {
        end_session(&s.db, &t).await?;
    }
    let mut h = HeaderMap::new();
    h.insert(
        SET_COOKIE,
        HeaderValue::from_str(&crate::auth::session_cookie(&s, "", 0))
            .map_err(|_| ApiError::bad_request("error-generic"))?,
    );
    h.insert(
        "clear-site-data",
        HeaderValue::from_static(crate::pages::account::CLEAR_ON_SIGN_OUT),
    );
    Ok((StatusCode::NO_CONTENT, h).into_response())
}

#[utoipa::path(
    get,
    path = "/me",
    tag = "account",
    responses((status = 200, body = Account), (status = 401, description = "Not signed in", body = ErrorBody)),
    security(("session" = []))
)]
pub async fn me(SignedIn(a): SignedIn) -> Json<Account> {
    Json(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_never_shows_in_debug_output() {
        let login: LoginForm =
            serde_json::from_str(r#"{"email":"a@example.org","password":"hunter2-secret"}"#)
                .expect("login form");
        assert_eq!(login.password.expose_secret(), "hunter2-secret");
        let register: RegisterForm = serde_json::from_str(
            r#"{"email":"a@example.org","password":"hunter2-secret","display_name":"A"}"#,
        )
        .expect("register form");
        let new = parse_registration(register).expect("valid");
        for shown in [format!("{login:?}"), format!("{new:?}")] {
            assert!(!shown.contains("hunter2-secret"), "{shown}");
        }
    }
}
