//! The booking writer: bookings written together each get their own answer, a change
//! to the facility reaches the next batch, and the overlap check the races rely on.

#![allow(unused_imports, reason = "one import list for the storage files")]

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
use openvisit_store::integrity::dangling_references;
use openvisit_store::ledger::{check_ledger, visitor_balance};
use openvisit_store::visits::overlapping_visits;
use sqlx::Row;

use crate::harness::*;

use super::count;

/// Bookings sent at the same moment are written together (the booking writer's batch);
/// each must still get its own answer, and one refused by a write (funds, the weekly
/// limit) must leave nothing behind while the others in its batch are written.
async fn bookings_written_together_are_answered_each_on_its_own(backend: openvisit_store::Backend) {
    let t = TestDb::new(backend).await;
    let db = &t.db;
    let mut s = settings();
    s.weekly_limit = 1;
    let fx = fixture(db, 6, 12, s).await;
    let start = local_start(2, 9, 0);
    let later = add_minutes(start, 120);
    let mut visitors = Vec::new();
    for (i, r) in fx.residents.iter().enumerate() {
        let (v, _) = approved_visitor(db, &fx, &[*r]).await;
        // 0-3 can pay; 4-6 cannot; the rest can, but already have a visit this week.
        if !(4..=6).contains(&i) {
            fund(db, v, 1000).await;
        }
        visitors.push(v);
    }
    let book = |i: usize, at| BookingRequest {
        visitor: visitors[i],
        resident: fx.residents[i],
        kind: VisitKind::Remote,
        start: at,
        length_minutes: 15,
    };
    // 7-9 used their week at a later hour; 10-11 are busy at `start` itself.
    for i in 7..12 {
        let at = if i < 10 { later } else { start };
        book_visit(db, &book(i, at), None, Timestamp::now())
            .await
            .expect("earlier visit");
    }
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(12));
    let mut tasks = Vec::new();
    for i in 0..12 {
        let (db, barrier, req) = (db.clone(), barrier.clone(), book(i, start));
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            book_visit(&db, &req, None, Timestamp::now()).await
        }));
    }
    for (i, task) in tasks.into_iter().enumerate() {
        let result = task.await.expect("task");
        match i {
            // Four kiosks are free and only these four can be written: whatever
            // order the twelve arrive in, none of them may lose its kiosk to a
            // booking that is refused later.
            0..=3 => assert!(matches!(result, Ok(Booked::New(_))), "{i}: {result:?}"),
            // Refused for their own reason, or, if 0-3 were written before they
            // came, because the four free kiosks are gone by then.
            4..=6 => assert!(
                matches!(result, Err(StoreError::InsufficientFunds { needed, available })
                    if needed == Cents(285) && available == Cents::ZERO)
                    || matches!(result, Err(StoreError::Rule(RuleViolation::NoKioskFree))),
                "{i}: {result:?}"
            ),
            7..=9 => assert!(
                matches!(
                    result,
                    Err(StoreError::Rule(
                        RuleViolation::WeeklyLimit | RuleViolation::NoKioskFree
                    ))
                ),
                "{i}: {result:?}"
            ),
            _ => assert!(
                matches!(result, Err(StoreError::Rule(RuleViolation::ResidentBusy))),
                "{i}: {result:?}"
            ),
        }
    }
    // 5 earlier visits and 4 new ones, each with 3 granules for the resident, the
    // visitor and the kiosk: nothing of a refused booking is left.
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) AS n FROM visits WHERE status = 'booked'"
        )
        .await,
        9
    );
    assert_eq!(count(db, "SELECT COUNT(*) AS n FROM claims").await, 9 * 9);
    assert_eq!(
        count(
            db,
            "SELECT CAST(COALESCE(SUM(visits), 0) AS BIGINT) AS n FROM week_counts"
        )
        .await,
        9
    );
    let mut conn = db.pool.acquire().await.expect("conn");
    for (i, v) in visitors.iter().enumerate() {
        let expected = match i {
            4..=6 => 0,
            _ => 1000 - 285,
        };
        assert_eq!(
            visitor_balance(&mut conn, *v).await.expect("balance"),
            Cents(expected),
            "visitor {i}"
        );
    }
    let check = check_ledger(&mut conn).await.expect("ledger");
    assert_eq!(check.total, 0);
    assert!(check.mismatched_balances.is_empty());
    assert_eq!(overlapping_visits(&mut conn).await.expect("pairs"), 0);
    drop(conn);
    t.cleanup().await;
}
per_backend!(
    bookings_written_together_are_answered_each_on_its_own,
    bookings_written_together_are_answered_each_on_its_own,
    multi_thread
);

