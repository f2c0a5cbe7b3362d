//! Lobby codes: an on-site visitor checks in at a lobby kiosk with the 8-character
//! code of their booking. Codes use Crockford's base 32 (no I, L, O or U), are
//! unique per facility among visits, and are read without regard to case, dashes,
//! spaces, or an O typed for a 0 and an I or L typed for a 1.

use jiff::Timestamp;
use openvisit_core::FacilityId;
use sqlx::AnyConnection;

use crate::db::Db;
use crate::error::StoreError;
use crate::time::secs;
use crate::visits::{Visit, visit_from_row};

/// Crockford's base 32: 32 symbols, so a random byte maps to one without bias.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
pub const LOBBY_CODE_LEN: usize = 8;

fn new_lobby_code() -> Result<String, StoreError> {
    let mut bytes = [0u8; LOBBY_CODE_LEN];
    getrandom::fill(&mut bytes).map_err(|e| StoreError::Operator(format!("no randomness: {e}")))?;
    Ok(bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(b % 32)]))
        .collect())
}

/// A code as typed, in its stored form; `None` if it cannot be a lobby code.
pub fn normalize_lobby_code(typed: &str) -> Option<String> {
    let mut out = String::with_capacity(LOBBY_CODE_LEN);
    for c in typed.chars() {
        let c = match c.to_ascii_uppercase() {
            ' ' | '-' => continue,
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        };
        if !c.is_ascii() || !ALPHABET.contains(&(c as u8)) {
            return None;
        }
        out.push(c);
    }
    (out.len() == LOBBY_CODE_LEN).then_some(out)
}

/// A fresh code no visit of the facility has. Inside the booking transaction: on
/// SQLite it holds the write lock, so the check is final; on PostgreSQL two racing
/// bookings would have to draw the same one of 32^8 codes, and the unique index
/// would still refuse the second.
pub(crate) async fn unused_lobby_code(
    conn: &mut AnyConnection,
    facility: FacilityId,
) -> Result<String, StoreError> {
    for _ in 0..8 {
        let code = new_lobby_code()?;
        let taken =
            sqlx::query("SELECT 1 AS one FROM visits WHERE facility_id = $1 AND lobby_code = $2")
                .bind(facility.0)
                .bind(&code)
                .fetch_optional(&mut *conn)
                .await?
                .is_some();
        if !taken {
            return Ok(code);
        }
    }
    Err(StoreError::conflict("error-try-again"))
}

/// The booked on-site visit of `facility` with this code that has not ended by `now`.
pub async fn visit_by_lobby_code(
    db: &Db,
    facility: FacilityId,
    code: &str,
    now: Timestamp,
) -> Result<Option<Visit>, StoreError> {
    let Some(code) = normalize_lobby_code(code) else {
        return Ok(None);
    };
    let row = sqlx::query(
        "SELECT * FROM visits WHERE facility_id = $1 AND lobby_code = $2 AND status = 'booked' \
         AND kind = 'on_site' AND end_at > $3",
    )
    .bind(facility.0)
    .bind(code)
    .bind(secs(now))
    .fetch_optional(&db.pool)
    .await?;
    row.as_ref().map(visit_from_row).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_eight_unambiguous_symbols_and_read_forgivingly() {
        for _ in 0..50 {
            let code = new_lobby_code().expect("code");
            assert_eq!(code.len(), LOBBY_CODE_LEN);
            assert!(!code.contains(['I', 'L', 'O', 'U']), "{code}");
            assert_eq!(normalize_lobby_code(&code.to_lowercase()), Some(code));
        }
        assert_eq!(
            normalize_lobby_code("ab1o-k 9zz").as_deref(),
            Some("AB10K9ZZ")
        );
        assert_eq!(
            normalize_lobby_code("abl0k9zz").as_deref(),
            Some("AB10K9ZZ")
        );
        assert_eq!(normalize_lobby_code("AB10K9Z"), None, "too short");
        assert_eq!(normalize_lobby_code("AB10K9ZU"), None, "U is not a symbol");
        assert_eq!(normalize_lobby_code("AB10K9Zé"), None);
    }
}
