//! The PIN a person in custody signs in to a visit with at the housing-unit kiosk.
//! Stored as an argon2id hash; five wrong PINs in a row lock it for fifteen minutes.
//! An attempt is counted before the PIN is checked, so many attempts at once cannot
//! get past the limit either.

use jiff::Timestamp;
use openvisit_core::ResidentId;
use openvisit_core::interval::add_minutes;
use openvisit_core::message::Message;
use sqlx::{AnyConnection, Row};

use crate::accounts::hash_password;
use crate::db::Db;
use crate::error::StoreError;
use crate::time::secs;

/// Wrong PINs in a row before the PIN is locked, and for how long.
pub const MAX_PIN_FAILURES: i64 = 5;
pub const PIN_LOCKOUT_MINUTES: i64 = 15;

/// Checks a PIN's form: 4 to 8 digits.
pub fn validate_pin(pin: &str) -> Result<(), StoreError> {
    if (4..=8).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(StoreError::invalid("error-pin-digits"))
    }
}

/// Hashes a valid PIN (argon2id, fresh salt).
pub(crate) fn hash_pin(pin: &str) -> Result<String, StoreError> {
    validate_pin(pin)?;
    hash_password(pin)
}

/// Stores a PIN hash and lifts any lockout.
pub(crate) async fn store_pin_hash(
    conn: &mut AnyConnection,
    resident: ResidentId,
    hash: &str,
) -> Result<(), StoreError> {
    let changed = sqlx::query(
        "UPDATE residents SET pin_hash = $1, pin_failures = 0, pin_locked_until = NULL WHERE id = $2",
    )
    .bind(hash)
    .bind(resident.0)
    .execute(conn)
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(StoreError::NotFound("resident"));
    }
    Ok(())
}

/// Sets (or replaces) a resident's PIN: 4 to 8 digits.
pub async fn set_resident_pin(db: &Db, resident: ResidentId, pin: &str) -> Result<(), StoreError> {
    validate_pin(pin)?;
    let hash = crate::passwords::hash_password_off_thread(pin).await?;
    let mut conn = db.pool.acquire().await?;
    store_pin_hash(&mut conn, resident, &hash).await
}

/// Whether `pin` is the resident's PIN. While locked it refuses with `Conflict`
/// (saying for how long), even for the right PIN; a right PIN resets the count.
pub async fn check_resident_pin(
    db: &Db,
    resident: ResidentId,
    pin: &str,
    now: Timestamp,
) -> Result<bool, StoreError> {
    // Count the attempt before checking it; the fifth in a row locks at once (a right
    // PIN lifts the lock again below). A lock that has run out starts a fresh count.
    let until = add_minutes(now, PIN_LOCKOUT_MINUTES);
    let taken = sqlx::query(
        "UPDATE residents SET \
         pin_failures = CASE WHEN pin_locked_until IS NOT NULL THEN 1 ELSE pin_failures + 1 END, \
         pin_locked_until = CASE WHEN pin_locked_until IS NULL AND pin_failures + 1 >= $3 \
                            THEN $4 ELSE NULL END \
         WHERE id = $1 AND pin_hash IS NOT NULL \
         AND (pin_locked_until IS NULL OR pin_locked_until <= $2) \
         RETURNING pin_hash",
    )
    .bind(resident.0)
    .bind(secs(now))
    .bind(MAX_PIN_FAILURES)
    .bind(secs(until))
    .fetch_optional(&db.pool)
    .await?;
    let Some(taken) = taken else {
        return Err(refusal(db, resident, now).await?);
    };
    let hash: String = taken.try_get("pin_hash")?;
    // argon2 on the blocking pool, like passwords: a kiosk's guesses never stall the
    // async workers.
    if !crate::passwords::verify_password_off_thread(pin, &hash).await? {
        return Ok(false);
    }
    sqlx::query("UPDATE residents SET pin_failures = 0, pin_locked_until = NULL WHERE id = $1")
        .bind(resident.0)
        .execute(&db.pool)
        .await?;
    Ok(true)
}

/// Why no attempt could be taken.
async fn refusal(db: &Db, resident: ResidentId, now: Timestamp) -> Result<StoreError, StoreError> {
    let row = sqlx::query("SELECT pin_hash, pin_locked_until FROM residents WHERE id = $1")
        .bind(resident.0)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(StoreError::NotFound("resident"))?;
    if row.try_get::<Option<String>, _>("pin_hash")?.is_none() {
        return Ok(StoreError::invalid("error-pin-not-set"));
    }
    let left = row
        .try_get::<Option<i64>, _>("pin_locked_until")?
        .map_or(1, |until| (until - secs(now)).max(1));
    Ok(StoreError::Conflict(
        Message::new("error-pin-locked").with("minutes", (left + 59) / 60),
    ))
}
