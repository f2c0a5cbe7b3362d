//! The `openvisit` binary: wires storage, the web server and the operator commands.

mod backup;
mod check;
mod config;
mod operator;
mod secrets;
mod serve;
mod telemetry;

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use openvisit_store::Db;

#[derive(Parser)]
#[command(
    name = "openvisit",
    about = "Video visitation for jails and prisons",
    version
)]
struct Cli {
    /// A TOML file of settings named as the long flags (`bind = "0.0.0.0:443"`); flags
    /// and environment variables win over it (docs/OPERATIONS.md).
    #[arg(long, global = true, env = "OPENVISIT_CONFIG")]
    config: Option<PathBuf>,
    /// How log lines are written: `text` for people, `json` (one object per line, with
    /// each request's span: id, method, route) for a log collector.
    #[arg(
        long,
        global = true,
        env = "OPENVISIT_LOG_FORMAT",
        default_value = "text"
    )]
    log_format: LogFormat,
    /// Send traces (each request's span and the database and media work inside it) to
    /// this OpenTelemetry collector over OTLP/HTTP, e.g. http://127.0.0.1:4318.
    #[arg(long, global = true, env = "OTEL_EXPORTER_OTLP_ENDPOINT")]
    otlp_endpoint: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum ConfigAction {
    /// Check the file: every key known, every value accepted by `serve`.
    Check,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Args, Clone)]
