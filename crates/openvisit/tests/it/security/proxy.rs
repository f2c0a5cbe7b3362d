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
