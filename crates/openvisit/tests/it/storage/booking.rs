//! Booking, cancelling, idempotency, kiosk gaps, weekly limits and the claims guard.

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

async fn booking_charges_the_block_and_cancelling_in_time_refunds_it(
    backend: openvisit_store::Backend,
) {
    let t = TestDb::new(backend).await;
    let db = &t.db;
    let fx = fixture(db, 1, 2, settings()).await;
    let (v, _) = approved_visitor(db, &fx, &fx.residents).await;
    fund(db, v, 1000).await;
    let start = local_start(3, 9, 0);
    let req = BookingRequest {
        visitor: v,
        resident: fx.residents[0],
        kind: VisitKind::Remote,
        start,
        length_minutes: 20,
    };
    // 20 minutes is not an allowed length.
    let err = book_visit(db, &req, None, Timestamp::now())
        .await
        .expect_err("length");
    assert!(
        matches!(err, StoreError::Rule(RuleViolation::LengthNotAllowed)),
        "{err:?}"
    );
    let req = BookingRequest {
        length_minutes: 30,
        ..req
    };
    let visit = book_visit(db, &req, None, Timestamp::now())
        .await
        .expect("book")
        .visit()
        .clone();
    assert_eq!(visit.price, Cents(570), "two 15-minute increments at $2.85");
    let mut conn = db.pool.acquire().await.expect("conn");
    assert_eq!(
        visitor_balance(&mut conn, v).await.expect("bal"),
        Cents(430)
    );
    // The same visitor cannot be in two visits at once, even with another resident.
    let other = BookingRequest {
        resident: fx.residents[1],
        start: add_minutes(start, 15),
        ..req.clone()
    };
    let err = book_visit(db, &other, None, Timestamp::now())
        .await
        .expect_err("busy");
    assert!(
        matches!(err, StoreError::Rule(RuleViolation::VisitorBusy)),
        "{err:?}"
    );
    let out = cancel_visit(
        db,
        visit.id,
        CancelledBy::Visitor,
        Some(v),
        "",
        Timestamp::now(),
    )
    .await
    .expect("cancel");
    assert_eq!(out.refund, Cents(570));
    assert_eq!(
        visitor_balance(&mut conn, v).await.expect("bal"),
        Cents(1000)
    );
    assert_eq!(
        count(db, "SELECT COUNT(*) AS n FROM claims").await,
        0,
        "claims released"
    );
    // The freed time can be booked again.
    book_visit(db, &other, None, Timestamp::now())
        .await
        .expect("book after cancel");
    let check = check_ledger(&mut conn).await.expect("check");
    assert_eq!(check.total, 0);
    assert!(check.mismatched_balances.is_empty(), "{check:?}");
    drop(conn);
    t.cleanup().await;
}
per_backend!(
    booking_charges_the_block_and_cancelling_in_time_refunds_it,
    booking_charges_the_block_and_cancelling_in_time_refunds_it
);

async fn a_late_cancel_by_the_visitor_keeps_the_money_but_the_facility_always_refunds(
    backend: openvisit_store::Backend,
) {
    let t = TestDb::new(backend).await;
    let db = &t.db;
    let fx = fixture(db, 1, 1, settings()).await;
    let (v, _) = approved_visitor(db, &fx, &fx.residents).await;
    fund(db, v, 2000).await;
    let req = BookingRequest {
        visitor: v,
        resident: fx.residents[0],
        kind: VisitKind::Remote,
        start: local_start(3, 10, 0),
        length_minutes: 15,
    };
    let a = book_visit(db, &req, None, Timestamp::now())
        .await
        .expect("book")
        .visit()
        .clone();
    // Three days later it is inside the 24-hour notice period.
    let late = add_minutes(a.start, -60);
    let out = cancel_visit(db, a.id, CancelledBy::Visitor, Some(v), "", late)
        .await
        .expect("cancel");
    assert_eq!(out.refund, Cents(0));
    let b = book_visit(
        db,
        &BookingRequest {
            start: local_start(4, 10, 0),
            ..req
        },
        None,
        Timestamp::now(),
    )
    .await
    .expect("book")
    .visit()
    .clone();
    let out = cancel_visit(
        db,
        b.id,
        CancelledBy::Facility,
        Some(fx.staff),
        "lockdown",
        add_minutes(b.start, -5),
    )
    .await
    .expect("cancel");
    assert_eq!(out.refund, Cents(285));
    let mut conn = db.pool.acquire().await.expect("conn");
    assert_eq!(
        visitor_balance(&mut conn, v).await.expect("bal"),
        Cents(2000 - 285)
    );
    let audit = count(
        db,
        "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'visit.cancel'",
    )
    .await;
    assert_eq!(audit, 1, "the facility's cancel is audited");
    drop(conn);
    t.cleanup().await;
}
per_backend!(
    a_late_cancel_by_the_visitor_keeps_the_money_but_the_facility_always_refunds,
    a_late_cancel_by_the_visitor_keeps_the_money_but_the_facility_always_refunds
);

