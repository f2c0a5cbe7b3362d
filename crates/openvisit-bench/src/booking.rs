//! Booking throughput through the store (rules, claims, weekly counter, ledger, audit)
//! at 1, 8 and 32 concurrent clients, beside raw single-row inserts on the same
//! database in the same run.

use std::time::{Duration, Instant};

use jiff::Timestamp;
use openvisit_core::facility::{FacilityType, PricingMode, VisitKind};
use openvisit_core::interval::add_minutes;
use openvisit_core::{AccountId, Cents, ResidentId};
use openvisit_store::accounts::{NewAccount, Role, create_account};
use openvisit_store::approvals::{ApprovalStatus, decide_approval, request_approval};
use openvisit_store::booking::{BookingRequest, book_visit};
use openvisit_store::facilities::{FacilitySettings, NewFacility, create_facility};
use openvisit_store::integrity::dangling_references;
use openvisit_store::ledger::check_ledger;
use openvisit_store::places::{add_hours, create_kiosk, create_unit};
use openvisit_store::residents::create_resident;
use openvisit_store::secrets::Keyring;
use openvisit_store::visits::overlapping_visits;
use openvisit_store::{Backend, Db};

use crate::quantile;

struct Target {
    db: Db,
    cleanup: Option<(String, String)>,
    dir: Option<std::path::PathBuf>,
}

async fn open(database: &str) -> anyhow::Result<Target> {
    let name = format!("ov_bench_{}", std::process::id());
    if database == "sqlite" {
        let dir = std::env::temp_dir().join(&name);
        std::fs::create_dir_all(&dir)?;
        let db = Db::connect(&format!("sqlite://{}/bench.db?mode=rwc", dir.display()), 40)
            .await?
            .with_keyring(Keyring::random()?);
        db.migrate().await?;
        return Ok(Target {
            db,
            cleanup: None,
            dir: Some(dir),
        });
    }
    let admin = Db::connect(database, 1).await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&admin.pool)
        .await?;
    admin.close().await;
    let (prefix, _) = database
        .rsplit_once('/')
        .ok_or_else(|| anyhow::anyhow!("the URL needs a database name"))?;
    let db = Db::connect(&format!("{prefix}/{name}"), 40)
        .await?
        .with_keyring(Keyring::random()?);
    db.migrate().await?;
    Ok(Target {
        db,
        cleanup: Some((database.to_owned(), name)),
        dir: None,
    })
}

async fn close(t: Target) -> anyhow::Result<()> {
    t.db.close().await;
    if let Some(dir) = t.dir {
        std::fs::remove_dir_all(dir)?;
    }
    if let Some((base, name)) = t.cleanup {
        let admin = Db::connect(&base, 1).await?;
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE {name} WITH (FORCE)"
        )))
        .execute(&admin.pool)
        .await?;
    }
    Ok(())
}

/// One unit with one kiosk, one resident and one approved, funded visitor per client.
async fn setup(db: &Db, clients: usize) -> anyhow::Result<Vec<(AccountId, ResidentId)>> {
    let now = Timestamp::now();
    let facility = create_facility(
        db,
        &NewFacility {
            slug: "bench".into(),
            name: "Bench County Jail".into(),
            city: "Bench".into(),
            state: "IL".into(),
            address: String::new(),
            phone: String::new(),
            email: String::new(),
            time_zone: "America/Chicago".into(),
            facility_type: FacilityType::Jail,
            population: 400,
            settings: FacilitySettings {
                offers_remote: true,
                offers_on_site: false,
                on_site_note: String::new(),
                on_site_note_es: String::new(),
                visit_rules: String::new(),
                visit_rules_es: String::new(),
                pricing_mode: PricingMode::Block,
                increment_minutes: 15,
                fee_cents: 285,
                allowed_lengths: vec![15],
                slot_grid_minutes: 15,
                min_notice_minutes: 0,
                max_days_ahead: 366,
                cancel_notice_minutes: 1440,
                weekly_limit: 0,
                kiosk_gap_minutes: 0,
            },
        },
    )
    .await?;
    let staff = create_account(
        db,
        &NewAccount {
            email_verified: true,
            email: "bench-staff@bench.test".into(),
            password: "bench-password".into(),
            display_name: "Bench".into(),
            role: Role::FacilityAdmin,
            facility: Some(facility),
            language: "en".into(),
            time_zone: "America/Chicago".into(),
        },
        now,
    )
    .await?;
    let mut pairs = Vec::new();
    for c in 0..clients {
        let mut tx = db.begin_write().await?;
        let unit = create_unit(&mut tx, facility, &format!("Unit {c}")).await?;
        create_kiosk(&mut tx, facility, Some(unit), &format!("Kiosk {c}")).await?;
        for weekday in 1..=7 {
            add_hours(&mut tx, facility, Some(unit), weekday, 0, 24 * 60).await?;
        }
        let resident =
            create_resident(&mut tx, facility, &format!("R{c}"), "Bench Resident", unit).await?;
        tx.commit().await?;
        let visitor = create_account(
            db,
            &NewAccount {
                email_verified: true,
                email: format!("v{c}@bench.test"),
                password: "bench-password".into(),
                display_name: "Bench Visitor".into(),
                role: Role::Visitor,
                facility: None,
                language: "en".into(),
                time_zone: "America/Chicago".into(),
            },
            now,
        )
        .await?;
        let a = request_approval(db, visitor, resident, now).await?;
        decide_approval(db, staff, facility, a.id, ApprovalStatus::Approved, "", now).await?;
        let mut tx = db.begin_write().await?;
        let e = openvisit_core::ledger::JournalEntry::deposit(visitor, Cents(1_000_000_000))?;
        let funds = openvisit_store::ledger::EntryRows::new(e, None, None, now);
        openvisit_store::ledger::post_entry(&mut tx, &funds).await?;
        tx.commit().await?;
        pairs.push((visitor, resident));
    }
    Ok(pairs)
}

