-- Staff grant privileged (attorney) status per visitor and person in custody: the visits
-- booked under it are neither monitored nor recorded (R14).
ALTER TABLE approvals ADD COLUMN privileged BIGINT NOT NULL DEFAULT 0;
