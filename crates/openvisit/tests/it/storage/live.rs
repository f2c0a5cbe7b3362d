//! Settling live visits (captures, fault credits, the measured columns), notices to
//! waiting families and recording retention.

use jiff::Timestamp;
use openvisit_core::Cents;
use openvisit_core::facility::{PricingMode, VisitKind};
use openvisit_core::interval::add_minutes;
use openvisit_core::ledger::EntryKind;
use openvisit_core::refund::CancelledBy;
use openvisit_store::StoreError;
use openvisit_store::booking::BookingRequest;
use openvisit_store::cancel::cancel_visit;
use openvisit_store::facilities::get_facility;
use openvisit_store::ledger::{check_ledger, visitor_balance, visitor_history};
use openvisit_store::live::SettledStatus;
use openvisit_store::live::{LiveReport, record_actual_start, settle_live_visit};
use openvisit_store::notices::{notices_for_visit, post_notice};
use openvisit_store::recordings::{
    expired_recordings, mark_recording_deleted, recording_for_visit, save_recording,
    set_recording_days,
};
use openvisit_store::visits::{MissedBy, VisitStatus, get_visit};

use super::count;
use super::kiosk::book;
use crate::harness::*;

pub(super) fn report(
    outcome: SettledStatus,
    end: Timestamp,
    connected: u32,
    lost: u32,
) -> LiveReport {
    LiveReport {
        outcome,
        actual_start: None,
        actual_end: end,
        connected_seconds: connected,
        lost_minutes: lost,
        missed_by: None,
        end_reason: None,
        end_code: None,
    }
}

async fn assert_ledger_balanced(db: &openvisit_store::Db) {
    let mut conn = db.pool.acquire().await.expect("conn");
    let check = check_ledger(&mut conn).await.expect("check");
    assert_eq!(check.total, 0);
    assert!(check.mismatched_balances.is_empty(), "{check:?}");
}

async fn minutes_lost_to_a_fault_on_a_block_visit_are_credited_in_proportion(
    backend: openvisit_store::Backend,
) {
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
        length_minutes: 15,
    };
    let visit = book(db, &req).await;
    assert_eq!(visit.price, Cents(285));
    let mut conn = db.pool.acquire().await.expect("conn");
    assert_eq!(
        visitor_balance(&mut conn, v).await.expect("bal"),
        Cents(715)
    );

    // Started two minutes late; the first start reported wins.
    let started = add_minutes(visit.start, 2);
    assert_eq!(
        record_actual_start(db, visit.id, started)
            .await
            .expect("start"),
        started
    );
    let again = record_actual_start(db, visit.id, add_minutes(started, 3))
        .await
        .expect("start again");
    assert_eq!(again, started, "set once");

    let live = LiveReport {
        actual_start: Some(add_minutes(started, 1)),
        ..report(SettledStatus::Completed, visit.end, 10 * 60, 3)
    };
    let s = settle_live_visit(db, visit.id, &live, None, visit.end)
        .await
        .expect("settle");
    // 285 × 3 ÷ 15 = 57.
    assert_eq!(
        (s.charged, s.returned, s.credited),
        (Cents(285), Cents(0), Cents(57))
    );
    assert_eq!(
        visitor_balance(&mut conn, v).await.expect("bal"),
        Cents(715 + 57),
        "the balance rises by exactly the credit"
    );
    let history = visitor_history(&mut conn, v).await.expect("history");
    let credit = history
        .iter()
        .find(|l| l.kind == EntryKind::Credit)
        .expect("a credit entry");
    assert_eq!((credit.amount, credit.visit), (Cents(57), Some(visit.id)));
    assert_eq!((credit.minutes, credit.memo.as_str()), (Some(3), ""));
    let stored = get_visit(&mut conn, visit.id).await.expect("visit");
    assert_eq!(stored.status, VisitStatus::Completed);
    assert_eq!(
        stored.actual_start,
        Some(started),
        "the recorded start is kept"
    );
    assert_eq!(stored.actual_end, Some(visit.end));
    assert_eq!((stored.connected_seconds, stored.lost_minutes), (600, 3));

    let twice = settle_live_visit(db, visit.id, &live, None, visit.end).await;
    assert!(matches!(twice, Err(StoreError::Conflict(_))), "{twice:?}");
    assert_eq!(
        visitor_balance(&mut conn, v).await.expect("bal"),
        Cents(772),
        "no second credit"
    );
    let late = record_actual_start(db, visit.id, visit.end).await;
    assert!(matches!(late, Err(StoreError::Conflict(_))), "{late:?}");

    // Ended by staff with a reason: audited; 570 × 7 ÷ 30 = 133 rounded up.
    let long = book(
        db,
        &BookingRequest {
            start: local_start(2, 11, 0),
            length_minutes: 30,
            ..req.clone()
        },
    )
    .await;
    let staff_end = LiveReport {
        end_reason: Some("  Rules broken on camera ".into()),
        ..report(
            SettledStatus::EndedByStaff,
            add_minutes(long.start, 20),
            13 * 60,
            7,
        )
    };
    let early = settle_live_visit(
        db,
        long.id,
        &staff_end,
        Some(fx.staff),
        add_minutes(long.start, -5),
    )
    .await;
    assert!(
        matches!(early, Err(StoreError::Invalid(_))),
        "not started: {early:?}"
    );
    let s = settle_live_visit(
        db,
        long.id,
        &staff_end,
        Some(fx.staff),
        add_minutes(long.start, 20),
    )
    .await
    .expect("settle");
    assert_eq!(s.credited, Cents(133));
    let stored = get_visit(&mut conn, long.id).await.expect("visit");
    assert_eq!(stored.status, VisitStatus::EndedByStaff);
    assert_eq!(stored.end_reason.as_deref(), Some("Rules broken on camera"));
    assert_eq!(stored.missed_by, None);
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'visit.end'"
        )
        .await,
        1,
        "ending a visit is a staff action in the audit log"
    );

    // No lost minutes, no credit.
    let clean = book(
        db,
        &BookingRequest {
            start: local_start(2, 13, 0),
            ..req.clone()
        },
    )
    .await;
    let s = settle_live_visit(
        db,
        clean.id,
        &report(SettledStatus::Completed, clean.end, 900, 0),
        None,
        clean.end,
    )
    .await
    .expect("settle");
    assert_eq!(s.credited, Cents(0));
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) AS n FROM ledger_entries WHERE kind = 'credit'"
        )
        .await,
        2
    );
    drop(conn);
    assert_ledger_balanced(db).await;
    t.cleanup().await;
}
per_backend!(
    minutes_lost_to_a_fault_on_a_block_visit_are_credited_in_proportion,
    minutes_lost_to_a_fault_on_a_block_visit_are_credited_in_proportion
);

