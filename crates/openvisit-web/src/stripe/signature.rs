//! Checking that an event came from Stripe: the `Stripe-Signature` header carries a
//! timestamp `t` and one or more `v1` HMAC-SHA256 signatures of `"{t}.{body}"` under the
//! endpoint's signing secret. An event signed longer ago than the tolerance is refused, so
//! a captured event cannot be replayed later.

use aws_lc_rs::hmac;
use jiff::Timestamp;

/// How far the signature's time may be from ours (Stripe's libraries use five minutes).
pub const TOLERANCE_SECONDS: i64 = 300;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the Stripe-Signature header is missing or malformed")]
    Malformed,
    #[error("no signature matches the payload")]
    Mismatch,
    #[error("the signature's time is outside the tolerance window")]
    OutsideWindow,
}

/// Whether `header` signs `payload` with `secret` at a time within the tolerance of `now`.
pub fn verify(
    payload: &[u8],
    header: &str,
    secret: &str,
    now: Timestamp,
) -> Result<(), SignatureError> {
    let mut at = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => at = v.parse::<i64>().ok(),
            Some(("v1", v)) => {
                signatures.push(hex::decode(v).map_err(|_| SignatureError::Malformed)?)
            }
            _ => {}
        }
    }
    let at = at.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let mut signed = at.to_string().into_bytes();
    signed.push(b'.');
    signed.extend_from_slice(payload);
    // Constant-time comparison, against each signature given (Stripe sends several while
    // a secret is being rolled).
    if !signatures
        .iter()
        .any(|sig| hmac::verify(&key, &signed, sig).is_ok())
    {
        return Err(SignatureError::Mismatch);
    }
    if (now.as_second() - at).abs() > TOLERANCE_SECONDS {
        return Err(SignatureError::OutsideWindow);
    }
    Ok(())
}

/// The header Stripe would send for `payload` at `at`: for tests and drills.
pub fn sign(payload: &[u8], secret: &str, at: Timestamp) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let mut signed = at.as_second().to_string().into_bytes();
    signed.push(b'.');
    signed.extend_from_slice(payload);
    let tag = hmac::sign(&key, &signed);
    format!("t={},v1={}", at.as_second(), hex::encode(tag.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test_secret";

    fn at(s: i64) -> Timestamp {
        Timestamp::from_second(s).expect("time")
    }

    #[test]
    fn a_signature_made_with_the_secret_within_the_window_is_accepted() {
        let body = br#"{"id":"evt_1"}"#;
        let header = sign(body, SECRET, at(1_800_000_000));
        assert_eq!(verify(body, &header, SECRET, at(1_800_000_100)), Ok(()));
        // Several v1 signatures (a secret being rolled): one matching is enough.
        let rolled = format!("{header},v1={}", "00".repeat(32));
        assert_eq!(verify(body, &rolled, SECRET, at(1_800_000_000)), Ok(()));
    }

    #[test]
    fn a_forged_or_altered_or_stale_event_is_refused() {
        let body = br#"{"id":"evt_1"}"#;
        let header = sign(body, SECRET, at(1_800_000_000));
        let now = at(1_800_000_010);
        assert_eq!(
            verify(
                body,
                &sign(body, "whsec_other", at(1_800_000_000)),
                SECRET,
                now
            ),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(br#"{"id":"evt_2"}"#, &header, SECRET, now),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(
                body,
                &header,
                SECRET,
                at(1_800_000_000 + TOLERANCE_SECONDS + 1)
            ),
            Err(SignatureError::OutsideWindow)
        );
        // The time is part of what is signed: moving it breaks the signature.
        let moved = header.replace("t=1800000000", "t=1800000005");
        assert_eq!(
            verify(body, &moved, SECRET, now),
            Err(SignatureError::Mismatch)
        );
        for bad in ["", "t=1800000000", "v1=abcd", "t=x,v1=zz"] {
            assert_eq!(
                verify(body, bad, SECRET, now),
                Err(SignatureError::Malformed),
                "{bad}"
            );
        }
    }
}
