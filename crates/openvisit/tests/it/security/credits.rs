//! Finding 15 (credits): an officer could give unlimited goodwill credits. Each role
//! now has a daily cap, counted across every credit its member gave in the last day.

use openvisit_store::accounts::{NewAccount, Role, create_account};
use serde_json::json;

use crate::harness::*;

async fn an_officer_gives_at_most_fifty_dollars_of_goodwill_credits_a_day(
    backend: openvisit_store::Backend,
) {
    let app = TestApp::spawn(backend).await;
    let db = app.db();
    let fx = fixture(db, 1, 1, settings()).await;
    let (visitor, _) = approved_visitor(db, &fx, &fx.residents).await;
    let officer_email = format!("officer-{}@staff.test", fx.facility.0);
    create_account(
        db,
        &NewAccount {
            email_verified: true,
            email: officer_email.clone(),
            password: STAFF_PASSWORD.into(),
            display_name: "Officer Diaz".into(),
            role: Role::Officer,
            facility: Some(fx.facility),
            language: "en".into(),
            time_zone: "America/Chicago".into(),
        },
        jiff::Timestamp::now(),
    )
    .await
    .expect("officer");
    let officer = app.client_for(&officer_email, STAFF_PASSWORD).await;
    let credit = |cents: i64| json!({ "visitor_id": visitor.0, "amount_cents": cents, "memo": "dropped call" });

    for cents in [3_000, 2_000] {
        let (status, body) = officer.post("/api/v1/staff/credits", credit(cents)).await;
        assert_eq!(status, 201, "{body}");
    }
    let (status, body) = officer.post("/api/v1/staff/credits", credit(1)).await;
    assert_eq!(status, 422, "the officer's $50 for today is spent: {body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap_or("")
            .contains("$0.00 is left"),
        "{body}"
    );
    // A facility admin decides beyond that, under their own cap.
    let admin = app.client_for(&fx.staff_email, STAFF_PASSWORD).await;
    let (status, body) = admin.post("/api/v1/staff/credits", credit(8_000)).await;
    assert_eq!(status, 201, "{body}");

    // Every credit is in the audit log under the name of who gave it.
    let (_, audit) = admin.get("/api/v1/staff/audit?action=ledger.").await;
    let officer_id = openvisit_store::accounts::account_by_email(db, &officer_email)
        .await
        .expect("read")
        .expect("officer")
        .id;
    let by_officer = audit
        .as_array()
        .expect("audit")
        .iter()
        .filter(|a| a["actor"] == officer_id.0)
        .count();
    assert_eq!(by_officer, 2, "{audit}");

    // A day later the officer may give again.
    app.state.clock.advance_seconds(24 * 3600 + 1);
    let officer = app.client_for(&officer_email, STAFF_PASSWORD).await;
    let (status, body) = officer.post("/api/v1/staff/credits", credit(2_500)).await;
    assert_eq!(status, 201, "{body}");
    app.stop().await;
}
per_backend!(
    an_officer_gives_at_most_fifty_dollars_of_goodwill_credits_a_day,
    an_officer_gives_at_most_fifty_dollars_of_goodwill_credits_a_day,
    multi_thread
);
