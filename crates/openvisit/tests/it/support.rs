//! The support inbox through the API: a question with the sender's visits and money,
//! an answer that reaches the sender by email, closing, and a goodwill credit that lands
//! in the visitor's ledger. Every action is audited.

use openvisit_store::accounts::{NewAccount, Role, create_account};
use serde_json::json;

use crate::harness::*;

async fn support_answers_a_question_by_email_and_gives_a_goodwill_credit(
    backend: openvisit_store::Backend,
) {
    let app = TestApp::spawn(backend).await;
    let db = app.db();
    let fx = fixture(db, 1, 1, settings()).await;
    let (visitor, email) = approved_visitor(db, &fx, &fx.residents).await;
    fund(db, visitor, 2_000).await;
    let v = app.client_for(&email, VISITOR_PASSWORD).await;
    let _ = v
        .book_remote(fx.residents[0], local_start(2, 12, 0), 15)
        .await;
    let reference = openvisit_store::support_tickets::open_ticket(
        db,
        &openvisit_store::support_tickets::NewSupportTicket {
            facility: Some(fx.facility),
            account: Some(visitor),
            name: "Sam".into(),
            email: email.clone(),
            language: "es".into(),
            message: "¿Dónde está mi reembolso?".into(),
        },
        jiff::Timestamp::now(),
    )
    .await
    .expect("ticket");
    let agent_email = format!("agent-{}@staff.test", fx.facility.0);
    create_account(
        db,
        &NewAccount {
            email_verified: true,
            email: agent_email.clone(),
            password: STAFF_PASSWORD.into(),
            display_name: "Agent".into(),
            role: Role::Support,
            facility: Some(fx.facility),
            language: "en".into(),
            time_zone: "America/Chicago".into(),
        },
        jiff::Timestamp::now(),
    )
    .await
    .expect("agent");
    let agent = app.client_for(&agent_email, STAFF_PASSWORD).await;

    // The question, with the sender's visit here and their money.
    let (status, detail) = agent
        .get(&format!("/api/v1/staff/tickets/{reference}"))
        .await;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(detail["visitor"], visitor.0);
    assert_eq!(
        detail["visits"].as_array().map(Vec::len),
        Some(1),
        "{detail}"
    );
    assert!(
        detail["ledger"].as_array().is_some_and(|l| l.len() >= 2),
        "{detail}"
    );

    // An empty answer is refused; a real one is emailed in the sender's language.
    let path = format!("/api/v1/staff/tickets/{reference}/reply");
    let (status, _) = agent.post(&path, json!({ "body": "  " })).await;
    assert_eq!(status, 422);
    let (status, t) = agent
        .post(
            &path,
            json!({ "body": "Tu reembolso ya está en tu saldo." }),
        )
        .await;
    assert_eq!(status, 200, "{t}");
    assert_eq!(t["status"], "answered");
    let answer = app
        .email_summaries()
        .into_iter()
        .find(|e| e["to"] == email && e["subject"].as_str().unwrap_or("").contains(&reference))
        .expect("the answer by email");
    assert!(
        answer["subject"]
            .as_str()
            .unwrap_or("")
            .contains("respuesta"),
        "{answer}"
    );
    assert!(
        answer["text"]
            .as_str()
            .unwrap_or("")
            .contains("ya está en tu saldo"),
        "{answer}"
    );
    let (_, detail) = agent
        .get(&format!("/api/v1/staff/tickets/{reference}"))
        .await;
    assert_eq!(detail["replies"].as_array().map(Vec::len), Some(1));
    let (status, t) = agent
        .post(
            &format!("/api/v1/staff/tickets/{reference}/close"),
            json!({}),
        )
        .await;
    assert_eq!((status, t["status"].as_str()), (200, Some("closed")));

    // A goodwill credit: refused without a reason or out of bounds, then in the ledger.
    let (_, before) = v.get("/api/v1/balance").await;
    for bad in [
        json!({ "visitor_id": visitor.0, "amount_cents": 500, "memo": " " }),
        json!({ "visitor_id": visitor.0, "amount_cents": 0, "memo": "sorry" }),
        json!({ "visitor_id": visitor.0, "amount_cents": 1_000_000, "memo": "sorry" }),
    ] {
        let (status, _) = agent.post("/api/v1/staff/credits", bad).await;
        assert_eq!(status, 422);
    }
    let (status, c) = agent
        .post(
            "/api/v1/staff/credits",
            json!({ "visitor_id": visitor.0, "amount_cents": 500, "memo": "the dropped call on Monday" }),
        )
        .await;
    assert_eq!(status, 201, "{c}");
    let (_, after) = v.get("/api/v1/balance").await;
    let cents = |b: &serde_json::Value| {
        b["balance_cents"]
            .as_i64()
            .unwrap_or_else(|| panic!("balance in {b}"))
    };
    assert_eq!(cents(&after) - cents(&before), 500);
    let (_, ledger) = v.get("/api/v1/ledger").await;
    let line = ledger
        .as_array()
        .and_then(|l| l.iter().find(|x| x["kind"] == "credit"))
        .cloned()
        .expect("a credit line");
    assert!(
        line["memo"]
            .as_str()
            .unwrap_or("")
            .contains("the dropped call on Monday"),
        "{line}"
    );
    let (_, audit) = agent.get("/api/v1/staff/audit").await;
    let actions: Vec<&str> = audit
        .as_array()
        .expect("audit")
        .iter()
        .filter_map(|a| a["action"].as_str())
        .collect();
    for a in ["ticket.reply", "ticket.close", "ledger.entry"] {
        assert!(actions.contains(&a), "{a} is audited: {actions:?}");
    }
    // The viewer filters by action family, person and time.
    let (status, tickets) = agent.get("/api/v1/staff/audit?action=ticket.").await;
    assert_eq!(status, 200, "{tickets}");
    let got: Vec<&str> = tickets
        .as_array()
        .expect("audit")
        .iter()
        .filter_map(|a| a["action"].as_str())
        .collect();
    assert_eq!(got, ["ticket.close", "ticket.reply"], "newest first");
    let agent_id = detail["replies"][0]["author"].as_i64().expect("author");
    let (_, mine) = agent
        .get(&format!("/api/v1/staff/audit?actor={agent_id}"))
        .await;
    assert!(
        mine.as_array()
            .expect("audit")
            .iter()
            .all(|a| a["actor"] == agent_id),
        "{mine}"
    );
    assert_eq!(
        mine.as_array().map(Vec::len),
        Some(3),
        "reply, close, the credit: {mine}"
    );
    let (_, none) = agent
        .get("/api/v1/staff/audit?action=ticket.&to=2000-01-01T00:00:00Z")
        .await;
    assert_eq!(none.as_array().map(Vec::len), Some(0));
    app.stop().await;
}
per_backend!(
    support_answers_a_question_by_email_and_gives_a_goodwill_credit,
    support_answers_a_question_by_email_and_gives_a_goodwill_credit,
    multi_thread
);

