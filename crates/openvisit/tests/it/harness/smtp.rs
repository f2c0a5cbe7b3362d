//! A real SMTP receiver (Python's aiosmtpd) for the email tests.

use std::io::BufRead;
use std::sync::Arc;

use openvisit_store::Backend;

use super::TestApp;

/// aiosmtpd on a free port, saving messages into a folder; stopped when dropped.
pub struct SmtpReceiver {
    child: std::process::Child,
    pub port: u16,
    pub dir: std::path::PathBuf,
}

impl SmtpReceiver {
    pub fn start() -> SmtpReceiver {
        SmtpReceiver::spawn("smtp_receiver.py", &[])
    }

    /// A receiver that requires TLS (`mode`: "starttls" or "implicit") and a sign-in
    /// as `user` with `password`; its self-signed certificate is `ca_pem()`.
    pub fn start_tls(mode: &str, user: &str, password: &str) -> SmtpReceiver {
        SmtpReceiver::spawn("smtp_tls_receiver.py", &[mode, user, password])
    }

    /// The certificate a TLS receiver made for "localhost" (PEM).
    pub fn ca_pem(&self) -> Vec<u8> {
        std::fs::read(self.dir.join("ca.pem")).expect("the receiver's certificate")
    }

    /// What a TLS receiver recorded of each message's session: `user=…`, `encrypted=…`.
    pub fn sessions(&self) -> Vec<String> {
        super::files_in_order(&self.dir, Some("meta"))
    }

    fn spawn(script: &str, args: &[&str]) -> SmtpReceiver {
        let dir = std::env::temp_dir().join(format!(
            "ov_smtp_{}_{}",
            std::process::id(),
            jiff::Timestamp::now().as_nanosecond()
        ));
        std::fs::create_dir_all(&dir).expect("dir");
        let script = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../e2e")
            .join(script);
        let mut child = std::process::Command::new("python3")
            .arg(script)
            .arg(&dir)
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("python3 with aiosmtpd (pip install aiosmtpd) runs the SMTP receiver");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read port");
        let port = line
            .trim()
            .strip_prefix("port ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("the SMTP receiver did not start: {line:?}"));
        SmtpReceiver { child, port, dir }
    }

    pub fn messages(&self) -> Vec<String> {
        super::files_in_order(&self.dir, Some("eml"))
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

/// A server on SQLite whose email goes to a real SMTP receiver.
pub async fn app_with_smtp() -> (TestApp, SmtpReceiver) {
    let smtp = SmtpReceiver::start();
    let mailer = openvisit_web::mail::SmtpMailer::new(
        "127.0.0.1",
        smtp.port,
        "OpenVisit <no-reply@openvisit.localhost>",
    )
    .expect("mailer");
    let app = TestApp::spawn_with_mailer(Backend::Sqlite, Some(Arc::new(mailer))).await;
    (app, smtp)
}
