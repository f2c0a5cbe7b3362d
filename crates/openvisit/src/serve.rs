//! `openvisit serve`: the web server on the configured database.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use openvisit_media::{MediaConfig, MediaServer};
use openvisit_store::Backend;
use openvisit_store::Db;
use openvisit_store::demo::{self, seed_demo_if_empty};
use openvisit_store::payments::{PaymentProvider, TestProvider, reconcile_deposits};
use openvisit_web::clock::Clock;
use openvisit_web::live::LiveHub;
use openvisit_web::mail::{DevOutbox, Mailer, OutboxMailer, SmtpMailer};
use openvisit_web::rate_limit::RateLimiter;
use openvisit_web::smtp_relay::SmtpRelay;
use openvisit_web::tls::TlsFiles;
use openvisit_web::{AppState, ConnectionLimits};

use secrecy::SecretString;

use crate::{DbArgs, open_db};
use openvisit_store::demo::DemoInfo;

#[derive(clap::Args, Clone)]
pub struct ServeArgs {
    #[arg(long, env = "OPENVISIT_BIND", default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    #[command(flatten)]
    db: DbArgs,
    #[command(flatten)]
    demo: DemoArgs,
    #[command(flatten)]
    mail: MailArgs,
    #[command(flatten)]
    media: MediaArgs,
    #[command(flatten)]
    connections: ConnectionArgs,
    #[command(flatten)]
    https: HttpsArgs,
    #[command(flatten)]
    payments: PaymentArgs,
    /// The bearer token Prometheus sends to read /metrics (`authorization` in its
    /// scrape config). Without it, /metrics is off: it says how busy the server is.
    #[arg(long, env = "OPENVISIT_METRICS_TOKEN", hide_env_values = true)]
    metrics_token: Option<String>,
}

/// Limits on client connections (docs/SECURITY.md).
#[derive(clap::Args, Clone)]
pub struct ConnectionArgs {
    /// Connections open at once (default: the process's file limit, raised as far as
    /// the OS allows, less 256 for the database, media and files; at most 8192).
    #[arg(long, env = "OPENVISIT_MAX_CONNECTIONS")]
    max_connections: Option<usize>,
    /// Connections open at once from one client address (0: no limit). Behind a reverse
    /// proxy every client has the proxy's address: list it with --connection-limit-exempt.
    #[arg(
        long,
        env = "OPENVISIT_MAX_CONNECTIONS_PER_ADDRESS",
        default_value_t = 64
    )]
    max_connections_per_address: usize,
    /// Client addresses the per-address limit does not apply to (a reverse proxy).
    #[arg(long, env = "OPENVISIT_CONNECTION_LIMIT_EXEMPT", value_delimiter = ',')]
    connection_limit_exempt: Vec<std::net::IpAddr>,
    /// Reverse proxies (addresses or networks, e.g. 10.0.0.0/8) whose X-Forwarded-For
    /// or Forwarded header names the client, for rate limits and audit lines; from any
    /// other peer the header is ignored.
    #[arg(long, env = "OPENVISIT_TRUSTED_PROXY", value_delimiter = ',')]
    trusted_proxy: Vec<openvisit_web::forwarded::TrustedNet>,
}

impl ConnectionArgs {
    fn limits(&self) -> ConnectionLimits {
        let defaults = ConnectionLimits::for_this_process();
        ConnectionLimits {
            max_open: self.max_connections.unwrap_or(defaults.max_open),
            max_per_address: self.max_connections_per_address,
            unlimited: self.connection_limit_exempt.clone(),
            trusted_proxies: self.trusted_proxy.clone(),
            ..defaults
        }
    }
}

/// Where the demo is seeded: on an empty embedded (SQLite) database unless `--no-demo`;
/// on PostgreSQL only when asked with `--demo`.
#[derive(clap::Args, Clone)]
pub struct DemoArgs {
    /// Do not seed the demo, and lock the demo's sign-ins if the database holds it.
    #[arg(long, env = "OPENVISIT_NO_DEMO", conflicts_with = "demo")]
    no_demo: bool,
    /// Seed the demo on an empty database even on PostgreSQL.
    #[arg(long, env = "OPENVISIT_DEMO")]
    demo: bool,
}

