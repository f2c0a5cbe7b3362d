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
