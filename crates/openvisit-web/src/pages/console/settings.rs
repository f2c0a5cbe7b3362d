//! Facility settings: what is booked here (R1), pricing under the rate cap (R17), the
//! booking rules; housing units, kiosks and visiting hours; blackouts. A blackout is
//! previewed first (who is affected, in facility time), then created in one step that
//! cancels and refunds those visits.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use jiff::civil::{DateTime, Weekday};
use openvisit_store::blackouts::{BlackoutRecord, affected_visits, current_blackouts};
use openvisit_store::facilities::{Facility, get_facility};
use openvisit_store::setup::{UnitLayout, layout};
use serde::Deserialize;

use super::{Nav, StaffView, failure, local_time};
use crate::i18n::Tr;
use crate::pages::PageMeta;
use crate::pages::visitor::zone;
use crate::state::AppState;

/// A blackout the reader asked to preview, in facility-local time.
#[derive(Debug, Default, Deserialize)]
pub struct BlackoutDraft {
    #[serde(default)]
    pub start: String,
    #[serde(default)]
    pub end: String,
    #[serde(default)]
    pub reason: String,
    /// A kiosk to take out of service: the page lists the visits it holds first.
    #[serde(default)]
    pub retire: Option<i64>,
    /// A housing unit to take out of service with its kiosks: the page says who still
    /// lives there and what its kiosks hold first.
    #[serde(default)]
    pub retire_unit: Option<i64>,
}

/// A unit staff asked to take out of service: who lives there, how many visits its
/// kiosks hold.
pub struct UnitRetirePreview {
    pub unit: i64,
    pub name: String,
    pub residents: i64,
    pub visits: usize,
}

/// A kiosk staff asked to take out of service, and the visits retiring it cancels.
pub struct RetirePreview {
    pub kiosk: i64,
    pub name: String,
    pub affected: Vec<AffectedRow>,
}

/// A visit a blackout would cancel, as staff read it.
pub struct AffectedRow {
    pub when: String,
    pub resident: String,
    pub visitor: String,
}

/// The checked preview: UTC instants for the API, and who would be affected.
pub struct BlackoutPreview {
    pub start_utc: String,
    pub end_utc: String,
    pub reason: String,
    pub affected: Vec<AffectedRow>,
}

#[derive(Template, WebTemplate)]
#[template(path = "console_settings.html")]
pub struct SettingsPage {
    pub page: PageMeta,
    pub nav: Nav,
    pub facility: Facility,
    pub fee_dollars: String,
    pub lengths: String,
    pub units: Vec<UnitLayout>,
    /// (id, from, to, reason), facility time.
    pub blackouts: Vec<(i64, String, String, String)>,
    pub draft: BlackoutDraft,
    pub preview: Option<BlackoutPreview>,
    /// Why the draft cannot be previewed, in the reader's language.
    pub draft_error: Option<String>,
    pub retire: Option<RetirePreview>,
    pub retire_unit: Option<UnitRetirePreview>,
}

/// The visits retiring `kiosk` would cancel, named as staff read them; None if it is not
/// a kiosk in service here.
async fn retire_preview(
    s: &AppState,
    facility: openvisit_core::FacilityId,
    kiosk: openvisit_core::KioskId,
    units: &[UnitLayout],
    tz: &jiff::tz::TimeZone,
) -> Result<Option<RetirePreview>, openvisit_store::StoreError> {
    let Some(name) = units
        .iter()
        .flat_map(|u| u.kiosks.iter())
        .find(|k| k.id == kiosk)
        .map(|k| k.name.clone())
    else {
        return Ok(None);
    };
    let mut conn = s.db.conn().await?;
    let now = s.clock.now();
    let visits =
        openvisit_store::kiosk_changes::retirement_preview(&mut conn, facility, kiosk, now).await?;
    let mut affected = Vec::new();
    if let (Some(first), Some(last)) = (
        visits.iter().map(|v| v.start).min(),
        visits.iter().map(|v| v.end).max(),
    ) {
        let ids: Vec<_> = visits.iter().map(|v| v.id).collect();
        for n in openvisit_store::named_rows::named_visits(&mut conn, facility, first, last).await?
        {
            if ids.contains(&n.visit.id) {
                affected.push(AffectedRow {
                    when: local_time(n.visit.start, tz),
                    resident: n.resident_name,
                    visitor: n.visitor_name,
                });
            }
        }
    }
    Ok(Some(RetirePreview {
        kiosk: kiosk.0,
        name,
        affected,
    }))
}

/// Who lives in `unit` and what its kiosks hold; None if it is not a unit in service here.
async fn unit_retire_preview(
    s: &AppState,
    facility: openvisit_core::FacilityId,
    unit: i64,
    units: &[UnitLayout],
) -> Result<Option<UnitRetirePreview>, openvisit_store::StoreError> {
    let id = openvisit_core::HousingUnitId(unit);
    let Some(name) = units
        .iter()
        .find(|l| l.id == Some(id))
        .map(|l| l.name.clone())
    else {
        return Ok(None);
    };
    let mut conn = s.db.conn().await?;
    let p = openvisit_store::kiosk_changes::unit_retirement_preview(
        &mut conn,
        facility,
        id,
        s.clock.now(),
    )
    .await?;
    Ok(Some(UnitRetirePreview {
        unit,
        name,
        residents: p.residents,
        visits: p.visits.len(),
    }))
}