/// A 30-minute remote visit the day after tomorrow at 09:00, booked.
async fn book_half_hour(
    db: &openvisit_store::Db,
    visitor: openvisit_core::AccountId,
    resident: openvisit_core::ResidentId,
) -> openvisit_store::visits::Visit {
    let req = BookingRequest {
        visitor,
        resident,
        kind: VisitKind::Remote,
        start: local_start(2, 9, 0),
        length_minutes: 30,
    };
    book_visit(db, &req, None, Timestamp::now())
        .await
        .expect("book")
        .visit()
        .clone()
}

/// Claims `kiosk` for `length` minutes from `start` in the name of `visit`, as a booking
/// committed by another server after this one's read would have: invisible to the
/// writer's plan (which reads visits), so only the claims' primary key can refuse it.
async fn claim_behind_the_plan(
    db: &openvisit_store::Db,
    kiosk: i64,
    start: Timestamp,
    length: i64,
    visit: i64,
) {
    let mut conn = db.pool.acquire().await.expect("conn");
    let interval = openvisit_core::interval::Interval::new(start, add_minutes(start, length));
    for granule in interval.granules() {
        sqlx::query("INSERT INTO claims (resource, granule, visit_id) VALUES ($1, $2, $3)")
            .bind(format!("kiosk:{kiosk}"))
            .bind(granule)
            .bind(visit)
            .execute(&mut *conn)
            .await
            .expect("claim");
    }
}

/// A kiosk taken between the writer's read and its write (the claims insert fails, the
/// batch is written again skipping taken granules): the booking moves to the unit's next
/// free kiosk, and is refused as "no kiosk free" when there is none — never written on a
/// taken kiosk.
async fn a_kiosk_taken_since_the_read_moves_the_booking_to_the_next_one(
    backend: openvisit_store::Backend,
) {
    let t = TestDb::new(backend).await;
    let db = &t.db;
    let fx = fixture(db, 2, 2, settings()).await;
    let (v, _) = approved_visitor(db, &fx, &fx.residents).await;
    fund(db, v, 5000).await;
    let first = book_half_hour(db, v, fx.residents[0]).await;
    let mut conn = db.pool.acquire().await.expect("conn");
    let kiosks: Vec<i64> = sqlx::query(
        "SELECT id FROM kiosks WHERE facility_id = $1 AND kind = 'housing' ORDER BY id",
    )
    .bind(fx.facility.0)
    .fetch_all(&mut *conn)
    .await
    .expect("kiosks")
    .iter()
    .map(|r| r.get("id"))
    .collect();
    drop(conn);
    assert_eq!(kiosks.len(), 2);
    let book_at = |resident, start| {
        let req = BookingRequest {
            visitor: v,
            resident,
            kind: VisitKind::Remote,
            start,
            length_minutes: 30,
        };
        async move { book_visit(db, &req, None, Timestamp::now()).await }
    };
    // One kiosk taken after the read, each in turn (whichever the plan picks, one of
    // the two is the one it picked): the booking lands on the other.
    for (hour, taken, free) in [(11, kiosks[0], kiosks[1]), (15, kiosks[1], kiosks[0])] {
        let start = local_start(2, hour, 0);
        claim_behind_the_plan(db, taken, start, 30, first.id.0).await;
        let moved = book_at(fx.residents[1], start).await.expect("booked");
        assert_eq!(moved.visit().housing_kiosk.0, free, "at {hour}:00");
    }
    // Both taken behind the plan: refused, and nothing of it is left.
    let one = local_start(2, 13, 0);
    for k in &kiosks {
        claim_behind_the_plan(db, *k, one, 30, first.id.0).await;
    }
    let refused = book_at(fx.residents[0], one).await;
    assert!(
        matches!(refused, Err(StoreError::Rule(RuleViolation::NoKioskFree))),
        "{refused:?}"
    );
    let mut conn = db.pool.acquire().await.expect("conn");
    let visits: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM visits WHERE facility_id = $1 AND status = 'booked'",
    )
    .bind(fx.facility.0)
    .fetch_one(&mut *conn)
    .await
    .expect("count")
    .get("n");
    assert_eq!(visits, 3, "the refused booking left no visit");
    assert_eq!(overlapping_visits(&mut conn).await.expect("check"), 0);
    let ledger = check_ledger(&mut conn).await.expect("ledger");
    assert!(
        ledger.mismatched_balances.is_empty(),
        "{:?}",
        ledger.mismatched_balances
    );
    drop(conn);
    t.cleanup().await;
}
per_backend!(
    a_kiosk_taken_since_the_read_moves_the_booking_to_the_next_one,
    a_kiosk_taken_since_the_read_moves_the_booking_to_the_next_one
);

