//! Stripe as the payment provider (issue 22), judged from outside: the `openvisit`
//! binary started with `--stripe-*`, Stripe's API played by a local HTTP server that
//! checks each request against the shapes Stripe documents, and events signed by the
//! test as Stripe signs them. What this cannot exercise is Stripe itself (README).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use jiff::Timestamp;
use openvisit_core::{AccountId, Cents};
use openvisit_store::payments::{
    ChargeOutcome, Deposited, EventOutcome, PaymentEvent, PaymentNews, PaymentProvider,
    credit_from_event, deposit, reconcile_deposits,
};
use openvisit_web::stripe::StripeProvider;
use openvisit_web::stripe::signature::sign;
use secrecy::SecretString;
use serde_json::{Value, json};

use crate::harness::*;
use crate::security::demo::serve;

const SECRET_KEY: &str = "sk_test_openvisit";
const WEBHOOK_SECRET: &str = "whsec_openvisit_test";

/// What the stand-in for Stripe's API saw and answers.
#[derive(Default)]
struct Seen {
    /// Checkout Sessions made, by our reference (the Idempotency-Key).
    sessions: HashMap<String, (String, i64)>,
    /// Each session's (status, payment_status), as a GET answers it.
    states: HashMap<String, (String, String)>,
    creates: usize,
    /// Requests that do not have the shape Stripe documents.
    wrong: Vec<String>,
}

type Stripe = Arc<Mutex<Seen>>;

async fn create_session(
    State(seen): State<Stripe>,
    headers: HeaderMap,
    body: String,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let mut seen = seen.lock().expect("lock");
    seen.creates += 1;
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let form: HashMap<String, String> = serde_urlencoded::from_str(&body).unwrap_or_default();
    let field = |name: &str| form.get(name).cloned().unwrap_or_default();
    let mut wrong = Vec::new();
    if header("authorization") != format!("Bearer {SECRET_KEY}") {
        wrong.push("Authorization is not the secret key as a bearer token".to_owned());
    }
    if !header("content-type").starts_with("application/x-www-form-urlencoded") {
        wrong.push(format!("content type {}", header("content-type")));
    }
    if header("stripe-version").is_empty() {
        wrong.push("no Stripe-Version".to_owned());
    }
    let reference = header("idempotency-key");
    if reference.is_empty() || field("client_reference_id") != reference {
        wrong.push("the Idempotency-Key is not the client_reference_id".to_owned());
    }
    for (name, want) in [
        ("mode", "payment"),
        ("line_items[0][quantity]", "1"),
        ("line_items[0][price_data][currency]", "usd"),
    ] {
        if field(name) != want {
            wrong.push(format!("{name} = {:?}", field(name)));
        }
    }
    let amount: i64 = field("line_items[0][price_data][unit_amount]")
        .parse()
        .unwrap_or(0);
    if amount <= 0 {
        wrong.push("no unit_amount in cents".to_owned());
    }
    if field("line_items[0][price_data][product_data][name]").is_empty() {
        wrong.push("no product name".to_owned());
    }
    let expires: i64 = field("expires_at").parse().unwrap_or(0);
    let now = Timestamp::now().as_second();
    if !(now + 30 * 60..=now + 24 * 3600).contains(&expires) {
        wrong.push(format!(
            "expires_at {expires} is not 30 minutes to 24 hours away"
        ));
    }
    for url in ["success_url", "cancel_url"] {
        if !field(url).starts_with("http") || !field(url).contains("/funds?payment=") {
            wrong.push(format!("{url} = {:?}", field(url)));
        }
    }
    if !wrong.is_empty() {
        seen.wrong.extend(wrong);
        return (
            axum::http::StatusCode::BAD_REQUEST,
            axum::Json(
                json!({ "error": { "type": "invalid_request_error", "message": "bad request" } }),
            ),
        )
            .into_response();
    }
    // Stripe answers a repeated Idempotency-Key with the first answer.
    let n = seen.sessions.len() + 1;
    let (id, _) = seen
        .sessions
        .entry(reference)
        .or_insert_with(|| (format!("cs_test_{n}"), amount))
        .clone();
    seen.states
        .entry(id.clone())
        .or_insert(("open".into(), "unpaid".into()));
    axum::Json(session_json(&id, "open", "unpaid")).into_response()
}

fn session_json(id: &str, status: &str, paid: &str) -> Value {
    json!({
        "id": id, "object": "checkout.session", "status": status, "payment_status": paid,
        "url": format!("https://checkout.stripe.com/c/pay/{id}"),
        "payment_intent": if paid == "paid" { Value::from(format!("pi_{id}")) } else { Value::Null },
    })
}