#[derive(clap::Args, Clone)]
pub struct HttpsArgs {
    /// Serve HTTPS on --bind with this certificate chain (PEM); read again when it
    /// changes, so a renewed certificate needs no restart.
    #[arg(long, env = "OPENVISIT_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<std::path::PathBuf>,
    /// The certificate's private key (PEM).
    #[arg(long, env = "OPENVISIT_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<std::path::PathBuf>,
    /// With HTTPS, also listen here for plain HTTP, which only redirects to HTTPS
    /// (e.g. 0.0.0.0:80).
    #[arg(long, env = "OPENVISIT_HTTP_REDIRECT_BIND", requires = "tls_cert")]
    http_redirect_bind: Option<SocketAddr>,
}

/// The payment provider: the built-in test provider (the demo's), or Stripe.
#[derive(clap::Args, Clone)]
pub struct PaymentArgs {
    /// Take payments with Stripe Checkout (a secret key `sk_live_…` or `sk_test_…`).
    /// Set it through OPENVISIT_STRIPE_SECRET_KEY to keep it out of the process list.
    #[arg(
        long,
        env = "OPENVISIT_STRIPE_SECRET_KEY",
        hide_env_values = true,
        requires = "stripe_webhook_secret"
    )]
    stripe_secret_key: Option<String>,
    /// The signing secret (`whsec_…`) of the webhook endpoint Stripe sends events to,
    /// {public URL}/api/v1/payments/stripe/webhook; funds are credited only from those.
    #[arg(
        long,
        env = "OPENVISIT_STRIPE_WEBHOOK_SECRET",
        hide_env_values = true,
        requires = "stripe_secret_key"
    )]
    stripe_webhook_secret: Option<String>,
    /// Stripe's API address (another only for tests and drills).
    #[arg(
        long,
        env = "OPENVISIT_STRIPE_API_BASE",
        default_value = "https://api.stripe.com",
        hide = true
    )]
    stripe_api_base: String,
}

/// The payment provider, and the webhook secret when it is Stripe.
type Payments = (Arc<dyn PaymentProvider>, Option<Arc<SecretString>>);

impl PaymentArgs {
    /// The provider, and the webhook secret when it is Stripe.
    fn provider(&self, public_url: &str, clock: Arc<Clock>) -> anyhow::Result<Payments> {
        match (&self.stripe_secret_key, &self.stripe_webhook_secret) {
            (Some(key), Some(webhook)) => {
                let stripe = openvisit_web::stripe::StripeProvider::new(
                    &self.stripe_api_base,
                    SecretString::from(key.clone()),
                    public_url,
                    clock,
                )?;
                Ok((
                    Arc::new(stripe),
                    Some(Arc::new(SecretString::from(webhook.clone()))),
                ))
            }
            _ => Ok((Arc::new(TestProvider::default()), None)),
        }
    }
}

#[derive(clap::Args, Clone)]
pub struct MailArgs {
    /// The mail relay: host:port (no encryption: a relay on this machine or network),
    /// smtp://user:password@host:587?tls=starttls, or smtps://user:password@host:465.
    /// Set it through OPENVISIT_SMTP to keep the password out of the process list.
    /// Without it, emails go to the outbox folder in the data directory and are listed
    /// at /dev/outbox.
    #[arg(long, env = "OPENVISIT_SMTP", hide_env_values = true)]
    smtp: Option<String>,
    /// A certificate authority (PEM) to trust for the mail relay besides the system's.
    #[arg(long, env = "OPENVISIT_SMTP_CA")]
    smtp_ca: Option<std::path::PathBuf>,
    /// The sender of every email.
    #[arg(
        long,
        env = "OPENVISIT_MAIL_FROM",
        default_value = "OpenVisit <no-reply@openvisit.localhost>"
    )]
    mail_from: String,
    /// The address people reach this server at, for links in emails
    /// (default: http:// and the bind address).
    #[arg(long, env = "OPENVISIT_PUBLIC_URL")]
    public_url: Option<String>,
}