struct Run {
    per_second: f64,
    latencies_ms: Vec<f64>,
    errors: usize,
}

async fn run_bookings(
    db: &Db,
    pairs: &[(AccountId, ResidentId)],
    clients: usize,
    base: Timestamp,
    seconds: u64,
) -> Run {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for &(visitor, resident) in pairs.iter().take(clients) {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0;
            let mut i = 0;
            while Instant::now() < deadline {
                let req = BookingRequest {
                    visitor,
                    resident,
                    kind: VisitKind::Remote,
                    start: add_minutes(base, i * 15),
                    length_minutes: 15,
                };
                let t = Instant::now();
                match book_visit(&db, &req, None, Timestamp::now()).await {
                    Ok(_) => lat.push(t.elapsed().as_secs_f64() * 1000.0),
                    Err(_) => errors += 1,
                }
                i += 1;
            }
            (lat, errors)
        }));
    }
    let mut latencies_ms = Vec::new();
    let mut errors = 0;
    for t in tasks {
        if let Ok((l, e)) = t.await {
            latencies_ms.extend(l);
            errors += e;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies_ms.sort_by(f64::total_cmp);
    Run {
        per_second: latencies_ms.len() as f64 / elapsed,
        latencies_ms,
        errors,
    }
}

async fn run_raw(db: &Db, clients: usize, seconds: u64, level: usize) -> anyhow::Result<f64> {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let pool = db.pool.clone();
        tasks.push(tokio::spawn(async move {
            let mut n = 0i64;
            while Instant::now() < deadline {
                let id = (level as i64) * 1_000_000_000_000 + (c as i64) * 1_000_000_000 + n;
                if sqlx::query("INSERT INTO bench_raw (id, v) VALUES ($1, $2)")
                    .bind(id)
                    .bind(n)
                    .execute(&pool)
                    .await
                    .is_ok()
                {
                    n += 1;
                }
            }
            n
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await.unwrap_or(0);
    }
    Ok(total as f64 / started.elapsed().as_secs_f64())
}

pub async fn run(database: &str, clients: &[usize], seconds: u64) -> anyhow::Result<()> {
    let target = open(database).await?;
    let db = &target.db;
    let backend = match db.backend {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    };
    sqlx::raw_sql("CREATE TABLE bench_raw (id BIGINT PRIMARY KEY, v BIGINT NOT NULL)")
        .execute(&db.pool)
        .await?;
    let max = clients.iter().copied().max().unwrap_or(1);
    let pairs = setup(db, max).await?;
    let tomorrow = add_minutes(Timestamp::now(), 24 * 60);
    let base =
        Timestamp::from_second(tomorrow.as_second() - tomorrow.as_second().rem_euclid(3600))?;
    println!("{backend}: booking throughput vs raw single-row inserts, {seconds} s each");
    println!("| clients | bookings/s | p50 ms | p99 ms | raw inserts/s | ratio | errors |");
    println!("|---|---|---|---|---|---|---|");
    for (level, &n) in clients.iter().enumerate() {
        let level_base = add_minutes(base, (level as i64) * 100 * 24 * 60);
        let b = run_bookings(db, &pairs, n, level_base, seconds).await;
        let raw = run_raw(db, n, seconds, level).await?;
        println!(
            "| {n} | {:.0} | {:.2} | {:.2} | {:.0} | {:.0}% | {} |",
            b.per_second,
            quantile(&b.latencies_ms, 0.5),
            quantile(&b.latencies_ms, 0.99),
            raw,
            100.0 * b.per_second / raw.max(1.0),
            b.errors
        );
    }
    let mut conn = db.pool.acquire().await?;
    let overlaps = overlapping_visits(&mut conn).await?;
    let ledger = check_ledger(&mut conn).await?;
    let dangling = dangling_references(&mut conn).await?;
    println!(
        "overlapping visits: {overlaps}; dangling references: {dangling}; ledger total: {} over {} entries; mismatched balances: {}",
        ledger.total,
        ledger.entries,
        ledger.mismatched_balances.len()
    );
    drop(conn);
    close(target).await
}
