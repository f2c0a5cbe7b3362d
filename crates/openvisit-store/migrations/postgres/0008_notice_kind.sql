-- What a waiting-room notice is about, so families read it in their own language
-- (R18): a lockdown, court, a delay, or something else (the staff's words).
ALTER TABLE visit_notices ADD COLUMN kind TEXT NOT NULL DEFAULT 'other'
    CHECK (kind IN ('lockdown', 'court', 'delay', 'other'));
