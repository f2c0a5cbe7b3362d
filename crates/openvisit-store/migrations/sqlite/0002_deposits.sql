-- A deposit is recorded as pending before the payment provider is asked, so a charge
-- that succeeds while recording it fails is found again and reconciled, never lost.
CREATE TABLE deposits (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    idem_key TEXT,
    amount_cents BIGINT NOT NULL CHECK (amount_cents > 0),
    status TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'declined')),
    provider_reference TEXT,
    message TEXT NOT NULL,
    entry_id BIGINT REFERENCES ledger_entries(id),
    created_at BIGINT NOT NULL,
    UNIQUE (account_id, idem_key)
);
CREATE INDEX deposits_pending ON deposits (status, created_at);
