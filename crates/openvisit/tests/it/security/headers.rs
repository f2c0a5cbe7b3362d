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
        // Pages and answers with personal data stay out of every cache.
        assert_eq!(header("cache-control"), "no-store", "{path}");
        // Served over plain HTTP: no HSTS (it would be ignored, and wrong).
        assert_eq!(header("strict-transport-security"), "", "{path}");
    }
    // A path that starts with `//` (a 404 page) never links to another host.
    let html = http
        .get(format!("{}//evil.example/x", app.base))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("text");
    assert!(!html.contains("href=\"//evil.example"), "{html}");

    // Signing out tells the browser to drop what it cached of the signed-in pages.
    let fx = fixture(app.db(), 1, 1, settings()).await;
    let (_v, email) = approved_visitor(app.db(), &fx, &[]).await;
    let visitor = app.client_for(&email, VISITOR_PASSWORD).await;
    let res = http
        .post(format!("{}/api/v1/auth/logout", app.base))
        .header("cookie", visitor.cookie.clone().expect("session"))
        .send()
        .await
        .expect("logout");
    assert_eq!(res.status(), 204);
    let clear = res
        .headers()
        .get("clear-site-data")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(clear.contains("\"cache\""), "{clear}");
    app.stop().await;
}
