-- The facility's visiting rules (conduct, dress, what ends a visit), in English and
-- Spanish, which a visitor reads and accepts before booking there. A change to either
-- text is a new revision, to be accepted again; each acceptance is kept.
ALTER TABLE facilities ADD COLUMN visit_rules TEXT NOT NULL DEFAULT '';
ALTER TABLE facilities ADD COLUMN visit_rules_es TEXT NOT NULL DEFAULT '';
ALTER TABLE facilities ADD COLUMN rules_revision BIGINT NOT NULL DEFAULT 0;
CREATE TABLE rules_acceptances (
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    facility_id BIGINT NOT NULL REFERENCES facilities (id),
    revision BIGINT NOT NULL,
    accepted_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, facility_id, revision)
);
