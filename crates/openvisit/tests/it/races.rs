//! Many requests at once through the real HTTP server, on every backend.

use openvisit_core::interval::add_minutes;
use openvisit_store::integrity::dangling_references;
use openvisit_store::ledger::check_ledger;
use openvisit_store::visits::overlapping_visits;
use serde_json::json;
use sqlx::Row;

use crate::harness::*;

async fn assert_consistent(app: &TestApp) {
    let mut conn = app.db().pool.acquire().await.expect("conn");
    assert_eq!(
        overlapping_visits(&mut conn).await.expect("pairs"),
        0,
        "no overlapping visits"
    );
    assert_eq!(
        dangling_references(&mut conn).await.expect("references"),
        0,
        "every row the bookings wrote names rows that exist"
    );
    let check = check_ledger(&mut conn).await.expect("ledger");
    assert_eq!(check.total, 0, "ledger balances to zero");
    assert!(
        check.mismatched_balances.is_empty(),
        "balances equal their postings: {check:?}"
    );
    let dup: i64 = sqlx::query("SELECT COUNT(*) AS n FROM (SELECT resource, granule FROM claims GROUP BY resource, granule HAVING COUNT(*) > 1) d")
        .fetch_one(&mut *conn)
        .await
        .expect("dups")
        .try_get("n")
        .expect("n");
    assert_eq!(dup, 0);
}

async fn thirty_two_visitors_race_for_three_kiosks(backend: openvisit_store::Backend) {
    let app = TestApp::spawn(backend).await;
    let fx = fixture(app.db(), 3, 32, settings()).await;
    let start = local_start(2, 10, 0);
    let mut clients = Vec::new();
    for r in &fx.residents {
        let (v, email) = approved_visitor(app.db(), &fx, &[*r]).await;
        fund(app.db(), v, 1000).await;
        clients.push((app.client_for(&email, VISITOR_PASSWORD).await, *r));
    }
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(clients.len()));
    let mut tasks = Vec::new();
    for (client, resident) in clients {
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            client.post("/api/v1/visits", json!({ "resident_id": resident.0, "kind": "remote", "start": start, "length_minutes": 30 })).await
        }));
    }
    let mut created = 0;
    let mut conflicts = 0;
    for t in tasks {
        let (status, body) = t.await.expect("task");
        match status {
            201 => created += 1,
            409 => {
                conflicts += 1;
                assert_eq!(body["error"], "slot_taken", "{body}");
                let nearest = body["details"]["nearest"]
                    .as_array()
                    .expect("nearest free times");
                assert!(!nearest.is_empty(), "a conflict offers other times: {body}");
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!((created, conflicts), (3, 29), "{backend:?}");
    assert_consistent(&app).await;
    app.stop().await;
}
per_backend!(
    thirty_two_visitors_race_for_three_kiosks,
    thirty_two_visitors_race_for_three_kiosks,
    multi_thread
);

async fn a_visitor_with_money_for_two_visits_gets_exactly_two(backend: openvisit_store::Backend) {
    let app = TestApp::spawn(backend).await;
    let fx = fixture(app.db(), 3, 1, settings()).await;
    let (v, email) = approved_visitor(app.db(), &fx, &fx.residents).await;
    fund(app.db(), v, 2 * 570 + 100).await;
    let client = app.client_for(&email, VISITOR_PASSWORD).await;
    let base = local_start(2, 8, 0);
    let mut tasks = Vec::new();
    for i in 0..10 {
        let client = client.clone();
        let start = add_minutes(base, i * 45);
        let resident = fx.residents[0];
        tasks.push(tokio::spawn(async move {
            client.post("/api/v1/visits", json!({ "resident_id": resident.0, "kind": "remote", "start": start, "length_minutes": 30 })).await
        }));
    }
    let mut created = 0;
    for t in tasks {
        let (status, body) = t.await.expect("task");
        match status {
            201 => created += 1,
            402 => assert_eq!(body["error"], "add_funds", "{body}"),
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(created, 2, "{backend:?}");
    let (_, bal) = client.get("/api/v1/balance").await;
    assert_eq!(bal["balance_cents"], 100);
    assert_consistent(&app).await;
    app.stop().await;
}
per_backend!(
    a_visitor_with_money_for_two_visits_gets_exactly_two,
    a_visitor_with_money_for_two_visits_gets_exactly_two,
    multi_thread
);

async fn a_resident_at_the_weekly_limit_gets_no_more_visits(backend: openvisit_store::Backend) {
    let app = TestApp::spawn(backend).await;
    let mut s = settings();
    s.weekly_limit = 2;
    let fx = fixture(app.db(), 3, 1, s).await;
    // Ten visitors race for different times with the same resident, same week.
    let start = local_start(7, 8, 0);
    let mut tasks = Vec::new();
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(10));
    for i in 0..10 {
        let (v, email) = approved_visitor(app.db(), &fx, &fx.residents).await;
        fund(app.db(), v, 1000).await;
        let client = app.client_for(&email, VISITOR_PASSWORD).await;
        let resident = fx.residents[0];
        // Stay inside one Monday-to-Sunday week: 45 minutes apart on one day.
        let at = add_minutes(start, i * 45);
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            client.post("/api/v1/visits", json!({ "resident_id": resident.0, "kind": "remote", "start": at, "length_minutes": 15 })).await
        }));
    }
    let mut created = 0;
    for t in tasks {
        let (status, body) = t.await.expect("task");
        match status {
            201 => created += 1,
            409 => assert_eq!(body["error"], "weekly_limit", "{body}"),
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(created, 2, "{backend:?}");
    assert_consistent(&app).await;
    app.stop().await;
}
per_backend!(
    a_resident_at_the_weekly_limit_gets_no_more_visits,
    a_resident_at_the_weekly_limit_gets_no_more_visits,
    multi_thread
);

/// A suspension racing with bookings: once both are done, the suspended visitor has no
/// future visit with that resident, and every charge was refunded.
async fn a_suspension_racing_with_bookings_leaves_no_visit_behind(
    backend: openvisit_store::Backend,
) {
    use openvisit_core::facility::VisitKind;
    use openvisit_store::approvals::{ApprovalStatus, approvals_of_visitor, decide_approval};
    use openvisit_store::booking::{BookingRequest, book_visit};
    use openvisit_store::ledger::visitor_balance;
    let t = TestDb::new(backend).await;
    let db = t.db.clone();
    let fx = fixture(&db, 3, 1, settings()).await;
    let (v, _) = approved_visitor(&db, &fx, &fx.residents).await;
    fund(&db, v, 20_000).await;
    let mut conn = db.pool.acquire().await.expect("conn");
    let approval = approvals_of_visitor(&mut conn, v).await.expect("approvals")[0].id;
    drop(conn);
    let base = local_start(2, 8, 0);
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(21));
    let mut tasks = Vec::new();
    for i in 0..20 {
        let (db, barrier, resident) = (db.clone(), barrier.clone(), fx.residents[0]);
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let req = BookingRequest {
                visitor: v,
                resident,
                kind: VisitKind::Remote,
                start: add_minutes(base, i * 30),
                length_minutes: 15,
            };
            let _ = book_visit(&db, &req, None, jiff::Timestamp::now()).await;
        }));
    }
    let (db2, barrier2, staff, facility) = (db.clone(), barrier.clone(), fx.staff, fx.facility);
    let suspend = tokio::spawn(async move {
        barrier2.wait().await;
        tokio::task::yield_now().await;
        decide_approval(
            &db2,
            staff,
            facility,
            approval,
            ApprovalStatus::Suspended,
            "security",
            jiff::Timestamp::now(),
        )
        .await
        .expect("suspend");
    });
    for task in tasks {
        task.await.expect("task");
    }
    suspend.await.expect("suspend task");
    let left: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM visits WHERE visitor_id = $1 AND status = 'booked'")
            .bind(v.0)
            .fetch_one(&db.pool)
            .await
            .expect("count")
            .try_get("n")
            .expect("n");
    assert_eq!(left, 0, "{backend:?}: a suspended visitor keeps no visit");
    let mut conn = db.pool.acquire().await.expect("conn");
    assert_eq!(
        visitor_balance(&mut conn, v).await.expect("bal").0,
        20_000,
        "every charge refunded"
    );
    drop(conn);
    t.cleanup().await;
}
per_backend!(
    a_suspension_racing_with_bookings_leaves_no_visit_behind,
    a_suspension_racing_with_bookings_leaves_no_visit_behind,
    multi_thread,
    4
);

