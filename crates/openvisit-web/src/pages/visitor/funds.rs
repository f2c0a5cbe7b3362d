//! Funds: the balance, adding money, the history.

use super::*;

#[derive(Template, WebTemplate)]
#[template(path = "funds.html")]
pub struct FundsPage {
    pub page: PageMeta,
    pub notice: Option<String>,
    pub error: Option<String>,
    pub back: Option<String>,
    pub back_value: String,
    pub balance: String,
    pub key: String,
    pub amounts: Vec<(i64, String)>,
    pub history: Vec<(i64, String, String, String)>,
    /// A card field here (the test provider); otherwise the family pays on Stripe's page.
    pub card_here: bool,
}

#[derive(Debug, Deserialize, Default)]
pub struct FundsQuery {
    #[serde(default)]
    pub back: String,
    #[serde(default)]
    pub added: bool,
    /// `done` or `cancelled`: back from the provider's page.
    #[serde(default)]
    pub payment: String,
}

/// Only a path on this site may be a "back" link.
fn safe_back(back: &str) -> Option<String> {
    (back.starts_with("/book?") && !back.contains("//")).then(|| back.to_owned())
}

/// What the funds page says above the form.
struct FundsMessage<'a> {
    back: &'a str,
    added: bool,
    /// Back from the provider's page: `done` or `cancelled`.
    payment: &'a str,
    error: Option<String>,
}

async fn funds_page(
    s: &AppState,
    lang: Lang,
    uri: &Uri,
    headers: &HeaderMap,
    a: &Account,
    msg: FundsMessage<'_>,
) -> Result<FundsPage, StoreError> {
    let FundsMessage {
        back,
        added,
        payment,
        error,
    } = msg;
    let page = PageMeta::signed(lang, uri, headers, Some(a));
    let t = page.t;
    let mut conn = s.db.conn().await?;
    let balance = visitor_balance(&mut conn, a.id).await?;
    let mine = zone(&a.time_zone);
    let history = visitor_history(&mut conn, a.id)
        .await?
        .into_iter()
        .map(|l| {
            (
                l.entry_id,
                local_label(&t, l.at, &mine),
                crate::pages::ledger_text::describe(&t, &l),
                l.amount.to_string(),
            )
        })
        .collect();
    Ok(FundsPage {
        notice: match (added, payment) {
            (true, _) => Some(t.t_with("funds-added", &[("balance", balance.to_string().into())])),
            // The return from the provider's page proves nothing: the balance moves only
            // with the provider's signed event.
            (false, "done") => Some(t.t("funds-payment-processing")),
            (false, "cancelled") => Some(t.t("funds-payment-cancelled")),
            _ => None,
        },
        error,
        back: safe_back(back),
        back_value: safe_back(back).unwrap_or_default(),
        balance: t.t_with("funds-balance", &[("balance", balance.to_string().into())]),
        key: new_key(),
        amounts: [1000, 2000, 5000]
            .iter()
            .map(|c| (*c, Cents(*c).to_string()))
            .collect(),
        history,
        card_here: !s.payments.takes_card_itself(),
        page,
    })
}

pub async fn funds(
    State(s): State<AppState>,
    lang: Lang,
    uri: Uri,
    headers: HeaderMap,
    VisitorPage(a): VisitorPage,
) -> Response {
    let q = Query::<FundsQuery>::try_from_uri(&uri)
        .map(|Query(q)| q)
        .unwrap_or_default();
    match funds_page(
        &s,
        lang,
        &uri,
        &headers,
        &a,
        FundsMessage {
            back: &q.back,
            added: q.added,
            payment: &q.payment,
            error: None,
        },
    )
    .await
    {
        Ok(p) => p.into_response(),
        Err(e) => failure(&e),
    }
}

#[derive(Debug, Deserialize)]
pub struct FundsForm {
    #[serde(default)]
    pub csrf: String,
    pub amount_cents: i64,
    #[serde(default)]
    pub card: String,
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub back: String,
}

pub async fn funds_post(
    State(s): State<AppState>,
    lang: Lang,
    uri: Uri,
    headers: HeaderMap,
    VisitorPage(a): VisitorPage,
    CsrfForm(f): CsrfForm<FundsForm>,
) -> Response {
    // The demo's test provider declines the card number "decline".
    let token = if f.card.trim() == "decline" {
        "decline"
    } else {
        "ok"
    };
    let key = crate::extract::is_idempotency_key(&f.key).then_some(f.key.as_str());
    match deposit(
        &s.db,
        s.payments.as_ref(),
        a.id,
        Cents(f.amount_cents),
        token,
        key,
        s.clock.now(),
    )
    .await
    {
        Ok(openvisit_store::payments::Deposited::Checkout { url }) => {
            (StatusCode::SEE_OTHER, [(axum::http::header::LOCATION, url)]).into_response()
        }
        Ok(_) => {
            let back = safe_back(&f.back)
                .map(|b| format!("&back={}", urlencode(&b)))
                .unwrap_or_default();
            see_other(&format!("/funds?added=true{back}"))
        }
        Err(StoreError::Invalid(m) | StoreError::Conflict(m)) => {
            match funds_page(
                &s,
                lang,
                &uri,
                &headers,
                &a,
                FundsMessage {
                    back: &f.back,
                    added: false,
                    payment: "",
                    error: Some(Tr { lang }.message(&m)),
                },
            )
            .await
            {
                Ok(p) => (StatusCode::UNPROCESSABLE_ENTITY, p).into_response(),
                Err(e) => failure(&e),
            }
        }
        Err(e) => failure(&e),
    }
}

crate::csrf_form!(FundsForm);
