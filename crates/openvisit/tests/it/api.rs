//! The API's contract: who may see what, and clear errors for bad input.

use serde_json::json;

use crate::harness::*;

async fn visitors_see_only_their_own_data_and_staff_only_their_facility(
    backend: openvisit_store::Backend,
) {
    let app = TestApp::spawn(backend).await;
    let fx = fixture(app.db(), 2, 2, settings()).await;
    let other = fixture(app.db(), 1, 1, settings()).await;
    let (va, ea) = approved_visitor(app.db(), &fx, &fx.residents[..1]).await;
    let (_vb, eb) = approved_visitor(app.db(), &fx, &fx.residents[1..]).await;
    fund(app.db(), va, 1000).await;
    let a = app.client_for(&ea, VISITOR_PASSWORD).await;
    let b = app.client_for(&eb, VISITOR_PASSWORD).await;
    let start = local_start(2, 9, 0);
    let visit = a.book_remote(fx.residents[0], start, 15).await;
    let id = visit["id"].as_i64().expect("id");
    let (status, _) = b.get(&format!("/api/v1/visits/{id}")).await;
    assert_eq!(status, 404, "another visitor's visit is not found");
    let (status, _) = b
        .post(&format!("/api/v1/visits/{id}/cancel"), json!({}))
        .await;
    assert_eq!(status, 404);
    // B is not approved for resident 0.
    let (status, body) = b.post("/api/v1/visits", json!({ "resident_id": fx.residents[0].0, "kind": "remote", "start": local_start(2, 12, 0), "length_minutes": 15 })).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("not_approved")),
        "{body}"
    );
    // No session, visitor on staff routes.
    let (status, _) = app.anonymous().get("/api/v1/visits").await;
    assert_eq!(status, 401);
    let (status, _) = a.get("/api/v1/staff/approvals").await;
    assert_eq!(status, 403);
    // Staff of another facility cannot cancel this visit.
    let other_staff_email: String = {
        use sqlx::Row;
        sqlx::query("SELECT email FROM accounts WHERE id = $1")
            .bind(other.staff.0)
            .fetch_one(&app.db().pool)
            .await
            .expect("row")
            .try_get("email")
            .expect("email")
    };
    let staff = app.client_for(&other_staff_email, "staff-password-1").await;
    let (status, _) = staff
        .post(
            &format!("/api/v1/staff/visits/{id}/cancel"),
            json!({ "reason": "test" }),
        )
        .await;
    assert_eq!(status, 404);
    let (status, list) = staff.get("/api/v1/staff/approvals").await;
    assert_eq!(status, 200);
    assert_eq!(
        list.as_array().map(Vec::len),
        Some(0),
        "no approvals of another facility"
    );
    app.stop().await;
}
per_backend!(
    visitors_see_only_their_own_data_and_staff_only_their_facility,
    visitors_see_only_their_own_data_and_staff_only_their_facility
);

#[tokio::test]
async fn bad_input_gets_a_clear_error() {
    let app = TestApp::spawn(openvisit_store::Backend::Sqlite).await;
    let fx = fixture(app.db(), 1, 1, settings()).await;
    let (_v, email) = approved_visitor(app.db(), &fx, &fx.residents).await;
    let c = app.client_for(&email, VISITOR_PASSWORD).await;
    let (status, body) = c
        .raw_post("/api/v1/visits", "application/json", "{not json")
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    let (status, body) = c.post("/api/v1/visits", json!({ "resident_id": fx.residents[0].0, "kind": "teleport", "start": local_start(2, 9, 0), "length_minutes": 15 })).await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = c.post("/api/v1/visits", json!({ "resident_id": fx.residents[0].0, "kind": "remote", "start": local_start(2, 9, 7), "length_minutes": 15 })).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (422, Some("not_bookable")),
        "{body}"
    );
    let (status, body) = c.post("/api/v1/visits", json!({ "resident_id": fx.residents[0].0, "kind": "remote", "start": local_start(2, 22, 0), "length_minutes": 15 })).await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("visiting hours")),
        "{body}"
    );
    let (status, body) = c.post("/api/v1/visits", json!({ "resident_id": fx.residents[0].0, "kind": "remote", "start": local_start(2, 9, 0), "length_minutes": 15 })).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (402, Some("add_funds")),
        "{body}"
    );
    let body = json!({ "resident_id": fx.residents[0].0, "kind": "remote", "start": local_start(2, 9, 0), "length_minutes": 15 });
    let (status, _) = c.post_with_key("/api/v1/visits", body, "").await;
    assert_eq!(status, 400, "an empty Idempotency-Key is refused");
    let (status, body) = c
        .post(
            "/api/v1/deposits",
            json!({ "amount_cents": 5, "payment_token": "ok" }),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = app.anonymous().post("/api/v1/auth/register", json!({ "email": "not-an-email", "password": "long enough password", "display_name": "X" })).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (422, Some("invalid_email")),
        "{body}"
    );
    let (status, body) = app
        .anonymous()
        .post(
            "/api/v1/auth/login",
            json!({ "email": email, "password": "wrong" }),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("wrong_credentials")),
        "{body}"
    );
    app.stop().await;
}

