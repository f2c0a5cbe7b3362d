//! Uploading the roster from the jail management system's CSV: a preview of adds,
//! moves and releases (and which visits stay or are cancelled) before applying it.

use askama::Template;
use askama_web::WebTemplate;
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Response};

use super::{Nav, view};
use crate::auth::MaybeAccount;
use crate::i18n::Lang;
use crate::pages::PageMeta;

#[derive(Template, WebTemplate)]
#[template(path = "console_roster.html")]
pub struct RosterPage {
    pub page: PageMeta,
    pub nav: Nav,
}

pub async fn page(
    lang: Lang,
    uri: Uri,
    headers: HeaderMap,
    MaybeAccount(a): MaybeAccount,
) -> Response {
    match view(a, lang, &uri, &headers, "roster") {
        Ok(v) => RosterPage {
            page: v.page,
            nav: v.nav,
        }
        .into_response(),
        Err(r) => r.into_response(),
    }
}
