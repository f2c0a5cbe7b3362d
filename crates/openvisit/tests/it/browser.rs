//! The visitor pages in a real browser: Debian's Chromium driven by playwright-core
//! (`e2e/pages.mjs`), with axe-core checking WCAG 2.2 AA in both languages, on a desktop
//! and a 360 px phone; live visits in Chromium and in Firefox. Needs `chromium` and
//! `firefox-esr` (apt) and Node.js; `.ci/run` installs them.

use std::path::PathBuf;
use std::process::Command;

use crate::harness::*;

pub(crate) fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Where the browser tests put their screenshots: under `target/` (they change with
/// every run), or where `OPENVISIT_SCREENSHOTS` says: `OPENVISIT_SCREENSHOTS=docs/screenshots
/// ./test browser::` is the command that refreshes the README's pictures.
pub(crate) fn screenshots() -> PathBuf {
    let dir = match std::env::var_os("OPENVISIT_SCREENSHOTS") {
        Some(dir) => repo().join(dir),
        None => PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots"),
    };
    std::fs::create_dir_all(&dir).expect("the screenshots' folder");
    dir
}

pub(crate) fn ensure_node_modules(e2e: &std::path::Path) {
    // One install at a time: `npm ci` deletes node_modules first, under any test that
    // is already using it.
    static INSTALLING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_at_a_time = INSTALLING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if ["playwright-core", "puppeteer-core"]
        .iter()
        .all(|m| e2e.join("node_modules").join(m).exists())
    {
        return;
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(e2e)
        .status()
        .expect("npm must be installed to run the browser tests");
    assert!(status.success(), "npm ci failed in e2e/");
}

/// Runs `node SCRIPT ARGS…` in `e2e/` with Chromium: what it printed, or all of its
/// output when it fails.
pub(crate) async fn run_e2e(
    script: &str,
    args: Vec<String>,
    chromium: String,
) -> Result<String, String> {
    let e2e = repo().join("e2e");
    ensure_node_modules(&e2e);
    let script = script.to_owned();
    let out = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(script)
            .args(args)
            .env("CHROMIUM", &chromium)
            .current_dir(&e2e)
            .output()
            .expect("node must be installed to run the browser tests")
    })
    .await
    .expect("join");
    if out.status.success() {
        return Ok(String::from_utf8_lossy(&out.stdout).into_owned());
    }
    Err(format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn visitor_pages_pass_axe_in_both_languages_on_desktop_and_phone() {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        std::path::Path::new(&chromium).exists(),
        "the browser tests need Chromium at {chromium}: apt-get install chromium (or set CHROMIUM)"
    );
    let app = TestApp::spawn(openvisit_store::Backend::Sqlite).await;
    openvisit_store::demo::seed_demo_if_empty(app.db(), jiff::Timestamp::now())
        .await
        .expect("demo");
    let e2e = repo().join("e2e");
    ensure_node_modules(&e2e);
    let shots = screenshots();
    let base = app.base.clone();
    let out = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg("pages.mjs")
            .arg(&base)
            .arg(&shots)
            .env("CHROMIUM", &chromium)
            .current_dir(&e2e)
            .output()
            .expect("node must be installed to run the browser tests")
    })
    .await
    .expect("join");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "browser checks failed:\n{stderr}\n{stdout}"
    );
    assert!(
        stdout.lines().filter(|l| l.starts_with("ok ")).count() >= 52,
        "{stdout}"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newcomer_signs_up_confirms_the_email_and_signs_in_in_spanish() {
    let chromium = chromium();
    let app = TestApp::spawn(openvisit_store::Backend::Sqlite).await;
    let e2e = repo().join("e2e");
    ensure_node_modules(&e2e);
    let link_command = format!(
        "grep -oh 'http[^\\\"]*/verify?token=[0-9a-f]*' {}/*.json | tail -1",
        app.outbox.display()
    );
    let base = app.base.clone();
    let shots = screenshots();
    let out = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg("account.mjs")
            .arg(&base)
            .arg(&link_command)
            .env("CHROMIUM", &chromium)
            .env("SHOTS", &shots)
            .current_dir(&e2e)
            .output()
            .expect("node")
    })
    .await
    .expect("join");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "sign-up flow failed:\n{stderr}\n{stdout}"
    );
    assert!(stdout.contains("ok sign-up"), "{stdout}");
    // The email went out in Spanish.
    assert!(
        app.emails()
            .iter()
            .any(|e| e.contains("Confirma tu correo"))
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_visitor_books_and_cancels_a_visit_on_the_website_in_spanish() {
    let chromium = chromium();
    let app = TestApp::spawn(openvisit_store::Backend::Sqlite).await;
    openvisit_store::demo::seed_demo_if_empty(app.db(), jiff::Timestamp::now())
        .await
        .expect("demo");
    let e2e = repo().join("e2e");
    ensure_node_modules(&e2e);
    let base = app.base.clone();
    let shots = screenshots();
    let out = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg("booking.mjs")
            .arg(&base)
            .env("CHROMIUM", &chromium)
            .env("SHOTS", &shots)
            .current_dir(&e2e)
            .output()
            .expect("node")
    })
    .await
    .expect("join");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "booking flow failed:\n{stderr}\n{stdout}"
    );
    // The database agrees with what the pages said.
    let mut conn = app.db().pool.acquire().await.expect("conn");
    let check = openvisit_store::ledger::check_ledger(&mut conn)
        .await
        .expect("ledger");
    assert_eq!(check.total, 0);
    assert_eq!(
        check.entries, 4,
        "demo funds, the charge, the refund, the charge of the visit booked without JavaScript: {check:?}"
    );
    drop(conn);
    app.stop().await;
}

