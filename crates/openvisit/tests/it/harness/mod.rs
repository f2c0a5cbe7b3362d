//! Test harness: fresh databases on every backend, a running server on a random
//! port, and typed helpers for the API.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use jiff::Timestamp;
use openvisit_core::{AccountId, FacilityId, ResidentId};
use openvisit_store::accounts::{NewAccount, Role, create_account};
use openvisit_store::approvals::{ApprovalStatus, decide_approval, request_approval};
use openvisit_store::facilities::{FacilitySettings, NewFacility, create_facility};
use openvisit_store::payments::TestProvider;
use openvisit_store::places::{add_hours, create_kiosk, create_unit};
use openvisit_store::residents::create_resident;
use openvisit_store::{Backend, Db};
use openvisit_web::AppState;
use openvisit_web::clock::Clock;
use serde_json::{Value, json};

use tokio::sync::oneshot;

mod browsers;
mod forms;
mod lossy_relay;
mod process;
mod smtp;
mod tls;
pub use browsers::*;
pub use forms::*;
pub use lossy_relay::*;
pub use process::*;
pub use smtp::*;
pub use tls::*;

pub const POSTGRES_ENV: &str = "OPENVISIT_TEST_POSTGRES_URL";

/// The bearer token test servers read /metrics with.
pub const METRICS_TOKEN: &str = "test-metrics-token";

/// A fresh key for secrets at rest: test databases are never reopened by another run.
pub fn test_keyring() -> openvisit_store::secrets::Keyring {
    openvisit_store::secrets::Keyring::random().expect("a key")
}

/// SQLite always; PostgreSQL too when its URL is set.
pub fn backends() -> Vec<Backend> {
    let mut b = vec![Backend::Sqlite];
    if std::env::var(POSTGRES_ENV).is_ok_and(|u| !u.is_empty()) {
        b.push(Backend::Postgres);
    }
    b
}

/// Turns the foreign keys of one connection off or on again, to write what a bad
/// restore or a hand edit would.
pub async fn foreign_keys(conn: &mut sqlx::AnyConnection, backend: Backend, on: bool) {
    let sql = match (backend, on) {
        (Backend::Sqlite, false) => "PRAGMA foreign_keys = OFF",
        (Backend::Sqlite, true) => "PRAGMA foreign_keys = ON",
        // Foreign keys are triggers that a replica's session does not fire.
        (Backend::Postgres, false) => "SET session_replication_role = replica",
        (Backend::Postgres, true) => "SET session_replication_role = DEFAULT",
    };
    sqlx::query(sql).execute(conn).await.expect("foreign keys");
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Everything every test logs, at every level, so a test can look for personal data.
static LOGS: std::sync::OnceLock<Arc<std::sync::Mutex<Vec<u8>>>> = std::sync::OnceLock::new();

#[derive(Clone)]
struct LogSink(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut v) = self.0.lock() {
            v.extend_from_slice(buf);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Starts capturing logs (once per test process).
pub fn capture_logs() {
    LOGS.get_or_init(|| {
        let buf = Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = LogSink(buf.clone());
        let _ = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || sink.clone())
            .try_init();
        buf
    });
}

/// What has been logged so far.
pub fn captured_logs() -> String {
    LOGS.get()
        .and_then(|b| {
            b.lock()
                .ok()
                .map(|v| String::from_utf8_lossy(&v).into_owned())
        })
        .unwrap_or_default()
}

pub fn unique_name() -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = Timestamp::now().as_nanosecond() as u64;
    format!(
        "ov_t_{}_{}_{}",
        std::process::id(),
        nanos % 1_000_000_000,
        n
    )
}

/// A fresh, migrated database that is removed at `cleanup`.
pub struct TestDb {
    pub db: Db,
    dir: Option<std::path::PathBuf>,
    pg: Option<(String, String)>,
}