async fn get_session(State(seen): State<Stripe>, Path(id): Path<String>) -> axum::Json<Value> {
    let seen = seen.lock().expect("lock");
    let (status, paid) = seen
        .states
        .get(&id)
        .cloned()
        .unwrap_or(("expired".into(), "unpaid".into()));
    axum::Json(session_json(&id, &status, &paid))
}

/// Stripe's API, played on 127.0.0.1; its address and what it saw.
async fn stand_in_for_stripe() -> (String, Stripe) {
    let seen = Stripe::default();
    let app = axum::Router::new()
        .route("/v1/checkout/sessions", post(create_session))
        .route("/v1/checkout/sessions/{id}", get(get_session))
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), seen)
}

/// An event as Stripe sends it about a Checkout Session.
fn event(id: &str, kind: &str, reference: &str, paid: bool, amount: i64) -> String {
    json!({
        "id": id, "object": "event", "type": kind, "api_version": "2024-06-20",
        "data": { "object": {
            "id": "cs_test_x", "object": "checkout.session",
            "client_reference_id": reference,
            "payment_status": if paid { "paid" } else { "unpaid" },
            "amount_total": amount, "currency": "usd", "payment_intent": "pi_x"
        } }
    })
    .to_string()
}

/// Posts `body` to the webhook with `signature`; the status and the answer.
async fn deliver(base: &str, body: &str, signature: Option<String>) -> (u16, Value) {
    let mut req = reqwest::Client::new()
        .post(format!("{base}/api/v1/payments/stripe/webhook"))
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(s) = signature {
        req = req.header("stripe-signature", s);
    }
    let res = req.send().await.expect("webhook");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

fn signed(body: &str, at: Timestamp) -> Option<String> {
    Some(sign(body.as_bytes(), WEBHOOK_SECRET, at))
}

async fn balance(c: &Client) -> i64 {
    let (status, b) = c.get("/api/v1/balance").await;
    assert_eq!(status, 200, "{b}");
    b["balance_cents"].as_i64().expect("balance")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_family_pays_on_stripe_and_is_credited_once_only_from_the_signed_event() {
    let (stripe, seen) = stand_in_for_stripe().await;
    let data = std::env::temp_dir().join(format!("ov_stripe_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let server = serve(
        &data,
        &[
            "--stripe-secret-key",
            SECRET_KEY,
            "--stripe-webhook-secret",
            WEBHOOK_SECRET,
            "--stripe-api-base",
            &stripe,
        ],
    );
    let http = reqwest::Client::new();
    let cookie = sign_in(
        &http,
        &server.base,
        openvisit_store::demo::DEMO_VISITOR_EMAIL,
        openvisit_store::demo::DEMO_VISITOR_PASSWORD,
    )
    .await;
    let cookie = cookie_pair(&cookie);
    let family = server.client(Some(cookie.clone()));
    let before = balance(&family).await;

    // Adding funds sends the family to Stripe's page; a retry gets the same page.
    let (status, first) = family
        .post_with_key(
            "/api/v1/deposits",
            json!({ "amount_cents": 2500 }),
            "funds-1",
        )
        .await;
    assert_eq!(status, 202, "{first}");
    let url = first["checkout_url"]
        .as_str()
        .expect("checkout url")
        .to_owned();
    assert!(url.starts_with("https://checkout.stripe.com/"), "{url}");
    let (status, again) = family
        .post_with_key(
            "/api/v1/deposits",
            json!({ "amount_cents": 2500 }),
            "funds-1",
        )
        .await;
    assert_eq!(
        (status, again["checkout_url"].as_str()),
        (202, Some(url.as_str()))
    );
    let reference = {
        let seen = seen.lock().expect("lock");
        assert_eq!(
            seen.wrong,
            Vec::<String>::new(),
            "requests Stripe would refuse"
        );
        assert_eq!(seen.creates, 1, "the retry made no second page");
        seen.sessions.keys().next().expect("a session").clone()
    };
    assert_eq!(
        balance(&family).await,
        before,
        "nothing is credited before Stripe says so"
    );

    // Coming back from Stripe's page proves nothing: the page says it is being confirmed.
    let (status, page) =
        crate::security::page_text(&server.base, "/funds?payment=done&lang=es", Some(&cookie))
            .await;
    assert_eq!(status, 200);
    assert!(page.contains("Estamos confirmando tu pago"), "{page}");
    assert!(
        page.contains("página segura de Stripe"),
        "no card field, Stripe's page instead: {page}"
    );
    assert!(!page.contains("id=\"card\""), "{page}");

    // Events Stripe did not sign, signed too long ago, or unsigned change nothing.
    let paid = event(
        "evt_paid",
        "checkout.session.completed",
        &reference,
        true,
        2500,
    );
    let forged = Some(sign(
        paid.as_bytes(),
        "whsec_someone_else",
        Timestamp::now(),
    ));
    let stale = signed(
        &paid,
        Timestamp::now() - jiff::SignedDuration::from_mins(10),
    );
    for (why, signature) in [
        ("forged", forged),
        ("replayed late", stale),
        ("unsigned", None),
    ] {
        let (status, body) = deliver(&server.base, &paid, signature).await;
        assert_eq!(status, 400, "{why}: {body}");
        assert_eq!(body["error"], "bad_signature", "{why}: {body}");
    }
    assert_eq!(balance(&family).await, before);

    // The signed event credits once: again, a later success or an expiry arriving late
    // change nothing.
    let (status, body) = deliver(&server.base, &paid, signed(&paid, Timestamp::now())).await;
    assert_eq!(
        (status, body["outcome"].as_str()),
        (200, Some("credited")),
        "{body}"
    );
    assert_eq!(balance(&family).await, before + 2500);
    let (status, body) = deliver(&server.base, &paid, signed(&paid, Timestamp::now())).await;
    assert_eq!(
        (status, body["outcome"].as_str()),
        (200, Some("duplicate")),
        "{body}"
    );
    for (id, kind, paid) in [
        (
            "evt_async",
            "checkout.session.async_payment_succeeded",
            true,
        ),
        ("evt_expired", "checkout.session.expired", false),
    ] {
        let late = event(id, kind, &reference, paid, 2500);
        let (status, body) = deliver(&server.base, &late, signed(&late, Timestamp::now())).await;
        assert_eq!(
            (status, body["outcome"].as_str()),
            (200, Some("already_settled")),
            "{kind}: {body}"
        );
    }
    assert_eq!(balance(&family).await, before + 2500);
    let (_, history) = family.get("/api/v1/ledger").await;
    let deposits = history
        .as_array()
        .expect("ledger")
        .iter()
        .filter(|l| l["kind"] == "deposit" && l["amount"] == 2500)
        .count();
    assert_eq!(deposits, 1, "{history}");

    // A payment of another amount than the deposit's is not credited.
    let (status, second) = family
        .post_with_key(
            "/api/v1/deposits",
            json!({ "amount_cents": 1000 }),
            "funds-2",
        )
        .await;
    assert_eq!(status, 202, "{second}");
    let other = {
        let seen = seen.lock().expect("lock");
        seen.sessions
            .keys()
            .find(|k| **k != reference)
            .expect("second")
            .clone()
    };
    let short = event("evt_short", "checkout.session.completed", &other, true, 999);
    let (status, body) = deliver(&server.base, &short, signed(&short, Timestamp::now())).await;
    assert_eq!(
        (status, body["outcome"].as_str()),
        (200, Some("amount_mismatch")),
        "{body}"
    );
    assert_eq!(balance(&family).await, before + 2500);

    // Other event types are acknowledged and left alone.
    let unrelated =
        json!({ "id": "evt_c", "type": "customer.created", "data": { "object": {} } }).to_string();
    let (status, body) = deliver(
        &server.base,
        &unrelated,
        signed(&unrelated, Timestamp::now()),
    )
    .await;
    assert_eq!(
        (status, body["outcome"].as_str()),
        (200, Some("ignored")),
        "{body}"
    );
    server.kill();
    let _ = std::fs::remove_dir_all(&data);
}

/// Reconciliation asks Stripe about deposits no event settled: a paid page is credited
/// (and its late event then changes nothing), an expired one closed, an open one left;
/// a payment Stripe confirms after reconciliation closed it is still credited. On both
/// databases, with the real provider code against the stand-in.
async fn reconciliation_and_late_events_settle_each_deposit_once(
    backend: openvisit_store::Backend,
) {
    let (api, seen) = stand_in_for_stripe().await;
    let t = TestDb::new(backend).await;
    let db = &t.db;
    let fx = fixture(db, 1, 1, settings()).await;
    let (visitor, _) = approved_visitor(db, &fx, &fx.residents).await;
    let stripe = StripeProvider::new(
        &api,
        SecretString::from(SECRET_KEY),
        "http://127.0.0.1:9",
        Arc::new(openvisit_web::clock::Clock::default()),
    )
    .expect("provider");
    let now = Timestamp::now();
    let mut references = Vec::new();
    for (n, cents) in [2000, 3000, 4000].into_iter().enumerate() {
        let d = deposit(
            db,
            &stripe,
            visitor,
            Cents(cents),
            "",
            Some(&format!("k{n}")),
            now,
        )
        .await
        .expect("deposit");
        assert!(matches!(d, Deposited::Checkout { .. }), "{d:?}");
        references.push(format!("deposit-{}", last_deposit(db, visitor).await));
    }
    {
        let mut seen = seen.lock().expect("lock");
        assert_eq!(seen.wrong, Vec::<String>::new());
        let ids: Vec<String> = references
            .iter()
            .map(|r| seen.sessions[r].0.clone())
            .collect();
        seen.states
            .insert(ids[0].clone(), ("complete".into(), "paid".into()));
        seen.states
            .insert(ids[1].clone(), ("expired".into(), "unpaid".into()));
        // ids[2] stays open: the family may still be paying.
    }
    let later = now + jiff::SignedDuration::from_mins(10);
    let r = reconcile_deposits(db, &stripe, 5, later)
        .await
        .expect("reconcile");
    assert_eq!((r.credited, r.not_charged), (1, 1));
    assert_eq!(balance_of(db, visitor).await, 2000);
    // The first one's event, late: already settled.
    let late = PaymentEvent {
        id: "evt_late".into(),
        kind: "checkout.session.completed".into(),
        reference: references[0].clone(),
        news: PaymentNews::Paid {
            amount: Cents(2000),
            provider_reference: "pi_1".into(),
        },
    };
    assert_eq!(
        credit_from_event(db, &late, later).await.expect("event"),
        EventOutcome::AlreadySettled
    );
    // The expired one is paid after all (an event reconciliation could not know of).
    let paid_after_all = PaymentEvent {
        id: "evt_after".into(),
        kind: "checkout.session.completed".into(),
        reference: references[1].clone(),
        news: PaymentNews::Paid {
            amount: Cents(3000),
            provider_reference: "pi_2".into(),
        },
    };
    assert_eq!(
        credit_from_event(db, &paid_after_all, later)
            .await
            .expect("event"),
        EventOutcome::Credited
    );
    assert_eq!(
        credit_from_event(db, &paid_after_all, later)
            .await
            .expect("event"),
        EventOutcome::Duplicate
    );
    // An event naming no deposit of ours.
    let stranger = PaymentEvent {
        id: "evt_stranger".into(),
        reference: "deposit-999999999".into(),
        ..late.clone()
    };
    assert_eq!(
        credit_from_event(db, &stranger, later)
            .await
            .expect("event"),
        EventOutcome::UnknownDeposit
    );
    // The open one is still pending, and the next reconciliation leaves it so.
    let r = reconcile_deposits(db, &stripe, 5, later)
        .await
        .expect("reconcile");
    assert_eq!((r.credited, r.not_charged), (0, 0));
    assert_eq!(balance_of(db, visitor).await, 5000);
    let mut conn = db.pool.acquire().await.expect("conn");
    let check = openvisit_store::ledger::check_ledger(&mut conn)
        .await
        .expect("ledger");
    assert!(check.mismatched_balances.is_empty());
    assert_eq!(check.total, 0);
    drop(conn);
    t.cleanup().await;
}
per_backend!(
    reconciliation_and_late_events_settle_each_deposit_once,
    reconciliation_and_late_events_settle_each_deposit_once
);

async fn last_deposit(db: &openvisit_store::Db, visitor: AccountId) -> i64 {
    use sqlx::Row;
    let mut conn = db.pool.acquire().await.expect("conn");
    sqlx::query("SELECT MAX(id) AS id FROM deposits WHERE account_id = $1")
        .bind(visitor.0)
        .fetch_one(&mut *conn)
        .await
        .expect("deposit")
        .get("id")
}

async fn balance_of(db: &openvisit_store::Db, visitor: AccountId) -> i64 {
    let mut conn = db.pool.acquire().await.expect("conn");
    openvisit_store::ledger::visitor_balance(&mut conn, visitor)
        .await
        .expect("balance")
        .0
}

/// The provider never charges by itself: it always answers with Stripe's page.
#[tokio::test]
async fn the_stripe_provider_answers_with_a_checkout_page_never_a_charge() {
    let (api, _seen) = stand_in_for_stripe().await;
    let stripe = StripeProvider::new(
        &api,
        SecretString::from(SECRET_KEY),
        "http://127.0.0.1:9",
        Arc::new(openvisit_web::clock::Clock::default()),
    )
    .expect("provider");
    assert!(stripe.takes_card_itself());
    let out = stripe
        .charge(AccountId(1), Cents(500), "", "deposit-1")
        .await
        .expect("charge");
    assert!(matches!(out, ChargeOutcome::Checkout { .. }), "{out:?}");
}
