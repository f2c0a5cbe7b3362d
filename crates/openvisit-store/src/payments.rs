//! Adding funds. Card payments go through a `PaymentProvider`; the built-in
//! `TestProvider` approves small amounts and is used by the demo and the tests, since
//! no payment sandbox is reachable from these machines.
//!
//! A deposit is written as `pending` before the provider is asked, with its id as the
//! provider's idempotency reference. If the charge succeeds but recording it fails, the
//! pending row remains and `reconcile_deposits` asks the provider what happened, so the
//! visitor's money is credited once and only once.

use openvisit_core::message::Message;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;

use jiff::Timestamp;
use openvisit_core::interval::add_minutes;
use openvisit_core::ledger::JournalEntry;
use openvisit_core::{AccountId, Cents};
use sqlx::{AnyConnection, Row};

use crate::db::Db;
use crate::error::StoreError;
use crate::ledger::{EntryRows, post_entry, visitor_balance};
use crate::time::secs;

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

type PaymentFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, PaymentError>> + Send + 'a>>;

/// Something that can take a visitor's money.
pub trait PaymentProvider: Send + Sync {
    /// Charges `amount`. `reference` is ours and unique per deposit: a provider must
    /// charge at most once per reference.
    fn charge<'a>(
        &'a self,
        visitor: AccountId,
        amount: Cents,
        payment_token: &'a str,
        reference: &'a str,
    ) -> PaymentFuture<'a, PaymentReceipt>;

    /// What became of a charge with this reference: `None` if it never happened.
    fn lookup<'a>(&'a self, reference: &'a str) -> PaymentFuture<'a, Option<PaymentReceipt>>;
}

/// Approves any amount up to $500 unless the token is `decline`; remembers its charges.
#[derive(Debug, Default)]
pub struct TestProvider {
    charges: Mutex<HashMap<String, (Cents, PaymentReceipt)>>,
}

impl PaymentProvider for TestProvider {
    fn charge<'a>(
        &'a self,
        visitor: AccountId,
        amount: Cents,
        payment_token: &'a str,
        reference: &'a str,
    ) -> PaymentFuture<'a, PaymentReceipt> {
        Box::pin(async move {
            if payment_token == "decline" {
                return Err(PaymentError::Declined("the test card was declined".into()));
            }
            if amount.0 > 50_000 {
                return Err(PaymentError::Declined(
                    "the test provider accepts at most $500.00 at a time".into(),
                ));
            }
            let mut charges = self.charges.lock().map_err(|_| PaymentError::Unavailable)?;
            let (_, receipt) = charges.entry(reference.to_owned()).or_insert_with(|| {
                (
                    amount,
                    PaymentReceipt {
                        provider_reference: format!("test-{visitor}-{reference}"),
                    },
                )
            });
            Ok(receipt.clone())
        })
    }

    fn lookup<'a>(&'a self, reference: &'a str) -> PaymentFuture<'a, Option<PaymentReceipt>> {
        Box::pin(async move {
            let charges = self.charges.lock().map_err(|_| PaymentError::Unavailable)?;
            Ok(charges.get(reference).map(|(_, r)| r.clone()))
        })
    }
}

/// Smallest and largest single deposit.
pub const MIN_DEPOSIT: Cents = Cents(100);
pub const MAX_DEPOSIT: Cents = Cents(50_000);

fn reference(id: i64) -> String {
    format!("deposit-{id}")
}

/// The outcome of asking for a deposit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deposited {
    /// Credited now; the new balance.
    New(Cents),
    /// The same idempotency key was already credited; the balance now.
    Replayed(Cents),
}

