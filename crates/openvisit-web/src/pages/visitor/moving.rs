//! Moving a visit to another time on the website: the same picker as booking, for the
//! visit's own kind and length, and the store's `reschedule_visit` (the same visit and
//! calendar event, the price unchanged, allowed until the cancellation notice).

use super::*;
use openvisit_core::pricing::ChargeKind;
use openvisit_store::reschedule::reschedule_visit;
use openvisit_store::visits::Visit;

#[derive(Template, WebTemplate)]
#[template(path = "move_visit.html")]
pub struct MovePage {
    pub page: PageMeta,
    pub id: i64,
    pub title: String,
    pub now: String,
    pub price_note: String,
    /// Why the move was refused, or that it is too late to move.
    pub error: Option<String>,
    /// None when it is too late to move the visit.
    pub picker: Option<picker::PickerView>,
}

#[derive(Debug, Deserialize, Default)]
pub struct DayQuery {
    #[serde(default)]
    pub day: String,
}

/// Whether the visitor may still move `v`: booked, and at least the facility's
/// cancellation notice before its start (a move cannot dodge the late-cancel rule).
pub(super) fn movable(v: &Visit, notice_minutes: u32, now: Timestamp) -> bool {
    v.status == VisitStatus::Booked && now <= add_minutes(v.start, -i64::from(notice_minutes))
}

/// Builds the page for the visitor's own booked visit `id`; None if it is not theirs or
/// not booked.
async fn move_page(
    s: &AppState,
    page: PageMeta,
    a: &Account,
    id: i64,
    day: &str,
    error: Option<String>,
) -> Result<Option<MovePage>, StoreError> {
    let t = page.t;
    let mut conn = s.db.conn().await?;
    let Some(v) = own_booked_visit(&mut conn, a, id).await? else {
        return Ok(None);
    };
    let resident = get_resident(&mut conn, v.resident).await?;
    let f = get_facility(&mut conn, v.facility).await?;
    let now = s.clock.now();
    let notice = f.settings.cancel_notice_minutes;
    let length = u32::try_from((v.end.as_second() - v.start.as_second()) / 60).unwrap_or(0);
    let free = v.charge_kind == ChargeKind::Free || v.price == Cents::ZERO;
    let price_note = if free {
        t.t("move-price-free")
    } else {
        t.t_with("move-price", &[("price", v.price.to_string().into())])
    };
    let (picker, error) = if movable(&v, notice, now) {
        let href = |d: Date| format!("/visits/{id}/move?day={d}#times-title");
        let choice = picker::Choice {
            facility: &f,
            resident: &resident,
            visitor: a,
            kind: v.kind,
            length,
            day,
        };
        let view = picker::build(&mut conn, &t, now, &choice, &href).await?;
        (Some(view), error)
    } else {
        let hours = i64::from(notice / 60);
        let too_late = t.t_with("move-too-late", &[("hours", hours.into())]);
        (None, Some(error.unwrap_or(too_late)))
    };
    Ok(Some(MovePage {
        id,
        title: t.t_with("move-title", &[("name", resident.full_name.into())]),
        now: t.t_with(
            "move-now",
            &[
                (
                    "facility_time",
                    local_label(&t, v.start, &zone(&f.time_zone)).into(),
                ),
                (
                    "your_time",
                    local_label(&t, v.start, &zone(&a.time_zone)).into(),
                ),
            ],
        ),
        price_note,
        error,
        picker,
        page,
    }))
}

pub async fn move_form(
    State(s): State<AppState>,
    lang: Lang,
    uri: Uri,
    headers: HeaderMap,
    VisitorPage(a): VisitorPage,
    Path(id): Path<i64>,
) -> Response {
    let q = Query::<DayQuery>::try_from_uri(&uri)
        .map(|Query(q)| q)
        .unwrap_or_default();
    let page = PageMeta::signed(lang, &uri, &headers, Some(&a));
    match move_page(&s, page, &a, id, &q.day, None).await {
        Ok(Some(p)) => p.into_response(),
        Ok(None) => see_other("/visits"),
        Err(e) => failure(&e),
    }
}

#[derive(Debug, Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    pub csrf: String,
    pub start: i64,
}

pub async fn move_post(
    State(s): State<AppState>,
    lang: Lang,
    uri: Uri,
    headers: HeaderMap,
    VisitorPage(a): VisitorPage,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<MoveForm>,
) -> Response {
    let Ok(start) = Timestamp::from_second(f.start) else {
        return see_other(&format!("/visits/{id}/move"));
    };
    let t = Tr { lang };
    let (status, error) =
        match reschedule_visit(&s.db, VisitId(id), a.id, start, s.clock.now()).await {
            Ok(_) => return see_other("/visits?notice=moved"),
            Err(StoreError::Rule(_)) => (StatusCode::CONFLICT, t.t("move-taken")),
            Err(StoreError::Invalid(m) | StoreError::Conflict(m)) => {
                (StatusCode::CONFLICT, t.message(&m))
            }
            Err(StoreError::NotFound(_) | StoreError::Forbidden) => return see_other("/visits"),
            Err(e) => return failure(&e),
        };
    // Back to the day that was chosen, with what went wrong.
    let day = match s.db.conn().await {
        Ok(mut conn) => match get_visit(&mut conn, VisitId(id)).await {
            Ok(v) => match get_facility(&mut conn, v.facility).await {
                Ok(fac) => zone(&fac.time_zone).to_datetime(start).date().to_string(),
                Err(_) => String::new(),
            },
            Err(_) => String::new(),
        },
        Err(_) => String::new(),
    };
    let page = PageMeta::signed(lang, &uri, &headers, Some(&a));
    match move_page(&s, page, &a, id, &day, Some(error)).await {
        Ok(Some(p)) => (status, p).into_response(),
        Ok(None) => see_other("/visits"),
        Err(e) => failure(&e),
    }
}

crate::csrf_form!(MoveForm);
