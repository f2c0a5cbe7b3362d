//! Email through a real SMTP server (Python's aiosmtpd, started by the test).

use serde_json::json;

use crate::harness::*;

#[tokio::test]
async fn the_confirmation_email_arrives_over_smtp_in_the_visitors_language() {
    let (app, smtp) = app_with_smtp().await;
    let anon = app.anonymous();
    let (status, _) = anon.post("/api/v1/auth/register", json!({ "email": "rosa@example.com", "password": "a long enough password", "display_name": "Rosa", "language": "es" })).await;
    assert_eq!(status, 202);
    let messages = smtp.messages();
    assert_eq!(messages.len(), 1, "one email");
    let m = &messages[0];
    assert!(m.contains("To: rosa@example.com"), "{m}");
    assert!(
        m.contains("Subject: =?utf-8?") || m.contains("Subject: Confirma"),
        "{m}"
    );
    let body = m.replace("=\r\n", "").replace("=3D", "=");
    let start = body
        .find(&format!("{}/verify?token=", app.base))
        .expect("link");
    let link = body[start..].split_whitespace().next().expect("link");
    let token = link.split("token=").nth(1).expect("token");
    let (status, account) = anon
        .post("/api/v1/auth/verify", json!({ "token": token }))
        .await;
    assert_eq!(
        (status, account["email_verified"].as_bool()),
        (200, Some(true)),
        "{account}"
    );
    // Registering the same address again sends nothing and says the same.
    let (status, _) = anon.post("/api/v1/auth/register", json!({ "email": "rosa@example.com", "password": "another long password", "display_name": "Someone" })).await;
    assert_eq!(status, 202);
    assert_eq!(smtp.messages().len(), 1);
    app.stop().await;
}

/// A visit booked with the mail relay at `relay` (trusting `ca`): the booking email's
/// fate, as the visitor's visit emails reach the relay.
async fn book_and_send(relay: &str, ca: Option<&[u8]>) -> (u16, usize) {
    let relay = openvisit_web::smtp_relay::SmtpRelay::parse(relay).expect("relay");
    let mailer = openvisit_web::mail::SmtpMailer::connect(
        &relay,
        "OpenVisit <no-reply@openvisit.localhost>",
        ca,
    )
    .expect("mailer");
    let app = TestApp::spawn_with_mailer(
        openvisit_store::Backend::Sqlite,
        Some(std::sync::Arc::new(mailer)),
    )
    .await;
    let fx = fixture(app.db(), 1, 1, settings()).await;
    let (v, email) = approved_visitor(app.db(), &fx, &fx.residents).await;
    fund(app.db(), v, 2000).await;
    let c = app.client_for(&email, VISITOR_PASSWORD).await;
    let (status, _) = c
        .post(
            "/api/v1/visits",
            json!({ "resident_id": fx.residents[0].0, "kind": "remote", "start": local_start(3, 10, 0), "length_minutes": 15 }),
        )
        .await;
    let mut conn = app.db().pool.acquire().await.expect("conn");
    let sent: i64 = sqlx::Row::try_get(
        &sqlx::query("SELECT COUNT(*) AS n FROM email_outbox WHERE state = 'sent'")
            .fetch_one(&mut *conn)
            .await
            .expect("outbox"),
        "n",
    )
    .expect("n");
    drop(conn);
    app.stop().await;
    (status, usize::try_from(sent).expect("count"))
}

/// A county's relay over STARTTLS (port 587) or implicit TLS (465) with a sign-in: the
/// email arrives encrypted and signed in; a wrong password or a certificate nobody
/// vouches for sends nothing (the email waits in the outbox), and the booking holds.
#[tokio::test]
async fn visit_emails_go_over_tls_with_a_sign_in_and_never_to_an_unverified_relay() {
    for (mode, scheme) in [("starttls", "smtp"), ("implicit", "smtps")] {
        let smtp = SmtpReceiver::start_tls(mode, "mailer", "s3cret p@ss");
        let ca = smtp.ca_pem();
        let query = if mode == "starttls" {
            "?tls=starttls"
        } else {
            ""
        };
        let url = |password: &str| {
            format!(
                "{scheme}://mailer:{password}@localhost:{}{query}",
                smtp.port
            )
        };
        let (status, sent) = book_and_send(&url("s3cret%20p%40ss"), Some(&ca)).await;
        assert_eq!(
            (status, sent),
            (201, 1),
            "{mode}: the booking email went out"
        );
        let sessions = smtp.sessions();
        assert_eq!(sessions.len(), 1, "{mode}: {sessions:?}");
        assert!(
            sessions[0].contains("user=mailer") && sessions[0].contains("encrypted=True"),
            "{mode}: sent encrypted and signed in: {sessions:?}"
        );
        assert!(
            smtp.messages()[0].contains("Subject: "),
            "{mode}: the message arrived whole"
        );

        let (status, sent) = book_and_send(&url("wrong"), Some(&ca)).await;
        assert_eq!(
            (status, sent),
            (201, 0),
            "{mode}: a wrong password sends nothing"
        );
        let (status, sent) = book_and_send(&url("s3cret%20p%40ss"), None).await;
        assert_eq!(
            (status, sent),
            (201, 0),
            "{mode}: a certificate nobody vouches for sends nothing"
        );
        assert_eq!(smtp.messages().len(), 1, "{mode}: nothing more arrived");
    }
}