/// Charges the provider and credits the visitor, at most once per idempotency key.
#[tracing::instrument(level = "debug", name = "db.deposit", skip_all, fields(visitor = visitor.0))]
pub async fn deposit(
    db: &Db,
    provider: &dyn PaymentProvider,
    visitor: AccountId,
    amount: Cents,
    payment_token: &str,
    key: Option<&str>,
    now: Timestamp,
) -> Result<Deposited, StoreError> {
    if amount < MIN_DEPOSIT || amount > MAX_DEPOSIT {
        return Err(StoreError::Invalid(
            Message::new("error-deposit-range")
                .with("least", MIN_DEPOSIT.to_string())
                .with("most", MAX_DEPOSIT.to_string()),
        ));
    }
    let mut tx = db.begin_write().await?;
    if let Some(key) = key {
        let row = sqlx::query(
            "SELECT amount_cents, status, message FROM deposits WHERE account_id = $1 AND idem_key = $2",
        )
        .bind(visitor.0)
        .bind(key)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = row {
            let status: String = row.try_get("status")?;
            if row.try_get::<i64, _>("amount_cents")? != amount.0 {
                return Err(StoreError::IdempotencyMismatch);
            }
            return match status.as_str() {
                "succeeded" => Ok(Deposited::Replayed(
                    visitor_balance(&mut tx, visitor).await?,
                )),
                "declined" => Err(StoreError::invalid("error-payment-declined")),
                _ => Err(StoreError::conflict("error-payment-pending")),
            };
        }
    }
    let id: i64 = sqlx::query(
        "INSERT INTO deposits (account_id, idem_key, amount_cents, status, message, created_at) \
         VALUES ($1, $2, $3, 'pending', '', $4) RETURNING id",
    )
    .bind(visitor.0)
    .bind(key)
    .bind(amount.0)
    .bind(secs(now))
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    tx.commit().await?;

    match provider
        .charge(visitor, amount, payment_token, &reference(id))
        .await
    {
        Ok(receipt) => {
            let mut tx = db.begin_write().await?;
            record_success(&mut tx, id, visitor, amount, &receipt, now).await?;
            let balance = visitor_balance(&mut tx, visitor).await?;
            tx.commit().await?;
            Ok(Deposited::New(balance))
        }
        Err(PaymentError::Declined(why)) => {
            let message = format!("the payment was declined: {why}");
            sqlx::query("UPDATE deposits SET status = 'declined', message = $1 WHERE id = $2")
                .bind(&message)
                .bind(id)
                .execute(&db.pool)
                .await?;
            Err(StoreError::invalid("error-payment-declined"))
        }
        // Left pending: reconciliation asks the provider later.
        Err(PaymentError::Unavailable) => Err(StoreError::conflict("error-payment-unavailable")),
    }
}

async fn record_success(
    conn: &mut AnyConnection,
    id: i64,
    visitor: AccountId,
    amount: Cents,
    receipt: &PaymentReceipt,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let changed = sqlx::query(
        "UPDATE deposits SET status = 'succeeded', provider_reference = $1 WHERE id = $2 AND status = 'pending'",
    )
    .bind(&receipt.provider_reference)
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if changed == 0 {
        return Ok(false);
    }
    let entry = JournalEntry::deposit(visitor, amount)?;
    // The provider's reference stays with the deposit row, never on a family's page.
    let entry_id = post_entry(conn, &EntryRows::new(entry, Some(visitor), None, now)).await?;
    sqlx::query("UPDATE deposits SET entry_id = $1 WHERE id = $2")
        .bind(entry_id)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(true)
}

/// What a reconciliation run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reconciled {
    pub credited: usize,
    pub not_charged: usize,
}

/// Settles deposits left pending for more than `older_than_minutes`: credited if the
/// provider charged them, closed as not charged otherwise.
pub async fn reconcile_deposits(
    db: &Db,
    provider: &dyn PaymentProvider,
    older_than_minutes: i64,
    now: Timestamp,
) -> Result<Reconciled, StoreError> {
    let rows = sqlx::query(
        "SELECT id, account_id, amount_cents FROM deposits WHERE status = 'pending' AND created_at <= $1",
    )
    .bind(secs(add_minutes(now, -older_than_minutes)))
    .fetch_all(&db.pool)
    .await?;
    let mut out = Reconciled::default();
    for r in rows {
        let id: i64 = r.try_get("id")?;
        let visitor = AccountId(r.try_get("account_id")?);
        let amount = Cents(r.try_get("amount_cents")?);
        let found = provider
            .lookup(&reference(id))
            .await
            .map_err(|e| StoreError::Operator(e.to_string()))?;
        let mut tx = db.begin_write().await?;
        match found {
            Some(receipt) => {
                if record_success(&mut tx, id, visitor, amount, &receipt, now).await? {
                    out.credited += 1;
                }
            }
            None => {
                sqlx::query(
                    "UPDATE deposits SET status = 'declined', message = 'the payment did not go through; nothing was charged' WHERE id = $1 AND status = 'pending'",
                )
                .bind(id)
                .execute(&mut *tx)
                .await?;
                out.not_charged += 1;
            }
        }
        tx.commit().await?;
    }
    Ok(out)
}
