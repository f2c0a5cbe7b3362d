//! Behind a reverse proxy (`serve --trusted-proxy`): the sign-in limit (20 attempts a
//! minute per address) counts the client the proxy names, not the proxy, and a client
//! that is not the trusted proxy cannot pick its own address with the header.

use serde_json::json;

use super::demo::{Served, serve};

/// Failed sign-ins with `X-Forwarded-For: forwarded`; the status of the last.
async fn sign_ins(server: &Served, forwarded: &str, times: usize) -> u16 {
    let http = reqwest::Client::new();
    let mut last = 0;
    for n in 0..times {
        last = http
            .post(format!("{}/api/v1/auth/login", server.base))
            .header("x-forwarded-for", forwarded)
            .json(
                &json!({ "email": format!("nobody{n}@example.com"), "password": "wrong-password" }),
            )
            .send()
            .await
            .expect("sign-in")
            .status()
            .as_u16();
    }
    last
}

#[tokio::test]
async fn the_sign_in_limit_counts_the_client_a_trusted_proxy_names_and_no_one_else_s_claim() {
    let base = std::env::temp_dir().join(format!("ov_proxy_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);

    // The test is the proxy: 127.0.0.1 is trusted.
    let behind = serve(&base.join("behind"), &["--trusted-proxy", "127.0.0.0/8"]);
    assert_eq!(
        sign_ins(&behind, "203.0.113.7", 20).await,
        401,
        "20 attempts are allowed"
    );
    assert_eq!(
        sign_ins(&behind, "203.0.113.7", 1).await,
        429,
        "the 21st is refused"
    );
    assert_eq!(
        sign_ins(&behind, "198.51.100.1, 203.0.113.8", 1).await,
        401,
        "another client (the nearest hop, not what it wrote itself) is counted apart"
    );
    behind.kill();

    // Without --trusted-proxy the header is the client's own word: ignored.
    let direct = serve(&base.join("direct"), &[]);
    assert_eq!(sign_ins(&direct, "203.0.113.7", 20).await, 401);
    assert_eq!(
        sign_ins(&direct, "203.0.113.99", 1).await,
        429,
        "a client cannot escape the limit by naming another address"
    );
    direct.kill();
    let _ = std::fs::remove_dir_all(&base);
}

/// Signs the demo visitor in through "the proxy" with `X-Forwarded-Proto: proto` (none
/// when empty); the answer's `Set-Cookie` values and whether it carries HSTS.
async fn sign_in_forwarded_as(server: &Served, proto: &str) -> (Vec<String>, bool) {
    let http = reqwest::Client::new();
    let mut req = http
        .post(format!("{}/api/v1/auth/login", server.base))
        .header("x-forwarded-for", "203.0.113.20")
        .json(&json!({
            "email": openvisit_store::demo::DEMO_VISITOR_EMAIL,
            "password": openvisit_store::demo::DEMO_VISITOR_PASSWORD,
        }));
    if !proto.is_empty() {
        req = req.header("x-forwarded-proto", proto);
    }
    let res = req.send().await.expect("sign-in");
    assert_eq!(res.status(), 200, "the demo visitor signs in");
    let cookies = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_owned))
        .collect();
    (
        cookies,
        res.headers().contains_key("strict-transport-security"),
    )
}

fn all_secure(cookies: &[String]) -> bool {
    !cookies.is_empty()
        && cookies.iter().all(|c| {
            c.split(';')
                .any(|a| a.trim().eq_ignore_ascii_case("secure"))
        })
}

#[tokio::test]
async fn behind_a_proxy_that_terminates_tls_cookies_are_secure_and_plain_http_is_sent_to_https() {
    let base = std::env::temp_dir().join(format!("ov_proxy_proto_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);

    // The proxy says the client came over HTTPS: the session cookie is Secure and the
    // answer carries HSTS, though --public-url was left at its http:// default.
    let behind = serve(&base.join("behind"), &["--trusted-proxy", "127.0.0.0/8"]);
    let (cookies, hsts) = sign_in_forwarded_as(&behind, "https").await;
    assert!(
        all_secure(&cookies),
        "Secure cookies over HTTPS: {cookies:?}"
    );
    assert!(hsts, "HSTS over HTTPS");
    let (cookies, hsts) = sign_in_forwarded_as(&behind, "http").await;
    assert!(!all_secure(&cookies) && !hsts, "plain HTTP: {cookies:?}");
    behind.kill();

    // A client that is not a trusted proxy cannot claim HTTPS for itself.
    let direct = serve(&base.join("direct"), &[]);
    let (cookies, hsts) = sign_in_forwarded_as(&direct, "https").await;
    assert!(!all_secure(&cookies) && !hsts, "{cookies:?}");
    direct.kill();

    // With an https:// public URL, what the proxy passes on from plain HTTP is sent
    // there (the path kept); what came over HTTPS is served.
    let site = "https://visits.example.org";
    let secure = serve(
        &base.join("secure"),
        &["--trusted-proxy", "127.0.0.0/8", "--public-url", site],
    );
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let get = |proto: &'static str| {
        no_redirects
            .get(format!("{}/api/v1/facilities?q=cedar", secure.base))
            .header("x-forwarded-proto", proto)
            .send()
    };
    let plain = get("http").await.expect("plain");
    assert_eq!(plain.status(), 308);
    assert_eq!(
        plain
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok()),
        Some("https://visits.example.org/api/v1/facilities?q=cedar")
    );
    let over_tls = get("https").await.expect("https");
    assert_eq!(over_tls.status(), 200);
    assert!(over_tls.headers().contains_key("strict-transport-security"));
    secure.kill();
    let _ = std::fs::remove_dir_all(&base);
}
