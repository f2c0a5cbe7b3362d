//! How long the server takes to render each visitor page on the demo data: requests go
//! straight into the router (no network), so the figure is routing, database reads,
//! translation and template rendering.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::http::Request;
use openvisit_store::Db;
use openvisit_store::demo::seed_demo_if_empty;
use openvisit_store::payments::TestProvider;
use openvisit_web::AppState;
use openvisit_web::clock::Clock;
use openvisit_web::mail::OutboxMailer;
use openvisit_web::rate_limit::RateLimiter;
use tower::ServiceExt;

use crate::quantile;

pub async fn run(iterations: usize) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("ov_bench_pages_{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let db = Db::connect(&format!("sqlite://{}/bench.db?mode=rwc", dir.display()), 8).await?;
    db.migrate().await?;
    let clock = Arc::new(Clock::default());
    seed_demo_if_empty(&db, clock.now()).await?;
    let state = AppState {
        mailer: Arc::new(OutboxMailer::new(
            dir.join("outbox"),
            "OpenVisit <bench@openvisit.localhost>",
        )?),
        outbox: Some(dir.join("outbox")),
        public_url: "http://127.0.0.1".into(),
        limiter: Arc::new(RateLimiter::default()),
        attempts_per_minute: 1_000_000,
        db: db.clone(),
        payments: Arc::new(TestProvider::default()),
        clock,
        metrics: None,
        secure_cookies: false,
        live: None,
    };
    // The demo visitor's session, for the signed-in pages.
    let now = state.clock.now();
    let visitor =
        openvisit_store::accounts::account_by_email(&db, openvisit_store::demo::DEMO_VISITOR_EMAIL)
            .await?
            .ok_or_else(|| anyhow::anyhow!("no demo visitor"))?;
    let token = openvisit_store::accounts::create_session(
        &db,
        visitor.id,
        openvisit_core::interval::add_minutes(now, 60),
        now,
    )
    .await?;
    let cookie = format!("ov_session={token}");
    let day = jiff::tz::TimeZone::get("America/Chicago")?
        .to_datetime(openvisit_core::interval::add_minutes(now, 2 * 24 * 60))
        .date();
    let book = format!("/book?resident=1&kind=remote&length=30&day={day}");
    let app = openvisit_web::app(state);
    let pages = [
        "/",
        "/facilities",
        "/facilities?q=river",
        "/facilities/riverside-county-jail",
        "/facilities/cedar-valley-correctional",
        "/how-it-works",
        "/faq",
        "/register",
        "/sign-in",
        "/contact",
        "/visits",
        "/people",
        "/funds",
        book.as_str(),
    ];
    println!(
        "Server-side page rendering on the demo data (SQLite), {iterations} requests per page and language"
    );
    println!("| page | lang | p50 ms | p99 ms |");
    println!("|---|---|---|---|");
    let mut all = Vec::new();
    for path in pages {
        for lang in ["en", "es"] {
            let mut samples = Vec::with_capacity(iterations);
            for i in 0..iterations + 20 {
                let req = Request::get(path)
                    .header("accept-language", lang)
                    .header("cookie", &cookie)
                    .body(Body::empty())?;
                let started = Instant::now();
                let res = app.clone().oneshot(req).await?;
                let elapsed = started.elapsed().as_secs_f64() * 1000.0;
                anyhow::ensure!(
                    res.status().is_success(),
                    "{path} answered {}",
                    res.status()
                );
                // The first requests warm the connection pool and caches.
                if i >= 20 {
                    samples.push(elapsed);
                }
            }
            samples.sort_by(f64::total_cmp);
            println!(
                "| {path} | {lang} | {:.3} | {:.3} |",
                quantile(&samples, 0.5),
                quantile(&samples, 0.99)
            );
            all.extend(samples);
        }
    }
    all.sort_by(f64::total_cmp);
    println!(
        "all pages: p50 {:.3} ms, p99 {:.3} ms (goal p99 < 10 ms)",
        quantile(&all, 0.5),
        quantile(&all, 0.99)
    );
    db.close().await;
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
