//! The same storage story on SQLite and PostgreSQL.

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
use openvisit_store::visits::overlapping_pairs;
use sqlx::Row;

use crate::harness::*;

async fn count(db: &openvisit_store::Db, sql: &'static str) -> i64 {
    sqlx::query(sql)
        .fetch_one(&db.pool)
        .await
        .expect("count")
        .try_get("n")
        .expect("n")
}

#[tokio::test]
async fn booking_charges_the_block_and_cancelling_in_time_refunds_it() {
    for backend in backends() {
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
}

#[tokio::test]
async fn a_late_cancel_by_the_visitor_keeps_the_money_but_the_facility_always_refunds() {
    for backend in backends() {
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
}

#[tokio::test]
async fn not_enough_money_writes_nothing() {
    for backend in backends() {
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
}

#[tokio::test]
async fn idempotency_key_replays_the_first_result_and_refuses_a_different_request() {
    for backend in backends() {
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
}

#[tokio::test]
async fn kiosk_gap_and_weekly_limit_are_enforced() {
    for backend in backends() {
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
        assert_eq!(overlapping_pairs(&mut conn).await.expect("pairs"), 0);
        drop(conn);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn prices_above_the_rate_cap_are_refused_with_the_cap() {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        let db = &t.db;
        let fx = fixture(db, 1, 1, settings()).await;
        let mut s = settings();
        s.fee_cents = 400; // $0.27/min for a jail of 400: cap $0.19
        let err = update_settings(db, fx.facility, &s, fx.staff, Timestamp::now())
            .await
            .expect_err("cap");
        assert!(err.to_string().contains("$0.19/min"), "{err}");
        s.fee_cents = 285;
        s.increment_minutes = 30;
        let ok = update_settings(db, fx.facility, &s, fx.staff, Timestamp::now())
            .await
            .expect("under the cap");
        assert_eq!(ok.settings.increment_minutes, 30);
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'facility.settings'"
            )
            .await,
            1
        );
        t.cleanup().await;
    }
}

#[tokio::test]
async fn the_audit_log_refuses_changes() {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        let db = &t.db;
        let fx = fixture(db, 1, 1, settings()).await;
        let (v, _) = approved_visitor(db, &fx, &fx.residents).await;
        fund(db, v, 1000).await;
        assert!(count(db, "SELECT COUNT(*) AS n FROM audit_log").await > 0);
        let upd = sqlx::query("UPDATE audit_log SET action = 'x'")
            .execute(&db.pool)
            .await;
        assert!(upd.is_err(), "update must fail");
        let del = sqlx::query("DELETE FROM audit_log").execute(&db.pool).await;
        assert!(del.is_err(), "delete must fail");
        t.cleanup().await;
    }
}

#[tokio::test]
async fn suspending_a_visitor_cancels_and_refunds_future_visits() {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        let db = &t.db;
        let fx = fixture(db, 1, 1, settings()).await;
        let (v, _) = approved_visitor(db, &fx, &fx.residents).await;
        fund(db, v, 1000).await;
        let req = BookingRequest {
            visitor: v,
            resident: fx.residents[0],
            kind: VisitKind::Remote,
            start: local_start(2, 9, 0),
            length_minutes: 45,
        };
        book_visit(db, &req, None, Timestamp::now())
            .await
            .expect("book");
        let mut conn = db.pool.acquire().await.expect("conn");
        let approvals = openvisit_store::approvals::approvals_of_visitor(&mut conn, v)
            .await
            .expect("approvals");
        let (_, cancelled) = openvisit_store::approvals::decide_approval(
            db,
            fx.staff,
            fx.facility,
            approvals[0].id,
            openvisit_store::approvals::ApprovalStatus::Suspended,
            "contraband",
            Timestamp::now(),
        )
        .await
        .expect("suspend");
        assert_eq!(cancelled.len(), 1);
        assert_eq!(
            visitor_balance(&mut conn, v).await.expect("bal"),
            Cents(1000)
        );
        let err = book_visit(db, &req, None, Timestamp::now())
            .await
            .expect_err("suspended");
        assert!(matches!(err, StoreError::Forbidden), "{err:?}");
        drop(conn);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn roster_import_adds_moves_and_releases_and_is_idempotent() {
    use openvisit_core::roster::parse_roster;
    use openvisit_store::roster::apply_roster;
    for backend in backends() {
        let t = TestDb::new(backend).await;
        let db = &t.db;
        let fx = fixture(db, 1, 2, settings()).await;
        let mut tx = db.begin_write().await.expect("tx");
        let b_pod = openvisit_store::places::create_unit(&mut tx, fx.facility, "B Pod")
            .await
            .expect("unit");
        openvisit_store::places::create_kiosk(&mut tx, fx.facility, Some(b_pod), "B kiosk")
            .await
            .expect("kiosk");
        tx.commit().await.expect("commit");
        let (v, _) = approved_visitor(db, &fx, &fx.residents).await;
        fund(db, v, 5000).await;
        // B00000 has a visit and will be released; B00001 has one and will move.
        for (i, r) in fx.residents.iter().enumerate() {
            let req = BookingRequest {
                visitor: v,
                resident: *r,
                kind: VisitKind::Remote,
                start: local_start(2, 9 + i as i8, 0),
                length_minutes: 15,
            };
            book_visit(db, &req, None, Timestamp::now())
                .await
                .expect("book");
        }
        let roster = parse_roster(
            "booking_number,full_name,housing_unit\nB00001,Resident 1,B Pod\nN1,New Person,A Pod\n",
        )
        .expect("roster");
        let preview = apply_roster(
            db,
            fx.facility,
            &roster,
            Some(fx.staff),
            true,
            Timestamp::now(),
        )
        .await
        .expect("dry run");
        assert_eq!(preview.released, ["B00000"]);
        assert_eq!(
            count(db, "SELECT COUNT(*) AS n FROM residents").await,
            2,
            "a dry run keeps nothing"
        );
        let done = apply_roster(
            db,
            fx.facility,
            &roster,
            Some(fx.staff),
            false,
            Timestamp::now(),
        )
        .await
        .expect("import");
        assert_eq!(
            (
                done.added.len(),
                done.moved.len(),
                done.released.len(),
                done.cancelled_visits.len()
            ),
            (1, 1, 1, 2)
        );
        let mut conn = db.pool.acquire().await.expect("conn");
        assert_eq!(
            visitor_balance(&mut conn, v).await.expect("bal"),
            Cents(5000),
            "both visits refunded"
        );
        let again = apply_roster(
            db,
            fx.facility,
            &roster,
            Some(fx.staff),
            false,
            Timestamp::now(),
        )
        .await
        .expect("again");
        assert_eq!(
            (
                again.added.len(),
                again.moved.len(),
                again.released.len(),
                again.unchanged
            ),
            (0, 0, 0, 2),
            "idempotent"
        );
        let bad =
            parse_roster("booking_number,full_name,housing_unit\nX,Y,Nowhere\n").expect("parses");
        let err = apply_roster(db, fx.facility, &bad, None, false, Timestamp::now())
            .await
            .expect_err("unknown unit");
        assert!(err.to_string().contains("Nowhere"), "{err}");
        drop(conn);
        t.cleanup().await;
    }
}

/// What another server booked a moment ago may be missing from this transaction's read
/// snapshot; the claims table must still refuse the overlap.
#[tokio::test]
async fn claims_refuse_an_overlap_the_read_snapshot_did_not_see() {
    for backend in backends() {
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
}

#[tokio::test]
async fn a_per_minute_visit_captures_connected_minutes_and_returns_the_rest() {
    use openvisit_store::finish::{Outcome, finish_visit};
    for backend in backends() {
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
        let early = finish_visit(
            db,
            visit.id,
            Outcome::Completed,
            600,
            None,
            add_minutes(start, -5),
        )
        .await;
        assert!(matches!(early, Err(StoreError::Invalid(_))), "{early:?}");
        // 9 minutes 30 seconds connected: 10 started minutes at 19 cents.
        let done = finish_visit(
            db,
            visit.id,
            Outcome::Completed,
            570,
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
        let again = finish_visit(
            db,
            visit.id,
            Outcome::Completed,
            570,
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
        let out = finish_visit(
            db,
            lost.id,
            Outcome::Failed,
            900,
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
}

#[tokio::test]
async fn deposits_credit_once_per_key_and_a_lost_recording_is_reconciled() {
    use openvisit_store::payments::{
        Deposited, PaymentProvider, TestProvider, deposit, reconcile_deposits,
    };
    for backend in backends() {
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
            matches!(&declined, Err(StoreError::Invalid(m)) if m.contains("declined")),
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
}