/// The journey named by the website issue, over a real SMTP server, in English with the
/// mouse and in Spanish with the keyboard only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newcomer_signs_up_gets_approved_pays_books_and_cancels_end_to_end() {
    let chromium = chromium();
    let (app, smtp) = app_with_smtp().await;
    openvisit_store::demo::seed_demo_if_empty(app.db(), jiff::Timestamp::now())
        .await
        .expect("demo");
    let e2e = repo().join("e2e");
    ensure_node_modules(&e2e);
    let staff_secret = openvisit_store::accounts::totp_secret_for_email(
        app.db(),
        openvisit_store::demo::DEMO_STAFF_EMAIL,
    )
    .await
    .expect("secret")
    .expect("demo staff have a second factor");
    for (lang, email, keyboard) in [
        ("en", "sam.carter@example.com", "0"),
        ("es", "lucia.gomez@example.com", "1"),
    ] {
        let (base, dir, e2e, chromium, secret) = (
            app.base.clone(),
            smtp.dir.clone(),
            e2e.clone(),
            chromium.clone(),
            staff_secret.clone(),
        );
        let shots = screenshots();
        let out = tokio::task::spawn_blocking(move || {
            Command::new("node")
                .arg("journey.mjs")
                .args([
                    base.as_str(),
                    dir.to_str().expect("dir"),
                    lang,
                    email,
                    openvisit_store::demo::DEMO_STAFF_EMAIL,
                    openvisit_store::demo::DEMO_STAFF_PASSWORD,
                    secret.as_str(),
                ])
                .env("CHROMIUM", &chromium)
                .env("KEYBOARD", keyboard)
                .env("SHOTS", &shots)
                .current_dir(&e2e)
                .output()
                .expect("node")
        })
        .await
        .expect("join");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "the {lang} journey failed:\n{stderr}\n{stdout}"
        );
    }
    let mut conn = app.db().pool.acquire().await.expect("conn");
    let check = openvisit_store::ledger::check_ledger(&mut conn)
        .await
        .expect("ledger");
    assert_eq!(check.total, 0);
    assert!(check.mismatched_balances.is_empty());
    drop(conn);
    app.stop().await;
}

/// The PIN the resident of `LiveSetup` signs in with at the kiosk.
const PIN: &str = "2468";

/// A one-time set-up code for `kiosk`, as staff would type it at `/kiosk/setup`
/// (issued at the server's clock, which the tests move).
async fn setup_code(app: &TestApp, kiosk: openvisit_core::KioskId) -> String {
    openvisit_store::kiosk_setup::issue_setup_code(app.db(), kiosk, app.state.clock.now())
        .await
        .expect("set-up code")
}

/// A remote visit booked and paid, its housing kiosk's set-up code, the resident's PIN (`PIN`),
/// and the server's clock moved to 45 seconds before the scheduled end: the parties
/// arrive late (R4), so the visit ends at the scheduled end within the test.
pub(crate) struct LiveSetup {
    pub(crate) app: TestApp,
    fx: Fixture,
    /// The visitor's session cookie.
    cookie: String,
    /// The housing kiosk's one-time set-up code.
    key: String,
    visit_id: i64,
    end: jiff::Timestamp,
}