impl TestDb {
    pub async fn new(backend: Backend) -> TestDb {
        capture_logs();
        match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join(unique_name());
                std::fs::create_dir_all(&dir).expect("temp dir");
                let url = format!("sqlite://{}/test.db?mode=rwc", dir.display());
                let db = Db::connect(&url, 16)
                    .await
                    .expect("sqlite")
                    .with_keyring(test_keyring());
                db.migrate().await.expect("migrate");
                TestDb {
                    db,
                    dir: Some(dir),
                    pg: None,
                }
            }
            Backend::Postgres => {
                let base = std::env::var(POSTGRES_ENV).expect("postgres url");
                let name = unique_name();
                let admin = Db::connect(&base, 1)
                    .await
                    .expect("PostgreSQL must be reachable when OPENVISIT_TEST_POSTGRES_URL is set");
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&admin.pool)
                    .await
                    .expect("create database");
                admin.close().await;
                let (prefix, _) = base.rsplit_once('/').expect("url has a database");
                let url = format!("{prefix}/{name}");
                let db = Db::connect(&url, 40)
                    .await
                    .expect("postgres")
                    .with_keyring(test_keyring());
                db.migrate().await.expect("migrate");
                TestDb {
                    db,
                    dir: None,
                    pg: Some((base, name)),
                }
            }
        }
    }

    /// The database's URL for a server started as its own process, on either backend.
    pub fn any_url(&self) -> String {
        match &self.dir {
            Some(dir) => format!("sqlite://{}/test.db?mode=rwc", dir.display()),
            None => self.url().expect("a PostgreSQL database has a URL"),
        }
    }

    /// The database's URL, for a server started as its own process (PostgreSQL only).
    pub fn url(&self) -> Option<String> {
        let (base, name) = self.pg.as_ref()?;
        let (prefix, _) = base.rsplit_once('/')?;
        Some(format!("{prefix}/{name}"))
    }

    pub async fn cleanup(self) {
        self.db.close().await;
        if let Some(dir) = self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let Some((base, name)) = self.pg
            && let Ok(admin) = Db::connect(&base, 1).await
        {
            {
                let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .execute(&admin.pool)
                .await;
                admin.close().await;
            }
        }
    }
}

/// One facility with one housing unit open every day 08:00–20:00 facility time.
pub struct Fixture {
    pub facility: FacilityId,
    pub residents: Vec<ResidentId>,
    pub staff: AccountId,
    pub staff_email: String,
}

pub const STAFF_PASSWORD: &str = "staff-password-1";

/// The demo's settings, without a weekly limit or a gap between a kiosk's visits, so
/// tests book freely.
pub fn settings() -> FacilitySettings {
    FacilitySettings {
        weekly_limit: 0,
        kiosk_gap_minutes: 0,
        ..openvisit_store::demo::default_settings()
    }
}

pub async fn fixture(
    db: &Db,
    kiosks: usize,
    residents: usize,
    settings: FacilitySettings,
) -> Fixture {
    let slug = unique_name();
    let facility = create_facility(
        db,
        &NewFacility {
            slug,
            name: "Test County Jail".into(),
            city: "Springfield".into(),
            state: "IL".into(),
            address: "1 Jail Road".into(),
            phone: "(555) 000-0000".into(),
            email: "visits@test.example".into(),
            time_zone: "America/Chicago".into(),
            facility_type: openvisit_core::facility::FacilityType::Jail,
            population: 400,
            settings,
        },
    )
    .await
    .expect("facility");
    let mut tx = db.begin_write().await.expect("tx");
    let unit = create_unit(&mut tx, facility, "A Pod").await.expect("unit");
    for k in 0..kiosks {
        create_kiosk(&mut tx, facility, Some(unit), &format!("A kiosk {k}"))
            .await
            .expect("kiosk");
    }
    create_kiosk(&mut tx, facility, None, "Lobby 1")
        .await
        .expect("lobby");
    for weekday in 1..=7 {
        add_hours(&mut tx, facility, Some(unit), weekday, 8 * 60, 20 * 60)
            .await
            .expect("hours");
        add_hours(&mut tx, facility, None, weekday, 8 * 60, 20 * 60)
            .await
            .expect("hours");
    }
    let mut ids = Vec::new();
    for r in 0..residents {
        ids.push(
            create_resident(
                &mut tx,
                facility,
                &format!("B{r:05}"),
                &format!("Resident {r}"),
                unit,
            )
            .await
            .expect("resident"),
        );
    }
    tx.commit().await.expect("commit");
    let (staff, staff_email) = verified_account(
        db,
        "staff",
        STAFF_PASSWORD,
        ("Officer", "America/Chicago"),
        Role::FacilityAdmin,
        Some(facility),
    )
    .await;
    Fixture {
        facility,
        residents: ids,
        staff,
        staff_email,
    }
}

