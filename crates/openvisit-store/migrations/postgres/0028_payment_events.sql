-- A payment provider that takes the card on its own page (Stripe Checkout) answers a
-- deposit with a page to send the family to, and confirms the payment later by a
-- signed event. The page is kept so a retry with the same key gets the same page; each
-- event is kept once by its id, so an event delivered twice credits once.
ALTER TABLE deposits ADD COLUMN checkout_url TEXT;

CREATE TABLE payment_events (
    event_id TEXT PRIMARY KEY,
    event_type TEXT NOT NULL,
    deposit_id BIGINT REFERENCES deposits(id),
    -- What the event did: credited, already_settled, declined, amount_mismatch, unknown_deposit, ignored.
    outcome TEXT NOT NULL,
    received_at BIGINT NOT NULL
);
CREATE INDEX payment_events_deposit ON payment_events (deposit_id);
