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

/// `openvisit --log-format json serve` on a fresh data folder with `RUST_LOG` as given,
/// its standard output going to a log file; stopped (and its folder removed) on drop.
struct JsonLogged {
    child: std::process::Child,
    data: std::path::PathBuf,
    log: std::path::PathBuf,
    base: String,
}

impl JsonLogged {
    async fn start(name: &str, rust_log: &str) -> JsonLogged {
        JsonLogged::start_with(name, rust_log, &[]).await
    }

    /// `start`, with more environment variables.
    async fn start_with(name: &str, rust_log: &str, env: &[(&str, &str)]) -> JsonLogged {
        let data = std::env::temp_dir().join(format!("ov_{name}_{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&data);
        std::fs::create_dir_all(&data).expect("data dir");
        let log = data.join("server.log");
        let port = free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_openvisit"))
            .args(["--log-format", "json", "serve", "--bind"])
            .arg(format!("127.0.0.1:{port}"))
            .arg("--data-dir")
            .arg(data.join("db"))
            .env_remove("OPENVISIT_DATABASE_URL")
            .env("RUST_LOG", rust_log)
            .envs(env.iter().copied())
            .stdout(std::fs::File::create(&log).expect("log file"))
            .stderr(Stdio::null())
            .spawn()
            .expect("start openvisit");
        let base = format!("http://127.0.0.1:{port}");
        let until = Instant::now() + Duration::from_secs(60);
        while reqwest::get(format!("{base}/healthz")).await.is_err() {
            assert!(Instant::now() < until, "the server did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        JsonLogged {
            child,
            data,
            log,
            base,
        }
    }

    /// The first log line that `wanted` accepts, waiting up to 5 s for it to be written.
    async fn line(&self, wanted: impl Fn(&serde_json::Value) -> bool) -> Option<serde_json::Value> {
        for _ in 0..50 {
            let mut text = String::new();
            std::fs::File::open(&self.log)
                .and_then(|mut f| f.read_to_string(&mut text))
                .expect("read the log");
            let found = text
                .lines()
                .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
                .find(|v| wanted(v));
            if found.is_some() {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        None
    }
}

impl Drop for JsonLogged {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.data);
    }
}

#[tokio::test]
async fn with_json_logs_each_request_logs_one_line_with_its_id() {
    let server = JsonLogged::start("json_logs", "info").await;
    let res = reqwest::Client::new()
        .get(format!("{}/api/v1/facilities/424242", server.base))
        .header("x-request-id", "trace-me-1")
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 404);
    let line = server
        .line(|v| v["span"]["id"] == "trace-me-1" && v["fields"]["status"] == 404)
        .await
        .expect("a JSON log line for the request, with its id and status");
    assert_eq!(line["span"]["route"], "/api/v1/facilities/{id}", "{line}");
    assert_eq!(line["span"]["method"], "GET", "{line}");
    assert!(line["fields"]["ms"].is_number(), "the time taken: {line}");
    // Without debug spans asked for, database work logs nothing of its own.
    assert!(
        server
            .line(|v| v["span"]["name"]
                .as_str()
                .is_some_and(|n| n.starts_with("db.")))
            .await
            .is_none()
    );
}

/// Asked for (`RUST_LOG=…,openvisit_store=debug`), database work has spans of its own:
/// each logs one line when it closes, with the time it took, and so does each request
/// (by its id), so a slow request shows where the time went.
#[tokio::test]
async fn with_debug_spans_database_work_and_requests_are_timed() {
    let server = JsonLogged::start("db_spans", "info,openvisit_store=debug").await;
    let http = reqwest::Client::new();
    let cookie = sign_in(
        &http,
        &server.base,
        openvisit_store::demo::DEMO_VISITOR_EMAIL,
        openvisit_store::demo::DEMO_VISITOR_PASSWORD,
    )
    .await;
    let res = http
        .post(format!("{}/api/v1/deposits", server.base))
        .header("cookie", cookie_pair(&cookie))
        .header("x-request-id", "deposit-1")
        .json(&serde_json::json!({ "amount_cents": 1000, "payment_token": "tok_visa" }))
        .send()
        .await
        .expect("deposit");
    assert_eq!(res.status(), 201);
    let line = server
        .line(|v| v["span"]["name"] == "db.deposit")
        .await
        .expect("a line for the deposit's database work");
    assert!(
        line["fields"]["time.busy"].is_string(),
        "the time it took: {line}"
    );
    // And the request itself, by its id, with its total.
    let request = server
        .line(|v| {
            v["span"]["id"] == "deposit-1"
                && v["fields"]["message"] == "close"
                && v["fields"]["time.busy"].is_string()
        })
        .await;
    assert!(request.is_some(), "the request's own time");
}

/// What an OpenTelemetry collector received: each OTLP/HTTP JSON export's spans.
type Collected = std::sync::Arc<std::sync::Mutex<Vec<serde_json::Value>>>;

/// A collector on 127.0.0.1 taking OTLP/HTTP JSON at `/v1/traces`: its address and spans.
async fn collector() -> (String, Collected) {
    let spans = Collected::default();
    let kept = spans.clone();
    let app = axum::Router::new().route(
        "/v1/traces",
        axum::routing::post(move |body: axum::body::Bytes| {
            let kept = kept.clone();
            async move {
                let export: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
                let mut kept = kept.lock().expect("lock");
                for rs in export["resourceSpans"].as_array().into_iter().flatten() {
                    for ss in rs["scopeSpans"].as_array().into_iter().flatten() {
                        for span in ss["spans"].as_array().into_iter().flatten() {
                            let mut span = span.clone();
                            span["resource"] = rs["resource"].clone();
                            kept.push(span);
                        }
                    }
                }
                axum::Json(serde_json::json!({}))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), spans)
}

/// An attribute's string value on an OTLP span.
fn attribute(span: &serde_json::Value, key: &str) -> Option<String> {
    span["attributes"]
        .as_array()?
        .iter()
        .find(|a| a["key"] == key)
        .and_then(|a| a["value"]["stringValue"].as_str())
        .map(str::to_owned)
}

/// With `OTEL_EXPORTER_OTLP_ENDPOINT`, a request and the database work inside it reach an
/// OpenTelemetry collector as one trace: the request's span carries its id, and the
/// deposit's database span is its child, at the default log level.
#[tokio::test]
async fn traces_reach_an_opentelemetry_collector_with_the_database_work_inside_the_request() {
    let (endpoint, spans) = collector().await;
    let server = JsonLogged::start_with(
        "otlp",
        "info",
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
            ("OTEL_BSP_SCHEDULE_DELAY", "100"),
        ],
    )
    .await;
    let http = reqwest::Client::new();
    let cookie = sign_in(
        &http,
        &server.base,
        openvisit_store::demo::DEMO_VISITOR_EMAIL,
        openvisit_store::demo::DEMO_VISITOR_PASSWORD,
    )
    .await;
    let res = http
        .post(format!("{}/api/v1/deposits", server.base))
        .header("cookie", cookie_pair(&cookie))
        .header("x-request-id", "traced-1")
        .json(&serde_json::json!({ "amount_cents": 1000, "payment_token": "tok_visa" }))
        .send()
        .await
        .expect("deposit");
    assert_eq!(res.status(), 201);
    let until = Instant::now() + Duration::from_secs(20);
    let (request, work) = loop {
        let found = {
            let spans = spans.lock().expect("lock");
            let request = spans
                .iter()
                .find(|s| {
                    s["name"] == "request" && attribute(s, "id").as_deref() == Some("traced-1")
                })
                .cloned();
            let work = spans.iter().find(|s| s["name"] == "db.deposit").cloned();
            request.zip(work)
        };
        if let Some(both) = found {
            break both;
        }
        assert!(
            Instant::now() < until,
            "no trace of the request reached the collector"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        work["traceId"], request["traceId"],
        "one trace: {work} {request}"
    );
    assert_eq!(
        work["parentSpanId"], request["spanId"],
        "the database work inside the request"
    );
    assert_eq!(
        attribute(&request, "route").as_deref(),
        Some("/api/v1/deposits")
    );
    let service = request["resource"]["attributes"]
        .as_array()
        .and_then(|a| a.iter().find(|a| a["key"] == "service.name"))
        .and_then(|a| a["value"]["stringValue"].as_str());
    assert_eq!(service, Some("openvisit"));
}