/// An English-speaking account with a verified, unique address at `<kind>.test`;
/// `who` is its display name and time zone. Returns it and its address.
async fn verified_account(
    db: &Db,
    kind: &str,
    password: &str,
    who: (&str, &str),
    role: Role,
    facility: Option<FacilityId>,
) -> (AccountId, String) {
    let email = format!("{}@{kind}.test", unique_name());
    let account = create_account(
        db,
        &NewAccount {
            email_verified: true,
            email: email.clone(),
            password: password.into(),
            display_name: who.0.into(),
            role,
            facility,
            language: "en".into(),
            time_zone: who.1.into(),
        },
        Timestamp::now(),
    )
    .await
    .expect(kind);
    (account, email)
}

/// Creates a visitor approved for `residents`.
pub async fn approved_visitor(
    db: &Db,
    fx: &Fixture,
    residents: &[ResidentId],
) -> (AccountId, String) {
    let (visitor, email) = verified_account(
        db,
        "visitor",
        VISITOR_PASSWORD,
        ("Visitor", "America/New_York"),
        Role::Visitor,
        None,
    )
    .await;
    for r in residents {
        let a = request_approval(db, visitor, *r, Timestamp::now())
            .await
            .expect("request");
        decide_approval(
            db,
            fx.staff,
            fx.facility,
            a.id,
            ApprovalStatus::Approved,
            "",
            Timestamp::now(),
        )
        .await
        .expect("approve");
    }
    (visitor, email)
}

pub const VISITOR_PASSWORD: &str = "visitor-password-1";

/// Deposits money for a visitor straight through the store.
pub async fn fund(db: &Db, visitor: AccountId, cents: i64) {
    openvisit_store::payments::deposit(
        db,
        &TestProvider::default(),
        visitor,
        openvisit_core::Cents(cents),
        "ok",
        None,
        Timestamp::now(),
    )
    .await
    .expect("deposit");
}

/// A start on the facility's grid, `days` from now at `hour`:`minute` Chicago time.
pub fn local_start(days: i64, hour: i8, minute: i8) -> Timestamp {
    let tz = jiff::tz::TimeZone::get("America/Chicago").expect("zone");
    let today = tz.to_datetime(Timestamp::now()).date();
    let day = today
        .checked_add(jiff::Span::new().days(days))
        .expect("date");
    tz.to_ambiguous_timestamp(day.at(hour, minute, 0, 0))
        .compatible()
        .expect("instant")
}

/// A running server on a random port, over a fresh database.
pub struct TestApp {
    pub base: String,
    /// The server's state, for driving background jobs (reminders) from a test.
    pub state: AppState,
    /// Where the server writes its emails.
    pub outbox: std::path::PathBuf,
    pub tdb: TestDb,
    /// The certificate a server over HTTPS presents (PEM), which its clients trust.
    pub certificate: Option<String>,
    shutdown: Option<oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<()>>,
}

const LOOPBACK: std::net::IpAddr = std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

