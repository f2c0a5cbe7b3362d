//! Per-minute capture and deposits.

#![allow(unused_imports, reason = "one import list for the three storage files")]

use jiff::Timestamp;
use openvisit_core::Cents;
use openvisit_core::availability::RuleViolation;
use openvisit_core::facility::VisitKind;
use openvisit_core::interval::add_minutes;
use openvisit_core::refund::CancelledBy;
use openvisit_store::StoreError;
use openvisit_store::booking::{Booked, BookingRequest, book_visit};
use openvisit_store::cancel::cancel_visit;
use openvisit_store::facilities::update_settings;
use openvisit_store::ledger::{check_ledger, visitor_balance};
use openvisit_store::visits::overlapping_visits;
use sqlx::Row;

use crate::harness::*;

use super::count;

async fn a_per_minute_visit_captures_connected_minutes_and_returns_the_rest(
    backend: openvisit_store::Backend,
) {
    use openvisit_store::live::{SettledStatus, settle_live_visit};

    use super::live::report;
    let t = TestDb::new(backend).await;
    let db = &t.db;
    let mut s = settings();
    s.pricing_mode = openvisit_core::facility::PricingMode::PerMinute;
    s.increment_minutes = 30;
    s.fee_cents = 570; // 19 cents a minute
    let fx = fixture(db, 1, 1, s).await;
    let (v, _) = approved_visitor(db, &fx, &fx.residents).await;
    fund(db, v, 1000).await;
    let start = local_start(2, 9, 0);
    let req = BookingRequest {
        visitor: v,
        resident: fx.residents[0],
        kind: VisitKind::Remote,
        start,
        length_minutes: 30,
    };
    let visit = book_visit(db, &req, None, Timestamp::now())
        .await
        .expect("book")
        .visit()
        .clone();
    assert_eq!(visit.price, Cents(570), "the block is held");
    let mut conn = db.pool.acquire().await.expect("conn");
    assert_eq!(
        visitor_balance(&mut conn, v).await.expect("bal"),
        Cents(430)
    );
    let early = settle_live_visit(
        db,
        visit.id,
        &report(SettledStatus::Completed, add_minutes(start, -5), 600, 0),
        None,
        add_minutes(start, -5),
    )
    .await;
    assert!(matches!(early, Err(StoreError::Invalid(_))), "{early:?}");
    // 9 minutes 30 seconds connected: 10 started minutes at 19 cents.
    let done = settle_live_visit(
        db,
        visit.id,
        &report(SettledStatus::Completed, add_minutes(start, 30), 570, 0),
        None,
        add_minutes(start, 30),
    )
    .await
    .expect("finish");
    assert_eq!((done.charged, done.returned), (Cents(190), Cents(380)));
    assert_eq!(
        visitor_balance(&mut conn, v).await.expect("bal"),
        Cents(1000 - 190)
    );
    let again = settle_live_visit(
        db,
        visit.id,
        &report(SettledStatus::Completed, add_minutes(start, 31), 570, 0),
        None,
        add_minutes(start, 31),
    )
    .await;
    assert!(
        matches!(again, Err(StoreError::Conflict(_))),
        "settled once only: {again:?}"
    );
    // A visit lost to a fault captures nothing.
    let lost = book_visit(
        db,
        &BookingRequest {
            start: add_minutes(start, 60),
            ..req
        },
        None,
        Timestamp::now(),
    )
    .await
    .expect("book")
    .visit()
    .clone();
    let out = settle_live_visit(
        db,
        lost.id,
        &report(SettledStatus::Failed, add_minutes(start, 90), 900, 0),
        None,
        add_minutes(start, 90),
    )
    .await
    .expect("finish");
    assert_eq!(out.charged, Cents(0));
    assert_eq!(
        visitor_balance(&mut conn, v).await.expect("bal"),
        Cents(1000 - 190)
    );
    let check = check_ledger(&mut conn).await.expect("check");
    assert_eq!(check.total, 0);
    assert!(check.mismatched_balances.is_empty());
    let held = count(db, "SELECT CAST(COALESCE(SUM(amount_cents), 0) AS BIGINT) AS n FROM ledger_postings WHERE account LIKE 'hold:%'").await;
    assert_eq!(held, 0, "every hold is settled");
    drop(conn);
    t.cleanup().await;
}
per_backend!(
    a_per_minute_visit_captures_connected_minutes_and_returns_the_rest,
    a_per_minute_visit_captures_connected_minutes_and_returns_the_rest
);

