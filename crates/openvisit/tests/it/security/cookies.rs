//! Finding 5: session cookies could never be `Secure`. A server reached over HTTPS (its
//! public URL says so, directly or behind a proxy) sets `__Host-ov_session; Secure`,
//! reads no other session cookie, and sends HSTS.

use serde_json::json;

use crate::harness::*;

#[tokio::test]
async fn over_https_the_session_cookie_is_secure_and_host_only() {
    let app = TestApp::spawn(openvisit_store::Backend::Sqlite).await;
    let fx = fixture(app.db(), 1, 1, settings()).await;
    let (_v, email) = approved_visitor(app.db(), &fx, &[]).await;
    // The same server state as reached through an HTTPS proxy.
    let mut state = app.state.clone();
    state.public_url = "https://visits.example.org".into();
    state.secure_cookies = true;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(openvisit_web::serve(listener, state, async {
        let _ = stopped.await;
    }));
    let http = reqwest::Client::new();
    let res = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({ "email": email, "password": VISITOR_PASSWORD }))
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()
            .get("strict-transport-security")
            .is_some_and(|v| v.to_str().unwrap_or("").contains("max-age=")),
        "HSTS over HTTPS"
    );
    let set = res
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .expect("set-cookie")
        .to_owned();
    assert!(set.starts_with("__Host-ov_session="), "{set}");
    assert!(set.contains("; Secure") && set.contains("Path=/"), "{set}");
    assert!(!set.to_lowercase().contains("domain="), "{set}");
    let token = set
        .split(';')
        .next()
        .and_then(|p| p.split_once('='))
        .map(|(_, v)| v.to_owned())
        .expect("token");
    let me = |cookie: String| {
        let http = http.clone();
        let base = base.clone();
        async move {
            http.get(format!("{base}/api/v1/me"))
                .header("cookie", cookie)
                .send()
                .await
                .expect("me")
                .status()
                .as_u16()
        }
    };
    assert_eq!(me(format!("__Host-ov_session={token}")).await, 200);
    assert_eq!(
        me(format!("ov_session={token}")).await,
        401,
        "a cookie without the prefix (one a sibling subdomain could set) is not read"
    );

    // The form token's cookie too: `__Host-`, Secure, and a planted plain one is no use.
    let form = http
        .get(format!("{base}/contact"))
        .send()
        .await
        .expect("form");
    let set = form
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.contains("ov_csrf="))
        .expect("a form token cookie")
        .to_owned();
    assert!(
        set.starts_with("__Host-ov_csrf=") && set.contains("; Secure"),
        "{set}"
    );
    let csrf = set
        .split(';')
        .next()
        .and_then(|p| p.split_once('='))
        .map(|(_, v)| v.to_owned())
        .expect("token");
    let post = |cookie: String, token: String| {
        let http = http.clone();
        let base = base.clone();
        async move {
            http.post(format!("{base}/contact"))
                .header("cookie", cookie)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(crate::pages::form_body(&[
                    ("csrf", &token),
                    ("name", "Sam"),
                    ("email", "sam@example.org"),
                    ("facility", "0"),
                    ("message", "Hello"),
                ]))
                .send()
                .await
                .expect("post")
                .status()
                .as_u16()
        }
    };
    let planted = "ab".repeat(32);
    assert_eq!(
        post(format!("ov_csrf={planted}"), planted.clone()).await,
        403,
        "a plain cookie a sibling subdomain planted does not pass"
    );
    assert_eq!(post(format!("__Host-ov_csrf={csrf}"), csrf).await, 200);

    // A kiosk set up over HTTPS keeps its key in `__Host-ov_kiosk; Secure`, the only
    // kiosk cookie read there.
    let kiosk = unit_with_kiosk(app.db(), fx.facility, "North", 8 * 60, 20 * 60).await;
    let code =
        openvisit_store::kiosk_setup::issue_setup_code(app.db(), kiosk, app.state.clock.now())
            .await
            .expect("code");
    let form = http
        .get(format!("{base}/kiosk/setup"))
        .send()
        .await
        .expect("form");
    let csrf = form
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("__Host-ov_csrf="))
        .and_then(|c| c.split(';').next())
        .expect("form token")
        .to_owned();
    let token = csrf.trim_start_matches("__Host-ov_csrf=").to_owned();
    let set_up = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .post(format!("{base}/kiosk/setup"))
        .header("cookie", &csrf)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(crate::pages::form_body(&[
            ("csrf", &token),
            ("code", &code),
        ]))
        .send()
        .await
        .expect("set up");
    assert_eq!(set_up.status(), 303);
    let set = set_up
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.contains("ov_kiosk="))
        .expect("the kiosk's cookie")
        .to_owned();
    assert!(
        set.starts_with("__Host-ov_kiosk=") && set.contains("; Secure"),
        "{set}"
    );
    let key = set
        .split(';')
        .next()
        .and_then(|p| p.split_once('='))
        .map(|(_, v)| v.to_owned())
        .expect("key");
    let kiosk_page = |cookie: String| {
        let http = http.clone();
        let base = base.clone();
        async move {
            http.get(format!("{base}/kiosk"))
                .header("cookie", cookie)
                .send()
                .await
                .expect("kiosk")
                .status()
                .as_u16()
        }
    };
    assert_eq!(kiosk_page(format!("__Host-ov_kiosk={key}")).await, 200);
    assert_eq!(kiosk_page(format!("ov_kiosk={key}")).await, 401);
    let _ = stop.send(());
    let _ = server.await;
    app.stop().await;
}
