//! Rate control with a real browser sending: the visitor's page in Chromium or Firefox,
//! the resident a headless peer whose downlink the test narrows.

use std::io::{BufRead, BufReader, Write};
use std::net::IpAddr;
use std::process::{Command, Stdio};
use std::sync::mpsc;

use super::*;

/// Chromium's camera rate on the visitor's page ramps up over a fast link; when the
/// resident's downlink narrows to 300 kbit/s, the server's estimate of it falls, its
/// ceiling (REMB) reaches the visitor's browser, and the browser's video target falls to
/// at most 450 kbit/s (`e2e/rate.mjs`), rather than flooding a link that cannot carry it.
/// The page says the connection is slow then, and not while it was fast.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_page_lowers_its_camera_rate_for_a_resident_on_a_slow_link() {
    let app = TestApp::spawn(openvisit_store::Backend::Sqlite).await;
    let steps = ["RAMPED", "CAPPED", "WEAK"];
    slow_resident_link(&app, LOOPBACK, "chromium", "en", 300, &steps).await;
    app.stop().await;
}

/// Firefox reports no camera target, so its page learns that the connection is slow
/// from the server (`link`): with the resident's downlink narrowed, the Firefox
/// visitor's page says so, in Spanish; once the link is fast again, it stops saying so.
/// Firefox's fake camera sends only 150–250 kbit/s, so the link narrows to 100 kbit/s.
/// Firefox pairs no loopback candidates, so the media port and the resident's peer are
/// on this machine's own address (the packets never leave the machine).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_firefox_visitor_is_told_when_the_residents_link_is_slow_and_when_it_is_not() {
    let ip = own_address();
    let app = TestApp::spawn_media_on(openvisit_store::Backend::Sqlite, ip).await;
    let steps = ["RAMPED", "WEAK", "CLEARED"];
    slow_resident_link(&app, ip, "firefox", "es", 100, &steps).await;
    app.stop().await;
}

/// Headless peers through the real server: while the links are fast nobody is told
/// anything about the connection; when the resident's downlink narrows under what the
/// visitor sends, both parties are told it is slow (`link`), a page that connects then
/// is told at once, right after its status, and both are told when it is fast again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_parties_and_a_page_that_rejoins_are_told_when_the_connection_is_slow() {
    let app = TestApp::spawn(openvisit_store::Backend::Sqlite).await;
    let b = book(&app).await;
    set_clock(&app, b.start);
    let (mut visitor, mut resident) = both_in(&app, &b).await;
    // Past the estimates' first seconds and two reports: still nothing said.
    let quiet_until = Instant::now() + Duration::from_secs(8);
    while let Ok(Some(Ok(Message::Text(text)))) =
        tokio::time::timeout_at(quiet_until.into(), visitor.ws.next()).await
    {
        let m: Value = serde_json::from_str(text.as_str()).expect("json");
        assert_ne!(m["type"], "link", "a fast connection called slow: {m}");
    }

    // The visitor sends about 150 kbit/s; the resident's link takes 60.
    resident.peer().limit_downlink(60);
    for p in [&mut visitor, &mut resident] {
        let link = p.expect("link").await;
        assert_eq!(link["slow"], true, "{link}");
    }
    // The visitor's page reloads: told at once.
    let mut again = Participant::connect(&app, &visitor_ticket(&b).await).await;
    again.expect("link").await;
    let kinds: Vec<&str> = again
        .seen
        .iter()
        .filter_map(|m| m["type"].as_str())
        .collect();
    assert_eq!(kinds, ["welcome", "status", "link"], "{:?}", again.seen);
    assert_eq!(again.seen[2]["slow"], true);
    // The reloaded page took the visitor's place (the old socket was replaced): it sends
    // its camera again, as a page does.
    again.start_media(false).await;
    again.send(json!({ "type": "ready" })).await;

    resident.peer().limit_downlink(0);
    let link = resident.expect("link").await;
    assert_eq!(link["slow"], false, "{link}");
    app.stop().await;
}