async fn a_per_minute_live_visit_captures_only_connected_minutes(
    backend: openvisit_store::Backend,
) {
    let t = TestDb::new(backend).await;
    let db = &t.db;
    let mut s = settings();
    s.pricing_mode = PricingMode::PerMinute;
    s.increment_minutes = 30;
    s.fee_cents = 570; // 19 cents a minute
    let fx = fixture(db, 1, 1, s).await;
    let (v, _) = approved_visitor(db, &fx, &fx.residents).await;
    fund(db, v, 2000).await;
    let req = BookingRequest {
        visitor: v,
        resident: fx.residents[0],
        kind: VisitKind::Remote,
        start: local_start(2, 9, 0),
        length_minutes: 30,
    };
    let visit = book(db, &req).await;
    let mut conn = db.pool.acquire().await.expect("conn");
    assert_eq!(
        visitor_balance(&mut conn, v).await.expect("bal"),
        Cents(2000 - 570)
    );
    // 9 minutes 30 seconds connected (the 5 lost minutes are already left out).
    let live = LiveReport {
        actual_start: Some(add_minutes(visit.start, 1)),
        ..report(SettledStatus::Completed, visit.end, 570, 5)
    };
    let settled = settle_live_visit(db, visit.id, &live, None, visit.end)
        .await
        .expect("settle");
    assert_eq!(
        (settled.charged, settled.returned, settled.credited),
        (Cents(190), Cents(380), Cents(0))
    );
    assert_eq!(
        visitor_balance(&mut conn, v).await.expect("bal"),
        Cents(2000 - 190)
    );
    let stored = get_visit(&mut conn, visit.id).await.expect("visit");
    assert_eq!(stored.status, VisitStatus::Completed);
    assert_eq!(stored.actual_start, Some(add_minutes(visit.start, 1)));
    assert_eq!(stored.actual_end, Some(visit.end));
    assert_eq!((stored.connected_seconds, stored.lost_minutes), (570, 5));
    let twice = settle_live_visit(db, visit.id, &live, None, visit.end).await;
    assert!(matches!(twice, Err(StoreError::Conflict(_))), "{twice:?}");

    // The resident never came: nothing captured, who missed it is kept.
    let missed = book(
        db,
        &BookingRequest {
            start: local_start(2, 11, 0),
            ..req.clone()
        },
    )
    .await;
    let no_show = LiveReport {
        missed_by: Some(MissedBy::Resident),
        ..report(SettledStatus::Missed, missed.end, 0, 0)
    };
    let settled = settle_live_visit(db, missed.id, &no_show, None, missed.end)
        .await
        .expect("settle");
    assert_eq!((settled.charged, settled.returned), (Cents(0), Cents(570)));
    let stored = get_visit(&mut conn, missed.id).await.expect("visit");
    assert_eq!(stored.status, VisitStatus::Missed);
    assert_eq!(stored.missed_by, Some(MissedBy::Resident));
    assert_eq!(stored.actual_start, None);
    assert_eq!(
        visitor_balance(&mut conn, v).await.expect("bal"),
        Cents(2000 - 190)
    );
    let held = count(db, "SELECT CAST(COALESCE(SUM(amount_cents), 0) AS BIGINT) AS n FROM ledger_postings WHERE account LIKE 'hold:%'").await;
    assert_eq!(held, 0, "every hold is settled");
    drop(conn);
    assert_ledger_balanced(db).await;
    t.cleanup().await;
}
per_backend!(
    a_per_minute_live_visit_captures_only_connected_minutes,
    a_per_minute_live_visit_captures_only_connected_minutes
);

