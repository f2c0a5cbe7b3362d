//! Limits on actions worth abusing (sign-in, registration, password reset, mail from the
//! contact form): at most `limit` attempts per window from one IP address, or to one
//! recipient. In memory, per server; the per-account lockout in the store holds across
//! servers.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Who an attempt is counted against.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Subject {
    Address(IpAddr),
    /// An email address mail is sent to (lower case).
    Recipient(String),
}

/// (subject, action) → (start of the current window, attempts in it).
type Windows = HashMap<(Subject, &'static str), (Instant, u32)>;

#[derive(Debug, Default)]
pub struct RateLimiter {
    windows: Mutex<Windows>,
}

impl RateLimiter {
    /// Counts an attempt; false if the address has used up its attempts for now.
    pub fn allow(&self, ip: IpAddr, action: &'static str, limit: u32, window: Duration) -> bool {
        self.count(Subject::Address(ip), action, limit, window)
    }

    /// Counts a message to `email`; false if that recipient has had enough for now, so
    /// a form cannot be used to flood someone's mailbox from many addresses.
    pub fn allow_mail_to(
        &self,
        email: &str,
        action: &'static str,
        limit: u32,
        window: Duration,
    ) -> bool {
        self.count(
            Subject::Recipient(email.trim().to_lowercase()),
            action,
            limit,
            window,
        )
    }

    fn count(&self, subject: Subject, action: &'static str, limit: u32, window: Duration) -> bool {
        // A panic while the lock was held leaves counts that are still counts: keep
        // limiting (failing open would let a guesser through).
        let mut map = self
            .windows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
        if map.len() > 100_000 {
            map.retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        let entry = map.entry((subject, action)).or_insert((now, 0));
        if now.duration_since(entry.0) >= window {
            *entry = (now, 0);
        }
        entry.1 += 1;
        entry.1 <= limit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_up_to_the_limit_per_address_and_action() {
        let r = RateLimiter::default();
        let a: IpAddr = "10.0.0.1".parse().expect("ip");
        let b: IpAddr = "10.0.0.2".parse().expect("ip");
        let w = Duration::from_secs(60);
        assert!((0..3).all(|_| r.allow(a, "sign-in", 3, w)));
        assert!(!r.allow(a, "sign-in", 3, w));
        assert!(r.allow(b, "sign-in", 3, w), "another address");
        assert!(r.allow(a, "register", 3, w), "another action");
    }

    #[test]
    fn a_panic_while_counting_does_not_open_the_gate() {
        let r = std::sync::Arc::new(RateLimiter::default());
        let a: IpAddr = "10.0.0.1".parse().expect("ip");
        let w = Duration::from_secs(60);
        assert!((0..3).all(|_| r.allow(a, "sign-in", 3, w)));
        let held = r.clone();
        let _ = std::thread::spawn(move || {
            let _guard = held.windows.lock();
            panic!("a panic while the lock is held poisons it");
        })
        .join();
        assert!(r.windows.is_poisoned());
        assert!(
            !r.allow(a, "sign-in", 3, w),
            "still limited after the panic"
        );
    }

    #[test]
    fn counts_mail_per_recipient_whatever_the_case() {
        let r = RateLimiter::default();
        let w = Duration::from_secs(60);
        assert!(r.allow_mail_to("Sam@Example.org", "contact", 2, w));
        assert!(r.allow_mail_to("sam@example.org ", "contact", 2, w));
        assert!(!r.allow_mail_to("sam@example.org", "contact", 2, w));
        assert!(r.allow_mail_to("alex@example.org", "contact", 2, w));
    }
}