async fn not_enough_money_writes_nothing(backend: openvisit_store::Backend) {
    let t = TestDb::new(backend).await;
    let db = &t.db;
    let fx = fixture(db, 1, 1, settings()).await;
    let (v, _) = approved_visitor(db, &fx, &fx.residents).await;
    fund(db, v, 300).await;
    let req = BookingRequest {
        visitor: v,
        resident: fx.residents[0],
        kind: VisitKind::Remote,
        start: local_start(2, 9, 0),
        length_minutes: 30,
    };
    let err = book_visit(db, &req, None, Timestamp::now())
        .await
        .expect_err("funds");
    assert!(
        matches!(
            err,
            StoreError::InsufficientFunds {
                needed: Cents(570),
                available: Cents(300)
            }
        ),
        "{err:?}"
    );
    assert_eq!(count(db, "SELECT COUNT(*) AS n FROM visits").await, 0);
    assert_eq!(count(db, "SELECT COUNT(*) AS n FROM claims").await, 0);
    // On-site visits are free, so they can be booked without money.
    let onsite = BookingRequest {
        kind: VisitKind::OnSite,
        ..req
    };
    let v = book_visit(db, &onsite, None, Timestamp::now())
        .await
        .expect("on-site")
        .visit()
        .clone();
    assert_eq!(v.price, Cents(0));
    assert!(v.lobby_kiosk.is_some());
    t.cleanup().await;
}
per_backend!(
    not_enough_money_writes_nothing,
    not_enough_money_writes_nothing
);

async fn idempotency_key_replays_the_first_result_and_refuses_a_different_request(
    backend: openvisit_store::Backend,
) {
    let t = TestDb::new(backend).await;
    let db = &t.db;
    let fx = fixture(db, 2, 1, settings()).await;
    let (v, _) = approved_visitor(db, &fx, &fx.residents).await;
    fund(db, v, 5000).await;
    let req = BookingRequest {
        visitor: v,
        resident: fx.residents[0],
        kind: VisitKind::Remote,
        start: local_start(2, 11, 0),
        length_minutes: 15,
    };
    let first = book_visit(db, &req, Some("k-1"), Timestamp::now())
        .await
        .expect("book");
    let again = book_visit(db, &req, Some("k-1"), Timestamp::now())
        .await
        .expect("replay");
    assert!(matches!(first, Booked::New(_)));
    assert!(matches!(again, Booked::Replayed(_)));
    assert_eq!(first.visit().id, again.visit().id);
    let mut conn = db.pool.acquire().await.expect("conn");
    assert_eq!(
        visitor_balance(&mut conn, v).await.expect("bal"),
        Cents(5000 - 285),
        "charged once"
    );
    let different = BookingRequest {
        start: local_start(2, 12, 0),
        ..req
    };
    let err = book_visit(db, &different, Some("k-1"), Timestamp::now())
        .await
        .expect_err("mismatch");
    assert!(matches!(err, StoreError::IdempotencyMismatch), "{err:?}");
    drop(conn);
    t.cleanup().await;
}
per_backend!(
    idempotency_key_replays_the_first_result_and_refuses_a_different_request,
    idempotency_key_replays_the_first_result_and_refuses_a_different_request
);

