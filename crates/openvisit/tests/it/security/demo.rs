//! Finding 7: the demo leaked into real deployments (seeded into any empty database,
//! its staff secret printed at every start, its visitor still signing in after a
//! `--no-demo` restart). Tried with the `openvisit` binary itself.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::json;

use crate::harness::*;

/// A running `openvisit serve` and what it printed up to its media line (also the
/// server `live::crash` kills).
pub(crate) struct Served {
    child: Child,
    pub base: String,
    pub printed: String,
}

impl Served {
    /// `kill -9`: nothing is saved on the way out.
    pub(crate) fn kill(self) {
        drop(self);
    }

    /// An HTTP client for this server, with `cookie` if given.
    pub(crate) fn client(&self, cookie: Option<String>) -> Client {
        Client {
            http: reqwest::Client::new(),
            base: self.base.clone(),
            cookie,
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn serve(data: &std::path::Path, extra: &[&str]) -> Served {
    let mut child = Command::new(env!("CARGO_BIN_EXE_openvisit"))
        .args(["serve", "--bind", "127.0.0.1:0", "--data-dir"])
        .arg(data)
        .args(extra)
        .env_remove("OPENVISIT_DATABASE_URL")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start openvisit");
    let stdout = child.stdout.take().expect("stdout");
    let mut printed = String::new();
    let mut base = String::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("line");
        if let Some(rest) = line.split(" at http").nth(1) {
            base = format!("http{}", rest.trim_end_matches('/'));
        }
        printed.push_str(&line);
        printed.push('\n');
        if line.trim_start().starts_with("Media:") {
            break;
        }
    }
    assert!(!base.is_empty(), "the server says where it runs: {printed}");
    Served {
        child,
        base,
        printed,
    }
}

async fn demo_visitor_signs_in(base: &str) -> u16 {
    reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({
            "email": openvisit_store::demo::DEMO_VISITOR_EMAIL,
            "password": openvisit_store::demo::DEMO_VISITOR_PASSWORD,
        }))
        .send()
        .await
        .expect("login")
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_prints_its_secrets_once_and_stays_shut_after_a_no_demo_restart() {
    let data = std::env::temp_dir().join(format!("ov_demo_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    {
        let first = serve(&data, &[]);
        assert!(first.printed.contains("Seeded a demo"), "{}", first.printed);
        assert!(first.printed.contains("authenticator secret"));
        assert!(
            first
                .printed
                .contains("/kiosk/setup on the kiosk and type its code")
        );
        assert!(
            !first.printed.contains("/kiosk/setup?key="),
            "no kiosk key in a URL"
        );
        assert_eq!(demo_visitor_signs_in(&first.base).await, 200);
    }
    {
        let again = serve(&data, &[]);
        assert!(
            !again.printed.contains("authenticator secret")
                && !again
                    .printed
                    .contains("/kiosk/setup on the kiosk and type its code"),
            "a restart prints no secret: {}",
            again.printed
        );
        assert_eq!(demo_visitor_signs_in(&again.base).await, 200);
    }
    {
        let production = serve(&data, &["--no-demo"]);
        assert!(
            !production
                .printed
                .contains(openvisit_store::demo::DEMO_VISITOR_PASSWORD)
        );
        assert_ne!(
            demo_visitor_signs_in(&production.base).await,
            200,
            "the demo visitor is shut out with --no-demo"
        );
    }
    let _ = std::fs::remove_dir_all(&data);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_postgresql_database_gets_no_demo_unless_asked() {
    if !backends().contains(&openvisit_store::Backend::Postgres) {
        return;
    }
    let tdb = TestDb::new(openvisit_store::Backend::Postgres).await;
    let url = tdb.url().expect("postgres url");
    let data = std::env::temp_dir().join(format!("ov_demo_pg_{}", std::process::id()));
    {
        let production = serve(&data, &["--database-url", &url]);
        assert!(!production.printed.contains("Seeded a demo"));
        assert!(
            !production
                .printed
                .contains(openvisit_store::demo::DEMO_VISITOR_EMAIL)
        );
        let list: serde_json::Value =
            reqwest::get(format!("{}/api/v1/facilities", production.base))
                .await
                .expect("directory")
                .json()
                .await
                .expect("json");
        assert_eq!(list.as_array().map(Vec::len), Some(0), "{list}");
        assert_ne!(demo_visitor_signs_in(&production.base).await, 200);
    }
    {
        let asked = serve(&data, &["--database-url", &url, "--demo"]);
        assert!(asked.printed.contains("Seeded a demo"), "{}", asked.printed);
    }
    let _ = std::fs::remove_dir_all(&data);
    tdb.cleanup().await;
}
