//! Uploading the roster from the jail management system's CSV: a preview of adds,
//! moves and releases (and which visits stay or are cancelled) before applying it.

use askama::Template;
use askama_web::WebTemplate;
use axum::response::{IntoResponse, Response};

use super::{Nav, StaffView};
use crate::pages::PageMeta;

#[derive(Template, WebTemplate)]
#[template(path = "console_roster.html")]
pub struct RosterPage {
    pub page: PageMeta,
    pub nav: Nav,
}

pub async fn page(v: StaffView) -> Response {
    let v = v.at("roster");
    RosterPage {
        page: v.page,
        nav: v.nav,
    }
    .into_response()
}
