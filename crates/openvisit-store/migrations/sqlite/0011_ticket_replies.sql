-- Answers staff send to contact-form questions (R7); the sender gets each by email.
CREATE TABLE ticket_replies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_reference TEXT NOT NULL REFERENCES tickets(reference),
    author_id BIGINT NOT NULL REFERENCES accounts(id),
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX ticket_replies_ticket ON ticket_replies (ticket_reference, id);