async fn the_report_counts_visits_by_day_and_unit_with_the_money_and_exports_csv(
    backend: openvisit_store::Backend,
) {
    let app = TestApp::spawn(backend).await;
    let db = app.db();
    let fx = fixture(db, 2, 1, settings()).await;
    let (visitor, email) = approved_visitor(db, &fx, &fx.residents).await;
    fund(db, visitor, 10_000).await;
    let v = app.client_for(&email, VISITOR_PASSWORD).await;
    let day = 3;
    let mut ids = Vec::new();
    for hour in [9, 11, 13] {
        let visit = v
            .book_remote(fx.residents[0], local_start(day, hour, 0), 15)
            .await;
        ids.push(visit["id"].as_i64().expect("id"));
    }
    // One cancelled by the visitor in time (full refund), one settled as missed.
    let (status, _) = v
        .post(&format!("/api/v1/visits/{}/cancel", ids[0]), json!({}))
        .await;
    assert_eq!(status, 200);
    let missed = openvisit_store::live::LiveReport {
        outcome: openvisit_store::live::SettledStatus::Missed,
        actual_start: None,
        actual_end: local_start(day, 11, 15),
        connected_seconds: 0,
        lost_minutes: 0,
        missed_by: Some(openvisit_store::visits::MissedBy::Resident),
        end_reason: None,
        end_code: None,
    };
    openvisit_store::live::settle_live_visit(
        db,
        openvisit_core::VisitId(ids[1]),
        &missed,
        None,
        local_start(day, 11, 20),
    )
    .await
    .expect("settled");
    let staff = app.client_for(&fx.staff_email, STAFF_PASSWORD).await;
    let date = jiff::tz::TimeZone::get("America/Chicago")
        .expect("zone")
        .to_datetime(local_start(day, 9, 0))
        .date();
    let q = format!("from={date}&to={date}");
    let (status, rows) = staff.get(&format!("/api/v1/staff/reports?{q}")).await;
    assert_eq!(status, 200, "{rows}");
    let rows = rows.as_array().expect("rows");
    assert_eq!(rows.len(), 1, "one day, one unit: {rows:?}");
    let r = &rows[0];
    assert_eq!(r["unit"], "A Pod");
    assert_eq!(
        (r["booked"].as_i64(), r["cancelled"].as_i64()),
        (Some(1), Some(1))
    );
    assert_eq!(r["missed_by_resident"], 1);
    // Two 15-minute visits at $2.85 stayed charged; the cancelled one came back.
    assert_eq!(
        (r["revenue"].as_i64(), r["refunds"].as_i64()),
        (Some(570), Some(285))
    );
    let (status, bad) = staff
        .get(&format!("/api/v1/staff/reports?from={date}&to=2020-01-01"))
        .await;
    assert_eq!(status, 400, "{bad}");

    let r = reqwest::Client::new()
        .get(format!("{}/api/v1/staff/reports.csv?{q}", app.base))
        .header("cookie", staff.cookie.clone().unwrap_or_default())
        .send()
        .await
        .expect("csv");
    assert!(
        r.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/csv"))
    );
    let text = r.text().await.expect("text");
    let mut lines = text.lines();
    assert!(
        lines
            .next()
            .is_some_and(|h| h.starts_with("day,unit,booked,completed"))
    );
    assert_eq!(
        lines.next(),
        Some(format!("{date},A Pod,1,0,0,1,0,1,0,0,570,285,0").as_str())
    );
    app.stop().await;
}
per_backend!(
    the_report_counts_visits_by_day_and_unit_with_the_money_and_exports_csv,
    the_report_counts_visits_by_day_and_unit_with_the_money_and_exports_csv,
    multi_thread
);

