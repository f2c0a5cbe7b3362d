-- Staff sign in with a second factor (TOTP, RFC 6238): the shared secret in base32, and
-- the last time step accepted so a code works once. Staff sessions end after 30 idle
-- minutes: when each session was last used.
ALTER TABLE accounts ADD COLUMN totp_secret TEXT;
ALTER TABLE accounts ADD COLUMN totp_last_step BIGINT;
ALTER TABLE sessions ADD COLUMN last_seen BIGINT;
