//! The Join page and receipts.

use super::*;

#[derive(Template, WebTemplate)]
#[template(path = "live_visit.html")]
pub struct LiveVisitPage {
    pub page: PageMeta,
    pub title: String,
    pub with_whom: String,
    pub room: crate::pages::room::VisitRoom,
}

/// The visit room for the visitor's own remote visit; before the waiting room opens, or
/// when video is off, a plain message says so.
pub async fn join(
    State(s): State<AppState>,
    lang: Lang,
    uri: Uri,
    headers: HeaderMap,
    VisitorPage(a): VisitorPage,
    Path(id): Path<i64>,
) -> Response {
    let found = async {
        let mut conn = s.db.conn().await?;
        let v = get_visit(&mut conn, VisitId(id)).await?;
        let r = get_resident(&mut conn, v.resident).await?;
        let f = get_facility(&mut conn, v.facility).await?;
        Ok::<_, StoreError>((v, r, f))
    }
    .await
    .ok();
    let Some((visit, resident, facility)) = found.filter(|(v, _, _)| v.visitor == a.id) else {
        return see_other("/visits");
    };
    let page = PageMeta::signed(lang, &uri, &headers, Some(&a));
    let now = s.clock.now();
    let message = if now < add_minutes(visit.start, -openvisit_core::session::WAITING_ROOM_MINUTES)
    {
        Some("join-not-yet")
    } else if s.live.is_none() || visit.kind != VisitKind::Remote {
        Some("join-unavailable")
    } else {
        None
    };
    if let Some(text) = message {
        return crate::pages::account::MessagePage {
            title: page.t.t("join-title"),
            text: page.t.t(text),
            link: Some(("/visits".into(), page.t.t("nav-visits"))),
            page,
        }
        .into_response();
    }
    let t = page.t;
    let room = crate::pages::room::VisitRoom::new(
        &t,
        "visitor",
        format!("/api/v1/visits/{}/live-ticket", visit.id),
        false,
    );
    LiveVisitPage {
        title: t.t_with("live-title", &[("name", resident.full_name.clone().into())]),
        with_whom: t.t_with(
            "live-with",
            &[
                ("facility", facility.name.clone().into()),
                (
                    "time",
                    local_label(&t, visit.start, &zone(&facility.time_zone)).into(),
                ),
            ],
        ),
        room,
        page,
    }
    .into_response()
}

#[derive(Template, WebTemplate)]
#[template(path = "receipt.html")]
pub struct ReceiptPage {
    pub page: PageMeta,
    pub title: String,
    pub date: String,
    pub what: String,
    pub amount: String,
    pub memo: String,
    pub visit: Option<String>,
}

/// A receipt for one money movement on the visitor's balance.
pub async fn receipt(
    State(s): State<AppState>,
    lang: Lang,
    uri: Uri,
    headers: HeaderMap,
    VisitorPage(a): VisitorPage,
    Path(entry): Path<i64>,
) -> Response {
    let page = PageMeta::signed(lang, &uri, &headers, Some(&a));
    let t = page.t;
    let built = async {
        let mut conn = s.db.conn().await?;
        // Only the visitor's own entries exist for them.
        let Some(line) = visitor_history(&mut conn, a.id)
            .await?
            .into_iter()
            .find(|l| l.entry_id == entry)
        else {
            return Ok(None);
        };
        let mine = zone(&a.time_zone);
        let visit = match line.visit {
            Some(v) => {
                let v = get_visit(&mut conn, v).await?;
                let f = get_facility(&mut conn, v.facility).await?;
                crate::pages::ledger_text::visit(&t, &line)
                    .map(|with| format!("{} · {with}", f.name))
            }
            None => None,
        };
        Ok::<_, StoreError>(Some(ReceiptPage {
            title: t.t_with("receipt-title", &[("number", format!("R-{entry}").into())]),
            date: local_label(&t, line.at, &mine),
            what: crate::pages::ledger_text::what(&t, &line),
            amount: line.amount.to_string(),
            memo: crate::pages::ledger_text::note(&t, &line).unwrap_or_default(),
            visit,
            page,
        }))
    }
    .await;
    match built {
        Ok(Some(p)) => p.into_response(),
        Ok(None) => see_other("/funds"),
        Err(e) => failure(&e),
    }
}
