//! Stripe as the payment provider: funds are added on Stripe Checkout's page, and the
//! balance is credited only from Stripe's signed event (`webhook`), never from the
//! family's return to the site. Configured by `serve --stripe-secret-key` and
//! `--stripe-webhook-secret`; without them the built-in test provider stays.
//!
//! Outbound calls (form-encoded, as Stripe's API takes them): `POST /v1/checkout/sessions`
//! with our deposit reference as `client_reference_id` and as the `Idempotency-Key`, so a
//! retried request makes one page; `GET /v1/checkout/sessions/{id}` when reconciling.

pub mod events;
pub mod signature;
pub mod webhook;

use std::sync::Arc;
use std::time::Duration;

use crate::clock::Clock;
use openvisit_core::{AccountId, Cents};
use openvisit_store::payments::{
    ChargeOutcome, ChargeState, PaymentError, PaymentProvider, PaymentReceipt,
};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// The API version the requests and the event parsing are written against.
pub const API_VERSION: &str = "2024-06-20";

/// How long a family has to pay on Stripe's page (Stripe allows 30 minutes to 24 hours).
const CHECKOUT_MINUTES: i64 = 60;

/// Stripe Checkout behind `PaymentProvider`.
pub struct StripeProvider {
    http: reqwest::Client,
    api_base: String,
    secret_key: SecretString,
    public_url: String,
    clock: Arc<Clock>,
}

impl std::fmt::Debug for StripeProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StripeProvider")
            .field("api_base", &self.api_base)
            .finish_non_exhaustive()
    }
}

/// A Checkout Session, as much of it as we read.
#[derive(Debug, Deserialize)]
struct Session {
    id: String,
    url: Option<String>,
    status: Option<String>,
    payment_status: Option<String>,
    payment_intent: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Debug, Deserialize)]
struct ErrorDetail {
    message: Option<String>,
}

impl StripeProvider {
    /// `api_base` is `https://api.stripe.com` (another address only for tests);
    /// `public_url` is where families come back to.
    pub fn new(
        api_base: &str,
        secret_key: SecretString,
        public_url: &str,
        clock: Arc<Clock>,
    ) -> Result<StripeProvider, reqwest::Error> {
        Ok(StripeProvider {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()?,
            api_base: api_base.trim_end_matches('/').to_owned(),
            secret_key,
            public_url: public_url.trim_end_matches('/').to_owned(),
            clock,
        })
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.api_base))
            .bearer_auth(self.secret_key.expose_secret())
            .header("Stripe-Version", API_VERSION)
    }

    async fn create_session(
        &self,
        visitor: AccountId,
        amount: Cents,
        reference: &str,
    ) -> Result<Session, PaymentError> {
        let expires = self.clock.now().as_second() + CHECKOUT_MINUTES * 60;
        let form: Vec<(&str, String)> = vec![
            ("mode", "payment".into()),
            ("client_reference_id", reference.into()),
            ("line_items[0][quantity]", "1".into()),
            ("line_items[0][price_data][currency]", "usd".into()),
            (
                "line_items[0][price_data][unit_amount]",
                amount.0.to_string(),
            ),
            (
                "line_items[0][price_data][product_data][name]",
                "Visit funds".into(),
            ),
            ("metadata[openvisit_deposit]", reference.into()),
            ("metadata[openvisit_visitor]", visitor.0.to_string()),
            (
                "payment_intent_data[metadata][openvisit_deposit]",
                reference.into(),
            ),
            ("expires_at", expires.to_string()),
            (
                "success_url",
                format!("{}/funds?payment=done", self.public_url),
            ),
            (
                "cancel_url",
                format!("{}/funds?payment=cancelled", self.public_url),
            ),
        ];
        let body = serde_urlencoded::to_string(&form).map_err(|_| PaymentError::Unavailable)?;
        let res = self
            .request(reqwest::Method::POST, "/v1/checkout/sessions")
            .header("Idempotency-Key", reference)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await;
        read(res).await
    }

    async fn session(&self, id: &str) -> Result<Session, PaymentError> {
        // Session ids are Stripe's (`cs_…`): letters, digits and underscores.
        if !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(PaymentError::Unavailable);
        }
        let res = self
            .request(reqwest::Method::GET, &format!("/v1/checkout/sessions/{id}"))
            .send()
            .await;
        read(res).await
    }
}

/// A Stripe answer: the object, or why not. A card problem (402) is the family's to
/// fix; anything else is ours or Stripe's, logged, and "try again later" to the family.
async fn read<T: serde::de::DeserializeOwned>(
    res: Result<reqwest::Response, reqwest::Error>,
) -> Result<T, PaymentError> {
    let res = res.map_err(|e| {
        tracing::error!(error = %e, "Stripe did not answer");
        PaymentError::Unavailable
    })?;
    let status = res.status();
    if status.is_success() {
        return res.json().await.map_err(|e| {
            tracing::error!(error = %e, "Stripe's answer could not be read");
            PaymentError::Unavailable
        });
    }
    let message = res
        .json::<ErrorBody>()
        .await
        .ok()
        .and_then(|b| b.error.message)
        .unwrap_or_default();
    if status.as_u16() == 402 {
        return Err(PaymentError::Declined(message));
    }
    tracing::error!(
        status = status.as_u16(),
        message,
        "Stripe refused a request"
    );
    Err(PaymentError::Unavailable)
}

impl PaymentProvider for StripeProvider {
    fn charge<'a>(
        &'a self,
        visitor: AccountId,
        amount: Cents,
        _payment_token: &'a str,
        reference: &'a str,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<ChargeOutcome, PaymentError>> + Send + 'a>,
    > {
        Box::pin(async move {
            let session = self.create_session(visitor, amount, reference).await?;
            let url = session.url.ok_or_else(|| {
                tracing::error!(session = session.id, "Stripe gave a session without a page");
                PaymentError::Unavailable
            })?;
            Ok(ChargeOutcome::Checkout {
                provider_reference: session.id,
                url,
            })
        })
    }

    fn lookup<'a>(
        &'a self,
        _reference: &'a str,
        provider_reference: Option<&'a str>,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<ChargeState, PaymentError>> + Send + 'a>,
    > {
        Box::pin(async move {
            // No session was recorded: no family was sent to pay.
            let Some(id) = provider_reference else {
                return Ok(ChargeState::NotCharged);
            };
            let s = self.session(id).await?;
            Ok(match (s.status.as_deref(), s.payment_status.as_deref()) {
                (_, Some("paid")) => ChargeState::Charged(PaymentReceipt {
                    provider_reference: s.payment_intent.unwrap_or(s.id),
                }),
                (Some("expired"), _) => ChargeState::NotCharged,
                _ => ChargeState::Open,
            })
        })
    }

    fn takes_card_itself(&self) -> bool {
        true
    }
}