#[derive(clap::Args, Clone)]
pub struct MediaArgs {
    /// The address of the media server, UDP and TCP (all video goes through this one port
    /// number; default: the web server's address, port 0 = any free port).
    #[arg(long, env = "OPENVISIT_MEDIA_BIND")]
    media_bind: Option<SocketAddr>,
    /// The address browsers reach the media port at, when it differs from the bound one
    /// (behind NAT, or bound to 0.0.0.0).
    #[arg(long, env = "OPENVISIT_MEDIA_PUBLIC_IP")]
    media_public_ip: Option<std::net::IpAddr>,
    /// Offer media over TCP only, for a network where UDP never reaches the server
    /// (browsers otherwise try UDP first and fall back to TCP by themselves).
    #[arg(long, env = "OPENVISIT_MEDIA_TCP_ONLY")]
    media_tcp_only: bool,
}

pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let ServeArgs {
        bind,
        db: db_args,
        demo: demo_args,
        mail,
        media,
        connections,
        https,
        payments: payment_args,
        metrics_token,
    } = args;
    // Raise the file limit before anything opens a descriptor.
    let limits = connections.limits();
    let db = open_db(&db_args).await?;
    let (mailer, outbox): (Arc<dyn Mailer>, Option<DevOutbox>) = match &mail.smtp {
        Some(relay) => {
            let relay = SmtpRelay::parse(relay)?;
            let ca = match &mail.smtp_ca {
                Some(path) => Some(
                    std::fs::read(path)
                        .with_context(|| format!("cannot read {}", path.display()))?,
                ),
                None => None,
            };
            (
                Arc::new(SmtpMailer::connect(&relay, &mail.mail_from, ca.as_deref())?),
                None,
            )
        }
        None => {
            let dir = db_args.data_dir.join("outbox");
            (
                Arc::new(OutboxMailer::new(dir.clone(), &mail.mail_from)?),
                Some(DevOutbox::new(dir)?),
            )
        }
    };
    let clock = Arc::new(Clock::default());
    let embedded = db_args.database_url.is_none();
    let with_demo = !demo_args.no_demo && (embedded || demo_args.demo);
    let demo_info = if with_demo {
        seed_demo_if_empty(&db, clock.now()).await?
    } else {
        None
    };
    let has_demo = demo::has_demo(&db).await?;
    if has_demo && demo_args.no_demo && demo::set_demo_sign_in(&db, false).await? > 0 {
        println!("The demo's visitor and staff sign-ins are locked (--no-demo).");
    } else if has_demo && with_demo {
        demo::set_demo_sign_in(&db, true).await?;
    }
    if demo_info.is_some() {
        println!("Seeded a demo: two facilities, residents, a visitor and a staff account.");
    }
    let tls = match (&https.tls_cert, &https.tls_key) {
        (Some(cert), Some(key)) => Some(
            TlsFiles::load(cert.clone(), key.clone()).context("cannot use the TLS certificate")?,
        ),
        _ => None,
    };
    let listener = listen(bind).with_context(|| format!("cannot listen on {bind}"))?;
    let addr = listener.local_addr()?;
    let origin = format!("{}://{addr}", if tls.is_some() { "https" } else { "http" });
    let public_url = mail.public_url.clone().unwrap_or_else(|| origin.clone());
    let backend = match db.backend {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    };
    println!("OpenVisit is running on {backend} at {origin}/");
    println!("  API:        {origin}/api/v1/facilities");
    println!("  OpenAPI:    {origin}/api/openapi.json");
    // Plain HTTP that only redirects, beside HTTPS.
    let redirect_listener = match (&tls, https.http_redirect_bind) {
        (Some(_), Some(redirect)) => {
            let l = listen(redirect).with_context(|| format!("cannot listen on {redirect}"))?;
            println!(
                "  HTTP:       http://{} redirects to {public_url}",
                l.local_addr()?
            );
            Some(l)
        }
        _ => None,
    };
    if metrics_token.is_some() {
        println!("  Metrics:    {origin}/metrics  (with the bearer token of --metrics-token)");
    } else {
        println!("  Metrics:    off (start with --metrics-token to read /metrics)");
    }
    if let Some(outbox) = &outbox {
        println!(
            "  Emails:     {origin}/dev/outbox?key={}  (every email; a signed-in \
             person sees their own at /dev/outbox)",
            outbox.operator_key()
        );
        if !(has_demo && with_demo) {
            warn_mail_not_delivered(&outbox.dir);
        }
    }
    if has_demo && with_demo {
        print_demo_logins(&db, &clock, &origin, demo_info.as_ref()).await?;
    }
    let media_bind = media
        .media_bind
        .unwrap_or_else(|| SocketAddr::new(addr.ip(), 0));
    let (media_server, media_events) = MediaServer::start(&MediaConfig {
        bind: media_bind,
        public_ip: media.media_public_ip,
        tcp_only: media.media_tcp_only,
    })
    .with_context(|| format!("cannot start the media server on UDP {media_bind}"))?;
    if media.media_tcp_only {
        println!("  Media:      TCP {} (only)", media_server.local_addr());
    } else if media_server.serves_tcp() {
        println!("  Media:      UDP and TCP {}", media_server.local_addr());
    } else {
        println!(
            "  Media:      UDP {} (TCP off: the port number is taken for TCP)",
            media_server.local_addr()
        );
    }
    let live = LiveHub::start(
        media_server,
        media_events,
        db.clone(),
        clock.clone(),
        Some(db_args.data_dir.join("recordings")),
    );
    let (payments, stripe_webhook_secret) = payment_args.provider(&public_url, clock.clone())?;
    spawn_deposit_reconciler(db.clone(), payments.clone(), clock.clone());
    let secure_cookies = public_url.starts_with("https://");
    let state = AppState {
        mailer,
        outbox,
        public_url,
        limiter: Arc::new(RateLimiter::default()),
        attempts_per_minute: 20,
        db,
        payments,
        clock,
        metrics: openvisit_web::metrics_layer::install_recorder(),
        metrics_token: metrics_token.filter(|t| !t.trim().is_empty()),
        // Reached over HTTPS (directly or through a proxy): Secure, __Host- cookies.
        secure_cookies,
        live: Some(live.clone()),
        stripe_webhook_secret,
    };
    spawn_reminders(state.clone());
    spawn_email_sender(state.clone());
    spawn_missed_sweeper(live.clone());
    spawn_recording_sweeper(live.clone(), state.db.clone(), state.clock.clone());
    crate::check::spawn_daily(state.db.clone());
    tracing::info!(
        max_open = limits.max_open,
        per_address = limits.max_per_address,
        "connection limits"
    );
    if let Some(tls) = &tls {
        tls.watch(std::time::Duration::from_secs(5));
    }
    if let Some(listener) = redirect_listener {
        tokio::spawn(redirect_to_https(listener, state.public_url.clone()));
    }
    openvisit_web::serve_with_limits(listener, state, limits, tls, async move {
        shutdown_signal().await;
        // Before connections close: visits under way are saved as they are and carry
        // on in the next server (an upgrade) with the same end.
        live.shut_down().await;
    })
    .await?;
    Ok(())
}