async fn staff_notices_reach_the_visit_and_the_audit_log(backend: openvisit_store::Backend) {
    let t = TestDb::new(backend).await;
    let db = &t.db;
    let fx = fixture(db, 1, 1, settings()).await;
    let (v, _) = approved_visitor(db, &fx, &fx.residents).await;
    fund(db, v, 1000).await;
    let visit = book(
        db,
        &BookingRequest {
            visitor: v,
            resident: fx.residents[0],
            kind: VisitKind::Remote,
            start: local_start(2, 9, 0),
            length_minutes: 15,
        },
    )
    .await;
    let now = Timestamp::now();
    for bad in ["   ".to_owned(), "x".repeat(501)] {
        let err = post_notice(db, visit.id, fx.staff, &bad, now).await;
        assert!(matches!(err, Err(StoreError::Invalid(_))), "{err:?}");
    }
    let first = post_notice(
        db,
        visit.id,
        fx.staff,
        "  Lockdown: visits run 20 minutes late ",
        now,
    )
    .await
    .expect("notice");
    assert_eq!(first.body, "Lockdown: visits run 20 minutes late");
    assert_eq!(
        (first.visit, first.facility, first.author),
        (visit.id, fx.facility, fx.staff)
    );
    let longest = "é".repeat(500);
    post_notice(db, visit.id, fx.staff, &longest, add_minutes(now, 1))
        .await
        .expect("500 characters are allowed");
    let mut conn = db.pool.acquire().await.expect("conn");
    let all = notices_for_visit(&mut conn, visit.id)
        .await
        .expect("notices");
    assert_eq!(all.len(), 2);
    assert_eq!(all[0], first);
    assert_eq!(all[1].body, longest);
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'visit.notice'"
        )
        .await,
        2
    );
    cancel_visit(
        db,
        visit.id,
        CancelledBy::Facility,
        Some(fx.staff),
        "court",
        now,
    )
    .await
    .expect("cancel");
    let late = post_notice(db, visit.id, fx.staff, "too late", now).await;
    assert!(matches!(late, Err(StoreError::Conflict(_))), "{late:?}");
    drop(conn);
    t.cleanup().await;
}
per_backend!(
    staff_notices_reach_the_visit_and_the_audit_log,
    staff_notices_reach_the_visit_and_the_audit_log
);

