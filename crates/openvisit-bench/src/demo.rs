//! The demo data on a fresh SQLite file, the web state over it and the demo visitor's
//! session: what the benchmarks that drive the server as a visitor would start from.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use openvisit_core::AccountId;
use openvisit_store::Db;
use openvisit_store::demo::{DEMO_VISITOR_EMAIL, seed_demo_if_empty};
use openvisit_store::payments::TestProvider;
use openvisit_web::AppState;
use openvisit_web::clock::Clock;
use openvisit_web::live::LiveHub;
use openvisit_web::mail::OutboxMailer;
use openvisit_web::rate_limit::RateLimiter;

/// A database in `dir` with the schema and the demo, and a clock that can be moved.
pub async fn demo_db(dir: &Path) -> anyhow::Result<(Db, Arc<Clock>)> {
    let db = Db::connect(&format!("sqlite://{}/bench.db?mode=rwc", dir.display()), 8)
        .await?
        .with_keyring(openvisit_store::secrets::Keyring::random()?);
    db.migrate().await?;
    let clock = Arc::new(Clock::default());
    seed_demo_if_empty(&db, clock.now()).await?;
    Ok((db, clock))
}

/// The server's state over `db`: email to an outbox in `dir`, no rate limit to speak of.
pub fn app_state(
    dir: &Path,
    db: &Db,
    clock: Arc<Clock>,
    public_url: String,
    live: Option<Arc<LiveHub>>,
) -> anyhow::Result<AppState> {
    Ok(AppState {
        mailer: Arc::new(OutboxMailer::new(
            dir.join("outbox"),
            "OpenVisit <bench@openvisit.localhost>",
        )?),
        outbox: Some(openvisit_web::mail::DevOutbox::new(dir.join("outbox"))?),
        public_url,
        limiter: Arc::new(RateLimiter::default()),
        attempts_per_minute: 1_000_000,
        db: db.clone(),
        payments: Arc::new(TestProvider::default()),
        clock,
        metrics: None,
        metrics_token: None,
        secure_cookies: false,
        live,
        stripe_webhook_secret: None,
    })
}

/// The demo visitor and a cookie (`ov_session=…`) signed in as them for an hour.
pub async fn demo_visitor_session(db: &Db, clock: &Clock) -> anyhow::Result<(AccountId, String)> {
    let visitor = openvisit_store::accounts::account_by_email(db, DEMO_VISITOR_EMAIL)
        .await?
        .context("no demo visitor")?;
    let now = clock.now();
    let token = openvisit_store::accounts::create_session(
        db,
        visitor.id,
        openvisit_core::interval::add_minutes(now, 60),
        now,
    )
    .await?;
    Ok((visitor.id, format!("ov_session={token}")))
}
