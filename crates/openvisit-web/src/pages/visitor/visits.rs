//! My visits: countdown, Join, cancellation with the refund shown first (R13).

use super::*;
use openvisit_core::pricing::ChargeKind;
use openvisit_core::session::WAITING_ROOM_MINUTES;

pub struct VisitRow {
    pub id: i64,
    pub with: String,
    pub when: String,
    pub kind: String,
    pub price: String,
    pub status: String,
    pub cancel: Option<String>,
    /// Whether it can still be moved to another time (`moving::movable`).
    pub movable: bool,
    /// "Starts in 2 days and 3 hours".
    pub starts_in: String,
    /// The Join button works from 10 minutes before the start until the end.
    pub join_open: bool,
    pub join_note: String,
    /// The ledger entry that paid for the visit, for its receipt.
    pub receipt: Option<i64>,
    /// For an on-site visit: "Your code for the lobby kiosk: …".
    pub lobby_code: Option<String>,
}

/// How long until the visit starts, rounded up to the minute, or "Under way now" once
/// it has started: at its scheduled start, or earlier when both sides connected early.
/// Numbers go to the messages as numbers, so each language picks its plural forms.
fn starts_in(t: &Tr, start: Timestamp, actual_start: Option<Timestamp>, now: Timestamp) -> String {
    if now >= start || actual_start.is_some_and(|a| a <= now) {
        return t.t("visits-started");
    }
    // Rounded up: 30 seconds before the start is "1 minute", never "0 minutes".
    let seconds = start.as_second() - now.as_second();
    let minutes = (seconds + 59).div_euclid(60).max(1);
    if minutes >= 24 * 60 {
        t.t_with(
            "visits-starts-in-days",
            &[
                ("days", (minutes / (24 * 60)).into()),
                ("hours", (minutes % (24 * 60) / 60).into()),
            ],
        )
    } else if minutes >= 60 {
        t.t_with(
            "visits-starts-in-hours",
            &[
                ("hours", (minutes / 60).into()),
                ("minutes", (minutes % 60).into()),
            ],
        )
    } else {
        t.t_with("visits-starts-in-minutes", &[("minutes", minutes.into())])
    }
}

/// The cancel button's label: the refund when there is money to give back, a warning
/// when a paid visit is too close to get any, and nothing about money for a free visit.
fn cancel_label(t: &Tr, free: bool, refund: Cents) -> String {
    if free {
        t.t("visits-cancel-free")
    } else if refund == Cents::ZERO {
        t.t("visits-cancel-no-refund")
    } else {
        t.t_with("visits-cancel", &[("refund", refund.to_string().into())])
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "visits.html")]
pub struct VisitsPage {
    pub page: PageMeta,
    pub notice: Option<String>,
    pub error: Option<String>,
    pub upcoming: Vec<VisitRow>,
    pub past: Vec<VisitRow>,
}

#[derive(Debug, Deserialize, Default)]
pub struct NoticeQuery {
    #[serde(default)]
    pub notice: String,
    #[serde(default)]
    pub refund: i64,
}

pub async fn visits(
    State(s): State<AppState>,
    lang: Lang,
    uri: Uri,
    headers: HeaderMap,
    VisitorPage(a): VisitorPage,
) -> Response {
    let page = PageMeta::signed(lang, &uri, &headers, Some(&a));
    let t = page.t;
    let q = Query::<NoticeQuery>::try_from_uri(&uri)
        .map(|Query(q)| q)
        .unwrap_or_default();
    let notice = match q.notice.as_str() {
        "booked" => Some(t.t("visits-booked")),
        "moved" => Some(t.t("visits-moved")),
        // Nothing came back (a free visit, or one cancelled too late): no money named.
        "cancelled" if q.refund <= 0 => Some(t.t("visits-cancelled-free")),
        "cancelled" => Some(t.t_with(
            "visits-cancelled",
            &[("refund", Cents(q.refund).to_string().into())],
        )),
        _ => None,
    };
    let rows = async {
        let mut conn = s.db.conn().await?;
        let now = s.clock.now();
        let mine = zone(&a.time_zone);
        // The entry that paid for each visit (charge or hold), for its receipt.
        let receipts: std::collections::HashMap<i64, i64> = visitor_history(&mut conn, a.id)
            .await?
            .into_iter()
            .filter(|l| l.amount.0 < 0)
            .filter_map(|l| l.visit.map(|v| (v.0, l.entry_id)))
            .collect();
        let (mut upcoming, mut past) = (Vec::new(), Vec::new());
        for v in visits_of_visitor(&mut conn, a.id).await? {
            let r = get_resident(&mut conn, v.resident).await?;
            let f = get_facility(&mut conn, v.facility).await?;
            let theirs = zone(&f.time_zone);
            let free = v.charge_kind == ChargeKind::Free || v.price == Cents::ZERO;
            let cancel = if v.status == VisitStatus::Booked {
                refund_preview(
                    v.charge_kind,
                    v.price,
                    v.start,
                    now,
                    CancelledBy::Visitor,
                    f.settings.cancel_notice_minutes,
                )
                .ok()
                .map(|refund| cancel_label(&t, free, refund))
            } else {
                None
            };
            let row = VisitRow {
                id: v.id.0,
                with: t.t_with("visits-with", &[("name", r.full_name.into())]),
                when: t.t_with(
                    "visits-when",
                    &[
                        ("facility_time", local_label(&t, v.start, &theirs).into()),
                        ("your_time", local_label(&t, v.start, &mine).into()),
                    ],
                ),
                kind: t.t(&format!("visits-kind-{}", v.kind.as_str())),
                price: if free {
                    t.t("visits-price-free")
                } else {
                    t.t_with("visits-price", &[("price", v.price.to_string().into())])
                },
                status: t.t(&format!("visits-status-{}", status_code(v.status))),
                lobby_code: v
                    .lobby_code
                    .as_ref()
                    .map(|c| t.t_with("visits-lobby-code", &[("code", c.clone().into())])),
                cancel,
                movable: super::moving::movable(&v, f.settings.cancel_notice_minutes, now),
                starts_in: starts_in(&t, v.start, v.actual_start, now),
                join_open: v.status == VisitStatus::Booked
                    && now >= add_minutes(v.start, -WAITING_ROOM_MINUTES)
                    && now < v.end,
                join_note: t.t_with(
                    "visits-join-opens",
                    &[(
                        "time",
                        openvisit_core::local_time::clock(
                            add_minutes(v.start, -WAITING_ROOM_MINUTES),
                            &mine,
                        )
                        .into(),
                    )],
                ),
                receipt: receipts.get(&v.id.0).copied(),
            };
            if v.status == VisitStatus::Booked && v.end > now {
                upcoming.push(row);
            } else {
                past.push(row);
            }
        }
        past.reverse();
        Ok::<_, StoreError>((upcoming, past))
    }
    .await;
    match rows {
        Ok((upcoming, past)) => VisitsPage {
            page,
            notice,
            error: None,
            upcoming,
            past,
        }
        .into_response(),
        Err(e) => failure(&e),
    }
}

