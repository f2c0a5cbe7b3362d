//! Test databases: SQLite always, PostgreSQL when its URL is set; each test's own,
//! migrated, and removed at `cleanup`.

use super::*;

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

/// A name no other test of any run uses: for databases, folders and accounts.
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
        TestDb::at_schema(backend, None).await
    }

    /// A fresh database whose schema stops at migration `version` (`None`: the newest).
    pub async fn at_schema(backend: Backend, version: Option<i64>) -> TestDb {
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
                match version {
                    None => db.migrate().await.expect("migrate"),
                    Some(v) => db.migrate_to(v).await.expect("migrate to a version"),
                }
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
                match version {
                    None => db.migrate().await.expect("migrate"),
                    Some(v) => db.migrate_to(v).await.expect("migrate to a version"),
                }
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