/// Uploads a roster as CSV; `apply` false is the preview.
async fn roster(app: &TestApp, cookie: &str, csv: &str, apply: bool) -> (u16, serde_json::Value) {
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/staff/roster?apply={apply}", app.base))
        .header("cookie", cookie)
        .header("content-type", "text/csv")
        .body(csv.to_owned())
        .send()
        .await
        .expect("roster");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(serde_json::Value::Null))
}

async fn a_roster_upload_previews_then_applies_a_move_and_a_release_with_refunds(
    backend: openvisit_store::Backend,
) {
    let app = TestApp::spawn(backend).await;
    let db = app.db();
    let fx = fixture(db, 1, 2, settings()).await;
    {
        let mut tx = db.begin_write().await.expect("tx");
        openvisit_store::places::create_unit(&mut tx, fx.facility, "B Pod")
            .await
            .expect("unit");
        tx.commit().await.expect("commit");
    }
    let (visitor, email) = approved_visitor(db, &fx, &fx.residents).await;
    fund(db, visitor, 10_000).await;
    let v = app.client_for(&email, VISITOR_PASSWORD).await;
    let mut visits = Vec::new();
    for (r, hour) in [(0, 10), (1, 12)] {
        let visit = v
            .book_remote(fx.residents[r], local_start(3, hour, 0), 15)
            .await;
        visits.push(visit["id"].as_i64().expect("id"));
    }
    let admin = app
        .client_for(&fx.staff_email, STAFF_PASSWORD)
        .await
        .cookie
        .expect("cookie");
    // Resident 0 moves to B Pod, resident 1 is released, one newcomer arrives.
    let csv =
        "booking_number,full_name,housing_unit\nB00000,Resident 0,B Pod\nB00009,New Person,A Pod\n";
    let (status, preview) = roster(&app, &admin, csv, false).await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(preview["applied"], false);
    assert_eq!(preview["added"], json!(["B00009"]));
    assert_eq!(preview["moved"], json!(["B00000"]));
    assert_eq!(preview["released"], json!(["B00001"]));
    let (_, mine) = v.get("/api/v1/visits").await;
    assert!(
        mine.as_array()
            .expect("visits")
            .iter()
            .all(|x| x["status"] == "booked"),
        "a preview changes nothing: {mine}"
    );
    let (_, before) = v.get("/api/v1/balance").await;

    let (status, applied) = roster(&app, &admin, csv, true).await;
    assert_eq!(status, 200, "{applied}");
    let mut cancelled: Vec<i64> = applied["cancelled_visits"]
        .as_array()
        .expect("cancelled")
        .iter()
        .filter_map(serde_json::Value::as_i64)
        .collect();
    cancelled.sort_unstable();
    assert_eq!(cancelled, visits, "both visits are cancelled");
    let (_, after) = v.get("/api/v1/balance").await;
    assert_eq!(
        after["balance_cents"].as_i64().unwrap_or(0)
            - before["balance_cents"].as_i64().unwrap_or(0),
        570,
        "both refunded in full"
    );
    // Mistakes say which line; officers cannot upload.
    let (status, body) = roster(
        &app,
        &admin,
        "booking_number,full_name,housing_unit\nB1,,A Pod\n",
        false,
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["message"].as_str().unwrap_or("").contains("line"),
        "{body}"
    );
    let (status, body) = roster(
        &app,
        &admin,
        "booking_number,full_name,housing_unit\nB1,X,Nowhere\n",
        false,
    )
    .await;
    assert_eq!(status, 422, "{body}");
    app.stop().await;
}
per_backend!(
    a_roster_upload_previews_then_applies_a_move_and_a_release_with_refunds,
    a_roster_upload_previews_then_applies_a_move_and_a_release_with_refunds,
    multi_thread
);
