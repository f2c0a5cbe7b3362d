//! Join time in Chromium: from the server's word that both parties are ready (`started`)
//! to each page's first decoded video frame. Each run is a fresh server on the demo data
//! (SQLite, media on loopback) with one remote visit booked for the demo visitor; the
//! visitor's page and the housing kiosk's page are two contexts of one headless Chromium
//! (`e2e/join.mjs`, Playwright), with fake camera and microphone.

use std::path::{Path, PathBuf};

use anyhow::Context;
use openvisit_core::ResidentId;
use openvisit_core::facility::VisitKind;
use openvisit_store::booking::{BookingRequest, book_visit};
use openvisit_store::demo::DEMO_RESIDENT_PIN;
use tokio::sync::oneshot;

use crate::demo::{app_state, demo_db, demo_visitor_session};
use crate::quantile;

/// What one run measured, in milliseconds.
struct Joined {
    visitor: f64,
    kiosk: f64,
}

pub async fn run(runs: usize) -> anyhow::Result<()> {
    let e2e = e2e_folder()?;
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    anyhow::ensure!(
        Path::new(&chromium).exists(),
        "no Chromium at {chromium}: install Debian's `chromium` or set CHROMIUM"
    );
    println!(
        "Join time in headless Chromium ({chromium}): from both parties ready to the first \
         decoded video frame, a fresh server and visit per run, {runs} runs"
    );
    let mut visitor = Vec::new();
    let mut kiosk = Vec::new();
    for i in 1..=runs {
        let j = one_run(&e2e, &chromium, i).await?;
        println!(
            "  run {i}: visitor {:.0} ms, kiosk {:.0} ms",
            j.visitor, j.kiosk
        );
        visitor.push(j.visitor);
        kiosk.push(j.kiosk);
    }
    for (who, samples) in [("visitor page", &mut visitor), ("kiosk page", &mut kiosk)] {
        samples.sort_by(f64::total_cmp);
        println!(
            "{who}: min {:.0} ms, median {:.0} ms, max {:.0} ms (goal <= 1000 ms)",
            samples.first().copied().unwrap_or(0.0),
            quantile(samples, 0.5),
            samples.last().copied().unwrap_or(0.0),
        );
    }
    Ok(())
}

/// `e2e/` with its Node packages installed.
fn e2e_folder() -> anyhow::Result<PathBuf> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../e2e");
    anyhow::ensure!(
        folder.join("node_modules/playwright-core").exists(),
        "the browser driver is not installed: run `npm ci` in {}",
        folder.display()
    );
    Ok(folder)
}

async fn one_run(e2e: &Path, chromium: &str, run: usize) -> anyhow::Result<Joined> {
    let dir = std::env::temp_dir().join(format!("ov_bench_join_{}_{run}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let result = serve_and_join(&dir, e2e, chromium).await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn serve_and_join(dir: &Path, e2e: &Path, chromium: &str) -> anyhow::Result<Joined> {
    let (db, clock) = demo_db(dir).await?;

    // A 15-minute remote visit tomorrow at 13:00 (Riverside's afternoon hours) for the
    // demo visitor with resident 1, and the server's clock moved into its waiting room.
    let (visitor, _) = demo_visitor_session(&db, &clock).await?;
    let now = clock.now();
    let tz = jiff::tz::TimeZone::get("America/Chicago")?;
    let tomorrow = tz
        .to_datetime(openvisit_core::interval::add_minutes(now, 24 * 60))
        .date();
    let start = tz
        .to_ambiguous_timestamp(tomorrow.at(13, 0, 0, 0))
        .compatible()?;
    let request = BookingRequest {
        visitor,
        resident: ResidentId(1),
        kind: VisitKind::Remote,
        start,
        length_minutes: 15,
    };
    let visit = book_visit(&db, &request, None, now).await?.visit().clone();
    clock.advance_seconds(visit.start.as_second() - 5 * 60 - now.as_second());
    // Signed in at the moved time (a session from before would have expired).
    let (_, cookie) = demo_visitor_session(&db, &clock).await?;
    let kiosk_key = openvisit_store::kiosks::issue_kiosk_key(&db, visit.housing_kiosk).await?;

    let (media, media_events) =
        openvisit_media::MediaServer::start(&openvisit_media::MediaConfig {
            bind: "127.0.0.1:0".parse()?,
            public_ip: None,
            tcp_only: false,
        })?;
    let live = openvisit_web::live::LiveHub::start(
        media,
        media_events,
        db.clone(),
        clock.clone(),
        Some(dir.join("recordings")),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let state = app_state(dir, &db, clock, base.clone(), Some(live))?;
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(openvisit_web::serve(listener, state, async {
        let _ = stopped.await;
    }));

    let mut node = std::process::Command::new("node");
    node.current_dir(e2e)
        .env("CHROMIUM", chromium)
        .arg("join.mjs")
        .arg(&base)
        .arg(cookie)
        .arg(&kiosk_key)
        .arg(DEMO_RESIDENT_PIN)
        .arg(visit.id.0.to_string());
    // The server runs on this runtime while the browser works: wait on another thread.
    let output = tokio::task::spawn_blocking(move || node.output())
        .await?
        .context("could not run node (Node.js is needed for the browser)")?;
    let _ = stop.send(());
    let _ = server.await;
    let printed = String::from_utf8_lossy(&output.stdout);
    anyhow::ensure!(
        output.status.success(),
        "the browser run failed:\n{printed}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    parse_join(&printed).with_context(|| format!("no JOIN_MS line in:\n{printed}"))
}

/// Reads `JOIN_MS visitor=N kiosk=N`.
fn parse_join(printed: &str) -> Option<Joined> {
    let line = printed.lines().find(|l| l.starts_with("JOIN_MS"))?;
    let field = |name: &str| -> Option<f64> {
        line.split_whitespace()
            .find_map(|w| w.strip_prefix(name))
            .and_then(|v| v.parse().ok())
    };
    Some(Joined {
        visitor: field("visitor=")?,
        kiosk: field("kiosk=")?,
    })
}
