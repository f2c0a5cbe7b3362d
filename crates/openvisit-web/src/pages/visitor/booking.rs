//! Booking: kind and length, then a month calendar of the days with free times and the
//! chosen day's times (`picker`), the price before paying.

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
    pub picker: picker::PickerView,
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
    let mut conn = s.db.conn().await?;
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
                t.t_with(
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
    let resident_id = resident.id.0;
    let href = |d: Date| {
        format!(
            "/book?resident={resident_id}&kind={kind_value}&length={length}&day={d}#times-title"
        )
    };
    let choice = picker::Choice {
        facility: &f,
        resident: &resident,
        visitor: a,
        kind,
        length,
        day: &q.day,
    };
    let picker = picker::build(&mut conn, &t, s.clock.now(), &choice, &href).await?;
    let price = quote(&settings.pricing(), kind, length).amount;
    let balance = visitor_balance(&mut conn, a.id).await?;
    let price_text = if price.0 == 0 {
        t.t("book-price-free")
    } else {
        t.t_with(
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
        title: t.t_with("book-title", &[("name", resident.full_name.into())]),
        page,
        error,
        funds_link,
        resident: resident.id.0,
        kinds,
        kind: kind_value,
        lengths,
        length,
        picker,
        price_text,
        key: new_key(),
    }))
}

pub async fn book(
    State(s): State<AppState>,
    lang: Lang,
    uri: Uri,
    headers: HeaderMap,
    VisitorPage(a): VisitorPage,
) -> Response {
    let q = Query::<BookQuery>::try_from_uri(&uri)
        .map(|Query(q)| q)
        .unwrap_or_default();
    // The facility's rules first, until this visitor accepted their current version.
    let owed = async {
        let mut conn = s.db.conn().await?;
        match openvisit_store::rules::rules_owed(&mut conn, a.id, ResidentId(q.resident)).await? {
            Some(f) => Ok(Some(get_facility(&mut conn, f).await?)),
            None => Ok::<_, StoreError>(None),
        }
    }
    .await;
    match owed {
        Ok(Some(f)) => {
            let page = PageMeta::signed(lang, &uri, &headers, Some(&a));
            return super::rules::rules_page(page, &f, ResidentId(q.resident)).into_response();
        }
        Ok(None) => {}
        Err(e) => return failure(&e),
    }
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
    VisitorPage(a): VisitorPage,
    CsrfForm(f): CsrfForm<BookForm>,
) -> Response {
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
    let theirs_day = match s.db.conn().await {
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
        // New or replayed: the emails go out before the answer (`notify::deliver_after`).
        Ok(_) => return see_other("/visits?notice=booked"),
        Err(StoreError::InsufficientFunds { needed, available }) => {
            let back = format!(
                "/book?resident={}&kind={}&length={}&day={theirs_day}",
                f.resident, f.kind, f.length
            );
            let link = format!("/funds?back={}", urlencode(&back));
            (
                t.t_with(
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
        // The rules changed (or were never accepted): the booking page shows them.
        Err(StoreError::Conflict(m)) if m.id == "error-rules-not-accepted" => {
            return see_other(&format!("/book?resident={}", f.resident));
        }
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

crate::csrf_form!(BookForm);