pub struct DbArgs {
    /// Where the SQLite file (and later recordings and the mail outbox) live.
    #[arg(long, env = "OPENVISIT_DATA_DIR", default_value = "data")]
    data_dir: PathBuf,
    /// `postgres://…` to run on PostgreSQL; default: SQLite in the data directory.
    #[arg(long, env = "OPENVISIT_DATABASE_URL")]
    database_url: Option<String>,
    /// Migrate without PostgreSQL's advisory lock (CockroachDB has none; then run
    /// `migrate` from one instance before starting the others).
    #[arg(long, env = "OPENVISIT_NO_MIGRATION_LOCK")]
    no_migration_lock: bool,
    /// The key file that seals secrets at rest (staff authenticator seeds): one key of
    /// 64 hex digits per line, the first seals, all open (docs/SECURITY.md, rotation).
    /// Default: `secret.key` in the data directory, created on first start. Keep it out
    /// of database backups.
    #[arg(long, env = "OPENVISIT_SECRET_KEY_FILE")]
    secret_key_file: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server and API (seeds a demo on an empty embedded database).
    Serve {
        #[command(flatten)]
        args: Box<serve::ServeArgs>,
    },
    /// Create or update the database schema.
    Migrate {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Check a live database's integrity (references, double bookings, the ledger);
    /// exits non-zero and says what is wrong if anything is.
    Check {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Copy the embedded SQLite database to a new file while the server runs (a
    /// consistent snapshot, checked before this says it is done).
    Backup {
        #[command(flatten)]
        db: DbArgs,
        /// The file to write; it must not exist.
        #[arg(long)]
        to: PathBuf,
    },
    /// Put a backup back as the data directory's database (stop the server first).
    Restore {
        #[command(flatten)]
        db: DbArgs,
        /// The backup file.
        #[arg(long)]
        from: PathBuf,
        /// Replace the database the data directory holds (it is kept beside, renamed).
        #[arg(long)]
        replace: bool,
    },
    /// The configuration file: `openvisit config check --config FILE` says whether
    /// `serve` accepts every setting in it.
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
    /// Create a facility, free of charge until staff set a price.
    CreateFacility {
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        facility: operator::NewFacilityArgs,
    },
    /// Add a housing unit to a facility.
    AddUnit {
        #[command(flatten)]
        db: DbArgs,
        /// The facility's slug.
        #[arg(long)]
        facility: String,
        #[arg(long)]
        name: String,
    },
    /// Add a kiosk to a housing unit, or to the lobby without --unit.
    AddKiosk {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        facility: String,
        /// The housing unit's name; leave out for a lobby kiosk.
        #[arg(long)]
        unit: Option<String>,
        #[arg(long)]
        name: String,
    },
    /// Issue a kiosk a new device key and print its setup link (the old key stops working).
    KioskKey {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        facility: String,
        #[arg(long)]
        name: String,
    },
    /// Set the PIN a resident signs in with at the housing-unit kiosk (4 to 8 digits).
    SetPin {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        facility: String,
        #[arg(long)]
        booking_number: String,
        #[arg(long, env = "OPENVISIT_PIN")]
        pin: String,
    },
    /// Replace the visiting hours of a unit, or of the lobby without --unit.
    SetHours {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        facility: String,
        #[arg(long)]
        unit: Option<String>,
        /// Facility-local, e.g. "mon-fri 08:00-11:30,13:00-20:00; sat 09:00-12:00".
        #[arg(long)]
        hours: String,
    },
    /// Import a facility's roster CSV (booking_number,full_name,housing_unit): adds,
    /// moves and releases; released or moved residents' future visits are cancelled
    /// and refunded. Importing the same file twice changes nothing.
    ImportRoster {
        #[command(flatten)]
        db: DbArgs,
        /// The facility's slug.
        #[arg(long)]
        facility: String,
        #[arg(long)]
        file: PathBuf,
        /// Show what would change without changing it.
        #[arg(long)]
        dry_run: bool,
    },
    /// Create a staff account for a facility.
    CreateStaff {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        facility: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// facility_admin, officer or support.
        #[arg(long, default_value = "officer")]
        role: String,
        /// The password; read from OPENVISIT_STAFF_PASSWORD so it stays out of shell history.
        #[arg(long, env = "OPENVISIT_STAFF_PASSWORD", hide_env_values = true)]
        password: String,
    },
}

/// The embedded database's file name in a data directory.
pub const DB_FILE: &str = "openvisit.db";

impl DbArgs {
    /// The database's URL: the one given, or the SQLite file in the data directory
    /// (made if missing only when `create`).
    fn url(&self, create: bool) -> String {
        match &self.database_url {
            Some(u) => u.clone(),
            None => format!(
                "sqlite://{}/{DB_FILE}?mode={}",
                self.data_dir.display(),
                if create { "rwc" } else { "rw" }
            ),
        }
    }
}

/// Opens the database the arguments name and brings its schema up to date.
pub async fn open_db(args: &DbArgs) -> anyhow::Result<Db> {
    if args.database_url.is_none() {
        std::fs::create_dir_all(&args.data_dir)
            .with_context(|| format!("cannot create {}", args.data_dir.display()))?;
    }
    let url = args.url(true);
    let keyring = secrets::load_keyring(args.secret_key_file.as_deref(), &args.data_dir)?;
    let db = Db::connect(&url, 16)
        .await
        .context("cannot open the database")?
        .with_keyring(keyring);
    db.migrate_with_lock(!args.no_migration_lock)
        .await
        .context("cannot migrate the database")?;
    // Plain secrets from before sealing, or ones sealed under a key now second in the
    // file, are sealed under the first key.
    let resealed = openvisit_store::secrets::reseal_all(&db)
        .await
        .context("cannot reseal the secrets at rest with the secret key file")?;
    if resealed > 0 {
        tracing::info!(
            resealed,
            "secrets at rest sealed under the first key of the key file"
        );
    }
    Ok(db)
}

/// Each request logs a line when answered (tower_http, at info). Database and media work
/// have spans at debug level (`db.*`, `media.*`), off by default: when `RUST_LOG` asks for
/// debug (`RUST_LOG=info,openvisit_store=debug`, or `openvisit_media=debug`), a second
/// layer logs one line as each of those spans and each request (by its id) closes, with
/// the time it took.
fn init_logging(format: LogFormat, telemetry: Option<&telemetry::Telemetry>) {
    use tracing_subscriber::Layer;
    use tracing_subscriber::filter::{EnvFilter, FilterExt, LevelFilter, filter_fn};
    use tracing_subscriber::fmt::format::FmtSpan;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;

    fn filter() -> EnvFilter {
        EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into())
    }
    // The timing lines: the store's and the media server's spans and the requests around
    // them, when enabled.
    fn work<S>() -> impl tracing_subscriber::layer::Filter<S>
    where
        S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    {
        filter().and(filter_fn(|m| {
            m.is_span()
                && (m.target().starts_with("openvisit_store")
                    || m.target().starts_with("openvisit_media")
                    || (m.target().starts_with("openvisit_web") && m.name() == "request"))
        }))
    }
    let timings = filter()
        .max_level_hint()
        .is_some_and(|level| level >= LevelFilter::DEBUG);
    // Traces: the requests and every span of the store and the media server inside them,
    // whatever the log level asks for.
    fn traced<S>() -> impl tracing_subscriber::layer::Filter<S>
    where
        S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    {
        filter_fn(|m| {
            m.is_span()
                && (m.target().starts_with("openvisit_store")
                    || m.target().starts_with("openvisit_media")
                    || (m.target().starts_with("openvisit_web") && m.name() == "request"))
        })
    }
    let registry =
        tracing_subscriber::registry().with(telemetry.map(|t| t.layer().with_filter(traced())));
    match format {
        LogFormat::Text => registry
            .with(tracing_subscriber::fmt::layer().with_filter(filter()))
            .with(timings.then(|| {
                tracing_subscriber::fmt::layer()
                    .with_span_events(FmtSpan::CLOSE)
                    .with_filter(work())
            }))
            .init(),
        LogFormat::Json => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .with_current_span(true)
                    .with_span_list(false)
                    .with_filter(filter()),
            )
            .with(timings.then(|| {
                tracing_subscriber::fmt::layer()
                    .json()
                    .with_current_span(true)
                    .with_span_list(true)
                    .with_span_events(FmtSpan::CLOSE)
                    .with_filter(work())
            }))
            .init(),
    }
}

fn main() -> std::process::ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("Error: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let code = match runtime.block_on(run()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {}", describe(&e));
            std::process::ExitCode::FAILURE
        }
    };
    // The command is done: a background task that does not stop (sqlx's pool maintenance
    // was seen spinning after a command's last query) must not keep the process alive.
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
    code
}

