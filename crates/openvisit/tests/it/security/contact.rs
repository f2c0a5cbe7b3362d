//! Finding 11: the contact form linked an anonymous question to the account whose
//! address was typed (staff then saw that visitor's visits and money beside it), and
//! could send mail to any address as often as a sender liked.

use crate::harness::*;

/// The ticket reference (`OV-XXXXXX`) the confirmation page shows.
fn reference_in(page: &str) -> String {
    let at = page
        .find("OV-")
        .unwrap_or_else(|| panic!("no reference in {page}"));
    page[at..at + 9].to_owned()
}

async fn a_question_is_linked_to_an_account_only_when_that_account_sent_it_signed_in(
    backend: openvisit_store::Backend,
) {
    let app = TestApp::spawn(backend).await;
    let fx = fixture(app.db(), 1, 1, settings()).await;
    let (victim, victim_email) = approved_visitor(app.db(), &fx, &fx.residents).await;
    fund(app.db(), victim, 2_500).await;
    let facility = fx.facility.0.to_string();
    let staff = app.client_for(&fx.staff_email, STAFF_PASSWORD).await;

    // A stranger types the victim's address: the question stands alone.
    let (status, page) = app
        .anonymous()
        .submit_form(
            "/contact",
            &[
                ("name", "Someone"),
                ("email", &victim_email),
                ("facility", &facility),
                ("message", "Show me this person's visits"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{page}");
    let forged = reference_in(&page);
    let (status, detail) = staff.get(&format!("/api/v1/staff/tickets/{forged}")).await;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(detail["visitor"], serde_json::Value::Null, "{detail}");
    assert_eq!(detail["ledger"], serde_json::json!([]), "{detail}");
    assert_eq!(detail["visits"], serde_json::json!([]), "{detail}");

    // The visitor, signed in, asks: their account is beside it, and the answer goes
    // to their own address whatever was typed.
    let visitor = app.client_for(&victim_email, VISITOR_PASSWORD).await;
    let (status, page) = visitor
        .submit_form(
            "/contact",
            &[
                ("name", "Sam"),
                ("email", "elsewhere@example.org"),
                ("facility", &facility),
                ("message", "Where is my refund?"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{page}");
    let own = reference_in(&page);
    let (_, detail) = staff.get(&format!("/api/v1/staff/tickets/{own}")).await;
    assert_eq!(detail["visitor"], victim.0, "{detail}");
    assert_eq!(detail["ticket"]["email"], victim_email.as_str(), "{detail}");
    assert!(
        detail["ledger"].as_array().is_some_and(|l| !l.is_empty()),
        "{detail}"
    );
    app.stop().await;
}
per_backend!(
    a_question_is_linked_to_an_account_only_when_that_account_sent_it_signed_in,
    a_question_is_linked_to_an_account_only_when_that_account_sent_it_signed_in,
    multi_thread
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_contact_form_mails_one_address_three_times_an_hour_at_most() {
    let app = TestApp::spawn(openvisit_store::Backend::Sqlite).await;
    let target = "flooded@example.org";
    let mut references = Vec::new();
    for i in 0..5 {
        let message = format!("message {i}");
        let (status, page) = app
            .anonymous()
            .submit_form(
                "/contact",
                &[
                    ("name", "Spam"),
                    ("email", target),
                    ("facility", "0"),
                    ("message", &message),
                ],
            )
            .await;
        assert_eq!(status, 200, "{page}");
        references.push(reference_in(&page));
    }
    let fx = fixture(app.db(), 1, 1, settings()).await;
    let mut conn = app.db().pool.acquire().await.expect("conn");
    for r in &references {
        // A support agent sees general questions: every one was kept.
        openvisit_store::support::visible_ticket(&mut conn, fx.facility, true, r)
            .await
            .expect("the question is kept");
    }
    drop(conn);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let to_target = app
        .email_summaries()
        .iter()
        .filter(|e| e["to"] == target)
        .count();
    assert_eq!(to_target, 3, "three confirmations, then none");
    app.stop().await;
}
