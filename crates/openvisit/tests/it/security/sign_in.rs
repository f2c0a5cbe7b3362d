//! Findings 12 and 13: a known address locked (423) at the fifth wrong password while
//! an unknown one stayed 401; 30 concurrent sign-ins checked 6-7 wrong passwords instead
//! of at most 4 before the lock; argon2 ran on the async workers and stalled `/healthz`.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::harness::*;

async fn sign_in(app: &TestApp, email: &str, password: &str) -> u16 {
    app.anonymous()
        .post(
            "/api/v1/auth/login",
            json!({ "email": email, "password": password }),
        )
        .await
        .0
}

async fn a_known_and_an_unknown_address_answer_alike_and_lock_alike(
    backend: openvisit_store::Backend,
) {
    let app = TestApp::spawn(backend).await;
    let fx = fixture(app.db(), 1, 1, settings()).await;
    let (_v, known) = approved_visitor(app.db(), &fx, &[]).await;
    let unknown = "nobody.here@example.org";
    let mut answers = Vec::new();
    for email in [known.as_str(), unknown] {
        let mut statuses = Vec::new();
        for _ in 0..6 {
            statuses.push(sign_in(&app, email, "wrong password").await);
        }
        answers.push(statuses);
    }
    assert_eq!(
        answers[0],
        vec![401, 401, 401, 401, 423, 423],
        "{backend:?}"
    );
    assert_eq!(answers[0], answers[1], "{backend:?}: the same either way");
    // The right password during the lock is refused too.
    assert_eq!(sign_in(&app, &known, VISITOR_PASSWORD).await, 423);
    // The reset the 423 points to lifts the lock.
    let (status, _) = app
        .anonymous()
        .submit_form("/forgot-password", &[("email", &known)])
        .await;
    assert_eq!(status, 200);
    let link = app.link_sent_to(&known, "/reset-password").await;
    let token = link.split("token=").nth(1).expect("token").to_owned();
    let (status, page) = app
        .anonymous()
        .submit_form(
            "/reset-password",
            &[("token", &token), ("password", "a brand new passphrase")],
        )
        .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(sign_in(&app, &known, "a brand new passphrase").await, 200);
    app.stop().await;
}
per_backend!(
    a_known_and_an_unknown_address_answer_alike_and_lock_alike,
    a_known_and_an_unknown_address_answer_alike_and_lock_alike,
    multi_thread
);

async fn concurrent_wrong_passwords_are_checked_at_most_four_times_before_the_lock(
    backend: openvisit_store::Backend,
) {
    let app = TestApp::spawn(backend).await;
    let fx = fixture(app.db(), 1, 1, settings()).await;
    let (_v, email) = approved_visitor(app.db(), &fx, &[]).await;
    let mut tries = Vec::new();
    for _ in 0..30 {
        let (base, email) = (app.base.clone(), email.clone());
        tries.push(tokio::spawn(async move {
            reqwest::Client::new()
                .post(format!("{base}/api/v1/auth/login"))
                .json(&json!({ "email": email, "password": "wrong password" }))
                .send()
                .await
                .expect("login")
                .status()
                .as_u16()
        }));
    }
    // Meanwhile /healthz answers: the hashing runs off the async workers.
    let mut slowest = Duration::ZERO;
    for _ in 0..20 {
        let t = Instant::now();
        let (status, _) = app.anonymous().get("/healthz").await;
        assert_eq!(status, 200);
        slowest = slowest.max(t.elapsed());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let mut statuses = Vec::new();
    for t in tries {
        statuses.push(t.await.expect("join"));
    }
    let refused = statuses.iter().filter(|s| **s == 401).count();
    let locked = statuses.iter().filter(|s| **s == 423).count();
    println!("{backend:?}: {refused} refused, {locked} locked; /healthz at worst {slowest:?}");
    assert!(refused <= 4, "{backend:?}: {statuses:?}");
    assert_eq!(refused + locked, 30, "{backend:?}: {statuses:?}");
    // Hashing on the async workers would hold /healthz for seconds (30 hashes of
    // ~100 ms on two workers); the bound leaves room for a machine busy elsewhere.
    assert!(
        slowest < Duration::from_millis(500),
        "{backend:?}: /healthz took {slowest:?}"
    );
    app.stop().await;
}
per_backend!(
    concurrent_wrong_passwords_are_checked_at_most_four_times_before_the_lock,
    concurrent_wrong_passwords_are_checked_at_most_four_times_before_the_lock,
    multi_thread
);
