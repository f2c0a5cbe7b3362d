//! Email through a real SMTP server (Python's aiosmtpd, started by the test).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;

use serde_json::json;

use crate::harness::*;

/// aiosmtpd on a free port, saving messages into a folder; stopped when dropped.
struct SmtpReceiver {
    child: std::process::Child,
    port: u16,
    dir: std::path::PathBuf,
}

impl SmtpReceiver {
    fn start() -> SmtpReceiver {
        let dir = std::env::temp_dir().join(format!(
            "ov_smtp_{}_{}",
            std::process::id(),
            jiff::Timestamp::now().as_nanosecond()
        ));
        std::fs::create_dir_all(&dir).expect("dir");
        let script =
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../e2e/smtp_receiver.py");
        let mut child = Command::new("python3")
            .arg(script)
            .arg(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 with aiosmtpd (pip install aiosmtpd) runs the SMTP receiver");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read port");
        let port = line
            .trim()
            .strip_prefix("port ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("the SMTP receiver did not start: {line:?}"));
        SmtpReceiver { child, port, dir }
    }

    fn messages(&self) -> Vec<String> {
        let mut files: Vec<_> = std::fs::read_dir(&self.dir)
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort();
        files
            .iter()
            .filter_map(|f| std::fs::read_to_string(f).ok())
            .collect()
    }
}

impl Drop for SmtpReceiver {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test]
async fn the_confirmation_email_arrives_over_smtp_in_the_visitors_language() {
    let smtp = SmtpReceiver::start();
    let mailer = openvisit_web::mail::SmtpMailer::new(
        "127.0.0.1",
        smtp.port,
        "OpenVisit <no-reply@openvisit.localhost>",
    )
    .expect("mailer");
    let app =
        TestApp::spawn_with_mailer(openvisit_store::Backend::Sqlite, Some(Arc::new(mailer))).await;
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
