//! Adding funds. Card payments go through a `PaymentProvider`; the built-in
//! `TestProvider` approves small amounts and is used by the demo and the tests. A
//! provider that takes the card on its own page (Stripe Checkout, in the web crate)
//! answers `ChargeOutcome::Checkout`: the family is sent there, and the deposit is
//! credited only by the provider's signed event (`credit_from_event`), once per event
//! and once per deposit, whatever order the events come in.
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

/// What asking for a charge gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChargeOutcome {
    /// Charged now.
    Charged(PaymentReceipt),
    /// The family pays on the provider's page at `url`; the provider's event says when.
    Checkout {
        provider_reference: String,
        url: String,
    },
}

/// What the provider knows of a deposit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChargeState {
    Charged(PaymentReceipt),
    /// Never charged, and it will not be (declined, expired, never started).
    NotCharged,
    /// The family may still pay (the provider's page is open).
    Open,
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
    ) -> PaymentFuture<'a, ChargeOutcome>;

    /// What became of the charge with our `reference` (and the provider's, when it gave
    /// one).
    fn lookup<'a>(
        &'a self,
        reference: &'a str,
        provider_reference: Option<&'a str>,
    ) -> PaymentFuture<'a, ChargeState>;

    /// Whether the card is taken on the provider's own page (no card field here).
    fn takes_card_itself(&self) -> bool {
        false
    }
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
    ) -> PaymentFuture<'a, ChargeOutcome> {
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
            Ok(ChargeOutcome::Charged(receipt.clone()))
        })
    }

    fn lookup<'a>(
        &'a self,
        reference: &'a str,
        _provider_reference: Option<&'a str>,
    ) -> PaymentFuture<'a, ChargeState> {
        Box::pin(async move {
            let charges = self.charges.lock().map_err(|_| PaymentError::Unavailable)?;
            Ok(match charges.get(reference) {
                Some((_, r)) => ChargeState::Charged(r.clone()),
                None => ChargeState::NotCharged,
            })
        })
    }
}

/// Smallest and largest single deposit.
pub const MIN_DEPOSIT: Cents = Cents(100);
pub const MAX_DEPOSIT: Cents = Cents(50_000);

/// Our reference for a deposit, as providers carry it (Stripe's `client_reference_id`).
pub fn reference(id: i64) -> String {
    format!("deposit-{id}")
}

/// The deposit a reference names.
pub fn deposit_of_reference(reference: &str) -> Option<i64> {
    reference.strip_prefix("deposit-")?.parse().ok()
}

/// The outcome of asking for a deposit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deposited {
    /// Credited now; the new balance.
    New(Cents),
    /// The same idempotency key was already credited; the balance now.
    Replayed(Cents),
    /// The family pays on the provider's page (the same page again for a retry with
    /// the same key); the balance is credited when the provider confirms.
    Checkout { url: String },
}

