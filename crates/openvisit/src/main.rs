//! The `openvisit` binary: wires storage, the web server and the operator commands.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use openvisit_core::facility::FacilityType;
use openvisit_store::accounts::{NewAccount, Role, create_account};
use openvisit_store::demo::{self, seed_demo_if_empty};
use openvisit_store::facilities::{NewFacility, facility_by_slug};
use openvisit_store::payments::TestProvider;
use openvisit_store::{Backend, Db};
use openvisit_web::AppState;
use openvisit_web::clock::Clock;

#[derive(Parser)]
#[command(
    name = "openvisit",
    about = "Video visitation for jails and prisons",
    version
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct DbArgs {
    /// Where the SQLite file (and later recordings and the mail outbox) live.
    #[arg(long, env = "OPENVISIT_DATA_DIR", default_value = "data")]
    data_dir: PathBuf,
    /// `postgres://…` to run on PostgreSQL; default: SQLite in the data directory.
    #[arg(long, env = "OPENVISIT_DATABASE_URL")]
    database_url: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server and API (seeds a demo on an empty database).
    Serve {
        #[arg(long, env = "OPENVISIT_BIND", default_value = "127.0.0.1:8080")]
        bind: SocketAddr,
        #[command(flatten)]
        db: DbArgs,
        /// Do not seed the demo facilities on an empty database.
        #[arg(long, env = "OPENVISIT_NO_DEMO")]
        no_demo: bool,
    },
    /// Create or update the database schema.
    Migrate {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Create a facility with default settings (change them in the staff API).
    CreateFacility {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        slug: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        city: String,
        #[arg(long)]
        state: String,
        #[arg(long, default_value = "")]
        address: String,
        #[arg(long, default_value = "")]
        phone: String,
        #[arg(long, default_value = "")]
        email: String,
        /// IANA time zone, e.g. America/Chicago.
        #[arg(long)]
        time_zone: String,
        /// prison or jail.
        #[arg(long)]
        facility_type: String,
        /// Average daily population (sets the rate cap).
        #[arg(long)]
        population: u32,
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

async fn open_db(args: &DbArgs) -> anyhow::Result<Db> {
    let url = match &args.database_url {
        Some(u) => u.clone(),
        None => {
            std::fs::create_dir_all(&args.data_dir)
                .with_context(|| format!("cannot create {}", args.data_dir.display()))?;
            format!("sqlite://{}/openvisit.db?mode=rwc", args.data_dir.display())
        }
    };
    let db = Db::connect(&url, 16)
        .await
        .context("cannot open the database")?;
    db.migrate().await.context("cannot migrate the database")?;
    Ok(db)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .init();
    let cli = Cli::parse();
    match cli.command {
        Command::Serve { bind, db, no_demo } => serve(bind, &db, no_demo).await,
        Command::Migrate { db } => {
            open_db(&db).await?;
            println!("The database is up to date.");
            Ok(())
        }
        Command::CreateFacility {
            db,
            slug,
            name,
            city,
            state,
            address,
            phone,
            email,
            time_zone,
            facility_type,
            population,
        } => {
            let db = open_db(&db).await?;
            let facility_type = FacilityType::parse(&facility_type)
                .context("the facility type must be prison or jail")?;
            let id = openvisit_store::facilities::create_facility(
                &db,
                &NewFacility {
                    slug,
                    name,
                    city,
                    state,
                    address,
                    phone,
                    email,
                    time_zone,
                    facility_type,
                    population,
                    settings: openvisit_store::facilities::FacilitySettings {
                        fee_cents: 0,
                        pricing_mode: openvisit_core::facility::PricingMode::Free,
                        ..demo::default_settings()
                    },
                },
            )
            .await?;
            println!("Created facility {id} (free of charge until staff set a price).");
            Ok(())
        }
        Command::ImportRoster {
            db,
            facility,
            file,
            dry_run,
        } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let entries = openvisit_core::roster::parse_roster(&text)?;
            let db = open_db(&db).await?;
            let mut conn = db.pool.acquire().await?;
            let f = facility_by_slug(&mut conn, &facility).await?;
            drop(conn);
            let changes = openvisit_store::roster::apply_roster(
                &db,
                f.id,
                &entries,
                None,
                dry_run,
                Clock::default().now(),
            )
            .await?;
            let verb = if dry_run { "would be" } else { "were" };
            println!(
                "{} added, {} moved, {} released, {} unchanged; {} future visits {verb} cancelled and refunded.",
                changes.added.len(),
                changes.moved.len(),
                changes.released.len(),
                changes.unchanged,
                changes.cancelled_visits.len()
            );
            Ok(())
        }
        Command::CreateStaff {
            db,
            facility,
            email,
            name,
            role,
            password,
        } => {
            let db = open_db(&db).await?;
            let role = Role::parse(&role)
                .filter(|r| r.is_staff())
                .context("the role must be facility_admin, officer or support")?;
            let mut conn = db.pool.acquire().await?;
            let f = facility_by_slug(&mut conn, &facility).await?;
            drop(conn);
            let id = create_account(
                &db,
                &NewAccount {
                    email,
                    password,
                    display_name: name,
                    role,
                    facility: Some(f.id),
                    language: "en".into(),
                    time_zone: f.time_zone.clone(),
                },
                Clock::default().now(),
            )
            .await?;
            println!("Created staff account {id} for {}.", f.name);
            Ok(())
        }
    }
}

async fn serve(bind: SocketAddr, args: &DbArgs, no_demo: bool) -> anyhow::Result<()> {
    let db = open_db(args).await?;
    let clock = Arc::new(Clock::default());
    if !no_demo && seed_demo_if_empty(&db, clock.now()).await?.is_some() {
        println!("Seeded a demo: two facilities, residents, a visitor and a staff account.");
    }
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("cannot listen on {bind}"))?;
    let addr = listener.local_addr()?;
    let backend = match db.backend {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    };
    println!("OpenVisit is running on {backend} at http://{addr}/");
    println!("  API:        http://{addr}/api/v1/facilities");
    println!("  Metrics:    http://{addr}/metrics");
    println!(
        "  Visitor:    {} / {}",
        demo::DEMO_VISITOR_EMAIL,
        demo::DEMO_VISITOR_PASSWORD
    );
    println!(
        "  Staff:      {} / {}",
        demo::DEMO_STAFF_EMAIL,
        demo::DEMO_STAFF_PASSWORD
    );
    let state = AppState {
        db,
        payments: Arc::new(TestProvider),
        clock,
        metrics: openvisit_web::metrics_layer::install_recorder(),
        secure_cookies: false,
    };
    openvisit_web::serve(listener, state, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}
