//! HTTPS on the web port (`serve --tls-cert --tls-key`), tried with the `openvisit`
//! binary and a client that trusts only the certificate the test made: pages and the
//! API over TLS with HSTS and `__Host-`/`Secure` cookies, plain HTTP on the HTTPS port
//! refused, the HTTP port redirecting to the same path over HTTPS, and a renewed
//! certificate served without a restart.

use std::time::{Duration, Instant};

use super::demo::serve;
use crate::harness::{certificate, free_port, sign_in, trusting};

#[tokio::test]
async fn the_server_speaks_https_redirects_http_and_serves_a_renewed_certificate() {
    let data = std::env::temp_dir().join(format!("ov_https_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&data).expect("data dir");
    let (cert, key) = certificate();
    let (cert_file, key_file) = (data.join("cert.pem"), data.join("key.pem"));
    std::fs::write(&cert_file, &cert).expect("cert");
    std::fs::write(&key_file, &key).expect("key");
    let redirect_port = free_port();
    let redirect = format!("127.0.0.1:{redirect_port}");
    let server = serve(
        &data,
        &[
            "--tls-cert",
            cert_file.to_str().expect("path"),
            "--tls-key",
            key_file.to_str().expect("path"),
            "--http-redirect-bind",
            &redirect,
        ],
    );
    assert!(server.base.starts_with("https://"), "{}", server.printed);
    let base = server.base.replace("127.0.0.1", "localhost");
    let client = trusting(&cert);

    let res = client.get(format!("{base}/")).send().await.expect("https");
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()
            .get("strict-transport-security")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("max-age=")),
        "HSTS under HTTPS: {:?}",
        res.headers()
    );
    let cookie = sign_in(
        &client,
        &base,
        openvisit_store::demo::DEMO_VISITOR_EMAIL,
        openvisit_store::demo::DEMO_VISITOR_PASSWORD,
    )
    .await;
    assert!(
        cookie.starts_with("__Host-") && cookie.contains("Secure"),
        "the session cookie is __Host- and Secure: {cookie}"
    );
    // Choosing a language remembers it in a cookie bound to this host, over TLS only.
    let res = client
        .get(format!("{base}/?lang=es"))
        .send()
        .await
        .expect("https");
    let lang: Vec<&str> = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter(|c| c.contains("ov_lang="))
        .collect();
    assert!(
        lang.len() == 1 && lang[0].starts_with("__Host-ov_lang=es;") && lang[0].contains("Secure"),
        "the language cookie is __Host- and Secure: {lang:?}"
    );

    // Plain HTTP on the HTTPS port gets no page.
    let plain = server.base.replace("https://", "http://");
    assert!(
        reqwest::Client::new()
            .get(format!("{plain}/healthz"))
            .timeout(Duration::from_secs(5))
            .send()
            .await
            .is_err(),
        "plain HTTP answered on the HTTPS port"
    );

    // The HTTP port sends every path to the same path over HTTPS.
    let res = client
        .post(format!("http://{redirect}/visits?notice=booked"))
        .send()
        .await
        .expect("http");
    assert_eq!(res.status(), 308);
    assert_eq!(
        res.headers().get("location").and_then(|v| v.to_str().ok()),
        Some(format!("{}/visits?notice=booked", server.base).as_str())
    );

    // A renewed certificate: a client that trusts only the new one gets in once the
    // files change, without a restart.
    let (renewed, renewed_key) = certificate();
    let renewed_client = trusting(&renewed);
    assert!(
        renewed_client
            .get(format!("{base}/healthz"))
            .send()
            .await
            .is_err(),
        "the new certificate is not served before the files change"
    );
    std::fs::write(&key_file, &renewed_key).expect("key");
    std::fs::write(&cert_file, &renewed).expect("cert");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(res) = renewed_client.get(format!("{base}/healthz")).send().await {
            assert_eq!(res.status(), 200);
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the renewed certificate was not served within 20 s"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    server.kill();
    let _ = std::fs::remove_dir_all(&data);
}
