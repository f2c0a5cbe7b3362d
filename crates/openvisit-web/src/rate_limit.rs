//! Limits on actions worth abusing (sign-in, registration, password reset, mail from the
//! contact form): at most `limit` attempts at once from one IP address, or to one
//! recipient, then one more every `window / limit` (`governor`). In memory, per server;
//! the per-account lockout in the store holds across servers.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use governor::{DefaultKeyedRateLimiter, Quota};

/// Who an attempt is counted against.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Subject {
    Address(IpAddr),
    /// An email address mail is sent to (lower case).
    Recipient(String),
}

/// One limiter per action and quota: `governor`'s keyed GCRA limiter, which lets
/// `limit` attempts through at once and then one every `window / limit`.
type Limiters = HashMap<(&'static str, u32, Duration), Arc<DefaultKeyedRateLimiter<Subject>>>;

#[derive(Debug, Default)]
pub struct RateLimiter {
    limiters: Mutex<Limiters>,
}

impl RateLimiter {
    /// Counts an attempt; false if the address has used up its attempts for now.
    pub fn allow(&self, ip: IpAddr, action: &'static str, limit: u32, window: Duration) -> bool {
        self.count(&Subject::Address(ip), action, limit, window)
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
            &Subject::Recipient(email.trim().to_lowercase()),
            action,
            limit,
            window,
        )
    }

    fn count(&self, subject: &Subject, action: &'static str, limit: u32, window: Duration) -> bool {
        let limiter = {
            // A panic while the registry was locked leaves limiters that still count:
            // keep limiting (failing open would let a guesser through).
            let mut map = self
                .limiters
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            map.entry((action, limit, window))
                .or_insert_with(|| Arc::new(DefaultKeyedRateLimiter::keyed(quota(limit, window))))
                .clone()
        };
        let allowed = limiter.check_key(subject).is_ok();
        if limiter.len() > 100_000 {
            limiter.retain_recent();
        }
        allowed
    }
}

/// `limit` at once, then one more every `window / limit`.
fn quota(limit: u32, window: Duration) -> Quota {
    let burst = NonZeroU32::new(limit).unwrap_or(NonZeroU32::MIN);
    let period = window / burst.get();
    Quota::with_period(period)
        .unwrap_or_else(|| Quota::per_hour(NonZeroU32::MIN))
        .allow_burst(burst)
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
            let _guard = held.limiters.lock();
            panic!("a panic while the lock is held poisons it");
        })
        .join();
        assert!(r.limiters.is_poisoned());
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
