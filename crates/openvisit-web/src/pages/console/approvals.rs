//! The approvals queue (R11): visitors waiting to be approved for a resident, with what
//! they entered; approve, deny or suspend with a reason (suspending cancels and refunds
//! their future visits), and privileged (attorney) status.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use openvisit_store::approvals::ApprovalStatus;
use openvisit_store::named_rows::{QueuedApproval, approval_queue};
use serde::Deserialize;

use super::{Nav, StaffView, failure, local_time};
use crate::pages::PageMeta;
use crate::pages::visitor::zone;
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub struct QueueFilter {
    /// `pending` (the default), `approved`, `denied`, `suspended` or `all`.
    #[serde(default)]
    pub status: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "console_approvals.html")]
pub struct ApprovalsPage {
    pub page: PageMeta,
    pub nav: Nav,
    pub shown: String,
    pub rows: Vec<(QueuedApproval, String)>,
}

pub async fn page(
    State(s): State<AppState>,
    v: StaffView,
    Query(f): Query<QueueFilter>,
) -> Response {
    let v = v.at("approvals");
    let shown = f.status.unwrap_or_else(|| "pending".into());
    let status = ApprovalStatus::parse(&shown);
    let read = async {
        let mut conn = s.db.conn().await?;
        let f = openvisit_store::facilities::get_facility(&mut conn, v.facility).await?;
        let rows = approval_queue(&mut conn, v.facility, status).await?;
        Ok::<_, openvisit_store::StoreError>((f, rows))
    };
    let (facility, rows) = match read.await {
        Ok(x) => x,
        Err(e) => return failure(&e),
    };
    let tz = zone(&facility.time_zone);
    ApprovalsPage {
        shown: if status.is_some() {
            shown
        } else {
            "all".into()
        },
        rows: rows
            .into_iter()
            .map(|q| {
                let when = local_time(q.approval.updated_at, &tz);
                (q, when)
            })
            .collect(),
        page: v.page,
        nav: v.nav,
    }
    .into_response()
}
