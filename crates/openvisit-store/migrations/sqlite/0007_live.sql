-- Live video visits: what actually happened, kiosk devices, resident PINs, notices to
-- waiting families (R18) and recordings kept for a facility-set period (R14).

-- What the live visit reported when it was settled (R4, R5, R13).
ALTER TABLE visits ADD COLUMN actual_start BIGINT;
ALTER TABLE visits ADD COLUMN actual_end BIGINT;
ALTER TABLE visits ADD COLUMN end_reason TEXT;
ALTER TABLE visits ADD COLUMN missed_by TEXT CHECK (missed_by IN ('visitor', 'resident', 'both'));
ALTER TABLE visits ADD COLUMN connected_seconds BIGINT NOT NULL DEFAULT 0;
ALTER TABLE visits ADD COLUMN lost_minutes BIGINT NOT NULL DEFAULT 0;
-- On-site visits only: the code the visitor types at the lobby kiosk. NULLs are
-- distinct in a unique index on both backends, so remote visits never collide.
ALTER TABLE visits ADD COLUMN lobby_code TEXT;
CREATE UNIQUE INDEX visits_lobby_code ON visits (facility_id, lobby_code);
CREATE INDEX visits_lobby_kiosk ON visits (lobby_kiosk_id, start_at);

-- A kiosk proves what it is with a secret key; only its SHA-256 is stored.
ALTER TABLE kiosks ADD COLUMN device_key_hash TEXT;
CREATE UNIQUE INDEX kiosks_device_key ON kiosks (device_key_hash);

-- A resident signs in to a visit at the housing kiosk with a PIN (argon2id hash).
ALTER TABLE residents ADD COLUMN pin_hash TEXT;
ALTER TABLE residents ADD COLUMN pin_failures BIGINT NOT NULL DEFAULT 0;
ALTER TABLE residents ADD COLUMN pin_locked_until BIGINT;

-- How many days recordings are kept.
ALTER TABLE facilities ADD COLUMN recording_days BIGINT NOT NULL DEFAULT 30 CHECK (recording_days >= 1);

-- Notices staff post to the families waiting for a visit (lockdown, court, delay).
CREATE TABLE visit_notices (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    visit_id BIGINT NOT NULL REFERENCES visits(id),
    facility_id BIGINT NOT NULL REFERENCES facilities(id),
    author_id BIGINT NOT NULL REFERENCES accounts(id),
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX visit_notices_visit ON visit_notices (visit_id, id);

-- One recording per visit; deleted_at is set once the file is removed at the end of
-- the facility's retention period.
CREATE TABLE recordings (
    visit_id BIGINT PRIMARY KEY REFERENCES visits(id),
    facility_id BIGINT NOT NULL REFERENCES facilities(id),
    path TEXT NOT NULL,
    bytes BIGINT NOT NULL CHECK (bytes >= 0),
    created_at BIGINT NOT NULL,
    deleted_at BIGINT
);
CREATE INDEX recordings_kept ON recordings (deleted_at, created_at);
