//! People the visitor may visit, and asking for approval (R11).

use super::*;

pub struct Person {
    pub resident: i64,
    pub name: String,
    pub facility: String,
    pub status: String,
    pub can_book: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "people.html")]
pub struct PeoplePage {
    pub page: PageMeta,
    pub notice: Option<String>,
    pub error: Option<String>,
    pub people: Vec<Person>,
    pub facilities: Vec<(i64, String)>,
    pub facility: i64,
    pub query: String,
    pub searched: bool,
    pub found: Vec<(i64, String, String)>,
}

#[derive(Debug, Deserialize, Default)]
pub struct PeopleQuery {
    #[serde(default)]
    pub facility: Option<i64>,
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub notice: String,
}

async fn people_page(
    s: &AppState,
    lang: Lang,
    uri: &Uri,
    headers: &HeaderMap,
    a: &Account,
    q: PeopleQuery,
    error: Option<String>,
) -> Result<PeoplePage, StoreError> {
    let page = PageMeta::signed(lang, uri, headers, Some(a));
    let t = page.t;
    let mut conn = s.db.conn().await?;
    let mut people = Vec::new();
    for ap in approvals_of_visitor(&mut conn, a.id).await? {
        let r = get_resident(&mut conn, ap.resident).await?;
        let f = get_facility(&mut conn, r.facility).await?;
        people.push(Person {
            resident: r.id.0,
            name: r.full_name,
            facility: f.name,
            status: t.t(&format!("people-status-{}", ap.status.as_str())),
            can_book: ap.status == ApprovalStatus::Approved && r.active,
        });
    }
    let facilities: Vec<(i64, String)> = list_facilities(&mut conn, None)
        .await?
        .into_iter()
        .map(|f| (f.id.0, f.name))
        .collect();
    let facility = q
        .facility
        .or_else(|| facilities.first().map(|f| f.0))
        .unwrap_or(0);
    let query = q.q.trim().chars().take(100).collect::<String>();
    let searched = query.chars().count() >= 2;
    let found = if searched {
        search_residents(&mut conn, FacilityId(facility), &query)
            .await?
            .into_iter()
            .map(|r| (r.id.0, r.name, r.booking_number.unwrap_or_default()))
            .collect()
    } else {
        Vec::new()
    };
    let notice = (q.notice == "asked").then(|| t.t("people-asked"));
    Ok(PeoplePage {
        page,
        notice,
        error,
        people,
        facilities,
        facility,
        query,
        searched,
        found,
    })
}

pub async fn people(
    State(s): State<AppState>,
    lang: Lang,
    uri: Uri,
    headers: HeaderMap,
    VisitorPage(a): VisitorPage,
) -> Response {
    let q = Query::<PeopleQuery>::try_from_uri(&uri)
        .map(|Query(q)| q)
        .unwrap_or_default();
    match people_page(&s, lang, &uri, &headers, &a, q, None).await {
        Ok(p) => p.into_response(),
        Err(e) => failure(&e),
    }
}

#[derive(Debug, Deserialize)]
pub struct AskForm {
    #[serde(default)]
    pub csrf: String,
    pub resident_id: i64,
}

pub async fn people_post(
    State(s): State<AppState>,
    lang: Lang,
    uri: Uri,
    headers: HeaderMap,
    VisitorPage(a): VisitorPage,
    CsrfForm(f): CsrfForm<AskForm>,
) -> Response {
    match request_approval(&s.db, a.id, ResidentId(f.resident_id), s.clock.now()).await {
        Ok(_) => see_other("/people?notice=asked"),
        Err(StoreError::Invalid(_)) if !a.email_verified => {
            let t = Tr { lang };
            match people_page(
                &s,
                lang,
                &uri,
                &headers,
                &a,
                PeopleQuery::default(),
                Some(t.t("people-unconfirmed")),
            )
            .await
            {
                Ok(p) => (StatusCode::UNPROCESSABLE_ENTITY, p).into_response(),
                Err(e) => failure(&e),
            }
        }
        Err(StoreError::NotFound(_) | StoreError::Invalid(_)) => see_other("/people"),
        Err(e) => failure(&e),
    }
}

crate::csrf_form!(AskForm);
