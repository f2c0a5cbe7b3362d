//! Rate control with a real browser sending: the visitor's page in Chromium, the
//! resident a headless peer whose downlink the test narrows.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::*;

/// Chromium's camera rate on the visitor's page ramps up over a fast link; when the
/// resident's downlink narrows to 300 kbit/s, the server's estimate of it falls, its
/// ceiling (REMB) reaches the visitor's browser, and the browser's video target falls to
/// at most 450 kbit/s (`e2e/rate.mjs`), rather than flooding a link that cannot carry it.
/// The page says the connection is slow then, and not while it was fast.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_page_lowers_its_camera_rate_for_a_resident_on_a_slow_link() {
    let chromium = chromium();
    let app = TestApp::spawn(openvisit_store::Backend::Sqlite).await;
    let b = book(&app).await;
    set_clock(&app, b.start);
    let (status, t) = kiosk_ticket(&app, &b, "2468").await;
    assert_eq!(status, 201, "{t}");
    let mut resident = Participant::connect(&app, &t).await;
    resident.expect("status").await;
    resident.start_media(false).await;
    resident.send(json!({ "type": "ready" })).await;

    let e2e = crate::browser::repo().join("e2e");
    crate::browser::ensure_node_modules(&e2e);
    let args = [
        app.base.clone(),
        b.visitor.cookie.clone().expect("session cookie"),
        b.visit.to_string(),
    ];
    let ramped = Arc::new(AtomicBool::new(false));
    let seen = Arc::clone(&ramped);
    // The script's lines as they come: the link narrows once it says RAMPED.
    let script = tokio::task::spawn_blocking(move || {
        let mut child = Command::new("node")
            .arg("rate.mjs")
            .args(args)
            .env("CHROMIUM", chromium)
            .current_dir(&e2e)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("node must be installed to run the browser tests");
        let mut printed = String::new();
        if let Some(out) = child.stdout.take() {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if line.starts_with("RAMPED") {
                    seen.store(true, Ordering::Relaxed);
                }
                printed.push_str(&line);
                printed.push('\n');
            }
        }
        let output = child.wait_with_output().expect("node");
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        (output.status.success(), printed, stderr)
    });
    let give_up = Instant::now() + Duration::from_secs(90);
    while !ramped.load(Ordering::Relaxed) && !script.is_finished() && Instant::now() < give_up {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    resident.peer().limit_downlink(300);
    let (ok, printed, stderr) = script.await.expect("the script's thread");
    assert!(
        ok,
        "the visitor's camera rate was not capped:\n{stderr}\n{printed}"
    );
    println!("{printed}");
    app.stop().await;
}
