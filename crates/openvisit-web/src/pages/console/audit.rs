//! The audit log viewer (R16), filterable by person, action and local dates. The log
//! itself is append-only in the database.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use openvisit_core::AccountId;
use openvisit_store::accounts::Role;
use openvisit_store::audit::{AuditFilter, audit_filtered};
use openvisit_store::named_rows::{Actor, actors, staff_of_facility};
use serde::Deserialize;

use super::{Nav, StaffView, audit_detail, day_start, failure, local_time};
use crate::pages::PageMeta;
use crate::pages::visitor::zone;
use crate::state::AppState;

/// The most lines one page shows.
const LIMIT: i64 = 500;

#[derive(Debug, Default, Deserialize)]
pub struct AuditForm {
    #[serde(default)]
    pub actor: Option<String>,
    #[serde(default)]
    pub action: Option<String>,
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
}

pub struct AuditLine {
    pub at: String,
    pub who: String,
    /// What was done, in the reader's language (empty for an action without a name).
    pub what: String,
    /// The action's code, which the filter takes.
    pub action: String,
    pub subject: String,
    pub detail: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "console_audit.html")]
pub struct AuditPage {
    pub page: PageMeta,
    pub nav: Nav,
    /// (id, name, chosen)
    pub people: Vec<(i64, String, bool)>,
    pub actor: Option<i64>,
    pub action: String,
    pub from: String,
    pub to: String,
    pub lines: Vec<AuditLine>,
    pub limit: i64,
}

/// Who did it, by role and name: the system, a visitor, or staff of this facility. Staff
/// of another facility are not named.
fn who(
    t: &crate::i18n::Tr,
    actor: Option<&Actor>,
    system: bool,
    facility: openvisit_core::FacilityId,
) -> String {
    if system {
        return t.t("console-audit-system");
    }
    let Some(a) = actor else {
        return t.t("console-audit-someone");
    };
    let role = match a.role {
        Role::Visitor => "console-role-visitor",
        Role::Support => "console-role-support",
        Role::FacilityAdmin | Role::Officer if a.facility != Some(facility) => {
            return t.t("console-audit-someone");
        }
        Role::FacilityAdmin => "console-role-facility_admin",
        Role::Officer => "console-role-officer",
    };
    t.t_with(
        "console-audit-actor",
        &[("role", t.t(role).into()), ("name", a.name.clone().into())],
    )
}

fn date(text: &Option<String>) -> Option<Date> {
    text.as_deref().and_then(|t| t.parse::<Date>().ok())
}

pub async fn page(State(s): State<AppState>, v: StaffView, Query(q): Query<AuditForm>) -> Response {
    let v = v.at("audit");
    let actor = q.actor.as_deref().and_then(|a| a.parse::<i64>().ok());
    let action = q.action.clone().unwrap_or_default().trim().to_owned();
    let read = async {
        let mut conn = s.db.conn().await?;
        let facility = openvisit_store::facilities::get_facility(&mut conn, v.facility).await?;
        let tz = zone(&facility.time_zone);
        let filter = AuditFilter {
            actor: actor.map(AccountId),
            action: (!action.is_empty()).then(|| action.clone()),
            from: date(&q.from).and_then(|d| day_start(d, &tz)),
            to: date(&q.to)
                .and_then(|d| d.tomorrow().ok())
                .and_then(|d| day_start(d, &tz)),
        };
        let records = audit_filtered(&mut conn, v.facility, &filter, LIMIT).await?;
        let people = staff_of_facility(&mut conn, v.facility).await?;
        let mut ids: Vec<AccountId> = records.iter().filter_map(|r| r.actor).collect();
        ids.sort_unstable_by_key(|a| a.0);
        ids.dedup();
        let actors = actors(&mut conn, &ids).await?;
        Ok::<_, openvisit_store::StoreError>((tz, records, people, actors))
    };
    let (tz, records, people, actors) = match read.await {
        Ok(x) => x,
        Err(e) => return failure(&e),
    };
    let t = v.page.t;
    AuditPage {
        lines: records
            .into_iter()
            .map(|r| AuditLine {
                at: local_time(r.at, &tz),
                who: who(
                    &t,
                    r.actor.and_then(|a| actors.get(&a)),
                    r.actor.is_none(),
                    v.facility,
                ),
                detail: audit_detail::readable(&t, &tz, &r.detail),
                what: t
                    .t_if_any(&format!(
                        "console-audit-action-{}",
                        r.action.replace(['.', '_'], "-")
                    ))
                    .unwrap_or_default(),
                action: r.action,
                subject: r.subject,
            })
            .collect(),
        people: people
            .into_iter()
            .map(|(id, n)| (id.0, n, Some(id.0) == actor))
            .collect(),
        actor,
        action,
        from: q.from.unwrap_or_default(),
        to: q.to.unwrap_or_default(),
        limit: LIMIT,
        page: v.page,
        nav: v.nav,
    }
    .into_response()
}
