//! `openvisit serve`: the web server on the configured database.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use openvisit_store::Backend;
use openvisit_store::Db;
use openvisit_store::demo::{self, seed_demo_if_empty};
use openvisit_store::payments::{PaymentProvider, TestProvider, reconcile_deposits};
use openvisit_web::AppState;
use openvisit_web::clock::Clock;

use crate::{DbArgs, open_db};

pub async fn serve(bind: SocketAddr, args: &DbArgs, no_demo: bool) -> anyhow::Result<()> {
    let db = open_db(args).await?;
    let clock = Arc::new(Clock::default());
    if !no_demo && seed_demo_if_empty(&db, clock.now()).await?.is_some() {
        println!("Seeded a demo: two facilities, residents, a visitor and a staff account.");
    }
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("cannot listen on {bind}"))?;
    let addr = listener.local_addr()?;
    let backend = match db.backend {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    };
    println!("OpenVisit is running on {backend} at http://{addr}/");
    println!("  API:        http://{addr}/api/v1/facilities");
    println!("  OpenAPI:    http://{addr}/api/openapi.json");
    println!("  Metrics:    http://{addr}/metrics");
    println!(
        "  Visitor:    {} / {}",
        demo::DEMO_VISITOR_EMAIL,
        demo::DEMO_VISITOR_PASSWORD
    );
    println!(
        "  Staff:      {} / {}",
        demo::DEMO_STAFF_EMAIL,
        demo::DEMO_STAFF_PASSWORD
    );
    let payments: Arc<dyn PaymentProvider> = Arc::new(TestProvider::default());
    spawn_deposit_reconciler(db.clone(), payments.clone(), clock.clone());
    let state = AppState {
        db,
        payments,
        clock,
        metrics: openvisit_web::metrics_layer::install_recorder(),
        secure_cookies: false,
    };
    openvisit_web::serve(listener, state, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}

/// Every five minutes, settles deposits left pending (a charge whose recording failed).
fn spawn_deposit_reconciler(db: Db, payments: Arc<dyn PaymentProvider>, clock: Arc<Clock>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(300));
        loop {
            tick.tick().await;
            match reconcile_deposits(&db, payments.as_ref(), 5, clock.now()).await {
                Ok(r) if r.credited + r.not_charged > 0 => {
                    tracing::warn!(
                        credited = r.credited,
                        not_charged = r.not_charged,
                        "reconciled pending deposits"
                    );
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "deposit reconciliation failed"),
            }
        }
    });
}
