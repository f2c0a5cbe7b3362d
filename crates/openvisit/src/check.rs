//! `openvisit check`: the database's integrity, read from a live database, and the
//! same check as a daily job of `serve`.

use std::time::Duration;

use anyhow::Context;
use openvisit_store::Db;
use openvisit_store::integrity::{IntegrityReport, check_database};

use crate::DbArgs;

/// Reads the database the arguments name (without migrating it, so a database that a
/// migration refuses can still be examined) and prints what is wrong. Fails when
/// anything is.
pub async fn run(args: &DbArgs) -> anyhow::Result<()> {
    let url = args.url(false);
    let db = Db::connect(&url, 2)
        .await
        .context("cannot open the database")?;
    let report = check(&db).await?;
    print!("{}", describe(&report));
    if report.is_sound() {
        Ok(())
    } else {
        anyhow::bail!("the database failed its integrity check (above)")
    }
}

async fn check(db: &Db) -> anyhow::Result<IntegrityReport> {
    let mut conn = db.pool.acquire().await?;
    check_database(&mut conn)
        .await
        .context("cannot read the database (is its schema up to date? run `openvisit migrate`)")
}

/// The report as lines a person reads.
pub fn describe(r: &IntegrityReport) -> String {
    let mut out = String::new();
    if r.dangling.is_empty() {
        out.push_str("references: every visit, claim, journal entry, posting and weekly count names rows that exist\n");
    }
    for d in &r.dangling {
        out.push_str(&format!(
            "references: {} row(s) of {} name a row that does not exist\n",
            d.rows, d.reference
        ));
    }
    if r.overlapping_visits == 0 {
        out.push_str("visits: no kiosk, resident or visitor is booked twice at once\n");
    } else {
        out.push_str(&format!(
            "visits: {} booked visit(s) overlap another on the same kiosk, resident or visitor\n",
            r.overlapping_visits
        ));
    }
    if r.ledger.total == 0 && r.ledger.mismatched_balances.is_empty() {
        out.push_str(&format!(
            "ledger: {} entries, the postings sum to 0 and every balance equals its postings\n",
            r.ledger.entries
        ));
    } else {
        out.push_str(&format!(
            "ledger: the postings sum to {} cents (must be 0); balances that differ from their postings: {}\n",
            r.ledger.total,
            if r.ledger.mismatched_balances.is_empty() {
                "none".to_string()
            } else {
                r.ledger.mismatched_balances.join(", ")
            }
        ));
    }
    out.push_str(if r.is_sound() {
        "The database is sound.\n"
    } else {
        "THE DATABASE IS NOT SOUND.\n"
    });
    out
}

/// Once a day (the first an hour after start), the same check; a failure is logged as
/// an error, where an operator's alerting looks.
pub fn spawn_daily(db: Db) {
    tokio::spawn(async move {
        let day = Duration::from_secs(24 * 60 * 60);
        let mut tick = tokio::time::interval_at(
            tokio::time::Instant::now() + Duration::from_secs(60 * 60),
            day,
        );
        loop {
            tick.tick().await;
            match check(&db).await {
                Ok(r) if r.is_sound() => tracing::info!("the daily integrity check passed"),
                Ok(r) => tracing::error!(
                    report = %describe(&r),
                    "THE DAILY INTEGRITY CHECK FAILED: run `openvisit check` for the details"
                ),
                Err(e) => tracing::error!(error = %e, "the daily integrity check could not run"),
            }
        }
    });
}
