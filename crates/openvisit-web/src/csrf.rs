//! Protection against cross-site form posts: a random token in a cookie that every
//! form repeats in a hidden field (double submit). A site that cannot read our cookie
//! cannot forge the field. The session cookie is SameSite=Lax as well.

use axum::Form;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

pub const CSRF_COOKIE: &str = "ov_csrf";
/// The cookie's name over HTTPS (host-only, `Secure`; see `pages::ensure_csrf_cookie`).
pub const SECURE_CSRF_COOKIE: &str = "__Host-ov_csrf";

fn cookie(headers: &HeaderMap) -> Option<String> {
    crate::auth::cookie_value(headers, CSRF_COOKIE)
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The token for a form, and the cookie to set if the browser has none yet.
pub fn token_for(headers: &HeaderMap) -> (String, Option<String>) {
    if let Some(t) = cookie(headers) {
        return (t, None);
    }
    let mut bytes = [0u8; 32];
    if getrandom::fill(&mut bytes).is_err() {
        // Without randomness no form can be protected; an empty token never matches.
        return (String::new(), None);
    }
    let token = hex::encode(bytes);
    let set = format!("{CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax");
    (token, Some(set))
}

/// Whether a posted form carries the token of this browser's cookie.
pub fn check(headers: &HeaderMap, submitted: &str) -> bool {
    match cookie(headers) {
        // Compare every byte, so timing does not tell how much matched.
        Some(expected) if expected.len() == submitted.len() => {
            expected
                .bytes()
                .zip(submitted.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
        }
        _ => false,
    }
}

/// A form that repeats the browser's token in its `csrf` field.
pub trait HasToken {
    fn csrf(&self) -> &str;
}

/// Implements [`HasToken`] for form structs with a `csrf: String` field.
#[macro_export]
macro_rules! csrf_form {
    ($($form:ty),+ $(,)?) => {
        $(impl $crate::csrf::HasToken for $form {
            fn csrf(&self) -> &str {
                &self.csrf
            }
        })+
    };
}

/// The one way a page reads a posted form: the fields, accepted only with this
/// browser's token, else a 403 page saying the form expired, in the reader's language.
/// No page handler takes `axum::Form` itself (a unit test holds them to it), so none
/// can forget the check.
pub struct CsrfForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + HasToken> FromRequest<S> for CsrfForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        let headers = req.headers().clone();
        let uri = req.uri().clone();
        let Form(form) = Form::<T>::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        if !check(&headers, form.csrf()) {
            let page = crate::pages::PageMeta::new(crate::i18n::current_lang(), &uri);
            return Err((
                StatusCode::FORBIDDEN,
                crate::pages::account::message(
                    page,
                    "form-expired",
                    "form-expired",
                    Some((uri.path(), "form-expired-again")),
                ),
            )
                .into_response());
        }
        Ok(CsrfForm(form))
    }
}

#[cfg(test)]
mod tests {
    /// Every page handler reads a posted form through `CsrfForm`, none through
    /// `axum::Form`, which would skip the token check.
    #[test]
    fn no_page_reads_a_form_without_its_token() {
        fn scan(dir: &std::path::Path, found: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).expect("dir").flatten() {
                let p = entry.path();
                if p.is_dir() {
                    scan(&p, found);
                } else if p.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&p).expect("file");
                    for (i, line) in text.lines().enumerate() {
                        let plain = line.contains("Form<") && !line.contains("CsrfForm<");
                        if plain || line.contains("axum::Form") {
                            found.push(format!("{}:{}: {line}", p.display(), i + 1));
                        }
                    }
                }
            }
        }
        let pages = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/pages");
        let mut found = Vec::new();
        scan(&pages, &mut found);
        assert!(
            found.is_empty(),
            "forms read without their token: {found:#?}"
        );
    }
}