async fn a_visitor_registers_adds_funds_books_from_availability_and_cancels(
    backend: openvisit_store::Backend,
) {
    let app = TestApp::spawn(backend).await;
    let fx = fixture(app.db(), 2, 3, settings()).await;
    let anon = app.anonymous();
    let (status, body) = anon.post("/api/v1/auth/register", json!({ "email": "new.family@example.com", "password": "a good long password", "display_name": "Dana", "language": "es", "time_zone": "America/New_York" })).await;
    assert_eq!(status, 202, "{body}");
    // Approval needs a confirmed address: the link comes by email, in Spanish.
    let email = app
        .emails()
        .into_iter()
        .find(|e| e.contains("new.family@example.com"))
        .expect("a confirmation email");
    assert!(email.contains("Confirma tu correo"), "{email}");
    let link = app.link_sent_to("new.family@example.com", "/verify").await;
    let token = link.split("token=").nth(1).expect("token");
    let (status, _) = anon
        .post(
            "/api/v1/auth/verify",
            json!({ "token": "not-a-real-token" }),
        )
        .await;
    assert_eq!(status, 410);
    let c_before = app
        .client_for("new.family@example.com", "a good long password")
        .await;
    let (_, found) = c_before
        .get(&format!(
            "/api/v1/facilities/{}/residents?q=resident%201",
            fx.facility.0
        ))
        .await;
    let (status, body) = c_before
        .post(
            "/api/v1/approvals",
            json!({ "resident_id": found[0]["id"] }),
        )
        .await;
    assert_eq!(status, 422, "not confirmed yet: {body}");
    let (status, verified) = anon
        .post("/api/v1/auth/verify", json!({ "token": token }))
        .await;
    assert_eq!(
        (status, verified["email_verified"].as_bool()),
        (200, Some(true)),
        "{verified}"
    );
    let (status, _) = anon
        .post("/api/v1/auth/verify", json!({ "token": token }))
        .await;
    assert_eq!(status, 410, "a link works once");
    let c = app
        .client_for("new.family@example.com", "a good long password")
        .await;
    let (_, found) = c
        .get(&format!(
            "/api/v1/facilities/{}/residents?q=resident%201",
            fx.facility.0
        ))
        .await;
    let resident = found[0]["id"].as_i64().expect("resident found");
    let (status, approval) = c
        .post("/api/v1/approvals", json!({ "resident_id": resident }))
        .await;
    assert_eq!(
        (status, approval["status"].as_str()),
        (201, Some("pending"))
    );
    let (status, _) = c.get(&format!("/api/v1/availability?resident_id={resident}&kind=remote&length_minutes=30&from=2030-01-01&to=2030-01-02")).await;
    assert_eq!(status, 403, "no availability before approval");
    let staff_email: String = {
        use sqlx::Row;
        sqlx::query("SELECT email FROM accounts WHERE id = $1")
            .bind(fx.staff.0)
            .fetch_one(&app.db().pool)
            .await
            .expect("row")
            .try_get("email")
            .expect("email")
    };
    let staff = app.client_for(&staff_email, "staff-password-1").await;
    let (status, body) = staff
        .post(
            &format!("/api/v1/staff/approvals/{}", approval["id"]),
            json!({ "status": "approved" }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, bal) = c
        .post(
            "/api/v1/deposits",
            json!({ "amount_cents": 2000, "payment_token": "ok" }),
        )
        .await;
    assert_eq!((status, bal["balance_cents"].as_i64()), (201, Some(2000)));
    let day = jiff::tz::TimeZone::get("America/Chicago")
        .expect("tz")
        .to_datetime(local_start(3, 12, 0))
        .date();
    let (status, avail) = c.get(&format!("/api/v1/availability?resident_id={resident}&kind=remote&length_minutes=30&from={day}&to={day}")).await;
    assert_eq!(status, 200, "{avail}");
    let slots = avail["slots"].as_array().expect("slots");
    // 08:00–20:00 every 15 minutes, 30-minute visits: 47 starts.
    assert_eq!(slots.len(), 47, "{avail}");
    let chosen = slots[4].clone();
    assert!(
        chosen["local_start"]
            .as_str()
            .is_some_and(|s| s.contains("T09:00:00-06:00")),
        "{chosen}"
    );
    let (status, visit) = c.post_with_key("/api/v1/visits", json!({ "resident_id": resident, "kind": "remote", "start": chosen["start"], "length_minutes": 30 }), "book-1").await;
    assert_eq!(status, 201, "{visit}");
    assert_eq!(visit["price"], 570);
    let (_, again) = c.post_with_key("/api/v1/visits", json!({ "resident_id": resident, "kind": "remote", "start": chosen["start"], "length_minutes": 30 }), "book-1").await;
    assert_eq!(again["id"], visit["id"], "the retry returns the same visit");
    let (_, avail) = c.get(&format!("/api/v1/availability?resident_id={resident}&kind=remote&length_minutes=30&from={day}&to={day}")).await;
    assert!(
        avail["slots"]
            .as_array()
            .expect("slots")
            .iter()
            .all(|s| s["start"] != chosen["start"]),
        "the booked time is no longer offered to this visitor"
    );
    let (_, detail) = c.get(&format!("/api/v1/visits/{}", visit["id"])).await;
    assert_eq!(detail["refund_if_cancelled_now_cents"], 570);
    let (status, out) = c
        .post(&format!("/api/v1/visits/{}/cancel", visit["id"]), json!({}))
        .await;
    assert_eq!((status, out["refund"].as_i64()), (200, Some(570)), "{out}");
    let (_, ledger) = c.get("/api/v1/ledger").await;
    let kinds: Vec<&str> = ledger
        .as_array()
        .expect("ledger")
        .iter()
        .filter_map(|l| l["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["refund", "visit_charge", "deposit"]);
    let (_, bal) = c.get("/api/v1/balance").await;
    assert_eq!(bal["balance_cents"], 2000);
    let metrics = reqwest::Client::new()
        .get(format!("{}/metrics", app.base))
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(
        metrics.contains("openvisit_bookings_total"),
        "bookings are counted"
    );
    assert!(
        !metrics.contains("new.family@example.com"),
        "no personal data in metrics"
    );
    app.stop().await;
}
per_backend!(
    a_visitor_registers_adds_funds_books_from_availability_and_cancels,
    a_visitor_registers_adds_funds_books_from_availability_and_cancels
);

#[tokio::test]
async fn the_openapi_document_describes_every_route_the_server_answers() {
    let app = TestApp::spawn(openvisit_store::Backend::Sqlite).await;
    let doc: serde_json::Value = reqwest::get(format!("{}/api/openapi.json", app.base))
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().expect("paths");
    let mut operations = 0;
    let http = reqwest::Client::new();
    for (path, item) in paths {
        for method in ["get", "post", "put", "delete"] {
            if item.get(method).is_none() {
                continue;
            }
            operations += 1;
            let url = format!("{}{}", app.base, path.replace("{id}", "1"));
            let res = http
                .request(method.to_uppercase().parse().expect("method"), &url)
                .send()
                .await
                .expect("send");
            let status = res.status().as_u16();
            assert!(
                status != 404 && status != 405 || path.contains("{id}") && status == 404,
                "{method} {path} is documented but answers {status}"
            );
            let body: serde_json::Value = res.json().await.unwrap_or(serde_json::Value::Null);
            if status >= 400 {
                assert!(
                    body["error"].is_string() && body["message"].is_string(),
                    "{method} {path}: {body}"
                );
            }
        }
    }
    assert!(operations >= 24, "{operations} operations documented");
    for required in [
        "/api/v1/visits",
        "/api/v1/availability",
        "/api/v1/staff/facility",
        "/api/v1/deposits",
    ] {
        assert!(paths.contains_key(required), "{required} missing");
    }
    // An unknown path is a 404 in the API's error format.
    let (status, body) = app.anonymous().get("/api/v1/nope").await;
    assert_eq!((status, body["error"].as_str()), (404, Some("not_found")));
    app.stop().await;
}

/// Logs carry route templates and ids, never a visitor's or resident's personal data,
/// even when requests fail.
async fn personal_data_never_reaches_the_logs(backend: openvisit_store::Backend) {
    let app = TestApp::spawn(backend).await;
    let fx = fixture(app.db(), 1, 1, settings()).await;
    let email = format!("zebulon.pii.{}@example.com", fx.facility.0);
    let name = "Zebulon Quixotic-Logcheck";
    let anon = app.anonymous();
    let (status, _) = anon
        .post(
            "/api/v1/auth/register",
            json!({ "email": email, "password": "a long enough password", "display_name": name }),
        )
        .await;
    assert_eq!(status, 202);
    // The same email again (a unique violation inside the database) gets the same
    // answer, so registration never tells who has an account; then a wrong password.
    let (status, _) = anon
        .post(
            "/api/v1/auth/register",
            json!({ "email": email, "password": "a long enough password", "display_name": name }),
        )
        .await;
    assert_eq!(status, 202);
    let (status, _) = anon
        .post(
            "/api/v1/auth/login",
            json!({ "email": email, "password": "wrong password" }),
        )
        .await;
    assert_eq!(status, 401);
    let c = app.client_for(&email, "a long enough password").await;
    let (_, found) = c
        .get(&format!(
            "/api/v1/facilities/{}/residents?q=resident",
            fx.facility.0
        ))
        .await;
    let resident = found[0]["id"].as_i64().expect("resident");
    let (status, _) = c.post("/api/v1/visits", json!({ "resident_id": resident, "kind": "remote", "start": local_start(2, 9, 0), "length_minutes": 15 })).await;
    assert_eq!(status, 403, "not approved yet");
    let logs = captured_logs();
    assert!(
        logs.contains("/api/v1/auth/register"),
        "requests are logged (so this test can see anything)"
    );
    for secret in [
        email.as_str(),
        name,
        "a long enough password",
        "Resident 0",
        "B00000",
    ] {
        assert!(!logs.contains(secret), "{secret:?} appears in the logs");
    }
    app.stop().await;
}
per_backend!(
    personal_data_never_reaches_the_logs,
    personal_data_never_reaches_the_logs
);

async fn five_wrong_passwords_lock_the_account_even_for_the_right_one(
    backend: openvisit_store::Backend,
) {
    let app = TestApp::spawn(backend).await;
    let fx = fixture(app.db(), 1, 1, settings()).await;
    let (_v, email) = approved_visitor(app.db(), &fx, &fx.residents).await;
    let anon = app.anonymous();
    for attempt in 1..=5 {
        let (status, body) = anon
            .post(
                "/api/v1/auth/login",
                json!({ "email": email, "password": "wrong password" }),
            )
            .await;
        let want = if attempt < 5 { 401 } else { 423 };
        assert_eq!(status, want, "attempt {attempt}: {body}");
    }
    let (status, body) = anon
        .post(
            "/api/v1/auth/login",
            json!({ "email": email, "password": VISITOR_PASSWORD }),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (423, Some("locked")),
        "{body}"
    );
    // An unknown address answers like a wrong password: nothing reveals who has an account.
    let (status, body) = anon
        .post(
            "/api/v1/auth/login",
            json!({ "email": "nobody@example.com", "password": "whatever it is" }),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("wrong_credentials"))
    );
    app.stop().await;
}
per_backend!(
    five_wrong_passwords_lock_the_account_even_for_the_right_one,
    five_wrong_passwords_lock_the_account_even_for_the_right_one
);
