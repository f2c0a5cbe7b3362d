//! What every request handler can reach.

use std::sync::Arc;

use metrics_exporter_prometheus::PrometheusHandle;
use openvisit_store::Db;
use openvisit_store::payments::PaymentProvider;

use crate::clock::Clock;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub payments: Arc<dyn PaymentProvider>,
    pub clock: Arc<Clock>,
    pub metrics: Option<PrometheusHandle>,
    /// Set the `Secure` flag on cookies (when served over HTTPS).
    pub secure_cookies: bool,
}