/// A line of the layout's visiting hours ("Monday 08:00–11:30", the weekday as the
/// store spells it) with the weekday in the reader's language.
fn hours_line(t: &Tr, line: &str) -> String {
    let Some((day, rest)) = line.split_once(' ') else {
        return line.to_owned();
    };
    (1..=7)
        .filter_map(|n| Weekday::from_monday_one_offset(n).ok())
        .find(|w| format!("{w:?}") == day)
        .map(|w| {
            format!(
                "{} {rest}",
                t.t(&format!("weekday-{}", w.to_monday_one_offset()))
            )
        })
        .unwrap_or_else(|| line.to_owned())
}

fn parse_local(text: &str) -> Option<DateTime> {
    text.trim().parse::<DateTime>().ok()
}

pub async fn page(
    State(s): State<AppState>,
    v: StaffView,
    Query(draft): Query<BlackoutDraft>,
) -> Response {
    let v = v.at("settings");
    let read = async {
        let mut conn = s.db.conn().await?;
        let facility = get_facility(&mut conn, v.facility).await?;
        let units = layout(&mut conn, v.facility).await?;
        let blackouts = current_blackouts(&mut conn, v.facility, s.clock.now()).await?;
        Ok::<_, openvisit_store::StoreError>((facility, units, blackouts))
    };
    let (facility, mut units, blackouts) = match read.await {
        Ok(x) => x,
        Err(e) => return failure(&e),
    };
    for u in &mut units {
        for line in &mut u.visiting_hours {
            *line = hours_line(&v.page.t, line);
        }
    }
    let tz = zone(&facility.time_zone);
    let blackouts = blackouts
        .iter()
        .map(|b: &BlackoutRecord| {
            (
                b.id,
                local_time(b.start, &tz),
                local_time(b.end, &tz),
                b.reason.clone(),
            )
        })
        .collect();
    let mut draft_error = None;
    let mut preview = None;
    if !draft.start.is_empty() || !draft.end.is_empty() {
        let range = parse_local(&draft.start)
            .zip(parse_local(&draft.end))
            .and_then(|(a, b)| Some((tz.to_timestamp(a).ok()?, tz.to_timestamp(b).ok()?)));
        match range {
            None => draft_error = Some(v.page.t.t("console-blackout-bad-time")),
            Some((a, b)) if a >= b => draft_error = Some(v.page.t.t("console-blackout-order")),
            Some(_) if draft.reason.trim().is_empty() => {
                draft_error = Some(v.page.t.t("console-reason-needed"))
            }
            Some((a, b)) => {
                let named = async {
                    let mut conn = s.db.conn().await?;
                    let ids: Vec<_> = affected_visits(&mut conn, v.facility, a, b)
                        .await?
                        .into_iter()
                        .map(|x| x.id)
                        .collect();
                    let all =
                        openvisit_store::named_rows::named_visits(&mut conn, v.facility, a, b)
                            .await?;
                    Ok::<_, openvisit_store::StoreError>(
                        all.into_iter()
                            .filter(|n| ids.contains(&n.visit.id))
                            .collect::<Vec<_>>(),
                    )
                };
                match named.await {
                    Ok(list) => {
                        preview = Some(BlackoutPreview {
                            start_utc: a.to_string(),
                            end_utc: b.to_string(),
                            reason: draft.reason.trim().to_owned(),
                            affected: list
                                .into_iter()
                                .map(|n| AffectedRow {
                                    when: local_time(n.visit.start, &tz),
                                    resident: n.resident_name,
                                    visitor: n.visitor_name,
                                })
                                .collect(),
                        })
                    }
                    Err(e) => return failure(&e),
                }
            }
        }
    }
    let retire = match draft.retire {
        Some(k) if v.nav.admin => {
            match retire_preview(&s, v.facility, openvisit_core::KioskId(k), &units, &tz).await {
                Ok(p) => p,
                Err(e) => return failure(&e),
            }
        }
        _ => None,
    };
    let retire_unit = match draft.retire_unit {
        Some(u) if v.nav.admin => match unit_retire_preview(&s, v.facility, u, &units).await {
            Ok(p) => p,
            Err(e) => return failure(&e),
        },
        _ => None,
    };
    SettingsPage {
        retire,
        retire_unit,
        fee_dollars: format!(
            "{}.{:02}",
            facility.settings.fee_cents / 100,
            facility.settings.fee_cents % 100
        ),
        lengths: facility
            .settings
            .allowed_lengths
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        facility,
        units,
        blackouts,
        draft,
        preview,
        draft_error,
        page: v.page,
        nav: v.nav,
    }
    .into_response()
}