/// What an earlier deposit under the same key came to, if there was one: the balance
/// if it was credited, the same page if the family is still to pay; refused if it was
/// declined, is still being charged, or was for another amount.
async fn replay(
    conn: &mut AnyConnection,
    visitor: AccountId,
    key: &str,
    amount: Cents,
) -> Result<Option<Deposited>, StoreError> {
    let row = sqlx::query(
        "SELECT amount_cents, status, message, checkout_url FROM deposits WHERE account_id = $1 AND idem_key = $2",
    )
    .bind(visitor.0)
    .bind(key)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let status: String = row.try_get("status")?;
    if row.try_get::<i64, _>("amount_cents")? != amount.0 {
        return Err(StoreError::IdempotencyMismatch);
    }
    match status.as_str() {
        "succeeded" => Ok(Some(Deposited::Replayed(
            visitor_balance(conn, visitor).await?,
        ))),
        "declined" => Err(StoreError::invalid("error-payment-declined")),
        _ => match row.try_get::<Option<String>, _>("checkout_url")? {
            Some(url) => Ok(Some(Deposited::Checkout { url })),
            None => Err(StoreError::conflict("error-payment-pending")),
        },
    }
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
    if let Some(key) = key
        && let Some(earlier) = replay(&mut tx, visitor, key, amount).await?
    {
        return Ok(earlier);
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
        Ok(ChargeOutcome::Checkout {
            provider_reference,
            url,
        }) => {
            sqlx::query(
                "UPDATE deposits SET provider_reference = $1, checkout_url = $2 WHERE id = $3",
            )
            .bind(&provider_reference)
            .bind(&url)
            .bind(id)
            .execute(&db.pool)
            .await?;
            Ok(Deposited::Checkout { url })
        }
        Ok(ChargeOutcome::Charged(receipt)) => {
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
    // From `declined` too: reconciliation may have given up on a payment the provider
    // then confirms; the money arrived, so it is credited (once: never from `succeeded`).
    let changed = sqlx::query(
        "UPDATE deposits SET status = 'succeeded', provider_reference = $1 WHERE id = $2 AND status IN ('pending', 'declined')",
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
        "SELECT id, account_id, amount_cents, provider_reference FROM deposits WHERE status = 'pending' AND created_at <= $1",
    )
    .bind(secs(add_minutes(now, -older_than_minutes)))
    .fetch_all(&db.pool)
    .await?;
    let mut out = Reconciled::default();
    for r in rows {
        let id: i64 = r.try_get("id")?;
        let visitor = AccountId(r.try_get("account_id")?);
        let amount = Cents(r.try_get("amount_cents")?);
        let provider_reference: Option<String> = r.try_get("provider_reference")?;
        let found = provider
            .lookup(&reference(id), provider_reference.as_deref())
            .await
            .map_err(|e| StoreError::Operator(e.to_string()))?;
        let mut tx = db.begin_write().await?;
        match found {
            ChargeState::Open => {}
            ChargeState::Charged(receipt) => {
                if record_success(&mut tx, id, visitor, amount, &receipt, now).await? {
                    out.credited += 1;
                }
            }
            ChargeState::NotCharged => {
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

/// A payment provider's event about a deposit, already verified as the provider's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentEvent {
    /// The provider's id for the event: the same event delivered twice has the same id.
    pub id: String,
    /// The provider's name for what happened (kept for the record).
    pub kind: String,
    /// Our reference (`deposit-N`).
    pub reference: String,
    pub news: PaymentNews,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentNews {
    /// The family paid `amount`; `provider_reference` names the payment.
    Paid {
        amount: Cents,
        provider_reference: String,
    },
    /// The payment will not happen (the page expired, the payment failed).
    Failed,
}

/// What an event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventOutcome {
    Credited,
    /// Already credited (or already closed): nothing changed.
    AlreadySettled,
    Declined,
    /// The amount paid is not the deposit's: not credited, for staff to look at.
    AmountMismatch,
    UnknownDeposit,
    /// This event was handled before.
    Duplicate,
}

impl EventOutcome {
    fn as_str(self) -> &'static str {
        match self {
            EventOutcome::Credited => "credited",
            EventOutcome::AlreadySettled => "already_settled",
            EventOutcome::Declined => "declined",
            EventOutcome::AmountMismatch => "amount_mismatch",
            EventOutcome::UnknownDeposit => "unknown_deposit",
            EventOutcome::Duplicate => "duplicate",
        }
    }
}

/// Applies a verified provider event, in one transaction with the record of the event:
/// each event id counts once, and a deposit is credited at most once whatever the order
/// (a payment confirmed after reconciliation gave up on it is still credited; a failure
/// after a credit changes nothing).
#[tracing::instrument(level = "debug", name = "db.payment_event", skip_all, fields(event = %event.id))]
pub async fn credit_from_event(
    db: &Db,
    event: &PaymentEvent,
    now: Timestamp,
) -> Result<EventOutcome, StoreError> {
    match apply_event(db, event, now).await {
        // The same event, delivered twice at once: the other delivery committed it.
        Err(e) if e.is_unique_violation() => Ok(EventOutcome::Duplicate),
        other => other,
    }
}

async fn apply_event(
    db: &Db,
    event: &PaymentEvent,
    now: Timestamp,
) -> Result<EventOutcome, StoreError> {
    let mut tx = db.begin_write().await?;
    let seen = sqlx::query("SELECT outcome FROM payment_events WHERE event_id = $1")
        .bind(&event.id)
        .fetch_optional(&mut *tx)
        .await?;
    if seen.is_some() {
        return Ok(EventOutcome::Duplicate);
    }
    let deposit = match deposit_of_reference(&event.reference) {
        Some(id) => sqlx::query("SELECT account_id, amount_cents FROM deposits WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| -> Result<_, StoreError> {
                Ok((
                    id,
                    AccountId(r.try_get("account_id")?),
                    Cents(r.try_get("amount_cents")?),
                ))
            })
            .transpose()?,
        None => None,
    };
    let outcome = match (&deposit, &event.news) {
        (None, _) => EventOutcome::UnknownDeposit,
        (
            Some((id, visitor, amount)),
            PaymentNews::Paid {
                amount: paid,
                provider_reference,
            },
        ) => {
            if paid != amount {
                tracing::error!(deposit = id, expected = %amount, paid = %paid, "a payment's amount is not its deposit's: not credited");
                EventOutcome::AmountMismatch
            } else {
                let receipt = PaymentReceipt {
                    provider_reference: provider_reference.clone(),
                };
                if record_success(&mut tx, *id, *visitor, *amount, &receipt, now).await? {
                    EventOutcome::Credited
                } else {
                    EventOutcome::AlreadySettled
                }
            }
        }
        (Some((id, _, _)), PaymentNews::Failed) => {
            let changed = sqlx::query(
                "UPDATE deposits SET status = 'declined', message = 'the payment did not go through; nothing was charged' WHERE id = $1 AND status = 'pending'",
            )
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if changed == 1 {
                EventOutcome::Declined
            } else {
                EventOutcome::AlreadySettled
            }
        }
    };
    sqlx::query(
        "INSERT INTO payment_events (event_id, event_type, deposit_id, outcome, received_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&event.id)
    .bind(&event.kind)
    .bind(deposit.map(|d| d.0))
    .bind(outcome.as_str())
    .bind(secs(now))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(outcome)
}
