//! A consistent copy of the embedded SQLite database taken while the server runs
//! (`openvisit backup`). SQLite's `VACUUM INTO` reads one snapshot of the database, so
//! the copy holds every transaction committed before it began and none after, and
//! writers go on meanwhile (WAL mode). PostgreSQL has its own tools (`pg_dump`, or
//! base backups with WAL archiving for point-in-time recovery: docs/OPERATIONS.md).

use std::path::Path;

use sqlx::{AnyConnection, Connection};

use crate::db::{Backend, Db};
use crate::error::StoreError;

/// Writes a copy of `db` to `to`, which must not exist yet.
pub async fn copy_sqlite(db: &Db, to: &Path) -> Result<(), StoreError> {
    if db.backend != Backend::Sqlite {
        return Err(StoreError::Operator(
            "`openvisit backup` copies the embedded SQLite database; back PostgreSQL up \
             with pg_dump or a base backup (docs/OPERATIONS.md)"
                .into(),
        ));
    }
    if to.exists() {
        return Err(StoreError::Operator(format!(
            "{} already exists; choose a new file name",
            to.display()
        )));
    }
    let to = to
        .to_str()
        .ok_or_else(|| StoreError::Operator("the backup's path is not valid UTF-8".into()))?;
    let mut conn = db.pool.acquire().await?;
    sqlx::query("VACUUM INTO $1")
        .bind(to)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// One read-only connection to an SQLite file (a backup), without the settings the
/// server's pool writes on connecting.
pub async fn open_read_only(file: &Path) -> Result<AnyConnection, StoreError> {
    sqlx::any::install_default_drivers();
    let file = file
        .to_str()
        .ok_or_else(|| StoreError::Operator("the file's path is not valid UTF-8".into()))?;
    Ok(AnyConnection::connect(&format!("sqlite://{file}?mode=ro")).await?)
}

/// SQLite's own verdict on a database file's structure (`PRAGMA integrity_check`):
/// `None` when it is sound, else what it found.
pub async fn sqlite_structure_problems(
    conn: &mut AnyConnection,
) -> Result<Option<String>, StoreError> {
    let lines: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(&mut *conn)
        .await?;
    Ok((lines != ["ok"]).then(|| lines.join("; ")))
}
