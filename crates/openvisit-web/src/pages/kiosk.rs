//! The kiosk's own page: full screen, no site navigation. A kiosk authenticates as a
//! device (its key, kept in a cookie by `/kiosk/setup`), never as a person; the
//! resident signs in for a visit with their PIN, the on-site visitor with their code.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use openvisit_store::kiosks::kiosk_by_key;
use openvisit_store::places::KioskKind;
use serde::Deserialize;

use crate::auth::{KIOSK_COOKIE, cookie_value};
use crate::i18n::Lang;
use crate::pages::PageMeta;
use crate::pages::room::VisitRoom;
use crate::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "kiosk.html")]
pub struct KioskPage {
    pub page: PageMeta,
    pub kiosk_name: String,
    pub time_zone: String,
    pub lobby: bool,
    pub room: VisitRoom,
}

#[derive(Debug, Deserialize)]
pub struct SetupQuery {
    pub key: String,
}

/// Stores the kiosk's key in a long-lived cookie and opens the kiosk page.
pub async fn setup(State(s): State<AppState>, Query(q): Query<SetupQuery>) -> Response {
    match kiosk_by_key(&s.db, &q.key).await {
        Ok(Some(_)) => {
            let secure = if s.secure_cookies { "; Secure" } else { "" };
            let cookie = format!(
                "{KIOSK_COOKIE}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age=31536000{secure}",
                q.key.trim()
            );
            (
                StatusCode::SEE_OTHER,
                [(SET_COOKIE, cookie), (LOCATION, "/kiosk".to_owned())],
            )
                .into_response()
        }
        _ => (StatusCode::FORBIDDEN, "This kiosk key is not valid.").into_response(),
    }
}

pub async fn page(State(s): State<AppState>, lang: Lang, uri: Uri, headers: HeaderMap) -> Response {
    let page = PageMeta::new(lang, &uri);
    let device = match cookie_value(&headers, KIOSK_COOKIE) {
        Some(key) => kiosk_by_key(&s.db, &key).await.ok().flatten(),
        None => None,
    };
    let Some(device) = device else {
        let text = page.t.t("kiosk-not-set-up");
        return (StatusCode::UNAUTHORIZED, text).into_response();
    };
    let lobby = device.kind == KioskKind::Lobby;
    let side = if lobby { "visitor" } else { "resident" };
    let room = VisitRoom::new(&page.t, side, "/api/v1/kiosk/live-ticket".into(), true);
    KioskPage {
        kiosk_name: device.name,
        time_zone: device.facility_time_zone,
        lobby,
        room,
        page,
    }
    .into_response()
}
