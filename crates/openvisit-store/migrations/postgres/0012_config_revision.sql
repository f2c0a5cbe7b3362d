-- Bumped in the same transaction as every change to what booking reads of a facility
-- and rarely changes: its settings, visiting hours, kiosks and blackouts. The booking
-- writer keeps those rows in memory and reads this with the approvals, under its lock,
-- so it never uses a stale copy.
ALTER TABLE facilities ADD COLUMN config_revision BIGINT NOT NULL DEFAULT 0;
