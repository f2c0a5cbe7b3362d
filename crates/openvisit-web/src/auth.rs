//! Sessions: an HttpOnly, SameSite cookie holding a random token; the extractors
//! below check who is asking before any handler runs.

use axum::extract::FromRequestParts;
use axum::http::header::COOKIE;
use axum::http::request::Parts;
use openvisit_core::{AccountId, FacilityId};
use openvisit_store::accounts::{Account, Role, session_account};

use crate::error::ApiError;
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "ov_session";

/// The session token from the request's cookies.
pub fn session_token(parts: &Parts) -> Option<String> {
    session_token_from(&parts.headers)
}

/// The session token from a request's headers.
pub fn session_token_from(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v.to_owned())
}

/// Any signed-in account.
pub struct SignedIn(pub Account);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = session_token(parts).ok_or_else(ApiError::unauthorized)?;
        let mut conn = state
            .db
            .pool
            .acquire()
            .await
            .map_err(openvisit_store::StoreError::from)?;
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

/// The signed-in account, if any: for pages that show either way.
pub struct MaybeAccount(pub Option<Account>);

impl FromRequestParts<AppState> for MaybeAccount {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(MaybeAccount(
            SignedIn::from_request_parts(parts, state)
                .await
                .ok()
                .map(|s| s.0),
        ))
    }
}
