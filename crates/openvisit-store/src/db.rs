//! Connecting to SQLite or PostgreSQL through sqlx's `Any` driver, migrations, and
//! write transactions that are safe on both (`BEGIN IMMEDIATE` on SQLite, retries on
//! serialization failures and deadlocks on PostgreSQL).

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyPool, Transaction};

pub use crate::backend::{Backend, MAX_ATTEMPTS, is_retryable};
use crate::booking_batch::BookingQueue;
use crate::error::StoreError;

/// The database: a pool for reads (and single-statement writes), the pool write
/// transactions come from, and the backend it talks to.
#[derive(Debug, Clone)]
pub struct Db {
    pub pool: AnyPool,
    /// On SQLite one connection: SQLite has one writer anyway, and waiting for this
    /// pool is first-come-first-served, where SQLite's own busy handler sleeps and
    /// retries unfairly (seconds of tail latency under load). On PostgreSQL, `pool`.
    write_pool: AnyPool,
    pub backend: Backend,
    /// Where bookings go to be written (see `booking_batch`).
    pub(crate) booking: BookingQueue,
    /// The operator's keys for secrets at rest (`secrets`); set once after connecting.
    keyring: Option<crate::secrets::Keyring>,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Db {
    /// Connects to `url` (`sqlite://…` or `postgres://…`).
    pub async fn connect(url: &str, max_connections: u32) -> Result<Db, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::Operator(
                "the database URL must start with sqlite:// or postgres://".into(),
            ));
        };
        let options = AnyConnectOptions::from_str(url)?;
        let pool_options = |max: u32| {
            let opts = AnyPoolOptions::new()
                .max_connections(max)
                .acquire_timeout(Duration::from_secs(30));
            if backend == Backend::Postgres {
                return opts;
            }
            opts.after_connect(|conn, _meta| {
                Box::pin(async move {
                    // WAL lets readers run beside the one writer; the busy timeout makes
                    // IMMEDIATE transactions queue instead of failing.
                    sqlx::raw_sql(
                        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                         PRAGMA busy_timeout = 30000; PRAGMA foreign_keys = ON;",
                    )
                    .execute(conn)
                    .await?;
                    Ok(())
                })
            })
        };
        let pool = pool_options(max_connections)
            .connect_with(options.clone())
            .await?;
        let write_pool = match backend {
            Backend::Sqlite => pool_options(1).connect_with(options).await?,
            Backend::Postgres => pool.clone(),
        };
        let booking = BookingQueue::start(&write_pool, backend);
        Ok(Db {
            pool,
            write_pool,
            backend,
            booking,
            keyring: None,
        })
    }

    /// A connection from the read pool, for reads and single-statement writes; the one
    /// way callers outside the store reach the pool.
    pub async fn conn(&self) -> Result<sqlx::pool::PoolConnection<Any>, StoreError> {
        Ok(self.pool.acquire().await?)
    }

    /// Gives the database the keys that seal secrets at rest.
    pub fn with_keyring(mut self, keyring: crate::secrets::Keyring) -> Db {
        self.keyring = Some(keyring);
        self
    }

    /// The keys that seal secrets; an error where none were given.
    pub fn keyring(&self) -> Result<&crate::secrets::Keyring, StoreError> {
        self.keyring.as_ref().ok_or_else(|| {
            StoreError::Operator("no secret key was given to seal secrets at rest".into())
        })
    }

    /// Closes both pools.
    pub async fn close(&self) {
        self.pool.close().await;
        self.write_pool.close().await;
    }

    /// Brings the schema up to date.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        self.migrate_with_lock(true).await
    }

    /// The schema versions this build knows, oldest first (its migrations' numbers).
    pub fn schema_versions(&self) -> Vec<i64> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.iter().map(|m| m.version).collect()
    }

    /// Brings the schema up to `version` and no further: an older schema, to check that
    /// every migration after it carries its data forward.
    pub async fn migrate_to(&self, version: i64) -> Result<(), StoreError> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run_to(version, &self.pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run_to(version, &self.pool).await?,
        }
        Ok(())
    }

    /// Brings the schema up to date; `lock: false` skips PostgreSQL's advisory lock,
    /// which CockroachDB does not implement (run migrations from one instance then).
    pub async fn migrate_with_lock(&self, lock: bool) -> Result<(), StoreError> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await?,
            Backend::Postgres if lock => POSTGRES_MIGRATIONS.run(&self.pool).await?,
            Backend::Postgres => {
                let mut migrator = sqlx::migrate!("./migrations/postgres");
                migrator.set_locking(false);
                migrator.run(&self.pool).await?;
            }
        }
        Ok(())
    }

    /// Starts a transaction that will write. On SQLite it takes the write lock up
    /// front, so a read-then-write transaction never fails to upgrade.
    pub async fn begin_write(&self) -> Result<Transaction<'static, Any>, StoreError> {
        Ok(match self.backend {
            Backend::Sqlite => self.write_pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.write_pool.begin().await?,
        })
    }
}