async fn kiosk_gap_and_weekly_limit_are_enforced(backend: openvisit_store::Backend) {
    let t = TestDb::new(backend).await;
    let db = &t.db;
    let mut s = settings();
    s.kiosk_gap_minutes = 15;
    s.weekly_limit = 1;
    let fx = fixture(db, 1, 2, s).await;
    let (v1, _) = approved_visitor(db, &fx, &fx.residents[..1]).await;
    let (v2, _) = approved_visitor(db, &fx, &fx.residents[1..]).await;
    fund(db, v1, 5000).await;
    fund(db, v2, 5000).await;
    let start = local_start(2, 9, 0);
    let a = BookingRequest {
        visitor: v1,
        resident: fx.residents[0],
        kind: VisitKind::Remote,
        start,
        length_minutes: 30,
    };
    book_visit(db, &a, None, Timestamp::now())
        .await
        .expect("first");
    // The only kiosk needs 15 minutes after the first visit.
    let b = BookingRequest {
        visitor: v2,
        resident: fx.residents[1],
        kind: VisitKind::Remote,
        start: add_minutes(start, 30),
        length_minutes: 15,
    };
    let err = book_visit(db, &b, None, Timestamp::now())
        .await
        .expect_err("gap");
    assert!(
        matches!(err, StoreError::Rule(RuleViolation::NoKioskFree)),
        "{err:?}"
    );
    book_visit(
        db,
        &BookingRequest {
            start: add_minutes(start, 45),
            ..b
        },
        None,
        Timestamp::now(),
    )
    .await
    .expect("after the gap");
    // Resident 0 already has this week's one visit.
    let c = BookingRequest {
        start: add_minutes(start, 120),
        ..a
    };
    let err = book_visit(db, &c, None, Timestamp::now())
        .await
        .expect_err("limit");
    assert!(
        matches!(err, StoreError::Rule(RuleViolation::WeeklyLimit)),
        "{err:?}"
    );
    let mut conn = db.pool.acquire().await.expect("conn");
    assert_eq!(overlapping_visits(&mut conn).await.expect("pairs"), 0);
    drop(conn);
    t.cleanup().await;
}
per_backend!(
    kiosk_gap_and_weekly_limit_are_enforced,
    kiosk_gap_and_weekly_limit_are_enforced
);

/// What another server booked a moment ago may be missing from this transaction's read
/// snapshot; the claims table must still refuse the overlap.
async fn claims_refuse_an_overlap_the_read_snapshot_did_not_see(backend: openvisit_store::Backend) {
    let t = TestDb::new(backend).await;
    let db = &t.db;
    let fx = fixture(db, 1, 2, settings()).await;
    let (v, _) = approved_visitor(db, &fx, &fx.residents).await;
    fund(db, v, 5000).await;
    let start = local_start(2, 9, 0);
    let req = BookingRequest {
        visitor: v,
        resident: fx.residents[0],
        kind: VisitKind::Remote,
        start,
        length_minutes: 30,
    };
    let first = book_visit(db, &req, None, Timestamp::now())
        .await
        .expect("book")
        .visit()
        .clone();
    // Hide the visit from reads (they only see booked visits), keep its claims.
    sqlx::query("UPDATE visits SET status = 'failed' WHERE id = $1")
        .bind(first.id.0)
        .execute(&db.pool)
        .await
        .expect("hide");
    let (v2, _) = approved_visitor(db, &fx, &fx.residents[1..]).await;
    fund(db, v2, 5000).await;
    let other = BookingRequest {
        visitor: v2,
        resident: fx.residents[1],
        start: add_minutes(start, 15),
        ..req.clone()
    };
    let err = book_visit(db, &other, None, Timestamp::now())
        .await
        .expect_err("kiosk claimed");
    assert!(
        matches!(err, StoreError::Rule(RuleViolation::NoKioskFree)),
        "{err:?}"
    );
    let same_resident = BookingRequest {
        start: add_minutes(start, 60),
        ..req.clone()
    };
    book_visit(db, &same_resident, None, Timestamp::now())
        .await
        .expect("a later time is free");
    let overlap = BookingRequest {
        visitor: v2,
        resident: fx.residents[0],
        start: add_minutes(start, 15),
        length_minutes: 15,
        ..req
    };
    sqlx::query("INSERT INTO approvals (visitor_id, resident_id, facility_id, status, reason, updated_at) VALUES ($1, $2, $3, 'approved', '', 0)")
        .bind(v2.0).bind(fx.residents[0].0).bind(fx.facility.0).execute(&db.pool).await.expect("approve r0");
    let err = book_visit(db, &overlap, None, Timestamp::now())
        .await
        .expect_err("resident claimed");
    assert!(
        matches!(err, StoreError::Rule(RuleViolation::ResidentBusy)),
        "{err:?}"
    );
    t.cleanup().await;
}
per_backend!(
    claims_refuse_an_overlap_the_read_snapshot_did_not_see,
    claims_refuse_an_overlap_the_read_snapshot_did_not_see
);
