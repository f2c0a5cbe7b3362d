//! JSON and query extractors whose rejections use the API's error format.

use axum::Json;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use openvisit_core::message::Message;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// `Json<T>` with errors as `ApiError`.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(rej) => {
                let code = match rej.status().as_u16() {
                    415 => "json_required",
                    422 => "invalid_body",
                    _ => "bad_request",
                };
                Err(ApiError::new(
                    rej.status(),
                    code,
                    Message::new("error-bad-body").with("detail", rej.body_text()),
                ))
            }
        }
    }
}

/// `Query<T>` with errors as `ApiError`.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(v)) => Ok(ApiQuery(v)),
            Err(rej) => Err(ApiError::new(
                rej.status(),
                "bad_request",
                Message::new("error-bad-request").with("detail", rej.body_text()),
            )),
        }
    }
}

/// `Path<T>` with errors as `ApiError` (a number too large for an id, say).
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(v)) => Ok(ApiPath(v)),
            Err(rej) => Err(ApiError::new(
                rej.status(),
                "bad_request",
                Message::new("error-bad-request").with("detail", rej.body_text()),
            )),
        }
    }
}

/// Whether `key` is an idempotency key: 1 to 200 visible ASCII characters. The API's
/// `Idempotency-Key` header and the pages' hidden `key` field both go by it.
pub fn is_idempotency_key(key: &str) -> bool {
    !key.is_empty() && key.len() <= 200 && key.bytes().all(|b| b.is_ascii_graphic())
}

/// The request's `Idempotency-Key` header, if it sent one (see [`is_idempotency_key`]).
pub fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(v) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = v
        .to_str()
        .map_err(|_| ApiError::bad_request("error-idempotency-key-text"))?;
    if !is_idempotency_key(key) {
        return Err(ApiError::bad_request("error-idempotency-key-length"));
    }
    Ok(Some(key.to_owned()))
}

/// A password people may choose: 10 to 200 characters (bytes, at most 200).
pub fn acceptable_password(password: &secrecy::SecretString) -> bool {
    let p = secrecy::ExposeSecret::expose_secret(password);
    p.chars().count() >= 10 && p.len() <= 200
}
