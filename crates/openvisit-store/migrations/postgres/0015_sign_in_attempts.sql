-- Sign-in attempts per address, whether or not an account has it, so an unknown address
-- locks exactly like a known one (the answer never tells which). An attempt is counted
-- before its password is checked, in one statement, so concurrent attempts cannot check
-- more than the limit.
CREATE TABLE sign_in_attempts (
    email TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    locked_until BIGINT
);
