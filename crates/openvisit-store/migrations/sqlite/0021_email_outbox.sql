-- Visit emails (booked, changed, cancelled, reminder) are written here in the same
-- transaction as the change they announce, and delivered from here with retries: a
-- process that dies after the commit loses no email, and a replayed request (an
-- Idempotency-Key retry) finds its email already queued. What happened is stored, not
-- the text: the email is written in the visitor's language when it is sent.
CREATE TABLE email_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    visit_id BIGINT NOT NULL REFERENCES visits(id),
    news TEXT NOT NULL CHECK (news IN ('booked', 'changed', 'cancelled', 'reminder')),
    -- The visit as announced: its calendar sequence and its times, in seconds.
    sequence BIGINT NOT NULL,
    start_at BIGINT NOT NULL,
    end_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    -- pending until delivered (sent); dead after the last attempt failed, for staff to see.
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'dead')),
    attempts BIGINT NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    -- When a sender may take it next: now when queued, later after a failure, and a
    -- lease while one sender delivers it (if that sender dies, another takes it then).
    next_attempt_at BIGINT NOT NULL,
    last_error TEXT,
    sent_at BIGINT
);
CREATE INDEX email_outbox_due ON email_outbox (state, next_attempt_at);
CREATE INDEX email_outbox_visit ON email_outbox (visit_id);
