//! Staff pages of live video: the facility's live visits with silent watching and
//! ending (R14), and playing a recording back. The rest of the staff console is its own
//! part of the product.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::header::LOCATION;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use openvisit_core::VisitId;
use openvisit_store::accounts::Account;

use crate::auth::MaybeAccount;
use crate::i18n::Lang;
use crate::pages::PageMeta;
use crate::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "staff_live.html")]
pub struct LivePage {
    pub page: PageMeta,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff_recording.html")]
pub struct RecordingPage {
    pub page: PageMeta,
    pub title: String,
    /// (label, URL) of each party's file.
    pub files: Vec<(String, String)>,
}

/// Why someone else cannot see a staff page.
enum Refusal {
    NotStaff,
    SignedOut,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::NotStaff => StatusCode::FORBIDDEN.into_response(),
            Refusal::SignedOut => (StatusCode::SEE_OTHER, [(LOCATION, "/sign-in")]).into_response(),
        }
    }
}

fn staff(a: Option<Account>) -> Result<Account, Refusal> {
    match a {
        Some(a) if a.role.is_staff() && a.facility.is_some() => Ok(a),
        Some(_) => Err(Refusal::NotStaff),
        None => Err(Refusal::SignedOut),
    }
}

pub async fn live(
    lang: Lang,
    uri: Uri,
    headers: HeaderMap,
    MaybeAccount(a): MaybeAccount,
) -> Response {
    let a = match staff(a) {
        Ok(a) => a,
        Err(r) => return r.into_response(),
    };
    LivePage {
        page: PageMeta::signed(lang, &uri, &headers, Some(&a)),
    }
    .into_response()
}

pub async fn recording(
    State(s): State<AppState>,
    lang: Lang,
    uri: Uri,
    headers: HeaderMap,
    MaybeAccount(a): MaybeAccount,
    Path(id): Path<i64>,
) -> Response {
    let a = match staff(a) {
        Ok(a) => a,
        Err(r) => return r.into_response(),
    };
    let page = PageMeta::signed(lang, &uri, &headers, Some(&a));
    let held = async {
        let mut conn = s.db.pool.acquire().await.ok()?;
        let v = openvisit_store::visits::get_visit(&mut conn, VisitId(id))
            .await
            .ok()?;
        if Some(v.facility) != a.facility {
            return None;
        }
        openvisit_store::recordings::recording_for_visit(&mut conn, v.id)
            .await
            .ok()
            .flatten()
            .filter(|r| r.deleted_at.is_none())
    }
    .await;
    let files = held
        .map(|r| {
            [
                ("visitor", "monitor-visitor"),
                ("resident", "monitor-resident"),
            ]
            .into_iter()
            .filter(|(p, _)| {
                std::path::Path::new(&r.path)
                    .join(format!("{p}.webm"))
                    .exists()
            })
            .map(|(p, label)| {
                (
                    page.t.t(label),
                    format!("/api/v1/staff/visits/{id}/recording/{p}.webm"),
                )
            })
            .collect()
        })
        .unwrap_or_default();
    RecordingPage {
        title: page
            .t
            .ta("recording-title", &[("number", id.to_string().into())]),
        files,
        page,
    }
    .into_response()
}
