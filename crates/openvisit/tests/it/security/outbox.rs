//! Finding 1: without a mail server, `/dev/outbox` listed every email, password-reset
//! links included, to anyone.

use super::page_text;
use crate::harness::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_link_in_the_outbox_is_shown_only_to_its_recipient_and_the_operator() {
    let app = TestApp::spawn(openvisit_store::Backend::Sqlite).await;
    let fx = fixture(app.db(), 1, 1, settings()).await;
    let (_victim, victim_email) = approved_visitor(app.db(), &fx, &[]).await;
    let (_attacker, attacker_email) = approved_visitor(app.db(), &fx, &[]).await;
    // The attacker asks for a reset of the victim's password.
    forgot_password(&app, &victim_email).await;
    let link = app.link_sent_to(&victim_email, "/reset-password").await;
    let token = link.split("token=").nth(1).expect("token").to_owned();

    let (status, anonymous) = page_text(&app.base, "/dev/outbox", None).await;
    assert_eq!(status, 200);
    assert!(!anonymous.contains(&token), "a stranger sees the link");
    assert!(
        !anonymous.contains(&victim_email),
        "a stranger sees the address"
    );

    let attacker = app.client_for(&attacker_email, VISITOR_PASSWORD).await;
    let (_, as_attacker) = page_text(&app.base, "/dev/outbox", attacker.cookie.as_deref()).await;
    assert!(
        !as_attacker.contains(&token),
        "another account sees the link"
    );

    let (_, wrong_key) = page_text(&app.base, "/dev/outbox?key=0000", None).await;
    assert!(!wrong_key.contains(&token), "a guessed key sees the link");

    let victim = app.client_for(&victim_email, VISITOR_PASSWORD).await;
    let (_, as_victim) = page_text(&app.base, "/dev/outbox", victim.cookie.as_deref()).await;
    assert!(
        as_victim.contains(&token),
        "the recipient sees their own email"
    );

    let key = app
        .state
        .outbox
        .as_ref()
        .expect("outbox")
        .operator_key()
        .to_owned();
    let (_, as_operator) = page_text(&app.base, &format!("/dev/outbox?key={key}"), None).await;
    assert!(
        as_operator.contains(&token),
        "the operator sees every email"
    );
    app.stop().await;
}

/// Sends the forgotten-password form for `email`, with the form's CSRF token.
async fn forgot_password(app: &TestApp, email: &str) {
    let (status, _) = app
        .anonymous()
        .submit_form("/forgot-password", &[("email", email)])
        .await;
    assert_eq!(status, 200);
}
