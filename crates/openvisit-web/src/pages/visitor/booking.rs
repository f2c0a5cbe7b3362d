//! Booking: kind, length, days with free times, times in both zones, the price first.

use super::*;

#[derive(Template, WebTemplate)]
#[template(path = "book.html")]
pub struct BookPage {
    pub page: PageMeta,
    pub title: String,
    pub error: Option<String>,
    pub funds_link: Option<String>,
    pub resident: i64,
    pub kinds: Vec<(&'static str, String)>,
    pub kind: &'static str,
    pub lengths: Vec<(u32, String)>,
    pub length: u32,
    pub show_days: bool,
    pub days: Vec<(String, String)>,
    pub day: String,
    pub times_title: String,
    pub times: Vec<(i64, String)>,
    pub price_text: String,
    pub key: String,
}

#[derive(Debug, Deserialize, Default)]
pub struct BookQuery {
    #[serde(default)]
    pub resident: i64,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub length: u32,
    #[serde(default)]
    pub day: String,
}

/// Builds the booking page for the choices so far; `error` explains a refused booking.
async fn book_page(
    s: &AppState,
    lang: Lang,
    uri: &Uri,
    headers: &HeaderMap,
    a: &Account,
    q: &BookQuery,
    error: Option<(String, Option<String>)>,
) -> Result<Option<BookPage>, StoreError> {
    let page = PageMeta::signed(lang, uri, headers, Some(a));
    let t = page.t;
    let mut conn = s.db.pool.acquire().await?;
    let resident = match get_resident(&mut conn, ResidentId(q.resident)).await {
        Ok(r) => r,
        Err(StoreError::NotFound(_)) => return Ok(None),
        Err(e) => return Err(e),
    };
    if !is_approved(&mut conn, a.id, resident.id).await? {
        return Ok(None);
    }
    let f: Facility = get_facility(&mut conn, resident.facility).await?;
    let settings = &f.settings;
    let mut kinds = Vec::new();
    if settings.offers_remote {
        kinds.push(("remote", t.t("visits-kind-remote")));
    }
    if settings.offers_on_site {
        kinds.push(("on_site", t.t("visits-kind-on_site")));
    }
    let kind_value: &'static str = kinds
        .iter()
        .map(|k| k.0)
        .find(|k| *k == q.kind)
        .or_else(|| kinds.first().map(|k| k.0))
        .unwrap_or("remote");
    let kind = VisitKind::parse(kind_value).unwrap_or(VisitKind::Remote);
    let lengths: Vec<(u32, String)> = settings
        .allowed_lengths
        .iter()
        .map(|m| {
            (
                *m,
                t.ta(
                    "book-length-option",
                    &[
                        ("minutes", (*m).into()),
                        (
                            "price",
                            quote(&settings.pricing(), kind, *m)
                                .amount
                                .to_string()
                                .into(),
                        ),
                    ],
                ),
            )
        })
        .collect();
    let length = if settings.allowed_lengths.contains(&q.length) {
        q.length
    } else {
        settings.allowed_lengths.first().copied().unwrap_or(30)
    };
    let show_days = q.length != 0;
    let theirs = zone(&f.time_zone);
    let mine = zone(&a.time_zone);
    let now = s.clock.now();
    let (mut days, mut times) = (Vec::new(), Vec::new());
    let mut times_title = String::new();
    if show_days {
        let today = theirs.to_datetime(now).date();
        let last = today
            .checked_add(jiff::Span::new().days(13))
            .unwrap_or(today);
        let start = openvisit_core::hours::local_instant(&theirs, today, jiff::civil::Time::MIN)
            .unwrap_or(now);
        let end = add_minutes(start, 16 * 24 * 60);
        let data = load_schedule(
            &mut conn,
            f.id,
            resident.unit,
            resident.id,
            a.id,
            start,
            end,
        )
        .await?;
        let slots: Vec<Slot> = data.schedule().slots(kind, length, today, last, now);
        let mut by_day: Vec<(Date, usize)> = Vec::new();
        for slot in &slots {
            let d = theirs.to_datetime(slot.start).date();
            match by_day.last_mut() {
                Some((day, n)) if *day == d => *n += 1,
                _ => by_day.push((d, 1)),
            }
        }
        for (d, n) in &by_day {
            let label = format!(
                "{} {}",
                t.t(&format!("weekday-{}", d.weekday().to_monday_one_offset())),
                d.strftime("%Y-%m-%d")
            );
            days.push((
                d.to_string(),
                t.ta(
                    "book-day-option",
                    &[("day", label.into()), ("count", (*n).into())],
                ),
            ));
        }
        if let Ok(chosen) = q.day.parse::<Date>() {
            times_title = t.ta("book-times", &[("day", chosen.to_string().into())]);
            for slot in slots
                .iter()
                .filter(|sl| theirs.to_datetime(sl.start).date() == chosen)
            {
                let label = t.ta(
                    "book-time-option",
                    &[
                        (
                            "facility_time",
                            openvisit_core::local_time::clock(slot.start, &theirs).into(),
                        ),
                        ("your_time", local_label(&t, slot.start, &mine).into()),
                    ],
                );
                times.push((slot.start.as_second(), label));
            }
        }
    }
    let price = quote(&settings.pricing(), kind, length).amount;
    let balance = visitor_balance(&mut conn, a.id).await?;
    let price_text = if price.0 == 0 {
        t.t("book-price-free")
    } else {
        t.ta(
            "book-price",
            &[
                ("price", price.to_string().into()),
                ("balance", balance.to_string().into()),
            ],
        )
    };
    let (error, funds_link) = match error {
        Some((e, link)) => (Some(e), link),
        None => (None, None),
    };
    Ok(Some(BookPage {
        title: t.ta("book-title", &[("name", resident.full_name.into())]),
        page,
        error,
        funds_link,
        resident: resident.id.0,
        kinds,
        kind: kind_value,
        lengths,
        length,
        show_days,
        days,
        day: q.day.clone(),
        times_title,
        times,
        price_text,
        key: new_key(),
    }))
}

pub async fn book(
    State(s): State<AppState>,
    lang: Lang,
    uri: Uri,
    headers: HeaderMap,
    MaybeAccount(a): MaybeAccount,
) -> Response {
    let a = match visitor(a) {
        Ok(a) => a,
        Err(to) => return see_other(to),
    };
    let q = Query::<BookQuery>::try_from_uri(&uri)
        .map(|Query(q)| q)
        .unwrap_or_default();
    match book_page(&s, lang, &uri, &headers, &a, &q, None).await {
        Ok(Some(p)) => p.into_response(),
        Ok(None) => see_other("/people"),
        Err(e) => failure(&e),
    }
}

#[derive(Debug, Deserialize)]
pub struct BookForm {
    #[serde(default)]
    pub csrf: String,
    pub resident: i64,
    pub kind: String,
    pub length: u32,
    pub start: i64,
    #[serde(default)]
    pub key: String,
}

pub async fn book_post(
    State(s): State<AppState>,
    lang: Lang,
    uri: Uri,
    headers: HeaderMap,
    MaybeAccount(a): MaybeAccount,
    Form(f): Form<BookForm>,
) -> Response {
    let a = match visitor_post(a, &headers, &f.csrf, lang, &uri) {
        Ok(a) => a,
        Err(answer) => return *answer,
    };
    let (Some(kind), Ok(start)) = (VisitKind::parse(&f.kind), Timestamp::from_second(f.start))
    else {
        return see_other(&format!("/book?resident={}", f.resident));
    };
    let req = BookingRequest {
        visitor: a.id,
        resident: ResidentId(f.resident),
        kind,
        start,
        length_minutes: f.length,
    };
    let key = crate::extract::is_idempotency_key(&f.key).then_some(f.key.as_str());
    let t = Tr { lang };
    // The facility-local day of the chosen time, to come back to it.
    let theirs_day = match s.db.pool.acquire().await {
        Ok(mut conn) => match get_resident(&mut conn, req.resident).await {
            Ok(r) => match get_facility(&mut conn, r.facility).await {
                Ok(fac) => zone(&fac.time_zone).to_datetime(start).date().to_string(),
                Err(_) => String::new(),
            },
            Err(_) => String::new(),
        },
        Err(_) => String::new(),
    };
    let error = match book_visit(&s.db, &req, key, s.clock.now()).await {
        Ok(openvisit_store::booking::Booked::New(_)) => {
            notify::send_queued(&s).await;
            return see_other("/visits?notice=booked");
        }
        Ok(openvisit_store::booking::Booked::Replayed(_)) => {
            notify::send_queued(&s).await;
            return see_other("/visits?notice=booked");
        }
        Err(StoreError::InsufficientFunds { needed, available }) => {
            let back = format!(
                "/book?resident={}&kind={}&length={}&day={theirs_day}",
                f.resident, f.kind, f.length
            );
            let link = format!("/funds?back={}", urlencode(&back));
            (
                t.ta(
                    "book-add-funds",
                    &[
                        ("balance", available.to_string().into()),
                        ("price", needed.to_string().into()),
                    ],
                ),
                Some(link),
            )
        }
        Err(StoreError::Rule(_)) => (t.t("book-taken"), None),
        Err(e @ (StoreError::Forbidden | StoreError::NotFound(_) | StoreError::Invalid(_))) => {
            tracing::info!(error = %e, "booking refused");
            return see_other("/people");
        }
        Err(e) => return failure(&e),
    };
    let q = BookQuery {
        resident: f.resident,
        kind: f.kind.clone(),
        length: f.length,
        day: theirs_day,
    };
    match book_page(&s, lang, &uri, &headers, &a, &q, Some(error)).await {
        Ok(Some(p)) => (StatusCode::CONFLICT, p).into_response(),
        Ok(None) => see_other("/people"),
        Err(e) => failure(&e),
    }
}
