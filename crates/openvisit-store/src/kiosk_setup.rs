//! Setting a kiosk's browser up with a one-time code (security finding 15): the code is
//! short enough to type on the kiosk, works once and for a day, and is exchanged for a
//! fresh device key that only the kiosk's cookie ever holds.

use jiff::Timestamp;
use openvisit_core::KioskId;
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};

use crate::db::Db;
use crate::error::StoreError;
use crate::kiosks::set_kiosk_key;
use crate::time::secs;

/// How long a set-up code works.
pub const SETUP_CODE_HOURS: i64 = 24;
/// No 0/O or 1/I, to read out and type.
const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/// A code as people type it: case, spaces and dashes do not matter.
fn normalise(code: &str) -> String {
    code.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

fn code_hash(code: &str) -> String {
    hex::encode(Sha256::digest(normalise(code).as_bytes()))
}

/// A new set-up code for `kiosk` (`XXXX-XXXX`, 40 bits), replacing any earlier one.
pub async fn issue_setup_code(
    db: &Db,
    kiosk: KioskId,
    now: Timestamp,
) -> Result<String, StoreError> {
    let mut tx = db.begin_write().await?;
    let code = issue_in(&mut tx, kiosk, now).await?;
    tx.commit().await?;
    Ok(code)
}

/// `issue_setup_code` inside an open transaction.
pub(crate) async fn issue_in(
    conn: &mut AnyConnection,
    kiosk: KioskId,
    now: Timestamp,
) -> Result<String, StoreError> {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).map_err(|e| StoreError::Operator(format!("no randomness: {e}")))?;
    let chars: String = bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect();
    let code = format!("{}-{}", &chars[..4], &chars[4..]);
    let known = sqlx::query("SELECT id FROM kiosks WHERE id = $1 AND retired_at IS NULL")
        .bind(kiosk.0)
        .fetch_optional(&mut *conn)
        .await?;
    if known.is_none() {
        return Err(StoreError::NotFound("kiosk"));
    }
    sqlx::query("DELETE FROM kiosk_setup_codes WHERE kiosk_id = $1 OR expires_at <= $2")
        .bind(kiosk.0)
        .bind(secs(now))
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO kiosk_setup_codes (code_hash, kiosk_id, expires_at) VALUES ($1, $2, $3)",
    )
    .bind(code_hash(&code))
    .bind(kiosk.0)
    .bind(secs(now) + SETUP_CODE_HOURS * 3600)
    .execute(&mut *conn)
    .await?;
    Ok(code)
}

/// Exchanges a code for a new device key of its kiosk (the old key stops working).
/// The code is consumed by one conditional delete, so two kiosks racing with one code
/// cannot both win. `None` for a code that is unknown, used or expired.
pub async fn redeem_setup_code(
    db: &Db,
    code: &str,
    now: Timestamp,
) -> Result<Option<(KioskId, String)>, StoreError> {
    if normalise(code).len() != 8 {
        return Ok(None);
    }
    let mut tx = db.begin_write().await?;
    let row = sqlx::query(
        "DELETE FROM kiosk_setup_codes WHERE code_hash = $1 AND expires_at > $2 RETURNING kiosk_id",
    )
    .bind(code_hash(code))
    .bind(secs(now))
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let kiosk = KioskId(row.try_get("kiosk_id")?);
    let key = set_kiosk_key(&mut tx, kiosk).await?;
    tx.commit().await?;
    Ok(Some((kiosk, key)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_typed_however_people_type_it() {
        assert_eq!(code_hash("abcd-efgh"), code_hash(" ABCD EFGH "));
        assert_ne!(code_hash("ABCD-EFGH"), code_hash("ABCD-EFGJ"));
    }
}
