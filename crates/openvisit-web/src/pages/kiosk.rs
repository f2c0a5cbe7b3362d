//! The kiosk's own page: full screen, no site navigation. A kiosk authenticates as a
//! device (its key, kept in a cookie by `/kiosk/setup`), never as a person; the
//! resident signs in for a visit with their PIN, the on-site visitor with their code.

use askama::Template;
use askama_web::WebTemplate;
use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::{ConnectInfo, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use openvisit_store::kiosk_setup::redeem_setup_code;
use openvisit_store::kiosks::kiosk_by_key;
use openvisit_store::places::KioskKind;
use serde::Deserialize;

use crate::auth::{cookie_value, kiosk_cookie_name};
use crate::csrf::CsrfForm;
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

#[derive(Template, WebTemplate)]
#[template(path = "kiosk_setup.html")]
pub struct SetupPage {
    pub page: PageMeta,
    pub error: Option<String>,
    /// On `/kiosk` without a working key: why the kiosk shows this form.
    pub notice: Option<String>,
}

/// The set-up form: staff type the kiosk's one-time code (never a key in a URL).
pub async fn setup_form(lang: Lang, uri: Uri, headers: HeaderMap) -> SetupPage {
    SetupPage {
        page: PageMeta::signed(lang, &uri, &headers, None),
        error: None,
        notice: None,
    }
}

#[derive(Debug, Deserialize)]
pub struct SetupFields {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub code: String,
}

/// Exchanges a set-up code for a new device key, kept in a long-lived cookie, and
/// opens the kiosk page.
pub async fn setup(
    State(s): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    lang: Lang,
    uri: Uri,
    headers: HeaderMap,
    CsrfForm(f): CsrfForm<SetupFields>,
) -> Response {
    let page = PageMeta::signed(lang, &uri, &headers, None);
    let refuse = |page: PageMeta, status: StatusCode, key: &str| {
        let error = Some(page.t.t(key));
        let page = SetupPage {
            page,
            error,
            notice: None,
        };
        (status, page).into_response()
    };
    // 40-bit codes: ten guesses per address every ten minutes.
    if !s
        .limiter
        .allow(peer.ip(), "kiosk-setup", 10, Duration::from_secs(600))
    {
        return refuse(
            page,
            StatusCode::TOO_MANY_REQUESTS,
            "error-too_many_attempts",
        );
    }
    match redeem_setup_code(&s.db, &f.code, s.clock.now()).await {
        Ok(Some((_, key))) => {
            let secure = if s.secure_cookies { "; Secure" } else { "" };
            let cookie = format!(
                "{}={key}; Path=/; HttpOnly; SameSite=Strict; Max-Age=31536000{secure}",
                kiosk_cookie_name(&s)
            );
            (
                StatusCode::SEE_OTHER,
                [(SET_COOKIE, cookie), (LOCATION, "/kiosk".to_owned())],
            )
                .into_response()
        }
        Ok(None) => refuse(page, StatusCode::FORBIDDEN, "kiosk-setup-bad-code"),
        Err(e) => {
            tracing::error!(error = %e, "kiosk set-up");
            refuse(page, StatusCode::INTERNAL_SERVER_ERROR, "error-generic")
        }
    }
}

pub async fn page(State(s): State<AppState>, lang: Lang, uri: Uri, headers: HeaderMap) -> Response {
    let page = PageMeta::new(lang, &uri);
    let device = match cookie_value(&headers, kiosk_cookie_name(&s)) {
        Some(key) => kiosk_by_key(&s.db, &key).await.ok().flatten(),
        None => None,
    };
    let Some(device) = device else {
        // Not set up (or its key was retired): the set-up form, in the kiosk's language.
        let page = PageMeta::signed(lang, &uri, &headers, None);
        let notice = Some(page.t.t("kiosk-not-set-up"));
        let form = SetupPage {
            page,
            error: None,
            notice,
        };
        return (StatusCode::UNAUTHORIZED, form).into_response();
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

crate::csrf_form!(SetupFields);
