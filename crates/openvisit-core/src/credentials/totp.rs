//! Time-based one-time codes (RFC 6238: SHA-1, 6 digits, 30-second steps, one step of
//! clock skew either way), the second factor staff sign in with.

use jiff::Timestamp;
use totp_rs::{Algorithm, Builder, Secret, Totp};

use super::CredentialError;

/// A fresh secret, base32 as authenticator apps take it.
pub fn new_secret() -> Result<String, CredentialError> {
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes).map_err(|e| CredentialError::NoRandomness(e.to_string()))?;
    Ok(Secret::from(bytes).to_base32())
}

fn totp(secret_b32: &str) -> Option<Totp> {
    let secret = Secret::try_from_base32(secret_b32).ok()?;
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(30)
        .with_secret(secret)
        .build()
        .ok()
}

fn unix(now: Timestamp) -> u64 {
    u64::try_from(now.as_second()).unwrap_or(0)
}

/// The time step a code is valid for, if it is valid at `now`.
pub fn check(secret_b32: &str, code: &str, now: Timestamp) -> Option<u64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    totp(secret_b32)?.check(&code, unix(now))
}

/// The code at `now` (for the demo's start-up message and tests).
pub fn code_at(secret_b32: &str, now: Timestamp) -> Option<String> {
    Some(totp(secret_b32)?.generate(unix(now)).to_string())
}

/// The link authenticator apps read (usually from a QR code).
pub fn otpauth_uri(secret_b32: &str, email: &str) -> String {
    let label: String = email
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_@".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "otpauth://totp/OpenVisit:{label}?secret={secret_b32}&issuer=OpenVisit&digits=6&period=30"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_works_in_its_step_and_the_next_but_not_later() {
        let secret = new_secret().expect("secret");
        let t0 = Timestamp::from_second(1_800_000_000).expect("time");
        let code = code_at(&secret, t0).expect("code");
        assert_eq!(code.len(), 6);
        assert!(check(&secret, &code, t0).is_some());
        assert!(
            check(
                &secret,
                &code,
                Timestamp::from_second(1_800_000_030).expect("t")
            )
            .is_some()
        );
        assert!(
            check(
                &secret,
                &code,
                Timestamp::from_second(1_800_000_095).expect("t")
            )
            .is_none()
        );
        assert!(check(&secret, "000000x", t0).is_none());
        let other = new_secret().expect("secret");
        assert!(check(&other, &code, t0).is_none() || code_at(&other, t0) == Some(code));
    }

    #[test]
    fn rfc_6238_test_vector() {
        // RFC 6238 appendix B, SHA-1, T = 59 s: 94287082 (8 digits); 6 digits: 287082.
        let secret = Secret::from(b"12345678901234567890".to_vec()).to_base32();
        let at = Timestamp::from_second(59).expect("t");
        assert_eq!(code_at(&secret, at).as_deref(), Some("287082"));
    }
}
