//! Per-address limits on actions worth abusing (sign-in, registration, password reset):
//! at most `limit` attempts per window from one IP address. In memory, per server; the
//! per-account lockout in the store holds across servers.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// (address, action) → (start of the current window, attempts in it).
type Windows = HashMap<(IpAddr, &'static str), (Instant, u32)>;

#[derive(Debug, Default)]
pub struct RateLimiter {
    windows: Mutex<Windows>,
}

impl RateLimiter {
    /// Counts an attempt; false if the address has used up its attempts for now.
    pub fn allow(&self, ip: IpAddr, action: &'static str, limit: u32, window: Duration) -> bool {
        let Ok(mut map) = self.windows.lock() else {
            return true;
        };
        let now = Instant::now();
        if map.len() > 100_000 {
            map.retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        let entry = map.entry((ip, action)).or_insert((now, 0));
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
}
