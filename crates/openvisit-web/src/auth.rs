//! Sessions: an HttpOnly, SameSite cookie holding a random token; the extractors
//! below check who is asking before any handler runs.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use openvisit_core::{AccountId, FacilityId};
use openvisit_store::accounts::{Account, Role, session_account};

use crate::error::ApiError;
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "ov_session";
/// The session cookie's name over HTTPS: the `__Host-` prefix makes the browser refuse
/// it unless it is `Secure`, for this host alone and `Path=/`, so a sibling subdomain
/// cannot plant or overwrite it.
pub const SECURE_SESSION_COOKIE: &str = "__Host-ov_session";

fn session_cookie_name(state: &AppState) -> &'static str {
    if state.secure_cookies {
        SECURE_SESSION_COOKIE
    } else {
        SESSION_COOKIE
    }
}

/// The session token from the request's cookies.
pub fn session_token(parts: &Parts, state: &AppState) -> Option<String> {
    session_token_from(&parts.headers, state)
}

/// The session token from a request's headers (over HTTPS, only the `__Host-` cookie).
pub fn session_token_from(headers: &axum::http::HeaderMap, state: &AppState) -> Option<String> {
    cookie_value(headers, session_cookie_name(state))
}

/// The `Set-Cookie` value that holds a session `token` for `max_age_seconds`; an empty
/// token and 0 seconds remove it.
pub fn session_cookie(state: &AppState, token: &str, max_age_seconds: i64) -> String {
    let name = session_cookie_name(state);
    let secure = if state.secure_cookies { "; Secure" } else { "" };
    format!("{name}={token}; HttpOnly; SameSite=Lax; Path=/; Max-Age={max_age_seconds}{secure}")
}

/// One cookie's value: the one place a request's cookies are read (`axum-extra`'s jar).
pub fn cookie_value(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    axum_extra::extract::CookieJar::from_headers(headers)
        .get(name)
        .map(|c| c.value().to_owned())
}

/// Any signed-in account.
pub struct SignedIn(pub Account);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = session_token(parts, state).ok_or_else(ApiError::unauthorized)?;
        let mut conn = state.db.conn().await?;
        let account = session_account(&mut conn, &token, state.clock.now())
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        Ok(SignedIn(account))
    }
}

/// A signed-in visitor.
pub struct Visitor(pub Account);

impl Visitor {
    pub fn id(&self) -> AccountId {
        self.0.id
    }
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let SignedIn(a) = SignedIn::from_request_parts(parts, state).await?;
        if a.role != Role::Visitor {
            return Err(ApiError::forbidden());
        }
        Ok(Visitor(a))
    }
}

/// A signed-in staff member, with the one facility they work for.
pub struct Staff {
    pub account: Account,
    pub facility: FacilityId,
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let SignedIn(a) = SignedIn::from_request_parts(parts, state).await?;
        match (a.role.is_staff(), a.facility) {
            (true, Some(facility)) => Ok(Staff {
                account: a,
                facility,
            }),
            _ => Err(ApiError::forbidden()),
        }
    }
}

/// Staff who may change facility settings.
pub struct FacilityAdmin(pub Staff);

impl FromRequestParts<AppState> for FacilityAdmin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let staff = Staff::from_request_parts(parts, state).await?;
        if staff.account.role != Role::FacilityAdmin {
            return Err(ApiError::forbidden());
        }
        Ok(FacilityAdmin(staff))
    }
}

/// The cookie a kiosk browser carries (set by `/kiosk/setup`).
pub const KIOSK_COOKIE: &str = "ov_kiosk";
/// Its name over HTTPS: host-only and `Secure`, so a sibling subdomain cannot plant one.
const SECURE_KIOSK_COOKIE: &str = "__Host-ov_kiosk";

/// The kiosk cookie's name for this server (only that name is read).
pub fn kiosk_cookie_name(state: &AppState) -> &'static str {
    if state.secure_cookies {
        SECURE_KIOSK_COOKIE
    } else {
        KIOSK_COOKIE
    }
}

/// A kiosk device, authenticated by its key (`Authorization: Bearer <key>` or the kiosk
/// cookie). A kiosk is a device, not a person.
pub struct Kiosk(pub openvisit_store::kiosks::KioskDevice);

impl FromRequestParts<AppState> for Kiosk {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let bearer = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::to_owned);
        let key = bearer.or_else(|| cookie_value(&parts.headers, kiosk_cookie_name(state)));
        let Some(key) = key else {
            return Err(ApiError::unauthorized());
        };
        match openvisit_store::kiosks::kiosk_by_key(&state.db, &key).await? {
            Some(k) => Ok(Kiosk(k)),
            None => Err(ApiError::unauthorized()),
        }
    }
}

/// The signed-in account, if any: for pages that show either way.
pub struct MaybeAccount(pub Option<Account>);

impl FromRequestParts<AppState> for MaybeAccount {
    type Rejection = axum::response::Response;

    /// No session is "signed out"; a session that could not be read (the database
    /// failed) is a failure page, never a signed-in family shown as signed out.
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match SignedIn::from_request_parts(parts, state).await {
            Ok(s) => Ok(MaybeAccount(Some(s.0))),
            Err(e) if e.status == axum::http::StatusCode::UNAUTHORIZED => Ok(MaybeAccount(None)),
            Err(e) => {
                tracing::error!(error = %e.message, "reading the session");
                Err(crate::pages::failure_page())
            }
        }
    }
}