/// An error for the operator's terminal: the store's messages worded in English, the
/// chain of causes after them.
fn describe(e: &anyhow::Error) -> String {
    let english = openvisit_web::i18n::Tr {
        lang: openvisit_web::i18n::Lang::En,
    };
    e.chain()
        .map(
            |cause| match cause.downcast_ref::<openvisit_store::StoreError>() {
                Some(
                    openvisit_store::StoreError::Invalid(m)
                    | openvisit_store::StoreError::Conflict(m),
                ) => english.message(m),
                _ => cause.to_string(),
            },
        )
        .collect::<Vec<_>>()
        .join(": ")
}

async fn run() -> anyhow::Result<()> {
    let cli = Cli::parse_from(config::with_file(std::env::args_os().collect())?);
    let telemetry = match cli.otlp_endpoint.as_deref().filter(|e| !e.is_empty()) {
        Some(endpoint) => Some(telemetry::Telemetry::to_collector(endpoint)?),
        None => None,
    };
    init_logging(cli.log_format, telemetry.as_ref());
    let result = run_command(cli).await;
    if let Some(t) = telemetry {
        t.flush();
    }
    result
}

async fn run_command(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve { args } => serve::serve(*args).await,
        Command::Migrate { db } => {
            open_db(&db).await?;
            println!("The database is up to date.");
            Ok(())
        }
        Command::Check { db } => check::run(&db).await,
        Command::Config {
            action: ConfigAction::Check,
        } => config::check(cli.config.as_deref()),
        Command::Backup { db, to } => backup::backup(&db, &to).await,
        Command::Restore { db, from, replace } => backup::restore(&db, &from, replace).await,
        Command::CreateFacility { db, facility } => operator::create_facility(&db, facility).await,
        Command::AddUnit { db, facility, name } => operator::add_unit(&db, &facility, &name).await,
        Command::KioskKey { db, facility, name } => {
            operator::kiosk_key(&db, &facility, &name).await
        }
        Command::SetPin {
            db,
            facility,
            booking_number,
            pin,
        } => operator::set_pin(&db, &facility, &booking_number, &pin).await,
        Command::AddKiosk {
            db,
            facility,
            unit,
            name,
        } => operator::add_kiosk(&db, &facility, unit.as_deref(), &name).await,
        Command::SetHours {
            db,
            facility,
            unit,
            hours,
        } => operator::set_hours(&db, &facility, unit.as_deref(), &hours).await,
        Command::ImportRoster {
            db,
            facility,
            file,
            dry_run,
        } => operator::import_roster(&db, &facility, &file, dry_run).await,
        Command::CreateStaff {
            db,
            facility,
            email,
            name,
            role,
            password,
        } => operator::create_staff(&db, &facility, email, name, &role, password).await,
    }
}