impl LiveSetup {
    /// What `e2e/join.mjs` and the start of `e2e/live.mjs` take: the server, the
    /// visitor's cookie, the kiosk's key, the resident's PIN and the visit.
    pub(crate) fn page_args(&self) -> Vec<String> {
        vec![
            self.app.base.clone(),
            self.cookie.clone(),
            self.key.clone(),
            PIN.to_owned(),
            self.visit_id.to_string(),
        ]
    }
}

/// Books a 15-minute visit of `kind` with the fixture's first resident, tomorrow at
/// noon (facility time): its start, and the visit as the API returned it.
async fn book_tomorrow_at_noon(
    client: &Client,
    fx: &Fixture,
    kind: &str,
) -> (jiff::Timestamp, serde_json::Value) {
    let start = local_start(1, 12, 0);
    let (status, visit) = client
        .post(
            "/api/v1/visits",
            serde_json::json!({ "resident_id": fx.residents[0].0, "kind": kind, "start": start, "length_minutes": 15 }),
        )
        .await;
    assert_eq!(status, 201, "{visit}");
    (start, visit)
}

/// Moves the server's clock to 45 s before `end`: the parties arrive late (R4), so the
/// visit ends at its scheduled end within the test.
fn arrive_45_s_before(app: &TestApp, end: jiff::Timestamp) {
    let now = app.state.clock.now();
    app.state
        .clock
        .advance_seconds(end.as_second() - 45 - now.as_second());
}

/// Asserts that the visit ended at `end`, and stops the server.
async fn ended_at_and_stop(app: TestApp, visit_id: i64, end: jiff::Timestamp) {
    let mut conn = app.db().pool.acquire().await.expect("conn");
    let v = openvisit_store::visits::get_visit(&mut conn, openvisit_core::VisitId(visit_id))
        .await
        .expect("visit");
    assert_eq!(v.actual_end, Some(end), "it ended at the scheduled end");
    drop(conn);
    app.stop().await;
}

/// What a script needs to sign the fixture's staff member in: email, password, TOTP
/// secret, and how far the server's clock is from the browser's (the code is computed
/// for the server's moved time).
async fn staff_sign_in_args(app: &TestApp, fx: &Fixture) -> [String; 4] {
    let secret = openvisit_store::accounts::totp_secret_for_email(app.db(), &fx.staff_email)
        .await
        .expect("secret")
        .expect("staff are enrolled");
    let offset_ms =
        app.state.clock.now().as_millisecond() - jiff::Timestamp::now().as_millisecond();
    [
        fx.staff_email.clone(),
        STAFF_PASSWORD.to_owned(),
        secret,
        offset_ms.to_string(),
    ]
}

async fn live_setup() -> LiveSetup {
    live_setup_on(TestApp::spawn(openvisit_store::Backend::Sqlite).await).await
}

pub(crate) async fn live_setup_on(app: TestApp) -> LiveSetup {
    let db = app.db();
    let fx = fixture(db, 1, 1, settings()).await;
    let (visitor, email) = approved_visitor(db, &fx, &fx.residents).await;
    fund(db, visitor, 10_000).await;
    let client = app.client_for(&email, VISITOR_PASSWORD).await;
    let (start, visit) = book_tomorrow_at_noon(&client, &fx, "remote").await;
    let kiosk = openvisit_core::KioskId(visit["housing_kiosk"].as_i64().expect("kiosk"));
    openvisit_store::resident_pins::set_resident_pin(db, fx.residents[0], PIN)
        .await
        .expect("pin");
    let end = start + jiff::SignedDuration::from_mins(15);
    arrive_45_s_before(&app, end);
    let key = setup_code(&app, kiosk).await;
    LiveSetup {
        cookie: client.cookie.clone().expect("session cookie"),
        visit_id: visit["id"].as_i64().expect("id"),
        app,
        fx,
        key,
        end,
    }
}