/// Ctrl-C, or the SIGTERM a service manager sends to stop or upgrade the server.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let Ok(mut term) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        else {
            let _ = tokio::signal::ctrl_c().await;
            return;
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// The web port, with a backlog of 4,096 connections waiting to be accepted (the usual
/// kernel limit) rather than 1,024: under a flood of connections a client's own would
/// otherwise be dropped and retried by its kernel a second later.
fn listen(bind: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let socket = if bind.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(bind)?;
    socket.listen(4096)
}

/// Plain HTTP that only sends every request to the same path on `public_url`
/// (`308`, so a form's POST stays a POST). The target is the configured address, never
/// the request's Host header, so it cannot be turned into a redirect elsewhere.
async fn redirect_to_https(listener: tokio::net::TcpListener, public_url: String) {
    let base = public_url.trim_end_matches('/').to_owned();
    let app = axum::Router::new().fallback(move |uri: axum::http::Uri| {
        let target = format!("{base}{}", uri.path_and_query().map_or("/", |p| p.as_str()));
        async move { axum::response::Redirect::permanent(&target) }
    });
    if let Err(e) = axum::serve(listener, app).await {
        tracing::error!(error = %e, "the HTTP redirect stopped");
    }
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

/// Every hour, deletes recordings past their facility's retention period.
/// Every ten minutes: recordings whose assembly failed are tried again, and recordings
/// past their retention period deleted.
fn spawn_recording_sweeper(live: Arc<LiveHub>, db: Db, clock: Arc<Clock>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
        loop {
            tick.tick().await;
            let ready = live.retry_recordings().await;
            if ready > 0 {
                tracing::info!(recordings = ready, "assembled recordings that had failed");
            }
            let n = openvisit_web::live::sweep_recordings(&db, clock.now()).await;
            if n > 0 {
                tracing::info!(
                    recordings = n,
                    "deleted recordings past their retention period"
                );
            }
        }
    });
}