async fn recordings_expire_after_each_facilitys_own_period(backend: openvisit_store::Backend) {
    let t = TestDb::new(backend).await;
    let db = &t.db;
    let short = fixture(db, 1, 2, settings()).await;
    let long = fixture(db, 1, 1, settings()).await;
    let mut conn = db.pool.acquire().await.expect("conn");
    assert_eq!(
        get_facility(&mut conn, long.facility)
            .await
            .expect("facility")
            .recording_days,
        30,
        "30 days unless set"
    );
    let now = Timestamp::now();
    let refused = set_recording_days(db, short.facility, 0, short.staff, now).await;
    assert!(
        matches!(refused, Err(StoreError::Invalid(_))),
        "{refused:?}"
    );
    set_recording_days(db, short.facility, 7, short.staff, now)
        .await
        .expect("set");
    assert_eq!(
        get_facility(&mut conn, short.facility)
            .await
            .expect("facility")
            .recording_days,
        7
    );
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'facility.recording_days'"
        )
        .await,
        1
    );

    let mut visits = Vec::new();
    for fx in [&short, &long] {
        let (v, _) = approved_visitor(db, fx, &fx.residents).await;
        fund(db, v, 1000).await;
        visits.push(
            book(
                db,
                &BookingRequest {
                    visitor: v,
                    resident: fx.residents[0],
                    kind: VisitKind::Remote,
                    start: local_start(2, 9, 0),
                    length_minutes: 15,
                },
            )
            .await,
        );
    }
    let (a, b) = (&visits[0], &visits[1]);
    let made = a.end;
    let rec = save_recording(db, a.id, short.facility, "rec/a.webm", 1234, made)
        .await
        .expect("save");
    assert_eq!((rec.bytes, rec.deleted_at), (1234, None));
    save_recording(db, b.id, long.facility, "rec/b.webm", 99, made)
        .await
        .expect("save");
    let twice = save_recording(db, a.id, short.facility, "rec/a2.webm", 1, made).await;
    assert!(matches!(twice, Err(StoreError::Conflict(_))), "{twice:?}");
    let wrong = save_recording(db, a.id, long.facility, "rec/x.webm", 1, made).await;
    assert!(matches!(wrong, Err(StoreError::Invalid(_))), "{wrong:?}");
    // A privileged (attorney) visit is never recorded.
    let (v2, _) = approved_visitor(db, &short, &short.residents).await;
    fund(db, v2, 1000).await;
    let attorney = book(
        db,
        &BookingRequest {
            visitor: v2,
            resident: short.residents[1],
            kind: VisitKind::Remote,
            start: local_start(2, 11, 0),
            length_minutes: 15,
        },
    )
    .await;
    sqlx::query("UPDATE visits SET privileged = 1 WHERE id = $1")
        .bind(attorney.id.0)
        .execute(&db.pool)
        .await
        .expect("privileged");
    let privileged = save_recording(db, attorney.id, short.facility, "rec/p.webm", 1, made).await;
    assert!(
        matches!(privileged, Err(StoreError::Invalid(_))),
        "{privileged:?}"
    );

    let days = |d: i64| add_minutes(made, d * 24 * 60);
    let ids = |recs: Vec<openvisit_store::recordings::Recording>| {
        recs.iter().map(|r| r.visit).collect::<Vec<_>>()
    };
    assert!(
        expired_recordings(db, days(7))
            .await
            .expect("expired")
            .is_empty()
    );
    let after_week = expired_recordings(db, add_minutes(days(7), 1))
        .await
        .expect("expired");
    assert_eq!(ids(after_week), vec![a.id], "7 days at one facility");
    assert_eq!(
        ids(expired_recordings(db, days(30)).await.expect("expired")),
        vec![a.id]
    );
    assert_eq!(
        ids(expired_recordings(db, days(31)).await.expect("expired")),
        vec![a.id, b.id],
        "30 at the other"
    );
    mark_recording_deleted(db, a.id, days(8))
        .await
        .expect("deleted");
    mark_recording_deleted(db, a.id, days(9))
        .await
        .expect("again");
    let gone = recording_for_visit(&mut conn, a.id)
        .await
        .expect("row")
        .expect("kept");
    assert_eq!(gone.deleted_at, Some(days(8)));
    assert_eq!(gone.path, "rec/a.webm");
    assert_eq!(
        ids(expired_recordings(db, days(31)).await.expect("expired")),
        vec![b.id]
    );
    assert!(
        recording_for_visit(&mut conn, attorney.id)
            .await
            .expect("row")
            .is_none()
    );
    let missing = mark_recording_deleted(db, attorney.id, days(9)).await;
    assert!(
        matches!(missing, Err(StoreError::NotFound(_))),
        "{missing:?}"
    );
    drop(conn);
    t.cleanup().await;
}
per_backend!(
    recordings_expire_after_each_facilitys_own_period,
    recordings_expire_after_each_facilitys_own_period
);
