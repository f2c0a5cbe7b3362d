//! The database's own guarantees on the booking path, and `openvisit check`.

use openvisit_store::Backend;

use crate::harness::*;

/// Rows naming rows that do not exist, one per restored key.
const DANGLING: &[(&str, &str)] = &[
    (
        "claims.visit_id",
        "INSERT INTO claims (resource, granule, visit_id) VALUES ('kiosk-1', 1, 987654)",
    ),
    (
        "ledger_entries.visit_id",
        "INSERT INTO ledger_entries (kind, visit_id, memo, created_at) VALUES ('charge', 987654, '', 0)",
    ),
    (
        "ledger_entries.actor_id",
        "INSERT INTO ledger_entries (kind, actor_id, memo, created_at) VALUES ('charge', 987654, '', 0)",
    ),
    (
        "ledger_postings.entry_id",
        "INSERT INTO ledger_postings (entry_id, account, amount_cents) VALUES (987654, 'cash', 0)",
    ),
    (
        "week_counts.resident_id",
        "INSERT INTO week_counts (resident_id, week_start, visits) VALUES (987654, '2027-01-04', 1)",
    ),
];

async fn the_database_refuses_a_reference_to_a_missing_row(backend: Backend) {
    let t = TestDb::new(backend).await;
    for (reference, sql) in DANGLING {
        let refused = sqlx::query(*sql).execute(&t.db.pool).await;
        let error = match refused {
            Ok(_) => panic!("{backend:?}: a row of {reference} naming a missing row was accepted"),
            Err(e) => e.to_string().to_lowercase(),
        };
        // Refused by the key, not by anything else wrong with the row.
        assert!(
            error.contains("foreign key"),
            "{backend:?}: {reference} refused for another reason: {error}"
        );
    }
    t.cleanup().await;
}
per_backend!(
    refuses_dangling_references,
    the_database_refuses_a_reference_to_a_missing_row
);

/// Runs `openvisit check` against the database, as an operator would.
fn openvisit_check(url: &str) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_openvisit"))
        .args(["check", "--database-url", url])
        .env("RUST_LOG", "error")
        .output()
        .expect("run openvisit");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

async fn openvisit_check_names_what_is_wrong_in_a_live_database(backend: Backend) {
    let t = TestDb::new(backend).await;
    fixture(&t.db, 1, 1, settings()).await;
    let (ok, text) = openvisit_check(&t.any_url());
    assert!(ok, "{backend:?}: a sound database fails the check: {text}");
    assert!(text.contains("The database is sound."), "{text}");

    // A claim on a visit that does not exist, written past the key as a bad restore or a
    // hand edit would.
    let mut conn = t.db.pool.acquire().await.expect("a connection");
    foreign_keys(&mut conn, backend, false).await;
    sqlx::query(DANGLING[0].1)
        .execute(&mut *conn)
        .await
        .expect("a dangling claim");
    foreign_keys(&mut conn, backend, true).await;
    drop(conn);

    let (ok, text) = openvisit_check(&t.any_url());
    assert!(
        !ok,
        "{backend:?}: a dangling claim passes the check: {text}"
    );
    assert!(
        text.contains("1 row(s) of claims.visit_id → visits name a row that does not exist"),
        "{backend:?}: the check does not name the dangling claim: {text}"
    );
    assert!(text.contains("THE DATABASE IS NOT SOUND."), "{text}");
    t.cleanup().await;
}
per_backend!(
    openvisit_check,
    openvisit_check_names_what_is_wrong_in_a_live_database
);