/// A family's link collapses for a bad moment and comes back: the resident's downlink
/// holds 150 kbit/s for 10 s, then 2 Mbit/s again. The ceiling the server puts on the
/// visitor's camera (a visit's 1 Mbit/s) must be back above 1 Mbit/s within 5 s of the
/// restore: the estimator alone climbs about 8% a second, half a minute of a poor picture.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_bad_moment_the_camera_ceiling_is_back_within_five_seconds() {
    let app = TestApp::spawn(openvisit_store::Backend::Sqlite).await;
    let b = book(&app).await;
    set_clock(&app, b.start);
    let (status, t) = kiosk_ticket(&app, &b, "2468").await;
    assert_eq!(status, 201, "{t}");
    let mut resident = Participant::connect(&app, &t).await;
    resident.expect("status").await;
    let mut visitor = Participant::connect(&app, &visitor_ticket(&b).await).await;
    visitor.expect("status").await;
    visitor.start_media_at(SendRate::VISIT).await;
    resident.start_media(false).await;
    for p in [&mut visitor, &mut resident] {
        p.send(json!({ "type": "ready" })).await;
    }
    visitor.expect("started").await;
    let ceiling = |v: &Participant| v.peer().uplink_ceiling().unwrap_or(0);
    let ramped = Instant::now() + Duration::from_secs(20);
    while ceiling(&visitor) < 1_500_000 {
        assert!(
            Instant::now() < ramped,
            "the ceiling never rose on a fast link: {}",
            ceiling(&visitor)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    resident.peer().limit_downlink(150);
    tokio::time::sleep(Duration::from_secs(10)).await;
    let low = ceiling(&visitor);
    assert!(low < 400_000, "the ceiling follows the collapse: {low}");
    resident.peer().limit_downlink(2_000);
    let restored = Instant::now();
    while ceiling(&visitor) <= 1_000_000 {
        assert!(
            restored.elapsed() < Duration::from_secs(30),
            "the ceiling stayed at {} for 30 s",
            ceiling(&visitor)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let took = restored.elapsed();
    println!("RECOVERY_MS {}", took.as_millis());
    assert!(
        took <= Duration::from_secs(5),
        "back above 1 Mbit/s only after {took:?}"
    );
    app.stop().await;
}

/// Books a visit, brings the resident in as a headless peer on `ip`, and runs
/// `e2e/rate.mjs` in `browser` for the visitor: the resident's downlink narrows to
/// `kbps` when the script says RAMPED, and widens again when it says WEAK (the
/// script is told on its standard input). Fails the test if the script failed or did
/// not print each of `steps`.
async fn slow_resident_link(
    app: &TestApp,
    ip: IpAddr,
    browser: &str,
    lang: &str,
    kbps: u32,
    steps: &[&str],
) {
    let path = if browser == "firefox" {
        ("FIREFOX", firefox())
    } else {
        ("CHROMIUM", chromium())
    };
    let b = book(app).await;
    set_clock(app, b.start);
    let (status, t) = kiosk_ticket(app, &b, "2468").await;
    assert_eq!(status, 201, "{t}");
    let mut resident = Participant::connect(app, &t).await;
    resident.expect("status").await;
    resident.start_media_on(ip, false).await;
    resident.send(json!({ "type": "ready" })).await;

    let e2e = crate::browser::repo().join("e2e");
    crate::browser::ensure_node_modules(&e2e);
    let args = [
        app.base.clone(),
        b.visitor.cookie.clone().expect("session cookie"),
        b.visit.to_string(),
        browser.to_owned(),
        lang.to_owned(),
    ];
    let (said_tx, said) = mpsc::channel::<&'static str>();
    let (lifted_tx, lifted) = mpsc::channel::<()>();
    // The script's lines as they come: the test acts on its steps.
    let script = tokio::task::spawn_blocking(move || {
        let mut child = Command::new("node")
            .arg("rate.mjs")
            .args(args)
            .env(path.0, path.1)
            .current_dir(&e2e)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("node must be installed to run the browser tests");
        let mut stdin = child.stdin.take();
        let mut printed = String::new();
        if let Some(out) = child.stdout.take() {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                for step in ["RAMPED", "WEAK"] {
                    if line.starts_with(step) {
                        let _ = said_tx.send(step);
                    }
                }
                if line.starts_with("WEAK") {
                    // Told once the limit is lifted; if it never is, the script reads
                    // the end of its input and fails rather than waiting for ever.
                    match (lifted.recv_timeout(Duration::from_secs(10)), stdin.as_mut()) {
                        (Ok(()), Some(input)) => {
                            let _ = writeln!(input, "lifted");
                        }
                        _ => stdin = None,
                    }
                }
                printed.push_str(&line);
                printed.push('\n');
            }
        }
        drop(stdin);
        let output = child.wait_with_output().expect("node");
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        (output.status.success(), printed, stderr)
    });
    let give_up = Instant::now() + Duration::from_secs(150);
    while !script.is_finished() && Instant::now() < give_up {
        match said.try_recv() {
            Ok("RAMPED") => resident.peer().limit_downlink(kbps),
            Ok(_) => {
                resident.peer().limit_downlink(0);
                let _ = lifted_tx.send(());
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    // The script is finished, or hung: either way the limit is lifted now, and a
    // script still waiting to hear so is told.
    let _ = lifted_tx.send(());
    let (ok, printed, stderr) = script.await.expect("the script's thread");
    assert!(
        ok,
        "the {browser} visitor's page did not adapt to the slow link:\n{stderr}\n{printed}"
    );
    println!("{printed}");
    for step in steps {
        assert!(printed.contains(step), "no {step} in:\n{printed}");
    }
}

/// An offer without transport-wide congestion control: no `transport-cc` feedback and no
/// transport-wide sequence numbers, as from a stack that sends only REMB and receiver
/// reports.
fn without_transport_cc(offer: &str) -> String {
    offer
        .split("\r\n")
        .filter(|l| !l.contains("transport-cc") && !l.contains("transport-wide-cc"))
        .collect::<Vec<_>>()
        .join("\r\n")
}

/// A stack without transport-wide feedback (REMB and receiver reports only) was told "the
/// connection is slow" forever: the server capped its camera at 28-64 kbit/s and never
/// cleared the verdict. Its downlink is now estimated from the loss its receiver reports
/// carry: on a fast link nobody is told anything; when the resident's downlink narrows
/// under what the visitor sends, both are told it is slow and the visitor's camera is
/// capped; when it widens again, both are told it is fast and the cap rises.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stack_without_transport_wide_feedback_is_judged_by_its_loss() {
    let app = TestApp::spawn(openvisit_store::Backend::Sqlite).await;
    let b = book(&app).await;
    set_clock(&app, b.start);
    let (status, t) = kiosk_ticket(&app, &b, "2468").await;
    assert_eq!(status, 201, "{t}");
    let mut resident = Participant::connect(&app, &t).await;
    resident.expect("status").await;
    let mut visitor = Participant::connect(&app, &visitor_ticket(&b).await).await;
    visitor.expect("status").await;
    for p in [&mut visitor, &mut resident] {
        p.start_media_edited(LOOPBACK, false, without_transport_cc)
            .await;
        p.send(json!({ "type": "ready" })).await;
    }
    visitor.expect("started").await;
    resident.expect("started").await;
    let quiet_until = Instant::now() + Duration::from_secs(10);
    loop {
        let next = tokio::select! {
            m = visitor.ws.next() => m,
            m = resident.ws.next() => m,
            () = tokio::time::sleep_until(quiet_until.into()) => break,
        };
        let Some(Ok(Message::Text(text))) = next else {
            continue;
        };
        let m: Value = serde_json::from_str(text.as_str()).expect("json");
        assert!(
            !(m["type"] == "link" && m["slow"] == true),
            "a fast connection called slow: {m}"
        );
    }
    let before = (visitor.peer().received(1), resident.peer().received(1));
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after = (visitor.peer().received(1), resident.peer().received(1));
    assert!(
        after.0 > before.0 + 10 && after.1 > before.1 + 10,
        "video flows both ways: {before:?} -> {after:?}"
    );

    // The visitor sends about 150 kbit/s; the resident's link takes 60.
    resident.peer().limit_downlink(60);
    for p in [&mut visitor, &mut resident] {
        let link = p.expect_within("link", Duration::from_secs(30)).await;
        assert_eq!(link["slow"], true, "{link}");
    }
    // The loss goes on while the visitor sends more than the link takes: the ceiling on
    // the visitor's camera falls under what it sends.
    wait_for("the visitor's camera is capped under 150 kbit/s", || {
        visitor.peer().uplink_ceiling().is_some_and(|c| c < 150_000)
    })
    .await;

    resident.peer().limit_downlink(0);
    let link = resident
        .expect_within("link", Duration::from_secs(45))
        .await;
    assert_eq!(link["slow"], false, "{link}");
    app.stop().await;
}