/// A visitor's page and a housing-unit kiosk page hold a live visit through the server,
/// each decoding the other's video, and both say it ended at the scheduled end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_page_and_a_kiosk_page_hold_a_visit_that_ends_on_time() {
    let chromium = chromium();
    for lang in ["en", "es"] {
        let setup = live_setup().await;
        let mut args = setup.page_args();
        let LiveSetup {
            app,
            fx,
            visit_id,
            end,
            ..
        } = setup;
        args.push(lang.to_owned());
        args.extend(staff_sign_in_args(&app, &fx).await);
        match run_e2e("live.mjs", args, chromium.clone()).await {
            // The join time, for docs/BENCHMARKS.md (`-- --nocapture` shows it).
            Ok(printed) => printed
                .lines()
                .filter(|l| l.starts_with("JOIN_MS"))
                .for_each(|l| println!("{l}")),
            Err(output) => panic!("the {lang} live visit failed:\n{output}"),
        }
        ended_at_and_stop(app, visit_id, end).await;
    }
}

/// The server restarts while a visitor's page and a kiosk page hold a visit: each page
/// comes back by itself within 5 s of losing its connection, decodes video again, keeps
/// the announced end, and the visit still ends at its scheduled end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pages_come_back_by_themselves_after_a_server_restart() {
    let chromium = chromium();
    let setup = live_setup().await;
    let args = setup.page_args();
    let LiveSetup {
        app, visit_id, end, ..
    } = setup;
    let script = tokio::spawn(run_e2e("rejoin.mjs", args, chromium));
    // Restart once both pages are in and media has flowed for a few seconds.
    let hub = app.state.live.clone().expect("live video");
    let until = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let live = hub
            .existing_room(openvisit_core::VisitId(visit_id))
            .is_some_and(|r| r.has_started());
        if live {
            break;
        }
        assert!(
            std::time::Instant::now() < until && !script.is_finished(),
            "the pages never started the visit"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    drop(hub);
    tokio::time::sleep(std::time::Duration::from_secs(4)).await;
    let app = app.restart().await;
    match script.await.expect("script") {
        Ok(printed) => printed
            .lines()
            .filter(|l| l.starts_with("REJOIN_MS"))
            .for_each(|l| println!("{l}")),
        Err(output) => panic!("the pages did not come back:\n{output}"),
    }
    ended_at_and_stop(app, visit_id, end).await;
}

/// When the browsers cannot use UDP (here the server offers TCP only, as
/// `serve --media-tcp-only` does), the visitor's page and the kiosk page still hold the
/// visit: both decode the other's video, over TCP.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_udp_the_pages_hold_the_visit_over_tcp() {
    let chromium = chromium();
    let setup =
        live_setup_on(TestApp::spawn_media_over_tcp_only(openvisit_store::Backend::Sqlite).await)
            .await;
    let args = setup.page_args();
    let app = setup.app;
    let printed = run_e2e("join.mjs", args, chromium)
        .await
        .unwrap_or_else(|output| panic!("the visit over TCP failed:\n{output}"));
    assert!(
        printed.contains("TRANSPORT visitor=tcp kiosk=tcp"),
        "both pages' media goes over TCP: {printed}"
    );
    app.stop().await;
}

/// Over HTTPS (a certificate the test made, the only one Chromium trusts): the visitor's
/// page and the kiosk page sign in with `__Host-` cookies, open signaling over `wss://`
/// (a page served over HTTPS can open no other) and each decodes the other's video.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_https_the_pages_hold_a_visit_with_signaling_over_wss() {
    let chromium = chromium();
    let setup =
        live_setup_on(TestApp::spawn_over_https(openvisit_store::Backend::Sqlite).await).await;
    assert!(
        setup.cookie.starts_with("__Host-ov_session="),
        "{}",
        setup.cookie
    );
    let cert = std::env::temp_dir().join(format!("{}_cert.pem", unique_name()));
    std::fs::write(
        &cert,
        setup.app.certificate.as_deref().expect("certificate"),
    )
    .expect("pem");
    let mut args = setup.page_args();
    args.push(cert.to_str().expect("path").to_owned());
    let app = setup.app;
    let printed = run_e2e("join.mjs", args, chromium)
        .await
        .unwrap_or_else(|output| panic!("the visit over HTTPS failed:\n{output}"));
    assert!(
        printed.contains("PAGES visitor=https: kiosk=https:") && printed.contains("JOIN_MS"),
        "both pages over HTTPS decoded video: {printed}"
    );
    let _ = std::fs::remove_file(cert);
    app.stop().await;
}