/// A lockdown declared while bookings for its hours are in flight: none survives.
async fn a_blackout_racing_with_bookings_leaves_no_visit_inside_it(
    backend: openvisit_store::Backend,
) {
    use openvisit_core::facility::VisitKind;
    use openvisit_store::blackouts::add_blackout;
    use openvisit_store::booking::{BookingRequest, book_visit};
    let t = TestDb::new(backend).await;
    let db = t.db.clone();
    let fx = fixture(&db, 3, 20, settings()).await;
    let base = local_start(2, 9, 0);
    let mut tasks = Vec::new();
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(21));
    for (i, resident) in fx.residents.iter().enumerate() {
        let (v, _) = approved_visitor(&db, &fx, &[*resident]).await;
        fund(&db, v, 1000).await;
        let (db, barrier, resident) = (db.clone(), barrier.clone(), *resident);
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let req = BookingRequest {
                visitor: v,
                resident,
                kind: VisitKind::Remote,
                start: add_minutes(base, (i as i64 % 6) * 30),
                length_minutes: 15,
            };
            let _ = book_visit(&db, &req, None, jiff::Timestamp::now()).await;
        }));
    }
    let (db2, barrier2, staff, facility) = (db.clone(), barrier.clone(), fx.staff, fx.facility);
    let lockdown = tokio::spawn(async move {
        barrier2.wait().await;
        tokio::task::yield_now().await;
        add_blackout(
            &db2,
            facility,
            add_minutes(base, -60),
            add_minutes(base, 240),
            "Lockdown",
            Some(staff),
            jiff::Timestamp::now(),
        )
        .await
        .expect("blackout");
    });
    for task in tasks {
        task.await.expect("task");
    }
    lockdown.await.expect("lockdown");
    let inside: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM visits WHERE facility_id = $1 AND status = 'booked'",
    )
    .bind(fx.facility.0)
    .fetch_one(&db.pool)
    .await
    .expect("count")
    .try_get("n")
    .expect("n");
    assert_eq!(
        inside, 0,
        "{backend:?}: no visit survives inside the lockdown"
    );
    let mut conn = db.pool.acquire().await.expect("conn");
    let check = openvisit_store::ledger::check_ledger(&mut conn)
        .await
        .expect("ledger");
    assert_eq!(check.total, 0);
    drop(conn);
    t.cleanup().await;
}
per_backend!(
    a_blackout_racing_with_bookings_leaves_no_visit_inside_it,
    a_blackout_racing_with_bookings_leaves_no_visit_inside_it,
    multi_thread,
    4
);
