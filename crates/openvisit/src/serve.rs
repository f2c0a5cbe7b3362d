//! `openvisit serve`: the web server on the configured database.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use openvisit_media::{MediaConfig, MediaServer};
use openvisit_store::Backend;
use openvisit_store::Db;
use openvisit_store::demo::{self, seed_demo_if_empty};
use openvisit_store::payments::{PaymentProvider, TestProvider, reconcile_deposits};
use openvisit_web::AppState;
use openvisit_web::clock::Clock;
use openvisit_web::live::LiveHub;
use openvisit_web::mail::{Mailer, OutboxMailer, SmtpMailer};
use openvisit_web::rate_limit::RateLimiter;

use crate::{DbArgs, open_db};

#[derive(clap::Args, Clone)]
pub struct MailArgs {
    /// SMTP relay as host:port; without it, emails go to the outbox folder in the data
    /// directory and are listed at /dev/outbox.
    #[arg(long, env = "OPENVISIT_SMTP")]
    smtp: Option<String>,
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

pub async fn serve(
    bind: SocketAddr,
    args: &DbArgs,
    no_demo: bool,
    mail: MailArgs,
    media: MediaArgs,
) -> anyhow::Result<()> {
    let db = open_db(args).await?;
    let (mailer, outbox): (Arc<dyn Mailer>, Option<std::path::PathBuf>) = match &mail.smtp {
        Some(relay) => {
            let (host, port) = relay.rsplit_once(':').context("--smtp must be host:port")?;
            let port: u16 = port.parse().context("--smtp must be host:port")?;
            (
                Arc::new(SmtpMailer::new(host, port, &mail.mail_from)?),
                None,
            )
        }
        None => {
            let dir = args.data_dir.join("outbox");
            (
                Arc::new(OutboxMailer::new(dir.clone(), &mail.mail_from)?),
                Some(dir),
            )
        }
    };
    let clock = Arc::new(Clock::default());
    let demo_info = if no_demo {
        None
    } else {
        seed_demo_if_empty(&db, clock.now()).await?
    };
    if demo_info.is_some() {
        println!("Seeded a demo: two facilities, residents, a visitor and a staff account.");
    }
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("cannot listen on {bind}"))?;
    let addr = listener.local_addr()?;
    let public_url = mail
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{addr}"));
    let backend = match db.backend {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    };
    println!("OpenVisit is running on {backend} at http://{addr}/");
    println!("  API:        http://{addr}/api/v1/facilities");
    println!("  OpenAPI:    http://{addr}/api/openapi.json");
    println!("  Metrics:    http://{addr}/metrics");
    if outbox.is_some() {
        println!("  Emails:     http://{addr}/dev/outbox (no mail server set; see --smtp)");
    }
    println!(
        "  Visitor:    {} / {}",
        demo::DEMO_VISITOR_EMAIL,
        demo::DEMO_VISITOR_PASSWORD
    );
    println!(
        "  Staff:      {} / {}  (console: http://{addr}/staff/schedule)",
        demo::DEMO_STAFF_EMAIL,
        demo::DEMO_STAFF_PASSWORD
    );
    if let Some(secret) =
        openvisit_store::accounts::totp_secret_for_email(&db, demo::DEMO_STAFF_EMAIL).await?
    {
        // Staff sign in with an authenticator code too; the demo shows the current one.
        let code = openvisit_store::totp::code_at(&secret, clock.now()).unwrap_or_default();
        println!("              authenticator secret {secret} (code now: {code})");
        println!(
            "              {}",
            openvisit_store::totp::otpauth_uri(&secret, demo::DEMO_STAFF_EMAIL)
        );
    }
    if let Some(info) = &demo_info {
        for (name, key) in &info.kiosk_keys {
            println!("  Kiosk:      http://{addr}/kiosk/setup?key={key}  ({name})");
        }
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
        Some(args.data_dir.join("recordings")),
    );
    let payments: Arc<dyn PaymentProvider> = Arc::new(TestProvider::default());
    spawn_deposit_reconciler(db.clone(), payments.clone(), clock.clone());
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
        secure_cookies: false,
        live: Some(live.clone()),
    };
    let live_for_sweeper = live;
    spawn_reminders(state.clone());
    spawn_missed_sweeper(live_for_sweeper);
    spawn_recording_sweeper(state.db.clone(), state.clock.clone());
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

/// Every hour, deletes recordings past their facility's retention period.
fn spawn_recording_sweeper(db: Db, clock: Arc<Clock>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            tick.tick().await;
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
