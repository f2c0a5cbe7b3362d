-- How many times a visit was changed: the calendar invitation's SEQUENCE.
ALTER TABLE visits ADD COLUMN sequence BIGINT NOT NULL DEFAULT 0;
