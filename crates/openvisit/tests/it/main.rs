//! The one integration-test binary: storage on every backend, and the API through a
//! real HTTP server on a random port.

#![allow(
    clippy::disallowed_methods,
    reason = "tests pick dates relative to today, as a visitor would"
)]

/// One test per backend, so a SQLite failure does not hide the PostgreSQL result:
/// `per_backend!(name, body)` makes `name::sqlite` and `name::postgres`, each calling the
/// async `body(Backend)`. The PostgreSQL test passes without running only where
/// `OPENVISIT_TEST_POSTGRES_URL` is unset (CI sets it).
macro_rules! per_backend {
    // A test whose servers and peers need a second worker thread.
    ($name:ident, $body:ident, multi_thread) => {
        per_backend!($name, $body, multi_thread, 2);
    };
    // A race: as many worker threads as racers that must run at once.
    ($name:ident, $body:ident, multi_thread, $workers:literal) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = $workers)]
            async fn sqlite() {
                super::$body(openvisit_store::Backend::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = $workers)]
            async fn postgres() {
                if crate::harness::backends().contains(&openvisit_store::Backend::Postgres) {
                    super::$body(openvisit_store::Backend::Postgres).await;
                } else {
                    eprintln!(
                        "PostgreSQL not set ({}): skipped",
                        crate::harness::POSTGRES_ENV
                    );
                }
            }
        }
    };
    ($name:ident, $body:ident) => {
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$body(openvisit_store::Backend::Sqlite).await;
            }

            #[tokio::test]
            async fn postgres() {
                if crate::harness::backends().contains(&openvisit_store::Backend::Postgres) {
                    super::$body(openvisit_store::Backend::Postgres).await;
                } else {
                    eprintln!(
                        "PostgreSQL not set ({}): skipped",
                        crate::harness::POSTGRES_ENV
                    );
                }
            }
        }
    };
}

mod api;
mod authz;
mod backup;
mod booking_picker;
mod browser;
mod config_file;
mod console;
mod email;
mod email_outbox;
mod harness;
mod live;
mod pages;
mod races;
mod refusals;
mod security;
mod setup;
mod spanish;
mod staff_changes;
mod staff_sign_in;
mod storage;
mod stripe;
mod support;
mod visit_emails;
mod wording;
