//! A running server on a random port (HTTP or HTTPS, with its media server), over a
//! fresh database.

use super::*;

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
            stripe_webhook_secret: None,
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