/// A media server on a free port of `ip`, offering UDP and TCP.
fn media_on(ip: std::net::IpAddr) -> openvisit_media::MediaConfig {
    openvisit_media::MediaConfig {
        bind: std::net::SocketAddr::new(ip, 0),
        public_ip: None,
        tcp_only: false,
    }
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        TestApp::spawn_with_mailer(backend, None).await
    }

    /// A server that sends email through `mailer` instead of its outbox folder.
    pub async fn spawn_with_mailer(
        backend: Backend,
        mailer: Option<Arc<dyn openvisit_web::mail::Mailer>>,
    ) -> TestApp {
        TestApp::spawn_with(backend, mailer, media_on(LOOPBACK)).await
    }

    /// A server whose media port offers TCP only, as `serve --media-tcp-only` does.
    pub async fn spawn_media_over_tcp_only(backend: Backend) -> TestApp {
        let media = openvisit_media::MediaConfig {
            tcp_only: true,
            ..media_on(LOOPBACK)
        };
        TestApp::spawn_with(backend, None, media).await
    }

    /// A server over HTTPS at `https://localhost:PORT`, with a certificate made for the
    /// test (`certificate`), `Secure`/`__Host-` cookies and signaling over `wss://`.
    pub async fn spawn_over_https(backend: Backend) -> TestApp {
        let (cert, key) = certificate();
        let dir = std::env::temp_dir().join(format!("{}_tls", unique_name()));
        std::fs::create_dir_all(&dir).expect("tls dir");
        let (cert_file, key_file) = (dir.join("cert.pem"), dir.join("key.pem"));
        std::fs::write(&cert_file, &cert).expect("cert");
        std::fs::write(&key_file, key).expect("key");
        let files = openvisit_web::tls::TlsFiles::load(cert_file, key_file).expect("tls files");
        let tdb = TestDb::new(backend).await;
        let outbox = std::env::temp_dir().join(format!("{}_outbox", unique_name()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        TestApp::start_on(
            listener,
            tdb,
            outbox,
            Arc::new(Clock::default()),
            None,
            media_on(LOOPBACK),
            Some((files, cert)),
        )
        .await
    }

    /// An HTTP client for this server (trusting its certificate when over HTTPS).
    pub fn http(&self) -> reqwest::Client {
        match &self.certificate {
            Some(cert) => trusting(cert),
            None => reqwest::Client::new(),
        }
    }

    /// A server whose media port is on `ip` (its web server stays on loopback).
    pub async fn spawn_media_on(backend: Backend, ip: std::net::IpAddr) -> TestApp {
        TestApp::spawn_with(backend, None, media_on(ip)).await
    }

    /// A server whose media port is bound at `bind` but announced to clients at
    /// `announced` (its address seen through a NAT, or a test's relay in front of it).
    pub async fn spawn_media_behind(
        backend: Backend,
        bind: std::net::SocketAddr,
        announced: std::net::IpAddr,
    ) -> TestApp {
        let media = openvisit_media::MediaConfig {
            bind,
            public_ip: Some(announced),
            tcp_only: false,
        };
        TestApp::spawn_with(backend, None, media).await
    }

    async fn spawn_with(
        backend: Backend,
        mailer: Option<Arc<dyn openvisit_web::mail::Mailer>>,
        media: openvisit_media::MediaConfig,
    ) -> TestApp {
        let tdb = TestDb::new(backend).await;
        let outbox = std::env::temp_dir().join(format!("{}_outbox", unique_name()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        TestApp::start_on(
            listener,
            tdb,
            outbox,
            Arc::new(Clock::default()),
            mailer,
            media,
            None,
        )
        .await
    }

    /// Stops the server the way an upgrade does (live visits saved for the next server,
    /// not settled) and starts a new one on the same database, folders, clock and
    /// address, as pages that reconnect by themselves expect.
    pub async fn restart(mut self) -> TestApp {
        let addr: std::net::SocketAddr = self
            .base
            .trim_start_matches("http://")
            .parse()
            .expect("address");
        if let Some(live) = &self.state.live {
            live.shut_down().await;
        }
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.handle.take() {
            let _ = h.await;
        }
        let clock = Arc::clone(&self.state.clock);
        let outbox = self.outbox.clone();
        let tdb = self.tdb;
        drop(self.state);
        // The old listener is closed; its port may take a moment to be free again.
        let until = std::time::Instant::now() + std::time::Duration::from_secs(5);
        let listener = loop {
            match tokio::net::TcpListener::bind(addr).await {
                Ok(l) => break l,
                Err(e) if std::time::Instant::now() > until => panic!("rebinding {addr}: {e}"),
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(20)).await,
            }
        };
        TestApp::start_on(listener, tdb, outbox, clock, None, media_on(LOOPBACK), None).await
    }

    async fn start_on(
        listener: tokio::net::TcpListener,
        tdb: TestDb,
        outbox: std::path::PathBuf,
        clock: Arc<Clock>,
        mailer: Option<Arc<dyn openvisit_web::mail::Mailer>>,
        media: openvisit_media::MediaConfig,
        tls: Option<(Arc<openvisit_web::tls::TlsFiles>, String)>,
    ) -> TestApp {
        let addr = listener.local_addr().expect("addr");
        let base = match &tls {
            Some(_) => format!("https://localhost:{}", addr.port()),
            None => format!("http://{addr}"),
        };
        let (media, media_events) =
            openvisit_media::MediaServer::start(&media).expect("media server");
        let live = openvisit_web::live::LiveHub::start(
            media,
            media_events,
            tdb.db.clone(),
            clock.clone(),
            Some(outbox.with_extension("recordings")),
        );
        let state = AppState {
            mailer: mailer.unwrap_or_else(|| {
                Arc::new(
                    openvisit_web::mail::OutboxMailer::new(
                        outbox.clone(),
                        "OpenVisit <no-reply@openvisit.localhost>",
                    )
                    .expect("outbox"),
                )
            }),
            outbox: Some(openvisit_web::mail::DevOutbox::new(outbox.clone()).expect("outbox key")),
            public_url: base.clone(),
            limiter: Arc::new(openvisit_web::rate_limit::RateLimiter::default()),
            attempts_per_minute: 200,
            db: tdb.db.clone(),
            payments: Arc::new(TestProvider::default()),
            clock,
            metrics: openvisit_web::metrics_layer::install_recorder(),
            metrics_token: Some(METRICS_TOKEN.into()),
            secure_cookies: tls.is_some(),
            live: Some(live),
        };
        let kept = state.clone();
        let (tx, rx) = oneshot::channel::<()>();
        let certificate = tls.as_ref().map(|(_, pem)| pem.clone());
        let handle = tokio::spawn(async move {
            openvisit_web::serve_with_limits(
                listener,
                state,
                openvisit_web::connections::ConnectionLimits::default(),
                tls.map(|(files, _)| files),
                async {
                    let _ = rx.await;
                },
            )
            .await
            .expect("server");
        });
        TestApp {
            state: kept,
            base,
            tdb,
            outbox,
            certificate,
            shutdown: Some(tx),
            handle: Some(handle),
        }
    }

    pub fn db(&self) -> &Db {
        &self.tdb.db
    }

    /// The emails sent so far, oldest first, as raw RFC 5322 text.
    pub fn emails(&self) -> Vec<String> {
        files_in_order(&self.outbox, Some("eml"))
    }

    /// The readable copies of the emails sent so far (to, subject, text, attachments).
    pub fn email_summaries(&self) -> Vec<Value> {
        files_in_order(&self.outbox, Some("json"))
            .iter()
            .filter_map(|t| serde_json::from_str(t).ok())
            .collect()
    }

    /// The link with `?token=` in the newest email to `to`.
    /// Waits up to 5 s for it: some emails are sent after the answer (a reset link, so
    /// that a known address answers as fast as an unknown one).
    pub async fn link_sent_to(&self, to: &str, path: &str) -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        let email = loop {
            let found = self
                .emails()
                .into_iter()
                .rev()
                .find(|e| e.contains(to) && e.replace("=\r\n", "").contains(path));
            match found {
                Some(e) => break e,
                None if std::time::Instant::now() < deadline => {
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                }
                None => panic!("no email to {to} with {path}"),
            }
        };
        // Quoted-printable may wrap long lines with "=\r\n".
        let joined = email.replace("=\r\n", "").replace("=3D", "=");
        let start = joined
            .find(&format!("{}{path}?token=", self.base))
            .unwrap_or_else(|| panic!("no {path} link in {joined}"));
        joined[start..]
            .split_whitespace()
            .next()
            .expect("link")
            .to_owned()
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.handle.take() {
            let _ = h.await;
        }
        self.tdb.cleanup().await;
        let _ = std::fs::remove_dir_all(&self.outbox);
    }

    /// Signs in and returns a client that carries the session cookie.
    pub async fn client_for(&self, email: &str, password: &str) -> Client {
        // Staff sign in with a one-time code, and a code works once per 30 seconds; tests
        // open staff sessions directly (the sign-in itself is tested in staff_sign_in).
        if let Some(account) = openvisit_store::accounts::account_by_email(self.db(), email)
            .await
            .expect("account")
            .filter(|a| a.role.is_staff())
        {
            let now = self.state.clock.now();
            let token = openvisit_store::accounts::create_session(
                self.db(),
                account.id,
                openvisit_core::interval::add_minutes(now, 12 * 60),
                now,
            )
            .await
            .expect("staff session");
            let name = if self.certificate.is_some() {
                openvisit_web::auth::SECURE_SESSION_COOKIE
            } else {
                openvisit_web::auth::SESSION_COOKIE
            };
            return Client {
                http: self.http(),
                base: self.base.clone(),
                cookie: Some(format!("{name}={token}")),
            };
        }
        let http = self.http();
        let res = http
            .post(format!("{}/api/v1/auth/login", self.base))
            .json(&json!({ "email": email, "password": password }))
            .send()
            .await
            .expect("login");
        assert_eq!(res.status(), 200, "login failed");
        let cookie = res
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .expect("cookie")
            .to_owned();
        Client {
            http,
            base: self.base.clone(),
            cookie: Some(cookie),
        }
    }

    pub fn anonymous(&self) -> Client {
        Client {
            http: self.http(),
            base: self.base.clone(),
            cookie: None,
        }
    }
}

/// An HTTP client with an optional session.
#[derive(Clone)]
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
    pub cookie: Option<String>,
}

