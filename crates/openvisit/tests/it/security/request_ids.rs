//! Every request has an id: in the `X-Request-Id` answer header, in every API error
//! body, and in the request's log line, so a reported failure leads to its logs.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::harness::*;

fn request_id(res: &reqwest::Response) -> String {
    res.headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn every_answer_names_its_request_and_errors_quote_it() {
    let app = TestApp::spawn(openvisit_store::Backend::Sqlite).await;
    let http = reqwest::Client::new();
    let get = |path: &str| http.get(format!("{}{path}", app.base)).send();

    let a = get("/api/v1/facilities").await.expect("get");
    let b = get("/").await.expect("get");
    let (a, b) = (request_id(&a), request_id(&b));
    assert_eq!(a.len(), 16, "an id is made: {a:?}");
    assert_ne!(a, b, "each request has its own id");

    // An API error carries the same id in its body.
    let res = get("/api/v1/visits").await.expect("get");
    assert_eq!(res.status(), 401);
    let id = request_id(&res);
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["error"], "sign_in_required");
    assert_eq!(body["request_id"], id.as_str(), "{body}");

    // A proxy's id is kept; one that could forge a log line is replaced.
    for (sent, kept) in [("lb-7f3a.12", true), ("x\"}{\"a\":1", false)] {
        let res = http
            .get(format!("{}/api/v1/facilities", app.base))
            .header("x-request-id", sent)
            .send()
            .await
            .expect("get");
        assert_eq!(request_id(&res) == sent, kept, "{sent}");
    }
}

#[tokio::test]
async fn with_json_logs_each_request_logs_one_line_with_its_id() {
    let data = std::env::temp_dir().join(format!("ov_json_logs_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&data).expect("data dir");
    let log = data.join("server.log");
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_openvisit"))
        .args(["--log-format", "json", "serve", "--bind"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("--data-dir")
        .arg(data.join("db"))
        .env_remove("OPENVISIT_DATABASE_URL")
        .env("RUST_LOG", "info")
        .stdout(std::fs::File::create(&log).expect("log file"))
        .stderr(Stdio::null())
        .spawn()
        .expect("start openvisit");
    let http = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}/api/v1/facilities/424242");
    let until = Instant::now() + Duration::from_secs(60);
    let status = loop {
        match http
            .get(&url)
            .header("x-request-id", "trace-me-1")
            .send()
            .await
        {
            Ok(res) => break res.status().as_u16(),
            Err(_) if Instant::now() < until => {
                tokio::time::sleep(Duration::from_millis(100)).await
            }
            Err(e) => panic!("the server did not start: {e}"),
        }
    };
    assert_eq!(status, 404);
    // The line is written as the answer goes out; give the writer a moment.
    let mut line = None;
    for _ in 0..50 {
        let mut text = String::new();
        std::fs::File::open(&log)
            .and_then(|mut f| f.read_to_string(&mut text))
            .expect("read the log");
        line = text
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .find(|v| v["span"]["id"] == "trace-me-1" && v["fields"]["status"] == 404);
        if line.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    let line = line.expect("a JSON log line for the request, with its id and status");
    assert_eq!(line["span"]["route"], "/api/v1/facilities/{id}", "{line}");
    assert_eq!(line["span"]["method"], "GET", "{line}");
    assert!(line["fields"]["ms"].is_number(), "the time taken: {line}");
    let _ = std::fs::remove_dir_all(&data);
}
