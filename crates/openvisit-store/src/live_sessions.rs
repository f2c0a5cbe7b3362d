//! The durable copy of each live session (`openvisit_core::session::Snapshot`): saved
//! when a visit starts and every few seconds while its room is open, read back when a
//! restarted server opens the room again, and deleted when the visit is settled (in the
//! same transaction, see `live::settle`).

use std::collections::BTreeMap;

use jiff::Timestamp;
use openvisit_core::VisitId;
use openvisit_core::session::{Presence, Snapshot, WARNING_MINUTES};
use sqlx::{AnyConnection, Row};

use crate::db::{Db, MAX_ATTEMPTS, is_retryable};
use crate::error::StoreError;

/// One session to save: the visit, its state, and its announced end if it started.
#[derive(Debug, Clone)]
pub struct SavedSession {
    pub visit: VisitId,
    pub snapshot: Snapshot,
    pub ends_at: Option<Timestamp>,
}

fn presence_str(p: Presence) -> &'static str {
    match p {
        Presence::Away => "away",
        Presence::Present => "present",
        Presence::Ready => "ready",
    }
}

fn presence_from(s: &str) -> Result<Presence, StoreError> {
    match s {
        "away" => Ok(Presence::Away),
        "present" => Ok(Presence::Present),
        "ready" => Ok(Presence::Ready),
        other => Err(StoreError::Corrupt(format!("presence {other}"))),
    }
}

fn millis(t: Timestamp) -> i64 {
    t.as_millisecond()
}

fn from_millis(ms: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_millisecond(ms).map_err(|_| StoreError::Corrupt(format!("instant {ms} ms")))
}

fn warned_bits(warned: &[bool; WARNING_MINUTES.len()]) -> i64 {
    warned
        .iter()
        .enumerate()
        .filter(|(_, w)| **w)
        .map(|(i, _)| 1i64 << i)
        .sum()
}

/// Saves `sessions` as of `saved_at`, in one transaction. Sessions of visits no longer
/// booked (settled or cancelled meanwhile) are skipped, so a late save cannot bring a
/// settled visit's session back.
pub async fn save_sessions(
    db: &Db,
    sessions: &[SavedSession],
    saved_at: Timestamp,
) -> Result<(), StoreError> {
    if sessions.is_empty() {
        return Ok(());
    }
    let mut attempt = 0;
    loop {
        attempt += 1;
        let mut tx = db.begin_write().await?;
        let mut result = Ok(());
        for s in sessions {
            if let Err(e) = save_in_tx(&mut tx, s, saved_at).await {
                result = Err(e);
                break;
            }
        }
        let result = match result {
            Ok(()) => tx.commit().await.map_err(StoreError::from),
            Err(e) => Err(e),
        };
        match result {
            Err(e) if attempt < MAX_ATTEMPTS && is_retryable(&e) => continue,
            other => return other,
        }
    }
}