/// The visitor at home uses Firefox, in Spanish; the resident's kiosk is Chromium. The
/// pages use standard WebRTC only, so each decodes the other's video through the server,
/// over UDP, and both say the visit ended, at the scheduled end.
/// Firefox pairs no loopback candidates (its setting for them no longer reaches the
/// process that lists addresses), so the media port is on this machine's own address;
/// the packets still never leave the machine.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_in_firefox_and_a_kiosk_in_chromium_hold_a_visit() {
    let chromium = chromium();
    // browser.mjs finds it the same way.
    let _ = firefox();
    let app = TestApp::spawn_media_on(openvisit_store::Backend::Sqlite, own_address()).await;
    let setup = live_setup_on(app).await;
    let mut args = setup.page_args();
    args.push("es".to_owned());
    let LiveSetup {
        app, visit_id, end, ..
    } = setup;
    if let Err(output) = run_e2e("firefox.mjs", args, chromium).await {
        panic!("the visit between Firefox and Chromium failed:\n{output}");
    }
    ended_at_and_stop(app, visit_id, end).await;
}

/// An on-site visit at two kiosks: the visitor signs in at the lobby kiosk with the code
/// from the booking (a wrong code first, told so in Spanish), the resident at the housing
/// kiosk with the PIN; each decodes the other's video and both say it ended, at the
/// scheduled end. The visit is free.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_on_site_visit_is_held_at_the_lobby_and_housing_kiosks() {
    let chromium = chromium();
    let app = TestApp::spawn(openvisit_store::Backend::Sqlite).await;
    let db = app.db();
    let fx = fixture(db, 1, 1, settings()).await;
    let (_, email) = approved_visitor(db, &fx, &fx.residents).await;
    let client = app.client_for(&email, VISITOR_PASSWORD).await;
    let (start, visit) = book_tomorrow_at_noon(&client, &fx, "on_site").await;
    assert_eq!(visit["price"], 0, "on-site visits are free");
    openvisit_store::resident_pins::set_resident_pin(db, fx.residents[0], PIN)
        .await
        .expect("pin");
    let end = start + jiff::SignedDuration::from_mins(15);
    arrive_45_s_before(&app, end);
    let kiosk = |field: &str| openvisit_core::KioskId(visit[field].as_i64().expect("a kiosk"));
    let lobby_key = setup_code(&app, kiosk("lobby_kiosk")).await;
    let housing_key = setup_code(&app, kiosk("housing_kiosk")).await;
    let args = vec![
        app.base.clone(),
        lobby_key,
        visit["lobby_code"]
            .as_str()
            .expect("a lobby code")
            .to_owned(),
        housing_key,
        PIN.to_owned(),
        "es".to_owned(),
    ];
    if let Err(output) = run_e2e("onsite.mjs", args, chromium).await {
        panic!("the on-site visit failed:\n{output}");
    }
    ended_at_and_stop(app, visit["id"].as_i64().expect("id"), end).await;
}

/// Staff end a live visit from the live page, with a reason typed while the list redraws
/// itself: the visitor's page (in Spanish) and the kiosk say the facility ended it, and
/// the visit is settled as ended by staff with that reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_end_a_live_visit_from_the_live_page_with_a_reason() {
    const REASON: &str = "Lockdown in the unit";
    let chromium = chromium();
    let setup = live_setup().await;
    let mut args = setup.page_args();
    args.push("es".to_owned());
    args.extend(staff_sign_in_args(&setup.app, &setup.fx).await);
    args.push(REASON.to_owned());
    let LiveSetup { app, visit_id, .. } = setup;
    if let Err(output) = run_e2e("staff_end.mjs", args, chromium).await {
        panic!("staff could not end the visit from the live page:\n{output}");
    }
    let v = crate::live::settled(&app, visit_id).await;
    assert_eq!(v.status, openvisit_store::visits::VisitStatus::EndedByStaff);
    assert_eq!(v.end_reason.as_deref(), Some(REASON));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_site_installs_as_an_app_and_shows_an_offline_page_without_a_network() {
    let chromium = chromium();
    let app = TestApp::spawn(openvisit_store::Backend::Sqlite).await;
    let e2e = repo().join("e2e");
    ensure_node_modules(&e2e);
    let base = app.base.clone();
    let out = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg("offline.mjs")
            .arg(&base)
            .env("CHROMIUM", &chromium)
            .current_dir(&e2e)
            .output()
            .expect("node")
    })
    .await
    .expect("join");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "offline check failed:\n{stderr}\n{stdout}"
    );
    assert!(stdout.contains("ok installable"), "{stdout}");
    app.stop().await;
}