async fn deposits_credit_once_per_key_and_a_lost_recording_is_reconciled(
    backend: openvisit_store::Backend,
) {
    use openvisit_store::payments::{
        Deposited, PaymentProvider, TestProvider, deposit, reconcile_deposits,
    };
    let t = TestDb::new(backend).await;
    let db = &t.db;
    let fx = fixture(db, 1, 1, settings()).await;
    let (v, _) = approved_visitor(db, &fx, &fx.residents).await;
    let provider = TestProvider::default();
    let now = Timestamp::now();
    let first = deposit(db, &provider, v, Cents(2000), "ok", Some("pay-1"), now)
        .await
        .expect("deposit");
    let again = deposit(db, &provider, v, Cents(2000), "ok", Some("pay-1"), now)
        .await
        .expect("retry");
    assert_eq!(
        (first, again),
        (
            Deposited::New(Cents(2000)),
            Deposited::Replayed(Cents(2000))
        )
    );
    let other = deposit(db, &provider, v, Cents(3000), "ok", Some("pay-1"), now).await;
    assert!(
        matches!(other, Err(StoreError::IdempotencyMismatch)),
        "{other:?}"
    );
    let declined = deposit(db, &provider, v, Cents(1000), "decline", Some("pay-2"), now).await;
    assert!(
        matches!(&declined, Err(StoreError::Invalid(m)) if m.id == "error-payment-declined"),
        "{declined:?}"
    );
    let declined_again =
        deposit(db, &provider, v, Cents(1000), "decline", Some("pay-2"), now).await;
    assert!(
        matches!(declined_again, Err(StoreError::Invalid(_))),
        "the retry gets the same answer"
    );

    // A charge the provider took while the server failed to record it: a pending row
    // whose reference the provider knows. And a pending row never charged.
    let long_ago = add_minutes(now, -30).as_second();
    for key in ["lost-1", "never-charged"] {
        sqlx::query("INSERT INTO deposits (account_id, idem_key, amount_cents, status, message, created_at) VALUES ($1, $2, 700, 'pending', '', $3)")
            .bind(v.0)
            .bind(key)
            .bind(long_ago)
            .execute(&db.pool)
            .await
            .expect("pending");
    }
    let lost_id: i64 = sqlx::query("SELECT id FROM deposits WHERE idem_key = 'lost-1'")
        .fetch_one(&db.pool)
        .await
        .expect("row")
        .try_get("id")
        .expect("id");
    provider
        .charge(v, Cents(700), "ok", &format!("deposit-{lost_id}"))
        .await
        .expect("charged");
    let r = reconcile_deposits(db, &provider, 5, now)
        .await
        .expect("reconcile");
    assert_eq!((r.credited, r.not_charged), (1, 1));
    let r = reconcile_deposits(db, &provider, 5, now)
        .await
        .expect("reconcile again");
    assert_eq!(
        (r.credited, r.not_charged),
        (0, 0),
        "nothing is credited twice"
    );
    let mut conn = db.pool.acquire().await.expect("conn");
    assert_eq!(
        visitor_balance(&mut conn, v).await.expect("bal"),
        Cents(2700)
    );
    let check = check_ledger(&mut conn).await.expect("check");
    assert_eq!(check.total, 0);
    assert!(check.mismatched_balances.is_empty());
    drop(conn);
    t.cleanup().await;
}
per_backend!(
    deposits_credit_once_per_key_and_a_lost_recording_is_reconciled,
    deposits_credit_once_per_key_and_a_lost_recording_is_reconciled
);