async fn save_in_tx(
    conn: &mut AnyConnection,
    s: &SavedSession,
    saved_at: Timestamp,
) -> Result<(), StoreError> {
    let snap = &s.snapshot;
    let faults: BTreeMap<String, u32> = snap
        .fault_seconds
        .iter()
        .map(|(minute, n)| (minute.to_string(), *n))
        .collect();
    let faults = serde_json::to_string(&faults).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    sqlx::query(
        "INSERT INTO live_sessions (visit_id, actual_start_ms, ends_at_ms, visitor, resident, \
         visitor_came, resident_came, connected_seconds, fault_seconds, warned, last_second, \
         outage_since_ms, saved_at_ms) \
         SELECT id, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13 FROM visits \
         WHERE id = $1 AND status = 'booked' \
         ON CONFLICT (visit_id) DO UPDATE SET actual_start_ms = excluded.actual_start_ms, \
         ends_at_ms = excluded.ends_at_ms, visitor = excluded.visitor, \
         resident = excluded.resident, visitor_came = excluded.visitor_came, \
         resident_came = excluded.resident_came, \
         connected_seconds = excluded.connected_seconds, \
         fault_seconds = excluded.fault_seconds, warned = excluded.warned, \
         last_second = excluded.last_second, outage_since_ms = excluded.outage_since_ms, \
         saved_at_ms = excluded.saved_at_ms",
    )
    .bind(s.visit.0)
    .bind(snap.actual_start.map(millis))
    .bind(s.ends_at.map(millis))
    .bind(presence_str(snap.visitor))
    .bind(presence_str(snap.resident))
    .bind(i64::from(snap.visitor_came))
    .bind(i64::from(snap.resident_came))
    .bind(i64::from(snap.connected_seconds))
    .bind(faults)
    .bind(warned_bits(&snap.warned))
    .bind(snap.last_second)
    .bind(snap.outage_since.map(millis))
    .bind(millis(saved_at))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The saved session of a visit and when it was saved, if it has one.
pub async fn load_session(
    conn: &mut AnyConnection,
    visit: VisitId,
) -> Result<Option<(Snapshot, Timestamp)>, StoreError> {
    let Some(r) = sqlx::query(
        "SELECT actual_start_ms, visitor, resident, visitor_came, resident_came, \
         connected_seconds, fault_seconds, warned, last_second, outage_since_ms, saved_at_ms \
         FROM live_sessions WHERE visit_id = $1",
    )
    .bind(visit.0)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let faults: BTreeMap<String, u32> =
        serde_json::from_str(&r.try_get::<String, _>("fault_seconds")?)
            .map_err(|e| StoreError::Corrupt(format!("fault seconds: {e}")))?;
    let fault_seconds = faults
        .into_iter()
        .map(|(minute, n)| {
            minute
                .parse::<i64>()
                .map(|m| (m, n))
                .map_err(|_| StoreError::Corrupt(format!("fault minute {minute}")))
        })
        .collect::<Result<BTreeMap<_, _>, _>>()?;
    let bits = r.try_get::<i64, _>("warned")?;
    let mut warned = [false; WARNING_MINUTES.len()];
    for (i, w) in warned.iter_mut().enumerate() {
        *w = bits & (1 << i) != 0;
    }
    let snapshot = Snapshot {
        actual_start: r
            .try_get::<Option<i64>, _>("actual_start_ms")?
            .map(from_millis)
            .transpose()?,
        visitor: presence_from(&r.try_get::<String, _>("visitor")?)?,
        resident: presence_from(&r.try_get::<String, _>("resident")?)?,
        visitor_came: r.try_get::<i64, _>("visitor_came")? != 0,
        resident_came: r.try_get::<i64, _>("resident_came")? != 0,
        connected_seconds: u32::try_from(r.try_get::<i64, _>("connected_seconds")?)
            .map_err(|_| StoreError::Corrupt("connected seconds".into()))?,
        fault_seconds,
        warned,
        last_second: r.try_get::<Option<i64>, _>("last_second")?,
        outage_since: r
            .try_get::<Option<i64>, _>("outage_since_ms")?
            .map(from_millis)
            .transpose()?,
    };
    let saved_at = from_millis(r.try_get::<i64, _>("saved_at_ms")?)?;
    Ok(Some((snapshot, saved_at)))
}

/// The booked visits that have a saved session: those a restarted server opens again.
/// Sessions of visits settled or cancelled some other way are removed.
pub async fn sessions_to_resume(db: &Db) -> Result<Vec<VisitId>, StoreError> {
    sqlx::query(
        "DELETE FROM live_sessions WHERE visit_id IN \
         (SELECT id FROM visits WHERE status <> 'booked')",
    )
    .execute(&db.pool)
    .await?;
    let rows = sqlx::query("SELECT visit_id FROM live_sessions ORDER BY visit_id")
        .fetch_all(&db.pool)
        .await?;
    rows.iter()
        .map(|r| Ok(VisitId(r.try_get::<i64, _>("visit_id")?)))
        .collect()
}

/// Forgets a visit's session (it was settled or cancelled).
pub(crate) async fn delete_session(
    conn: &mut AnyConnection,
    visit: VisitId,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM live_sessions WHERE visit_id = $1")
        .bind(visit.0)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
