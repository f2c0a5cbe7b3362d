//! What every request handler can reach.

use std::sync::Arc;

use metrics_exporter_prometheus::PrometheusHandle;
use openvisit_store::Db;
use openvisit_store::payments::PaymentProvider;

use crate::clock::Clock;
use crate::mail::Mailer;
use crate::rate_limit::RateLimiter;

#[derive(Clone)]
pub struct AppState {
    pub mailer: Arc<dyn Mailer>,
    /// Where emails are kept when no mail server is set (listed at /dev/outbox).
    pub outbox: Option<crate::mail::DevOutbox>,
    /// The address people reach this server at, for links in emails.
    pub public_url: String,
    pub limiter: Arc<RateLimiter>,
    /// Sign-in and registration attempts allowed per address per minute.
    pub attempts_per_minute: u32,
    pub db: Db,
    pub payments: Arc<dyn PaymentProvider>,
    pub clock: Arc<Clock>,
    pub metrics: Option<PrometheusHandle>,
    /// The bearer token that reads /metrics; `None` turns the page off.
    pub metrics_token: Option<String>,
    /// Live video: `None` when the media server is not running.
    pub live: Option<Arc<crate::live::LiveHub>>,
    /// Set the `Secure` flag on cookies (when served over HTTPS).
    pub secure_cookies: bool,
    /// The signing secret Stripe's events are checked with; `None` when Stripe is not
    /// the payment provider (the webhook route then answers 404).
    pub stripe_webhook_secret: Option<Arc<secrecy::SecretString>>,
}
