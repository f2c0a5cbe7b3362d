//! Register, sign in, sign out, who am I.

use axum::Json;
use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use jiff::tz::TimeZone;
use openvisit_store::accounts::{
    Account, NewAccount, Role, check_password, create_account, create_session, end_session,
};
use serde::Deserialize;

use crate::auth::{SESSION_COOKIE, SignedIn};
use crate::error::ErrorBody;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RegisterForm {
    pub email: String,
    pub password: String,
    pub display_name: String,
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default)]
    pub time_zone: Option<String>,
}

/// Checks a registration; only valid values go further (parse, don't validate).
fn parse_registration(f: RegisterForm) -> Result<NewAccount, ApiError> {
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
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_email",
            "enter a valid email address, like name@example.com",
        ));
    }
    if f.password.chars().count() < 10 || f.password.len() > 200 {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "weak_password",
            "choose a password of at least 10 characters",
        ));
    }
    let name = f.display_name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_name",
            "enter your name (up to 100 characters)",
        ));
    }
    let language = match f.language.as_deref() {
        None | Some("en") => "en",
        Some("es") => "es",
        Some(_) => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_language",
                "the language must be en or es",
            ));
        }
    };
    let time_zone = f.time_zone.unwrap_or_else(|| "America/Chicago".into());
    if TimeZone::get(&time_zone).is_err() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_time_zone",
            "unknown time zone; use a name like America/New_York",
        ));
    }
    Ok(NewAccount {
        email,
        password: f.password,
        display_name: name.to_owned(),
        role: Role::Visitor,
        facility: None,
        language: language.into(),
        time_zone,
    })
}

#[utoipa::path(
    post,
    path = "/auth/register",
    tag = "account",
    request_body = RegisterForm,
    responses((status = 415, description = "The body must be JSON (Content-Type: application/json)", body = ErrorBody), (status = 201, description = "Account created and signed in", body = Account), (status = 400, description = "Malformed request", body = ErrorBody), (status = 409, description = "Taken or limit reached", body = ErrorBody), (status = 422, description = "Invalid input", body = ErrorBody))
)]
pub async fn register(
    State(s): State<AppState>,
    ApiJson(form): ApiJson<RegisterForm>,
) -> ApiResult<Response> {
    let new = parse_registration(form)?;
    let now = s.clock.now();
    let id = create_account(&s.db, &new, now).await?;
    let mut conn =
        s.db.pool
            .acquire()
            .await
            .map_err(openvisit_store::StoreError::from)?;
    let account = openvisit_store::accounts::get_account(&mut conn, id).await?;
    signed_in_response(&s, account, StatusCode::CREATED).await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LoginForm {
    pub email: String,
    pub password: String,
}

#[utoipa::path(
    post,
    path = "/auth/login",
    tag = "account",
    request_body = LoginForm,
    responses((status = 415, description = "The body must be JSON (Content-Type: application/json)", body = ErrorBody), (status = 422, description = "Invalid input", body = ErrorBody), (status = 200, description = "Signed in; the session cookie is set", body = Account), (status = 400, description = "Malformed request", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody))
)]
pub async fn login(
    State(s): State<AppState>,
    ApiJson(form): ApiJson<LoginForm>,
) -> ApiResult<Response> {
    let mut conn =
        s.db.pool
            .acquire()
            .await
            .map_err(openvisit_store::StoreError::from)?;
    let account = check_password(&mut conn, &form.email, &form.password)
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "wrong_credentials",
                "the email or password is not right",
            )
        })?;
    drop(conn);
    signed_in_response(&s, account, StatusCode::OK).await
}

async fn signed_in_response(
    s: &AppState,
    account: Account,
    status: StatusCode,
) -> ApiResult<Response> {
    let hours = if account.role.is_staff() { 12 } else { 24 * 14 };
    let expires = openvisit_core::interval::add_minutes(s.clock.now(), hours * 60);
    let token = create_session(&s.db, account.id, expires).await?;
    let secure = if s.secure_cookies { "; Secure" } else { "" };
    let cookie = format!(
        "{SESSION_COOKIE}={token}; HttpOnly; SameSite=Lax; Path=/; Max-Age={}{secure}",
        hours * 3600
    );
    let mut headers = HeaderMap::new();
    headers.insert(
        SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(|_| ApiError::bad_request("cookie"))?,
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
    let token = headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v.to_owned());
    if let Some(t) = token {
        end_session(&s.db, &t).await?;
    }
    let mut h = HeaderMap::new();
    h.insert(
        SET_COOKIE,
        HeaderValue::from_static("ov_session=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0"),
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
