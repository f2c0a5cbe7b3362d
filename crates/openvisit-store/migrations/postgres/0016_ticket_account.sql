-- The account that sent a question, only when it was signed in: an address typed into
-- the contact form proves nothing, so an anonymous question is never shown beside
-- anyone's visits and money (security finding 11).
ALTER TABLE tickets ADD COLUMN account_id BIGINT REFERENCES accounts(id);
