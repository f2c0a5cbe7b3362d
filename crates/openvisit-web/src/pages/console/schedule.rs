//! The schedule board: one day per kiosk as a timeline, filterable by unit; and one
//! visit, where staff cancel it (full refund), post a waiting-room notice (R18) or
//! record why a resident did not come.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use openvisit_core::{HousingUnitId, VisitId};
use openvisit_store::facilities::get_facility;
use openvisit_store::named_rows::{NamedVisit, named_visit, named_visits};
use openvisit_store::setup::layout;
use openvisit_store::visits::SystemReason;
use openvisit_store::visits::VisitStatus;
use serde::Deserialize;

use super::{Nav, StaffView, day_start, dollars, failure, local_clock, local_time, today};
use crate::i18n::Tr;
use crate::pages::PageMeta;
use crate::pages::visitor::{status_code, zone};
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub struct BoardQuery {
    /// The facility-local day, YYYY-MM-DD; today when left out.
    #[serde(default)]
    pub date: Option<String>,
    /// Only this housing unit's kiosks.
    #[serde(default)]
    pub unit: Option<String>,
}

/// A visit placed on the timeline (percentages of the day's window).
pub struct Block {
    pub id: i64,
    pub left: String,
    pub width: String,
    pub label: String,
    /// Where it stands: a stored status, or `waiting` / `live` while it is on.
    pub status: &'static str,
}

/// A visit as a line of the day's list (phones, screen readers, printing).
pub struct ListLine {
    pub id: i64,
    pub time: String,
    pub resident: String,
    pub visitor: String,
    pub kiosk: String,
    pub status: &'static str,
}

pub struct KioskRow {
    pub name: String,
    pub unit: String,
    pub blocks: Vec<Block>,
}

#[derive(Template, WebTemplate)]
#[template(path = "console_schedule.html")]
pub struct BoardPage {
    pub page: PageMeta,
    pub nav: Nav,
    pub date: String,
    pub previous: String,
    pub next: String,
    /// (id, name, chosen)
    pub units: Vec<(i64, String, bool)>,
    pub rows: Vec<KioskRow>,
    /// The day's visits in time order.
    pub list: Vec<ListLine>,
    /// Where now is on the timeline, and the time, when the day shown is today.
    pub now: Option<(String, String)>,
    /// The hours the timeline spans, e.g. 7..21, as labels.
    pub hours: Vec<String>,
    pub zone: String,
}

pub async fn board(
    State(s): State<AppState>,
    v: StaffView,
    Query(q): Query<BoardQuery>,
) -> Response {
    let v = v.at("schedule");
    let unit = q
        .unit
        .as_deref()
        .and_then(|u| u.parse::<i64>().ok())
        .map(HousingUnitId);
    let read = async {
        let mut conn = s.db.conn().await?;
        let facility = get_facility(&mut conn, v.facility).await?;
        let units = layout(&mut conn, v.facility).await?;
        Ok::<_, openvisit_store::StoreError>((facility, units))
    };
    let (facility, units) = match read.await {
        Ok(x) => x,
        Err(e) => return failure(&e),
    };
    let tz = zone(&facility.time_zone);
    let date = q
        .date
        .as_deref()
        .and_then(|d| d.parse::<Date>().ok())
        .unwrap_or_else(|| today(s.clock.now(), &tz));
    let (Some(from), Some(to)) = (
        day_start(date, &tz),
        date.tomorrow().ok().and_then(|d| day_start(d, &tz)),
    ) else {
        return failure(&openvisit_store::StoreError::NotFound("day"));
    };
    let visits = {
        let read = async {
            let mut conn = s.db.conn().await?;
            named_visits(&mut conn, v.facility, from, to).await
        };
        match read.await {
            Ok(x) => x,
            Err(e) => return failure(&e),
        }
    };
    // The window: 07:00 to 21:00, widened to any visit outside it.
    let hour_of = |t: jiff::Timestamp| i64::from(tz.to_datetime(t).hour());
    let first = visits
        .iter()
        .map(|n| hour_of(n.visit.start.max(from)))
        .min()
        .unwrap_or(7)
        .min(7);
    let last = visits
        .iter()
        .map(|n| {
            // A visit running to midnight (or past it) needs the whole day.
            if n.visit.end >= to {
                24
            } else {
                hour_of(n.visit.end) + 1
            }
        })
        .max()
        .unwrap_or(21)
        .clamp(21, 24);
    let window_start = from.as_second() + first * 3600;
    let window = ((last - first) * 3600) as f64;
    let percent = |secs: i64| format!("{:.2}%", (secs as f64 / window * 100.0).clamp(0.0, 100.0));
    let now = s.clock.now();
    // Where each visit stands now: a booked visit under way is waiting or live.
    let standing = |n: &NamedVisit| -> &'static str {
        let on = n.visit.status == openvisit_store::visits::VisitStatus::Booked
            && now
                >= openvisit_core::interval::add_minutes(
                    n.visit.start,
                    -openvisit_core::session::WAITING_ROOM_MINUTES,
                )
            && now < n.visit.end;
        if !on {
            return status_code(n.visit.status);
        }
        let live = s
            .live
            .as_ref()
            .and_then(|h| h.existing_room(n.visit.id))
            .is_some_and(|r| r.has_started());
        if live { "live" } else { "waiting" }
    };
    let window_end = window_start + (last - first) * 3600;
    let now_mark = (now.as_second() >= window_start && now.as_second() < window_end).then(|| {
        (
            percent(now.as_second() - window_start),
            local_clock(now, &tz),
        )
    });
    let kiosk_names: std::collections::HashMap<_, _> = units
        .iter()
        .flat_map(|u| u.kiosks.iter().map(|k| (k.id, k.name.clone())))
        .collect();
    let mut rows = Vec::new();
    for u in &units {
        if unit.is_some() && u.id != unit {
            continue;
        }
        let unit_name = match u.id {
            Some(_) => u.name.clone(),
            None => v.page.t.t("console-lobby"),
        };
        for k in &u.kiosks {
            let blocks = visits
                .iter()
                .filter(|n| n.visit.housing_kiosk == k.id || n.visit.lobby_kiosk == Some(k.id))
                .map(|n: &NamedVisit| {
                    let start = n.visit.start.as_second().max(window_start);
                    Block {
                        id: n.visit.id.0,
                        left: percent(start - window_start),
                        width: percent(n.visit.end.as_second() - start),
                        label: format!(
                            "{}–{} {} · {}",
                            local_clock(n.visit.start, &tz),
                            local_clock(n.visit.end, &tz),
                            n.resident_name,
                            n.visitor_name
                        ),
                        status: standing(n),
                    }
                })
                .collect();
            rows.push(KioskRow {
                name: k.name.clone(),
                unit: unit_name.clone(),
                blocks,
            });
        }
    }
    BoardPage {
        date: date.to_string(),
        previous: date.yesterday().map(|d| d.to_string()).unwrap_or_default(),
        next: date.tomorrow().map(|d| d.to_string()).unwrap_or_default(),
        units: units
            .iter()
            .filter_map(|u| u.id.map(|id| (id.0, u.name.clone(), Some(id) == unit)))
            .collect(),
        rows,
        list: visits
            .iter()
            .filter(|n| {
                unit.is_none()
                    || units.iter().any(|u| {
                        u.id == unit && u.kiosks.iter().any(|k| k.id == n.visit.housing_kiosk)
                    })
            })
            .map(|n| ListLine {
                id: n.visit.id.0,
                time: format!(
                    "{}–{}",
                    local_clock(n.visit.start, &tz),
                    local_clock(n.visit.end, &tz)
                ),
                resident: n.resident_name.clone(),
                visitor: n.visitor_name.clone(),
                kiosk: kiosk_names
                    .get(&n.visit.housing_kiosk)
                    .cloned()
                    .unwrap_or_default(),
                status: standing(n),
            })
            .collect(),
        now: now_mark,
        hours: (first..last).map(|h| format!("{h:02}:00")).collect(),
        zone: facility.time_zone,
        page: v.page,
        nav: v.nav,
    }
    .into_response()
}

