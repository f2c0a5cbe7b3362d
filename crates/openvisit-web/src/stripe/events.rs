//! Stripe's events, read into what the store applies. Only Checkout's outcomes matter
//! to a deposit; every other event type is acknowledged and left alone.

use openvisit_core::Cents;
use openvisit_store::payments::{PaymentEvent, PaymentNews};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Event {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    data: Data,
}

#[derive(Debug, Deserialize)]
struct Data {
    object: Object,
}

/// The Checkout Session the event is about.
#[derive(Debug, Deserialize)]
struct Object {
    id: Option<String>,
    client_reference_id: Option<String>,
    payment_status: Option<String>,
    amount_total: Option<i64>,
    currency: Option<String>,
    payment_intent: Option<String>,
}

/// What a verified event body says, if it is about a deposit: `Ok(None)` for events
/// that are not; `Err` for a body that is not an event at all.
pub fn read_event(body: &[u8]) -> Result<Option<PaymentEvent>, serde_json::Error> {
    let e: Event = serde_json::from_slice(body)?;
    let o = e.data.object;
    let news = match e.kind.as_str() {
        // With a delayed method (a bank debit) `completed` comes unpaid; the money is
        // confirmed by `async_payment_succeeded`.
        "checkout.session.completed" | "checkout.session.async_payment_succeeded"
            if o.payment_status.as_deref() == Some("paid") =>
        {
            // Funds are in dollars: a payment in any other currency is not this
            // deposit's amount, whatever its number.
            let amount = match o.currency.as_deref() {
                Some("usd") => o.amount_total.unwrap_or(0),
                _ => 0,
            };
            PaymentNews::Paid {
                amount: Cents(amount),
                provider_reference: o.payment_intent.or(o.id).unwrap_or_else(|| e.id.clone()),
            }
        }
        "checkout.session.expired" | "checkout.session.async_payment_failed" => PaymentNews::Failed,
        _ => return Ok(None),
    };
    let Some(reference) = o.client_reference_id else {
        return Ok(None);
    };
    Ok(Some(PaymentEvent {
        id: e.id,
        kind: e.kind,
        reference,
        news,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: &str, paid: &str, currency: &str) -> Vec<u8> {
        serde_json::json!({
            "id": "evt_1", "type": kind, "object": "event",
            "data": { "object": {
                "id": "cs_test_1", "object": "checkout.session",
                "client_reference_id": "deposit-7", "payment_status": paid,
                "amount_total": 2500, "currency": currency, "payment_intent": "pi_1"
            } }
        })
        .to_string()
        .into_bytes()
    }

    #[test]
    fn a_paid_checkout_is_a_payment_of_its_total_in_dollars() {
        let e = read_event(&event("checkout.session.completed", "paid", "usd"))
            .expect("event")
            .expect("about a deposit");
        assert_eq!(e.reference, "deposit-7");
        assert_eq!(
            e.news,
            PaymentNews::Paid {
                amount: Cents(2500),
                provider_reference: "pi_1".into()
            }
        );
        let eur = read_event(&event("checkout.session.completed", "paid", "eur"))
            .expect("event")
            .expect("about a deposit");
        assert!(matches!(
            eur.news,
            PaymentNews::Paid {
                amount: Cents(0),
                ..
            }
        ));
    }

    #[test]
    fn an_unpaid_completion_and_other_events_change_nothing_and_expiry_fails_it() {
        assert_eq!(
            read_event(&event("checkout.session.completed", "unpaid", "usd")).expect("event"),
            None
        );
        assert_eq!(
            read_event(&event("customer.created", "paid", "usd")).expect("event"),
            None
        );
        let expired = read_event(&event("checkout.session.expired", "unpaid", "usd"))
            .expect("event")
            .expect("about a deposit");
        assert_eq!(expired.news, PaymentNews::Failed);
        assert!(read_event(b"not json").is_err());
    }
}