impl Client {
    fn req(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let mut r = self.http.request(method, format!("{}{}", self.base, path));
        if let Some(c) = &self.cookie {
            r = r.header("cookie", c);
        }
        r
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        answer(self.req(reqwest::Method::GET, path)).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        answer(self.req(reqwest::Method::POST, path).json(&body)).await
    }

    pub async fn post_with_key(&self, path: &str, body: Value, key: &str) -> (u16, Value) {
        let req = self.req(reqwest::Method::POST, path);
        answer(req.header("idempotency-key", key).json(&body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> (u16, Value) {
        answer(self.req(reqwest::Method::PUT, path).json(&body)).await
    }

    pub async fn raw_post(
        &self,
        path: &str,
        content_type: &str,
        body: &'static str,
    ) -> (u16, Value) {
        let req = self.req(reqwest::Method::POST, path);
        answer(req.header("content-type", content_type).body(body)).await
    }
}

/// Sends `req`: the status, and the body as JSON (`Null` when it is not JSON).
async fn answer(req: reqwest::RequestBuilder) -> (u16, Value) {
    let res = req.send().await.expect("send");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// The text of the files in `dir` (those ending in `.ext`, if given), by name.
pub fn files_in_order(dir: &std::path::Path, ext: Option<&str>) -> Vec<String> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| ext.is_none_or(|ext| p.extension().is_some_and(|x| x == ext)))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
        .iter()
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .collect()
}

/// Adds a housing unit with one kiosk, open every day from `open` to `close` (minutes
/// after local midnight); returns the kiosk.
pub async fn unit_with_kiosk(
    db: &Db,
    facility: FacilityId,
    name: &str,
    open: u32,
    close: u32,
) -> openvisit_core::KioskId {
    let mut tx = db.begin_write().await.expect("tx");
    let unit = create_unit(&mut tx, facility, name).await.expect("unit");
    let kiosk = create_kiosk(&mut tx, facility, Some(unit), &format!("{name} kiosk"))
        .await
        .expect("kiosk");
    for weekday in 1..=7 {
        add_hours(&mut tx, facility, Some(unit), weekday, open, close)
            .await
            .expect("hours");
    }
    tx.commit().await.expect("commit");
    kiosk
}
