//! How long the server takes to render each visitor page on the demo data: requests go
//! straight into the router (no network), so the figure is routing, database reads,
//! translation and template rendering.

use std::time::Instant;

use axum::body::Body;
use axum::http::Request;
use tower::ServiceExt;

use crate::demo::{app_state, demo_db, demo_visitor_session};
use crate::quantile;

pub async fn run(iterations: usize) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("ov_bench_pages_{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let (db, clock) = demo_db(&dir).await?;
    let state = app_state(&dir, &db, clock, "http://127.0.0.1".into(), None)?;
    // The demo visitor's session, for the signed-in pages.
    let now = state.clock.now();
    let (_, cookie) = demo_visitor_session(&db, &state.clock).await?;
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
