//! Benchmarks (not tests): availability in the pure core, page rendering, booking
//! throughput on SQLite and PostgreSQL beside a raw single-row-insert baseline on the
//! same database in the same run, media capacity beside a raw UDP relay, and join time in
//! Chromium. Results go to docs/BENCHMARKS.md by hand.

#![allow(
    clippy::disallowed_methods,
    reason = "a benchmark books against the real clock, like a server"
)]

mod availability;
mod booking;
mod demo;
mod join;
mod media;
mod pages;

/// Counts what the media thread holds, for the media benchmark's memory per visit.
#[global_allocator]
static ALLOCATOR: media::heap::Counting = media::heap::Counting;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "openvisit-bench")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Availability p50/p99: one resident's month, and a whole-facility month grid.
    Availability {
        #[arg(long, default_value_t = 200)]
        iterations: usize,
    },
    /// Server-side rendering time of every visitor page on the demo data, p50/p99.
    Pages {
        #[arg(long, default_value_t = 300)]
        iterations: usize,
    },
    /// Media capacity: concurrent visits through the SFU beside the raw UDP relay ceiling
    /// and, when installed, Janus 1.1.2's VideoRoom carrying the same load.
    Media {
        #[arg(long, value_delimiter = ',', default_value = "5,20,40")]
        visits: Vec<usize>,
        #[arg(long, default_value_t = 5)]
        seconds: u64,
        /// Threads that run the headless peers; 0 gives each peer a thread of its own
        /// (then every datagram the server sends wakes a sleeping thread).
        #[arg(long, default_value_t = 1)]
        peer_threads: usize,
        /// Leave out the same load through Janus 1.1.2's VideoRoom (run beside each
        /// level when the `janus` binary is installed).
        #[arg(long)]
        no_janus: bool,
    },
    /// Join time in headless Chromium: both parties ready to the first decoded frame.
    /// Needs Chromium (`CHROMIUM`, default /usr/bin/chromium) and `npm ci` in e2e/.
    Join {
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
    /// Booking throughput at several client counts beside raw inserts.
    Booking {
        /// `sqlite` for a temporary SQLite file, or a postgres:// URL (a fresh database
        /// is created next to it and dropped afterwards).
        #[arg(long, default_value = "sqlite")]
        database: String,
        #[arg(long, value_delimiter = ',', default_value = "1,8,32")]
        clients: Vec<usize>,
        #[arg(long, default_value_t = 5)]
        seconds: u64,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Availability { iterations } => availability::run(iterations),
        Command::Pages { iterations } => pages::run(iterations).await,
        Command::Media {
            visits,
            seconds,
            peer_threads,
            no_janus,
        } => media::run(&visits, seconds, peer_threads, !no_janus).await,
        Command::Join { runs } => join::run(runs).await,
        Command::Booking {
            database,
            clients,
            seconds,
        } => booking::run(&database, &clients, seconds).await,
    }
}

/// The value at quantile `q` of sorted samples.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let idx = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}