#[derive(Template, WebTemplate)]
#[template(path = "console_visit.html")]
pub struct VisitPage {
    pub page: PageMeta,
    pub nav: Nav,
    pub n: NamedVisit,
    pub when: String,
    pub kind_key: String,
    pub status_key: String,
    pub price: String,
    pub refund: String,
    pub open: bool,
    pub missed_by_resident: bool,
    pub has_recording: bool,
    pub day: String,
    /// Why it was cancelled or ended, in the reader's language when OpenVisit wrote it.
    pub cancel_reason: Option<String>,
    pub end_reason: Option<String>,
}

/// Why a visit was cancelled or ended: a reason OpenVisit gave, in the reader's
/// language, or the words staff typed, as typed.
fn reason_text(t: &Tr, code: Option<SystemReason>, typed: Option<&str>) -> Option<String> {
    match (code, typed) {
        (Some(code), _) => Some(t.t(match code {
            SystemReason::ByVisitor => "console-reason-by-visitor",
            SystemReason::Released => "console-reason-released",
            SystemReason::MovedNoKiosk => "console-reason-moved-no-kiosk",
            SystemReason::MovedNoHours => "console-reason-moved-no-hours",
            SystemReason::PlatformFault => "console-reason-platform-fault",
        })),
        (None, Some(typed)) if !typed.is_empty() => Some(typed.to_owned()),
        (None, _) => None,
    }
}

pub async fn visit(State(s): State<AppState>, v: StaffView, Path(id): Path<i64>) -> Response {
    let v = v.at("schedule");
    let read = async {
        let mut conn = s.db.conn().await?;
        let n = named_visit(&mut conn, v.facility, VisitId(id)).await?;
        let facility = get_facility(&mut conn, v.facility).await?;
        let recording = openvisit_store::recordings::recording_for_visit(&mut conn, n.visit.id)
            .await?
            .filter(|r| r.deleted_at.is_none());
        Ok::<_, openvisit_store::StoreError>((n, facility, recording.is_some()))
    };
    let (n, facility, has_recording) = match read.await {
        Ok(x) => x,
        Err(e) => return failure(&e),
    };
    let tz = zone(&facility.time_zone);
    let now = s.clock.now();
    let t = v.page.t;
    VisitPage {
        cancel_reason: reason_text(&t, n.visit.cancel_code, n.visit.cancel_reason.as_deref()),
        end_reason: reason_text(&t, n.visit.end_code, n.visit.end_reason.as_deref()),
        when: format!(
            "{}–{}",
            local_time(n.visit.start, &tz),
            local_clock(n.visit.end, &tz)
        ),
        kind_key: format!("visits-kind-{}", n.visit.kind.as_str()),
        status_key: format!("visits-status-{}", status_code(n.visit.status)),
        price: dollars(n.visit.price),
        refund: dollars(n.visit.refund),
        open: n.visit.status == VisitStatus::Booked && n.visit.end > now,
        missed_by_resident: n.visit.status == VisitStatus::Missed
            && n.visit.missed_by.is_some_and(|m| m.as_str() != "visitor"),
        has_recording,
        day: tz.to_datetime(n.visit.start).date().to_string(),
        n,
        page: v.page,
        nav: v.nav,
    }
    .into_response()
}
