-- Email verification, password reset and sign-in lockout.
ALTER TABLE accounts ADD COLUMN email_verified_at BIGINT;
ALTER TABLE accounts ADD COLUMN failed_logins BIGINT NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN locked_until BIGINT;

-- Single-use links sent by email; only a hash of the secret is stored.
CREATE TABLE account_tokens (
    token_hash TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    purpose TEXT NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
