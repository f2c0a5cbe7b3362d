-- When the reminder email for a visit went out (R15); NULL until then.
ALTER TABLE visits ADD COLUMN reminded_at BIGINT;
