//! Finding 15 (metrics): `/metrics` was public, telling anyone how busy a facility is.
//! It now answers only the operator's bearer token, and is off without one.

use super::demo::serve;
use crate::harness::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_answer_only_the_operators_token_and_are_off_without_one() {
    let app = TestApp::spawn(openvisit_store::Backend::Sqlite).await;
    let http = reqwest::Client::new();
    let url = format!("{}/metrics", app.base);
    let anonymous = http.get(&url).send().await.expect("get");
    assert_eq!(anonymous.status(), 401);
    assert_eq!(
        anonymous
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok()),
        Some("Bearer")
    );
    let guessed = http
        .get(&url)
        .bearer_auth("test-metrics-tokem")
        .send()
        .await;
    assert_eq!(guessed.expect("get").status(), 401);
    let operator = http
        .get(&url)
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .expect("get");
    assert_eq!(operator.status(), 200);
    let text = operator.text().await.expect("text");
    assert!(text.contains("openvisit_http_requests_total"), "{text}");
    app.stop().await;

    // The binary without --metrics-token: off, and it says how to turn it on.
    let data = std::env::temp_dir().join(format!("ov_metrics_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    {
        let s = serve(&data, &["--no-demo"]);
        assert!(s.printed.contains("Metrics:    off"), "{}", s.printed);
        let res = http
            .get(format!("{}/metrics", s.base))
            .send()
            .await
            .expect("get");
        assert_eq!(res.status(), 404);
        let body: serde_json::Value = res.json().await.expect("json");
        assert_eq!(body["error"], "metrics_off", "{body}");
    }
    let _ = std::fs::remove_dir_all(&data);
}
