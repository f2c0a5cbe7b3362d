//! Upgrades (issue 22): every schema this build knows migrates forward to the newest on
//! both databases, and the migrations that rewrite data carry it over: an older
//! database, with data written as the code of its day wrote it, migrates and is sound.

use openvisit_store::Backend;
use openvisit_store::integrity::check_database;
use openvisit_store::visits::{SystemReason, get_visit};
use sqlx::Row;

use crate::harness::*;

/// From every schema version (an empty database at each), migrating reaches the newest
/// schema, which the store then uses.
async fn every_schema_migrates_forward_to_the_newest(backend: Backend) {
    let newest = TestDb::new(backend).await;
    let versions = newest.db.schema_versions();
    assert!(versions.len() >= 23, "{versions:?}");
    newest.cleanup().await;
    for &version in &versions[..versions.len() - 1] {
        let t = TestDb::at_schema(backend, Some(version)).await;
        t.db.migrate()
            .await
            .unwrap_or_else(|e| panic!("from version {version}: {e}"));
        let fx = fixture(&t.db, 1, 1, settings()).await;
        let (visitor, _) = approved_visitor(&t.db, &fx, &fx.residents).await;
        fund(&t.db, visitor, 1000).await;
        let mut conn = t.db.pool.acquire().await.expect("conn");
        let report = check_database(&mut conn).await.expect("check");
        assert!(report.is_sound(), "from version {version}: {report:?}");
        drop(conn);
        t.cleanup().await;
    }
}
per_backend!(
    every_schema_migrates_forward_to_the_newest,
    every_schema_migrates_forward_to_the_newest
);

/// The schema before migrations 22 and 23 stored English sentences: ledger memos with
/// provider references and visit numbers, and the reasons OpenVisit gave for cancelling
/// or ending a visit. Migrated, the memos keep only staff's words and the reasons
/// become codes, and the database is sound.
async fn english_sentences_stored_before_become_data(backend: Backend) {
    let t = TestDb::at_schema(backend, Some(21)).await;
    let db = &t.db;
    // Rows as the code of schema 21 wrote them, in plain SQL: today's store functions
    // write today's columns.
    let mut conn = db.pool.acquire().await.expect("conn");
    let mut id_of = async |sql: &str| -> i64 {
        sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
            .fetch_one(&mut *conn)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .try_get("id")
            .expect("id")
    };
    let facility = id_of(
        "INSERT INTO facilities (slug, name, city, state, address, phone, email, time_zone, \
         facility_type, population, offers_remote, offers_on_site, on_site_note, pricing_mode, \
         increment_minutes, fee_cents, allowed_lengths, slot_grid_minutes, min_notice_minutes, \
         max_days_ahead, cancel_notice_minutes, weekly_limit, kiosk_gap_minutes) VALUES \
         ('old-county', 'Old County Jail', 'Town', 'TX', '1 Main St', '555', 'v@old.example', \
         'America/Chicago', 'jail', 100, 1, 1, '', 'free', 15, 0, '15,30', 15, 0, 30, 1440, 0, 0) \
         RETURNING id",
    )
    .await;
    let unit = id_of(&format!(
        "INSERT INTO housing_units (facility_id, name) VALUES ({facility}, 'A') RETURNING id"
    ))
    .await;
    let kiosk = id_of(&format!(
        "INSERT INTO kiosks (facility_id, housing_unit_id, kind, name) \
         VALUES ({facility}, {unit}, 'housing', 'A-1') RETURNING id"
    ))
    .await;
    let resident = id_of(&format!(
        "INSERT INTO residents (facility_id, booking_number, full_name, housing_unit_id, status) \
         VALUES ({facility}, 'B1', 'Pat Doe', {unit}, 'active') RETURNING id"
    ))
    .await;
    let visitor = id_of(
        "INSERT INTO accounts (email, password_hash, display_name, role, language, time_zone, \
         created_at) VALUES ('fam@old.example', 'x', 'Fam', 'visitor', 'en', 'America/Chicago', 0) \
         RETURNING id",
    )
    .await;
    let start = local_start(3, 12, 0).as_second();
    let mut visits = Vec::new();
    for (n, (status, cancel_reason, end_reason)) in [
        ("cancelled", Some("cancelled by the visitor"), None),
        ("cancelled", Some("Unit lockdown"), None),
        (
            "failed",
            None,
            Some("no media reached either party (platform fault)"),
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let at = start + 3600 * n as i64;
        let row = sqlx::query(
            "INSERT INTO visits (facility_id, resident_id, visitor_id, kind, privileged, \
             housing_kiosk_id, start_at, end_at, charge_kind, price_cents, status, \
             refund_cents, created_at, cancel_reason, end_reason) \
             VALUES ($1, $2, $3, 'remote', 0, $4, $5, $6, 'block', 0, $7, 0, $5, $8, $9) \
             RETURNING id",
        )
        .bind(facility)
        .bind(resident)
        .bind(visitor)
        .bind(kiosk)
        .bind(at)
        .bind(at + 900)
        .bind(status)
        .bind(cancel_reason)
        .bind(end_reason)
        .fetch_one(&mut *conn)
        .await
        .expect("a visit as the old code wrote it");
        visits.push(openvisit_core::VisitId(row.try_get("id").expect("id")));
    }
    for memo in [
        "Funds added (test-7-deposit-1)",
        "Refund for cancelled visit #12",
        "Goodwill credit: the dropped call on Monday",
    ] {
        sqlx::query(
            "INSERT INTO ledger_entries (kind, actor_id, memo, created_at) \
             VALUES ('credit', $1, $2, 0)",
        )
        .bind(visitor)
        .bind(memo)
        .execute(&mut *conn)
        .await
        .expect("an entry as the old code wrote it");
    }
    drop(conn);

    db.migrate().await.expect("migrate");
    // A server starts on the migrated database: new connections (SQLite's cached
    // statements still hold the old columns of `SELECT *`).
    let upgraded = openvisit_store::Db::connect(&t.any_url(), 2)
        .await
        .expect("connect");
    let mut conn = upgraded.pool.acquire().await.expect("conn");
    let by_visitor = get_visit(&mut conn, visits[0]).await.expect("visit");
    assert_eq!(
        (by_visitor.cancel_code, by_visitor.cancel_reason.as_deref()),
        (Some(SystemReason::ByVisitor), None)
    );
    let typed = get_visit(&mut conn, visits[1]).await.expect("visit");
    assert_eq!(
        (typed.cancel_code, typed.cancel_reason.as_deref()),
        (None, Some("Unit lockdown")),
        "words staff typed stay"
    );
    let failed = get_visit(&mut conn, visits[2]).await.expect("visit");
    assert_eq!(
        (failed.end_code, failed.end_reason.as_deref()),
        (Some(SystemReason::PlatformFault), None)
    );
    let memos: Vec<String> = sqlx::query("SELECT memo FROM ledger_entries ORDER BY id")
        .fetch_all(&mut *conn)
        .await
        .expect("memos")
        .iter()
        .map(|r| r.try_get("memo").expect("memo"))
        .collect();
    assert_eq!(memos, ["", "", "the dropped call on Monday"]);
    let report = check_database(&mut conn).await.expect("check");
    assert!(report.is_sound(), "{report:?}");
    drop(conn);
    upgraded.close().await;
    t.cleanup().await;
}
per_backend!(
    english_sentences_stored_before_become_data,
    english_sentences_stored_before_become_data
);
