//! `/dev/outbox`: the emails a server without a mail server kept, shown only to whom may
//! read them. A signed-in person sees the emails sent to their own address; the operator
//! sees all of them with the key `serve` prints at start. Anyone else sees none, so a
//! password-reset or confirmation link never reaches a stranger.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::auth::MaybeAccount;
use crate::i18n::Lang;
use crate::mail::OutboxEmail;
use crate::pages::PageMeta;
use crate::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "outbox.html")]
pub struct OutboxPage {
    pub page: PageMeta,
    /// The message key saying whose emails are listed.
    pub scope: &'static str,
    pub emails: Vec<OutboxEmail>,
}

#[derive(Deserialize)]
pub struct OutboxQuery {
    key: Option<String>,
}

/// The address inside `Name <address>`, or the whole text, lower-cased.
fn address_of(to: &str) -> String {
    let inner = match (to.rfind('<'), to.rfind('>')) {
        (Some(a), Some(b)) if a < b => &to[a + 1..b],
        _ => to,
    };
    inner.trim().to_lowercase()
}

pub async fn outbox(
    State(s): State<AppState>,
    MaybeAccount(account): MaybeAccount,
    Query(q): Query<OutboxQuery>,
    lang: Lang,
    uri: Uri,
) -> Response {
    let page = PageMeta::new(lang, &uri);
    let Some(outbox) = &s.outbox else {
        let message = page.t.t("page-not-found");
        return (
            StatusCode::NOT_FOUND,
            crate::pages::facilities::NotFoundPage { page, message },
        )
            .into_response();
    };
    let operator = q.key.as_deref().is_some_and(|k| outbox.is_operator_key(k));
    let (scope, emails) = if operator {
        ("outbox-scope-operator", outbox.emails(|_| true))
    } else if let Some(account) = account {
        let mine = account.email.trim().to_lowercase();
        (
            "outbox-scope-mine",
            outbox.emails(|to| address_of(to) == mine),
        )
    } else {
        ("outbox-scope-nobody", Vec::new())
    };
    OutboxPage {
        page,
        scope,
        emails,
    }
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::address_of;

    #[test]
    fn the_recipient_is_compared_by_address_alone() {
        assert_eq!(address_of("Ana <Ana@Example.org>"), "ana@example.org");
        assert_eq!(address_of(" ana@example.org "), "ana@example.org");
        assert_ne!(address_of("ana@example.org.evil"), "ana@example.org");
    }
}
