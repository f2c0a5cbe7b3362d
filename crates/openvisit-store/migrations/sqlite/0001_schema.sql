-- Shared schema; INTEGER PRIMARY KEY AUTOINCREMENT is the backend's auto-increment primary key.
-- Instants are Unix seconds (UTC) in BIGINT columns, money is integer cents, so the
-- same queries run on SQLite, PostgreSQL and Postgres-wire distributed SQL.

CREATE TABLE facilities (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    city TEXT NOT NULL,
    state TEXT NOT NULL,
    address TEXT NOT NULL,
    phone TEXT NOT NULL,
    email TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    facility_type TEXT NOT NULL CHECK (facility_type IN ('prison', 'jail')),
    population BIGINT NOT NULL CHECK (population >= 0),
    offers_remote BIGINT NOT NULL,
    offers_on_site BIGINT NOT NULL,
    on_site_note TEXT NOT NULL,
    pricing_mode TEXT NOT NULL CHECK (pricing_mode IN ('free', 'block', 'per_minute')),
    increment_minutes BIGINT NOT NULL CHECK (increment_minutes IN (15, 30)),
    fee_cents BIGINT NOT NULL CHECK (fee_cents >= 0),
    allowed_lengths TEXT NOT NULL,
    slot_grid_minutes BIGINT NOT NULL,
    min_notice_minutes BIGINT NOT NULL,
    max_days_ahead BIGINT NOT NULL,
    cancel_notice_minutes BIGINT NOT NULL,
    weekly_limit BIGINT NOT NULL,
    kiosk_gap_minutes BIGINT NOT NULL
);

CREATE TABLE blackouts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    facility_id BIGINT NOT NULL REFERENCES facilities(id),
    start_at BIGINT NOT NULL,
    end_at BIGINT NOT NULL,
    reason TEXT NOT NULL,
    CHECK (start_at < end_at)
);

CREATE TABLE housing_units (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    facility_id BIGINT NOT NULL REFERENCES facilities(id),
    name TEXT NOT NULL,
    UNIQUE (facility_id, name)
);

CREATE TABLE kiosks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    facility_id BIGINT NOT NULL REFERENCES facilities(id),
    housing_unit_id BIGINT REFERENCES housing_units(id),
    kind TEXT NOT NULL CHECK (kind IN ('housing', 'lobby')),
    name TEXT NOT NULL,
    UNIQUE (facility_id, name)
);

-- A NULL housing unit means the facility's lobby hours.
CREATE TABLE visiting_hours (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    facility_id BIGINT NOT NULL REFERENCES facilities(id),
    housing_unit_id BIGINT REFERENCES housing_units(id),
    weekday BIGINT NOT NULL CHECK (weekday BETWEEN 1 AND 7),
    open_minute BIGINT NOT NULL,
    close_minute BIGINT NOT NULL,
    CHECK (open_minute < close_minute)
);

CREATE TABLE residents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    facility_id BIGINT NOT NULL REFERENCES facilities(id),
    booking_number TEXT NOT NULL,
    full_name TEXT NOT NULL,
    housing_unit_id BIGINT NOT NULL REFERENCES housing_units(id),
    status TEXT NOT NULL CHECK (status IN ('active', 'released')),
    UNIQUE (facility_id, booking_number)
);

CREATE TABLE accounts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('visitor', 'facility_admin', 'officer', 'support')),
    facility_id BIGINT REFERENCES facilities(id),
    language TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    expires_at BIGINT NOT NULL
);

CREATE TABLE approvals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    visitor_id BIGINT NOT NULL REFERENCES accounts(id),
    resident_id BIGINT NOT NULL REFERENCES residents(id),
    facility_id BIGINT NOT NULL REFERENCES facilities(id),
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'suspended')),
    reason TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (visitor_id, resident_id)
);

CREATE TABLE visits (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    facility_id BIGINT NOT NULL REFERENCES facilities(id),
    resident_id BIGINT NOT NULL REFERENCES residents(id),
    visitor_id BIGINT NOT NULL REFERENCES accounts(id),
    kind TEXT NOT NULL CHECK (kind IN ('remote', 'on_site')),
    privileged BIGINT NOT NULL,
    housing_kiosk_id BIGINT NOT NULL REFERENCES kiosks(id),
    lobby_kiosk_id BIGINT REFERENCES kiosks(id),
    start_at BIGINT NOT NULL,
    end_at BIGINT NOT NULL,
    charge_kind TEXT NOT NULL,
    price_cents BIGINT NOT NULL CHECK (price_cents >= 0),
    status TEXT NOT NULL CHECK (status IN ('booked', 'cancelled', 'completed', 'missed', 'ended_by_staff', 'failed')),
    cancelled_by TEXT,
    cancel_reason TEXT,
    refund_cents BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    CHECK (start_at < end_at)
);
CREATE INDEX visits_visitor ON visits (visitor_id, start_at);
CREATE INDEX visits_resident ON visits (resident_id, start_at);
CREATE INDEX visits_facility ON visits (facility_id, start_at);
CREATE INDEX visits_kiosk ON visits (housing_kiosk_id, start_at);

-- The double-booking guard: one row per (resource, 5-minute granule). The primary key
-- decides which of two racing bookings wins, under any isolation level.
CREATE TABLE claims (
    resource TEXT NOT NULL,
    granule BIGINT NOT NULL,
    visit_id BIGINT NOT NULL REFERENCES visits(id),
    PRIMARY KEY (resource, granule)
);
CREATE INDEX claims_visit ON claims (visit_id);

-- Visits per resident per week (Monday, facility time), updated conditionally so the
-- weekly limit holds when bookings race.
CREATE TABLE week_counts (
    resident_id BIGINT NOT NULL REFERENCES residents(id),
    week_start TEXT NOT NULL,
    visits BIGINT NOT NULL CHECK (visits >= 0),
    PRIMARY KEY (resident_id, week_start)
);

CREATE TABLE ledger_entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    visit_id BIGINT REFERENCES visits(id),
    actor_id BIGINT REFERENCES accounts(id),
    memo TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE ledger_postings (
    entry_id BIGINT NOT NULL REFERENCES ledger_entries(id),
    account TEXT NOT NULL,
    amount_cents BIGINT NOT NULL,
    PRIMARY KEY (entry_id, account)
);
CREATE INDEX ledger_postings_account ON ledger_postings (account);

-- Guarded visitor balances: an UPDATE ... WHERE cents >= amount in the same
-- transaction as the journal entry; the CHECK is the last line of defence.
CREATE TABLE balances (
    account TEXT PRIMARY KEY,
    cents BIGINT NOT NULL CHECK (cents >= 0)
);

CREATE TABLE idempotency (
    account_id BIGINT NOT NULL,
    idem_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status_code BIGINT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, idem_key)
);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at BIGINT NOT NULL,
    actor_id BIGINT,
    facility_id BIGINT,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail TEXT NOT NULL
);

CREATE TABLE rate_caps (
    facility_type TEXT NOT NULL,
    min_population BIGINT NOT NULL,
    max_population BIGINT NOT NULL,
    cap_millicents_per_minute BIGINT NOT NULL,
    PRIMARY KEY (facility_type, min_population)
);
INSERT INTO rate_caps VALUES
    ('prison', 0, 4294967295, 25000),
    ('jail', 1000, 4294967295, 19000),
    ('jail', 350, 999, 19000),
    ('jail', 100, 349, 21000),
    ('jail', 50, 99, 25000),
    ('jail', 0, 49, 44000);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
