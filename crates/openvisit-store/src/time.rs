//! Instants are stored as Unix seconds.

use jiff::Timestamp;

use crate::error::StoreError;

pub fn secs(ts: Timestamp) -> i64 {
    ts.as_second()
}

pub fn from_secs(s: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_second(s).map_err(|_| StoreError::Corrupt(format!("instant {s}")))
}
