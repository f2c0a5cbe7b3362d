//! Staff pages of live video: the facility's live visits with silent watching and
//! ending (R14), and playing a recording back; the rest of the console is in `console`.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use openvisit_core::VisitId;

use crate::pages::PageMeta;
use crate::pages::console::{Nav, StaffView};
use crate::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "staff_live.html")]
pub struct LivePage {
    pub page: PageMeta,
    pub nav: Nav,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff_recording.html")]
pub struct RecordingPage {
    pub page: PageMeta,
    pub nav: Nav,
    pub title: String,
    /// (label, URL) of each party's file.
    pub files: Vec<(String, String)>,
    /// Why there are no files although the visit was recorded: assembling them failed
    /// (and whether it is tried again).
    pub failed: Option<String>,
}

pub async fn live(v: StaffView) -> Response {
    let v = v.at("live");
    LivePage {
        page: v.page,
        nav: v.nav,
    }
    .into_response()
}

pub async fn recording(State(s): State<AppState>, v: StaffView, Path(id): Path<i64>) -> Response {
    let v = v.at("schedule");
    let (page, facility) = (v.page, v.facility);
    let read = async {
        let mut conn = s.db.conn().await?;
        let v = openvisit_store::visits::get_visit(&mut conn, VisitId(id)).await?;
        if v.facility != facility {
            return Err(openvisit_store::StoreError::NotFound("visit"));
        }
        Ok(
            openvisit_store::recordings::recording_for_visit(&mut conn, v.id)
                .await?
                .filter(|r| r.deleted_at.is_none()),
        )
    };
    let held = match read.await {
        Ok(r) => r,
        Err(e) => return crate::pages::console::failure(&e),
    };
    let failed = held
        .as_ref()
        .filter(|r| r.state == openvisit_store::recordings::RecordingState::Failed)
        .map(|r| {
            let attempts = [("attempts", i64::from(r.attempts).into())];
            if r.attempts < openvisit_store::recordings::MAX_ASSEMBLY_ATTEMPTS {
                page.t.t_with("recording-failed-retrying", &attempts)
            } else {
                page.t.t_with("recording-failed", &attempts)
            }
        });
    let files = held
        .filter(|r| r.state == openvisit_store::recordings::RecordingState::Ready)
        .map(|r| {
            openvisit_media::recording_files(std::path::Path::new(&r.path))
                .into_iter()
                .map(|(party, part, name)| {
                    let who = page.t.t(if party == "visitor" {
                        "monitor-visitor"
                    } else {
                        "monitor-resident"
                    });
                    // A later part follows a long gap in the media.
                    let label = if part > 1 {
                        format!("{who} · {part}")
                    } else {
                        who
                    };
                    (label, format!("/api/v1/staff/visits/{id}/recording/{name}"))
                })
                .collect()
        })
        .unwrap_or_default();
    RecordingPage {
        title: page
            .t
            .t_with("recording-title", &[("number", id.to_string().into())]),
        files,
        failed,
        page,
        nav: v.nav,
    }
    .into_response()
}
