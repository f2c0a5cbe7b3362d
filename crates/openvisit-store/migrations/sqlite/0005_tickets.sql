-- Questions sent through the contact form (R7); the sender gets the reference by email.
CREATE TABLE tickets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    reference TEXT NOT NULL UNIQUE,
    facility_id BIGINT REFERENCES facilities(id),
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    language TEXT NOT NULL,
    message TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'answered', 'closed')),
    created_at BIGINT NOT NULL
);
CREATE INDEX tickets_facility ON tickets (facility_id, created_at);
