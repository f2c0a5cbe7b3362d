//! Finding 10: no Content-Security-Policy, framing protection, nosniff or referrer
//! policy; the console could be framed by another site.

use crate::harness::*;

#[tokio::test]
async fn every_answer_forbids_framing_sniffing_and_foreign_scripts() {
    let app = TestApp::spawn(openvisit_store::Backend::Sqlite).await;
    let http = reqwest::Client::new();
    for path in [
        "/",
        "/sign-in",
        "/staff/schedule",
        "/api/v1/facilities",
        "/nowhere",
    ] {
        let res = http
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .expect("get");
        let h = res.headers();
        let header = |name: &str| {
            h.get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let csp = header("content-security-policy");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(csp.contains("script-src 'self'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-eval"), "{path}: {csp}");
        assert_eq!(header("x-frame-options"), "DENY", "{path}");
        assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header("referrer-policy"), "same-origin", "{path}");
        // Served over plain HTTP: no HSTS (it would be ignored, and wrong).
        assert_eq!(header("strict-transport-security"), "", "{path}");
    }
    app.stop().await;
}