/// Every minute, settles the visits nobody joined as missed.
fn spawn_missed_sweeper(live: Arc<LiveHub>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            tick.tick().await;
            let n = live.sweep_missed().await;
            if n > 0 {
                tracing::info!(visits = n, "settled visits nobody joined as missed");
            }
        }
    });
}

/// Every minute, emails the reminders for visits starting within the next 24 hours.
fn spawn_reminders(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            tick.tick().await;
            openvisit_web::notify::send_due_reminders(&state, 24 * 60).await;
        }
    });
}

/// Every ten seconds (and at once on start), sends the visit emails a failure or a
/// restart left in the outbox; a request sends its own as soon as it commits.
fn spawn_email_sender(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(10));
        loop {
            tick.tick().await;
            let sent = openvisit_web::notify::send_queued(&state).await;
            if sent > 0 {
                tracing::info!(emails = sent, "sent visit emails left in the outbox");
            }
        }
    });
}

/// A server without a mail server delivers nothing: say so where an operator looks.
fn warn_mail_not_delivered(dir: &std::path::Path) {
    let text = format!(
        "EMAIL IS NOT DELIVERED: no --smtp is set, so confirmation, password-reset and \
         visit emails are only kept in {} (and at /dev/outbox). Set --smtp for a real \
         deployment.",
        dir.display()
    );
    eprintln!("\n*** WARNING: {text}\n");
    tracing::warn!("{text}");
}

/// The demo's logins. Its secrets (the staff authenticator secret and the kiosk keys)
/// are printed once, when the demo is created; later starts name only the logins.
async fn print_demo_logins(
    db: &Db,
    clock: &Clock,
    origin: &str,
    seeded: Option<&DemoInfo>,
) -> anyhow::Result<()> {
    println!(
        "  Visitor:    {} / {}",
        demo::DEMO_VISITOR_EMAIL,
        demo::DEMO_VISITOR_PASSWORD
    );
    println!(
        "  Staff:      {} / {}  (console: {origin}/staff/schedule)",
        demo::DEMO_STAFF_EMAIL,
        demo::DEMO_STAFF_PASSWORD
    );
    let Some(info) = seeded else {
        println!(
            "              with the authenticator enrolled when the demo was created \
             (its secret is printed only then)"
        );
        return Ok(());
    };
    if let Some(secret) =
        openvisit_store::accounts::totp_secret_for_email(db, demo::DEMO_STAFF_EMAIL).await?
    {
        // Staff sign in with an authenticator code too; the demo shows the current one.
        let code =
            openvisit_core::credentials::totp::code_at(&secret, clock.now()).unwrap_or_default();
        println!("              authenticator secret {secret} (code now: {code})");
        println!(
            "              {}",
            openvisit_core::credentials::totp::otpauth_uri(&secret, demo::DEMO_STAFF_EMAIL)
        );
    }
    println!(
        "  Kiosks:     open {origin}/kiosk/setup on the kiosk and type its code \
         (each works once, for a day; `openvisit kiosk-key` makes a new one):"
    );
    for (name, code) in &info.kiosk_codes {
        println!("              {code}  {name}");
    }
    Ok(())
}
