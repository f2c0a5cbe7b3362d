//! Facility rules: rate caps, the audit log, suspensions, roster imports.

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

async fn prices_above_the_rate_cap_are_refused_with_the_cap(backend: openvisit_store::Backend) {
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
per_backend!(
    prices_above_the_rate_cap_are_refused_with_the_cap,
    prices_above_the_rate_cap_are_refused_with_the_cap
);

async fn the_audit_log_refuses_changes(backend: openvisit_store::Backend) {
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
per_backend!(the_audit_log_refuses_changes, the_audit_log_refuses_changes);

async fn suspending_a_visitor_cancels_and_refunds_future_visits(backend: openvisit_store::Backend) {
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
per_backend!(
    suspending_a_visitor_cancels_and_refunds_future_visits,
    suspending_a_visitor_cancels_and_refunds_future_visits
);

async fn roster_import_adds_moves_and_releases_and_is_idempotent(
    backend: openvisit_store::Backend,
) {
    use openvisit_core::roster::parse_roster;
    use openvisit_store::roster::apply_roster;
    let t = TestDb::new(backend).await;
    let db = &t.db;
    let fx = fixture(db, 1, 2, settings()).await;
    // B Pod visits 09:00-11:00 only.
    let b_kiosk = unit_with_kiosk(db, fx.facility, "B Pod", 9 * 60, 11 * 60).await;
    let (v, _) = approved_visitor(db, &fx, &fx.residents).await;
    fund(db, v, 5000).await;
    // B00000 has a visit and will be released. B00001 moves to B Pod: its 10:00 visit
    // stays (B Pod's kiosk is free and open then), its 12:00 visit does not (B Pod has
    // no visiting hours then).
    let mut booked = Vec::new();
    for (r, hour) in [(0, 9), (1, 10), (1, 12)] {
        let req = BookingRequest {
            visitor: v,
            resident: fx.residents[r],
            kind: VisitKind::Remote,
            start: local_start(2, hour, 0),
            length_minutes: 15,
        };
        let out = book_visit(db, &req, None, Timestamp::now())
            .await
            .expect("book");
        booked.push(out.visit().clone());
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
        (done.added.len(), done.moved.len(), done.released.len(),),
        (1, 1, 1)
    );
    let mut cancelled = done.cancelled_visits.clone();
    cancelled.sort_unstable();
    assert_eq!(
        cancelled,
        [booked[0].id, booked[2].id],
        "the released one's, and the moved one's outside the new unit's hours"
    );
    assert_eq!(
        done.kept_visits,
        [booked[1].id],
        "the moved one's within them"
    );
    let mut conn = db.pool.acquire().await.expect("conn");
    let kept = openvisit_store::visits::get_visit(&mut conn, booked[1].id)
        .await
        .expect("visit");
    assert_eq!(kept.housing_kiosk, b_kiosk, "now on the new unit's kiosk");
    assert_eq!(kept.status, openvisit_store::visits::VisitStatus::Booked);
    assert_eq!(
        visitor_balance(&mut conn, v).await.expect("bal"),
        Cents(5000 - booked[1].price.0),
        "the cancelled visit is refunded, the kept one is not"
    );
    use sqlx::Row;
    let claimed = |resource: String| {
        sqlx::query("SELECT COUNT(*) AS n FROM claims WHERE resource = $1 AND visit_id = $2")
            .bind(resource)
            .bind(booked[1].id.0)
    };
    let on_new: i64 = claimed(format!("kiosk:{b_kiosk}"))
        .fetch_one(&mut *conn)
        .await
        .expect("claims")
        .get("n");
    assert!(on_new > 0, "the new kiosk's time is claimed");
    let on_old: i64 = claimed(format!("kiosk:{}", booked[1].housing_kiosk))
        .fetch_one(&mut *conn)
        .await
        .expect("claims")
        .get("n");
    assert_eq!(on_old, 0, "the old kiosk's time is free again");
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
    let bad = parse_roster("booking_number,full_name,housing_unit\nX,Y,Nowhere\n").expect("parses");
    let err = apply_roster(db, fx.facility, &bad, None, false, Timestamp::now())
        .await
        .expect_err("unknown unit");
    assert!(err.to_string().contains("Nowhere"), "{err}");
    drop(conn);
    t.cleanup().await;
}
per_backend!(
    roster_import_adds_moves_and_releases_and_is_idempotent,
    roster_import_adds_moves_and_releases_and_is_idempotent
);