pub fn status_code(s: VisitStatus) -> &'static str {
    match s {
        VisitStatus::Booked => "booked",
        VisitStatus::Cancelled => "cancelled",
        VisitStatus::Completed => "completed",
        VisitStatus::Missed => "missed",
        VisitStatus::EndedByStaff => "ended_by_staff",
        VisitStatus::Failed => "failed",
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "cancel_visit.html")]
pub struct CancelPage {
    pub page: PageMeta,
    pub id: i64,
    pub with: String,
    pub when: String,
    /// What comes back, or that nothing does; none for a free visit.
    pub money: Option<String>,
}

/// Asks once before a visitor cancels: the visit, what comes back, and a button that
/// cancels (the form below) beside a way back that keeps it.
pub async fn cancel_confirm(
    State(s): State<AppState>,
    lang: Lang,
    uri: Uri,
    headers: HeaderMap,
    VisitorPage(a): VisitorPage,
    Path(id): Path<i64>,
) -> Response {
    let page = PageMeta::signed(lang, &uri, &headers, Some(&a));
    let t = page.t;
    let built = async {
        let mut conn = s.db.conn().await?;
        let Some(v) = own_booked_visit(&mut conn, &a, id).await? else {
            return Ok(None);
        };
        let r = get_resident(&mut conn, v.resident).await?;
        let f = get_facility(&mut conn, v.facility).await?;
        let now = s.clock.now();
        let Ok(refund) = refund_preview(
            v.charge_kind,
            v.price,
            v.start,
            now,
            CancelledBy::Visitor,
            f.settings.cancel_notice_minutes,
        ) else {
            return Ok(None);
        };
        let free = v.charge_kind == ChargeKind::Free || v.price == Cents::ZERO;
        let money = match (free, refund) {
            (true, _) => None,
            (false, Cents::ZERO) => Some(t.t("visits-cancel-nothing-back")),
            (false, r) => Some(t.t_with("visits-cancel-back", &[("refund", r.to_string().into())])),
        };
        Ok::<_, StoreError>(Some((
            r.full_name,
            local_label(&t, v.start, &zone(&f.time_zone)),
            money,
        )))
    }
    .await;
    match built {
        Ok(Some((name, when, money))) => CancelPage {
            id,
            with: t.t_with("visits-with", &[("name", name.into())]),
            when: t.t_with("visits-cancel-when", &[("time", when.into())]),
            money,
            page,
        }
        .into_response(),
        Ok(None) => see_other("/visits"),
        Err(e) => failure(&e),
    }
}

#[derive(Debug, Deserialize)]
pub struct CancelForm {
    #[serde(default)]
    pub csrf: String,
}

pub async fn cancel(
    State(s): State<AppState>,
    VisitorPage(a): VisitorPage,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<CancelForm>,
) -> Response {
    let owned = match s.db.conn().await {
        Ok(mut conn) => get_visit(&mut conn, VisitId(id))
            .await
            .map(|v| v.visitor == a.id)
            .unwrap_or(false),
        Err(_) => false,
    };
    if !owned {
        return see_other("/visits");
    }
    match cancel_visit(
        &s.db,
        VisitId(id),
        CancelledBy::Visitor,
        Some(a.id),
        openvisit_store::visits::SystemReason::ByVisitor,
        s.clock.now(),
    )
    .await
    {
        Ok(out) => see_other(&format!("/visits?notice=cancelled&refund={}", out.refund.0)),
        Err(_) => see_other("/visits"),
    }
}

crate::csrf_form!(CancelForm);