/// The overlap check the race tests and the benchmark rely on must see a double
/// booking on any one resource: a kiosk, a resident or a visitor.
async fn the_overlap_check_finds_a_visit_written_past_the_claims(
    backend: openvisit_store::Backend,
) {
    let t = TestDb::new(backend).await;
    let db = &t.db;
    let fx = fixture(db, 2, 2, settings()).await;
    let (v, _) = approved_visitor(db, &fx, &fx.residents).await;
    let (v2, _) = approved_visitor(db, &fx, &fx.residents[1..]).await;
    fund(db, v, 5000).await;
    let first = book_half_hour(db, v, fx.residents[0]).await;
    let mut conn = db.pool.acquire().await.expect("conn");
    assert_eq!(overlapping_visits(&mut conn).await.expect("check"), 0);
    let kiosk = first.housing_kiosk.0;
    let other_kiosk: i64 = sqlx::query("SELECT id FROM kiosks WHERE facility_id = $1 AND id <> $2")
        .bind(fx.facility.0)
        .bind(kiosk)
        .fetch_one(&mut *conn)
        .await
        .expect("the other kiosk")
        .get("id");
    let (r0, r1) = (fx.residents[0], fx.residents[1]);
    // A visit ten minutes into the first, written without claims, sharing one
    // resource with it.
    for (shared, kiosk, resident, visitor) in [
        ("kiosk", kiosk, r1, v2),
        ("resident", other_kiosk, r0, v2),
        ("visitor", other_kiosk, r1, v),
    ] {
        let copy: i64 = sqlx::query(
            "INSERT INTO visits (facility_id, resident_id, visitor_id, kind, privileged, \
             housing_kiosk_id, start_at, end_at, charge_kind, price_cents, status, \
             refund_cents, created_at) SELECT facility_id, $1, $2, kind, privileged, $3, \
             start_at + 600, end_at + 600, charge_kind, 0, 'booked', 0, created_at \
             FROM visits WHERE id = $4 RETURNING id",
        )
        .bind(resident.0)
        .bind(visitor.0)
        .bind(kiosk)
        .bind(first.id.0)
        .fetch_one(&mut *conn)
        .await
        .expect("copy")
        .get("id");
        assert_eq!(
            overlapping_visits(&mut conn).await.expect("check"),
            1,
            "an overlap on the {shared}"
        );
        sqlx::query("UPDATE visits SET status = 'failed' WHERE id = $1")
            .bind(copy)
            .execute(&mut *conn)
            .await
            .expect("hide the copy");
    }
    assert_eq!(overlapping_visits(&mut conn).await.expect("check"), 0);
    drop(conn);
    t.cleanup().await;
}
per_backend!(
    the_overlap_check_finds_a_visit_written_past_the_claims,
    the_overlap_check_finds_a_visit_written_past_the_claims
);

/// Behind the foreign keys, the check the races, the benchmark, `openvisit check` and
/// the daily job run must see every row naming one that is not there.
async fn the_reference_check_finds_a_row_naming_a_missing_one(backend: openvisit_store::Backend) {
    let t = TestDb::new(backend).await;
    let db = &t.db;
    let fx = fixture(db, 1, 1, settings()).await;
    let (v, _) = approved_visitor(db, &fx, &fx.residents).await;
    fund(db, v, 5000).await;
    let visit = book_half_hour(db, v, fx.residents[0]).await;
    let mut conn = db.pool.acquire().await.expect("conn");
    assert_eq!(
        dangling_references(&mut conn).await.expect("check"),
        0,
        "a booking's visit, claims, entry, postings and count name rows that exist"
    );
    // Let these rows past the keys, as a bad restore or a hand edit would.
    foreign_keys(&mut conn, backend, false).await;
    let missing = 9_000_000i64;
    let dangling = [
        (
            "a visit's resident",
            "UPDATE visits SET resident_id = $1 WHERE id = $2",
        ),
        (
            "an entry's visit",
            "UPDATE ledger_entries SET visit_id = $1 WHERE visit_id = $2",
        ),
        (
            "a claim's visit",
            "INSERT INTO claims (resource, granule, visit_id) VALUES ('kiosk:0', $2, $1)",
        ),
        (
            "a count's resident",
            "INSERT INTO week_counts (resident_id, week_start, visits) VALUES ($1, CAST($2 AS TEXT), 1)",
        ),
    ];
    for (n, (what, sql)) in dangling.into_iter().enumerate() {
        sqlx::query(sql)
            .bind(missing)
            .bind(visit.id.0)
            .execute(&mut *conn)
            .await
            .expect(what);
        assert_eq!(
            dangling_references(&mut conn).await.expect("check"),
            n as i64 + 1,
            "{what} is missing"
        );
    }
    foreign_keys(&mut conn, backend, true).await;
    drop(conn);
    t.cleanup().await;
}
per_backend!(
    the_reference_check_finds_a_row_naming_a_missing_one,
    the_reference_check_finds_a_row_naming_a_missing_one
);

