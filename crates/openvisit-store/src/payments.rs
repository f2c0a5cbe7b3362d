//! Adding funds. Card payments go through a `PaymentProvider`; the built-in
//! `TestProvider` approves small amounts and is used by the demo and the tests, since
//! no payment sandbox is reachable from these machines.

use std::future::Future;
use std::pin::Pin;

use jiff::Timestamp;
use openvisit_core::ledger::JournalEntry;
use openvisit_core::{AccountId, Cents};

use crate::db::Db;
use crate::error::StoreError;
use crate::ledger::post_entry;

/// A payment the provider accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentReceipt {
    pub provider_reference: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentError {
    #[error("the payment was declined: {0}")]
    Declined(String),
    #[error("the payment service is not answering; nothing was charged, try again later")]
    Unavailable,
}

/// Something that can take a visitor's money.
pub trait PaymentProvider: Send + Sync {
    fn charge<'a>(
        &'a self,
        visitor: AccountId,
        amount: Cents,
        payment_token: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<PaymentReceipt, PaymentError>> + Send + 'a>>;
}

/// Approves any amount up to $500 unless the token is `decline`.
#[derive(Debug, Default)]
pub struct TestProvider;

impl PaymentProvider for TestProvider {
    fn charge<'a>(
        &'a self,
        visitor: AccountId,
        amount: Cents,
        payment_token: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<PaymentReceipt, PaymentError>> + Send + 'a>> {
        Box::pin(async move {
            if payment_token == "decline" {
                return Err(PaymentError::Declined("the test card was declined".into()));
            }
            if amount.0 > 50_000 {
                return Err(PaymentError::Declined(
                    "the test provider accepts at most $500.00 at a time".into(),
                ));
            }
            Ok(PaymentReceipt {
                provider_reference: format!("test-{visitor}-{}", amount.0),
            })
        })
    }
}

/// Smallest and largest single deposit.
pub const MIN_DEPOSIT: Cents = Cents(100);
pub const MAX_DEPOSIT: Cents = Cents(50_000);

/// Charges the provider, then records the deposit.
pub async fn deposit(
    db: &Db,
    provider: &dyn PaymentProvider,
    visitor: AccountId,
    amount: Cents,
    payment_token: &str,
    now: Timestamp,
) -> Result<Cents, StoreError> {
    if amount < MIN_DEPOSIT || amount > MAX_DEPOSIT {
        return Err(StoreError::Invalid(format!(
            "add between {MIN_DEPOSIT} and {MAX_DEPOSIT} at a time"
        )));
    }
    let receipt = provider
        .charge(visitor, amount, payment_token)
        .await
        .map_err(|e| StoreError::Invalid(e.to_string()))?;
    let mut tx = db.begin_write().await?;
    let entry = JournalEntry::deposit(visitor, amount)?;
    let memo = format!("Funds added ({})", receipt.provider_reference);
    post_entry(&mut tx, &entry, Some(visitor), None, &memo, now).await?;
    let balance = crate::ledger::visitor_balance(&mut tx, visitor).await?;
    tx.commit().await?;
    Ok(balance)
}
