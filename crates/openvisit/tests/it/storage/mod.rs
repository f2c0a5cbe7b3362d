//! The same storage story on SQLite and PostgreSQL, by subject.

mod booking;
mod facility;
mod integrity;
mod kiosk;
mod live;
mod migrations;
mod money;
mod writer;

/// `SELECT COUNT(*) AS n …` (or any query with one BIGINT column `n`).
async fn count(db: &openvisit_store::Db, sql: &'static str) -> i64 {
    use sqlx::Row;
    sqlx::query(sql)
        .fetch_one(&db.pool)
        .await
        .expect("count")
        .try_get("n")
        .expect("n")
}