/// The booking writer keeps a facility's settings, hours, kiosks and blackouts in
/// memory between batches; every change staff make must reach the next booking.
async fn each_change_to_the_facility_reaches_the_next_booking(backend: openvisit_store::Backend) {
    use openvisit_store::blackouts::{add_blackout, lift_blackout};
    use openvisit_store::setup::{add_kiosk, set_hours};
    let t = TestDb::new(backend).await;
    let db = &t.db;
    let fx = fixture(db, 1, 3, settings()).await;
    let mut visitors = Vec::new();
    for r in 0..3 {
        let (v, _) = approved_visitor(db, &fx, &fx.residents[r..=r]).await;
        fund(db, v, 10_000).await;
        visitors.push(v);
    }
    let unit = openvisit_core::HousingUnitId(
        sqlx::query("SELECT housing_unit_id FROM residents WHERE id = $1")
            .bind(fx.residents[0].0)
            .fetch_one(&db.pool)
            .await
            .expect("unit")
            .get("housing_unit_id"),
    );
    let book = |r: usize, hour: i8, length_minutes: u32| {
        let req = BookingRequest {
            visitor: visitors[r],
            resident: fx.residents[r],
            kind: VisitKind::Remote,
            start: local_start(2, hour, 0),
            length_minutes,
        };
        async move { book_visit(db, &req, None, Timestamp::now()).await }
    };
    let refused = |result: Result<Booked, StoreError>| match result {
        Err(StoreError::Rule(rule)) => rule,
        other => panic!("expected a refusal, got {other:?}"),
    };
    let now = Timestamp::now();
    book(0, 9, 30).await.expect("the one kiosk");
    assert_eq!(refused(book(1, 9, 30).await), RuleViolation::NoKioskFree);
    add_kiosk(db, fx.facility, Some(unit), "B kiosk", None, now)
        .await
        .expect("kiosk");
    book(1, 9, 30).await.expect("the new kiosk");

    let all_week = |open: u32, close: u32| (1..=7).map(|d| (d, open, close)).collect::<Vec<_>>();
    set_hours(
        db,
        fx.facility,
        Some(unit),
        &all_week(8 * 60, 9 * 60),
        None,
        now,
    )
    .await
    .expect("shorter hours");
    assert_eq!(refused(book(2, 10, 15).await), RuleViolation::OutsideHours);
    set_hours(
        db,
        fx.facility,
        Some(unit),
        &all_week(8 * 60, 20 * 60),
        None,
        now,
    )
    .await
    .expect("hours again");

    let s = openvisit_store::facilities::FacilitySettings {
        allowed_lengths: vec![15],
        ..settings()
    };
    update_settings(db, fx.facility, &s, fx.staff, now)
        .await
        .expect("settings");
    assert_eq!(
        refused(book(2, 10, 30).await),
        RuleViolation::LengthNotAllowed
    );

    let (blackout, _) = add_blackout(
        db,
        fx.facility,
        local_start(2, 10, 0),
        local_start(2, 11, 0),
        "Inspection",
        None,
        now,
    )
    .await
    .expect("blackout");
    assert_eq!(refused(book(2, 10, 15).await), RuleViolation::Blackout);
    lift_blackout(db, fx.facility, blackout.id, None, now)
        .await
        .expect("lift");
    book(2, 10, 15).await.expect("open again");
    t.cleanup().await;
}
per_backend!(
    each_change_to_the_facility_reaches_the_next_booking,
    each_change_to_the_facility_reaches_the_next_booking
);
